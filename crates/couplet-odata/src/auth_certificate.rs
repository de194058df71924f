//! Entra certificate credentials: a PEM certificate with its RSA private key, and the signed
//! client assertion (RFC 7523 JWT) sent instead of a client secret.
//!
//! The assertion follows Microsoft's "certificate credentials" format: header `alg` = `PS256`,
//! `typ` = `JWT`, `x5t#S256` = the base64url SHA-256 thumbprint of the certificate's DER
//! encoding; claims `aud` = the token endpoint URL, `iss` = `sub` = the client id, a fresh `jti`,
//! and `nbf`/`iat` = now, `exp` = now + 10 minutes.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use couplet_model::ErrorKind;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

use crate::auth::Secret;
use crate::error::ODataError;

/// The `client_assertion_type` form value for a JWT client assertion (RFC 7523).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The prefix of [`ClientCertificate::keychain_form`].
const KEYCHAIN_PREFIX: &str = "couplet-certificate-v1:";

/// How long a client assertion is valid (Entra accepts up to 10 minutes of clock skew too).
const ASSERTION_LIFETIME_SECS: i64 = 600;

/// Why a certificate credential could not be read from the PEM text the user gave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The text holds no `-----BEGIN CERTIFICATE-----` block.
    #[error(
        "the PEM holds no certificate (no -----BEGIN CERTIFICATE----- block): give one file with the certificate and its private key"
    )]
    NoCertificate,
    /// The text holds no private key block.
    #[error(
        "the PEM holds no private key (no -----BEGIN PRIVATE KEY----- block): give one file with the certificate and its private key, for example `cat cert.pem key.pem > couplet.pem`"
    )]
    NoPrivateKey,
    /// The private key is protected by a password.
    #[error(
        "the private key is encrypted with a password: export it without one (`openssl pkey -in key.pem -out key-plain.pem`); Couplet keeps it in the OS keychain instead"
    )]
    EncryptedKey,
    /// A PEM block is damaged (bad base64 or no END line).
    #[error("the PEM is unreadable: {0}")]
    Unreadable(String),
    /// The certificate block is not an X.509 certificate.
    #[error("the certificate cannot be read as X.509: {0}")]
    BadCertificate(String),
    /// The key is not an RSA key (Entra certificate credentials use RSA).
    #[error(
        "the private key is not a readable RSA key ({0}): Entra certificate credentials need an RSA certificate"
    )]
    BadKey(String),
    /// The private key does not belong to the certificate.
    #[error(
        "the private key does not match the certificate (thumbprint {thumbprint}): put the certificate and its own private key in the PEM"
    )]
    KeyDoesNotMatch {
        /// The certificate's SHA-1 thumbprint (hex).
        thumbprint: String,
    },
}

impl CertificateError {
    /// As an [`ODataError`] of kind Config.
    pub fn into_odata(self) -> ODataError {
        ODataError::new(ErrorKind::Config, self.to_string())
    }
}

/// A certificate and its private key, ready to sign client assertions.
///
/// Cloning is cheap (the key is shared). `Debug` shows only the thumbprint.
#[derive(Clone)]
pub struct ClientCertificate {
    inner: Arc<CertificateInner>,
}

struct CertificateInner {
    key: RsaPrivateKey,
    sha1: [u8; 20],
    sha256: [u8; 32],
    not_before: Option<DateTime<Utc>>,
    not_after: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("thumbprint", &self.thumbprint())
            .finish_non_exhaustive()
    }
}

/// One `-----BEGIN {label}-----` … `-----END {label}-----` block, decoded.
struct PemBlock {
    label: String,
    der: Vec<u8>,
}

fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, CertificateError> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after
            .find("-----")
            .ok_or_else(|| CertificateError::Unreadable("a BEGIN line is not closed".into()))?;
        let label = after[..label_end].trim().to_owned();
        let body_start = &after[label_end + "-----".len()..];
        let end_marker = format!("-----END {label}-----");
        let body_end = body_start.find(&end_marker).ok_or_else(|| {
            CertificateError::Unreadable(format!("the {label} block has no END line"))
        })?;
        let body = &body_start[..body_end];
        if body.contains("Proc-Type:") || body.contains("DEK-Info:") {
            return Err(CertificateError::EncryptedKey);
        }
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let der = STANDARD.decode(compact.as_bytes()).map_err(|e| {
            CertificateError::Unreadable(format!("the {label} block is not valid base64: {e}"))
        })?;
        blocks.push(PemBlock { label, der });
        rest = &body_start[body_end + end_marker.len()..];
    }
    Ok(blocks)
}

