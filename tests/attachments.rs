//! Evidence files: the type comes from the bytes, metadata is stripped, files are stored by
//! hash and served only to those who may see the case, never on a child-sexual-abuse case, and
//! a liaison can purge one for good.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use diesel::prelude::*;
use img_parts::Bytes;
use img_parts::png::{Png, PngChunk};
use passerelle::db::schema::{attachment_blobs, attachments, audit_log};
use sha2::{Digest, Sha256};
use support::{PIXEL_PNG, TestApp};

/// The pixel with a GPS position and a phone's name in its metadata.
fn png_with_exif() -> Vec<u8> {
    let mut png = Png::from_bytes(Bytes::from_static(PIXEL_PNG)).unwrap();
    png.chunks_mut().insert(1, PngChunk::new(*b"eXIf", Bytes::from_static(b"MM\0*GPS 48.8566N 2.3522E Pixel 7")));
    png.chunks_mut().insert(1, PngChunk::new(*b"tEXt", Bytes::from_static(b"Software\0Phone of a pupil")));
    png.encoder().bytes().to_vec()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn stored(app: &TestApp) -> Vec<(i64, String, String, String, Option<chrono::NaiveDateTime>)> {
    attachments::table
        .order(attachments::id.asc())
        .select((attachments::id, attachments::sha256, attachments::kind, attachments::name, attachments::purged_at))
        .load(&mut *app.conn())
        .unwrap()
}

fn message_path(reference: &str) -> String {
    format!("/cases/{reference}/messages")
}

async fn images_lose_their_metadata_and_only_case_readers_get_them(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let original = png_with_exif();
    let sent = alice
        .post_multipart(
            &message_path(&reference),
            &[("body", "The screenshot")],
            &[("../../etc/report.pdf", &original)],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);

    let rows = stored(&app);
    assert_eq!(rows.len(), 1);
    let (id, hash, kind, name, _) = rows[0].clone();
    assert_eq!(kind, "png", "a PNG named .pdf is a PNG");
    assert_eq!(name, "report.pdf.png", "no path, and the name ends as what the file is");
    let (status, headers, bytes) = alice.download(&format!("/cases/{reference}/attachments/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, PIXEL_PNG, "every metadata chunk is gone, the picture is intact");
    assert!(!bytes.windows(3).any(|w| w == b"GPS"));
    assert_eq!(hash, sha256(&bytes), "stored under the hash of what is kept");
    let kept: Vec<String> = attachment_blobs::table.select(attachment_blobs::sha256).load(&mut *app.conn()).unwrap();
    assert_eq!(kept, vec![hash.clone()]);
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers["content-disposition"].starts_with("attachment; filename=\"report.pdf.png\""));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].contains("sandbox"));

    let page = alice.get(&format!("/cases/{reference}")).await;
    assert!(page.contains("report.pdf.png") && !page.contains("class=\"reveal\""), "partners get no preview");
    let mut bob = app.sign_in(&cast.bob).await;
    assert_eq!(bob.download(&format!("/cases/{reference}/attachments/{id}")).await.0, 404, "another organisation");
    let mut lea = app.sign_in(&cast.lea).await;
    assert_eq!(lea.download(&format!("/cases/{reference}/attachments/{id}")).await.0, 200);
    let staff_page = lea.get(&format!("/cases/{reference}")).await;
    assert!(staff_page.contains("class=\"reveal\""), "staff see a blurred preview");
    assert_eq!(lea.download(&format!("/cases/{reference}/attachments/{id}/preview")).await.0, 200);
    assert_eq!(alice.download(&format!("/cases/{reference}/attachments/{id}/preview")).await.0, 404);
    assert_eq!(alice.download(&format!("/cases/{reference}/attachments/{}", id + 1)).await.0, 404);

    // A file on an internal note is the platform's alone.
    let note = lea
        .post_multipart(
            &message_path(&reference),
            &[("body", "Our notes"), ("internal", "1")],
            &[("notes.txt", b"ours")],
        )
        .await;
    assert_eq!(note.status, 303, "{}", note.body);
    let internal_id = stored(&app)[1].0;
    assert_eq!(alice.download(&format!("/cases/{reference}/attachments/{internal_id}")).await.0, 404);
    assert!(!alice.get(&format!("/cases/{reference}")).await.contains("notes.txt"));
    let actions: Vec<String> = audit_log::table.select(audit_log::action).load(&mut *app.conn()).unwrap();
    assert!(actions.iter().filter(|a| *a == "attachment_added").count() == 2);
    assert!(actions.iter().any(|a| a == "attachment_downloaded"));
    assert_eq!(
        passerelle::db::audit::verify(&mut app.conn()).unwrap().map(|(count, _)| count),
        Ok(actions.len() as i64)
    );
}

