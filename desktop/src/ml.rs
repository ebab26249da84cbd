//! On-device ML in the desktop app: the model is loaded once in the
//! background; texts are analysed on a command's worker thread, never on the
//! UI thread. When ONNX Runtime or the model is missing, ML shows as
//! unavailable (with the reason, logged once) and everything else works.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use bloom_core::ml::{self, Availability, Encoder, Head};
use bloom_core::records::risk::Analysis;
use bloom_core::vault::{Vault, VaultError};
use tauri::{AppHandle, Emitter, Manager};

/// Overrides where the model files are (tests, packaging).
pub const MODEL_DIR_ENV: &str = "BLOOM_MODEL_DIR";
/// The vault setting holding a head re-fitted from this practice's
/// corrections: derived from client texts, so it stays in the vault.
const HEAD_SETTING: &str = "ml_head";
const ALERT_EVENT: &str = "risk-alert";
/// Which encoder made a stored embedding (vectors of different encoders are
/// not comparable).
pub const EMBEDDING_VERSION: &str = "all-MiniLM-L6-v2/mh7-int8";

pub struct Engine {
    encoder: Encoder,
    shipped_head: Head,
    dir: PathBuf,
}

/// The app's hold on the model: loading, then ready or unavailable.
#[derive(Default)]
pub struct MlHolder {
    engine: OnceLock<Result<Arc<Engine>, String>>,
}

fn model_dir(app: &AppHandle) -> PathBuf {
    if let Some(dir) = std::env::var_os(MODEL_DIR_ENV) {
        return PathBuf::from(dir);
    }
    // Installed: bundled resources; development: the repository's copy.
    if let Ok(resources) = app.path().resource_dir() {
        let bundled = resources.join("models").join("mh7");
        if bundled.join("head.json").exists() {
            return bundled;
        }
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/mh7"))
}

fn load(dir: PathBuf) -> Result<Arc<Engine>, String> {
    if let Availability::Unavailable { reason } = ml::runtime::init() {
        return Err(reason.clone());
    }
    let encoder = Encoder::load(&dir).map_err(|e| e.to_string())?;
    let shipped_head = Head::load_json(&dir.join("head.json")).map_err(|e| e.to_string())?;
    Ok(Arc::new(Engine {
        encoder,
        shipped_head,
        dir,
    }))
}

impl MlHolder {
    /// Starts loading the model in the background.
    pub fn spawn_load(app: AppHandle) {
        std::thread::spawn(move || {
            if let Some(holder) = app.try_state::<MlHolder>() {
                // The outcome is logged once inside; commands ask again.
                let _ = holder.engine(&app);
            }
        });
    }

    /// The engine, loading it on first use; `Err` says why ML is off.
    pub fn engine(&self, app: &AppHandle) -> Result<Arc<Engine>, String> {
        self.engine
            .get_or_init(|| {
                let loaded = load(model_dir(app));
                match &loaded {
                    Ok(engine) => {
                        tracing::info!(model = %engine.dir.display(), "on-device ML ready")
                    }
                    // A missing runtime was already logged, once, by `ml::runtime::init`.
                    Err(reason) if ml::runtime::init().is_available() => {
                        tracing::warn!(%reason, "on-device ML unavailable")
                    }
                    Err(_) => {}
                }
                loaded
            })
            .clone()
    }
}

impl Engine {
    /// The head in use for this vault: a re-fitted one if the practice has
    /// one, else the shipped one.
    pub fn head(&self, vault: &Vault) -> Result<Head, VaultError> {
        match vault.setting(HEAD_SETTING)? {
            Some(json) => Head::from_json(json.as_bytes())
                .map_err(|_| VaultError::Corrupt("the re-fitted model is damaged".into())),
            None => Ok(self.shipped_head.clone()),
        }
    }

    pub fn save_head(vault: &Vault, head: &Head) -> Result<(), VaultError> {
        let json = String::from_utf8(head.to_json())
            .map_err(|_| VaultError::Internal("model is not UTF-8 JSON".into()))?;
        vault.set_setting(HEAD_SETTING, &json)
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    pub fn embed(&self, text: &str) -> Result<Vec<f32>, ml::MlError> {
        let mut out = self.encoder.encode(&[text])?;
        out.pop()
            .map(|e| e.embedding)
            .ok_or_else(|| ml::MlError::Inference("no output".into()))
    }

    /// Classifies one text with `head`: the indicator, the suicide flag
    /// (threshold or explicit phrase) and the embedding.
    pub fn analyze(&self, head: &Head, text: &str) -> Result<Analysis, ml::MlError> {
        let embedding = self.embed(text)?;
        let probabilities = head.predict(&embedding);
        let assessed = ml::assess(head, &probabilities, text);
        Ok(Analysis {
            model_version: assessed.model_version,
            label: assessed.label,
            suicide_score: assessed.suicide_score,
            flagged: assessed.flagged,
            by_phrase: assessed.by_phrase,
            embedding,
        })
    }
}

/// Tells the therapist, in the app and through the OS, that something may
/// need attention. The OS notification names no one: it can show on a
/// locked screen.
pub fn alert(app: &AppHandle, result: &bloom_core::risk::RiskResult) {
    if let Err(e) = app.emit(ALERT_EVENT, result) {
        tracing::warn!(error = %e, "cannot emit a risk alert");
    }
    use tauri_plugin_notification::NotificationExt;
    let shown = app
        .notification()
        .builder()
        .title("Bloom")
        .body("A client's entry may need your attention.")
        .show();
    if let Err(e) = shown {
        tracing::warn!(error = %e, "cannot show a notification");
    }
}
