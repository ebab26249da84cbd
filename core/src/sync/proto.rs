//! The wire protocol between devices and the relay.
//!
//! A frame is a 4-byte big-endian length, then that many bytes of body. The body
//! starts with one byte of wire version, followed by a [`Message`] encoded with
//! postcard. Both ends use exactly this module, so they cannot drift apart.
//!
//! Decoding never panics: every way a frame can be wrong has its own
//! [`FrameError`] with a stable [`Code`].

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::log::{Blob, DeviceInfo, Entry};
use crate::portal::Publication;
use crate::{Code, HasCode};

/// The wire version this build speaks.
pub const WIRE_VERSION: u8 = 3;

/// The largest frame body accepted by default (1 MiB).
pub const DEFAULT_MAX_FRAME: usize = 1024 * 1024;

const LEN_BYTES: usize = 4;

/// How much of a frame body is read (and allocated) at a time.
const READ_CHUNK: usize = 64 * 1024;

/// Every message a device and the relay exchange.
///
/// Requests go one per bidirectional stream (one frame out, one back), except
/// `Subscribe`, whose stream then carries `Entries` frames for as long as the
/// device stays connected. New variants go at the end: postcard numbers them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// First message of a device on a new connection.
    Hello {
        agent: String,
    },
    /// The relay's answer to `Hello`. `device` is `None` while the device's
    /// certificate is not enrolled: then only `Enroll` is allowed.
    Welcome {
        relay_version: String,
        practice: String,
        device: Option<DeviceInfo>,
    },
    Ping {
        nonce: u64,
    },
    Pong {
        nonce: u64,
    },
    /// The other end refused a frame; `code` is a [`Code`] string.
    Error {
        code: String,
        message: String,
    },
    /// Enroll the certificate this connection was made with, using a one-time
    /// invite or pairing token.
    Enroll {
        token: Token,
        name: String,
        age_recipient: String,
        pairing_proof: Option<[u8; 32]>,
    },
    Enrolled {
        device: DeviceInfo,
    },
    /// Ask for a one-time token that enrolls another device of the same member.
    Pair,
    PairingToken {
        token: Token,
        expires_ms: i64,
    },
    /// Ask for the practice's devices.
    Devices,
    DeviceList {
        devices: Vec<DeviceInfo>,
    },
    /// Store blobs in the log (idempotent by blob id).
    Upload {
        blobs: Vec<Blob>,
    },
    /// One result per uploaded blob, in order.
    Uploaded {
        results: Vec<UploadResult>,
    },
    /// Send every entry this device may read after `since`, then new ones as
    /// they arrive, on this stream.
    Subscribe {
        since: u64,
    },
    /// A page of entries. `head` is the highest sequence number the relay had
    /// when it sent the page; `caught_up` says nothing older is left to send.
    Entries {
        entries: Vec<Entry>,
        head: u64,
        caught_up: bool,
    },
    /// Portal publications from a therapist's device (idempotent by their ids).
    Publish {
        items: Vec<Publication>,
    },
    /// All `count` publications were applied.
    Published {
        count: u32,
    },
    /// Ask for patient submissions sealed to this device (one page).
    FetchInbox,
    /// A page of sealed submissions; `more` says another page waits.
    Inbox {
        items: Vec<SealedSubmission>,
        more: bool,
    },
    /// These submissions are safely in the device's vault: drop them.
    AckInbox {
        ids: Vec<String>,
    },
    Acked,
    /// Sent on the subscription stream: submissions wait; fetch them.
    InboxWaiting,
}

/// A patient's submission sealed (age) to the therapist's devices. `id` is
/// what the device acknowledges; the relay never keeps it in clear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSubmission {
    pub id: String,
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for SealedSubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedSubmission")
            .field("id", &self.id)
            .field("bytes", &self.sealed.len())
            .finish()
    }
}

/// Sealed submissions in one `Inbox` page at most.
pub const INBOX_PAGE: usize = 32;

/// Ids in one `AckInbox` at most.
pub const MAX_ACK_IDS: usize = 256;

/// A one-time enrollment or pairing token. Never printed: whoever holds it
/// can enroll a device.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Token(pub String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

/// What happened to one uploaded blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadResult {
    Stored {
        seq: u64,
    },
    /// A blob with this id was stored before (a retry); nothing new stored.
    Duplicate {
        seq: u64,
    },
    /// Refused; `code` is a [`Code`] string. The other blobs are unaffected.
    Refused {
        code: String,
        message: String,
    },
}