async fn anything_but_the_five_kinds_is_refused_and_nothing_is_written(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let events_before = app.count("case_events");
    let refused: [(&str, &[u8]); 4] = [
        ("capture.png", b"<html><body><script>alert(document.cookie)</script></body></html>"),
        ("logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
        ("archive.zip", b"PK\x03\x04\x14\0\0\0\x08\0"),
        ("broken.png", b"\x89PNG\r\n\x1a\nnot really"),
    ];
    for (name, bytes) in refused {
        let sent = alice
            .post_multipart(
                &message_path(&reference),
                &[("body", "kept text")],
                &[("fine.txt", b"notes"), (name, bytes)],
            )
            .await;
        assert_eq!(sent.status, 422, "{name}");
        assert!(sent.contains("Nothing was sent"), "{name}: a clear message");
        assert!(sent.contains("kept text"), "{name}: what was typed stays");
    }
    assert_eq!(app.count("attachments"), 0, "not even the good file of a refused message");
    assert_eq!(app.count("attachment_blobs"), 0);
    assert_eq!(app.count("case_events"), events_before, "no message without its files");
}

async fn sizes_and_counts_are_bounded(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let big = vec![b'a'; 5 * 1024];
    let sent = alice.post_multipart(&message_path(&reference), &[("body", "big")], &[("big.txt", &big)]).await;
    assert_eq!(sent.status, 422);
    assert!(sent.contains("larger than allowed"));
    let many: Vec<(&str, &[u8])> = (0..4).map(|_| ("n.txt", &b"note"[..])).collect();
    let sent = alice.post_multipart(&message_path(&reference), &[("body", "many")], &many).await;
    assert_eq!(sent.status, 422);
    assert!(sent.contains("Too many files"));
    // Far past what any message may carry: refused while it streams in, with the 413 page.
    let huge = vec![b'a'; 2 * 1024 * 1024];
    let sent = alice.post_multipart(&message_path(&reference), &[("body", "huge")], &[("huge.txt", &huge)]).await;
    assert_eq!(sent.status, 413);
    assert!(sent.contains("too large"));
    assert_eq!(app.count("attachments"), 0);
    let fine = alice.post_multipart(&message_path(&reference), &[("body", "fine")], &[("ok.txt", &big[..1000])]).await;
    assert_eq!(fine.status, 303);
}

async fn child_sexual_abuse_cases_take_no_file_whatever_the_form_sends(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let filing = support::case_fields(&[("category", "csam"), ("age_band", "13_14")]);
    let refused = alice.post_multipart("/cases", &filing, &[("evidence.png", PIXEL_PNG)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.contains("Send URLs, account or post identifiers, or hashes"));
    assert_eq!(app.count("cases"), 0, "nothing filed");
    let reference = alice.file_case(&[("category", "grooming"), ("age_band", "13_14")]).await;
    let page = alice.get(&format!("/cases/{reference}")).await;
    assert!(!page.contains("type=\"file\""), "no file input is offered");
    // A forged form is refused all the same, by the server.
    for (who, fields) in [("partner", vec![("body", "forged")]), ("staff", vec![("body", "forged"), ("internal", "1")])]
    {
        let mut client = if who == "partner" { app.sign_in(&cast.alice).await } else { app.sign_in(&cast.lea).await };
        let sent = client.post_multipart(&message_path(&reference), &fields, &[("x.txt", b"text")]).await;
        assert_eq!(sent.status, 422, "{who}");
        assert!(sent.contains("Files cannot be attached to a child sexual abuse case"), "{who}");
    }
    assert_eq!(app.count("attachments"), 0);
    // Filing with files works in other categories.
    let filed = alice.post_multipart("/cases", &support::case_fields(&[]), &[("shot.png", PIXEL_PNG)]).await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    assert_eq!(app.count("attachments"), 1);
}

async fn a_liaison_purges_a_file_for_good(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    alice.post_multipart(&message_path(&reference), &[("body", "see")], &[("shot.png", PIXEL_PNG)]).await;
    let (id, hash, ..) = stored(&app)[0].clone();
    let purge = format!("/cases/{reference}/attachments/{id}/purge");
    assert_eq!(alice.post(&purge, &[("confirm", "1")]).await.status, 404, "partners cannot purge");
    let mut lea = app.sign_in(&cast.lea).await;
    let unconfirmed = lea.post(&purge, &[]).await;
    assert_eq!(unconfirmed.status, 422, "the confirmation is required");
    assert!(unconfirmed.contains(&format!(r#"id="confirm-{id}-error""#)), "the error is beside the checkbox");
    assert!(unconfirmed.contains("Nothing was deleted."));
    assert_eq!(app.count("attachment_blobs"), 1);
    assert_eq!(lea.post(&purge, &[("confirm", "1")]).await.status, 303);
    assert_eq!(app.count("attachment_blobs"), 0, "the file is deleted");
    let rows = stored(&app);
    assert_eq!(rows[0].1, hash, "its hash remains");
    assert!(rows[0].4.is_some());
    let purged: Vec<Option<String>> = audit_log::table
        .filter(audit_log::action.eq("attachment_purged"))
        .select(audit_log::detail)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(purged, vec![Some(hash)]);
    let (status, _, _) = alice.download(&format!("/cases/{reference}/attachments/{id}")).await;
    assert_eq!(status, 410);
    assert!(alice.get(&format!("/cases/{reference}")).await.contains("removed by the platform"));
    let again = alice.post_multipart(&message_path(&reference), &[("body", "again")], &[("same.png", PIXEL_PNG)]).await;
    assert_eq!(again.status, 422);
    assert!(again.contains("purged from Passerelle before"));

    // A file on an internal note, purged: the partner's trail shows nothing of it.
    let note = lea
        .post_multipart(&message_path(&reference), &[("body", "ours"), ("internal", "1")], &[("n.txt", b"our notes")])
        .await;
    assert_eq!(note.status, 303);
    let internal_id = stored(&app)[1].0;
    lea.post(&format!("/cases/{reference}/attachments/{internal_id}/purge"), &[("confirm", "1")]).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let trail = anna.get("/team/audit").await;
    assert_eq!(trail.body.matches("<td>File quarantined and purged</td>").count(), 1, "only the partner's own file");
}

on_both_backends!(
    images_lose_their_metadata_and_only_case_readers_get_them,
    anything_but_the_five_kinds_is_refused_and_nothing_is_written,
    child_sexual_abuse_cases_take_no_file_whatever_the_form_sends,
    a_liaison_purges_a_file_for_good
);

mod bounded {
    use super::*;

    fn small(settings: &mut passerelle::config::Settings) {
        settings.attachment_max_bytes = 4 * 1024;
        settings.attachments_per_message = 3;
    }

    #[actix_rt::test]
    async fn on_sqlite() {
        sizes_and_counts_are_bounded(TestApp::sqlite_with(small).await).await
    }

    #[actix_rt::test]
    async fn on_postgres() {
        if let Some(app) = TestApp::postgres_with(small).await {
            sizes_and_counts_are_bounded(app).await
        }
    }
}

#[actix_rt::test]
async fn files_can_live_in_a_directory_named_by_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().display().to_string();
    let app = TestApp::sqlite_with(move |settings| settings.attachment_dir = path).await;
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    alice
        .post_multipart(&message_path(&reference), &[("body", "see")], &[("../../../shot.png", &png_with_exif())])
        .await;
    let (id, hash, ..) = stored(&app)[0].clone();
    let file = dir.path().join(&hash[..2]).join(&hash);
    assert_eq!(std::fs::read(&file).unwrap(), PIXEL_PNG, "stored stripped, under its hash");
    assert_eq!(app.count("attachment_blobs"), 0);
    assert_eq!(alice.download(&format!("/cases/{reference}/attachments/{id}")).await.2, PIXEL_PNG);
    let mut lea = app.sign_in(&cast.lea).await;
    lea.post(&format!("/cases/{reference}/attachments/{id}/purge"), &[("confirm", "1")]).await;
    assert!(!file.exists(), "purging deletes the file");
}
