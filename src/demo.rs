//! `serve --demo`: two partner organisations, a liaison, an admin and a few cases in different
//! states, so a new user can click through at once. Does nothing if partners already exist.

use chrono::TimeDelta;
use diesel::Connection;

use crate::auth::password;
use crate::db::events::{EventKind, NewEvent};
use crate::db::{self, DbConnection, cases, events, items, organisations, users};
use crate::domain::case_fields::{AgeBand, Ground, Urgency};
use crate::domain::case_status::CaseStatus;
use crate::domain::category::Category;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::new_case::NewCase;
use crate::domain::outcome::Outcome;
use crate::domain::priority::{Priority, PriorityInputs};
use crate::domain::reported_item::{ContentType, Locator, LocatorKind, NewReportedItem};
use crate::domain::role::{OrgKind, Role};

/// The password of every demonstration account.
pub const DEMO_PASSWORD: &str = "passerelle-demo";

const ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin@platform.test", "Alex Admin", Role::PlatformAdmin, None),
    ("liaison@platform.test", "Lina Liaison", Role::Liaison, None),
    ("camille@enfance.test", "Camille (e-Enfance)", Role::PartnerCaseworker, Some("e-Enfance (demo)")),
    ("direction@enfance.test", "Dominique (e-Enfance admin)", Role::PartnerAdmin, Some("e-Enfance (demo)")),
    ("sam@hotline.test", "Sam (Point de Contact)", Role::PartnerCaseworker, Some("Point de Contact (demo)")),
];

pub fn seed(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    let partners = organisations::all(conn)?.iter().filter(|o| o.kind == OrgKind::Partner).count();
    if partners == 0 {
        conn.transaction(|conn| {
            db::lock_for_write(conn)?;
            insert_demo(conn)
        })?;
        println!("Demo data added.");
    }
    println!("Demo accounts (password for each: {DEMO_PASSWORD}):");
    for (email, name, role, _) in ACCOUNTS {
        println!("  {email:<26} {name} — {role}");
    }
    Ok(())
}

