//! Passkeys (WebAuthn level 2): checking a registration (`navigator.credentials.create`)
//! and an assertion (`navigator.credentials.get`). Pure: the caller issues and keeps
//! the challenge, stores the credential and its signature counter.
//!
//! What is checked:
//! - `clientDataJSON`: `type` (`webauthn.create` / `webauthn.get`), `challenge`
//!   (base64url, equal to the one issued), `origin` (the relay's public origin),
//!   not `crossOrigin`.
//! - `authenticatorData`: rpIdHash = SHA-256 of the relying party id (the public
//!   URL's host), user present (UP) and **user verified (UV)**, the attested
//!   credential (AAGUID, credential id, COSE key) at registration.
//! - Keys: ES256 only (COSE alg −7, EC2, P-256).
//! - Attestation: `fmt: "none"` (with an empty statement) or `"packed"`
//!   self-attestation (no `x5c`), whose signature is checked with the new key.
//!   Certificates are never checked: nothing is trusted from attestation, any
//!   other format is refused.
//! - Assertions: the ECDSA P-256 SHA-256 signature over
//!   `authenticatorData ‖ SHA-256(clientDataJSON)`, and a signature counter that
//!   increases whenever it is not zero (else the authenticator may be cloned).

use ciborium::Value;
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use serde::Deserialize;

use super::{AccountError, constant_time_eq, sha256};
use crate::{Code, HasCode};

/// COSE algorithm ES256 (ECDSA with SHA-256 on P-256).
pub const ALG_ES256: i64 = -7;
/// Bytes in a challenge.
pub const CHALLENGE_BYTES: usize = 32;
/// The longest credential id accepted (WebAuthn caps it at 1023).
pub const MAX_CREDENTIAL_ID: usize = 1023;

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;
const FLAG_ED: u8 = 0x80;

/// Why a passkey registration or assertion is refused.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasskeyError {
    #[error("the passkey data is malformed")]
    Malformed,
    #[error("the client data is for another ceremony")]
    Type,
    #[error("the challenge is not the one issued")]
    Challenge,
    #[error("the origin is not this relay")]
    Origin,
    #[error("the passkey is for another site")]
    RpId,
    #[error("the user was not present")]
    UserPresence,
    #[error("the user was not verified")]
    UserVerification,
    #[error("only attestation \"none\" or packed self-attestation is accepted")]
    Attestation,
    #[error("only ES256 (P-256) keys are accepted")]
    Algorithm,
    #[error("the signature does not verify")]
    Signature,
    #[error("the signature counter did not increase")]
    Counter,
}

impl HasCode for PasskeyError {
    fn code(&self) -> Code {
        Code::AccountPasskeyInvalid
    }
}

/// The relying party: this relay, as browsers see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingParty {
    id: String,
    origin: String,
}

