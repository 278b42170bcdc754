//! Evidence files on a case: checking what a form carries, attaching it to a timeline entry in
//! the entry's transaction, downloading it, a staff preview, and quarantine-and-purge.
//!
//! `GET /cases/{reference}/attachments/{id}` downloads (anyone who may see the case and the
//! entry), `GET …/{id}/preview` shows an image inline to staff, `POST …/{id}/purge` deletes the
//! file for good (staff).

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use super::{case_path, load_visible};
use crate::auth::current_user::CurrentUser;
use crate::db::attachments::{self, NewAttachment, Storage};
use crate::db::{self, DbConnection, audit};
use crate::domain::audit::AuditAction;
use crate::domain::category::Category;
use crate::domain::evidence::{self, FileKind};
use crate::domain::new_case::FieldErrors;
use crate::error::AppError;
use crate::routes::form::{Posted, Upload};
use crate::routes::page::see_other;
use crate::startup::AppState;

/// A file that passed every check, metadata stripped, ready to store.
#[derive(Debug, Clone)]
pub struct Checked {
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub name: String,
}

/// Checks the files of a form (on the blocking pool: stripping reads every byte). Any refusal
/// is an error on the `files` field, and then none of them is kept.
pub async fn check(state: &AppState, uploads: Vec<Upload>, errors: &mut FieldErrors) -> Result<Vec<Checked>, AppError> {
    if uploads.is_empty() {
        return Ok(Vec::new());
    }
    if uploads.len() > state.settings.attachments_per_message {
        errors.add("files", "attachments.too_many");
        return Ok(Vec::new());
    }
    if uploads.iter().any(|upload| upload.too_large) {
        errors.add("files", "attachments.too_large");
        return Ok(Vec::new());
    }
    let checked = web::block(move || {
        uploads
            .into_iter()
            .map(|upload| {
                let kind = evidence::sniff(&upload.bytes)?;
                let bytes = evidence::strip_metadata(kind, upload.bytes)?;
                let sha256 = evidence::sha256_hex(&bytes);
                Ok(Checked { kind, sha256, name: evidence::display_name(&upload.filename, kind), bytes })
            })
            .collect::<Result<Vec<Checked>, &'static str>>()
    })
    .await?;
    match checked {
        Ok(files) => Ok(files),
        Err(key) => {
            errors.add("files", key);
            Ok(Vec::new())
        }
    }
}

/// Why files on a case of this category are refused, whatever the form sent.
pub fn refused_for(category: Category) -> Option<&'static str> {
    category.is_child_sexual_exploitation().then_some("attachments.refused_child_abuse")
}

/// Why these files cannot go on this case, checked before anything is written: the case's
/// category refuses files whatever the form sent, or one of them was purged before.
pub fn refusal(
    conn: &mut DbConnection,
    category: Category,
    files: &[Checked],
) -> Result<Option<&'static str>, AppError> {
    if files.is_empty() {
        return Ok(None);
    }
    if let Some(key) = refused_for(category) {
        return Ok(Some(key));
    }
    for file in files {
        if attachments::purged_before(conn, &file.sha256)? {
            return Ok(Some("attachments.purged_before"));
        }
    }
    Ok(None)
}

/// Stores checked files and attaches them to a timeline entry, inside the entry's transaction,
/// each with its audit record. `refusal` must have been asked first.
pub fn attach(
    conn: &mut DbConnection,
    storage: &Storage,
    actor: &CurrentUser,
    case: &crate::db::cases::Case,
    event: (i64, bool),
    files: &[Checked],
) -> Result<(), AppError> {
    let (event, internal) = event;
    let now = db::now();
    // The contents first, in one order for every writer (by hash): on PostgreSQL writers of
    // different cases run side by side, and two that store the same new files in opposite
    // orders would each wait for the other's.
    let mut contents: Vec<&Checked> = files.iter().collect();
    contents.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    contents.dedup_by(|a, b| a.sha256 == b.sha256);
    for file in contents {
        attachments::store_content(conn, storage, &file.sha256, &file.bytes)?;
    }
    for file in files {
        attachments::insert(
            conn,
            &NewAttachment {
                case: case.id,
                event,
                internal,
                sha256: &file.sha256,
                kind: file.kind,
                size: file.bytes.len() as i64,
                name: &file.name,
                uploaded_by: actor.user.user_id,
                at: now,
            },
        )?;
        let mut entry =
            actor.audit(AuditAction::AttachmentAdded).organisation(case.organisation_id).detail(&file.sha256);
        entry.case = Some(case.id);
        entry.internal = internal;
        audit::append(conn, &entry)?;
    }
    Ok(())
}

