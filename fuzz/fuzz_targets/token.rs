//! Tokens as the server checks them (`Auth::authorize`): arbitrary strings,
//! and tokens signed with the server's secret around header and claims bytes
//! of the fuzzer's making, which reach the claim checks behind the signature.

#![no_main]

use inkmesh_server::auth::now_secs;
use libfuzzer_sys::fuzz_target;

/// The room every token is checked against.
const ROOM: &str = "fuzz-room";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let token = if mode & 1 == 0 {
        // What a stranger sends: any text.
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        text.to_owned()
    } else {
        // What a holder of the secret (or a bug in a SaaS backend) signs:
        // header and claims split at the first newline.
        let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let (header, claims) = rest.split_at(split);
        inkmesh_fuzz::sign(header, claims.get(1..).unwrap_or_default())
    };
    if let Ok(claims) = inkmesh_fuzz::auth().authorize(Some(&token), ROOM) {
        assert_eq!(claims.room, ROOM);
        // The server allows 5 s of clock skew on expiry; give the run a minute.
        assert!(
            claims.exp + 60 >= now_secs(),
            "expired token accepted: {claims:?}"
        );
    }
});
