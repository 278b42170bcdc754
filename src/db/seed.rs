//! A large, realistic database for measuring: partner organisations, their people and staff,
//! and cases across categories, urgencies and statuses with their items and timelines. Rows go
//! in many at a time (`insert_many!`), a batch of cases per transaction. Seeded history has no
//! audit records and sends no email: it is a stage for the benchmark, not anyone's past.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::schema::{case_events, cases, organisations, reported_items, users};
use super::{DbConnection, insert_many};
use crate::domain::case_fields::{AgeBand, Ground, Urgency};
use crate::domain::case_reference::CaseReference;
use crate::domain::case_status::CaseStatus;
use crate::domain::category::Category;
use crate::domain::event_kind::EventKind;
use crate::domain::new_case::GOOD_FAITH_VERSION;
use crate::domain::outcome::Outcome;
use crate::domain::priority::{Priority, PriorityInputs};
use crate::domain::role::{OrgKind, Role};

/// The second factor of every seeded staff account (staff must have one): the benchmark types
/// codes from it. Seeded data is for measuring only.
pub const STAFF_TOTP_SECRET: &str = "KRSXG5CTMVSWIRDBORQUEZLOMNUG2YLS";

/// How much to seed.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub cases: u64,
    pub organisations: u64,
    pub users: u64,
    /// Cases closed longer ago than this are seeded as retention leaves them (anonymised), as a
    /// platform that has run for years holds them; 0 keeps every one whole.
    pub retention_months: u32,
}

/// A small, fast, deterministic generator (SplitMix64): the same plan seeds the same data.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of `choices`, each as likely as its weight.
    fn weighted<T: Copy>(&mut self, choices: &[(T, u64)]) -> T {
        let total: u64 = choices.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total);
        for (choice, weight) in choices {
            if roll < *weight {
                return *choice;
            }
            roll -= weight;
        }
        choices[0].0
    }
}

const CATEGORIES: &[(Category, u64)] = &[
    (Category::Harassment, 34),
    (Category::Impersonation, 14),
    (Category::AdultIntimateImages, 8),
    (Category::MinorIntimateImages, 7),
    (Category::SelfHarm, 8),
    (Category::Grooming, 5),
    (Category::ChildSexualAbuse, 4),
    (Category::Doxxing, 6),
    (Category::HateOrThreats, 7),
    (Category::DangerousChallenge, 3),
    (Category::Other, 4),
];

const AGE_BANDS: &[(AgeBand, u64)] = &[
    (AgeBand::Under13, 10),
    (AgeBand::From13To14, 25),
    (AgeBand::From15To17, 30),
    (AgeBand::Adult, 20),
    (AgeBand::Unknown, 15),
];

/// Most cases are long closed; a few thousand in a million are open.
const STATUSES: &[(CaseStatus, u64)] = &[
    (CaseStatus::Closed, 9_300),
    (CaseStatus::Withdrawn, 300),
    (CaseStatus::Decided, 300),
    (CaseStatus::Submitted, 20),
    (CaseStatus::Triaged, 10),
    (CaseStatus::InReview, 40),
    (CaseStatus::AwaitingPartner, 30),
];

const EXPLANATIONS: &[&str] = &[
    "A pupil is insulted every evening in the comments of her posts by accounts from her school.",
    "Photos of a teenager were used to create an account in her name that messages her classmates.",
    "An adult keeps writing to a 13-year-old and asks for pictures; the child told our helpline.",
    "A video shows a challenge that already sent two teenagers to hospital this month.",
    "Intimate images of a student are shared in a group chat after a break-up, with her name.",
    "A post gives the home address and phone number of a young woman after a dispute.",
    "An account posts messages encouraging a 15-year-old to stop eating, with weight targets.",
    "Threats of violence against a teacher, with the school's name and a date.",
];

