//! Enrolling this device with an invite or pairing code, and making a pairing
//! code for another device: the network half. Keeping the keys and the
//! enrollment in the vault is the caller's (`replica`) half.

use super::client::{ClientError, ClientIdentity, ClientSettings, RelayClient, RelayTarget};
use super::invite::{Invite, pairing_proof};
use super::log::DeviceInfo;
use super::proto::{Message, Token};

/// What enrolling gave.
#[derive(Clone, Debug)]
pub struct Enrolled {
    pub device: DeviceInfo,
    pub practice: String,
    /// The practice's devices right after enrolling.
    pub devices: Vec<DeviceInfo>,
}

fn settings(identity: ClientIdentity) -> ClientSettings {
    ClientSettings {
        identity: Some(identity),
        ..ClientSettings::default()
    }
}

/// Enrolls the device whose certificate is `identity` with `invite`; with a
/// pairing code, also proves its keys to the device that made the code.
pub async fn enroll(
    invite: &Invite,
    identity: ClientIdentity,
    age_recipient: &str,
    name: &str,
    agent: &str,
) -> Result<Enrolled, ClientError> {
    let id = identity.device_id();
    let client = RelayClient::connect(&invite.relay, agent, &settings(identity)).await?;
    let proof = invite
        .pairing_secret
        .as_ref()
        .map(|secret| pairing_proof(secret, &id, age_recipient));
    let practice = client.welcome().practice.clone();
    let device = match client.welcome().device.clone() {
        // Enrolled before (say the app stopped before saving): carry on.
        Some(device) => device,
        None => match client
            .request(&Message::Enroll {
                token: Token(invite.token.clone()),
                name: name.to_owned(),
                age_recipient: age_recipient.to_owned(),
                pairing_proof: proof,
            })
            .await?
        {
            Message::Enrolled { device } => device,
            other => return Err(unexpected(&other)),
        },
    };
    let devices = list(&client).await?;
    client.close();
    Ok(Enrolled {
        device,
        practice,
        devices,
    })
}

/// Asks the relay for a pairing token and makes the code to show: the invite
/// line plus a fresh secret the relay never sees. The caller keeps the
/// secret (`replica::remember_pairing`) to check the new device's proof.
pub async fn pairing_code(
    relay: &RelayTarget,
    identity: ClientIdentity,
    agent: &str,
) -> Result<Invite, ClientError> {
    let client = RelayClient::connect(relay, agent, &settings(identity)).await?;
    let answer = client.request(&Message::Pair).await?;
    client.close();
    let Message::PairingToken { token, expires_ms } = answer else {
        return Err(unexpected(&answer));
    };
    let mut secret = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
        .map_err(|_| ClientError::Config("the system random source failed".into()))?;
    Ok(Invite {
        relay: relay.clone(),
        token: token.0,
        expires_ms,
        pairing_secret: Some(secret),
    })
}

/// The practice's devices, as the relay lists them.
pub async fn devices(
    relay: &RelayTarget,
    identity: ClientIdentity,
    agent: &str,
) -> Result<Vec<DeviceInfo>, ClientError> {
    let client = RelayClient::connect(relay, agent, &settings(identity)).await?;
    let out = list(&client).await;
    client.close();
    out
}

async fn list(client: &RelayClient) -> Result<Vec<DeviceInfo>, ClientError> {
    match client.request(&Message::Devices).await? {
        Message::DeviceList { devices } => Ok(devices),
        other => Err(unexpected(&other)),
    }
}

fn unexpected(msg: &Message) -> ClientError {
    ClientError::Protocol(format!("unexpected {} message", msg.kind()))
}
