//! Finding and loading ONNX Runtime.
//!
//! `ort` is built with `load-dynamic`: nothing is linked at build time and `libonnxruntime`
//! is opened with `dlopen` the first time ML is used. Where it is looked for, in order:
//!
//! 1. `ORT_DYLIB_PATH`, when set and not empty. It is taken as given: if it names a file that
//!    is not there, ML is unavailable (an explicit setting is never silently replaced by
//!    another copy).
//! 2. Next to the executable (the bundled app ships the library there), and its `lib/`.
//! 3. Bloom's data and cache directories: `$XDG_DATA_HOME/bloom/onnxruntime`
//!    (`~/.local/share/...`) and `$XDG_CACHE_HOME/bloom/onnxruntime` (`~/.cache/...`,
//!    where `scripts/lib.sh` `ensure_onnxruntime` unpacks the wheel).
//! 4. `/usr/local/lib`, `/usr/lib`, `/usr/lib/x86_64-linux-gnu`, `/usr/lib/aarch64-linux-gnu`.
//!
//! In each directory the versioned file (`libonnxruntime.so.1.31.1`) is preferred over
//! `libonnxruntime.so.1` and `libonnxruntime.so`.
//!
//! Loading happens once per process: ONNX Runtime allows one environment per process and
//! `ort` keeps the first library it opened. The outcome is cached; when ML is unavailable one
//! warning line says why, and later calls return the same [`Availability`] silently.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::MlError;

/// The environment variable that names the library file.
pub const ORT_DYLIB_ENV: &str = "ORT_DYLIB_PATH";
/// The ONNX Runtime release this build speaks (`ort` 2.0.0-rc.15, API 31).
pub const ORT_VERSION: &str = "1.31.1";

#[cfg(target_os = "linux")]
const FILE_NAMES: &[&str] = &[
    "libonnxruntime.so.1.31.1",
    "libonnxruntime.so.1",
    "libonnxruntime.so",
];
#[cfg(target_os = "macos")]
const FILE_NAMES: &[&str] = &["libonnxruntime.1.31.1.dylib", "libonnxruntime.dylib"];
#[cfg(target_os = "windows")]
const FILE_NAMES: &[&str] = &["onnxruntime.dll"];
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
const FILE_NAMES: &[&str] = &["libonnxruntime.so"];

/// Whether ML can run in this process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    /// ONNX Runtime is loaded from `path`.
    Available { path: PathBuf },
    /// ML is off; `reason` names the file or places tried and what went wrong.
    Unavailable { reason: String },
}

impl Availability {
    pub fn is_available(&self) -> bool {
        matches!(self, Availability::Available { .. })
    }
}

struct Loaded {
    availability: Availability,
    environment: Option<ort::environment::Environment>,
}

static LOADED: OnceLock<Loaded> = OnceLock::new();

/// Loads ONNX Runtime once (see the module docs for where it looks) and says whether ML can run.
/// Never panics; logs one `warn` line the first time when ML is unavailable.
pub fn init() -> &'static Availability {
    &loaded().availability
}

/// The process's ONNX Runtime environment, or why there is none.
pub(crate) fn environment() -> Result<&'static ort::environment::Environment, MlError> {
    let loaded = loaded();
    match (&loaded.environment, &loaded.availability) {
        (Some(env), _) => Ok(env),
        (None, Availability::Unavailable { reason }) => Err(MlError::Unavailable(reason.clone())),
        (None, Availability::Available { .. }) => Err(MlError::Unavailable(
            "ONNX Runtime has no environment".into(),
        )),
    }
}

fn loaded() -> &'static Loaded {
    LOADED.get_or_init(|| {
        let loaded = match locate() {
            Ok(path) => load(&path),
            Err(reason) => Loaded {
                availability: Availability::Unavailable { reason },
                environment: None,
            },
        };
        match &loaded.availability {
            Availability::Unavailable { reason } => {
                tracing::warn!("on-device ML is off: {reason}");
            }
            Availability::Available { path } => {
                tracing::info!(path = %path.display(), "ONNX Runtime loaded");
            }
        }
        loaded
    })
}

