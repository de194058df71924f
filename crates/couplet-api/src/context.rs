//! The application context: where Couplet keeps its state and how it reaches its secrets.

use std::path::{Path, PathBuf};

use couplet_model::Side;
use couplet_model::connection::AuthMethod;
use couplet_store::{SecretStore, Store};

use crate::ApiError;

/// The keychain service name under which Couplet keeps client secrets, certificate keys and
/// access keys.
pub const KEYCHAIN_SERVICE: &str = "couplet";

/// Everything an operation needs: the state database and the secret stores.
#[derive(Clone)]
pub struct AppContext {
    data_dir: PathBuf,
    store: Store,
    keychain: SecretStore,
    sandbox_secrets: SecretStore,
}

impl AppContext {
    /// Opens (creating if needed) Couplet's state in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<AppContext, ApiError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            ApiError::validation(format!(
                "Couplet cannot create its data folder {}: {e}",
                data_dir.display()
            ))
        })?;
        let store = Store::open(&data_dir.join("couplet.sqlite"))?;
        Ok(AppContext {
            data_dir: data_dir.to_owned(),
            store,
            keychain: SecretStore::Keychain {
                service: KEYCHAIN_SERVICE.to_owned(),
            },
            sandbox_secrets: SecretStore::File {
                path: data_dir.join("sandbox-credentials.json"),
            },
        })
    }

    /// The default data folder: `$COUPLET_DATA_DIR`, else `$XDG_DATA_HOME/couplet`, else
    /// `~/.local/share/couplet`.
    pub fn default_data_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("COUPLET_DATA_DIR") {
            return PathBuf::from(dir);
        }
        if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
            return PathBuf::from(dir).join("couplet");
        }
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        home.join(".local").join("share").join("couplet")
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The state database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The secret store for a connection: the OS keychain for real systems, a file only for
    /// the emulated ones (their credentials are not secret).
    pub fn secrets(&self, sandbox: bool) -> &SecretStore {
        if sandbox {
            &self.sandbox_secrets
        } else {
            &self.keychain
        }
    }

    /// The key a side's client secret is stored under.
    pub fn secret_key(side: Side) -> String {
        format!("{}-client-secret", side.as_str())
    }

    /// The key a side's credential for `method` is stored under: the client secret, the
    /// certificate with its private key, or the web service access key.
    pub fn credential_key(side: Side, method: &AuthMethod) -> String {
        match method {
            AuthMethod::ClientSecret => AppContext::secret_key(side),
            AuthMethod::Certificate { .. } => format!("{}-certificate", side.as_str()),
            AuthMethod::Basic { .. } => format!("{}-access-key", side.as_str()),
        }
    }

    /// The keys of every method, to forget those a new connection no longer uses.
    pub fn credential_keys(side: Side) -> [String; 3] {
        [
            AppContext::credential_key(side, &AuthMethod::ClientSecret),
            AppContext::credential_key(
                side,
                &AuthMethod::Certificate {
                    thumbprint: String::new(),
                },
            ),
            AppContext::credential_key(
                side,
                &AuthMethod::Basic {
                    user: String::new(),
                },
            ),
        ]
    }
}
