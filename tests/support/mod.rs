//! Test support: start the real application on port 0 with a fresh database, and act as users
//! through HTTP with a cookie jar, the way a browser would.

#![allow(dead_code, reason = "each test binary uses a different part of the support code")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a test should stop it loudly")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::prelude::*;
pub mod browser;
pub mod smtp;
pub mod tls;

use passerelle::config::{Secret, Settings};
use passerelle::db::{self, Pool, organisations, users};
use passerelle::domain::category::Category;
use passerelle::domain::ids::{OrgId, UserId};
use passerelle::domain::role::{OrgKind, Role};
use passerelle::startup::Application;

pub const PASSWORD: &str = "a long test password";

/// The second-factor secret of every enrolled test user (staff are enrolled from the start).
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// A 1×1 PNG, the smallest real screenshot.
pub const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D,
    0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The last time step whose code each (server, email) used: a code works once.
static USED_STEPS: std::sync::Mutex<Vec<(String, String, i64)>> = std::sync::Mutex::new(Vec::new());

/// A code for `email` on the server at `base` that it has not used yet, waiting for the next
/// step when the three a step's window allows are spent.
pub async fn fresh_code(base: &str, email: &str) -> String {
    loop {
        let now = passerelle::auth::totp::step_at(db::now());
        let chosen = {
            let mut used = USED_STEPS.lock().unwrap();
            let last = used.iter().filter(|(b, e, _)| b == base && e == email).map(|(_, _, s)| *s).max();
            // The current step first: the server still takes it if a new step begins meanwhile.
            let step = last.map_or(now, |last| (last + 1).max(now));
            if step <= now + 1 {
                used.push((base.to_owned(), email.to_owned(), step));
                Some(step)
            } else {
                None
            }
        };
        match chosen {
            Some(step) => return passerelle::auth::totp::code_at(TOTP_SECRET, step).unwrap(),
            None => actix_rt::time::sleep(std::time::Duration::from_secs(1)).await,
        }
    }
}

/// Declares a scenario as two tests: one on SQLite, one on PostgreSQL. The PostgreSQL one needs
/// `TEST_DATABASE_URL`; without it, it fails when `PASSERELLE_REQUIRE_POSTGRES` is set (as in CI)
/// and is reported as skipped otherwise.
#[macro_export]
macro_rules! on_both_backends {
    // `on_both_backends!(settings: tweak => scenario, ...)`: each app's settings adjusted first.
    (settings: $tweak:expr => $($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn on_sqlite() {
                super::$name($crate::support::TestApp::sqlite_with($tweak).await).await
            }

            #[actix_rt::test]
            async fn on_postgres() {
                if let Some(app) = $crate::support::TestApp::postgres_with($tweak).await {
                    super::$name(app).await
                }
            }
        }
    )+};
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn on_sqlite() {
                super::$name($crate::support::TestApp::sqlite().await).await
            }

            #[actix_rt::test]
            async fn on_postgres() {
                if let Some(app) = $crate::support::TestApp::postgres().await {
                    super::$name(app).await
                }
            }
        }
    )+};
}

