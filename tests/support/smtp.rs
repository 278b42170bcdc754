//! A real SMTP server on loopback (mailin-embedded) that keeps every message it receives.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{Handler, Response, Server, SslConfig, response};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

impl Received {
    /// The parsed message: headers and decoded parts.
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.raw).expect("a well-formed message")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }

    /// Every decoded text part, with its content type.
    pub fn parts(&self) -> Vec<(String, String)> {
        let parsed = self.parsed();
        parsed.subparts.iter().map(|p| (p.ctype.mimetype.clone(), p.get_body().unwrap_or_default())).collect()
    }

    /// The subject, headers and every decoded part: all a reader of the email could see.
    pub fn everything(&self) -> String {
        let parsed = self.parsed();
        let headers: Vec<String> =
            parsed.headers.iter().map(|h| format!("{}: {}", h.get_key(), h.get_value())).collect();
        let parts: Vec<String> = self.parts().into_iter().map(|(_, body)| body).collect();
        format!("{}\n{}", headers.join("\n"), parts.join("\n"))
    }
}

#[derive(Clone)]
struct Collector {
    received: Arc<Mutex<Vec<Received>>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_owned();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received { from: self.from.clone(), to: self.to.clone(), raw: std::mem::take(&mut self.data) };
        self.received.lock().expect("the mailbox").push(message);
        response::OK
    }
}

/// The server runs on its own thread until the test process ends.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

/// A loopback port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(0)
    }

    pub fn start_on(port: u16) -> SmtpServer {
        SmtpServer::start_with(port, SslConfig::None)
    }

    /// A server that offers STARTTLS with the certificate of `pki`.
    pub fn start_starttls(pki: &super::tls::Pki) -> SmtpServer {
        super::tls::use_ring();
        let ssl = SslConfig::SelfSigned {
            cert_path: pki.cert.display().to_string(),
            key_path: pki.key.display().to_string(),
        };
        SmtpServer::start_with(0, ssl)
    }

    fn start_with(port: u16, ssl: SslConfig) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("the SMTP port");
        let port = listener.local_addr().expect("an address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = Collector { received: received.clone(), from: String::new(), to: Vec::new(), data: Vec::new() };
        let mut server = Server::new(handler);
        server.with_name("smtp.test").with_num_threads(64).with_tcp_listener(listener);
        server.with_ssl(ssl).expect("the server's TLS settings");
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the mailbox").clone()
    }

    /// Waits (up to `seconds`) until at least `count` messages arrived, and returns them all.
    pub async fn wait_for(&self, count: usize, seconds: u64) -> Vec<Received> {
        for _ in 0..seconds * 20 {
            if self.received().len() >= count {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }
}

/// Settings that send through the server on `port`, in plain SMTP on loopback.
pub fn via(port: u16) -> impl FnOnce(&mut passerelle::config::Settings) {
    move |settings| {
        settings.smtp_host = "127.0.0.1".into();
        settings.smtp_port = port;
        settings.smtp_tls = "none".into();
        settings.mail_from = "Passerelle <no-reply@platform.test>".into();
        settings.mail_retry_seconds = 1;
    }
}
