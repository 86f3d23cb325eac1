//! One server secret for the targets that check tokens, and a signer, so a
//! target can reach the code behind the signature check with claims of the
//! fuzzer's making (it cannot forge HMAC-SHA256 itself).

use std::sync::LazyLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use inkmesh_server::Auth;
use jsonwebtoken::{Algorithm, EncodingKey};

/// The secret the targets' server was started with (16 characters or more, as
/// the server requires).
pub const SECRET: &str = "fuzz-secret-0123456789abcdef";

static AUTH: LazyLock<Auth> = LazyLock::new(|| Auth::new(Some(SECRET)));

/// The server's token checker, keyed with [`SECRET`].
pub fn auth() -> &'static Auth {
    &AUTH
}

/// A JWT made of these header and claims bytes (any bytes, not only JSON),
/// signed HS256 with [`SECRET`].
pub fn sign(header: &[u8], claims: &[u8]) -> String {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(signed.as_bytes(), &key, Algorithm::HS256)
        .expect("HS256 signs any bytes");
    format!("{signed}.{signature}")
}
