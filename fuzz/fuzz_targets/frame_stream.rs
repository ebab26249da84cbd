//! Arbitrary bytes as a stream of frames through `read_frame`, frame after frame
//! until an error or the clean end, checked against `decode` on the same bytes.
//!
//! `read_frame` must never panic, and must agree with `decode`: the same message
//! and the same number of bytes per frame, and the same error code where a frame
//! is refused (the one difference: a clean end between frames is `Ok(None)` for
//! the stream and `Truncated` for the slice decoder).
#![no_main]

use std::sync::OnceLock;

use bloom_core::HasCode;
use bloom_core::sync::proto::{decode, read_frame};
use libfuzzer_sys::fuzz_target;
use tokio::runtime::{Builder, Runtime};

const MAX: usize = 64 * 1024;

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("cannot build the tokio runtime: {e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    runtime().block_on(async {
        let mut reader = data;
        loop {
            let before = reader;
            match read_frame(&mut reader, MAX).await {
                Ok(Some(msg)) => {
                    let read = before.len() - reader.len();
                    match decode(before, MAX) {
                        Ok((same, used)) => {
                            assert_eq!(same, msg, "read_frame and decode disagree on the message");
                            assert_eq!(used, read, "read_frame and decode disagree on the length");
                        }
                        Err(e) => panic!(
                            "read_frame read a {} frame that decode refuses: {e}",
                            msg.kind()
                        ),
                    }
                }
                Ok(None) => {
                    assert!(
                        before.is_empty(),
                        "clean end with {} bytes left",
                        before.len()
                    );
                    break;
                }
                Err(stream_err) => {
                    match decode(before, MAX) {
                        Ok((msg, _)) => panic!(
                            "decode accepts a {} frame that read_frame refuses: {stream_err}",
                            msg.kind()
                        ),
                        Err(e) => assert_eq!(
                            e.code(),
                            stream_err.code(),
                            "different errors: decode {e}, read_frame {stream_err}"
                        ),
                    }
                    break;
                }
            }
        }
    });
});
