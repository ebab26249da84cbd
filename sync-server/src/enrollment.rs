//! Enrolling a device with a one-time token, and making pairing tokens.

use bloom_core::sync::log::{DeviceId, DeviceInfo};
use bloom_core::sync::proto::{Message, Token};
use bloom_core::{Code, HasCode};

use crate::quic::{QuicContext, now_ms};
use crate::store::{InviteKind, NewDevice, NewInvite, RelayStore, StoreError};

const MAX_NAME: usize = 100;

/// A fresh one-time token (32 hex digits) and the hash the store keeps.
pub fn new_token() -> anyhow::Result<(String, [u8; 32])> {
    let mut raw = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut raw)
        .map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    let token = bloom_core::hex::encode(&raw);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// What the store keeps of a token: its SHA-256.
pub fn token_hash(token: &str) -> [u8; 32] {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        token.trim().to_ascii_lowercase().as_bytes(),
    );
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Enrolls the connection's certificate; the error is the reply to send.
pub async fn enroll<S: RelayStore>(
    ctx: &QuicContext<S>,
    id: &DeviceId,
    msg: Message,
) -> Result<DeviceInfo, Message> {
    let Message::Enroll {
        token,
        name,
        age_recipient,
        pairing_proof,
    } = msg
    else {
        return Err(Message::error(Code::RelayProtocol, "expected Enroll"));
    };
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Message::error(
            Code::InvalidInput,
            format!("a device name is 1 to {MAX_NAME} printable characters"),
        ));
    }
    if !looks_like_age_recipient(&age_recipient) {
        return Err(Message::error(
            Code::InvalidInput,
            "the age recipient is malformed",
        ));
    }
    let device = NewDevice {
        id: id.clone(),
        name,
        age_recipient,
        pairing_proof,
    };
    match ctx
        .store
        .enroll(token_hash(&token.0), device, now_ms())
        .await
    {
        Ok(device) => {
            tracing::info!(device = %device.id, member = %device.member, "device enrolled");
            let event = crate::audit::Event::new(now_ms(), "enrollment")
                .object(&device.id.0)
                .member(&device.member);
            if let Err(e) = ctx
                .portal
                .webstore()
                .run(move |c| crate::audit::record(c, &event))
                .await
            {
                tracing::warn!(error = %e, "the enrollment was not written to the audit log");
            }
            Ok(device)
        }
        Err(e @ StoreError::InviteInvalid) => {
            tracing::info!(device = %id, "enrollment refused: invite invalid");
            Err(Message::error(e.code(), e.to_string()))
        }
        Err(e) => {
            tracing::warn!(code = %e.code(), "enrollment failed");
            Err(Message::error(
                e.code(),
                "the relay could not enroll this device",
            ))
        }
    }
}

/// `age1` + bech32 of 32 bytes: 62 lowercase characters.
fn looks_like_age_recipient(text: &str) -> bool {
    text.len() == 62
        && text.starts_with("age1")
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A one-time token that enrolls another device of `device`'s member.
pub async fn pair<S: RelayStore>(ctx: &QuicContext<S>, device: &DeviceInfo) -> Message {
    let Ok((token, token_hash)) = new_token() else {
        return Message::error(Code::Internal, "no randomness");
    };
    let now = now_ms();
    let expires_ms = now + i64::try_from(ctx.pairing_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let invite = NewInvite {
        token_hash,
        member: device.member.clone(),
        kind: InviteKind::Pairing {
            by: device.id.clone(),
        },
        expires_ms,
        created_ms: now,
    };
    match ctx.store.create_invite(invite).await {
        Ok(()) => Message::PairingToken {
            token: Token(token),
            expires_ms,
        },
        Err(e) => Message::error(e.code(), "the relay could not make a pairing token"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_hashed_the_way_they_are_typed() {
        let (a, hash_a) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(token_hash(&format!(" {} ", a.to_uppercase())), hash_a);
    }

    #[test]
    fn age_recipients_are_checked_for_shape() {
        assert!(looks_like_age_recipient(&format!("age1{}", "q".repeat(58))));
        for bad in [
            "",
            "age1",
            &format!("age2{}", "q".repeat(58)),
            &format!("age1{}", "Q".repeat(58)),
        ] {
            assert!(!looks_like_age_recipient(bad), "{bad}");
        }
    }
}
