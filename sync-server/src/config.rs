//! Relay settings: built-in defaults, overridden by a TOML file, overridden by
//! `BLOOM_RELAY_*` environment variables. Unknown keys are errors, so a typo
//! never silently falls back to a default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Environment variable that names the config file.
pub const CONFIG_ENV: &str = "BLOOM_RELAY_CONFIG";
const ENV_PREFIX: &str = "BLOOM_RELAY_";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The practice's name, shown on pages and sent to devices.
    pub practice_name: String,
    /// Where the relay keeps its certificate and data.
    pub data_dir: PathBuf,
    /// The HTTP listener (portal, console, health, metrics).
    pub http_addr: SocketAddr,
    /// The QUIC sync endpoint (UDP).
    pub quic_addr: SocketAddr,
    /// The largest sync frame accepted, in bytes.
    pub max_frame_bytes: usize,
    /// The `host:port` devices use to reach the QUIC endpoint, written into
    /// invites; defaults to `quic_addr`.
    pub public_quic_addr: Option<String>,
    /// PostgreSQL connection string (`host=… user=… dbname=…`); without it
    /// the relay keeps its data in an embedded SQLCipher database in `data_dir`.
    pub postgres_url: Option<String>,
    /// SMTP server for password-reset mail (`smtp://host:port`); without it
    /// messages are written to `data_dir/outbox/`.
    pub smtp_url: Option<String>,
    /// The sender of the relay's mail.
    pub mail_from: String,
    /// The address people reach the web side at (`https://portal.example.org`),
    /// used in links; defaults to `http://{http_addr}`.
    pub public_url: Option<String>,
    /// The practice's time zone (IANA name): the portal and console show
    /// times in it.
    pub timezone: chrono_tz::Tz,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            practice_name: "Bloom practice".into(),
            data_dir: PathBuf::from("bloom-relay-data"),
            http_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            quic_addr: SocketAddr::from(([127, 0, 0, 1], 4433)),
            max_frame_bytes: bloom_core::sync::proto::DEFAULT_MAX_FRAME,
            public_quic_addr: None,
            postgres_url: None,
            smtp_url: None,
            mail_from: "Bloom <no-reply@localhost>".into(),
            public_url: None,
            timezone: chrono_tz::UTC,
        }
    }
}

/// One layer of settings; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    practice_name: Option<String>,
    data_dir: Option<PathBuf>,
    http_addr: Option<SocketAddr>,
    quic_addr: Option<SocketAddr>,
    max_frame_bytes: Option<usize>,
    public_quic_addr: Option<String>,
    postgres_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
    timezone: Option<chrono_tz::Tz>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    File { path: PathBuf, message: String },
    #[error("environment variable {name} is not valid: {message}")]
    Env { name: String, message: String },
    #[error("invalid setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    /// The address written into invites.
    pub fn invite_addr(&self) -> String {
        self.public_quic_addr
            .clone()
            .unwrap_or_else(|| self.quic_addr.to_string())
    }

    /// The base of links in mail and invites, without a trailing slash.
    pub fn public_base(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Builds the settings from defaults, the optional file and the given
    /// environment (pass `std::env::vars()` in production).
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            let layer: Layer = toml::from_str(&text).map_err(|e| ConfigError::File {
                path: path.to_owned(),
                message: e.message().to_owned(),
            })?;
            config.apply(layer);
        }
        config.apply(env_layer(env)?);
        config.validate()?;
        Ok(config)
    }

    fn apply(&mut self, layer: Layer) {
        if let Some(v) = layer.practice_name {
            self.practice_name = v;
        }
        if let Some(v) = layer.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = layer.http_addr {
            self.http_addr = v;
        }
        if let Some(v) = layer.quic_addr {
            self.quic_addr = v;
        }
        if let Some(v) = layer.max_frame_bytes {
            self.max_frame_bytes = v;
        }
        if let Some(v) = layer.public_quic_addr {
            self.public_quic_addr = Some(v);
        }
        if let Some(v) = layer.postgres_url {
            self.postgres_url = Some(v);
        }
        if let Some(v) = layer.smtp_url {
            self.smtp_url = Some(v);
        }
        if let Some(v) = layer.mail_from {
            self.mail_from = v;
        }
        if let Some(v) = layer.public_url {
            self.public_url = Some(v);
        }
        if let Some(v) = layer.timezone {
            self.timezone = v;
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.practice_name.trim().is_empty() {
            return Err(ConfigError::Invalid {
                key: "practice_name",
                message: "must not be empty".into(),
            });
        }
        // Devices send frames up to the protocol's default size (a full
        // upload, the largest blob) and read no larger ones, so the relay
        // must accept at least that much; more only helps other tools.
        let min = bloom_core::sync::proto::DEFAULT_MAX_FRAME;
        if !(min..=64 * 1024 * 1024).contains(&self.max_frame_bytes) {
            return Err(ConfigError::Invalid {
                key: "max_frame_bytes",
                message: format!("must be between {min} bytes (1 MiB) and 64 MiB"),
            });
        }
        Ok(())
    }
}

