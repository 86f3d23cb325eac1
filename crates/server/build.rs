//! Builds the browser client (`web/`, TypeScript bundled by esbuild) into
//! `web/dist`, so that `cargo run -p inkmesh-server` alone gives a working
//! board from a clean clone. It needs Node.js and npm beside Rust; without npm
//! the server still builds and `/` explains how to build the client.
//!
//! Set `INKMESH_SKIP_WEB_BUILD=1` to skip it (a prebuilt `--web-dir`, or a
//! container that builds the client in its own stage).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=INKMESH_SKIP_WEB_BUILD");
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
    for input in [
        "src",
        "index.html",
        "build.mjs",
        "package.json",
        "package-lock.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    if std::env::var_os("INKMESH_SKIP_WEB_BUILD").is_some() || !web.join("package.json").is_file() {
        return;
    }
    if Command::new("npm").arg("--version").output().is_err() {
        println!(
            "cargo:warning=npm not found: the web client is not built (install Node.js 20+ with npm)"
        );
        return;
    }
    if needs_install(&web) {
        npm(&web, &["ci", "--no-audit", "--no-fund"]);
    }
    npm(&web, &["run", "build"]);
}

/// `npm ci` when node_modules is missing or older than the lock file.
fn needs_install(web: &Path) -> bool {
    let modified = |p: PathBuf| p.metadata().and_then(|m| m.modified()).ok();
    match (
        modified(web.join("node_modules/.package-lock.json")),
        modified(web.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    }
}

fn npm(web: &Path, args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(web)
        .status()
        .unwrap_or_else(|e| panic!("running npm {args:?} in {}: {e}", web.display()));
    assert!(
        status.success(),
        "npm {} failed in {} ({status}); fix the web client or set INKMESH_SKIP_WEB_BUILD=1",
        args.join(" "),
        web.display()
    );
}
