//! Following cases: scopes, filters, text search, both orders and keyset pagination.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::TestApp;

fn references_in(body: &str) -> Vec<String> {
    body.match_indices("<td><a href=\"/cases/")
        .map(|(i, _)| {
            let rest = &body[i + "<td><a href=\"/cases/".len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .collect()
}

/// The table row that lists the case `reference`.
fn row_of<'a>(body: &'a str, reference: &str) -> &'a str {
    let at = body.find(&format!("/cases/{reference}\"")).expect("the case is listed");
    let start = body[..at].rfind("<tr").unwrap();
    &body[start..at + body[at..].find("</tr>").unwrap()]
}

async fn pages_follow_each_other_without_gaps_or_repeats(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut filed = Vec::new();
    for i in 0..30 {
        let urgency = if i % 7 == 0 { "urgent" } else { "standard" };
        let age = if i % 7 == 0 { "13_14" } else { "adult" };
        let category = if i % 2 == 0 { "harassment" } else { "doxxing" };
        filed.push(alice.file_case(&[("urgency", urgency), ("age_band", age), ("category", category)]).await);
    }
    // Each order with and without words every case holds (a search is paged the same way).
    for (sort, words) in [("newest", ""), ("urgency", ""), ("newest", "&q=harassed+comments"), ("urgency", "&q=harass")]
    {
        let mut seen = Vec::new();
        let mut path = format!("/cases?sort={sort}{words}");
        for _ in 0..10 {
            let page = alice.get(&path).await;
            assert_eq!(page.status, 200);
            let refs = references_in(&page.body);
            assert!(refs.len() <= 25);
            seen.extend(refs);
            let Some(start) = page.body.find("rel=\"next\"").and_then(|end| page.body[..end].rfind("href=\"")) else {
                break;
            };
            let href = &page.body[start + 6..];
            path = href[..href.find('"').unwrap_or(0)].replace("&#38;", "&").replace("&amp;", "&");
        }
        let mut expected = filed.clone();
        if sort == "newest" {
            expected.reverse();
            assert_eq!(seen, expected, "newest first, each case once");
        } else {
            assert_eq!(seen.len(), 30);
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), 30, "each case once");
            // Harassment is Alpha's area (P2); urgent doxxing about a minor is P2 too; the rest P3.
            let p2_count = 15 + (0..30).filter(|i| i % 7 == 0 && i % 2 == 1).count();
            let first_p3 = seen.iter().position(|r| {
                let index = filed.iter().position(|f| f == r).unwrap_or(0);
                index % 2 == 1 && index % 7 != 0
            });
            assert_eq!(first_p3, Some(p2_count), "every P2 case comes before every P3 case");
        }
    }
}

