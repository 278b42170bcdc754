//! Evidence files: what a file is, decided from its bytes alone; its metadata stripped; the
//! name it is shown under. No I/O here.

use img_parts::Bytes;
use img_parts::png::Png;
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::{CHUNK_VP8X, WebP};

text_enum! {
    /// The kinds of file Passerelle accepts, each stored under its own media type.
    pub enum FileKind {
        Png => "png",
        Jpeg => "jpeg",
        Webp => "webp",
        Pdf => "pdf",
        Text => "text",
    }
}

impl FileKind {
    /// The media type a download is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
            FileKind::Text => "text/plain; charset=utf-8",
        }
    }

    /// The extension a download is named with, whatever the uploader called the file.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
            FileKind::Text => "txt",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Png | FileKind::Jpeg | FileKind::Webp)
    }
}

/// Markup that a browser would run or render, refused even as "text".
const MARKUP: &[&str] = &["<!doctype", "<html", "<script", "<svg", "<?xml", "<iframe", "<body", "<object", "<embed"];

/// What the bytes are. Anything but the five accepted kinds is refused with the message's key;
/// the name and declared type of the upload play no part.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, &'static str> {
    if bytes.is_empty() {
        return Err("attachments.empty");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(FileKind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(FileKind::Webp);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    let Ok(text) = std::str::from_utf8(bytes) else { return Err("attachments.unsupported_type") };
    let control = text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'));
    let lower = text.to_lowercase();
    let trimmed = lower.trim_start_matches('\u{feff}').trim_start();
    if control || trimmed.starts_with('<') || MARKUP.iter().any(|tag| lower.contains(tag)) {
        return Err("attachments.unsupported_type");
    }
    Ok(FileKind::Text)
}

/// PNG chunks a picture needs to be drawn as its author saw it (APNG's included); every other
/// chunk (text, EXIF, time, provenance, private chunks) is dropped.
const PNG_KEPT: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"pHYs",
    b"acTL", b"fcTL", b"fdAT",
];

/// WebP chunks a picture needs; EXIF, XMP and anything unknown are dropped.
const WEBP_KEPT: &[&[u8; 4]] = &[b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"];

/// The file as stored: images keep only what drawing them needs (an allowlist of blocks, so
/// EXIF with its location and device, XMP, comments, text, provenance and anything appended
/// after the picture all go); other kinds are kept as they are. A file that does not parse as
/// the image it claims to be is refused.
pub fn strip_metadata(kind: FileKind, bytes: Vec<u8>) -> Result<Vec<u8>, &'static str> {
    let damaged = |_| "attachments.damaged_image";
    match kind {
        FileKind::Jpeg => strip_jpeg(&bytes),
        FileKind::Png => {
            let mut png = Png::from_bytes(Bytes::from(bytes)).map_err(damaged)?;
            png.chunks_mut().retain(|chunk| PNG_KEPT.contains(&&chunk.kind()));
            Ok(png.encoder().bytes().to_vec())
        }
        FileKind::Webp => {
            let mut webp = WebP::from_bytes(Bytes::from(bytes)).map_err(damaged)?;
            webp.chunks_mut().retain(|chunk| WEBP_KEPT.contains(&&chunk.id()));
            // An animation frame nests chunks of its own: only its picture ones stay.
            for chunk in webp.chunks_mut().iter_mut().filter(|chunk| chunk.id() == *b"ANMF") {
                let data = chunk.content().data().ok_or("attachments.damaged_image")?;
                *chunk = RiffChunk::new(*b"ANMF", RiffContent::Data(Bytes::from(frame_without_metadata(data)?)));
            }
            // The extended header's flags must stop announcing what is gone (bit 3: EXIF, 2: XMP).
            for chunk in webp.chunks_mut().iter_mut().filter(|chunk| chunk.id() == CHUNK_VP8X) {
                if let Some(data) = chunk.content().data() {
                    let mut header = data.to_vec();
                    if let Some(flags) = header.first_mut() {
                        *flags &= !0b0000_1100;
                    }
                    *chunk = RiffChunk::new(CHUNK_VP8X, RiffContent::Data(Bytes::from(header)));
                }
            }
            Ok(webp.encoder().bytes().to_vec())
        }
        FileKind::Pdf | FileKind::Text => Ok(bytes),
    }
}

