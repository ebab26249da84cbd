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
                    .map_err(|e| MailError::Smtp(smtp_failure(&e)))?;
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

/// What went wrong, without the server's reply text: a refusal often quotes
/// the recipient's address, which must not reach the logs.
fn smtp_failure(e: &lettre::transport::smtp::Error) -> String {
    let kind = if e.is_permanent() {
        "refused permanently"
    } else if e.is_transient() {
        "refused for now"
    } else if e.is_timeout() {
        "timed out"
    } else {
        "connection or protocol failure"
    };
    match e.status() {
        Some(code) => format!("the mail server {kind} (SMTP {code})"),
        None => format!("the mail server: {kind}"),
    }
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

#[cfg(test)]
mod refusal_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// A mail server that refuses the recipient, quoting the address back.
    async fn refusing_server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 sink\r\n").await.unwrap();
            while let Ok(Some(line)) = lines.next_line().await {
                let reply: &[u8] = match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                    "RCPT" => b"550 5.1.1 <alice@example.org>: no such user here\r\n",
                    "QUIT" => b"221 bye\r\n",
                    _ => b"250 ok\r\n",
                };
                if write.write_all(reply).await.is_err() {
                    break;
                }
            }
        });
        format!("smtp://{addr}")
    }

    #[tokio::test]
    async fn a_refusal_is_reported_without_the_address_it_quotes() {
        let mailer = Mailer {
            smtp_url: Some(refusing_server().await),
            from: "Bloom <no-reply@localhost>".into(),
            outbox: std::env::temp_dir().join("bloom-unused-outbox"),
        };
        let err = mailer
            .send("alice@example.org", "Reset", "link".into())
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("550"), "{text}");
        assert!(!text.contains("alice"), "{text}");
    }
}
