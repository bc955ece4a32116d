//! What the server does on its own: the overdue sweep, on startup and every hour.

use std::time::Duration;

use tiendo_storage::Store;

/// How often overdue tasks are looked for.
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Starts the overdue sweep (now, then hourly) on the current tokio runtime.
pub fn spawn_background(store: Store) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            every.tick().await;
            match store.sweep_overdue_tasks(crate::today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(tasks = n, "overdue tasks noticed"),
                Err(e) => tracing::warn!(error = %e, "overdue sweep failed; retrying in an hour"),
            }
        }
    });
}

/// Where notices are e-mailed from: an SMTP server (`smtp://[user:password@]host[:port]`,
/// plain or `?tls=…` as lettre reads it) and the sender's address. The URL's credentials are
/// never logged: [`Mailer::server`] is what may be shown.
#[derive(Clone)]
pub struct Mailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
    server: String,
    /// The address people open tiendo at (e.g. `https://cds.samson.gov.vn`), put before each
    /// notice's link so that it works from a mail reader.
    public_url: Option<String>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// How often the mailer looks for notices to send (and retries after a failure).
pub const MAIL_EVERY: Duration = Duration::from_secs(60);

impl Mailer {
    /// Reads the server URL and sender; the error (in both languages) never shows a password.
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let server = redact(url);
        let bad = || {
            format!(
                "không đọc được địa chỉ máy chủ thư «{server}»: hãy viết smtp://MÁY:CỔNG\n\
                 cannot read the SMTP URL «{server}»: write smtp://HOST:PORT"
            )
        };
        let rest = url.trim().strip_prefix("smtp://").ok_or_else(bad)?;
        let rest = rest.split(['/', '?']).next().unwrap_or("");
        let (credentials, host_port) = match rest.rsplit_once('@') {
            Some((userinfo, hp)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                (Some((user.to_string(), password.to_string())), hp)
            }
            None => (None, rest),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
            None => (host_port, 25),
        };
        if host.is_empty() {
            return Err(bad());
        }
        // Plain SMTP to a relay the installation trusts (usually on the same host or network):
        // no TLS, which would need a TLS stack in the build.
        let mut builder =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .timeout(Some(Duration::from_secs(20)));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(
                lettre::transport::smtp::authentication::Credentials::new(user, password),
            );
        }
        let transport = builder.build();
        let from = from.trim().parse().map_err(|_| {
            format!("«{from}» không phải địa chỉ người gửi\n«{from}» is not a sender address")
        })?;
        Ok(Mailer {
            transport,
            from,
            server,
            public_url: None,
        })
    }

    /// Links in e-mails start with `public_url` (`http://` or `https://`, no trailing slash
    /// needed).
    pub fn with_public_url(mut self, public_url: &str) -> Result<Mailer, String> {
        let url = public_url.trim().trim_end_matches('/');
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        if rest.is_none_or(|host| host.is_empty() || host.contains(char::is_whitespace)) {
            return Err(format!(
                "«{public_url}» không phải địa chỉ web: hãy viết https://TÊN-MIỀN\n\
                 «{public_url}» is not a web address: write https://DOMAIN"
            ));
        }
        self.public_url = Some(url.to_string());
        Ok(self)
    }

    /// The link as a mail reader can open it.
    fn link(&self, path: &str) -> String {
        match &self.public_url {
            Some(base) if path.starts_with('/') => format!("{base}{path}"),
            _ => path.to_string(),
        }
    }

    /// The server without its credentials, for the log.
    pub fn server(&self) -> &str {
        &self.server
    }
}

/// `scheme://user:***@host…`: the URL with any password hidden.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = url[s + 3..at].split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Sends the notices waiting for e-mail, oldest first, each marked once it went out; stops at
/// the first failure (the rest wait for the next round). Returns how many were sent.
pub async fn send_pending_emails(store: &Store, mailer: &Mailer) -> Result<usize, String> {
    use lettre::AsyncTransport;
    let pending = store.pending_emails(100).await.map_err(|e| e.to_string())?;
    let mut sent = 0;
    for p in pending {
        let to = match p.email.parse() {
            Ok(to) => to,
            Err(_) => {
                // An address that cannot be written to is not retried for ever.
                tracing::warn!(
                    notice = p.id,
                    "notice not e-mailed: the address is not valid"
                );
                store.mark_emailed(p.id).await.map_err(|e| e.to_string())?;
                continue;
            }
        };
        let text = if p.link.is_empty() {
            p.body.clone()
        } else {
            format!("{}\n\n{}", p.body, mailer.link(&p.link))
        };
        let message = lettre::Message::builder()
            .from(mailer.from.clone())
            .to(to)
            .subject(p.title.clone())
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| e.to_string())?;
        mailer
            .transport
            .send(message)
            .await
            .map_err(|e| format!("{}: {e}", mailer.server))?;
        store.mark_emailed(p.id).await.map_err(|e| e.to_string())?;
        sent += 1;
    }
    Ok(sent)
}

/// Starts the mailer: pending notices go out every [`MAIL_EVERY`]; a failure is logged and
/// retried on the next round.
pub fn spawn_mailer(store: Store, mailer: Mailer) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(MAIL_EVERY);
        loop {
            every.tick().await;
            match send_pending_emails(&store, &mailer).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sent = n, "notices e-mailed"),
                Err(e) => tracing::warn!(error = %e, "e-mailing notices failed; retrying later"),
            }
        }
    });
}