/// An `ANMF` frame's data: its 16-byte header, then only the `ALPH`, `VP8 ` and `VP8L` chunks
/// nested in it.
fn frame_without_metadata(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    const DAMAGED: &str = "attachments.damaged_image";
    let mut out = data.get(..16).ok_or(DAMAGED)?.to_vec();
    let mut i = 16;
    while i < data.len() {
        let id = data.get(i..i + 4).ok_or(DAMAGED)?;
        let size = u32::from_le_bytes(data.get(i + 4..i + 8).ok_or(DAMAGED)?.try_into().map_err(|_| DAMAGED)?);
        let size = usize::try_from(size).map_err(|_| DAMAGED)?;
        let padded = size + size % 2;
        let end = i.checked_add(8 + padded).ok_or(DAMAGED)?;
        let chunk = data.get(i..end.min(data.len())).ok_or(DAMAGED)?;
        if chunk.len() < 8 + size {
            return Err(DAMAGED);
        }
        if matches!(id, b"ALPH" | b"VP8 " | b"VP8L") {
            out.extend_from_slice(chunk);
            if chunk.len() < 8 + padded {
                out.push(0);
            }
        }
        i = end;
    }
    Ok(out)
}

/// A JPEG walked segment by segment to its end-of-image marker, through every scan. Only the
/// picture's own segments stay (frames, tables, scans), with JFIF's header (its thumbnail
/// removed), an ICC profile and Adobe's colour transform; every other APPn, comment or unknown
/// segment goes, and so does whatever follows the end of the image (a second picture with its
/// own EXIF, a vendor trailer). A second start of image is refused.
fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, &'static str> {
    const DAMAGED: &str = "attachments.damaged_image";
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(DAMAGED);
    }
    let mut out = vec![0xFF, 0xD8];
    let mut i = 2;
    loop {
        // Fill bytes (0xFF repeated) may precede a marker.
        if bytes.get(i) != Some(&0xFF) {
            return Err(DAMAGED);
        }
        while bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let marker = *bytes.get(i + 1).ok_or(DAMAGED)?;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let length =
            usize::from(u16::from_be_bytes([*bytes.get(i + 2).ok_or(DAMAGED)?, *bytes.get(i + 3).ok_or(DAMAGED)?]));
        if length < 2 {
            return Err(DAMAGED);
        }
        if marker == 0xD8 {
            // A second start of image inside the first: not a picture we take.
            return Err(DAMAGED);
        }
        let end = i + 2 + length;
        let segment = bytes.get(i..end).ok_or(DAMAGED)?;
        let body = &segment[4..];
        match marker {
            // JFIF's header without its thumbnail (a thumbnail may show the picture unredacted).
            0xE0 if body.starts_with(b"JFIF\0") && body.len() >= 12 => {
                out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
                out.extend_from_slice(&body[..12]);
                out.extend_from_slice(&[0x00, 0x00]);
            }
            0xE2 if body.starts_with(b"ICC_PROFILE\0") => out.extend_from_slice(segment),
            0xEE if body.starts_with(b"Adobe") => out.extend_from_slice(segment),
            // Frames, tables, scans, restart intervals, line counts: the picture itself.
            0xC0..=0xC7 | 0xC9..=0xCF | 0xDA..=0xDD | 0xDF => out.extend_from_slice(segment),
            // Every other segment (APPn, comments, extensions, reserved markers) is dropped.
            _ => {}
        }
        i = end;
        if marker == 0xDA {
            // The entropy-coded data of a scan runs to the next marker that is not a stuffed
            // byte (FF 00) or a restart (FF D0–D7).
            let start = i;
            while i < bytes.len() {
                if bytes[i] == 0xFF {
                    match bytes.get(i + 1) {
                        Some(0x00 | 0xD0..=0xD7) => i += 2,
                        Some(_) => break,
                        None => return Err(DAMAGED),
                    }
                } else {
                    i += 1;
                }
            }
            out.extend_from_slice(&bytes[start..i]);
        }
    }
}