#[derive(Insertable)]
#[diesel(table_name = organisations)]
struct OrganisationRow {
    name: String,
    kind: &'static str,
    trusted_flagger: bool,
    designating_authority: Option<&'static str>,
    expertise: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_null = true)]
struct UserRow {
    organisation_id: i64,
    email: String,
    display_name: String,
    password_hash: String,
    role: &'static str,
    locale: Option<&'static str>,
    created_at: NaiveDateTime,
    totp_secret: Option<&'static str>,
}

#[derive(Insertable)]
#[diesel(table_name = cases)]
#[diesel(treat_none_as_null = true)]
struct CaseRow {
    reference: String,
    organisation_id: i64,
    filed_by: i64,
    assignee_id: Option<i64>,
    status: &'static str,
    category: &'static str,
    urgency: &'static str,
    priority: &'static str,
    ground: &'static str,
    explanation: &'static str,
    age_band: &'static str,
    partner_reference: Option<String>,
    authorities_involved: bool,
    good_faith_version: &'static str,
    good_faith_at: NaiveDateTime,
    search_text: String,
    received_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    decided_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    anonymised_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = reported_items)]
#[diesel(treat_none_as_null = true)]
struct ItemRow {
    case_id: i64,
    position: i32,
    locator_kind: &'static str,
    locator: String,
    content_type: &'static str,
    seen_at: NaiveDateTime,
    outcome: Option<&'static str>,
    reasons: Option<&'static str>,
    automated: Option<bool>,
    decided_by: Option<i64>,
    decided_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = case_events)]
#[diesel(treat_none_as_null = true)]
struct EventRow {
    case_id: i64,
    actor_id: i64,
    kind: &'static str,
    internal: bool,
    body: Option<&'static str>,
    detail: Option<String>,
    created_at: NaiveDateTime,
}

/// The people of the seeded world: each partner organisation's members, and the staff.
struct World {
    /// Per organisation: its id, whether it is a trusted flagger, its areas, its members.
    partners: Vec<(i64, bool, Vec<Category>, Vec<i64>)>,
    liaisons: Vec<i64>,
}

/// Adds organisations and people (every seeded account's password is `password_hash`'s).
fn people(
    conn: &mut DbConnection,
    plan: &Plan,
    password_hash: &str,
    now: NaiveDateTime,
    dice: &mut Dice,
) -> QueryResult<World> {
    let platform: i64 = organisations::table
        .filter(organisations::kind.eq(OrgKind::Platform.code()))
        .select(organisations::id)
        .first(conn)?;
    let start: i64 = organisations::table.count().get_result(conn)?;
    let orgs: Vec<OrganisationRow> = (0..plan.organisations)
        .map(|n| {
            let trusted = dice.below(3) > 0;
            let areas: Vec<&str> = CATEGORIES.iter().filter(|_| dice.below(4) == 0).map(|(c, _)| c.code()).collect();
            OrganisationRow {
                name: format!("Seeded partner {:04}", start + n as i64),
                kind: OrgKind::Partner.code(),
                trusted_flagger: trusted,
                designating_authority: trusted.then_some("Arcom"),
                expertise: areas.join(","),
                created_at: now,
            }
        })
        .collect();
    insert_many!(conn, organisations::table, &orgs)?;
    let names: Vec<String> = orgs.iter().map(|o| o.name.clone()).collect();
    let rows: Vec<(i64, String, bool, String)> = organisations::table
        .filter(organisations::name.eq_any(&names))
        .select((organisations::id, organisations::name, organisations::trusted_flagger, organisations::expertise))
        .load(conn)?;
    let staff_count = (plan.users / 100).max(2);
    let per_org = ((plan.users.saturating_sub(staff_count)) / plan.organisations.max(1)).max(1);
    let mut accounts = Vec::new();
    let user_start: i64 = users::table.count().get_result(conn)?;
    let mut counter = user_start;
    let mut next_email = |label: &str| {
        counter += 1;
        format!("seed-{counter}-{label}@seed.test")
    };
    for (id, _, _, _) in &rows {
        for m in 0..per_org {
            let role = if m == 0 { Role::PartnerAdmin } else { Role::PartnerCaseworker };
            let email = next_email("partner");
            accounts.push(UserRow {
                organisation_id: *id,
                display_name: format!("Seeded {} {m}", role.code()),
                email,
                password_hash: password_hash.to_owned(),
                role: role.code(),
                locale: None,
                created_at: now,
                totp_secret: None,
            });
        }
    }
    for s in 0..staff_count {
        let role = if s == 0 { Role::PlatformAdmin } else { Role::Liaison };
        accounts.push(UserRow {
            organisation_id: platform,
            display_name: format!("Seeded {} {s}", role.code()),
            email: next_email("staff"),
            password_hash: password_hash.to_owned(),
            role: role.code(),
            locale: None,
            created_at: now,
            totp_secret: Some(STAFF_TOTP_SECRET),
        });
    }
    for chunk in accounts.chunks(1_000) {
        insert_many!(conn, users::table, chunk)?;
    }
    let members: Vec<(i64, i64, String)> = users::table
        .filter(users::email.like("seed-%@seed.test"))
        .filter(users::id.gt(0))
        .select((users::id, users::organisation_id, users::role))
        .load(conn)?;
    let liaisons = members.iter().filter(|(_, _, role)| role == Role::Liaison.code()).map(|(id, _, _)| *id).collect();
    let partners = rows
        .into_iter()
        .map(|(id, _, trusted, expertise)| {
            let team = members.iter().filter(|(_, org, _)| *org == id).map(|(user, _, _)| *user).collect();
            (id, trusted, Category::parse_list(&expertise), team)
        })
        .collect();
    Ok(World { partners, liaisons })
}

