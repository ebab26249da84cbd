//! Arbitrary bytes into the frame decoder, as the relay and devices receive them.
//!
//! `decode` must never panic. Whatever it accepts must say it used no more bytes
//! than it was given, and must survive a round trip: encoding the message again
//! (within the same limit) and decoding that gives back an equal message, using
//! exactly the re-encoded frame.
#![no_main]

use bloom_core::sync::proto::{decode, encode};
use libfuzzer_sys::fuzz_target;

const MAX: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let Ok((msg, used)) = decode(data, MAX) else {
        return;
    };
    assert!(used <= data.len(), "used {used} of {} bytes", data.len());

    let again = match encode(&msg, MAX) {
        Ok(bytes) => bytes,
        Err(e) => panic!("a decoded {} message does not re-encode: {e}", msg.kind()),
    };
    assert!(
        again.len() <= used,
        "re-encoded {} frame is {} bytes, the accepted one {used}",
        msg.kind(),
        again.len()
    );
    match decode(&again, MAX) {
        Ok((back, back_used)) => {
            assert_eq!(back, msg, "round trip changed the message");
            assert_eq!(
                back_used,
                again.len(),
                "round trip did not use the whole frame"
            );
        }
        Err(e) => panic!("a re-encoded {} message does not decode: {e}", msg.kind()),
    }
});