/// The name a file is shown under: the last part of what the uploader's browser sent, without
/// path separators or control characters, bounded; never used to store or serve the file.
pub fn display_name(raw: &str, kind: FileKind) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String =
        last.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|')).collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    let mut name: String = clean.chars().take(100).collect();
    if name.is_empty() {
        name = "attachment".to_owned();
    }
    // The name ends as what the file is: a PNG sent as `report.pdf` is `report.pdf.png`.
    let extension = name.rsplit_once('.').map(|(_, ext)| ext.to_lowercase()).unwrap_or_default();
    let fits = match kind {
        FileKind::Jpeg => extension == "jpg" || extension == "jpeg",
        other => extension == other.extension(),
    };
    if !fits {
        name = format!("{name}.{}", kind.extension());
    }
    name
}

/// The SHA-256 of a file, in hex: its key in storage.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 PNG with an `eXIf` chunk and a `tEXt` chunk.
    pub fn png_with_metadata() -> Vec<u8> {
        let mut png = Png::from_bytes(Bytes::from_static(ONE_PIXEL_PNG)).unwrap();
        let exif = img_parts::png::PngChunk::new(*b"eXIf", Bytes::from_static(b"MM\0*GPS 48.85N 2.35E"));
        let text = img_parts::png::PngChunk::new(*b"tEXt", Bytes::from_static(b"Author\0Phone of a pupil"));
        png.chunks_mut().insert(1, exif);
        png.chunks_mut().insert(1, text);
        png.encoder().bytes().to_vec()
    }

    pub const ONE_PIXEL_PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
        0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn the_bytes_decide_the_kind() {
        assert_eq!(sniff(ONE_PIXEL_PNG), Ok(FileKind::Png));
        assert_eq!(sniff(b"%PDF-1.7\n..."), Ok(FileKind::Pdf));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Ok(FileKind::Jpeg));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Ok(FileKind::Webp));
        assert_eq!(sniff("Les messages reçus entre 21 h et 23 h.\r\n".as_bytes()), Ok(FileKind::Text));
    }

    #[test]
    fn markup_archives_and_binaries_are_refused() {
        for refused in [
            &b"<html><script>alert(1)</script></html>"[..],
            b"  <!DOCTYPE html><p>hi",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            b"<?xml version=\"1.0\"?><svg/>",
            b"notes first, then <script>steal()</script>",
            b"PK\x03\x04zip archive",
            b"GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff",
            b"MZ\x90\0executable",
            b"\x1f\x8b\x08 gzip",
            b"",
        ] {
            assert!(sniff(refused).is_err(), "{:?}", String::from_utf8_lossy(refused));
        }
    }

    #[test]
    fn png_metadata_is_stripped_and_the_picture_kept() {
        let original = png_with_metadata();
        assert!(original.windows(4).any(|w| w == b"eXIf"));
        let stripped = strip_metadata(FileKind::Png, original).unwrap();
        assert!(!stripped.windows(4).any(|w| w == b"eXIf" || w == b"tEXt"));
        assert!(!stripped.windows(3).any(|w| w == b"GPS"));
        assert_eq!(stripped, ONE_PIXEL_PNG, "exactly the picture's own chunks remain");
    }

    #[test]
    fn jpeg_exif_and_comments_go_and_jfif_stays() {
        let mut jpeg = vec![0xFF, 0xD8];
        let segment = |marker: u8, body: &[u8]| {
            let mut s = vec![0xFF, marker];
            s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            s.extend_from_slice(body);
            s
        };
        jpeg.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        jpeg.extend(segment(0xE1, b"Exif\0\0MM\0*GPS 48.85N"));
        jpeg.extend(segment(0xFE, b"taken on a pupil's phone"));
        jpeg.extend(segment(0xE2, b"MPF\0second picture index"));
        jpeg.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01colour"));
        jpeg.extend(segment(0xDA, b"\x01\x01\0\0?\0"));
        jpeg.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        // A progressive JPEG: more scans, and a comment hidden between them.
        jpeg.extend(segment(0xFE, b"pupil between scans"));
        jpeg.extend(segment(0xC4, b"\x00table"));
        jpeg.extend(segment(0xDA, b"\x01\x01\0\0?\0"));
        jpeg.extend([0x78, 0xFF, 0xD9]);
        // A second picture appended after the end, with its own EXIF.
        jpeg.extend([0xFF, 0xD8]);
        jpeg.extend(segment(0xE1, b"Exif\0\0MM\0*GPS 48.85N"));
        let stripped = strip_metadata(FileKind::Jpeg, jpeg).unwrap();
        assert!(stripped.windows(4).any(|w| w == b"JFIF"));
        assert!(stripped.windows(11).any(|w| w == b"ICC_PROFILE"), "colour data stays");
        assert!(!stripped.windows(4).any(|w| w == b"Exif" || w == b"GPS " || w == b"MPF\0"));
        assert!(!stripped.windows(5).any(|w| w == b"pupil"));
        assert!(stripped.windows(7).any(|w| w == [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]), "scan data untouched");
        assert!(stripped.ends_with(&[0x78, 0xFF, 0xD9]), "nothing after the end of the image");
    }

    #[test]
    fn jpeg_thumbnails_and_nested_starts_do_not_smuggle_anything() {
        let segment = |marker: u8, body: &[u8]| {
            let mut s = vec![0xFF, marker];
            s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            s.extend_from_slice(body);
            s
        };
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(segment(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\x01\x01THUMB"));
        jpeg.extend(segment(0xF7, b"reserved extension"));
        jpeg.extend(segment(0xDA, b"\x01\x01\0\0?\0"));
        jpeg.extend([0x12, 0xFF, 0xD9]);
        let stripped = strip_metadata(FileKind::Jpeg, jpeg).unwrap();
        assert!(!stripped.windows(5).any(|w| w == b"THUMB"), "no thumbnail");
        assert!(!stripped.windows(8).any(|w| w == b"reserved"));
        assert_eq!(&stripped[2..6], &[0xFF, 0xE0, 0x00, 0x10], "a 16-byte JFIF header");
        assert_eq!(&stripped[20..22], &[0xFF, 0xDA]);
        let mut nested = vec![0xFF, 0xD8, 0xFF, 0xD8];
        nested.extend(segment(0xE1, b"Exif\0\0GPS"));
        assert_eq!(strip_metadata(FileKind::Jpeg, nested), Err("attachments.damaged_image"));
    }

    #[test]
    fn webp_exif_and_xmp_go_with_their_flags() {
        let chunk = |id: &[u8; 4], body: &[u8]| {
            let mut c = id.to_vec();
            c.extend_from_slice(&(body.len() as u32).to_le_bytes());
            c.extend_from_slice(body);
            if body.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &[0b0000_1100, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        body.extend(chunk(b"VP8L", b"\x2f\0\0\0\0"));
        body.extend(chunk(b"EXIF", b"MM\0*GPS 48.85N"));
        body.extend(chunk(b"XMP ", b"<x:xmpmeta>device</x:xmpmeta>"));
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
        webp.extend(body);
        let stripped = strip_metadata(FileKind::Webp, webp).unwrap();
        assert!(!stripped.windows(4).any(|w| w == b"EXIF" || w == b"XMP " || w == b"GPS "));
        assert!(stripped.windows(4).any(|w| w == b"VP8L"), "the picture stays");
        let flags = stripped[20];
        assert_eq!(flags & 0b1100, 0);
    }

    #[test]
    fn a_damaged_image_is_refused_not_stored() {
        assert_eq!(
            strip_metadata(FileKind::Png, b"\x89PNG\r\n\x1a\ntruncated".to_vec()),
            Err("attachments.damaged_image")
        );
    }

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(display_name("../../etc/passwd", FileKind::Text), "passwd.txt");
        assert_eq!(display_name("C:\\Users\\x\\capture écran.png", FileKind::Png), "capture écran.png");
        assert_eq!(display_name("..", FileKind::Pdf), "attachment.pdf");
        assert_eq!(display_name("a\u{0}b\r\n\"<c>.txt", FileKind::Text), "abc.txt");
        assert_eq!(display_name("report.pdf", FileKind::Png), "report.pdf.png");
        assert_eq!(display_name("PHOTO.JPEG", FileKind::Jpeg), "PHOTO.JPEG");
        assert_eq!(display_name(&"x".repeat(500), FileKind::Text).chars().count(), 104);
    }

    proptest::proptest! {
        #[test]
        fn no_bytes_make_the_file_layer_panic(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..300), which in 0usize..4) {
            let head: &[u8] = [&b"\x89PNG\r\n\x1a\n"[..], &[0xFF, 0xD8, 0xFF], b"RIFF\x20\0\0\0WEBP", b""][which];
            let mut bytes = head.to_vec();
            bytes.extend(tail);
            if let Ok(kind) = sniff(&bytes) {
                let _ = strip_metadata(kind, bytes);
            }
        }
    }
}