impl Message {
    /// The message's name, for logs, metrics and error texts.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Hello { .. } => "hello",
            Message::Welcome { .. } => "welcome",
            Message::Ping { .. } => "ping",
            Message::Pong { .. } => "pong",
            Message::Error { .. } => "error",
            Message::Enroll { .. } => "enroll",
            Message::Enrolled { .. } => "enrolled",
            Message::Pair => "pair",
            Message::PairingToken { .. } => "pairing_token",
            Message::Devices => "devices",
            Message::DeviceList { .. } => "device_list",
            Message::Upload { .. } => "upload",
            Message::Uploaded { .. } => "uploaded",
            Message::Subscribe { .. } => "subscribe",
            Message::Entries { .. } => "entries",
            Message::Publish { .. } => "publish",
            Message::Published { .. } => "published",
            Message::FetchInbox => "fetch_inbox",
            Message::Inbox { .. } => "inbox",
            Message::AckInbox { .. } => "ack_inbox",
            Message::Acked => "acked",
            Message::InboxWaiting => "inbox_waiting",
        }
    }

    /// An error frame carrying `code`.
    pub fn error(code: Code, message: impl Into<String>) -> Message {
        Message::Error {
            code: code.as_str().to_owned(),
            message: message.into(),
        }
    }
}

/// What can be wrong with a frame.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame truncated: needed {needed} bytes, got {got}")]
    Truncated { needed: usize, got: usize },
    #[error("frame of {len} bytes exceeds the limit of {max}")]
    Oversized { len: usize, max: usize },
    #[error("empty frame")]
    Empty,
    #[error("unsupported wire version {got} (this build speaks {WIRE_VERSION})")]
    UnsupportedVersion { got: u8 },
    #[error("malformed frame body: {0}")]
    Malformed(String),
    #[error("stream error: {0}")]
    Io(#[from] std::io::Error),
}

impl HasCode for FrameError {
    fn code(&self) -> Code {
        match self {
            FrameError::Truncated { .. } => Code::FrameTruncated,
            FrameError::Oversized { .. } => Code::FrameOversized,
            FrameError::Empty => Code::FrameEmpty,
            FrameError::UnsupportedVersion { .. } => Code::FrameVersion,
            FrameError::Malformed(_) => Code::FrameMalformed,
            FrameError::Io(_) => Code::Io,
        }
    }
}

impl FrameError {
    /// The error frame to send back to a peer whose frame was refused.
    pub fn to_message(&self) -> Message {
        Message::Error {
            code: self.code().as_str().to_owned(),
            message: self.to_string(),
        }
    }
}

/// Encodes one message as a complete frame.
pub fn encode(msg: &Message, max: usize) -> Result<Vec<u8>, FrameError> {
    let mut header = vec![0u8; LEN_BYTES];
    header.push(WIRE_VERSION);
    let mut out =
        postcard::to_extend(msg, header).map_err(|e| FrameError::Malformed(e.to_string()))?;
    let body_len = out.len() - LEN_BYTES;
    if body_len > max {
        return Err(FrameError::Oversized { len: body_len, max });
    }
    let len = u32::try_from(body_len).map_err(|_| FrameError::Oversized { len: body_len, max })?;
    out[..LEN_BYTES].copy_from_slice(&len.to_be_bytes());
    Ok(out)
}

/// Decodes the first frame in `buf`; returns the message and the bytes used.
pub fn decode(buf: &[u8], max: usize) -> Result<(Message, usize), FrameError> {
    let len = read_len(buf, max)?;
    let total = LEN_BYTES + len;
    if buf.len() < total {
        return Err(FrameError::Truncated {
            needed: total,
            got: buf.len(),
        });
    }
    let msg = decode_body(&buf[LEN_BYTES..total])?;
    Ok((msg, total))
}

fn read_len(buf: &[u8], max: usize) -> Result<usize, FrameError> {
    let Some(prefix) = buf.get(..LEN_BYTES) else {
        return Err(FrameError::Truncated {
            needed: LEN_BYTES,
            got: buf.len(),
        });
    };
    let mut len_bytes = [0u8; LEN_BYTES];
    len_bytes.copy_from_slice(prefix);
    check_len(u32::from_be_bytes(len_bytes), max)
}

fn check_len(len: u32, max: usize) -> Result<usize, FrameError> {
    let len = len as usize;
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > max {
        return Err(FrameError::Oversized { len, max });
    }
    Ok(len)
}

fn decode_body(body: &[u8]) -> Result<Message, FrameError> {
    let (&version, rest) = body.split_first().ok_or(FrameError::Empty)?;
    if version != WIRE_VERSION {
        return Err(FrameError::UnsupportedVersion { got: version });
    }
    let (msg, trailing) =
        postcard::take_from_bytes(rest).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if !trailing.is_empty() {
        return Err(FrameError::Malformed(format!(
            "{} trailing bytes after the message",
            trailing.len()
        )));
    }
    Ok(msg)
}

