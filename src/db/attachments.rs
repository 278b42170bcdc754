//! Evidence files: their rows, and their bytes kept once per SHA-256 in the database (default)
//! or in a directory. Every read is scoped to a case the caller has already loaded visibly.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::DbConnection;
use super::events::Audience;
use super::schema::{attachment_blobs, attachments, cases, users};
use crate::domain::evidence::FileKind;
use crate::domain::ids::{CaseId, OrgId, UserId};

/// Where file contents live.
#[derive(Debug, Clone)]
pub enum Storage {
    /// In `attachment_blobs`: a file commits with its message, and every instance sees it.
    Database,
    /// In this directory, as `<first two hex digits>/<sha256>`.
    Directory(PathBuf),
}

impl Storage {
    pub fn from_setting(dir: &str) -> Storage {
        if dir.trim().is_empty() { Storage::Database } else { Storage::Directory(PathBuf::from(dir)) }
    }

    fn path(dir: &Path, sha256: &str) -> Option<PathBuf> {
        // The name is our own hex digest, never anything a user typed; checked all the same.
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(dir.join(&sha256[..2]).join(sha256))
    }
}

fn io_error(error: std::io::Error) -> Error {
    Error::QueryBuilderError(Box::new(error))
}

/// Keeps a file's bytes under its hash (once, however many messages carry it).
pub fn store_content(conn: &mut DbConnection, storage: &Storage, sha256: &str, bytes: &[u8]) -> QueryResult<()> {
    match storage {
        Storage::Database => {
            // A savepoint: two uploads of one file at once both succeed, one of them storing it.
            let inserted = conn.transaction(|conn| {
                diesel::insert_into(attachment_blobs::table)
                    .values((attachment_blobs::sha256.eq(sha256), attachment_blobs::content.eq(bytes)))
                    .execute(conn)
            });
            match inserted {
                Ok(_) | Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
                Err(other) => Err(other),
            }
        }
        Storage::Directory(dir) => {
            let path = Storage::path(dir, sha256).ok_or(Error::NotFound)?;
            if path.exists() {
                return Ok(());
            }
            let parent = path.parent().ok_or(Error::NotFound)?;
            std::fs::create_dir_all(parent).map_err(io_error)?;
            // Written aside and renamed: a crash never leaves half a file under the final name.
            let partial = parent.join(format!(".{sha256}.{}", crate::auth::tokens::random_token()));
            let mut file = std::fs::File::create(&partial).map_err(io_error)?;
            file.write_all(bytes).and_then(|()| file.sync_all()).map_err(io_error)?;
            std::fs::rename(&partial, &path).map_err(io_error)
        }
    }
}

/// A file's bytes, if they are still kept.
pub fn content(conn: &mut DbConnection, storage: &Storage, sha256: &str) -> QueryResult<Option<Vec<u8>>> {
    match storage {
        Storage::Database => {
            attachment_blobs::table.find(sha256).select(attachment_blobs::content).first::<Vec<u8>>(conn).optional()
        }
        Storage::Directory(dir) => {
            let Some(path) = Storage::path(dir, sha256) else { return Ok(None) };
            match std::fs::read(path) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(io_error(error)),
            }
        }
    }
}

fn delete_content(conn: &mut DbConnection, storage: &Storage, sha256: &str) -> QueryResult<()> {
    match storage {
        Storage::Database => {
            diesel::delete(attachment_blobs::table.find(sha256)).execute(conn)?;
            Ok(())
        }
        Storage::Directory(dir) => {
            let Some(path) = Storage::path(dir, sha256) else { return Ok(()) };
            match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(error) => Err(io_error(error)),
            }
        }
    }
}

/// A file attached to a timeline entry.
pub struct NewAttachment<'a> {
    pub case: CaseId,
    pub event: i64,
    pub internal: bool,
    pub sha256: &'a str,
    pub kind: FileKind,
    pub size: i64,
    pub name: &'a str,
    pub uploaded_by: UserId,
    pub at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewAttachment<'_>) -> QueryResult<i64> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::case_id.eq(new.case.0),
            attachments::event_id.eq(new.event),
            attachments::internal.eq(new.internal),
            attachments::sha256.eq(new.sha256),
            attachments::kind.eq(new.kind.code()),
            attachments::size.eq(new.size),
            attachments::name.eq(new.name),
            attachments::uploaded_by.eq(new.uploaded_by.0),
            attachments::created_at.eq(new.at),
        ))
        .returning(attachments::id)
        .get_result(conn)
}

/// Whether a file with this hash was purged: it is never taken again.
pub fn purged_before(conn: &mut DbConnection, sha256: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        attachments::table.filter(attachments::sha256.eq(sha256)).filter(attachments::purged_at.is_not_null()),
    ))
    .get_result(conn)
}