fn env_layer(env: impl IntoIterator<Item = (String, String)>) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    for (name, value) in env {
        let Some(key) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let bad = |message: String| ConfigError::Env {
            name: name.clone(),
            message,
        };
        match key {
            "CONFIG" => {}
            "PRACTICE_NAME" => layer.practice_name = Some(value),
            "DATA_DIR" => layer.data_dir = Some(PathBuf::from(value)),
            "HTTP_ADDR" => {
                layer.http_addr = Some(value.parse().map_err(|e| bad(format!("{e}")))?);
            }
            "QUIC_ADDR" => {
                layer.quic_addr = Some(value.parse().map_err(|e| bad(format!("{e}")))?);
            }
            "MAX_FRAME_BYTES" => {
                layer.max_frame_bytes = Some(value.parse().map_err(|e| bad(format!("{e}")))?);
            }
            "PUBLIC_QUIC_ADDR" => layer.public_quic_addr = Some(value),
            "POSTGRES_URL" => layer.postgres_url = Some(value),
            "SMTP_URL" => layer.smtp_url = Some(value),
            "MAIL_FROM" => layer.mail_from = Some(value),
            "PUBLIC_URL" => layer.public_url = Some(value),
            "TIMEZONE" => {
                layer.timezone = Some(
                    value
                        .parse()
                        .map_err(|_| bad("not an IANA time zone such as Europe/London".into()))?,
                );
            }
            _ => return Err(bad("unknown setting".into())),
        }
    }
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn defaults_apply_without_file_or_env() {
        let c = Config::load(None, env(&[("PATH", "/usr/bin")])).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn file_overrides_defaults_and_env_overrides_file() {
        let f = file(
            r#"
            practice_name = "Riverside Counselling"
            http_addr = "127.0.0.1:9000"
            quic_addr = "127.0.0.1:9001"
            "#,
        );
        let c = Config::load(
            Some(f.path()),
            env(&[("BLOOM_RELAY_QUIC_ADDR", "127.0.0.1:7000")]),
        )
        .unwrap();
        assert_eq!(c.practice_name, "Riverside Counselling");
        assert_eq!(c.http_addr, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(c.quic_addr, "127.0.0.1:7000".parse().unwrap());
        assert_eq!(c.data_dir, Config::default().data_dir);
    }

    #[test]
    fn the_time_zone_is_an_iana_name() {
        let f = file("timezone = \"Europe/London\"\n");
        let c = Config::load(Some(f.path()), env(&[])).unwrap();
        assert_eq!(c.timezone, chrono_tz::Europe::London);
        let f = file("timezone = \"Mars/Olympus\"\n");
        assert!(Config::load(Some(f.path()), env(&[])).is_err());
        let err = Config::load(None, env(&[("BLOOM_RELAY_TIMEZONE", "UTC+2")])).unwrap_err();
        assert!(err.to_string().contains("BLOOM_RELAY_TIMEZONE"), "{err}");
    }

    #[test]
    fn unknown_keys_are_errors_in_file_and_env() {
        let f = file("practise_name = \"typo\"\n");
        let err = Config::load(Some(f.path()), env(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::File { .. }), "{err}");
        assert!(err.to_string().contains("practise_name"), "{err}");

        let err = Config::load(None, env(&[("BLOOM_RELAY_HTTP_ADR", "x")])).unwrap_err();
        assert!(matches!(err, ConfigError::Env { .. }), "{err}");
    }

    #[test]
    fn bad_values_name_the_setting() {
        let err =
            Config::load(None, env(&[("BLOOM_RELAY_HTTP_ADDR", "not an address")])).unwrap_err();
        assert!(err.to_string().contains("BLOOM_RELAY_HTTP_ADDR"), "{err}");

        let f = file("http_addr = 42\n");
        assert!(matches!(
            Config::load(Some(f.path()), env(&[])),
            Err(ConfigError::File { .. })
        ));

        let err = Config::load(None, env(&[("BLOOM_RELAY_PRACTICE_NAME", "  ")])).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                key: "practice_name",
                ..
            }
        ));

        let err = Config::load(None, env(&[("BLOOM_RELAY_MAX_FRAME_BYTES", "1")])).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                key: "max_frame_bytes",
                ..
            }
        ));
    }

    #[test]
    fn the_shipped_example_config_is_valid() {
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../installers/relay.example.toml");
        let c = Config::load(Some(&example), env(&[])).unwrap();
        assert_eq!(c.practice_name, "Riverside Counselling");
        assert_eq!(c.quic_addr, "0.0.0.0:4433".parse().unwrap());
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let err = Config::load(Some(Path::new("/nonexistent/relay.toml")), env(&[])).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
    }
}