/// Seeds `plan`, calling `progress` with the number of cases written so far.
pub fn run(
    conn: &mut DbConnection,
    plan: &Plan,
    password_hash: &str,
    now: NaiveDateTime,
    mut progress: impl FnMut(u64),
) -> QueryResult<()> {
    const BATCH: u64 = 2_000;
    let mut dice = Dice(plan.cases ^ 0x5EED);
    let world = conn.transaction(|conn| {
        super::lock_for_write(conn)?;
        people(conn, plan, password_hash, now, &mut dice)
    })?;
    // References count up from the number of cases already there: unique without a lookup.
    let existing: i64 = cases::table.count().get_result(conn)?;
    let mut written = 0;
    while written < plan.cases {
        let size = BATCH.min(plan.cases - written);
        conn.transaction(|conn| {
            super::lock_for_write(conn)?;
            batch(conn, &world, existing as u64 + written, size, (now, plan.retention_months), &mut dice)
        })?;
        written += size;
        progress(written);
    }
    // What a live database soon gets on its own, so the benchmark measures that: on
    // PostgreSQL, autovacuum's pass over the new rows (their visibility recorded, so reads need
    // not set it page by page, and the planner's statistics); on SQLite, the server's upkeep of
    // the full-text index.
    if let DbConnection::Postgres(_) = conn {
        diesel::RunQueryDsl::execute(diesel::sql_query("VACUUM (ANALYZE)"), conn)?;
    }
    while super::tidy_search_index(conn)? {}
    Ok(())
}

/// The reference of the `n`th seeded case: seven symbols spelling `n` (a reference's own
/// alphabet), unique while `n` stays under 32⁷.
fn reference(n: u64, received_at: NaiveDateTime) -> String {
    let mut symbols = [0u8; 7];
    for (i, symbol) in symbols.iter_mut().enumerate() {
        *symbol = ((n >> (5 * (6 - i))) & 31) as u8;
    }
    CaseReference::new(received_at, symbols).as_str().to_owned()
}