async fn filters_and_search_narrow_the_list(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let harassment = alice.file_case(&[("item_0_locator", "https://social.example/needle-42")]).await;
    let doxxing = anna
        .file_case(&[("category", "doxxing"), ("explanation", "Her home address and phone number were posted.")])
        .await;
    let beta = bob.file_case(&[("urgency", "imminent")]).await;

    let mine = alice.get("/cases?mine=1").await;
    assert_eq!(references_in(&mine.body), vec![harassment.clone()]);
    let all_alpha = alice.get("/cases").await;
    assert_eq!(
        references_in(&all_alpha.body),
        vec![doxxing.clone(), harassment.clone()],
        "a caseworker sees the whole organisation"
    );
    assert_eq!(references_in(&alice.get("/cases?q=NEEDLE-42").await.body), vec![harassment.clone()]);
    assert_eq!(references_in(&alice.get("/cases?q=home+address").await.body), vec![doxxing.clone()]);
    // Words are found by their start, in any order, and a URL by any of its parts.
    assert_eq!(references_in(&alice.get("/cases?q=addr+HOM").await.body), vec![doxxing.clone()]);
    assert_eq!(references_in(&alice.get("/cases?q=social.example%2Fneedle").await.body), vec![harassment.clone()]);
    assert_eq!(references_in(&alice.get("/cases?q=home+needle").await.body), Vec::<String>::new(), "every word");
    // A start of more words than are looked up one by one is still found, and so is each.
    let many_words: Vec<String> = (1..=20).map(|n| format!("zq{n}")).collect();
    let many = alice.file_case(&[("explanation", &format!("Accounts named {}.", many_words.join(" ")))]).await;
    assert_eq!(references_in(&alice.get("/cases?q=zq").await.body), vec![many.clone()]);
    assert_eq!(references_in(&alice.get("/cases?q=zq1+accounts").await.body), vec![many.clone()]);
    assert_eq!(references_in(&alice.get("/cases?q=zq20").await.body), vec![many.clone()]);
    assert_eq!(references_in(&alice.get("/cases?q=zq21").await.body), Vec::<String>::new());
    let part = &harassment[harassment.len() - 7..harassment.len() - 3];
    assert_eq!(references_in(&alice.get(&format!("/cases?q={part}")).await.body), vec![harassment.clone()]);
    assert_eq!(
        references_in(&alice.get(&format!("/cases?q={}", harassment.to_lowercase())).await.body),
        vec![harassment.clone()]
    );
    assert_eq!(
        references_in(&alice.get("/cases?q=100%25").await.body),
        Vec::<String>::new(),
        "a wildcard is no word: nothing matches everything"
    );
    assert_eq!(references_in(&alice.get("/cases?category=doxxing").await.body), vec![doxxing.clone()]);
    assert_eq!(references_in(&alice.get("/cases?q=home&sort=urgency").await.body), vec![doxxing.clone()]);
    assert_eq!(references_in(&alice.get("/cases?q=home&status=submitted").await.body), vec![doxxing.clone()]);

    let queue = lea.get("/cases?sort=urgency").await;
    assert_eq!(references_in(&queue.body)[0], beta, "the imminent case heads the queue");
    assert_eq!(
        references_in(&lea.get(&format!("/cases?organisation={}", cast.org_b.0)).await.body),
        vec![beta.clone()]
    );
    assert_eq!(references_in(&lea.get("/cases?urgency=imminent").await.body), vec![beta.clone()]);
    let org_a = cast.org_a.0;
    assert_eq!(
        references_in(&lea.get(&format!("/cases?q=home&organisation={org_a}")).await.body),
        vec![doxxing.clone()]
    );
    assert_eq!(references_in(&lea.get(&format!("/cases?q=home&organisation={}", cast.org_b.0)).await.body).len(), 0);
    lea.post(&format!("/cases/{doxxing}/assign"), &[("assignee", "me")]).await;
    assert_eq!(references_in(&lea.get("/cases?assignee=me").await.body), vec![doxxing.clone()]);
    assert_eq!(references_in(&lea.get("/cases?status=in_review").await.body), vec![doxxing.clone()]);
    // A found case shows its organisation and assignee as a listed one does.
    for path in ["/cases?q=home", "/cases?q=home&sort=urgency", &format!("/cases?q=home&organisation={org_a}")] {
        let found = lea.get(path).await.body;
        let row = row_of(&found, &doxxing);
        assert!(row.contains("Alpha Helpline") && row.contains("lea@platform.test"), "{path}: {row}");
    }
    let found = alice.get("/cases?q=home").await.body;
    assert!(row_of(&found, &doxxing).contains("lea@platform.test"));
    assert_eq!(references_in(&lea.get("/cases?assignee=none").await.body).len(), 3);
    assert_eq!(lea.get("/cases?assignee=someone").await.status, 400);

    bob.post(&format!("/cases/{beta}/transition"), &[("action", "withdraw")]).await;
    assert!(!lea.get("/cases").await.contains(&beta), "staff work the open cases by default");
    assert!(lea.get("/cases?status=all").await.contains(&beta));
    assert!(bob.get("/cases").await.contains(&beta), "partners follow all their cases by default");
    assert_eq!(lea.get("/cases?after=garbage").await.status, 400);
}

/// The server's upkeep of the full-text index merges the parts filings left, step by step, and
/// every search finds what it found before; once merged, a step finds nothing more to do.
async fn the_search_index_upkeep_merges_and_finds_the_same(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    // Each filing is a transaction of its own, and so a part of the index.
    let mut filed = Vec::new();
    for n in 0..12 {
        filed.push(
            alice.file_case(&[("explanation", &format!("A pupil named upkeep{n} is insulted every evening."))]).await,
        );
    }
    filed.reverse();
    let searches = ["/cases?status=all&q=insulted+evening", "/cases?status=all&q=upkeep3", "/cases?status=all&q=upk"];
    let mut before = Vec::new();
    for search in searches {
        before.push((references_in(&alice.get(search).await.body), references_in(&lea.get(search).await.body)));
    }
    assert_eq!(before[0].0, filed, "newest first, every filing");
    assert_eq!(before[1].0, vec![filed[8].clone()]);

    let mut steps = 0;
    while passerelle::db::tidy_search_index(&mut app.conn()).unwrap() {
        steps += 1;
        assert!(steps < 1000, "the upkeep ends");
    }
    if matches!(*app.conn(), passerelle::db::DbConnection::Postgres(_)) {
        assert_eq!(steps, 0, "PostgreSQL keeps its index itself");
    } else {
        assert!(steps > 0, "twelve filings left parts to merge");
    }
    for (search, (partner, staff)) in searches.iter().zip(&before) {
        assert_eq!(&references_in(&alice.get(search).await.body), partner, "{search}");
        assert_eq!(&references_in(&lea.get(search).await.body), staff, "{search}");
    }
    assert!(!passerelle::db::tidy_search_index(&mut app.conn()).unwrap(), "nothing is left to merge");
}

on_both_backends!(
    pages_follow_each_other_without_gaps_or_repeats,
    filters_and_search_narrow_the_list,
    the_search_index_upkeep_merges_and_finds_the_same
);