/// An attachment as the case page and the download show it.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub event_id: i64,
    pub sha256: String,
    pub kind: FileKind,
    pub size: i64,
    pub name: String,
    pub purged_at: Option<NaiveDateTime>,
    pub purged_by: Option<String>,
}

impl Attachment {
    /// The size for people: "840 KB", "3.2 MB".
    pub fn size_label(&self) -> String {
        let size = self.size as f64;
        if size >= 1024.0 * 1024.0 {
            format!("{:.1} MB", size / (1024.0 * 1024.0))
        } else {
            format!("{} KB", (size / 1024.0).ceil().max(1.0))
        }
    }
}

type AttachmentRow = (i64, i64, String, String, i64, String, Option<NaiveDateTime>, Option<String>);

fn attachment_of(row: AttachmentRow) -> QueryResult<Attachment> {
    let (id, event_id, sha256, kind, size, name, purged_at, purged_by) = row;
    let kind = super::decode("attachment kind", &kind, FileKind::parse)?;
    Ok(Attachment { id, event_id, sha256, kind, size, name, purged_at, purged_by })
}

/// The attachments of a case the reader may see (partners: never one on an internal note), in
/// one query.
pub fn for_case(conn: &mut DbConnection, case: CaseId, audience: Audience) -> QueryResult<Vec<Attachment>> {
    visible(conn, case, audience, None)
}

/// One attachment of a case the reader may see.
pub fn find(conn: &mut DbConnection, case: CaseId, id: i64, audience: Audience) -> QueryResult<Option<Attachment>> {
    Ok(visible(conn, case, audience, Some(id))?.pop())
}

fn visible(conn: &mut DbConnection, case: CaseId, audience: Audience, id: Option<i64>) -> QueryResult<Vec<Attachment>> {
    let mut query = attachments::table
        .left_join(users::table.on(users::id.nullable().eq(attachments::purged_by)))
        .filter(attachments::case_id.eq(case.0))
        .order(attachments::id.asc())
        .select((
            attachments::id,
            attachments::event_id,
            attachments::sha256,
            attachments::kind,
            attachments::size,
            attachments::name,
            attachments::purged_at,
            users::display_name.nullable(),
        ))
        .into_boxed::<super::Db>();
    if audience == Audience::Partner {
        query = query.filter(attachments::internal.eq(false));
    }
    if let Some(id) = id {
        query = query.filter(attachments::id.eq(id));
    }
    query.load::<AttachmentRow>(conn)?.into_iter().map(attachment_of).collect()
}

/// Quarantine and purge: the file is deleted wherever it is attached; every row keeps its hash
/// and says who purged it and when. Returns each attachment purged (its case, the case's
/// organisation, whether it was on an internal note), so each can be recorded where it belongs.
pub fn purge(
    conn: &mut DbConnection,
    storage: &Storage,
    sha256: &str,
    by: UserId,
    now: NaiveDateTime,
) -> QueryResult<Vec<(CaseId, OrgId, bool)>> {
    let live = attachments::table.filter(attachments::sha256.eq(sha256)).filter(attachments::purged_at.is_null());
    let affected: Vec<(i64, i64, bool)> = live
        .inner_join(cases::table)
        .select((attachments::case_id, cases::organisation_id, attachments::internal))
        .load(conn)?;
    diesel::update(live)
        .set((attachments::purged_at.eq(Some(now)), attachments::purged_by.eq(Some(by.0))))
        .execute(conn)?;
    delete_content(conn, storage, sha256)?;
    Ok(affected.into_iter().map(|(case, org, internal)| (CaseId(case), OrgId(org), internal)).collect())
}

/// Removes every attachment of a case (retention), and each file no other case still carries.
/// Purged ones stay, without their name: their hash keeps the same file from ever being taken
/// again.
pub fn delete_for_case(conn: &mut DbConnection, storage: &Storage, case: CaseId) -> QueryResult<usize> {
    let kept = attachments::table.filter(attachments::case_id.eq(case.0)).filter(attachments::purged_at.is_null());
    let hashes: Vec<String> = kept.select(attachments::sha256).distinct().load(conn)?;
    let deleted = diesel::delete(kept).execute(conn)?;
    // A purged file's name may name someone: only its hash stays.
    diesel::update(attachments::table.filter(attachments::case_id.eq(case.0)))
        .set(attachments::name.eq(""))
        .execute(conn)?;
    for sha256 in hashes {
        let still_used: bool = diesel::select(diesel::dsl::exists(
            attachments::table.filter(attachments::sha256.eq(&sha256)).filter(attachments::purged_at.is_null()),
        ))
        .get_result(conn)?;
        if !still_used {
            delete_content(conn, storage, &sha256)?;
        }
    }
    Ok(deleted)
}