fn batch(
    conn: &mut DbConnection,
    world: &World,
    first: u64,
    size: u64,
    clock: (NaiveDateTime, u32),
    dice: &mut Dice,
) -> QueryResult<()> {
    let (now, retention_months) = clock;
    let cutoff = crate::retention::cutoff(now, retention_months);
    let mut rows = Vec::with_capacity(size as usize);
    let mut plans = Vec::with_capacity(size as usize);
    for n in first..first + size {
        let (org, trusted, expertise, team) = &world.partners[dice.below(world.partners.len() as u64) as usize];
        let filer = team[dice.below(team.len() as u64) as usize];
        let category = dice.weighted(CATEGORIES);
        let mut age_band = dice.weighted(AGE_BANDS);
        if category == Category::AdultIntimateImages {
            age_band = AgeBand::Adult;
        }
        let urgency = dice.weighted(&[(Urgency::Standard, 80), (Urgency::Urgent, 17), (Urgency::ImminentRisk, 3)]);
        let status = dice.weighted(STATUSES);
        let priority =
            Priority::compute(&PriorityInputs { urgency, category, age_band, trusted_flagger: *trusted, expertise });
        // Received over the last three years; the open ones lately.
        let age_minutes = if matches!(status, CaseStatus::Closed | CaseStatus::Withdrawn) {
            60 * 24 * 30 + dice.below(60 * 24 * 365 * 3)
        } else {
            dice.below(60 * 24 * 30)
        };
        let received_at = now - TimeDelta::minutes(age_minutes as i64);
        let decided = matches!(status, CaseStatus::Decided | CaseStatus::Closed);
        let finished = matches!(status, CaseStatus::Closed | CaseStatus::Withdrawn);
        let reference = reference(n, received_at);
        let explanation = EXPLANATIONS[dice.below(EXPLANATIONS.len() as u64) as usize];
        let items = 1 + dice.below(3) as usize;
        let locators: Vec<String> = (0..items).map(|i| format!("https://social.example/p/{}{}", n, i)).collect();
        let search_text =
            crate::domain::search::normalise(&format!("{reference} {explanation} PR-{n} {}", locators.join(" ")));
        let assignee = (status != CaseStatus::Submitted && !world.liaisons.is_empty())
            .then(|| world.liaisons[dice.below(world.liaisons.len() as u64) as usize]);
        let decided_at = decided.then(|| received_at + TimeDelta::hours(2 + dice.below(48) as i64));
        let closed_at =
            finished.then(|| decided_at.unwrap_or(received_at) + TimeDelta::days(1 + dice.below(10) as i64));
        let anonymised = closed_at.zip(cutoff).is_some_and(|(closed, cutoff)| closed < cutoff);
        rows.push(CaseRow {
            reference: reference.clone(),
            organisation_id: *org,
            filed_by: filer,
            assignee_id: assignee,
            status: status.code(),
            category: category.code(),
            urgency: urgency.code(),
            priority: priority.code(),
            ground: Ground::Both.code(),
            explanation: if anonymised { "" } else { explanation },
            age_band: age_band.code(),
            partner_reference: (!anonymised).then(|| format!("PR-{n}")),
            authorities_involved: urgency == Urgency::ImminentRisk,
            good_faith_version: GOOD_FAITH_VERSION,
            good_faith_at: received_at,
            search_text: if anonymised { String::new() } else { search_text },
            received_at,
            updated_at: closed_at.or(decided_at).unwrap_or(received_at),
            decided_at,
            closed_at,
            anonymised_at: anonymised.then_some(now),
        });
        plans.push((reference, filer, assignee, status, received_at, decided_at, closed_at, locators, anonymised));
    }
    for chunk in rows.chunks(500) {
        insert_many!(conn, cases::table, chunk)?;
    }
    let words: Vec<&str> = rows.iter().map(|row| row.search_text.as_str()).collect();
    super::search_terms::add(conn, &words.join(" "))?;
    let references: Vec<&String> = plans.iter().map(|p| &p.0).collect();
    let ids: std::collections::HashMap<String, i64> = cases::table
        .filter(cases::reference.eq_any(references))
        .select((cases::reference, cases::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let mut items = Vec::new();
    let mut events = Vec::new();
    for (reference, filer, assignee, status, received_at, decided_at, closed_at, locators, anonymised) in plans {
        let Some(&case) = ids.get(&reference) else { continue };
        let outcome = decided_at.map(|_| {
            dice.weighted(&[
                (Outcome::Removed, 50),
                (Outcome::AccountSuspended, 15),
                (Outcome::NoViolation, 25),
                (Outcome::NotActionable, 10),
            ])
        });
        for (i, locator) in locators.into_iter().enumerate() {
            items.push(ItemRow {
                case_id: case,
                position: i as i32 + 1,
                locator_kind: "url",
                locator: if anonymised { String::new() } else { locator },
                content_type: "post",
                seen_at: received_at - TimeDelta::hours(3),
                outcome: outcome.map(Outcome::code),
                reasons: outcome
                    .filter(|_| !anonymised)
                    .map(|_| "Seeded decision: against the platform's rules on harassment of minors."),
                automated: outcome.map(|_| false),
                decided_by: outcome.and(assignee),
                decided_at,
            });
        }
        let mut push =
            |actor: i64, kind: EventKind, body: Option<&'static str>, detail: Option<String>, at: NaiveDateTime| {
                events.push(EventRow {
                    case_id: case,
                    actor_id: actor,
                    kind: kind.code(),
                    internal: kind.is_internal(),
                    body: body.filter(|_| !anonymised),
                    detail,
                    created_at: at,
                });
            };
        push(filer, EventKind::Filed, None, None, received_at);
        if let Some(liaison) = assignee {
            let at = received_at + TimeDelta::minutes(20);
            push(liaison, EventKind::Viewed, None, None, at);
            push(liaison, EventKind::Assigned, None, Some("Seeded liaison".to_owned()), at);
            push(liaison, EventKind::StatusChanged, None, Some("submitted>in_review".to_owned()), at);
            let exchanges = dice.below(3);
            for e in 0..exchanges {
                let at = at + TimeDelta::minutes(30 * (e as i64 + 1));
                push(liaison, EventKind::Message, Some("Can you tell us when the posts started?"), None, at);
                push(
                    filer,
                    EventKind::Message,
                    Some("Three weeks ago; they continue every evening."),
                    None,
                    at + TimeDelta::minutes(10),
                );
            }
            if dice.below(4) == 0 {
                push(liaison, EventKind::InternalNote, Some("Checked the linked accounts: same device."), None, at);
            }
            if let (Some(decided), Some(outcome)) = (decided_at, outcome) {
                push(liaison, EventKind::Decision, None, Some(format!("1:{}", outcome.code())), decided);
            }
            if let Some(closed) = closed_at.filter(|_| status == CaseStatus::Closed) {
                push(liaison, EventKind::StatusChanged, None, Some("decided>closed".to_owned()), closed);
            }
        }
        if let Some(closed) = closed_at.filter(|_| status == CaseStatus::Withdrawn) {
            push(
                filer,
                EventKind::StatusChanged,
                Some("Resolved directly with the family."),
                Some("submitted>withdrawn".to_owned()),
                closed,
            );
        }
    }
    for chunk in items.chunks(1_000) {
        insert_many!(conn, reported_items::table, chunk)?;
    }
    for chunk in events.chunks(1_000) {
        insert_many!(conn, case_events::table, chunk)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_references_are_unique_and_well_formed() {
        let at = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default().naive_utc();
        let a = reference(0, at);
        let b = reference(1, at);
        let c = reference(1_000_000, at);
        assert!(CaseReference::parse(&a).is_some() && CaseReference::parse(&c).is_some());
        assert_ne!(a, b);
        assert_ne!(b, c);
    }
}
