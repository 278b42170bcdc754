//! Where emails go: an SMTP server (STARTTLS, implicit TLS, or plain on loopback), or, with no
//! server configured, one `.eml` file per email in a folder, so a demo needs no mail server.

use std::path::PathBuf;
use std::time::Duration;

use lettre::Transport;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};

use crate::config::Settings;

pub enum Mailer {
    Smtp(SmtpTransport),
    Folder(PathBuf),
}

/// Why an email was not delivered, and whether trying again can help.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("smtp_tls must be starttls, tls or none, not {0:?}")]
    TlsMode(String),
    #[error("SMTP server {host}: {source}")]
    Smtp { host: String, source: lettre::transport::smtp::Error },
    #[error("cannot read smtp_ca_file {path}: {source}")]
    CaFile { path: String, source: std::io::Error },
    #[error("cannot create the mail folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Mailer, MailerError> {
        if settings.smtp_host.is_empty() {
            let folder = PathBuf::from(&settings.mail_folder);
            std::fs::create_dir_all(&folder)
                .map_err(|source| MailerError::Folder { path: settings.mail_folder.clone(), source })?;
            return Ok(Mailer::Folder(folder));
        }
        let host = settings.smtp_host.as_str();
        let smtp_error = |source| MailerError::Smtp { host: host.to_owned(), source };
        // The server's certificate must be valid for `host`, signed by a public authority or by
        // one in `smtp_ca_file`; STARTTLS is required, never merely attempted.
        let tls = || -> Result<TlsParameters, MailerError> {
            let mut parameters = TlsParameters::builder(host.to_owned());
            if !settings.smtp_ca_file.is_empty() {
                let pem = std::fs::read(&settings.smtp_ca_file)
                    .map_err(|source| MailerError::CaFile { path: settings.smtp_ca_file.clone(), source })?;
                parameters = parameters.add_root_certificate(Certificate::from_pem(&pem).map_err(smtp_error)?);
            }
            parameters.build().map_err(smtp_error)
        };
        let builder = SmtpTransport::builder_dangerous(host);
        let builder = match settings.smtp_tls.as_str() {
            "starttls" => builder.tls(Tls::Required(tls()?)),
            "tls" => builder.tls(Tls::Wrapper(tls()?)),
            "none" => builder,
            other => return Err(MailerError::TlsMode(other.to_owned())),
        };
        let pool = PoolConfig::new().max_size(settings.mail_concurrency.max(1));
        let mut builder = builder.port(settings.smtp_port).timeout(Some(Duration::from_secs(20))).pool_config(pool);
        if !settings.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.smtp_username.clone(),
                settings.smtp_password.expose().to_owned(),
            ));
        }
        Ok(Mailer::Smtp(builder.build()))
    }

    /// A line for the start-up log saying where emails go.
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(_) => "emails are sent through the configured SMTP server".to_owned(),
            Mailer::Folder(folder) => {
                format!("no SMTP server configured: emails are written to the folder {}", folder.display())
            }
        }
    }

    /// The folder emails are written to, when no SMTP server is configured.
    pub fn folder(&self) -> Option<String> {
        match self {
            Mailer::Smtp(_) => None,
            Mailer::Folder(folder) => Some(folder.display().to_string()),
        }
    }

    /// How many emails to send at once: `configured` over SMTP, where each waits on the
    /// server's answers; one into a folder, where a file is written at once and more threads
    /// would only take memory.
    pub fn lanes(&self, configured: u32) -> usize {
        match self {
            Mailer::Smtp(_) => usize::try_from(configured.max(1)).unwrap_or(1),
            Mailer::Folder(_) => 1,
        }
    }

    /// How many sent emails a lane records at once. A crash before the record sends them again
    /// (with the same `Message-ID`): over SMTP at most eight per lane; into the folder it only
    /// writes the same files again, under the same names, so a lane records its share at once
    /// and takes as few turns at the database's write lock as it can.
    pub fn record_every(&self) -> usize {
        match self {
            Mailer::Smtp(_) => 8,
            Mailer::Folder(_) => usize::MAX,
        }
    }

    /// Delivers one email, composed and formatted beforehand; a file is written under a
    /// temporary name, then renamed into place.
    pub fn send(&self, id: i64, email: &Formatted) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(transport) => transport
                .send_raw(&email.envelope, &email.bytes)
                .map(|_| ())
                .map_err(|error| SendError { permanent: error.is_permanent(), message: error.to_string() }),
            Mailer::Folder(folder) => {
                let temporary = folder.join(format!(".{id}.eml.tmp"));
                let path = folder.join(format!("{id}.eml"));
                std::fs::write(&temporary, &email.bytes)
                    .and_then(|()| std::fs::rename(&temporary, &path))
                    .map_err(|error| SendError { message: error.to_string(), permanent: false })
            }
        }
    }
}

/// An email as it goes on the wire: who it is for, and its bytes.
pub struct Formatted {
    pub envelope: lettre::address::Envelope,
    pub bytes: Vec<u8>,
}

impl From<&lettre::Message> for Formatted {
    fn from(message: &lettre::Message) -> Formatted {
        Formatted { envelope: message.envelope().clone(), bytes: message.formatted() }
    }
}
