//! `GET/POST /sign-in`: email and password. Before a session exists, CSRF is a double-submit
//! cookie; a wrong password and an unknown or disabled account get the very same answer.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::{lookup, session_cookie};
use crate::auth::password;
use crate::auth::tokens::{hash_token, random_token};
use crate::db::{self, audit, sessions, sign_in_failures, two_factor, users};
use crate::domain::audit::AuditAction;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::throttle::{Guarded, ShownWait};
use crate::domain::two_factor::SessionStage;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::anonymous::{CSRF_COOKIE, attach_csrf, chosen_language, language, new_csrf, read_form};
use crate::routes::form::FormData;
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

/// How long a session may wait for its second-factor code.
pub const PENDING_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
/// How long a session may take to enrol a required second factor.
pub const ENROLMENT_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
struct SignInTemplate<'a> {
    page: Page<'a>,
    csrf: &'a str,
    email: &'a str,
    /// Why the last attempt was refused (the message's key).
    refusal: Option<&'static str>,
    /// How long a throttled person must wait before trying again.
    wait: Option<chrono::TimeDelta>,
    /// Where the form posts: keeps a language chosen on this page.
    action: &'a str,
    /// What the user just did from an emailed link (the message's key), or empty.
    done: &'static str,
}

impl SignInTemplate<'_> {
    fn refusal_text(&self, key: &str) -> String {
        let t = &self.page.t;
        let Some(wait) = self.wait else { return t.get(key).to_owned() };
        let wait = match ShownWait::of(wait) {
            ShownWait::Seconds(n) => t.fill("sign_in.wait_seconds", &[("n", &n.to_string())]),
            ShownWait::Minutes(n) => t.fill("sign_in.wait_minutes", &[("n", &n.to_string())]),
        };
        t.fill("sign_in.throttled_for", &[("wait", &wait)])
    }
}

fn respond(
    state: &AppState,
    request: &HttpRequest,
    status: StatusCode,
    email: &str,
    refusal: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    respond_with_wait(state, request, status, email, refusal, None)
}

fn respond_with_wait(
    state: &AppState,
    request: &HttpRequest,
    status: StatusCode,
    email: &str,
    refusal: Option<&'static str>,
    wait: Option<chrono::TimeDelta>,
) -> Result<HttpResponse, AppError> {
    let csrf = new_csrf();
    let page = Page::signed_out(state, language(request));
    let action = match chosen_language(request) {
        Some(lang) => format!("/sign-in?lang={lang}"),
        None => "/sign-in".to_owned(),
    };
    let done = match FormData::from_query(request).unwrap_or_default().get("done") {
        "password" => "sign_in.password_set",
        "email" => "sign_in.email_changed",
        _ => "",
    };
    // Sent back after too many wrong codes: a refusal, not news.
    let refusal = refusal.or_else(|| {
        (FormData::from_query(request).unwrap_or_default().get("done") == "too_many_codes")
            .then_some("sign_in.too_many_codes")
    });
    let mut response =
        render(status, &SignInTemplate { page, csrf: &csrf, email, refusal, wait, action: &action, done })?;
    attach_csrf(state, &mut response, &csrf)?;
    Ok(response)
}