/// Where the library would be loaded from, or why there is no candidate.
pub fn locate() -> Result<PathBuf, String> {
    if let Some(value) = std::env::var_os(ORT_DYLIB_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(value);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{ORT_DYLIB_ENV} names {}, which is not a file; point it at libonnxruntime {ORT_VERSION} \
                 (the onnxruntime=={ORT_VERSION} Python wheel has it as onnxruntime/capi/libonnxruntime.so.{ORT_VERSION})",
                path.display()
            ))
        };
    }
    let dirs = search_dirs();
    for dir in &dirs {
        for name in FILE_NAMES {
            let path = dir.join(name);
            if path.is_file() {
                return Ok(path);
            }
        }
    }
    let tried: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    Err(format!(
        "libonnxruntime {ORT_VERSION} not found: {ORT_DYLIB_ENV} is not set and none of {} is in {}",
        FILE_NAMES.join(", "),
        tried.join(", ")
    ))
}

/// The standard directories searched when `ORT_DYLIB_PATH` is not set, in order.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.join("lib"));
        dirs.insert(0, exe_dir);
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let xdg = |var: &str, fallback: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(fallback)))
    };
    if let Some(data) = xdg("XDG_DATA_HOME", ".local/share") {
        dirs.push(data.join("bloom").join("onnxruntime"));
    }
    if let Some(cache) = xdg("XDG_CACHE_HOME", ".cache") {
        dirs.push(cache.join("bloom").join("onnxruntime"));
    }
    for dir in [
        "/usr/local/lib",
        "/usr/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        dirs.push(PathBuf::from(dir));
    }
    dirs
}

fn load(path: &Path) -> Loaded {
    // `ort::init_from` returns an error for a file that does not open or has the wrong
    // version, but `ort` has `expect`s and asserts on the way (a library without a version
    // string, a null API base), and a later `ort` call without a loaded library panics
    // outright. So: the caller checked the file exists, we only touch `ort` after this
    // succeeded, and the whole load runs under `catch_unwind` so that a panic in it leaves ML
    // off instead of taking the app down. (A library that crashes inside `dlopen` cannot be
    // guarded against in-process.)
    let attempt = std::panic::catch_unwind(|| -> Result<ort::environment::Environment, String> {
        let builder = ort::init_from(path).map_err(|e| e.to_string())?;
        builder
            .with_name("bloom")
            .with_telemetry(false)
            .build()
            .map_err(|e| format!("cannot create the ONNX Runtime environment: {e}"))
    });
    match attempt {
        Ok(Ok(environment)) => Loaded {
            availability: Availability::Available {
                path: path.to_path_buf(),
            },
            environment: Some(environment),
        },
        Ok(Err(reason)) => Loaded {
            availability: Availability::Unavailable {
                reason: format!("cannot load {}: {reason}", path.display()),
            },
            environment: None,
        },
        Err(_) => Loaded {
            availability: Availability::Unavailable {
                reason: format!(
                    "loading {} failed inside ONNX Runtime; is it libonnxruntime {ORT_VERSION}?",
                    path.display()
                ),
            },
            environment: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_dirs_start_next_to_the_executable() {
        let dirs = search_dirs();
        let exe_dir = std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        assert_eq!(dirs[0], exe_dir);
        assert!(dirs.contains(&PathBuf::from("/usr/lib")));
        assert!(dirs.contains(&PathBuf::from("/usr/local/lib")));
        assert!(dirs.iter().any(|d| d.ends_with("bloom/onnxruntime")));
    }

    #[test]
    fn availability_reports_itself() {
        assert!(Availability::Available { path: "/x".into() }.is_available());
        assert!(!Availability::Unavailable { reason: "r".into() }.is_available());
    }
}
