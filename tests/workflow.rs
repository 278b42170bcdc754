//! The life of a case through the browser's forms: messages, internal notes, assignment,
//! requests for information, decisions per item, closing, reopening, withdrawing, contesting.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::TestApp;

async fn a_liaison_answers_and_the_partner_sees_the_answer(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");

    let queue = lea.get("/cases").await;
    assert!(queue.contains(&reference) && queue.contains("Alpha Helpline"));
    assert_eq!(lea.post(&format!("{path}/assign"), &[("assignee", "me")]).await.status, 303);
    let sent = lea.post(&format!("{path}/messages"), &[("body", "We are looking at it now.")]).await;
    assert_eq!(sent.status, 303);
    assert_eq!(sent.location.as_deref(), Some(format!("{path}#latest").as_str()));

    let page = alice.get(&path).await;
    assert!(page.contains("We are looking at it now."));
    assert!(page.contains("In review"));
    assert!(page.contains("Assigned to "));
    alice.post(&format!("{path}/messages"), &[("body", "Thank you, the girl is safe at home.")]).await;
    assert!(lea.get(&path).await.contains("Thank you, the girl is safe at home."));
}

async fn a_request_for_information_pauses_until_the_partner_answers(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    let missing = lea.post(&format!("{path}/transition"), &[("action", "request_information"), ("message", "")]).await;
    assert_eq!(missing.status, 422, "a request for information needs a question");
    assert!(missing.contains("id=\"request_information-error\">This field is required."));
    lea.post(&format!("{path}/transition"), &[("action", "request_information"), ("message", "Which school?")]).await;
    let page = alice.get(&path).await;
    assert!(page.contains("Waiting for your answer") && page.contains("Which school?"));
    assert!(page.contains("The platform team asked you for information"));
    alice.post(&format!("{path}/messages"), &[("body", "Collège Jean Moulin.")]).await;
    let page = lea.get(&path).await;
    assert!(page.contains("Status changed from Awaiting the partner&#39;s answer to In review."), "{}", page.body);
}

