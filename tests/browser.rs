//! End to end in real headless Chromium: a partner files a case, a liaison answers, the partner
//! sees the answer — with JavaScript nowhere in our pages.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::TestApp;
use support::browser::Browser;

async fn sign_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&format!("{}/sign-in", app.address)).await;
    browser.type_into("#email", email).await;
    browser.type_into("#password", support::PASSWORD).await;
    browser.click_to_load("button.primary").await;
    if browser.url().await.ends_with("/sign-in/code") {
        // Staff have a second factor: the code their authenticator app would show.
        let code = support::fresh_code(&app.address, email).await;
        browser.type_into("#code", &code).await;
        browser.click_to_load("button.primary").await;
    }
    let url = browser.url().await;
    assert!(url.ends_with("/cases"), "signed in as {email}: {url} {}", browser.source().await);
}

async fn sign_out(browser: &Browser) {
    browser.click_to_load("form[action='/sign-out'] button").await;
}

/// Saves a screenshot when `PASSERELLE_SCREENSHOT_DIR` is set (README's tour is made this way).
async fn snapshot(browser: &Browser, name: &str) {
    if let Some(dir) = std::env::var_os("PASSERELLE_SCREENSHOT_DIR") {
        browser.screenshot(&std::path::Path::new(&dir).join(format!("{name}.png"))).await;
    }
}

async fn a_partner_files_a_liaison_answers_and_the_partner_reads_it(app: TestApp) {
    let Some(browser) = Browser::start().await else { return };
    let cast = app.cast();

    sign_in(&browser, &app, &cast.alice.email).await;
    browser.click_to_load("a[href='/cases/new'].button").await;
    browser.click("#category option[value='harassment']").await;
    browser.click("input[name='urgency'][value='urgent']").await;
    browser.click("#age_band option[value='13_14']").await;
    browser.click("input[name='ground'][value='both']").await;
    browser.type_into("#explanation", "Too short").await;
    browser.click("#item_0_locator_kind option[value='url']").await;
    browser.type_into("#item_0_locator", "https://social.example/p/browser-1").await;
    browser.click("#item_0_content_type option[value='post']").await;
    browser.set_value("#item_0_seen_at", "2026-01-05T10:30").await;
    browser.click_to_load("form.case-form > button.primary").await;
    snapshot(&browser, "new-case-errors").await;
    let refused = browser.source().await;
    assert!(
        refused.contains("Please explain in at least 20 characters."),
        "errors are shown in place: {} {refused}",
        browser.url().await
    );
    assert!(refused.contains("The good-faith declaration is required"));
    assert!(refused.contains("https://social.example/p/browser-1"), "typed input is kept");

    browser.type_into("#explanation", ": a 13-year-old is mocked daily under her posts.").await;
    browser.click("#good_faith").await;
    browser.click_to_load("form.case-form > button.primary").await;
    let receipt = browser.source().await;
    assert!(receipt.contains("Escalation received"), "{receipt}");
    let url = browser.url().await;
    let reference = url.rsplit('/').next().unwrap_or_default().trim_end_matches("?filed=1").to_owned();
    assert!(reference.starts_with("ESC-"));
    sign_out(&browser).await;

    sign_in(&browser, &app, &cast.lea.email).await;
    browser.click_to_load(&format!("a[href='/cases/{reference}']")).await;
    browser.click_to_load("form[action$='/assign'] button").await;
    browser.type_into("#body", "Thank you. We removed the comments and are reviewing the account.").await;
    browser.click_to_load(".message-form:not(.note-form) button").await;
    browser.type_into("#note-body", "Same device as two banned accounts.").await;
    browser.click_to_load(".note-form button").await;
    assert!(browser.source().await.contains("Same device as two banned accounts."));
    snapshot(&browser, "case-page-liaison").await;
    browser.goto(&format!("{}/cases", app.address)).await;
    snapshot(&browser, "queue").await;
    sign_out(&browser).await;

    sign_in(&browser, &app, &cast.alice.email).await;
    browser.click_to_load(&format!("a[href='/cases/{reference}']")).await;
    let page = browser.source().await;
    assert!(page.contains("Thank you. We removed the comments and are reviewing the account."));
    assert!(page.contains("In review"));
    assert!(!page.contains("Same device as two banned accounts."), "the internal note stays internal");
    snapshot(&browser, "case-page-partner").await;
}

on_both_backends!(a_partner_files_a_liaison_answers_and_the_partner_reads_it);
