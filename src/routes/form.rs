//! Strict form parsing: a body that is not valid `application/x-www-form-urlencoded` UTF-8 is
//! refused with a clear page, and `Posted` refuses any form without this session's CSRF token.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use percent_encoding::percent_decode;

use crate::auth::current_user::CurrentUser;
use crate::error::AppError;

/// The largest form body accepted; a case's longest text fits many times over.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// The fields of a submitted form (or query string), in order, repeated names kept.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    fields: Vec<(String, String)>,
}

fn decode(raw: &[u8]) -> Result<String, AppError> {
    let spaced: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
    let bytes: Vec<u8> = percent_decode(&spaced).collect();
    // NUL is not text: no form of ours sends it and PostgreSQL cannot store it.
    if bytes.contains(&0) {
        return Err(AppError::BadRequest("error_page.invalid_utf8"));
    }
    String::from_utf8(bytes).map_err(|_| AppError::BadRequest("error_page.invalid_utf8"))
}

impl FormData {
    pub fn parse(body: &[u8]) -> Result<FormData, AppError> {
        let mut fields = Vec::new();
        for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let name = decode(parts.next().unwrap_or_default())?;
            let value = decode(parts.next().unwrap_or_default())?;
            fields.push((name, value));
        }
        Ok(FormData { fields })
    }

    pub fn from_query(request: &HttpRequest) -> Result<FormData, AppError> {
        FormData::parse(request.query_string().as_bytes())
    }

    /// The first value of `name`, or `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }

    /// A yes/no choice sent as `1` or `0`; `None` for anything else (a form of ours never sends it).
    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        }
    }

    /// Sets `name` to `value`, in place of what was sent (a form shown again with the server's word).
    pub fn set(&mut self, name: &str, value: &str) {
        self.fields.retain(|(n, _)| n != name);
        self.fields.push((name.to_owned(), value.to_owned()));
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(n, _)| n == name)
    }

    /// A checkbox: present with any non-empty value.
    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }
}

/// Reads a form body of at most `MAX_FORM_BYTES`.
pub async fn read_body(request: &HttpRequest, payload: &mut Payload) -> Result<FormData, AppError> {
    let content_type = request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::BadRequest("error_page.not_a_form"));
    }
    let body = web::Bytes::from_request(request, payload).await.map_err(|error| {
        if error.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("error_page.not_a_form")
        }
    })?;
    FormData::parse(&body)
}

/// A form posted by a signed-in user whose CSRF token matched their session; `U` says which
/// stages of a session may post it (`CurrentUser`: fully signed in).
pub struct PostedBy<U> {
    pub user: U,
    pub form: FormData,
}

/// A form posted by a fully signed-in user.
pub type Posted = PostedBy<CurrentUser>;

impl<U> FromRequest for PostedBy<U>
where
    U: FromRequest<Error = AppError> + AsRef<CurrentUser> + 'static,
{
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let user = U::from_request(&request, &mut Payload::None).await?;
            let form = read_body(&request, &mut payload).await?;
            if !user.as_ref().csrf_matches(form.get("csrf")) {
                return Err(AppError::CsrfRejected);
            }
            Ok(PostedBy { user, form })
        })
    }
}

/// A file sent with a form, as it arrived: nothing about it is trusted yet.
#[derive(Debug, Clone)]
pub struct Upload {
    /// What the browser called it (shown after cleaning, never used to store it).
    pub filename: String,
    pub bytes: Vec<u8>,
    /// It was larger than the configured limit: its bytes were not kept.
    pub too_large: bool,
}

/// The largest text field of a file-carrying form.
const MAX_TEXT_FIELD: usize = 64 * 1024;

/// Reads a `multipart/form-data` body as a stream: text fields into `FormData` under the same
/// strict rules as any form, files (in fields named `files`) into `Upload`s of at most
/// `max_file` bytes each. Past `max_total` bytes in all, the request is refused as too large.
pub async fn read_multipart(
    request: &HttpRequest,
    payload: Payload,
    max_file: usize,
    max_total: usize,
) -> Result<(FormData, Vec<Upload>), AppError> {
    use futures_util::StreamExt as _;

    let mut multipart = actix_multipart::Multipart::new(request.headers(), payload);
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    let mut total = 0usize;
    let not_a_form = |_| AppError::BadRequest("error_page.not_a_form");
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(not_a_form)?;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let limit = if filename.is_some() { max_file } else { MAX_TEXT_FIELD };
        let mut bytes = Vec::new();
        let mut too_large = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(not_a_form)?;
            total += chunk.len();
            if total > max_total {
                return Err(AppError::PayloadTooLarge);
            }
            if bytes.len() + chunk.len() > limit {
                too_large = true;
                bytes = Vec::new();
            }
            if !too_large {
                bytes.extend_from_slice(&chunk);
            }
        }
        match filename {
            // A file input left empty sends a part with no name and no bytes.
            Some(filename) if filename.is_empty() && bytes.is_empty() && !too_large => {}
            Some(filename) if name == "files" => uploads.push(Upload { filename, bytes, too_large }),
            // A file in any other field is not ours to keep.
            Some(_) => {}
            None if too_large => return Err(AppError::PayloadTooLarge),
            None => {
                if bytes.contains(&0) {
                    return Err(AppError::BadRequest("error_page.invalid_utf8"));
                }
                let value = String::from_utf8(bytes).map_err(|_| AppError::BadRequest("error_page.invalid_utf8"))?;
                fields.push((name, value));
            }
        }
    }
    Ok((FormData { fields }, uploads))
}

/// A form that may carry files, posted by a fully signed-in user whose CSRF token matched; an
/// ordinary URL-encoded post of the same form is taken too (with no files).
pub struct PostedWithFiles {
    pub user: CurrentUser,
    pub form: FormData,
    pub files: Vec<Upload>,
}

impl FromRequest for PostedWithFiles {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let user = CurrentUser::from_request(&request, &mut Payload::None).await?;
            let content_type = request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
            let (form, files) = if content_type.starts_with("multipart/form-data") {
                let state = web::Data::<crate::startup::AppState>::extract(&request)
                    .await
                    .map_err(|_| AppError::internal("no app state"))?;
                let max_file = state.settings.attachment_max_bytes;
                let count = state.settings.attachments_per_message.max(1);
                // Room for every file at its largest (and one more, to say how many is too many),
                // plus the text.
                let max_total = max_file.saturating_mul(count + 1).saturating_add(MAX_FORM_BYTES);
                read_multipart(&request, payload, max_file, max_total).await?
            } else {
                (read_body(&request, &mut payload).await?, Vec::new())
            };
            if !user.csrf_matches(form.get("csrf")) {
                return Err(AppError::CsrfRejected);
            }
            Ok(PostedWithFiles { user, form, files })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_plus_and_percent_escapes() {
        let form = FormData::parse(b"a=x+y%21&b=&c").map_err(|e| e.to_string());
        let form = form.unwrap_or_default();
        assert_eq!(form.get("a"), "x y!");
        assert_eq!(form.get("b"), "");
        assert!(form.has("c"));
        assert_eq!(form.get("missing"), "");
    }

    #[test]
    fn invalid_utf8_and_nul_are_refused() {
        assert!(matches!(FormData::parse(b"a=%FF%FE"), Err(AppError::BadRequest("error_page.invalid_utf8"))));
        assert!(matches!(FormData::parse(b"q=a%00b"), Err(AppError::BadRequest("error_page.invalid_utf8"))));
    }
}
