//! Invites and pairing codes: how a new device learns where its relay is,
//! which certificate to pin, and the one-time token that enrolls it.
//!
//! Both are one line of text, made by the relay (`bloom-relay invite`) or by a
//! device (pairing) and pasted into the new device:
//!
//! `bloom-invite:1?relay=HOST:PORT&pin=HEX64&token=HEX32&expires=MS[&pair=HEX64]`
//!
//! `pair` is present only in a pairing code: a secret the relay never sees,
//! with which the new device proves its keys to the device that made the
//! code (see [`pairing_proof`]).

use std::fmt;
use std::str::FromStr;

use super::client::RelayTarget;
use super::log::DeviceId;
use crate::{Code, HasCode};

const PREFIX: &str = "bloom-invite:1?";

/// A parsed invite or pairing code. Its secrets are never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Invite {
    pub relay: RelayTarget,
    /// The one-time token (32 hex digits); the relay keeps only its hash.
    pub token: String,
    /// Milliseconds since the epoch after which the relay refuses it.
    pub expires_ms: i64,
    /// Only in pairing codes.
    pub pairing_secret: Option<[u8; 32]>,
}

impl fmt::Debug for Invite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invite")
            .field("relay", &self.relay)
            .field("expires_ms", &self.expires_ms)
            .field("pairing", &self.pairing_secret.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("this is not a Bloom invite or pairing code: {0}")]
pub struct BadInvite(&'static str);

impl HasCode for BadInvite {
    fn code(&self) -> Code {
        Code::SyncInviteInvalid
    }
}

impl Invite {
    /// The text to hand to the new device. It contains the token: show it to
    /// the person enrolling, never log it.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{PREFIX}relay={}&pin={}&token={}&expires={}",
            self.relay.addr,
            crate::hex::encode(&self.relay.fingerprint.to_bytes()),
            self.token,
            self.expires_ms
        );
        if let Some(secret) = &self.pairing_secret {
            out.push_str("&pair=");
            out.push_str(&crate::hex::encode(secret));
        }
        out
    }
}

impl FromStr for Invite {
    type Err = BadInvite;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // People paste with stray spaces and line breaks.
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let query = text
            .strip_prefix(PREFIX)
            .ok_or(BadInvite("it does not start with bloom-invite:1?"))?;
        let (mut relay, mut pin, mut token, mut expires, mut pair) = (None, None, None, None, None);
        for part in query.split('&') {
            let (key, value) = part.split_once('=').ok_or(BadInvite("a part has no '='"))?;
            let slot = match key {
                "relay" => &mut relay,
                "pin" => &mut pin,
                "token" => &mut token,
                "expires" => &mut expires,
                "pair" => &mut pair,
                _ => return Err(BadInvite("it has an unknown part")),
            };
            if slot.replace(value.to_owned()).is_some() {
                return Err(BadInvite("a part appears twice"));
            }
        }
        let relay = relay.ok_or(BadInvite("the relay address is missing"))?;
        let pin = pin.ok_or(BadInvite("the certificate pin is missing"))?;
        let relay = RelayTarget::parse(&relay, &pin)
            .map_err(|_| BadInvite("the relay or pin is malformed"))?;
        let token = token.ok_or(BadInvite("the token is missing"))?;
        if token.len() != 32 || crate::hex::decode(&token).is_none() {
            return Err(BadInvite("the token is malformed"));
        }
        let expires_ms = expires
            .ok_or(BadInvite("the expiry is missing"))?
            .parse::<i64>()
            .map_err(|_| BadInvite("the expiry is malformed"))?;
        let pairing_secret = match pair {
            None => None,
            Some(hex) => Some(
                crate::hex::decode(&hex)
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or(BadInvite("the pairing secret is malformed"))?,
            ),
        };
        Ok(Invite {
            relay,
            token: token.to_ascii_lowercase(),
            expires_ms,
            pairing_secret,
        })
    }
}

/// What a device enrolled by pairing sends along, so the device that made
/// the code can check that the relay delivered the new device's own keys:
/// HMAC-SHA256(secret, device id ‖ 0 ‖ age recipient).
pub fn pairing_proof(secret: &[u8; 32], device: &DeviceId, age_recipient: &str) -> [u8; 32] {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(device.as_str().as_bytes());
    ctx.update(&[0]);
    ctx.update(age_recipient.as_bytes());
    let tag = ctx.sign();
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Checks a pairing proof in constant time.
pub fn verify_pairing_proof(
    secret: &[u8; 32],
    device: &DeviceId,
    age_recipient: &str,
    proof: &[u8; 32],
) -> bool {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let mut msg = Vec::with_capacity(device.as_str().len() + 1 + age_recipient.len());
    msg.extend_from_slice(device.as_str().as_bytes());
    msg.push(0);
    msg.extend_from_slice(age_recipient.as_bytes());
    ring::hmac::verify(&key, &msg, proof).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pair: bool) -> Invite {
        Invite {
            relay: RelayTarget::parse("relay.example:4433", &format!("sha256:{}", "ab".repeat(32)))
                .unwrap(),
            token: "0123456789abcdef0123456789abcdef".into(),
            expires_ms: 1_790_000_000_000,
            pairing_secret: pair.then_some([7u8; 32]),
        }
    }

    #[test]
    fn invites_and_pairing_codes_round_trip_through_text() {
        for pair in [false, true] {
            let invite = sample(pair);
            let text = invite.to_text();
            assert_eq!(text.parse::<Invite>().unwrap(), invite);
            // Pasted with a line break in the middle.
            let (a, b) = text.split_at(40);
            assert_eq!(format!(" {a}\n{b} ").parse::<Invite>().unwrap(), invite);
        }
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        let good = sample(true).to_text();
        for bad in [
            "",
            "hello",
            "bloom-invite:2?relay=a:1",
            &good.replace("token=", "tokn="),
            &good.replace("&expires=", "&expires=x"),
            &format!("{good}&token=00"),
            &good.replace("relay=relay.example:4433", "relay=relay.example"),
            &good[..good.len() - 3],
        ] {
            let err = bad.parse::<Invite>().unwrap_err();
            assert_eq!(err.code(), Code::SyncInviteInvalid, "{bad}");
        }
    }

    #[test]
    fn the_secret_is_never_printed() {
        let invite = sample(true);
        let shown = format!("{invite:?}");
        assert!(!shown.contains(&invite.token), "{shown}");
        assert!(!shown.contains("0707"), "{shown}");
    }

    #[test]
    fn a_pairing_proof_binds_the_device_and_its_recipient() {
        let secret = [9u8; 32];
        let device = DeviceId("00112233445566778899aabbccddeeff".into());
        let proof = pairing_proof(&secret, &device, "age1abc");
        assert!(verify_pairing_proof(&secret, &device, "age1abc", &proof));
        assert!(!verify_pairing_proof(&secret, &device, "age1abd", &proof));
        assert!(!verify_pairing_proof(
            &[8u8; 32], &device, "age1abc", &proof
        ));
        let other = DeviceId("ffeeddccbbaa99887766554433221100".into());
        assert!(!verify_pairing_proof(&secret, &other, "age1abc", &proof));
    }
}
