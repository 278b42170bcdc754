//! `GET /cases/{reference}`: every detail, the reported items with their outcomes, and one
//! timeline. A staff member's view is itself recorded. Other case routes re-render this page
//! with an error in place when they refuse something.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{load_visible, load_visible_with_names};
use crate::auth::current_user::CurrentUser;
use crate::db::attachments::{self, Attachment};
use crate::db::cases::{Case, CaseNames};
use crate::db::events::{self, EventKind, NewEvent, TimelineEntry};
use crate::db::items::{self, ReportedItem};
use crate::db::{self, watchers};
use crate::domain::case_fields::Urgency;
use crate::domain::case_status::Action;
use crate::domain::ids::UserId;
use crate::domain::new_case::FieldErrors;
use crate::domain::outcome::Outcome;
use crate::error::AppError;
use crate::routes::form::FormData;
use crate::routes::page::{Page, render};
use crate::startup::AppState;

/// What a refused action leaves on the page: its message, the field errors and what was typed.
#[derive(Default)]
pub struct Feedback {
    pub status: Option<StatusCode>,
    pub error: Option<&'static str>,
    pub errors: FieldErrors,
    pub form: FormData,
    pub just_filed: bool,
    /// Staff asked for every recorded view, not only those no action implies.
    pub all_views: bool,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct ShowTemplate<'a> {
    page: Page<'a>,
    case: Case,
    organisation: String,
    filer: String,
    assignee: Option<String>,
    items: Vec<ReportedItem>,
    timeline: Vec<TimelineEntry>,
    /// How many recorded views the compact timeline leaves out.
    hidden_views: usize,
    actions: Vec<Action>,
    staff: Vec<(UserId, String)>,
    /// Who watches the case on the reader's own side.
    watchers: Vec<(UserId, String)>,
    outcomes: &'static [Outcome],
    feedback: Feedback,
    /// Evidence files the reader may see, in order.
    attachments: Vec<Attachment>,
    /// Files cannot be attached to this case (a child-sexual-abuse category): why.
    files_refused: Option<&'static str>,
    max_files: usize,
    max_megabytes: usize,
    retention_months: u32,
}

impl ShowTemplate<'_> {
    /// The files carried by one timeline entry.
    fn files_of(&self, entry: &TimelineEntry) -> Vec<&Attachment> {
        self.attachments.iter().filter(|file| file.event_id == entry.id).collect()
    }

    fn imminent(&self) -> bool {
        self.case.urgency == Urgency::ImminentRisk
    }

    fn can(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a.code() == action)
    }

    fn error(&self, field: &str) -> Option<&'static str> {
        self.feedback.errors.get(field)
    }

    fn typed(&self, field: &str) -> &str {
        self.feedback.form.get(field)
    }

    /// Whether the refused form was the one for `action`, so its text and errors go back there.
    fn was_action(&self, action: impl AsRef<str>) -> bool {
        self.feedback.form.get("action") == action.as_ref()
    }

    /// What was typed for an item's decision field if the decision form was the one refused,
    /// else what is already recorded.
    fn item_typed(&self, item: &ReportedItem, name: &str) -> String {
        if self.feedback.form.get("decision") == "1" {
            return self.feedback.form.get(&format!("{name}_{}", item.id)).to_owned();
        }
        match name {
            "outcome" => item.outcome.map(|o| o.code().to_owned()).unwrap_or_default(),
            "reasons" => item.reasons.clone().unwrap_or_default(),
            "automated" => {
                if item.automated == Some(true) {
                    "1".into()
                } else {
                    String::new()
                }
            }
            _ => String::new(),
        }
    }

    fn is_me(&self, id: &UserId) -> bool {
        self.page.user.is_some_and(|u| u.user_id == *id)
    }

    /// How the reader hears about this case: `filer`, `assignee`, `watching` or `not_watching`.
    fn hearing(&self) -> &'static str {
        let me = self.page.user.map(|u| u.user_id);
        if me == Some(self.case.filed_by) {
            "filer"
        } else if me.is_some() && me == self.case.assignee_id {
            "assignee"
        } else if self.watchers.iter().any(|(id, _)| Some(*id) == me) {
            "watching"
        } else {
            "not_watching"
        }
    }

    /// The other people of the reader's side who watch the case.
    fn other_watchers(&self) -> String {
        let me = self.page.user.map(|u| u.user_id);
        let names: Vec<&str> =
            self.watchers.iter().filter(|(id, _)| Some(*id) != me).map(|(_, name)| name.as_str()).collect();
        names.join(", ")
    }

    fn is_assignee(&self, id: &UserId) -> bool {
        self.case.assignee_id == Some(*id)
    }

    /// Whether the refused form was the internal-note form.
    fn was_note(&self) -> bool {
        self.feedback.form.checked("internal")
    }

    fn item_error(&self, item: &ReportedItem, name: &str) -> Option<&'static str> {
        self.feedback.errors.get(&format!("{name}_{}", item.id))
    }

    /// A referral's detail: when, and the authority's reference.
    /// A referral's detail: when (stored in UTC, shown in the portal's zone), and the
    /// authority's reference.
    fn referral_parts(&self, entry: &TimelineEntry) -> (String, String) {
        let detail = entry.detail.as_deref().unwrap_or("");
        let (at, reference) = detail.split_once('|').unwrap_or((detail, ""));
        let at = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S")
            .map(|at| self.page.time(&at))
            .unwrap_or_else(|_| at.to_owned());
        (at, reference.to_owned())
    }

    fn status_detail(&self, entry: &TimelineEntry) -> String {
        let t = self.page.t;
        match entry.detail.as_deref().and_then(|d| d.split_once('>')) {
            Some((from, to)) => {
                t.fill("timeline.status_changed", &[("from", &self.page.status(from)), ("to", &self.page.status(to))])
            }
            None => String::new(),
        }
    }

    fn decision_lines(&self, entry: &TimelineEntry) -> Vec<String> {
        let t = self.page.t;
        entry
            .detail
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(|pair| pair.split_once(':'))
            .map(|(position, outcome)| {
                t.fill("timeline.decision_item", &[("n", position), ("outcome", &t.label("outcome", outcome))])
            })
            .collect()
    }
}