/// Reads one frame from a stream. `Ok(None)` is a clean end of stream between
/// frames; an end inside a frame is [`FrameError::Truncated`].
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> Result<Option<Message>, FrameError> {
    let mut len_bytes = [0u8; LEN_BYTES];
    let got = read_full(reader, &mut len_bytes).await?;
    if got == 0 {
        return Ok(None);
    }
    if got < LEN_BYTES {
        return Err(FrameError::Truncated {
            needed: LEN_BYTES,
            got,
        });
    }
    let len = check_len(u32::from_be_bytes(len_bytes), max)?;
    // Grow with what arrives rather than trusting the header: a peer that
    // announces a large frame and sends nothing must not cost memory.
    let mut body = Vec::with_capacity(len.min(READ_CHUNK));
    while body.len() < len {
        let start = body.len();
        let want = (len - start).min(READ_CHUNK);
        body.resize(start + want, 0);
        let got = read_full(reader, &mut body[start..]).await?;
        if got < want {
            return Err(FrameError::Truncated {
                needed: LEN_BYTES + len,
                got: LEN_BYTES + start + got,
            });
        }
    }
    decode_body(&body).map(Some)
}

/// Fills `buf` as far as the stream allows; returns how many bytes were read.
async fn read_full<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = reader.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Writes one message as a frame.
pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    msg: &Message,
    max: usize,
) -> Result<(), FrameError> {
    let bytes = encode(msg, max)?;
    writer.write_all(&bytes).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Message> {
        vec![
            Message::Hello {
                agent: "bloom-desktop/0.1.0".into(),
            },
            Message::Welcome {
                relay_version: "0.1.0".into(),
                practice: "Demo Practice — Київ".into(),
                device: None,
            },
            Message::Ping { nonce: u64::MAX },
            Message::Pong { nonce: 0 },
            Message::Error {
                code: "frame.malformed".into(),
                message: String::new(),
            },
            Message::Publish {
                items: vec![Publication::RevokeClient {
                    client: crate::portal::PortalClientId::from_bytes([3; 16]),
                }],
            },
            Message::Published { count: 1 },
            Message::FetchInbox,
            Message::Inbox {
                items: vec![SealedSubmission {
                    id: "s1".into(),
                    sealed: vec![1, 2, 3],
                }],
                more: false,
            },
            Message::AckInbox {
                ids: vec!["s1".into()],
            },
            Message::Acked,
            Message::InboxWaiting,
        ]
    }

    #[test]
    fn every_message_round_trips() {
        for msg in samples() {
            let bytes = encode(&msg, DEFAULT_MAX_FRAME).unwrap();
            let (back, used) = decode(&bytes, DEFAULT_MAX_FRAME).unwrap();
            assert_eq!(back, msg);
            assert_eq!(used, bytes.len());
        }
    }

    #[test]
    fn a_publish_with_a_bad_client_id_is_malformed() {
        // A client id must be 32 hex characters, checked while decoding.
        let good = Message::Publish {
            items: vec![Publication::RevokeClient {
                client: crate::portal::PortalClientId::from_bytes([3; 16]),
            }],
        };
        let mut bytes = encode(&good, DEFAULT_MAX_FRAME).unwrap();
        let at = bytes.len() - 1;
        bytes[at] = b'Z';
        let err = decode(&bytes, DEFAULT_MAX_FRAME).unwrap_err();
        assert_eq!(err.code(), Code::FrameMalformed);
    }

    #[test]
    fn two_frames_back_to_back_decode_one_at_a_time() {
        let a = encode(&Message::Ping { nonce: 1 }, DEFAULT_MAX_FRAME).unwrap();
        let b = encode(&Message::Pong { nonce: 2 }, DEFAULT_MAX_FRAME).unwrap();
        let both = [a.clone(), b].concat();
        let (first, used) = decode(&both, DEFAULT_MAX_FRAME).unwrap();
        assert_eq!(first, Message::Ping { nonce: 1 });
        assert_eq!(used, a.len());
        let (second, _) = decode(&both[used..], DEFAULT_MAX_FRAME).unwrap();
        assert_eq!(second, Message::Pong { nonce: 2 });
    }

    #[test]
    fn every_truncation_is_a_typed_error() {
        let bytes = encode(&samples()[1], DEFAULT_MAX_FRAME).unwrap();
        for cut in 0..bytes.len() {
            let err = decode(&bytes[..cut], DEFAULT_MAX_FRAME).unwrap_err();
            assert_eq!(err.code(), Code::FrameTruncated, "cut at {cut}: {err}");
        }
    }

    #[test]
    fn oversized_frames_are_refused_before_reading_the_body() {
        let header = (DEFAULT_MAX_FRAME as u32 + 1).to_be_bytes();
        let err = decode(&header, DEFAULT_MAX_FRAME).unwrap_err();
        assert!(matches!(err, FrameError::Oversized { .. }), "{err}");
        assert_eq!(err.code(), Code::FrameOversized);

        let big = Message::Hello {
            agent: "x".repeat(64),
        };
        let err = encode(&big, 16).unwrap_err();
        assert_eq!(err.code(), Code::FrameOversized);
    }

    #[test]
    fn empty_frame_is_refused() {
        let err = decode(&[0, 0, 0, 0], DEFAULT_MAX_FRAME).unwrap_err();
        assert_eq!(err.code(), Code::FrameEmpty);
    }

    #[test]
    fn unknown_wire_version_is_refused() {
        let mut bytes = encode(&Message::Ping { nonce: 7 }, DEFAULT_MAX_FRAME).unwrap();
        bytes[LEN_BYTES] = 99;
        let err = decode(&bytes, DEFAULT_MAX_FRAME).unwrap_err();
        assert!(matches!(err, FrameError::UnsupportedVersion { got: 99 }));
        assert_eq!(err.code(), Code::FrameVersion);
    }

    #[test]
    fn garbage_bodies_and_trailing_bytes_are_malformed() {
        // An enum tag no message has.
        let err = decode(&[0, 0, 0, 2, WIRE_VERSION, 200], DEFAULT_MAX_FRAME).unwrap_err();
        assert_eq!(err.code(), Code::FrameMalformed);

        let mut bytes = encode(&Message::Ping { nonce: 7 }, DEFAULT_MAX_FRAME).unwrap();
        bytes.push(0);
        let len = (bytes.len() - LEN_BYTES) as u32;
        bytes[..LEN_BYTES].copy_from_slice(&len.to_be_bytes());
        let err = decode(&bytes, DEFAULT_MAX_FRAME).unwrap_err();
        assert_eq!(err.code(), Code::FrameMalformed);
    }

    #[test]
    fn random_garbage_never_panics() {
        // A small xorshift so the test is deterministic without extra crates.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 64) as usize;
            let mut buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if buf.len() >= LEN_BYTES && next() % 2 == 0 {
                // Make the length plausible so the body decoder gets exercised too.
                let body = (buf.len() - LEN_BYTES) as u32;
                buf[..LEN_BYTES].copy_from_slice(&body.to_be_bytes());
                if body > 0 && next() % 2 == 0 {
                    buf[LEN_BYTES] = WIRE_VERSION;
                }
            }
            if let Err(e) = decode(&buf, 1024) {
                assert_ne!(e.code(), Code::Io);
            }
        }
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = "0123456789abcdef0123456789abcdef";
        for msg in [
            Message::Enroll {
                token: Token(token.into()),
                name: "laptop".into(),
                age_recipient: "age1x".into(),
                pairing_proof: None,
            },
            Message::PairingToken {
                token: Token(token.into()),
                expires_ms: 1,
            },
        ] {
            let shown = format!("{msg:?}");
            assert!(!shown.contains(token), "{shown}");
            let bytes = encode(&msg, DEFAULT_MAX_FRAME).unwrap();
            assert_eq!(decode(&bytes, DEFAULT_MAX_FRAME).unwrap().0, msg);
        }
    }

    #[tokio::test]
    async fn a_large_body_arrives_in_pieces_and_decodes() {
        let msg = Message::Hello {
            agent: "x".repeat(200_000),
        };
        let bytes = encode(&msg, DEFAULT_MAX_FRAME).unwrap();
        let mut reader = bytes.as_slice();
        let got = read_frame(&mut reader, DEFAULT_MAX_FRAME).await.unwrap();
        assert_eq!(got, Some(msg));
    }

    #[tokio::test]
    async fn stream_reader_round_trips_and_sees_clean_end() {
        let mut wire = Vec::new();
        for msg in samples() {
            write_frame(&mut wire, &msg, DEFAULT_MAX_FRAME)
                .await
                .unwrap();
        }
        let mut reader = wire.as_slice();
        for msg in samples() {
            let got = read_frame(&mut reader, DEFAULT_MAX_FRAME).await.unwrap();
            assert_eq!(got, Some(msg));
        }
        assert_eq!(
            read_frame(&mut reader, DEFAULT_MAX_FRAME).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn stream_reader_reports_truncation_inside_a_frame() {
        let bytes = encode(&Message::Ping { nonce: 1 }, DEFAULT_MAX_FRAME).unwrap();
        for cut in 1..bytes.len() {
            let mut reader = &bytes[..cut];
            let err = read_frame(&mut reader, DEFAULT_MAX_FRAME)
                .await
                .unwrap_err();
            assert_eq!(err.code(), Code::FrameTruncated, "cut at {cut}");
        }
    }

    #[tokio::test]
    async fn stream_reader_refuses_oversized_without_allocating_it() {
        let header = u32::MAX.to_be_bytes();
        let mut reader = &header[..];
        let err = read_frame(&mut reader, DEFAULT_MAX_FRAME)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::FrameOversized);
    }
}
