//! Wiring only: the pool, the catalogues and the settings, handed to the routes.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::dev::Service as _;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpServer, web};
use diesel::Connection;

use crate::config::Settings;
use crate::db::{self, DbConnection, Pool};
use crate::email::mailer::Mailer;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::routes;

/// What every handler can reach, through `web::Data`.
pub struct AppState {
    pub pool: Pool,
    pub i18n: I18n,
    pub settings: Settings,
    /// The time zone of `settings.time_zone`, parsed once.
    pub tz: chrono_tz::Tz,
    pub mailer: Mailer,
    /// Where evidence files are kept.
    pub storage: crate::db::attachments::Storage,
    /// This instance's request counts and latencies, for `/metrics`.
    pub metrics: crate::metrics::Metrics,
    /// The staff lists' filter choices, read at most every few seconds.
    pub choices: std::sync::Arc<crate::routes::cases::choices::ChoicesCache>,
    /// Where this process's writers queue for the database (SQLite).
    pub write_gate: std::sync::Arc<db::WriteGate>,
    /// Where password hashes and checks take turns.
    pub hashing: crate::auth::password::Hashing,
}

impl AppState {
    /// Runs `work` with a pooled connection on the blocking thread pool, never on an actix worker.
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }

    /// Like `db`, inside one transaction that holds the write lock from its start: everything
    /// `work` writes commits together or not at all, and concurrent writers wait their turn.
    pub async fn tx<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.tx_in(db::WriteScope::Everything, work).await
    }

    /// Like `tx`, for a transaction that changes only what `scope` names: on PostgreSQL it runs
    /// beside the writers of other cases. Its audit records are sealed onto the chain once it
    /// has committed, before the answer goes out.
    pub async fn tx_in<T, F>(&self, scope: db::WriteScope, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let gate = self.write_gate.clone();
        web::block(move || {
            let in_lock = move |conn: &mut DbConnection| {
                db::lock_in(conn, &scope)?;
                work(conn)
            };
            // SQLite: one writer at a time, on the writers' own connection, in batches that
            // commit together.
            let in_lock = match gate.write(in_lock) {
                Ok(written) => return written,
                Err(in_lock) => in_lock,
            };
            let mut conn = pool.get()?;
            let done = (*conn).transaction(in_lock)?;
            // PostgreSQL: the action stands once committed. A record that cannot be sealed now
            // is sealed by the server's sealer (`seal_waiting_audit_records`). One batch at
            // most: never a backlog on one answer. (SQLite chains each record in its action's
            // transaction.)
            if let Err(error) = db::audit::seal_batch(&mut conn) {
                tracing::error!(%error, "audit records not sealed yet");
            }
            Ok(done)
        })
        .await?
    }

    /// For code already on a blocking thread (the background jobs): `work` runs once this
    /// process's turn to write has come, on the writers' connection (SQLite, see `WriteGate`;
    /// the wait for the turn has no limit), or with a pooled connection, waiting at most `wait`
    /// for it (PostgreSQL). `work` makes its own transaction when it needs one.
    pub fn write_turn<T>(
        &self,
        wait: std::time::Duration,
        work: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
    ) -> Result<T, db::DbError> {
        if let Some(mut turn) = self.write_gate.enter() {
            return Ok(work(turn.connection()?)?);
        }
        let mut conn = self.pool.get_timeout(wait)?;
        Ok(work(&mut conn)?)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: std::io::Error },
    #[error("message catalogues: {0}")]
    Catalogue(String),
    #[error("configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("email: {0}")]
    Mailer(#[from] crate::email::mailer::MailerError),
    #[error("metrics: {0}")]
    Metrics(String),
}

pub struct Application {
    port: u16,
    server: Server,
    worker_state: web::Data<AppState>,
}

impl Application {
    /// Opens the database (applying migrations), binds the listener and prepares the server.
    /// Port 0 picks a free port, which `port()` then tells.
    pub fn build(settings: Settings) -> Result<Application, StartupError> {
        let pool = db::connect(settings.database_url.expose(), settings.pool_size)?;
        Self::build_with_pool(settings, pool)
    }

