//! Short-lived TURN credentials, minted per member in the scheme coturn
//! implements with `use-auth-secret` (the "TURN REST API" draft,
//! draft-uberti-behave-turn-rest): the username is `<expiry unix seconds>:<user>`
//! and the credential is base64(HMAC-SHA1(shared secret, username)). The TURN
//! server checks both with the secret it shares with us and refuses a username
//! whose expiry has passed, so a leaked credential is an open relay only until
//! then, and the server never stores or hands out one long-lived password.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use inkmesh_transport::IceServer;
use sha1::Sha1;

/// TURN servers that share `secret` with us: their credentials are minted for
/// each member at `welcome`.
#[derive(Clone)]
pub struct TurnRest {
    /// coturn's `static-auth-secret`.
    secret: String,
    /// How long a minted credential is accepted ([`crate::limits::TURN_CREDENTIAL_TTL`]).
    ttl: Duration,
    /// The `turn:`/`turns:` URLs the credentials are for.
    urls: Vec<String>,
}

/// Never prints the secret (configs are logged with `{:?}` in places).
impl fmt::Debug for TurnRest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TurnRest")
            .field("ttl", &self.ttl)
            .field("urls", &self.urls)
            .finish_non_exhaustive()
    }
}

impl TurnRest {
    pub fn new(secret: String, ttl: Duration, urls: Vec<String>) -> Self {
        Self { secret, ttl, urls }
    }

    /// The TURN servers for `user`, with a credential that expires
    /// the TTL after `now_secs`.
    pub fn for_user(&self, user: &str, now_secs: u64) -> IceServer {
        let username = rest_username(now_secs.saturating_add(self.ttl.as_secs()), user);
        IceServer {
            urls: self.urls.clone(),
            credential: Some(rest_credential(&self.secret, &username)),
            username: Some(username),
        }
    }
}

/// `<expiry>:<user>`: coturn reads the expiry up to the first `:`.
pub fn rest_username(expiry_secs: u64, user: &str) -> String {
    format!("{expiry_secs}:{user}")
}

/// base64(HMAC-SHA1(secret, username)), what coturn computes to check it.
pub fn rest_credential(secret: &str, username: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The STUN and TURN servers the hub hands out: fixed ones, the same for
/// everyone, and those whose credentials are minted per member.
#[derive(Debug, Clone, Default)]
pub struct IceServers {
    pub fixed: Vec<IceServer>,
    pub minted: Option<TurnRest>,
}

impl IceServers {
    /// What a member's `welcome` carries: the fixed servers, then the minted
    /// ones with credentials for `user` (its peer id: unique per connection,
    /// and it tells the TURN server's logs nothing about who the person is).
    pub fn for_member(&self, user: &str, now_secs: u64) -> Vec<IceServer> {
        let mut servers = self.fixed.clone();
        servers.extend(
            self.minted
                .as_ref()
                .map(|rest| rest.for_user(user, now_secs)),
        );
        servers
    }

    /// The keeper's servers: the fixed ones only. The keeper is the server,
    /// reachable on its own address; a member that relays through TURN
    /// reaches it from its relay address, so the keeper needs no allocation
    /// of its own (and a keeper outliving a minted credential would lose it).
    pub fn for_keeper(&self) -> &[IceServer] {
        &self.fixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected value is openssl's, computed independently:
    /// `printf %s 1700000000:alice | openssl dgst -sha1 -hmac secret -binary | base64`.
    #[test]
    fn credential_is_base64_hmac_sha1_of_the_username() {
        assert_eq!(rest_username(1_700_000_000, "alice"), "1700000000:alice");
        assert_eq!(
            rest_credential("secret", "1700000000:alice"),
            "d8soP47RbdIKLDUOpnJPVQyq5Ts="
        );
    }

    #[test]
    fn members_get_their_own_credentials_expiring_after_the_ttl() {
        let servers = IceServers {
            fixed: vec![IceServer {
                urls: vec!["stun:stun.example.com:3478".into()],
                ..IceServer::default()
            }],
            minted: Some(TurnRest::new(
                "s3cret".into(),
                Duration::from_secs(600),
                vec!["turn:turn.example.com:3478".into()],
            )),
        };
        let ada = servers.for_member("p-ada", 1000);
        assert_eq!(ada.len(), 2);
        assert_eq!(ada[1].urls, ["turn:turn.example.com:3478"]);
        assert_eq!(ada[1].username.as_deref(), Some("1600:p-ada"));
        assert_eq!(
            ada[1].credential.as_deref(),
            Some(rest_credential("s3cret", "1600:p-ada").as_str())
        );
        let bea = servers.for_member("p-bea", 1000);
        assert_ne!(ada[1].credential, bea[1].credential);
        assert_eq!(servers.for_keeper().len(), 1);
        assert!(!format!("{servers:?}").contains("s3cret"));
    }
}
