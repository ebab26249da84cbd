//! Demo accounts for trying the relay out (`bloom-relay demo-accounts`):
//! an admin and a therapist (member `demo`) with a known password and TOTP
//! already on. Only ever made when asked for explicitly.

use bloom_core::account::Role;
use bloom_core::account::password;
use bloom_core::account::secret::Password;
use bloom_core::account::totp::TotpSecret;
use rusqlite::Connection;

use super::AccountStoreError;
use super::store::{self, NewAccount};

/// The demo accounts' password.
pub const DEMO_PASSWORD: &str = "bloom demo garden 2026";

/// One demo account as printed.
#[derive(Debug)]
pub struct DemoAccount {
    pub email: String,
    pub role: Role,
    pub member: String,
    /// Base32, for an authenticator app.
    pub totp_secret: String,
}

/// Makes the demo accounts that do not exist yet; lists all of them.
pub fn ensure(conn: &Connection, now_ms: i64) -> Result<Vec<DemoAccount>, AccountStoreError> {
    let mut out = vec![];
    for (email, role, member, name) in [
        ("admin@demo.bloom", Role::Admin, "admin", "Demo Admin"),
        (
            "therapist@demo.bloom",
            Role::Therapist,
            "demo",
            "Demo Therapist",
        ),
    ] {
        let account = match store::by_email(conn, email)? {
            Some(a) => a,
            None => {
                let hash = password::hash(&Password::new(DEMO_PASSWORD))?;
                let a = store::create(
                    conn,
                    NewAccount {
                        email,
                        role,
                        display_name: name,
                        member: Some(member),
                        portal_client: None,
                        invited_by: None,
                        password_hash: &hash,
                    },
                    now_ms,
                )?;
                let secret = TotpSecret::generate()?;
                store::enable_totp(conn, &a.id, &secret, 0)?;
                store::by_id(conn, &a.id)?
                    .ok_or(AccountStoreError::Invalid("the account vanished"))?
            }
        };
        out.push(DemoAccount {
            email: account.email,
            role,
            member: member.to_owned(),
            totp_secret: account
                .totp_secret
                .map(|s| s.to_base32())
                .unwrap_or_default(),
        });
    }
    Ok(out)
}