impl RelyingParty {
    /// From the relay's public URL (`https://portal.example.org/…`): the id is
    /// the host, the origin `scheme://host[:port]`. `None` if it is not an
    /// http(s) URL with a host.
    pub fn from_public_url(url: &str) -> Option<RelyingParty> {
        let (scheme, rest) = url.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return None;
        }
        let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
        if authority.contains('@') || authority.starts_with('[') {
            return None;
        }
        let host = authority.split(':').next()?.to_owned();
        if host.is_empty() {
            return None;
        }
        Some(RelyingParty {
            origin: format!("{scheme}://{authority}"),
            id: host,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// A new random challenge.
pub fn new_challenge() -> Result<[u8; CHALLENGE_BYTES], AccountError> {
    let mut c = [0u8; CHALLENGE_BYTES];
    super::random(&mut c)?;
    Ok(c)
}

/// base64url without padding, as WebAuthn writes binary in JSON.
pub fn b64url(bytes: &[u8]) -> String {
    data_encoding::BASE64URL_NOPAD.encode(bytes)
}

/// Reads base64url (padding tolerated).
pub fn from_b64url(text: &str) -> Option<Vec<u8>> {
    data_encoding::BASE64URL_NOPAD
        .decode(text.trim_end_matches('=').as_bytes())
        .ok()
}

/// A credential that passed registration: what to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPasskey {
    pub credential_id: Vec<u8>,
    /// The public key, SEC1 uncompressed (`04 ‖ x ‖ y`, 65 bytes).
    pub public_key: Vec<u8>,
    pub sign_count: u32,
    pub aaguid: [u8; 16],
}

struct AuthData {
    rp_id_hash: [u8; 32],
    flags: u8,
    sign_count: u32,
    attested: Option<(Vec<u8>, [u8; 16], Vec<u8>)>,
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
}

fn check_client_data(
    rp: &RelyingParty,
    kind: &str,
    challenge: &[u8],
    json: &[u8],
) -> Result<(), PasskeyError> {
    let data: ClientData = serde_json::from_slice(json).map_err(|_| PasskeyError::Malformed)?;
    if data.kind != kind {
        return Err(PasskeyError::Type);
    }
    let given = from_b64url(&data.challenge).ok_or(PasskeyError::Challenge)?;
    if challenge.is_empty() || !constant_time_eq(&given, challenge) {
        return Err(PasskeyError::Challenge);
    }
    if data.origin != rp.origin || data.cross_origin == Some(true) {
        return Err(PasskeyError::Origin);
    }
    Ok(())
}

/// Reads one CBOR item from the front of `bytes`; returns it and what follows.
fn cbor_item(bytes: &[u8]) -> Result<(Value, &[u8]), PasskeyError> {
    let mut rest = bytes;
    let value: Value = ciborium::de::from_reader(&mut rest).map_err(|_| PasskeyError::Malformed)?;
    Ok((value, rest))
}

fn map_get<'a>(map: &'a [(Value, Value)], key: &Value) -> Option<&'a Value> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn int(v: Option<&Value>) -> Option<i128> {
    match v {
        Some(Value::Integer(i)) => Some(i128::from(*i)),
        _ => None,
    }
}

/// The SEC1 public key of an ES256 COSE key.
fn cose_es256(key: &Value) -> Result<Vec<u8>, PasskeyError> {
    let Value::Map(map) = key else {
        return Err(PasskeyError::Malformed);
    };
    let at = |k: i64| map_get(map, &Value::Integer(k.into()));
    if int(at(3)) != Some(i128::from(ALG_ES256)) || int(at(1)) != Some(2) || int(at(-1)) != Some(1)
    {
        return Err(PasskeyError::Algorithm);
    }
    match (at(-2), at(-3)) {
        (Some(Value::Bytes(x)), Some(Value::Bytes(y))) if x.len() == 32 && y.len() == 32 => {
            let mut out = Vec::with_capacity(65);
            out.push(4);
            out.extend_from_slice(x);
            out.extend_from_slice(y);
            Ok(out)
        }
        _ => Err(PasskeyError::Algorithm),
    }
}

fn parse_auth_data(bytes: &[u8]) -> Result<AuthData, PasskeyError> {
    let head = bytes.get(..37).ok_or(PasskeyError::Malformed)?;
    let mut rp_id_hash = [0u8; 32];
    rp_id_hash.copy_from_slice(&head[..32]);
    let flags = head[32];
    let sign_count = u32::from_be_bytes([head[33], head[34], head[35], head[36]]);
    let mut rest = &bytes[37..];
    let mut attested = None;
    if flags & FLAG_AT != 0 {
        let aaguid: [u8; 16] = rest
            .get(..16)
            .and_then(|a| a.try_into().ok())
            .ok_or(PasskeyError::Malformed)?;
        let len = rest
            .get(16..18)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
            .ok_or(PasskeyError::Malformed)?;
        if len == 0 || len > MAX_CREDENTIAL_ID {
            return Err(PasskeyError::Malformed);
        }
        let id = rest.get(18..18 + len).ok_or(PasskeyError::Malformed)?;
        let (key, after) = cbor_item(&rest[18 + len..])?;
        attested = Some((id.to_vec(), aaguid, cose_es256(&key)?));
        rest = after;
    }
    if flags & FLAG_ED != 0 {
        let (_, after) = cbor_item(rest)?;
        rest = after;
    }
    if !rest.is_empty() {
        return Err(PasskeyError::Malformed);
    }
    Ok(AuthData {
        rp_id_hash,
        flags,
        sign_count,
        attested,
    })
}

