//! A small WebDriver client for headless Chromium through chromedriver: enough to act as a
//! person would (type, choose, click, read the page, take a screenshot).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: awc::Client,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    /// Ends the WebDriver session first, so that chromedriver closes Chromium: killed alone,
    /// chromedriver would leave Chromium's processes running after the test.
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = end_session(&self.base, &self.session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}`, synchronously (a `Drop` cannot wait on the async client).
fn end_session(base: &str, session: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "DELETE /session/{session} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    // chromedriver answers once Chromium has quit.
    stream.read_to_end(&mut Vec::new()).map(|_| ())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn find_program(name: &str) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()).map(|p| p.display().to_string())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; `None` (reported as skipped) when they are not
    /// installed, unless `PASSERELLE_REQUIRE_BROWSER` is set, as in CI.
    pub async fn start() -> Option<Browser> {
        let (Some(driver), Some(chromium)) = (find_program("chromedriver"), find_program("chromium")) else {
            if std::env::var_os("PASSERELLE_REQUIRE_BROWSER").is_some() {
                panic!("PASSERELLE_REQUIRE_BROWSER is set but chromium and chromedriver are not installed");
            }
            eprintln!("skipped: chromium and chromedriver are not installed");
            return None;
        };
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile directory");
        let http = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,1600",
                    "--lang=en-GB", format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let mut browser = Browser { driver: child, base, session: String::new(), http, _profile: profile };
        let created = browser.call("POST", "/session", Some(capabilities)).await;
        browser.session = created["sessionId"].as_str().expect("a WebDriver session").to_owned();
        Some(browser)
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = if path == "/session" { path.to_owned() } else { format!("/session/{}{path}", self.session) };
        let url = format!("{}{path}", self.base);
        let mut response = match method {
            "GET" => self.http.get(url).send().await,
            _ => self.http.post(url).send_json(&body.unwrap_or(json!({}))).await,
        }
        .expect("chromedriver answers");
        let value: Value = response.json().limit(64 * 1024 * 1024).await.expect("a JSON answer");
        let value = value["value"].clone();
        if let Some(error) = value.get("error") {
            panic!("WebDriver {method} {path}: {error} {}", value["message"]);
        }
        value
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url}))).await;
    }

    pub async fn url(&self) -> String {
        self.call("GET", "/url", None).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn source(&self) -> String {
        self.call("GET", "/source", None).await.as_str().unwrap_or_default().to_owned()
    }

    async fn element(&self, css: &str) -> String {
        let found = self.call("POST", "/element", Some(json!({"using": "css selector", "value": css}))).await;
        found[ELEMENT].as_str().expect("an element").to_owned()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call("POST", &format!("/element/{id}/value"), Some(json!({"text": text}))).await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.call("POST", &format!("/element/{id}/click"), None).await;
    }

    /// Clicks something that loads a new page (a link, a submit button) and waits for that page.
    pub async fn click_to_load(&self, css: &str) {
        self.script("window.__passerelle_old_page = true;", json!([])).await;
        self.click(css).await;
        for _ in 0..200 {
            let loaded = self
                .script(
                    "return window.__passerelle_old_page !== true && document.readyState === 'complete';",
                    json!([]),
                )
                .await;
            if loaded == Value::Bool(true) {
                return;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page after clicking {css}");
    }

    async fn script(&self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": script, "args": args}))).await
    }

    /// Sets a date-time field the way its picker would.
    pub async fn set_value(&self, css: &str, value: &str) {
        self.script("document.querySelector(arguments[0]).value = arguments[1];", json!([css, value])).await;
    }

    pub async fn screenshot(&self, path: &std::path::Path) {
        let data = self.call("GET", "/screenshot", None).await;
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap_or_default()).expect("PNG data");
        std::fs::write(path, bytes).expect("the screenshot is written");
    }
}