    pub fn build_with_pool(settings: Settings, pool: Pool) -> Result<Application, StartupError> {
        let address = format!("{}:{}", settings.host, settings.port);
        let listener =
            TcpListener::bind(&address).map_err(|source| StartupError::Bind { address: address.clone(), source })?;
        let port = listener.local_addr().map_err(|source| StartupError::Bind { address, source })?.port();
        let i18n = I18n::load().map_err(StartupError::Catalogue)?;
        let tz = settings.zone()?;
        let mailer = Mailer::from_settings(&settings)?;
        tracing::info!("{}", mailer.describe());
        let storage = crate::db::attachments::Storage::from_setting(&settings.attachment_dir);
        let write_gate = std::sync::Arc::new(db::WriteGate::for_url(settings.database_url.expose()));
        let metrics = crate::metrics::Metrics::new().map_err(|e| StartupError::Metrics(e.to_string()))?;
        let state = web::Data::new(AppState {
            pool,
            i18n,
            settings,
            tz,
            mailer,
            storage,
            metrics,
            choices: Default::default(),
            write_gate,
            hashing: crate::auth::password::Hashing::per_core(),
        });
        let worker_state = state.clone();
        let secure = state.settings.secure_cookies();
        // Database work runs on each worker's blocking threads, and there are only `pool_size`
        // connections to share: more threads than that would only wait for one, each keeping
        // its own stack and allocator cache (actix's default is 256 per worker on 2 cores).
        let blocking_threads = usize::try_from(state.settings.pool_size).unwrap_or(8).max(2);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                // A malformed id in a path is a page that does not exist.
                .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
                .app_data(web::PayloadConfig::new(crate::routes::form::MAX_FORM_BYTES))
                .wrap(ErrorHandlers::new().default_handler(routes::error_page::render))
                .wrap(security_headers(secure))
                // Outermost: counts every answer, error pages included, under its route's pattern.
                .wrap_fn(|request, service| {
                    let state = request.app_data::<web::Data<AppState>>().cloned();
                    let method = request.method().as_str().to_owned();
                    let started = std::time::Instant::now();
                    let answered = service.call(request);
                    async move {
                        let response = answered.await?;
                        if let Some(state) = state {
                            let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
                            state.metrics.observe(&route, &method, response.status().as_u16(), started.elapsed());
                        }
                        Ok(response)
                    }
                })
                .configure(routes::configure)
        })
        .worker_max_blocking_threads(blocking_threads)
        .listen(listener)
        .map_err(|source| StartupError::Bind { address: "listener".into(), source })?
        .run();
        Ok(Application { port, server, worker_state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves requests, and delivers the outbox, seals waiting audit records and runs the
    /// retention job alongside, until the server stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = actix_web::rt::spawn(crate::email::worker::run(self.worker_state.clone()));
        let sealing = actix_web::rt::spawn(seal_waiting_audit_records(self.worker_state.clone()));
        let retention = actix_web::rt::spawn(crate::retention::scheduled(self.worker_state.clone()));
        let upkeep = actix_web::rt::spawn(tidy_search_index(self.worker_state));
        let served = self.server.await;
        worker.abort();
        sealing.abort();
        retention.abort();
        upkeep.abort();
        served
    }
}

/// The server's loop: every `mail_poll_ms` (a second by default, never more often), seals what
/// waits (an action's own sealing failed, or the server stopped between an action's commit and
/// its sealing), on either backend.
async fn seal_waiting_audit_records(state: web::Data<AppState>) {
    loop {
        let sealer = state.clone();
        let turn = std::time::Duration::from_secs(2);
        match web::block(move || sealer.write_turn(turn, db::audit::seal)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(sealed)) => tracing::info!(sealed, "audit records sealed after their action"),
            Ok(Err(error)) => tracing::error!(%error, "audit records not sealed"),
            Err(error) => tracing::error!(%error, "audit sealing stopped unexpectedly"),
        }
        // As often as the outbox looks for emails, and at most once a second.
        let pause = state.settings.mail_poll_ms.max(1000);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(pause)).await;
    }
}

/// The server's upkeep of the full-text index: now, then every hour, steps of
/// `db::tidy_search_index` until one finds nothing to merge, each step its own turn to write so
/// that other writers go between them. On PostgreSQL it ends at once.
async fn tidy_search_index(state: web::Data<AppState>) {
    if !matches!(db::Backend::from_url(state.settings.database_url.expose()), db::Backend::Sqlite) {
        return;
    }
    loop {
        let mut steps = 0_u32;
        loop {
            let tidier = state.clone();
            let turn = std::time::Duration::from_secs(2);
            match web::block(move || tidier.write_turn(turn, db::tidy_search_index)).await {
                Ok(Ok(true)) => steps += 1,
                Ok(Ok(false)) => break,
                Ok(Err(error)) => {
                    tracing::error!(%error, "search index upkeep");
                    break;
                }
                Err(error) => {
                    tracing::error!(%error, "search index upkeep stopped unexpectedly");
                    break;
                }
            }
        }
        if steps > 0 {
            tracing::info!(steps, "search index parts merged");
        }
        actix_web::rt::time::sleep(crate::retention::EVERY).await;
    }
}

/// The headers of every answer: no sniffing, no referrer, no framing, no caching, no script or
/// style from anywhere but here, and (served over TLS) HSTS so the browser never asks over plain
/// HTTP again.
fn security_headers(tls: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        // Case pages and generated passwords must not linger in caches; the stylesheet sets its
        // own caching.
        .add(("Cache-Control", "no-store"))
        .add(("X-Frame-Options", "DENY"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ));
    if tls { headers.add(("Strict-Transport-Security", "max-age=63072000; includeSubDomains")) } else { headers }
}