fn private_key(blocks: &[PemBlock]) -> Result<RsaPrivateKey, CertificateError> {
    for block in blocks {
        match block.label.as_str() {
            "PRIVATE KEY" => {
                return RsaPrivateKey::from_pkcs8_der(&block.der)
                    .map_err(|e| CertificateError::BadKey(e.to_string()));
            }
            "RSA PRIVATE KEY" => {
                return RsaPrivateKey::from_pkcs1_der(&block.der)
                    .map_err(|e| CertificateError::BadKey(e.to_string()));
            }
            "ENCRYPTED PRIVATE KEY" => return Err(CertificateError::EncryptedKey),
            "EC PRIVATE KEY" => {
                return Err(CertificateError::BadKey("it is an EC key".into()));
            }
            _ => {}
        }
    }
    Err(CertificateError::NoPrivateKey)
}

fn to_utc(time: x509_cert::time::Time) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(time.to_unix_duration().as_secs()).ok()?;
    DateTime::from_timestamp(secs, 0)
}

impl ClientCertificate {
    /// Reads the first certificate and the private key (PKCS#8 `PRIVATE KEY` or PKCS#1
    /// `RSA PRIVATE KEY`, unencrypted) from PEM text, and checks that they belong together.
    pub fn from_pem(text: &str) -> Result<ClientCertificate, CertificateError> {
        let blocks = pem_blocks(text)?;
        let cert_der = blocks
            .iter()
            .find(|b| b.label == "CERTIFICATE")
            .map(|b| b.der.clone())
            .ok_or(CertificateError::NoCertificate)?;
        let certificate = Certificate::from_der(&cert_der)
            .map_err(|e| CertificateError::BadCertificate(e.to_string()))?;
        let key = private_key(&blocks)?;
        let sha1: [u8; 20] = Sha1::digest(&cert_der).into();
        let sha256: [u8; 32] = Sha256::digest(&cert_der).into();
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| CertificateError::BadCertificate(e.to_string()))?;
        let public = RsaPublicKey::from_public_key_der(&spki).map_err(|e| {
            CertificateError::BadCertificate(format!(
                "its public key is not an RSA key ({e}); Entra certificate credentials need an RSA certificate"
            ))
        })?;
        if public != key.to_public_key() {
            return Err(CertificateError::KeyDoesNotMatch {
                thumbprint: hex::encode_upper(sha1),
            });
        }
        let validity = &certificate.tbs_certificate.validity;
        Ok(ClientCertificate {
            inner: Arc::new(CertificateInner {
                key,
                sha1,
                sha256,
                not_before: to_utc(validity.not_before),
                not_after: to_utc(validity.not_after),
            }),
        })
    }

    /// A compact text to keep in the OS keychain: the key's two primes and public exponent,
    /// the thumbprints and the validity. It is much shorter than the PEM (Windows Credential
    /// Manager holds at most 2,560 bytes) and is read back by [`ClientCertificate::from_keychain_form`].
    pub fn keychain_form(&self) -> Result<Secret, CertificateError> {
        let key = &self.inner.key;
        let [p, q] = key.primes() else {
            return Err(CertificateError::BadKey(
                "it has more than two primes, which Couplet cannot keep".into(),
            ));
        };
        let part = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        let time =
            |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp().to_string()).unwrap_or_default();
        Ok(Secret::new(format!(
            "{KEYCHAIN_PREFIX}{}.{}.{}.{}.{}.{}.{}",
            part(&p.to_bytes_be()),
            part(&q.to_bytes_be()),
            part(&key.e().to_bytes_be()),
            part(&self.inner.sha1),
            part(&self.inner.sha256),
            time(self.inner.not_before),
            time(self.inner.not_after),
        )))
    }

    /// Reads what [`ClientCertificate::keychain_form`] wrote, or a PEM with the certificate
    /// and its key.
    pub fn from_keychain_form(text: &str) -> Result<ClientCertificate, CertificateError> {
        let Some(compact) = text.trim().strip_prefix(KEYCHAIN_PREFIX) else {
            return ClientCertificate::from_pem(text);
        };
        let damaged = |why: &str| {
            CertificateError::Unreadable(format!(
                "the stored certificate credential is damaged ({why}): connect again with the PEM"
            ))
        };
        let parts: Vec<&str> = compact.split('.').collect();
        let [p, q, e, sha1, sha256, not_before, not_after] = parts.as_slice() else {
            return Err(damaged("wrong number of parts"));
        };
        let bytes = |s: &str| URL_SAFE_NO_PAD.decode(s).map_err(|_| damaged("bad base64"));
        let number = |s: &str| bytes(s).map(|b| BigUint::from_bytes_be(&b));
        let key = RsaPrivateKey::from_p_q(number(p)?, number(q)?, number(e)?)
            .map_err(|e| CertificateError::BadKey(e.to_string()))?;
        let sha1: [u8; 20] = bytes(sha1)?
            .try_into()
            .map_err(|_| damaged("bad SHA-1 thumbprint"))?;
        let sha256: [u8; 32] = bytes(sha256)?
            .try_into()
            .map_err(|_| damaged("bad SHA-256 thumbprint"))?;
        let time = |s: &str| {
            s.parse::<i64>()
                .ok()
                .and_then(|secs| DateTime::from_timestamp(secs, 0))
        };
        Ok(ClientCertificate {
            inner: Arc::new(CertificateInner {
                key,
                sha1,
                sha256,
                not_before: time(not_before),
                not_after: time(not_after),
            }),
        })
    }

    /// The SHA-1 thumbprint in upper-case hex, as the Entra portal shows it under
    /// "Certificates & secrets".
    pub fn thumbprint(&self) -> String {
        hex::encode_upper(self.inner.sha1)
    }

    /// The SHA-256 thumbprint in upper-case hex.
    pub fn thumbprint_sha256(&self) -> String {
        hex::encode_upper(self.inner.sha256)
    }

    /// The end of the certificate's validity, when it could be read.
    pub fn not_after(&self) -> Option<DateTime<Utc>> {
        self.inner.not_after
    }

    /// A Config error when the certificate is not valid at `now` (Entra refuses it then).
    pub fn check_validity(&self, now: DateTime<Utc>) -> Result<(), ODataError> {
        let thumbprint = self.thumbprint();
        if let Some(end) = self.inner.not_after
            && now > end
        {
            return Err(ODataError::new(
                ErrorKind::Config,
                format!(
                    "the certificate {thumbprint} expired on {}: create a new one, upload it to the app registration and connect again",
                    end.format("%Y-%m-%d")
                ),
            ));
        }
        if let Some(start) = self.inner.not_before
            && now < start
        {
            return Err(ODataError::new(
                ErrorKind::Config,
                format!(
                    "the certificate {thumbprint} is valid only from {}: check the computer's clock",
                    start.format("%Y-%m-%d %H:%M UTC")
                ),
            ));
        }
        Ok(())
    }

    /// A signed client assertion for `token_url` as `client_id`, valid from `now` for 10
    /// minutes.
    pub fn client_assertion(
        &self,
        token_url: &str,
        client_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Secret, ODataError> {
        let header = serde_json::json!({
            "alg": "PS256",
            "typ": "JWT",
            "x5t#S256": URL_SAFE_NO_PAD.encode(self.inner.sha256),
        });
        let issued = now.timestamp();
        let claims = serde_json::json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": issued,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signer = rsa::pss::BlindedSigningKey::<Sha256>::new(self.inner.key.clone());
        let signature = signer
            .try_sign_with_rng(&mut rsa::rand_core::OsRng, signing_input.as_bytes())
            .map_err(|e| {
                ODataError::new(
                    ErrorKind::Config,
                    format!("the client assertion could not be signed: {e}"),
                )
            })?;
        Ok(Secret::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_block_is_called_unreadable() {
        let err = ClientCertificate::from_pem("-----BEGIN CERTIFICATE-----\nMIIB\n")
            .expect_err("no END line");
        assert!(matches!(err, CertificateError::Unreadable(_)), "{err}");
    }

    #[test]
    fn text_without_blocks_has_no_certificate() {
        assert_eq!(
            ClientCertificate::from_pem("hello").expect_err("no PEM"),
            CertificateError::NoCertificate
        );
    }

    #[test]
    fn an_encrypted_key_asks_for_an_unencrypted_export() {
        let blocks = pem_blocks(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .expect("well-formed");
        let err = private_key(&blocks).expect_err("encrypted");
        assert_eq!(err, CertificateError::EncryptedKey);
        assert!(err.to_string().contains("openssl pkey"), "{err}");
    }
}
