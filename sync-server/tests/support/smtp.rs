//! A tiny local SMTP sink: speaks enough SMTP (220, EHLO/HELO, MAIL, RCPT,
//! DATA, RSET, NOOP, QUIT) for lettre to deliver to it, and keeps every
//! message it receives.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One delivered message: envelope recipients and the raw data.
#[derive(Clone, Debug)]
pub struct Captured {
    pub rcpt: Vec<String>,
    pub data: String,
}

#[derive(Clone, Default)]
pub struct SmtpSink {
    pub messages: Arc<Mutex<Vec<Captured>>>,
}

impl SmtpSink {
    /// Listens on 127.0.0.1 (a free port); returns the sink and `smtp://` URL.
    pub async fn start() -> std::io::Result<(SmtpSink, String)> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("smtp://{}", listener.local_addr()?);
        let sink = SmtpSink::default();
        let messages = sink.messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let messages = messages.clone();
                tokio::spawn(async move {
                    let _ = session(stream, messages).await;
                });
            }
        });
        Ok((sink, url))
    }

    pub fn all(&self) -> Vec<Captured> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    messages: Arc<Mutex<Vec<Captured>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut rcpt = vec![];
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?,
            "MAIL" => {
                rcpt.clear();
                write.write_all(b"250 ok\r\n").await?
            }
            "RCPT" => {
                rcpt.push(line[5..].trim().to_owned());
                write.write_all(b"250 ok\r\n").await?
            }
            "DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if lines.read_line(&mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                if let Ok(mut m) = messages.lock() {
                    m.push(Captured {
                        rcpt: rcpt.clone(),
                        data,
                    });
                }
                write.write_all(b"250 queued\r\n").await?
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"250 ok\r\n").await?,
        }
    }
}