async fn a_decision_is_recorded_per_item_and_the_partner_reads_the_reasons(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice
        .file_case(&[
            ("item_rows", "2"),
            ("item_1_locator_kind", "post_id"),
            ("item_1_locator", "777"),
            ("item_1_content_type", "comment"),
            ("item_1_seen_at", "2026-01-05T12:00"),
        ])
        .await;
    let path = format!("/cases/{reference}");
    let page = lea.get(&path).await;
    let ids: Vec<String> = page
        .body
        .match_indices("name=\"outcome_")
        .map(|(i, _)| {
            let rest = &page.body[i + "name=\"outcome_".len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 2, "one decision per reported item");
    let (first, second) = (ids[0].clone(), ids[1].clone());

    let incomplete = lea
        .post(
            &format!("{path}/decision"),
            &[
                ("decision", "1"),
                (&format!("outcome_{first}"), "removed"),
                (&format!("reasons_{first}"), "Harassment of a minor."),
            ],
        )
        .await;
    assert_eq!(incomplete.status, 422);
    assert!(incomplete.contains(&format!("id=\"outcome_{second}-error\">Please choose one.")));
    assert!(incomplete.contains(">Harassment of a minor.</textarea>"), "typed reasons are kept");
    assert_eq!(app.count("case_events"), 2, "only the filing and the liaison's view so far");

    let decided = lea
        .post(
            &format!("{path}/decision"),
            &[
                ("decision", "1"),
                (&format!("outcome_{first}"), "removed"),
                (&format!("reasons_{first}"), "Harassment of a minor: removed under our rules and the law."),
                (&format!("outcome_{second}"), "no_violation"),
                (&format!("reasons_{second}"), "This comment is critical but not abusive."),
                (&format!("automated_{second}"), "1"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303);
    let page = alice.get(&path).await;
    assert!(page.contains("Decided"));
    assert!(page.contains("Harassment of a minor: removed under our rules and the law."));
    assert!(page.contains("No violation found") && page.contains("decided with automated means"));
    assert!(page.contains("Item 1: Removed") && page.contains("Item 2: No violation found"));

    assert_eq!(lea.post(&format!("{path}/transition"), &[("action", "close")]).await.status, 303);
    assert!(alice.get(&path).await.contains(">Closed<"));
    let reopened = alice.post(&format!("{path}/transition"), &[("action", "reopen")]).await;
    assert_eq!(reopened.status, 303);
    assert!(alice.get(&path).await.contains(">Reopened<"));
}

async fn a_contested_decision_goes_back_to_a_liaison(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    let page = lea.get(&path).await;
    let start = page.body.find("name=\"outcome_").unwrap() + "name=\"outcome_".len();
    let id = page.body[start..start + page.body[start..].find('"').unwrap()].to_owned();
    lea.post(
        &format!("{path}/decision"),
        &[("decision", "1"), (&format!("outcome_{id}"), "no_violation"), (&format!("reasons_{id}"), "Not abusive.")],
    )
    .await;
    let contested = alice
        .post(&format!("{path}/transition"), &[("action", "contest"), ("message", "The comments name her school.")])
        .await;
    assert_eq!(contested.status, 303);
    let page = lea.get(&path).await;
    assert!(page.contains(">Contested<") && page.contains("The comments name her school."));
    lea.post(
        &format!("{path}/decision"),
        &[
            ("decision", "1"),
            (&format!("outcome_{id}"), "removed"),
            (&format!("reasons_{id}"), "On review: doxxing a minor."),
        ],
    )
    .await;
    let page = alice.get(&path).await;
    assert!(page.contains("On review: doxxing a minor.") && page.contains(">Decided<"));

    // The revised decision may be contested once more; once confirmed, no further contest.
    alice.post(&format!("{path}/transition"), &[("action", "contest"), ("message", "Still visible.")]).await;
    let bare = lea.post(&format!("{path}/transition"), &[("action", "confirm_decision")]).await;
    assert_eq!(bare.status, 422, "confirming a contested decision needs reasons");
    assert!(bare.contains("id=\"confirm_decision-error\">This field is required."));
    let confirmed = lea
        .post(
            &format!("{path}/transition"),
            &[("action", "confirm_decision"), ("message", "The post is gone; the account stays under review.")],
        )
        .await;
    assert_eq!(confirmed.status, 303);
    assert!(alice.get(&path).await.contains("The post is gone; the account stays under review."));
    let again = alice.post(&format!("{path}/transition"), &[("action", "contest"), ("message", "Once more.")]).await;
    assert_eq!(again.status, 409);
    assert!(again.contains("already contested and reviewed"));
    assert!(!alice.get(&path).await.contains("Once more."));
}

async fn concurrent_actions_on_one_case_apply_once(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}/transition");
    let mut liaisons = Vec::new();
    for _ in 0..6 {
        liaisons.push(app.sign_in(&cast.lea).await);
    }
    let attempts = liaisons.iter_mut().map(|lea| {
        let path = path.clone();
        async move { lea.post(&path, &[("action", "triage")]).await.status }
    });
    let mut statuses = futures_util::future::join_all(attempts).await;
    statuses.sort();
    assert_eq!(statuses, vec![303, 409, 409, 409, 409, 409], "one triage wins, the others are refused cleanly");
    assert_eq!(app.count("case_events"), 2, "the filing and one status change");
}

async fn a_withdrawal_reason_that_is_too_long_is_shown_in_place(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let long = "w".repeat(10_001);
    let response =
        alice.post(&format!("/cases/{reference}/transition"), &[("action", "withdraw"), ("message", &long)]).await;
    assert_eq!(response.status, 422);
    assert!(response.contains("id=\"withdraw-error\">This is too long."));
    assert!(response.contains(&format!(">{long}</textarea>")));
    assert!(alice.get(&format!("/cases/{reference}")).await.contains(">Submitted<"));
}

async fn every_staff_view_is_recorded_and_can_be_shown(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    lea.get(&path).await;
    lea.get(&path).await;
    lea.post(&format!("{path}/assign"), &[("assignee", "me")]).await;
    let compact = lea.get(&path).await;
    let full = lea.get(&format!("{path}?views=all")).await;
    assert_eq!(full.body.matches("Viewed the case.").count(), 4, "every view is on the full timeline");
    assert_eq!(compact.body.matches("Viewed the case.").count(), 1, "views an action implies, or repeats, are folded");
    assert!(compact.contains("Show every recorded view (2 more)"), "{}", compact.body);
}

/// The folding of views, done in SQL, on both backends: a run of views by one person shows
/// once (its first), and not at all when that person's own action ends it.
async fn views_fold_in_sql_the_same_way_on_both_backends(app: TestApp) {
    use diesel::prelude::*;
    use passerelle::db::events::{self, Audience, EventKind, NewEvent};
    use passerelle::db::schema::cases;

    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let (id, organisation): (i64, i64) = cases::table
        .filter(cases::reference.eq(&reference))
        .select((cases::id, cases::organisation_id))
        .first(&mut *app.conn())
        .unwrap();
    let (filer, lea, max) = (cast.alice.id, cast.lea.id, cast.max.id);
    let steps = [
        (EventKind::Viewed, lea),
        (EventKind::Viewed, lea),
        (EventKind::Assigned, lea),
        (EventKind::Viewed, max),
        (EventKind::Viewed, max),
        (EventKind::Message, filer),
        (EventKind::Viewed, lea),
        (EventKind::Viewed, max),
        (EventKind::Viewed, lea),
        (EventKind::Viewed, lea),
    ];
    for (kind, actor) in steps {
        let event = NewEvent {
            case: passerelle::domain::ids::CaseId(id),
            organisation: passerelle::domain::ids::OrgId(organisation),
            actor,
            address: None,
            kind,
            body: None,
            detail: None,
            at: passerelle::db::now(),
        };
        events::record(&mut app.conn(), &event).unwrap();
    }
    let case = passerelle::domain::ids::CaseId(id);
    let (shown, left_out) = events::timeline(&mut app.conn(), case, Audience::Staff, true).unwrap();
    let shown: Vec<(EventKind, i64)> = shown.iter().map(|e| (e.kind, e.actor.0)).collect();
    assert_eq!(
        shown,
        vec![
            (EventKind::Filed, filer.0),
            (EventKind::Assigned, lea.0),
            (EventKind::Viewed, max.0),
            (EventKind::Message, filer.0),
            (EventKind::Viewed, lea.0),
            (EventKind::Viewed, max.0),
            (EventKind::Viewed, lea.0),
        ]
    );
    assert_eq!(left_out, 4);
    let (all, none_left_out) = events::timeline(&mut app.conn(), case, Audience::Staff, false).unwrap();
    assert_eq!((all.len(), none_left_out), (11, 0));
    let (partner, partner_left_out) = events::timeline(&mut app.conn(), case, Audience::Partner, true).unwrap();
    let partner: Vec<EventKind> = partner.iter().map(|e| e.kind).collect();
    assert_eq!(partner, vec![EventKind::Filed, EventKind::Assigned, EventKind::Message]);
    assert_eq!(partner_left_out, 0, "a partner never hears of views");
}

async fn a_partner_withdraws_before_a_decision(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    let withdrawn =
        alice.post(&format!("{path}/transition"), &[("action", "withdraw"), ("message", "Filed twice.")]).await;
    assert_eq!(withdrawn.status, 303);
    let page = alice.get(&path).await;
    assert!(page.contains(">Withdrawn by the partner<") && page.contains("Filed twice."));

    let late = alice.post(&format!("{path}/messages"), &[("body", "It started again.")]).await;
    assert_eq!(late.status, 409, "nobody would read a message on a finished case");
    assert!(late.contains("Reopen it"));
    assert!(late.contains(">It started again.</textarea>"), "the message is kept for the partner");
    let reopened =
        alice.post(&format!("{path}/transition"), &[("action", "reopen"), ("message", "It started again.")]).await;
    assert_eq!(reopened.status, 303);
    let page = alice.get(&path).await;
    assert!(page.contains(">Reopened<") && page.contains("It started again."));
}

async fn a_forbidden_transition_is_refused_and_changes_nothing(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    let events_before = app.count("case_events");
    let close = lea.post(&format!("{path}/transition"), &[("action", "close")]).await;
    assert_eq!(close.status, 409);
    assert!(close.contains("This action is not possible while the case has its current status. Nothing was changed."));
    let events_after_view = app.count("case_events");
    let partner_closes = alice.post(&format!("{path}/transition"), &[("action", "close")]).await;
    assert_eq!(partner_closes.status, 409);
    assert!(partner_closes.contains("This action is not yours to take on this case."));
    let partner_decides = alice.post(&format!("{path}/decision"), &[("decision", "1")]).await;
    assert_eq!(partner_decides.status, 404, "the decision route does not exist for partners");
    let unknown = alice.post(&format!("{path}/transition"), &[("action", "explode")]).await;
    assert_eq!(unknown.status, 400);
    let partner_note = alice.post(&format!("{path}/messages"), &[("body", "sneaky"), ("internal", "1")]).await;
    assert_eq!(partner_note.status, 403);
    assert!(alice.get(&path).await.contains(">Submitted<"));
    assert_eq!(events_before, events_after_view, "a refused action records nothing");
    assert_eq!(app.count("case_events"), events_before);
}

async fn an_empty_message_is_refused_in_place(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let response = alice.post(&format!("/cases/{reference}/messages"), &[("body", "   ")]).await;
    assert_eq!(response.status, 422);
    assert!(response.contains("id=\"body-error\">This field is required."));
    assert_eq!(app.count("case_events"), 1);
}

async fn a_referral_to_authorities_is_recorded_for_staff_only(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[("urgency", "imminent")]).await;
    let path = format!("/cases/{reference}");
    let response = lea
        .post(
            &format!("{path}/referral"),
            &[("authority", "OCRVP"), ("authority_reference", "PV-2026-99"), ("referred_at", "2026-01-05T10:45")],
        )
        .await;
    assert_eq!(response.status, 303);
    assert!(lea.get(&path).await.contains("Referred to OCRVP at 2026-01-05 10:45 UTC. Reference: PV-2026-99"));
    let partner_view = alice.get(&path).await;
    assert!(!partner_view.contains("OCRVP") && !partner_view.contains("PV-2026-99"));
}

on_both_backends!(
    a_liaison_answers_and_the_partner_sees_the_answer,
    a_request_for_information_pauses_until_the_partner_answers,
    a_decision_is_recorded_per_item_and_the_partner_reads_the_reasons,
    a_contested_decision_goes_back_to_a_liaison,
    a_partner_withdraws_before_a_decision,
    a_forbidden_transition_is_refused_and_changes_nothing,
    an_empty_message_is_refused_in_place,
    a_referral_to_authorities_is_recorded_for_staff_only,
    concurrent_actions_on_one_case_apply_once,
    every_staff_view_is_recorded_and_can_be_shown,
    views_fold_in_sql_the_same_way_on_both_backends,
    a_withdrawal_reason_that_is_too_long_is_shown_in_place,
);