fn insert_demo(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    let now = db::now();
    let enfance = organisations::insert(
        conn,
        &organisations::NewOrganisation {
            name: "e-Enfance (demo)",
            kind: OrgKind::Partner.code(),
            trusted_flagger: true,
            designating_authority: Some("Arcom"),
            designated_on: chrono::NaiveDate::from_ymd_opt(2024, 11, 6),
            expertise: organisations::NewOrganisation::expertise_codes(&[
                Category::Harassment,
                Category::MinorIntimateImages,
                Category::AdultIntimateImages,
                Category::Impersonation,
            ]),
            created_at: now,
        },
    )?;
    let hotline = organisations::insert(
        conn,
        &organisations::NewOrganisation {
            name: "Point de Contact (demo)",
            kind: OrgKind::Partner.code(),
            trusted_flagger: true,
            designating_authority: Some("Arcom"),
            designated_on: chrono::NaiveDate::from_ymd_opt(2024, 7, 2),
            expertise: organisations::NewOrganisation::expertise_codes(&[
                Category::ChildSexualAbuse,
                Category::HateOrThreats,
            ]),
            created_at: now,
        },
    )?;
    let platform = organisations::platform(conn)?.map(|o| o.id).unwrap_or(OrgId(1));
    let hash =
        password::hash(DEMO_PASSWORD).map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))?;
    let mut ids = Vec::new();
    for (email, name, role, org) in ACCOUNTS {
        let organisation = match org {
            Some(n) if n.starts_with("e-Enfance") => enfance,
            Some(_) => hotline,
            None => platform,
        };
        ids.push(users::insert(
            conn,
            &users::NewUser {
                organisation_id: organisation.0,
                email,
                display_name: name,
                password_hash: &hash,
                role: role.code(),
                locale: None,
                created_at: now,
            },
        )?);
    }
    let (liaison, camille, sam) = (ids[1], ids[2], ids[4]);

    let harassment = file(
        conn,
        enfance,
        camille,
        &DemoCase {
            category: Category::Harassment,
            urgency: Urgency::Urgent,
            age_band: AgeBand::From13To14,
            explanation: "A 13-year-old is being mocked daily in comments under a fake account impersonating her. The comments include her school name.",
            locators: &[(LocatorKind::Url, "https://social.example/@fake_lea_2013"), (LocatorKind::PostId, "98127731")],
        },
    )?;
    assign(conn, harassment, liaison)?;
    message(
        conn,
        harassment,
        liaison,
        EventKind::Message,
        "Thank you. Do you know whether the family has contacted the school?",
    )?;
    message(
        conn,
        harassment,
        liaison,
        EventKind::InternalNote,
        "Fake account created 3 days ago; same device as two banned accounts.",
    )?;
    status(conn, harassment, liaison, CaseStatus::InReview, CaseStatus::AwaitingPartner)?;

    file(
        conn,
        enfance,
        camille,
        &DemoCase {
            category: Category::SelfHarm,
            urgency: Urgency::ImminentRisk,
            age_band: AgeBand::From15To17,
            explanation: "A 16-year-old posted a story announcing she will end her life tonight, with a photo of pills. Her helpline counsellor lost contact.",
            locators: &[(LocatorKind::Handle, "@nuit_sans_fin")],
        },
    )?;

    let grooming = file(
        conn,
        hotline,
        sam,
        &DemoCase {
            category: Category::Grooming,
            urgency: Urgency::Standard,
            age_band: AgeBand::Under13,
            explanation: "An adult account sends repeated direct messages to children asking them to move to another app and send pictures.",
            locators: &[(LocatorKind::AccountId, "5550123"), (LocatorKind::MessageId, "dm-77120-a")],
        },
    )?;
    assign(conn, grooming, liaison)?;

    let impersonation = file(
        conn,
        enfance,
        camille,
        &DemoCase {
            category: Category::Impersonation,
            urgency: Urgency::Standard,
            age_band: AgeBand::From15To17,
            explanation: "A 15-year-old's photos were used to create an account in her name that messages her classmates.",
            locators: &[(LocatorKind::Handle, "@emma.v_officiel"), (LocatorKind::Url, "https://social.example/p/5512")],
        },
    )?;
    assign(conn, impersonation, liaison)?;
    decide(
        conn,
        impersonation,
        liaison,
        &[
            (
                Outcome::AccountTerminated,
                "The account impersonates a minor using her photos: terminated under our impersonation rules.",
            ),
            (Outcome::Removed, "The post reuses the same photos without consent and was removed with the account."),
        ],
    )?;
    message(
        conn,
        impersonation,
        liaison,
        EventKind::Message,
        "Both items are dealt with; tell us if a new account appears.",
    )?;
    Ok(())
}

fn decide(
    conn: &mut DbConnection,
    case: crate::domain::ids::CaseId,
    liaison: UserId,
    outcomes: &[(Outcome, &str)],
) -> Result<(), diesel::result::Error> {
    let now = db::now();
    let reported = items::for_case(conn, case)?;
    let mut summary = Vec::new();
    for (item, (outcome, reasons)) in reported.iter().zip(outcomes) {
        let decision = items::ItemDecision { item: item.id, outcome: *outcome, reasons, automated: false };
        items::record_decision(conn, case, &decision, liaison, now)?;
        summary.push(format!("{}:{}", item.position, outcome.code()));
    }
    cases::set_status(conn, case, CaseStatus::InReview, CaseStatus::Decided, now)?;
    cases::mark_decided(conn, case, now)?;
    let detail = summary.join(",");
    let organisation = cases::organisation_of(conn, case)?;
    events::record(
        conn,
        &NewEvent {
            case,
            actor: liaison,
            kind: EventKind::Decision,
            body: None,
            detail: Some(&detail),
            at: now,
            organisation,
            address: None,
        },
    )?;
    Ok(())
}