pub async fn form(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, AppError> {
    // Signed in already; a session still waiting for its code may start again.
    if lookup(&request).await?.is_some_and(|user| user.stage == SessionStage::Full) {
        return Ok(see_other("/cases"));
    }
    respond(&state, &request, StatusCode::OK, "", None)
}

#[tracing::instrument(skip_all)]
pub async fn submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_form(&request, payload).await?;
    let typed_email = form.get("email").to_owned();
    let password = form.get("password").to_owned();
    let email = EmailAddress::parse(&typed_email).ok();
    let lookup_email = email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default();
    // Counted by the email typed, whether or not an account has it: the answer never tells.
    let account_key = format!("account:{}", typed_email.trim().to_lowercase().chars().take(300).collect::<String>());
    let address = client_address(&request, state.settings.behind_proxy);
    let address_key = address.as_ref().map(|a| format!("address:{a}"));
    let subjects: Vec<String> = std::iter::once(account_key.clone()).chain(address_key.clone()).collect();
    let (blocked, credentials) = state
        .db(move |conn| {
            let blocked = sign_in_failures::blocked_until(conn, &subjects, db::now())?;
            Ok((blocked, users::credentials(conn, &lookup_email)?))
        })
        .await?;
    if let Some(until) = blocked {
        tracing::info!("sign-in refused: too many failures");
        let wait = Some(until - db::now());
        return respond_with_wait(
            &state,
            &request,
            StatusCode::TOO_MANY_REQUESTS,
            &typed_email,
            Some("sign_in.throttled"),
            wait,
        );
    }
    let stored = credentials.as_ref().filter(|c| c.disabled_at.is_none()).map(|c| c.password_hash.clone());
    let verified = state.hashing.run(move || password::verify(&password, stored.as_deref())).await?;
    let (user_id, organisation) = match (verified, &credentials) {
        (true, Some(credentials)) => (credentials.id, OrgId(credentials.organisation_id)),
        _ => {
            tracing::info!("sign-in refused");
            let owner = credentials.map(|c| (UserId(c.id), OrgId(c.organisation_id)));
            let audit_address = address.clone();
            state
                .tx(move |conn| {
                    let now = db::now();
                    let locked = sign_in_failures::record(conn, &account_key, Guarded::Account, now)?;
                    if let Some(key) = &address_key {
                        sign_in_failures::record(conn, key, Guarded::Address, now)?;
                    }
                    // Who typed it is unknown; whose account it names (if any) is the subject.
                    let mut entry = audit::Entry::new(AuditAction::SignInFailed, None, audit_address.as_deref());
                    if let Some((subject, organisation)) = owner {
                        entry = entry.subject(subject).organisation(organisation);
                    }
                    audit::append(conn, &entry.detail(if locked { "locked" } else { "wrong_password" }))?;
                    let owner = owner.map(|(owner, _)| owner);
                    if locked && let Some(owner) = owner {
                        tracing::warn!(user = %owner, "too many failed sign-ins: account locked for a while");
                        notify::sign_in_locked(conn, owner, now)?;
                    }
                    Ok(())
                })
                .await?;
            return respond(&state, &request, StatusCode::UNAUTHORIZED, &typed_email, Some("sign_in.failed"));
        }
    };
    let chosen = chosen_language(&request);
    let token = random_token();
    let token_hash = hash_token(&token);
    let hours = state.settings.session_hours;
    let user = UserId(user_id);
    let device = user_agent(&request);
    let stage = state
        .tx(move |conn| {
            let now = db::now();
            let csrf = random_token();
            sessions::delete_expired_for_user(conn, user, now)?;
            sign_in_failures::forget(conn, &account_key)?;
            // Only the newest attempt may type codes: a guesser cannot keep many open at once.
            sessions::delete_pending_for_user(conn, user)?;
            if let Some(lang) = chosen {
                // A language picked on the sign-in page is the user's choice from now on.
                users::set_locale(conn, user, Some(lang.code()))?;
            }
            // With a second factor the session waits for its code; without one that is required,
            // it may only enrol one. Either way, briefly.
            let (stage, lifetime) = match two_factor::requirement(conn, user)? {
                (_, true) => (SessionStage::SecondFactor, PENDING_LIFETIME),
                (true, false) => (SessionStage::Enrol, ENROLMENT_LIFETIME),
                (false, false) => (SessionStage::Full, chrono::TimeDelta::hours(hours)),
            };
            sessions::create(
                conn,
                &sessions::NewSession {
                    token_hash: &token_hash,
                    user_id,
                    csrf_token: &csrf,
                    created_at: now,
                    expires_at: now + lifetime,
                    stage: stage.code(),
                    // The last proof of who they are, for sensitive actions: the password, when
                    // no code is asked for.
                    second_factor_at: (stage == SessionStage::Full).then_some(now),
                    last_seen_at: Some(now),
                    user_agent: device.as_deref(),
                    ip_address: address.as_deref(),
                },
            )?;
            // Signed in once the code is typed too, if one is needed (or, for someone who must
            // enrol one, once it is set up).
            if stage == SessionStage::Full {
                let entry = audit::Entry::new(AuditAction::SignedIn, Some(user), address.as_deref());
                audit::append(conn, &entry.organisation(organisation).detail("password"))?;
            }
            Ok(stage)
        })
        .await?;
    tracing::info!(user = user_id, stage = %stage, "password accepted");
    let mut response = see_other(match stage {
        SessionStage::Full => "/cases",
        SessionStage::SecondFactor => "/sign-in/code",
        SessionStage::Enrol => "/account/two-factor",
    });
    response.add_cookie(&session_cookie(&token, state.settings.secure_cookies(), hours)).map_err(AppError::internal)?;
    let mut forget = Cookie::build(CSRF_COOKIE, "").path("/").finish();
    forget.make_removal();
    response.add_cookie(&forget).map_err(AppError::internal)?;
    Ok(response)
}

/// The browser's description of itself, shortened: shown to the person in their sessions.
pub fn user_agent(request: &HttpRequest) -> Option<String> {
    let raw = request.headers().get(actix_web::http::header::USER_AGENT)?.to_str().ok()?;
    let clean: String = raw.chars().filter(|c| !c.is_control()).take(300).collect();
    (!clean.is_empty()).then_some(clean)
}

/// The client's address: the connection's, or behind a trusted reverse proxy the one it
/// forwarded.
pub fn client_address(request: &HttpRequest, behind_proxy: bool) -> Option<String> {
    let info = request.connection_info();
    let address = if behind_proxy { info.realip_remote_addr() } else { info.peer_addr() }?;
    // A socket address carries its port; people want the host. Anything that is not an address
    // (a forged `X-Forwarded-For`) is not kept: it would reach pages, the audit trail and exports.
    match address.parse::<std::net::SocketAddr>() {
        Ok(socket) => Some(socket.ip().to_string()),
        Err(_) => address.trim().parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string()),
    }
}