fn check_auth_data(rp: &RelyingParty, auth: &AuthData) -> Result<(), PasskeyError> {
    if !constant_time_eq(&auth.rp_id_hash, &sha256(rp.id.as_bytes())) {
        return Err(PasskeyError::RpId);
    }
    if auth.flags & FLAG_UP == 0 {
        return Err(PasskeyError::UserPresence);
    }
    if auth.flags & FLAG_UV == 0 {
        return Err(PasskeyError::UserVerification);
    }
    Ok(())
}

fn verify_signature(
    public_key: &[u8],
    auth_data: &[u8],
    client_data_json: &[u8],
    signature: &[u8],
) -> Result<(), PasskeyError> {
    let mut signed = Vec::with_capacity(auth_data.len() + 32);
    signed.extend_from_slice(auth_data);
    signed.extend_from_slice(&sha256(client_data_json));
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
        .verify(&signed, signature)
        .map_err(|_| PasskeyError::Signature)
}

/// Checks a registration against the challenge issued for it.
pub fn verify_registration(
    rp: &RelyingParty,
    challenge: &[u8],
    client_data_json: &[u8],
    attestation_object: &[u8],
) -> Result<NewPasskey, PasskeyError> {
    check_client_data(rp, "webauthn.create", challenge, client_data_json)?;
    let (object, rest) = cbor_item(attestation_object)?;
    let Value::Map(object) = object else {
        return Err(PasskeyError::Malformed);
    };
    if !rest.is_empty() {
        return Err(PasskeyError::Malformed);
    }
    let text = |k: &str| map_get(&object, &Value::Text(k.to_owned()));
    let (Some(Value::Text(fmt)), Some(Value::Map(statement)), Some(Value::Bytes(auth_bytes))) =
        (text("fmt"), text("attStmt"), text("authData"))
    else {
        return Err(PasskeyError::Malformed);
    };
    let auth = parse_auth_data(auth_bytes)?;
    check_auth_data(rp, &auth)?;
    let Some((credential_id, aaguid, public_key)) = auth.attested else {
        return Err(PasskeyError::Malformed);
    };
    match fmt.as_str() {
        "none" if statement.is_empty() => {}
        "packed" => {
            let at = |k: &str| map_get(statement, &Value::Text(k.to_owned()));
            if at("x5c").is_some() || int(at("alg")) != Some(i128::from(ALG_ES256)) {
                return Err(PasskeyError::Attestation);
            }
            let Some(Value::Bytes(sig)) = at("sig") else {
                return Err(PasskeyError::Attestation);
            };
            verify_signature(&public_key, auth_bytes, client_data_json, sig)?;
        }
        _ => return Err(PasskeyError::Attestation),
    }
    Ok(NewPasskey {
        credential_id,
        public_key,
        sign_count: auth.sign_count,
        aaguid,
    })
}

