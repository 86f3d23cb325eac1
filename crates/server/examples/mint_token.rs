//! Mints a room token the way a SaaS backend would: HS256 with the same secret
//! the server was started with (`--auth-secret` / `INKMESH_AUTH_SECRET`).
//!
//! ```sh
//! INKMESH_AUTH_SECRET=... cargo run -p inkmesh-server --example mint_token -- \
//!     ROOM USER_ID "Display Name" [editor|viewer] [valid-seconds]
//! ```
//!
//! Any JWT library does the same: header `{"alg":"HS256","typ":"JWT"}`, claims
//! `{"room", "sub", "name", "role", "exp"}`.

use std::process::ExitCode;

use inkmesh_server::auth::now_secs;
use inkmesh_server::{Auth, Claims};
use inkmesh_transport::Role;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Ok(secret) = std::env::var("INKMESH_AUTH_SECRET") else {
        eprintln!("set INKMESH_AUTH_SECRET to the server's --auth-secret");
        return ExitCode::from(2);
    };
    let [room, sub, name, rest @ ..] = args.as_slice() else {
        eprintln!("usage: mint_token ROOM USER_ID NAME [editor|viewer] [valid-seconds]");
        return ExitCode::from(2);
    };
    let role = match rest.first().map(String::as_str) {
        None | Some("editor") => Role::Editor,
        Some("viewer") => Role::Viewer,
        Some(other) => {
            eprintln!("role must be editor or viewer, not {other:?}");
            return ExitCode::from(2);
        }
    };
    let valid: u64 = match rest.get(1).map(|s| s.parse()) {
        None => 3600,
        Some(Ok(secs)) => secs,
        Some(Err(_)) => {
            eprintln!("valid-seconds must be a whole number");
            return ExitCode::from(2);
        }
    };
    let claims = Claims {
        room: room.clone(),
        sub: sub.clone(),
        name: name.clone(),
        role,
        exp: now_secs() + valid,
    };
    println!("{}", Auth::new(Some(&secret)).mint(&claims));
    ExitCode::SUCCESS
}