/// A demonstration escalation, as a partner would type it.
struct DemoCase<'a> {
    category: Category,
    urgency: Urgency,
    age_band: AgeBand,
    explanation: &'a str,
    locators: &'a [(LocatorKind, &'a str)],
}

fn file(
    conn: &mut DbConnection,
    org: OrgId,
    filer: UserId,
    demo: &DemoCase<'_>,
) -> Result<crate::domain::ids::CaseId, diesel::result::Error> {
    let DemoCase { category, urgency, age_band, explanation, locators } = *demo;
    let now = db::now();
    let items = locators
        .iter()
        .filter_map(|(kind, raw)| Locator::parse(*kind, raw).ok())
        .map(|locator| {
            let content_type = match locator.kind() {
                LocatorKind::Handle | LocatorKind::AccountId => ContentType::Profile,
                LocatorKind::MessageId => ContentType::DirectMessage,
                LocatorKind::Url | LocatorKind::PostId => ContentType::Post,
            };
            NewReportedItem { locator, content_type, seen_at: now - TimeDelta::hours(2) }
        })
        .collect();
    let case = NewCase {
        ground: Ground::Both,
        explanation: explanation.to_owned(),
        category,
        urgency,
        age_band,
        partner_reference: Some(format!("DEMO-{}", filer.0)),
        external_references: None,
        authorities_involved: false,
        authorities_details: None,
        items,
    };
    let org_row = organisations::find(conn, org)?;
    let priority = Priority::compute(&PriorityInputs {
        urgency,
        category,
        age_band,
        trusted_flagger: org_row.as_ref().is_some_and(|o| o.trusted_flagger),
        expertise: org_row.as_ref().map(|o| o.expertise.as_slice()).unwrap_or(&[]),
    });
    let (id, _) = cases::insert(conn, &case, org, filer, priority, now)?;
    items::insert_all(conn, id, &case.items)?;
    let organisation = cases::organisation_of(conn, id)?;
    events::record(
        conn,
        &NewEvent {
            case: id,
            actor: filer,
            kind: EventKind::Filed,
            body: None,
            detail: None,
            at: now,
            organisation,
            address: None,
        },
    )?;
    Ok(id)
}

fn assign(
    conn: &mut DbConnection,
    case: crate::domain::ids::CaseId,
    liaison: UserId,
) -> Result<(), diesel::result::Error> {
    let now = db::now();
    cases::set_assignee(conn, case, liaison, now)?;
    let name = users::names(conn, &[liaison])?.remove(&liaison).unwrap_or_default();
    let organisation = cases::organisation_of(conn, case)?;
    events::record(
        conn,
        &NewEvent {
            case,
            actor: liaison,
            kind: EventKind::Assigned,
            body: None,
            detail: Some(&name),
            at: now,
            organisation,
            address: None,
        },
    )?;
    status(conn, case, liaison, CaseStatus::Submitted, CaseStatus::InReview)
}

fn status(
    conn: &mut DbConnection,
    case: crate::domain::ids::CaseId,
    actor: UserId,
    from: CaseStatus,
    to: CaseStatus,
) -> Result<(), diesel::result::Error> {
    let now = db::now();
    cases::set_status(conn, case, from, to, now)?;
    let change = format!("{}>{}", from.code(), to.code());
    let organisation = cases::organisation_of(conn, case)?;
    events::record(
        conn,
        &NewEvent {
            case,
            actor,
            kind: EventKind::StatusChanged,
            body: None,
            detail: Some(&change),
            at: now,
            organisation,
            address: None,
        },
    )?;
    Ok(())
}

fn message(
    conn: &mut DbConnection,
    case: crate::domain::ids::CaseId,
    actor: UserId,
    kind: EventKind,
    body: &str,
) -> Result<(), diesel::result::Error> {
    let organisation = cases::organisation_of(conn, case)?;
    events::record(
        conn,
        &NewEvent { case, actor, kind, body: Some(body), detail: None, at: db::now(), organisation, address: None },
    )?;
    Ok(())
}