/// Checks an assertion by the stored credential (`public_key`, SEC1, with
/// `stored_count`) against the challenge issued. Returns the new counter to store.
pub fn verify_assertion(
    rp: &RelyingParty,
    challenge: &[u8],
    public_key: &[u8],
    stored_count: u32,
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
) -> Result<u32, PasskeyError> {
    check_client_data(rp, "webauthn.get", challenge, client_data_json)?;
    let auth = parse_auth_data(authenticator_data)?;
    check_auth_data(rp, &auth)?;
    verify_signature(public_key, authenticator_data, client_data_json, signature)?;
    if (auth.sign_count != 0 || stored_count != 0) && auth.sign_count <= stored_count {
        return Err(PasskeyError::Counter);
    }
    Ok(auth.sign_count)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

    const URL: &str = "https://portal.example.org";

    fn rp() -> RelyingParty {
        RelyingParty::from_public_url(URL).unwrap()
    }

    /// A software authenticator: one P-256 key, a counter, UV on.
    struct Soft {
        pair: EcdsaKeyPair,
        rng: SystemRandom,
        id: Vec<u8>,
        count: u32,
        flags: u8,
        rp_id: String,
        origin: String,
    }

    impl Soft {
        fn new() -> Soft {
            let rng = SystemRandom::new();
            let pkcs8 =
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
            let pair =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
                    .unwrap();
            Soft {
                pair,
                rng,
                id: vec![7; 16],
                count: 0,
                flags: FLAG_UP | FLAG_UV,
                rp_id: "portal.example.org".into(),
                origin: URL.into(),
            }
        }

        fn cose(&self) -> Vec<u8> {
            let pk = self.pair.public_key().as_ref();
            let key = Value::Map(vec![
                (Value::Integer(1.into()), Value::Integer(2.into())),
                (Value::Integer(3.into()), Value::Integer((-7).into())),
                (Value::Integer((-1).into()), Value::Integer(1.into())),
                (
                    Value::Integer((-2).into()),
                    Value::Bytes(pk[1..33].to_vec()),
                ),
                (
                    Value::Integer((-3).into()),
                    Value::Bytes(pk[33..65].to_vec()),
                ),
            ]);
            let mut out = Vec::new();
            ciborium::ser::into_writer(&key, &mut out).unwrap();
            out
        }

        fn auth_data(&self, attested: bool) -> Vec<u8> {
            let mut a = sha256(self.rp_id.as_bytes()).to_vec();
            a.push(self.flags | if attested { FLAG_AT } else { 0 });
            a.extend_from_slice(&self.count.to_be_bytes());
            if attested {
                a.extend_from_slice(&[0u8; 16]);
                a.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
                a.extend_from_slice(&self.id);
                a.extend_from_slice(&self.cose());
            }
            a
        }

        fn client_data(&self, kind: &str, challenge: &[u8]) -> Vec<u8> {
            serde_json::json!({
                "type": kind,
                "challenge": b64url(challenge),
                "origin": self.origin,
                "crossOrigin": false,
            })
            .to_string()
            .into_bytes()
        }

        fn sign(&self, auth: &[u8], client: &[u8]) -> Vec<u8> {
            let mut m = auth.to_vec();
            m.extend_from_slice(&sha256(client));
            self.pair.sign(&self.rng, &m).unwrap().as_ref().to_vec()
        }

        /// (clientDataJSON, attestationObject) with `fmt` none or packed.
        fn create(&self, challenge: &[u8], packed: bool) -> (Vec<u8>, Vec<u8>) {
            let client = self.client_data("webauthn.create", challenge);
            let auth = self.auth_data(true);
            let (fmt, stmt) = if packed {
                let sig = self.sign(&auth, &client);
                (
                    "packed",
                    vec![
                        (Value::Text("alg".into()), Value::Integer((-7).into())),
                        (Value::Text("sig".into()), Value::Bytes(sig)),
                    ],
                )
            } else {
                ("none", vec![])
            };
            let object = Value::Map(vec![
                (Value::Text("fmt".into()), Value::Text(fmt.into())),
                (Value::Text("attStmt".into()), Value::Map(stmt)),
                (Value::Text("authData".into()), Value::Bytes(auth)),
            ]);
            let mut out = Vec::new();
            ciborium::ser::into_writer(&object, &mut out).unwrap();
            (client, out)
        }

        /// (clientDataJSON, authenticatorData, signature), counting up first.
        fn get(&mut self, challenge: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
            self.count += 1;
            let client = self.client_data("webauthn.get", challenge);
            let auth = self.auth_data(false);
            let sig = self.sign(&auth, &client);
            (client, auth, sig)
        }
    }

    #[test]
    fn relying_party_from_public_url() {
        let rp = RelyingParty::from_public_url("https://Portal.Example.org/x?y").unwrap();
        assert_eq!(
            (rp.id(), rp.origin()),
            ("portal.example.org", "https://portal.example.org")
        );
        let rp = RelyingParty::from_public_url("http://localhost:8080").unwrap();
        assert_eq!(
            (rp.id(), rp.origin()),
            ("localhost", "http://localhost:8080")
        );
        assert!(RelyingParty::from_public_url("ftp://x").is_none());
        assert!(RelyingParty::from_public_url("https://").is_none());
        assert!(RelyingParty::from_public_url("nonsense").is_none());
    }

    #[test]
    fn registers_none_and_packed_self_attestation_then_signs_in() {
        let challenge = new_challenge().unwrap();
        let mut soft = Soft::new();
        for packed in [false, true] {
            let (client, object) = soft.create(&challenge, packed);
            let new = verify_registration(&rp(), &challenge, &client, &object).unwrap();
            assert_eq!(new.credential_id, soft.id);
            assert_eq!(new.public_key, soft.pair.public_key().as_ref());
            assert_eq!(new.sign_count, 0);
        }
        let (client, object) = soft.create(&challenge, false);
        let key = verify_registration(&rp(), &challenge, &client, &object)
            .unwrap()
            .public_key;
        let c2 = new_challenge().unwrap();
        let (client, auth, sig) = soft.get(&c2);
        assert_eq!(
            verify_assertion(&rp(), &c2, &key, 0, &client, &auth, &sig),
            Ok(1)
        );
        let (client, auth, sig) = soft.get(&c2);
        assert_eq!(
            verify_assertion(&rp(), &c2, &key, 1, &client, &auth, &sig),
            Ok(2)
        );
    }

    #[test]
    fn registration_refusals() {
        let challenge = [1u8; 32];
        let soft = Soft::new();
        let (client, object) = soft.create(&challenge, false);
        let err = |c: &[u8], o: &[u8]| verify_registration(&rp(), &challenge, c, o).unwrap_err();
        // Another challenge, or an assertion's client data.
        assert_eq!(
            verify_registration(&rp(), &[2u8; 32], &client, &object).unwrap_err(),
            PasskeyError::Challenge
        );
        assert_eq!(
            verify_registration(&rp(), &[], &client, &object).unwrap_err(),
            PasskeyError::Challenge
        );
        assert_eq!(
            err(&soft.client_data("webauthn.get", &challenge), &object),
            PasskeyError::Type
        );
        // Another origin, another rp id.
        let mut other = Soft::new();
        other.origin = "https://evil.example".into();
        let (c, o) = other.create(&challenge, false);
        assert_eq!(err(&c, &o), PasskeyError::Origin);
        let mut other = Soft::new();
        other.rp_id = "evil.example".into();
        let (c, o) = other.create(&challenge, false);
        assert_eq!(err(&c, &o), PasskeyError::RpId);
        // No user verification, no presence.
        let mut other = Soft::new();
        other.flags = FLAG_UP;
        let (c, o) = other.create(&challenge, false);
        assert_eq!(err(&c, &o), PasskeyError::UserVerification);
        other.flags = FLAG_UV;
        let (c, o) = other.create(&challenge, false);
        assert_eq!(err(&c, &o), PasskeyError::UserPresence);
        // Packed self-attestation with a bad signature; an unknown format.
        let (c, o) = soft.create(&challenge, true);
        let mut bad = o.clone();
        let at = bad.windows(3).position(|w| w == b"sig").unwrap() + 6;
        bad[at] ^= 1;
        assert!(matches!(
            err(&c, &bad),
            PasskeyError::Signature | PasskeyError::Malformed
        ));
        let mut tpm = o.clone();
        let p = tpm.windows(6).position(|w| w == b"packed").unwrap();
        tpm[p..p + 6].copy_from_slice(b"tpmxxx");
        assert_eq!(err(&c, &tpm), PasskeyError::Attestation);
    }

    #[test]
    fn assertion_refusals() {
        let challenge = [3u8; 32];
        let mut soft = Soft::new();
        let (c, o) = soft.create(&challenge, false);
        let key = verify_registration(&rp(), &challenge, &c, &o)
            .unwrap()
            .public_key;
        let (client, auth, sig) = soft.get(&challenge);
        let check = |ch: &[u8], count: u32, c: &[u8], a: &[u8], s: &[u8]| {
            verify_assertion(&rp(), ch, &key, count, c, a, s)
        };
        assert_eq!(check(&challenge, 0, &client, &auth, &sig), Ok(1));
        assert_eq!(
            check(&[4u8; 32], 0, &client, &auth, &sig),
            Err(PasskeyError::Challenge)
        );
        // Replayed (same counter) or going back.
        assert_eq!(
            check(&challenge, 1, &client, &auth, &sig),
            Err(PasskeyError::Counter)
        );
        assert_eq!(
            check(&challenge, 9, &client, &auth, &sig),
            Err(PasskeyError::Counter)
        );
        // A bad signature, another key.
        let mut bad = sig.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(
            check(&challenge, 0, &client, &auth, &bad),
            Err(PasskeyError::Signature)
        );
        let other = Soft::new();
        let forged = other.sign(&auth, &client);
        assert_eq!(
            check(&challenge, 0, &client, &auth, &forged),
            Err(PasskeyError::Signature)
        );
        // Flags changed after signing fail the signature; unsigned UV-less data is refused first.
        let mut no_uv = Soft::new();
        no_uv.flags = FLAG_UP;
        let (c2, a2, s2) = no_uv.get(&challenge);
        assert_eq!(
            check(&challenge, 0, &c2, &a2, &s2),
            Err(PasskeyError::UserVerification)
        );
        let mut wrong_origin = Soft::new();
        wrong_origin.origin = "http://portal.example.org".into();
        let (c3, a3, s3) = wrong_origin.get(&challenge);
        assert_eq!(
            check(&challenge, 0, &c3, &a3, &s3),
            Err(PasskeyError::Origin)
        );
        let mut wrong_rp = Soft::new();
        wrong_rp.rp_id = "example.org".into();
        let (c4, a4, s4) = wrong_rp.get(&challenge);
        assert_eq!(check(&challenge, 0, &c4, &a4, &s4), Err(PasskeyError::RpId));
        assert_eq!(
            check(
                &challenge,
                0,
                &soft.client_data("webauthn.create", &challenge),
                &auth,
                &sig
            ),
            Err(PasskeyError::Type)
        );
        // An authenticator without a counter (always 0) is accepted.
        let mut zero = Soft::new();
        let (c5, a5, s5) = {
            let r = zero.get(&challenge);
            zero.count = 0;
            let auth = zero.auth_data(false);
            let sig = zero.sign(&auth, &r.0);
            (r.0, auth, sig)
        };
        let zkey = zero.pair.public_key().as_ref().to_vec();
        assert_eq!(
            verify_assertion(&rp(), &challenge, &zkey, 0, &c5, &a5, &s5),
            Ok(0)
        );
    }

    #[test]
    fn garbage_never_panics() {
        let challenge = [5u8; 32];
        let soft = Soft::new();
        let (client, object) = soft.create(&challenge, false);
        let key = soft.pair.public_key().as_ref().to_vec();
        // Every prefix of a good attestation object and of good auth data.
        for n in 0..object.len() {
            assert!(verify_registration(&rp(), &challenge, &client, &object[..n]).is_err());
        }
        let auth = soft.auth_data(true);
        for n in 0..auth.len() {
            let _ = verify_assertion(&rp(), &challenge, &key, 0, &client, &auth[..n], &[]);
        }
        let nasty: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xff],
            vec![0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            vec![0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            vec![0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            vec![0x81; 100_000],
            vec![0xa1; 100_000],
            vec![0xd9, 0xd9, 0xf7, 0xa0],
            b"\xa3cfmtdnonegattStmt\xa0hauthData\x41\x00".to_vec(),
        ];
        for n in &nasty {
            assert!(verify_registration(&rp(), &challenge, &client, n).is_err());
            let mut a = sha256(b"portal.example.org").to_vec();
            a.push(FLAG_UP | FLAG_UV | FLAG_AT);
            a.extend_from_slice(&[0, 0, 0, 1]);
            a.extend_from_slice(&[0; 16]);
            a.extend_from_slice(&[0, 1, 9]);
            a.extend_from_slice(n);
            assert!(verify_assertion(&rp(), &challenge, &key, 0, &client, &a, &[1]).is_err());
        }
        for bad_json in [&b"{"[..], b"null", b"{\"type\":1}", b"\xff\xfe"] {
            assert_eq!(
                verify_registration(&rp(), &challenge, bad_json, &object).unwrap_err(),
                PasskeyError::Malformed
            );
        }
        assert!(verify_assertion(&rp(), &challenge, &[], 0, &client, &auth, &[]).is_err());
        // Keys other than ES256 are refused.
        let ed = Value::Map(vec![
            (Value::Integer(1.into()), Value::Integer(1.into())),
            (Value::Integer(3.into()), Value::Integer((-8).into())),
        ]);
        assert_eq!(cose_es256(&ed), Err(PasskeyError::Algorithm));
        assert_eq!(PasskeyError::Counter.code(), Code::AccountPasskeyInvalid);
    }
}
