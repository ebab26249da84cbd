//! ML degrades gracefully: a missing or broken ONNX Runtime gives `Unavailable` with a reason,
//! never a panic. `ort` keeps the first library a process loads, so each case runs in a child
//! process (this test binary, re-run with one test selected and the environment set).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use bloom_core::ml::{Availability, Encoder, MlError, runtime};

const CHILD: &str = "BLOOM_ML_RUNTIME_CHILD";

fn run_child(test: &str, dylib: &std::path::Path) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env(runtime::ORT_DYLIB_ENV, dylib)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child {test} failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "child {test} did not run:\n{stdout}"
    );
    assert!(
        !stderr.contains("panicked"),
        "child {test} panicked:\n{stderr}"
    );
}

/// In the child: the runtime is unavailable, the reason names the file, and loading a model
/// is a typed `Unavailable` error.
#[test]
fn child_expects_unavailable() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let path = std::env::var(runtime::ORT_DYLIB_ENV).unwrap();
    let availability = runtime::init().clone();
    let Availability::Unavailable { reason } = availability else {
        panic!("expected Unavailable, got {availability:?}");
    };
    println!("reason: {reason}");
    assert!(
        reason.contains(&path),
        "reason does not name {path}: {reason}"
    );
    // Asking again gives the same answer (and does not log again).
    assert_eq!(
        runtime::init(),
        &Availability::Unavailable {
            reason: reason.clone()
        }
    );
    // Real model files when they are around, so the runtime (not a missing file) is what fails.
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let model_dir = [root.join("models/mh7"), root.join("../shared/ml")]
        .into_iter()
        .find(|d| d.join(bloom_core::ml::encoder::MODEL_FILE).is_file())
        .unwrap_or_else(|| std::path::PathBuf::from("/nonexistent"));
    let err = Encoder::load(&model_dir).unwrap_err();
    assert!(matches!(err, MlError::Unavailable(_)), "{err}");
}

#[test]
fn a_missing_library_is_unavailable_not_a_panic() {
    run_child(
        "child_expects_unavailable",
        std::path::Path::new("/nonexistent/libonnxruntime.so.1.31.1"),
    );
}

#[test]
fn a_file_that_is_not_a_library_is_unavailable_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&fake, b"this is not a shared library").unwrap();
    run_child("child_expects_unavailable", &fake);
}
