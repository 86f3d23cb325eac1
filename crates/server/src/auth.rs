//! Tokens: HS256 JWTs that name one room, one user and one role.
//!
//! With a secret configured, every token must be signed with it and nothing
//! unsigned gets in; SaaS backends mint tokens themselves
//! (`examples/mint_token.rs`). Without one the server runs in *open mode*: it
//! signs with a random key of its own and hands out guest editor tokens at
//! `POST /api/rooms/{room}/token`, so a first run needs no setup. The key is
//! kept in the data directory ([`open_mode_key`]), so guests' tokens, and with
//! them who drew what, survive a restart.

use std::io::{ErrorKind as IoErrorKind, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use inkmesh_transport::Role;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Code};
use crate::limits::{MAX_ROOM_LEN, TOKEN_LEEWAY_SECS};

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The one room this token opens.
    pub room: String,
    /// The user id (written as the author of their elements).
    pub sub: String,
    /// Display name shown to others.
    #[serde(default)]
    pub name: String,
    pub role: Role,
    /// Expiry, seconds since the Unix epoch. (An optional `nbf`, "not
    /// before", is checked too: a token may be minted ahead of its use.)
    pub exp: u64,
}

/// Signs and checks tokens.
pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    open: bool,
}

/// Bytes of open mode's signing key.
const OPEN_MODE_KEY_LEN: usize = 32;

/// Open mode's signing key from `data_dir/open-mode.key`, created (readable by
/// this user only) on first use.
pub fn open_mode_key(data_dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = data_dir.join("open-mode.key");
    match std::fs::read(&path) {
        Ok(key) if key.len() == OPEN_MODE_KEY_LEN => return Ok(key),
        Ok(_) => {
            tracing::warn!(path = %path.display(), "open-mode key malformed; making a new one")
        }
        Err(e) if e.kind() == IoErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let key = random_key();
    std::fs::create_dir_all(data_dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&path)?.write_all(&key)?;
    Ok(key)
}

fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; OPEN_MODE_KEY_LEN];
    getrandom::fill(&mut key).expect("the OS random number generator");
    key
}

impl Auth {
    /// `secret: None` is open mode with a key that lives as long as this
    /// value (tests); servers use [`Auth::open_mode`] with a kept key.
    pub fn new(secret: Option<&str>) -> Self {
        match secret {
            Some(s) => Self::with_key(s.as_bytes(), false),
            None => Self::open_mode(&random_key()),
        }
    }

    /// Open mode (guest tokens on request), signing with `key`.
    pub fn open_mode(key: &[u8]) -> Self {
        Self::with_key(key, true)
    }

    fn with_key(bytes: &[u8], open: bool) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = TOKEN_LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            open,
        }
    }

    /// Whether this server issues guest tokens itself.
    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn mint(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// Checks a token's signature and expiry and that it opens `room`.
    pub fn authorize(&self, token: Option<&str>, room: &str) -> Result<Claims, ApiError> {
        let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
            ApiError::new(
                Code::Unauthorized,
                "A token is required: send one as `Authorization: Bearer <token>` or `?token=`.",
            )
        })?;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::ImmatureSignature => "the token is not valid yet (its `nbf` is in the future)",
                    ErrorKind::InvalidSignature => "the token's signature does not match this server's secret",
                    ErrorKind::Json(_)
                    | ErrorKind::MissingRequiredClaim(_)
                    | ErrorKind::InvalidClaimFormat(_) => {
                        "the token's claims are missing or malformed (room, sub, role and exp are required; nbf, if present, is seconds since the Unix epoch)"
                    }
                    _ => "the token is not a valid HS256 JWT",
                };
                ApiError::new(Code::Unauthorized, format!("Token refused: {why}."))
            })?
            .claims;
        if claims.room != room {
            return Err(ApiError::new(
                Code::Forbidden,
                format!("This token is for room `{}`, not `{room}`.", claims.room),
            ));
        }
        Ok(claims)
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Room names are URL path segments: 1 to 128 of `A-Z a-z 0-9 - _ .`.
pub fn check_room(room: &str) -> Result<(), ApiError> {
    let ok = !room.is_empty()
        && room.len() <= MAX_ROOM_LEN
        && room
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && room != "."
        && room != "..";
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Room names are 1 to {MAX_ROOM_LEN} characters of A-Z, a-z, 0-9, `-`, `_` and `.`."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_mode_keeps_its_key_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let first = Auth::open_mode(&open_mode_key(dir.path()).unwrap());
        let token = first.mint(&claims("r", now_secs() + 60));
        let again = Auth::open_mode(&open_mode_key(dir.path()).unwrap());
        assert_eq!(again.authorize(Some(&token), "r").unwrap().sub, "u1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("open-mode.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A damaged key is replaced, and old tokens stop working.
        std::fs::write(dir.path().join("open-mode.key"), b"short").unwrap();
        let replaced = Auth::open_mode(&open_mode_key(dir.path()).unwrap());
        assert!(replaced.authorize(Some(&token), "r").is_err());
    }

    fn claims(room: &str, exp: u64) -> Claims {
        Claims {
            room: room.into(),
            sub: "u1".into(),
            name: "Ada".into(),
            role: Role::Editor,
            exp,
        }
    }

    #[test]
    fn tokens_are_checked() {
        let auth = Auth::new(Some("s3cret"));
        let good = auth.mint(&claims("r1", now_secs() + 60));
        assert_eq!(auth.authorize(Some(&good), "r1").unwrap().sub, "u1");
        let err = |t: Option<&str>, room| auth.authorize(t, room).unwrap_err().code;
        assert_eq!(err(None, "r1"), Code::Unauthorized);
        assert_eq!(err(Some("garbage"), "r1"), Code::Unauthorized);
        assert_eq!(err(Some(&good), "r2"), Code::Forbidden);
        let expired = auth.mint(&claims("r1", now_secs() - 3600));
        assert_eq!(err(Some(&expired), "r1"), Code::Unauthorized);
        let other = Auth::new(Some("other")).mint(&claims("r1", now_secs() + 60));
        assert_eq!(err(Some(&other), "r1"), Code::Unauthorized);
        // Open mode's random secret signs nothing a fixed secret accepts.
        let open = Auth::new(None);
        assert!(open.is_open());
        let guest = open.mint(&claims("r1", now_secs() + 60));
        assert_eq!(err(Some(&guest), "r1"), Code::Unauthorized);
    }

    #[test]
    fn not_before_is_checked() {
        let auth = Auth::new(Some("s3cret-0123456789"));
        let with_nbf = |nbf: u64| {
            let claims = serde_json::json!({
                "room": "r", "sub": "u1", "name": "Ada", "role": "editor",
                "exp": now_secs() + 7200, "nbf": nbf,
            });
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &auth.encoding).unwrap()
        };
        let early = auth
            .authorize(Some(&with_nbf(now_secs() + 3600)), "r")
            .unwrap_err();
        assert_eq!(early.code, Code::Unauthorized);
        assert!(early.message.contains("not valid yet"), "{}", early.message);
        // Within the leeway, and in the past, it is fine.
        assert!(auth.authorize(Some(&with_nbf(now_secs() + 2)), "r").is_ok());
        assert!(auth
            .authorize(Some(&with_nbf(now_secs() - 60)), "r")
            .is_ok());
    }

    #[test]
    fn room_names() {
        assert!(check_room("team-42_a.b").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "é", &"x".repeat(129)] {
            assert!(check_room(bad).is_err(), "{bad:?}");
        }
    }
}