/// `Content-Disposition` for a file: its cleaned name, ASCII for old clients and UTF-8 for the rest.
fn disposition(how: &str, name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("{how}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The file, if the reader may see the case and the entry carrying it (and it is an image, when
/// `images_only`); every download or preview is recorded in the audit trail.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    reference: String,
    id: i64,
    images_only: bool,
) -> Result<(attachments::Attachment, Vec<u8>), AppError> {
    let reader = user.clone();
    let storage = state.storage.clone();
    let work = move |conn: &mut DbConnection| {
        let case = load_visible(conn, &reader, &reference)?;
        let file = attachments::find(conn, case.id, id, reader.audience())?
            .filter(|file| !images_only || file.kind.is_image())
            .ok_or(AppError::NotFound)?;
        if file.purged_at.is_some() {
            return Err(AppError::Gone("attachments.purged"));
        }
        let bytes = attachments::content(conn, &storage, &file.sha256)?.ok_or(AppError::Gone("attachments.purged"))?;
        let mut entry =
            reader.audit(AuditAction::AttachmentDownloaded).organisation(case.organisation_id).detail(&file.sha256);
        entry.case = Some(case.id);
        entry.internal = reader.user.role.is_staff();
        audit::append(conn, &entry)?;
        Ok((file, bytes))
    };
    state.tx(work).await
}

pub async fn download(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (reference, id) = path.into_inner();
    let (file, bytes) = load(&state, &user, reference, id, false).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, file.kind.media_type()))
        .insert_header((CONTENT_DISPOSITION, disposition("attachment", &file.name)))
        // Opened anyway, it runs nothing and reaches nothing.
        .insert_header((CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .body(bytes))
}

/// An image shown inline on the case page to staff, blurred there until clicked.
pub async fn preview(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    if !user.user.role.is_staff() {
        return Err(AppError::NotFound);
    }
    let (reference, id) = path.into_inner();
    // A preview is a view of the file like a download: recorded (as the platform's own).
    let (file, bytes) = load(&state, &user, reference, id, true).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, file.kind.media_type()))
        .insert_header((CONTENT_DISPOSITION, disposition("inline", &file.name)))
        .insert_header((CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .body(bytes))
}

/// Quarantine and purge: the file is deleted wherever it is attached and never taken again;
/// its hash, who purged it and when stay, with an audit record.
#[tracing::instrument(skip_all, fields(case = %path.0, attachment = path.1))]
pub async fn purge(
    state: web::Data<AppState>,
    posted: Posted,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    if !user.user.role.is_staff() {
        return Err(AppError::NotFound);
    }
    let (reference, id) = path.into_inner();
    if !form.checked("confirm") {
        // The page again, the purge form open with the error beside its checkbox.
        let mut errors = FieldErrors::default();
        errors.add(format!("confirm_{id}"), "attachments.confirm_purge");
        return super::respond(&state, user, reference, form, Err(super::Refusal::Fields(errors))).await;
    }
    let storage = state.storage.clone();
    let actor = user.clone();
    let lookup = reference.clone();
    state
        .tx(move |conn| {
            let case = load_visible(conn, &actor, &lookup)?;
            let file = attachments::find(conn, case.id, id, actor.audience())?.ok_or(AppError::NotFound)?;
            if file.purged_at.is_some() {
                return Ok(());
            }
            // The same file may be attached elsewhere, even to another organisation's case: it
            // goes everywhere, and each case's trail says so, internal where the file was.
            for (purged_case, organisation, internal) in
                attachments::purge(conn, &storage, &file.sha256, actor.user.user_id, db::now())?
            {
                let mut entry =
                    actor.audit(AuditAction::AttachmentPurged).organisation(organisation).detail(&file.sha256);
                entry.case = Some(purged_case);
                entry.internal = internal;
                audit::append(conn, &entry)?;
            }
            Ok(())
        })
        .await?;
    tracing::warn!("attachment purged");
    Ok(see_other(&format!("{}#latest", case_path(&reference))))
}