struct Loaded {
    case: Case,
    names: CaseNames,
    items: Vec<ReportedItem>,
    timeline: Vec<TimelineEntry>,
    hidden_views: usize,
    staff: Vec<(UserId, String)>,
    watchers: Vec<(UserId, String)>,
    attachments: Vec<Attachment>,
}

/// Loads and renders the case page; a fixed number of queries whatever the case holds.
pub async fn render_case(
    state: &AppState,
    user: CurrentUser,
    reference: String,
    feedback: Feedback,
    record_view: bool,
) -> Result<HttpResponse, AppError> {
    let record_view = record_view && user.user.role.is_staff();
    if record_view {
        // The view is recorded in a transaction of its own, before the page is read: only this
        // short write waits for the write lock (on PostgreSQL, the case's), not every read of
        // the page.
        let viewer = user.clone();
        let reference = reference.clone();
        state
            .tx_in(db::WriteScope::Case(reference.clone()), move |conn| {
                let case = load_visible(conn, &viewer, &reference)?;
                events::record(
                    conn,
                    &NewEvent {
                        case: case.id,
                        organisation: case.organisation_id,
                        actor: viewer.user.user_id,
                        address: viewer.address.as_deref(),
                        kind: EventKind::Viewed,
                        body: None,
                        detail: None,
                        at: db::now(),
                    },
                )?;
                Ok(())
            })
            .await?;
    }
    let viewer = user.clone();
    let folded = !feedback.all_views;
    let choices = state.choices.clone();
    let loaded = state
        .db(move |conn| {
            let (case, names) = load_visible_with_names(conn, &viewer, &reference)?;
            let items = items::for_case(conn, case.id)?;
            let (timeline, hidden_views) = events::timeline(conn, case.id, viewer.audience(), folded)?;
            // Whom the case can be assigned to: the staff lists' choices (the assignment itself is
            // checked against the database).
            let staff = match viewer.user.role.is_staff() {
                false => Vec::new(),
                true => match choices.fresh() {
                    Some(fresh) => fresh.staff.clone(),
                    None => choices.refresh(conn)?.staff.clone(),
                },
            };
            let watchers = watchers::watching(conn, &case, viewer.side())?;
            let attachments = attachments::for_case(conn, case.id, viewer.audience())?;
            Ok(Loaded { case, names, items, timeline, hidden_views, staff, watchers, attachments })
        })
        .await?;
    let actions = if loaded.case.anonymised_at.is_some() {
        Vec::new()
    } else {
        loaded.case.status.available(user.side(), &loaded.case.clock(db::now()))
    };
    let status = feedback.status.unwrap_or(StatusCode::OK);
    let template = ShowTemplate {
        page: Page::for_user(state, &user, "cases"),
        filer: loaded.names.filer,
        assignee: loaded.names.assignee,
        organisation: loaded.names.organisation,
        items: loaded.items,
        hidden_views: loaded.hidden_views,
        timeline: loaded.timeline,
        staff: loaded.staff,
        watchers: loaded.watchers,
        files_refused: super::evidence::refused_for(loaded.case.category),
        case: loaded.case,
        actions,
        outcomes: Outcome::ALL,
        feedback,
        attachments: loaded.attachments,
        max_files: state.settings.attachments_per_message,
        max_megabytes: state.settings.attachment_max_bytes / (1024 * 1024),
        retention_months: state.settings.retention_months,
    };
    render(status, &template)
}

#[tracing::instrument(skip_all, fields(case = %reference))]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let query = FormData::from_query(&request)?;
    let feedback = Feedback {
        just_filed: query.get("filed") == "1",
        all_views: query.get("views") == "all",
        ..Feedback::default()
    };
    render_case(&state, user, reference.into_inner(), feedback, true).await
}
