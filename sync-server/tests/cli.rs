//! The device commands of the real `bloom-relay` binary, with no relay
//! running (they then work on the storage directly).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use bloom_core::sync::invite::Invite;

const BIN: &str = env!("CARGO_BIN_EXE_bloom-relay");

fn relay(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("BLOOM_RELAY_DATA_DIR", dir)
        .env("BLOOM_RELAY_PUBLIC_QUIC_ADDR", "relay.example.org:4433")
        .output()
        .unwrap()
}

#[test]
fn invite_prints_a_one_time_line_for_the_public_address_and_pinned_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let out = relay(
        dir.path(),
        &["invite", "--member", "dr-rivera", "--hours", "4"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let invite: Invite = text.trim().parse().unwrap();
    assert_eq!(invite.relay.addr, "relay.example.org:4433");

    let fp = relay(dir.path(), &["fingerprint"]);
    let fingerprint = String::from_utf8(fp.stdout).unwrap();
    assert_eq!(invite.relay.fingerprint.to_string(), fingerprint.trim());

    // The store exists, encrypted, with its key beside it.
    assert!(dir.path().join("relay.db").exists());
    let key = std::fs::metadata(dir.path().join("relay-store.key")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(key.permissions().mode() & 0o077, 0);

    let list = relay(dir.path(), &["devices"]);
    assert!(list.status.success());
    assert!(
        String::from_utf8(list.stdout)
            .unwrap()
            .starts_with("device")
    );
}

#[test]
fn bad_arguments_fail_with_a_message_and_no_change() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["invite", "--member", ""][..],
        &["invite", "--member", "x", "--hours", "0"][..],
        &["revoke", "nope"][..],
        &["revoke", "0123456789abcdef0123456789abcdef"][..],
    ] {
        let out = relay(dir.path(), args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.is_empty() && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_database_without_its_key_is_refused_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    assert!(relay(dir.path(), &["devices"]).status.success());
    std::fs::remove_file(dir.path().join("relay-store.key")).unwrap();
    let out = relay(dir.path(), &["devices"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("key"));
    assert!(!dir.path().join("relay-store.key").exists());
}
