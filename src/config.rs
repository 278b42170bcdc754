//! Typed settings: built-in defaults, then an optional TOML file, then `PASSERELLE_*` variables.

use std::path::Path;

use serde::Deserialize;

/// A value that must never reach a log line (a database URL may carry a password).
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Everything the server needs to start. Every key is documented in README.md.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `postgres://…` for PostgreSQL; anything else is a SQLite file path.
    pub database_url: Secret,
    pub host: String,
    pub port: u16,
    /// The address users reach the portal at; `https://` turns on `Secure` cookies.
    pub public_url: String,
    /// How long a sign-in lasts, in hours.
    pub session_hours: i64,
    /// A session unused for this many minutes ends.
    pub session_idle_minutes: i64,
    /// The portal runs behind a reverse proxy that sets `X-Forwarded-For`: client addresses are
    /// read from it (otherwise it could be forged, and the socket's address is used).
    pub behind_proxy: bool,
    pub pool_size: u32,
    /// A `tracing` filter such as `info` or `passerelle=debug`.
    pub log: String,
    /// The IANA time zone people read and type times in, e.g. `Europe/Paris`; stored times are UTC.
    pub time_zone: String,
    /// The SMTP server; empty writes emails to `mail_folder` instead.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `starttls` (default), `tls` (implicit, usually port 465) or `none` (loopback only).
    pub smtp_tls: String,
    /// A PEM file of certificate authorities to trust for the SMTP server besides the public
    /// ones (a relay with a private CA); empty trusts the public ones only.
    pub smtp_ca_file: String,
    pub smtp_username: String,
    pub smtp_password: Secret,
    /// The `From` of every email, e.g. `Passerelle <no-reply@platform.example>`.
    pub mail_from: String,
    /// Where emails are written when no SMTP server is configured.
    pub mail_folder: String,
    /// How often the outbox worker looks for due emails, in milliseconds.
    pub mail_poll_ms: u64,
    /// The hour (0–23, in `time_zone`) when daily summaries go out.
    pub digest_hour: u32,
    /// The first retry waits this long; each next one twice as long, up to an hour.
    pub mail_retry_seconds: i64,
    /// After this many failed attempts an email is marked failed, with its last error.
    pub mail_max_attempts: i32,
    /// How many emails one instance sends at once over SMTP (and connections it keeps open).
    pub mail_concurrency: u32,
    /// The largest evidence file accepted, in bytes.
    pub attachment_max_bytes: usize,
    /// How many files one message (or one filing) may carry.
    pub attachments_per_message: usize,
    /// Where evidence files are kept: empty stores them in the database (they commit with their
    /// message, and every instance sees them); otherwise a directory, one file per SHA-256.
    pub attachment_dir: String,
    /// Closed cases are anonymised this many months after closing (0 never does).
    pub retention_months: u32,
    /// Sensitive actions ask for a fresh second-factor code when the last one typed in this
    /// session is older than this many minutes.
    pub step_up_minutes: i64,
    /// A bearer token for `/metrics`; empty serves it only on direct loopback connections.
    pub metrics_token: Secret,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: Secret::new("passerelle.db"),
            host: "127.0.0.1".into(),
            port: 8080,
            public_url: "http://127.0.0.1:8080".into(),
            session_hours: 12,
            session_idle_minutes: 60,
            behind_proxy: false,
            pool_size: 8,
            log: "info".into(),
            time_zone: "UTC".into(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: "starttls".into(),
            smtp_ca_file: String::new(),
            smtp_username: String::new(),
            smtp_password: Secret::new(""),
            mail_from: "Passerelle <passerelle@localhost>".into(),
            mail_folder: "outbox".into(),
            mail_poll_ms: 1000,
            digest_hour: 8,
            mail_retry_seconds: 30,
            mail_max_attempts: 8,
            mail_concurrency: 32,
            attachment_max_bytes: 10 * 1024 * 1024,
            attachments_per_message: 5,
            attachment_dir: String::new(),
            retention_months: 12,
            step_up_minutes: 15,
            metrics_token: Secret::new(""),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("invalid configuration in {path}: {source}")]
    Parse { path: String, source: Box<toml::de::Error> },
    #[error("invalid value for {key}: {value:?}")]
    Env { key: String, value: String },
}

