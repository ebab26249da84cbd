//! Outgoing mail (password resets): by SMTP when `smtp_url` is set, else
//! written to `data_dir/outbox/*.eml` (mode 0600) for the operator. Logs say
//! that a message went out, never to whom or what it said.

use std::path::PathBuf;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail address not valid")]
    Address,
    #[error("cannot build the message")]
    Build,
    #[error("SMTP failed: {0}")]
    Smtp(String),
    #[error("cannot write the outbox: {0}")]
    Outbox(String),
}

/// Where mail goes.
#[derive(Clone, Debug)]
pub struct Mailer {
    pub smtp_url: Option<String>,
    pub from: String,
    pub outbox: PathBuf,
}

impl Mailer {
    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let from: Mailbox = self.from.parse().map_err(|_| MailError::Address)?;
        let to: Mailbox = to.parse().map_err(|_| MailError::Address)?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|_| MailError::Build)?;
        match &self.smtp_url {
            Some(url) => {
                let (host, port) = parse_smtp_url(url)
                    .ok_or_else(|| MailError::Smtp("smtp_url must be smtp://host[:port]".into()))?;
                let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(port)
                    .build();
                transport
                    .send(message)
                    .await
                    .map_err(|e| MailError::Smtp(e.to_string()))?;
                tracing::info!("mail sent by SMTP");
            }
            None => {
                let outbox = self.outbox.clone();
                let bytes = message.formatted();
                let path = tokio::task::spawn_blocking(move || write_outbox(&outbox, &bytes))
                    .await
                    .map_err(|e| MailError::Outbox(e.to_string()))??;
                tracing::info!(file = %path.display(), "no SMTP configured: mail written to the outbox");
            }
        }
        Ok(())
    }
}

/// `smtp://host[:port]` (port 25 by default). This build speaks plain SMTP:
/// point it at a local relay (e.g. the host's MTA) that handles TLS onwards.
fn parse_smtp_url(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("smtp://")?.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (rest, 25),
    };
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

fn write_outbox(dir: &std::path::Path, bytes: &[u8]) -> Result<PathBuf, MailError> {
    bloom_core::durable::create_private_dir(dir).map_err(|e| MailError::Outbox(e.to_string()))?;
    let mut name = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut name)
        .map_err(|_| MailError::Outbox("random source failed".into()))?;
    let path = dir.join(format!(
        "{}-{}.eml",
        crate::quic::now_ms(),
        bloom_core::hex::encode(&name)
    ));
    bloom_core::durable::write_atomically(&path, bytes, 0o600)
        .map_err(|e| MailError::Outbox(e.to_string()))?;
    Ok(path)
}
