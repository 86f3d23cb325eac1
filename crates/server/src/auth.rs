//! Tokens: HS256 JWTs that name one room, one user and one role.
//!
//! With a secret configured, every token must be signed with it and nothing
//! unsigned gets in; SaaS backends mint tokens themselves
//! (`examples/mint_token.rs`). Without one the server runs in *open mode*: it
//! signs with a random per-process secret and hands out guest editor tokens at
//! `POST /api/rooms/{room}/token`, so a first run needs no setup (and tokens do
//! not outlive the process that issued them).

use std::time::{SystemTime, UNIX_EPOCH};

use inkmesh_transport::Role;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Code};

/// Longest room name accepted.
pub const MAX_ROOM_LEN: usize = 128;

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
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
}

/// Signs and checks tokens.
pub struct Auth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    open: bool,
}

impl Auth {
    /// `secret: None` is open mode (a random secret, guest tokens on request).
    pub fn new(secret: Option<&str>) -> Self {
        let (bytes, open) = match secret {
            Some(s) => (s.as_bytes().to_vec(), false),
            None => {
                let mut random = [0u8; 32];
                getrandom::fill(&mut random).expect("the OS random number generator");
                (random.to_vec(), true)
            }
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(&bytes),
            decoding: DecodingKey::from_secret(&bytes),
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
                    ErrorKind::InvalidSignature => "the token's signature does not match this server's secret",
                    ErrorKind::Json(_) | ErrorKind::MissingRequiredClaim(_) => {
                        "the token's claims are missing or malformed (room, sub, role and exp are required)"
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
    fn room_names() {
        assert!(check_room("team-42_a.b").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "é", &"x".repeat(129)] {
            assert!(check_room(bad).is_err(), "{bad:?}");
        }
    }
}