/// The test server is on loopback: no TLS to it. Besides being pointless there, TLS would bring
/// OpenSSL into the test process, whose clean-up at exit can tear down its state under pool
/// threads still running (seen as a heap-corruption abort after every test had passed).
fn without_tls(url: &str) -> String {
    let mut url = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    if !url.query_pairs().any(|(key, _)| key == "sslmode") {
        url.query_pairs_mut().append_pair("sslmode", "disable");
    }
    url.to_string()
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

enum Cleanup {
    Sqlite(#[allow(dead_code, reason = "held so the directory outlives the test")] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// A running application with its own database.
pub struct TestApp {
    pub address: String,
    pub database_url: String,
    /// The outbox folder and other files of this app, removed with it.
    pub files: tempfile::TempDir,
    pub pool: Pool,
    cleanup: Cleanup,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup
            && let Ok(mut conn) = diesel::PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
        }
    }
}

fn unique_name() -> String {
    format!("passerelle_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst))
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        TestApp::sqlite_with(|_| {}).await
    }

    pub async fn postgres() -> Option<TestApp> {
        TestApp::postgres_with(|_| {}).await
    }

    /// On SQLite, with people reading and typing times in `time_zone`.
    pub async fn sqlite_in(time_zone: &str) -> TestApp {
        let zone = time_zone.to_owned();
        TestApp::sqlite_with(move |s| s.time_zone = zone).await
    }

    /// On PostgreSQL, with people reading and typing times in `time_zone`.
    pub async fn postgres_in(time_zone: &str) -> Option<TestApp> {
        let zone = time_zone.to_owned();
        TestApp::postgres_with(move |s| s.time_zone = zone).await
    }

    /// On SQLite, with settings adjusted by `tweak`.
    pub async fn sqlite_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = dir.path().join("test.db").display().to_string();
        TestApp::start(url, Cleanup::Sqlite(dir), tweak).await
    }

    /// On PostgreSQL, with settings adjusted by `tweak`.
    pub async fn postgres_with(tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
            if std::env::var_os("PASSERELLE_REQUIRE_POSTGRES").is_some() {
                panic!("PASSERELLE_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not");
            }
            eprintln!("skipped on PostgreSQL: TEST_DATABASE_URL is not set");
            return None;
        };
        let admin_url = without_tls(&admin_url);
        let name = unique_name();
        let mut admin = diesel::PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL must be reachable");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
        let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        Some(TestApp::start(url.to_string(), Cleanup::Postgres { admin_url, name }, tweak).await)
    }

    async fn start(database_url: String, cleanup: Cleanup, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let files = tempfile::tempdir().expect("temporary directory");
        let mut settings = Settings {
            database_url: Secret::new(database_url.clone()),
            port: 0,
            pool_size: 4,
            mail_folder: files.path().join("outbox").display().to_string(),
            mail_poll_ms: 50,
            ..Settings::default()
        };
        tweak(&mut settings);
        let pool = db::connect(&database_url, 4).expect("database");
        let app = Application::build_with_pool(settings, pool.clone()).expect("application");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_rt::spawn(app.run_until_stopped());
        TestApp { address, database_url, pool, cleanup, files }
    }

    /// Another instance of the application on the same database, as behind a load balancer.
    pub fn another_instance(&self, tweak: impl FnOnce(&mut Settings)) -> String {
        let mut settings = Settings {
            database_url: Secret::new(self.database_url.clone()),
            port: 0,
            pool_size: 4,
            mail_folder: self.files.path().join("outbox-2").display().to_string(),
            mail_poll_ms: 50,
            ..Settings::default()
        };
        tweak(&mut settings);
        let pool = db::connect(&self.database_url, 4).expect("database");
        let app = Application::build_with_pool(settings, pool).expect("application");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_rt::spawn(app.run_until_stopped());
        address
    }

    /// Waits for the email to `address` that carries a link containing `marker` (from the
    /// outbox folder, where emails go when no SMTP server is configured) and returns the link's path.
    pub async fn wait_for_link_to(&self, address: &str, marker: &str) -> String {
        let folder = self.files.path().join("outbox");
        for _ in 0..200 {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let raw = std::fs::read(entry.path()).unwrap_or_default();
                let Ok(parsed) = mailparse::parse_mail(&raw) else { continue };
                use mailparse::MailHeaderMap;
                let to = parsed.headers.get_first_value("To").unwrap_or_default();
                let text = parsed.subparts.first().and_then(|p| p.get_body().ok()).unwrap_or_default();
                if to.contains(address)
                    && let Some(start) = text.find(marker)
                {
                    let rest = &text[start..];
                    return rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())].to_owned();
                }
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no email to {address} with a link to {marker}");
    }

    pub fn conn(&self) -> db::PooledConnection {
        self.pool.get().expect("a database connection")
    }

    /// A partner organisation, optionally a trusted flagger in the given areas.
    pub fn partner(&self, name: &str, trusted_areas: &[Category]) -> OrgId {
        organisations::insert(
            &mut self.conn(),
            &organisations::NewOrganisation {
                name,
                kind: OrgKind::Partner.code(),
                trusted_flagger: !trusted_areas.is_empty(),
                designating_authority: (!trusted_areas.is_empty()).then_some("Arcom"),
                designated_on: None,
                expertise: organisations::NewOrganisation::expertise_codes(trusted_areas),
                created_at: db::now(),
            },
        )
        .unwrap()
    }

    pub fn platform(&self) -> OrgId {
        organisations::platform(&mut self.conn()).unwrap().unwrap().id
    }

    /// A user of `org` with `role`, whose password is `PASSWORD`.
    pub fn user(&self, org: OrgId, role: Role, email: &str) -> Account {
        let hash = passerelle::auth::password::hash(PASSWORD).unwrap();
        let id = users::insert(
            &mut self.conn(),
            &users::NewUser {
                organisation_id: org.0,
                email,
                display_name: &format!("{role} {email}"),
                password_hash: &hash,
                role: role.code(),
                locale: Some("en"),
                created_at: db::now(),
            },
        )
        .unwrap();
        if role.is_staff() {
            self.enrol(id);
        }
        Account { id, email: email.to_owned() }
    }

    /// Lets `account` use any current code again, so that a scenario signing the same person in
    /// several times need not wait for new codes (the refusal of a replayed code has its own test).
    pub fn forget_used_codes(&self, account: &Account) {
        use passerelle::db::schema::users::dsl;
        diesel::update(dsl::users.find(account.id.0))
            .set(dsl::totp_last_step.eq(None::<i64>))
            .execute(&mut *self.conn())
            .unwrap();
        USED_STEPS.lock().unwrap().retain(|(base, email, _)| !(base == &self.address && email == &account.email));
    }

    /// Takes `user`'s second factor away, as if they had never enrolled one.
    pub fn unenrol(&self, user: UserId) {
        use passerelle::db::schema::users::dsl;
        diesel::update(dsl::users.find(user.0))
            .set(dsl::totp_secret.eq(None::<String>))
            .execute(&mut *self.conn())
            .unwrap();
    }

    /// Gives `user` the test second factor, as if they had enrolled it.
    pub fn enrol(&self, user: UserId) {
        use passerelle::db::schema::users::dsl;
        diesel::update(dsl::users.find(user.0))
            .set(dsl::totp_secret.eq(Some(TOTP_SECRET)))
            .execute(&mut *self.conn())
            .unwrap();
    }

    /// Two partner organisations with a caseworker each, a liaison and a platform admin.
    pub fn cast(&self) -> Cast {
        let org_a = self.partner("Alpha Helpline", &[Category::Harassment]);
        let org_b = self.partner("Beta Hotline", &[]);
        let platform = self.platform();
        Cast {
            org_a,
            org_b,
            alice: self.user(org_a, Role::PartnerCaseworker, "alice@alpha.test"),
            anna: self.user(org_a, Role::PartnerAdmin, "anna@alpha.test"),
            bob: self.user(org_b, Role::PartnerCaseworker, "bob@beta.test"),
            lea: self.user(platform, Role::Liaison, "lea@platform.test"),
            max: self.user(platform, Role::PlatformAdmin, "max@platform.test"),
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.address)
    }

    pub async fn sign_in(&self, account: &Account) -> Client {
        self.forget_used_codes(account);
        let mut client = self.client();
        client.sign_in(&account.email, PASSWORD).await;
        client
    }

    /// Runs the `passerelle` command on this app's database: whether it succeeded, and what it
    /// printed (standard output, then standard error).
    pub fn command(&self, args: &[&str]) -> (bool, String) {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("PASSERELLE_LOG", "warn")
            .output()
            .unwrap();
        let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.success(), printed)
    }

    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.conn();
        let row: Count =
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(&mut *conn).unwrap();
        row.n
    }
}

