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
