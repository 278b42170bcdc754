//! Emails as data: a notification becomes a multipart (text + HTML) message in its recipient's
//! language. It says what kind of thing happened to which case and links to it; it never carries
//! case content (no description, reported item, message, name or age band).

use askama::Template;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use crate::config::Settings;
use crate::db::notifications::Outgoing;
use crate::domain::notification::NotificationKind;
use crate::i18n::{Catalogue, I18n, Lang};

/// One case in a daily summary: its reference, category and what happened, and its link.
struct Line {
    text: String,
    link: String,
}

#[derive(Template)]
#[template(path = "email/notification.txt", escape = "none")]
struct TextBody<'a> {
    t: &'a Catalogue,
    greeting: &'a str,
    sentence: &'a str,
    lines: &'a [Line],
    link: &'a str,
    /// The line before the link.
    action: &'a str,
}

#[derive(Template)]
#[template(path = "email/notification.html")]
struct HtmlBody<'a> {
    t: &'a Catalogue,
    greeting: &'a str,
    sentence: &'a str,
    lines: &'a [Line],
    link: &'a str,
    lang: &'a str,
    /// The text of the link.
    link_text: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
}

/// The `Message-ID` of a notification: the same on every attempt, so a retry is recognisable.
pub fn message_id(id: i64, public_url: &str) -> String {
    let host = url::Url::parse(public_url).ok().and_then(|u| u.host_str().map(str::to_owned));
    format!("<notification-{id}@{}>", host.unwrap_or_else(|| "passerelle.invalid".into()))
}

/// The link in an email: a single-use account link, the case page (the reader signs in
/// first), the reset request after a lock, or the portal.
fn link(out: &Outgoing, public_url: &str) -> String {
    let base = public_url.trim_end_matches('/');
    match (out.kind, &out.secret, &out.reference) {
        (NotificationKind::Invitation, Some(token), _) => format!("{base}/account/setup/{token}"),
        (NotificationKind::PasswordReset, Some(token), _) => format!("{base}/account/reset/{token}"),
        (NotificationKind::EmailConfirmation, Some(token), _) => format!("{base}/account/email/{token}"),
        (_, _, Some(reference)) => format!("{base}/cases/{reference}"),
        (NotificationKind::Digest, _, _) => format!("{base}/cases"),
        // A lock tells the owner to choose a new password: the link asks for a reset.
        (NotificationKind::SignInLocked | NotificationKind::TwoFactorLocked, _, _) => {
            format!("{base}/sign-in/forgot")
        }
        _ => format!("{base}/sign-in"),
    }
}

/// A summary's lines: per case, its reference, category and the kinds of event, with a count
/// where one happened more than once.
fn digest_lines(out: &Outgoing, t: &Catalogue, public_url: &str) -> Vec<Line> {
    let base = public_url.trim_end_matches('/');
    out.digest
        .iter()
        .map(|line| {
            let kinds: Vec<String> = line
                .kinds
                .iter()
                .map(|(kind, n)| {
                    let label = t.label("outbox.kinds", kind.code());
                    if *n > 1 { format!("{label} ×{n}") } else { label }
                })
                .collect();
            let category = t.label("category", line.category.code());
            Line {
                text: format!("{} · {category} — {}", line.reference, kinds.join(", ")),
                link: format!("{base}/cases/{}", line.reference),
            }
        })
        .collect()
}

/// Composes the email for a notification.
pub fn compose(out: &Outgoing, i18n: &I18n, settings: &Settings) -> Result<lettre::Message, ComposeError> {
    let lang = out.locale.as_deref().and_then(Lang::parse).unwrap_or(Lang::En);
    let t = i18n.catalogue(lang);
    let reference = out.reference.as_deref().unwrap_or("");
    let category = out.category.map(|c| t.label("category", c.code())).unwrap_or_default();
    let values = [("reference", reference), ("category", category.as_str()), ("email", out.account_email.as_str())];
    let mut subject = t.fill(&format!("email.subject.{}", out.kind.code()), &values);
    if out.urgent {
        subject = format!("{} {subject}", t.get("email.urgent_prefix"));
    }
    let sentence = t.fill(&format!("email.sentence.{}", out.kind.code()), &values);
    let greeting = t.fill("email.greeting", &[("name", &out.display_name)]);
    let link = link(out, &settings.public_url);
    let (action, link_text) = if out.kind.is_security() || out.kind == NotificationKind::Digest {
        (t.label("email.action", out.kind.code()), t.label("email.link_text", out.kind.code()))
    } else {
        (t.get("email.sign_in").to_owned(), t.get("email.open_case").to_owned())
    };
    let lines = digest_lines(out, t, &settings.public_url);
    let (greeting, sentence, lines) = (greeting.as_str(), sentence.as_str(), lines.as_slice());
    let text = TextBody { t, greeting, sentence, lines, link: &link, action: &action }.render()?;
    let html =
        HtmlBody { t, greeting, sentence, lines, link: &link, lang: lang.code(), link_text: &link_text }.render()?;
    let from: Mailbox = settings.mail_from.parse().map_err(|_| ComposeError::Address(settings.mail_from.clone()))?;
    let to = Mailbox::new(
        Some(out.display_name.clone()),
        out.email.parse().map_err(|_| ComposeError::Address(out.email.clone()))?,
    );
    Ok(lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .date_now()
        .message_id(Some(message_id(out.id, &settings.public_url)))
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()))
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}