pub struct Account {
    pub id: UserId,
    pub email: String,
}

pub struct Cast {
    pub org_a: OrgId,
    pub org_b: OrgId,
    pub alice: Account,
    pub anna: Account,
    pub bob: Account,
    pub lea: Account,
    pub max: Account,
}

/// What came back from the server.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: HashMap<String, String>,
}

impl Response {
    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

/// A browser-like HTTP client: keeps cookies, does not follow redirects, knows its CSRF token.
pub struct Client {
    base: String,
    http: awc::Client,
    cookies: HashMap<String, String>,
    pub csrf: String,
}

/// The value of the first `name="csrf"` field in a page.
pub fn csrf_in(body: &str) -> Option<String> {
    let start = body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

/// Percent-encodes form fields.
pub fn encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let k = percent_encoding::utf8_percent_encode(k, percent_encoding::NON_ALPHANUMERIC);
            let v = percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC);
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = awc::Client::builder().disable_redirects().timeout(std::time::Duration::from_secs(30)).finish();
        Client { base: base.to_owned(), http, cookies: HashMap::new(), csrf: String::new() }
    }

    /// The same browser (cookies, CSRF token) talking to another instance behind the same
    /// load balancer.
    pub fn at(&self, base: &str) -> Client {
        let mut other = Client::new(base);
        other.cookies = self.cookies.clone();
        other.csrf = self.csrf.clone();
        other
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn remember(&mut self, headers: &awc::http::header::HeaderMap) {
        for value in headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let first = text.split(';').next().unwrap_or("");
            let Some((name, value)) = first.split_once('=') else {
                continue;
            };
            let expired = text.contains("Max-Age=0");
            if expired || value.is_empty() {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let request = self.http.get(format!("{}{}", self.base, path)).insert_header(("Cookie", self.cookie_header()));
        let mut response = request.send().await.expect("the server answers");
        let headers = response.headers().clone();
        self.remember(&headers);
        let body = response.body().limit(8 * 1024 * 1024).await.expect("a body");
        Self::response(response.status().as_u16(), &headers, &body)
    }

    fn response(status: u16, headers: &awc::http::header::HeaderMap, body: &[u8]) -> Response {
        Response {
            status,
            location: headers.get("location").and_then(|v| v.to_str().ok()).map(str::to_owned),
            body: String::from_utf8_lossy(body).into_owned(),
            headers: headers.iter().fold(HashMap::new(), |mut all, (k, v)| {
                let entry: &mut String = all.entry(k.as_str().to_owned()).or_default();
                if !entry.is_empty() {
                    entry.push('\n');
                }
                entry.push_str(v.to_str().unwrap_or(""));
                all
            }),
        }
    }

    /// Posts raw bytes as a form, exactly as given.
    pub async fn post_raw(&mut self, path: &str, body: Vec<u8>) -> Response {
        let request = self
            .http
            .post(format!("{}{}", self.base, path))
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"));
        let mut response = request.send_body(body).await.expect("the server answers");
        let headers = response.headers().clone();
        self.remember(&headers);
        let body = response.body().limit(8 * 1024 * 1024).await.expect("a body");
        Self::response(response.status().as_u16(), &headers, &body)
    }

    /// Posts `multipart/form-data` as a browser does, with this session's CSRF token first and
    /// each file (name, bytes) in a `files` part.
    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Response {
        let boundary = "----passerelle-test-boundary-7d1f";
        let mut body = Vec::new();
        let csrf = self.csrf.clone();
        for (name, value) in std::iter::once(&("csrf", csrf.as_str())).chain(fields) {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").bytes());
            body.extend(value.bytes());
            body.extend(b"\r\n");
        }
        for (filename, bytes) in files {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let request = self
            .http
            .post(format!("{}{}", self.base, path))
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")));
        let mut response = request.send_body(body).await.expect("the server answers");
        let headers = response.headers().clone();
        self.remember(&headers);
        let body = response.body().limit(8 * 1024 * 1024).await.expect("a body");
        Self::response(response.status().as_u16(), &headers, &body)
    }

    /// Downloads a file: its status, headers and exact bytes.
    pub async fn download(&mut self, path: &str) -> (u16, HashMap<String, String>, Vec<u8>) {
        let request = self.http.get(format!("{}{}", self.base, path)).insert_header(("Cookie", self.cookie_header()));
        let mut response = request.send().await.expect("the server answers");
        let headers = response.headers().clone();
        let body = response.body().limit(64 * 1024 * 1024).await.expect("a body");
        let shown = Self::response(response.status().as_u16(), &headers, &[]);
        (shown.status, shown.headers, body.to_vec())
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, encode(&all).into_bytes()).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Response {
        let mut response = self.sign_in_password_only(email, password).await;
        if response.location.as_deref() == Some("/sign-in/code") {
            let code = fresh_code(&self.base, email).await;
            response = self.type_code(&code).await;
        }
        if response.status == 303 && response.location.as_deref() == Some("/cases") {
            let cases = self.get("/cases").await;
            self.csrf = csrf_in(&cases.body).expect("a signed-in page carries the session's CSRF token");
        }
        response
    }

    /// The first step of signing in: the password only.
    pub async fn sign_in_password_only(&mut self, email: &str, password: &str) -> Response {
        let page = self.get("/sign-in").await;
        let csrf = csrf_in(&page.body).expect("the sign-in form carries a CSRF token");
        self.post_raw("/sign-in", encode(&[("csrf", &csrf), ("email", email), ("password", password)]).into_bytes())
            .await
    }

    /// Types `code` on the second-factor page.
    pub async fn type_code(&mut self, code: &str) -> Response {
        let page = self.get("/sign-in/code").await;
        let Some(csrf) = csrf_in(&page.body) else { return page };
        self.post_raw("/sign-in/code", encode(&[("csrf", &csrf), ("code", code)]).into_bytes()).await
    }

    /// Opens an emailed account link and chooses a password there.
    pub async fn choose_password(&mut self, link: &str, password: &str, confirm: &str) -> Response {
        let page = self.get(link).await;
        let Some(csrf) = csrf_in(&page.body) else { return page };
        self.post_raw(link, encode(&[("csrf", &csrf), ("password", password), ("confirm", confirm)]).into_bytes()).await
    }

    /// Files a complete escalation with the given overrides; returns the reference.
    pub async fn file_case(&mut self, overrides: &[(&str, &str)]) -> String {
        let response = self.post("/cases", &case_fields(overrides)).await;
        assert_eq!(response.status, 303, "filing failed: {}", response.body);
        let location = response.location.expect("a redirect to the new case");
        location.trim_start_matches("/cases/").trim_end_matches("?filed=1").to_owned()
    }
}

/// A complete, valid filing form, with `overrides` replacing or adding fields.
pub fn case_fields<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("ground", "both"),
        ("explanation", "A 14-year-old is harassed every day in the comments of her posts."),
        ("category", "harassment"),
        ("urgency", "standard"),
        ("age_band", "13_14"),
        ("partner_reference", "REF-1"),
        ("good_faith", "1"),
        ("item_rows", "1"),
        ("item_0_locator_kind", "url"),
        ("item_0_locator", "https://social.example/p/12345"),
        ("item_0_content_type", "post"),
        ("item_0_seen_at", "2026-01-05T10:30"),
    ];
    for (name, value) in overrides {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    fields
}
