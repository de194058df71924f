//! Where secrets (client secrets, passwords) are kept. Never in SQLite.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::StoreError;

/// Keeps secrets by key (for example `erp.client_secret`), outside the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretStore {
    /// The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on
    /// Linux), with entries under `service` and the key as account name.
    Keychain {
        /// The keychain service name entries are filed under (`couplet`).
        service: String,
    },
    /// A JSON file readable only by its owner (mode 0600).
    ///
    /// **Only for connections to Couplet's emulated systems**, whose credentials are not secret.
    /// Real credentials must go to [`SecretStore::Keychain`]: a file is copied by backups and
    /// readable by anything running as the user.
    File {
        /// The JSON file.
        path: PathBuf,
    },
}

impl SecretStore {
    /// Stores `secret` under `key`, replacing any previous one.
    pub fn set(&self, key: &str, secret: &str) -> Result<(), StoreError> {
        match self {
            SecretStore::Keychain { service } => entry(service, key)?
                .set_password(secret)
                .map_err(|e| keychain_error("save", key, e)),
            SecretStore::File { path } => {
                let mut secrets = read_file(path)?;
                secrets.insert(key.to_owned(), secret.to_owned());
                write_file(path, &secrets)
            }
        }
    }

    /// The secret stored under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            SecretStore::Keychain { service } => match entry(service, key)?.get_password() {
                Ok(secret) => Ok(Some(secret)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(keychain_error("read", key, e)),
            },
            SecretStore::File { path } => Ok(read_file(path)?.remove(key)),
        }
    }

    /// Removes the secret stored under `key`. Returns whether there was one.
    pub fn delete(&self, key: &str) -> Result<bool, StoreError> {
        match self {
            SecretStore::Keychain { service } => match entry(service, key)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(keychain_error("delete", key, e)),
            },
            SecretStore::File { path } => {
                let mut secrets = read_file(path)?;
                if secrets.remove(key).is_none() {
                    return Ok(false);
                }
                write_file(path, &secrets)?;
                Ok(true)
            }
        }
    }
}

fn entry(service: &str, key: &str) -> Result<keyring::Entry, StoreError> {
    keyring::Entry::new(service, key).map_err(|e| keychain_error("open", key, e))
}

fn keychain_error(action: &str, key: &str, error: keyring::Error) -> StoreError {
    match error {
        keyring::Error::PlatformFailure(cause) | keyring::Error::NoStorageAccess(cause) => {
            StoreError::Keychain(format!(
                "could not {action} the secret {key:?}: no OS keychain is available ({cause}). \
                 On Linux, run a Secret Service provider (such as GNOME Keyring) and unlock it, \
                 or use the emulated systems, which need no keychain"
            ))
        }
        other => StoreError::Keychain(format!("could not {action} the secret {key:?}: {other}")),
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(io_error(path)(e)),
    };
    warn_if_shared(path);
    serde_json::from_str(&text).map_err(|e| {
        StoreError::corrupt(
            format!("secret file {}", path.display()),
            format!("{e}; delete the file and enter the sandbox credentials again"),
        )
    })
}

/// Logs a warning when the secret file can be read by other users (it is rewritten 0600 on
/// the next change).
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the secret file is readable by other users; run `chmod 600` on it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Writes the whole file anew: a private temporary file beside it, then an atomic rename.
fn write_file(path: &Path, secrets: &BTreeMap<String, String>) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let mut temp_name = path.as_os_str().to_owned();
    temp_name.push(".tmp");
    let temp = PathBuf::from(temp_name);
    match std::fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&temp)(e)),
    }
    let text = serde_json::to_string_pretty(secrets)
        .map_err(|e| StoreError::Invalid(format!("secrets cannot be written as JSON: {e}")))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temp).map_err(io_error(&temp))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_error(&temp))?;
    drop(file);
    std::fs::rename(&temp, path).map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_os_keychain_is_reported_as_such_with_what_to_do() {
        let cause: Box<dyn std::error::Error + Send + Sync> =
            "org.freedesktop.DBus.Error.ServiceUnknown".into();
        let err = keychain_error(
            "save",
            "erp.client_secret",
            keyring::Error::PlatformFailure(cause),
        );
        let text = err.to_string();
        assert!(matches!(err, StoreError::Keychain(_)), "{err:?}");
        assert!(text.contains("no OS keychain is available"), "{text}");
        assert!(
            text.contains("erp.client_secret") && text.contains("Secret Service"),
            "{text}"
        );
    }

    #[test]
    fn other_keychain_failures_keep_their_reason() {
        let err = keychain_error(
            "read",
            "crm.client_secret",
            keyring::Error::TooLong("password".into(), 255),
        );
        let text = err.to_string();
        assert!(!text.contains("no OS keychain"), "{text}");
        assert!(
            text.contains("could not read the secret \"crm.client_secret\""),
            "{text}"
        );
    }
}