impl Settings {
    /// Loads the file (if given) and then applies environment overrides from `env`.
    pub fn load(file: Option<&Path>, env: impl Iterator<Item = (String, String)>) -> Result<Settings, ConfigError> {
        let mut settings = match file {
            Some(path) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse { path: shown, source: Box::new(source) })?
            }
            None => Settings::default(),
        };
        for (key, value) in env {
            settings.apply_env(&key, value)?;
        }
        settings.derive_public_url();
        if settings.digest_hour > 23 {
            return Err(ConfigError::Env { key: "digest_hour".into(), value: settings.digest_hour.to_string() });
        }
        Ok(settings)
    }

    fn apply_env(&mut self, key: &str, value: String) -> Result<(), ConfigError> {
        let invalid = |value: String| ConfigError::Env { key: key.to_owned(), value };
        match key {
            "DATABASE_URL" | "PASSERELLE_DATABASE_URL" => self.database_url = Secret::new(value),
            "PASSERELLE_HOST" => self.host = value,
            "PASSERELLE_PORT" => self.port = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_PUBLIC_URL" => self.public_url = value,
            "PASSERELLE_SESSION_HOURS" => self.session_hours = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_SESSION_IDLE_MINUTES" => {
                self.session_idle_minutes = value.parse().map_err(|_| invalid(value))?
            }
            "PASSERELLE_BEHIND_PROXY" => self.behind_proxy = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_POOL_SIZE" => self.pool_size = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_LOG" => self.log = value,
            "PASSERELLE_TIME_ZONE" => self.time_zone = value,
            "PASSERELLE_SMTP_HOST" => self.smtp_host = value,
            "PASSERELLE_SMTP_PORT" => self.smtp_port = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_SMTP_TLS" => self.smtp_tls = value,
            "PASSERELLE_SMTP_CA_FILE" => self.smtp_ca_file = value,
            "PASSERELLE_SMTP_USERNAME" => self.smtp_username = value,
            "PASSERELLE_SMTP_PASSWORD" => self.smtp_password = Secret::new(value),
            "PASSERELLE_MAIL_FROM" => self.mail_from = value,
            "PASSERELLE_MAIL_FOLDER" => self.mail_folder = value,
            "PASSERELLE_MAIL_POLL_MS" => self.mail_poll_ms = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_DIGEST_HOUR" => {
                self.digest_hour = value.parse().ok().filter(|h| *h < 24).ok_or_else(|| invalid(value))?
            }
            "PASSERELLE_MAIL_RETRY_SECONDS" => self.mail_retry_seconds = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_MAIL_MAX_ATTEMPTS" => self.mail_max_attempts = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_MAIL_CONCURRENCY" => self.mail_concurrency = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_ATTACHMENT_MAX_BYTES" => {
                self.attachment_max_bytes = value.parse().map_err(|_| invalid(value))?
            }
            "PASSERELLE_ATTACHMENTS_PER_MESSAGE" => {
                self.attachments_per_message = value.parse().map_err(|_| invalid(value))?
            }
            "PASSERELLE_ATTACHMENT_DIR" => self.attachment_dir = value,
            "PASSERELLE_RETENTION_MONTHS" => self.retention_months = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_STEP_UP_MINUTES" => self.step_up_minutes = value.parse().map_err(|_| invalid(value))?,
            "PASSERELLE_METRICS_TOKEN" => self.metrics_token = Secret::new(value),
            _ => {}
        }
        Ok(())
    }

    /// Left at its default, the public URL follows the configured address and port, so that links
    /// in emails (and the start-up line) point where the server listens.
    fn derive_public_url(&mut self) {
        if self.public_url != Settings::default().public_url || self.port == 0 {
            return;
        }
        let host = match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
            Ok(ip) if ip.is_unspecified() => "[::1]".to_owned(),
            Ok(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
            _ => self.host.clone(),
        };
        self.public_url = format!("http://{host}:{}", self.port);
    }

    /// The configured time zone, or why it is not one.
    pub fn zone(&self) -> Result<chrono_tz::Tz, ConfigError> {
        self.time_zone.parse().map_err(|_| ConfigError::Env { key: "time_zone".into(), value: self.time_zone.clone() })
    }

    /// Cookies are marked `Secure` whenever the portal is served over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults() {
        let env = [("PASSERELLE_PORT".to_string(), "9000".to_string()), ("DATABASE_URL".into(), "x.db".into())];
        let settings = Settings::load(None, env.into_iter()).map_err(|e| e.to_string());
        assert_eq!(settings.as_ref().map(|s| s.port), Ok(9000));
        assert_eq!(settings.map(|s| s.database_url.expose().to_owned()), Ok("x.db".into()));
    }

    #[test]
    fn the_default_public_url_follows_the_port() {
        let load = |env: &[(&str, &str)]| {
            let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
            Settings::load(None, env.into_iter()).map(|s| s.public_url).map_err(|e| e.to_string())
        };
        assert_eq!(load(&[]), Ok("http://127.0.0.1:8080".into()));
        assert_eq!(load(&[("PASSERELLE_PORT", "8091")]), Ok("http://127.0.0.1:8091".into()));
        assert_eq!(
            load(&[("PASSERELLE_HOST", "0.0.0.0"), ("PASSERELLE_PORT", "80")]),
            Ok("http://127.0.0.1:80".into())
        );
        let chosen = [("PASSERELLE_PORT", "8091"), ("PASSERELLE_PUBLIC_URL", "https://passerelle.example.org")];
        assert_eq!(load(&chosen), Ok("https://passerelle.example.org".into()));
    }

    #[test]
    fn a_bad_number_is_a_clear_error() {
        let env = [("PASSERELLE_PORT".to_string(), "eighty".to_string())];
        let error = Settings::load(None, env.into_iter()).err().map(|e| e.to_string());
        assert_eq!(error, Some("invalid value for PASSERELLE_PORT: \"eighty\"".into()));
    }
}
