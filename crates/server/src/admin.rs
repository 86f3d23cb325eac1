//! The operator's credential (`--admin-token-file`): what deleting a board
//! takes. Room tokens cannot: in open mode every link-holder is an editor,
//! and deleting destroys the history that is the way back from a mistaken
//! erase, so it is the operator's act, or the host application's backend's,
//! which holds this token as it holds the auth secret. There is no deletion
//! claim in room tokens either: those are handed to browsers, and one that
//! leaks from a page must not be able to destroy the board.

use sha2::{Digest, Sha256};

use crate::error::{ApiError, Code};
use crate::limits::MIN_SECRET_LEN;

/// The admin token, kept as its SHA-256 so that every comparison takes the
/// same time whatever the guess (see [`AdminToken::check`]).
pub struct AdminToken {
    digest: [u8; 32],
}

impl AdminToken {
    pub fn new(token: &str) -> Self {
        Self {
            digest: Sha256::digest(token.as_bytes()).into(),
        }
    }

    /// Accepts `bearer` if it is the admin token. Both sides are hashed to
    /// 32 bytes and compared with no early exit, so neither the length nor a
    /// common prefix of a guess shows in the time the answer takes.
    pub fn check(&self, bearer: Option<&str>) -> Result<(), ApiError> {
        let Some(bearer) = bearer.filter(|b| !b.is_empty()) else {
            return Err(ApiError::new(
                Code::Unauthorized,
                "Deleting a board takes the server's admin token, sent as \
                 `Authorization: Bearer <token>`; a room token is not enough.",
            ));
        };
        let given: [u8; 32] = Sha256::digest(bearer.as_bytes()).into();
        let differing = self
            .digest
            .iter()
            .zip(given.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if differing == 0 {
            Ok(())
        } else {
            Err(ApiError::new(
                Code::Forbidden,
                "That is not this server's admin token: deleting a board takes it, \
                 a room token is not enough.",
            ))
        }
    }
}

/// The answer when no admin token is configured: deletion is off, and how
/// to turn it on.
pub fn deletion_disabled() -> ApiError {
    ApiError::new(
        Code::Forbidden,
        format!(
            "Deleting boards is off on this server: the operator enables it by starting \
             the server with --admin-token-file PATH (or INKMESH_ADMIN_TOKEN_FILE), a file \
             holding a token of {MIN_SECRET_LEN} characters or more, then sends that token \
             as `Authorization: Bearer <token>`."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_admin_token_passes() {
        let admin = AdminToken::new("0123456789abcdef-admin");
        assert!(admin.check(Some("0123456789abcdef-admin")).is_ok());
        assert_eq!(admin.check(None).unwrap_err().code, Code::Unauthorized);
        assert_eq!(admin.check(Some("")).unwrap_err().code, Code::Unauthorized);
        for wrong in ["0123456789abcdef-admiN", "0123456789abcdef-admin ", "x"] {
            assert_eq!(
                admin.check(Some(wrong)).unwrap_err().code,
                Code::Forbidden,
                "{wrong:?}"
            );
        }
    }
}
