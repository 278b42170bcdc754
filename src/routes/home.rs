//! `/`: signed-in users go to their cases, everyone else to the sign-in page.

use actix_web::{HttpRequest, HttpResponse};

use crate::auth::current_user::lookup;
use crate::error::AppError;
use crate::routes::page::see_other;

pub async fn get(request: HttpRequest) -> Result<HttpResponse, AppError> {
    Ok(match lookup(&request).await? {
        Some(_) => see_other("/cases"),
        None => see_other("/sign-in"),
    })
}
