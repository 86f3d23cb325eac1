//! Where the boards are stored, as `--store` / `INKMESH_STORE` names it: a
//! SQLite file (the embedded default) or a PostgreSQL URL. Shown only with
//! the password masked, so logs and error messages never carry it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::{PostgresStore, SqliteStore, Store, StoreError};

/// A store to open.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite database file; its directory is created if missing.
    Sqlite(PathBuf),
    /// `postgres://user:password@host:port/database`.
    Postgres(String),
}

impl StoreLocation {
    /// `postgres://...` or `postgresql://...` is PostgreSQL; any other URL
    /// scheme is refused (a typo should not become a file name); anything
    /// else is the path of a SQLite file.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("--store is empty: give a SQLite file or a postgres:// URL".into());
        }
        match text.split_once("://") {
            Some(("postgres" | "postgresql", _)) => Ok(Self::Postgres(text.to_owned())),
            Some((scheme, _)) if !scheme.contains(['/', '\\', '.']) => Err(format!(
                "--store {}: unknown scheme {scheme:?}; give a SQLite file (a path) or a \
                 postgres://user:password@host:port/database URL",
                redact(text)
            )),
            _ => Ok(Self::Sqlite(PathBuf::from(text))),
        }
    }

    /// Opens the store (connecting, creating or migrating as needed). Blocks:
    /// call it from `spawn_blocking`.
    pub fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            Self::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                Arc::new(SqliteStore::open_file(path)?)
            }
            Self::Postgres(url) => Arc::new(PostgresStore::connect(url)?),
        })
    }
}

/// The location with any password replaced by `***`.
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// Same as `Display`: a location is never printed with its password.
impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreLocation({self})")
    }
}

/// `url` with the password of its user info and any `password=` parameter
/// replaced by `***`. The user info ends at the last `@`, so a password with
/// an unescaped `/`, `?` or `@` is masked whole (at worst, more is masked).
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let rest = match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => rest.to_owned(),
        },
        None => rest.to_owned(),
    };
    let rest = match rest.split_once('?') {
        Some((path, query)) => {
            let query: Vec<&str> = query
                .split('&')
                .map(|pair| {
                    let key = pair.split('=').next().unwrap_or_default();
                    if key.eq_ignore_ascii_case("password") {
                        "password=***"
                    } else {
                        pair
                    }
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => rest,
    };
    format!("{scheme}://{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sqlite_and_postgres_urls_postgres() {
        assert_eq!(
            StoreLocation::parse("./data/inkmesh.db").unwrap(),
            StoreLocation::Sqlite("./data/inkmesh.db".into())
        );
        assert_eq!(
            StoreLocation::parse("/var/lib/inkmesh/boards.db").unwrap(),
            StoreLocation::Sqlite("/var/lib/inkmesh/boards.db".into())
        );
        for url in ["postgres://u:p@db:5432/inkmesh", "postgresql://db/inkmesh"] {
            assert_eq!(
                StoreLocation::parse(url).unwrap(),
                StoreLocation::Postgres(url.into())
            );
        }
        let refused = StoreLocation::parse("mysql://root:hunter2@db/x").unwrap_err();
        assert!(refused.contains("unknown scheme"), "{refused}");
        assert!(!refused.contains("hunter2"), "{refused}");
        assert!(StoreLocation::parse(" ").is_err());
    }

    #[test]
    fn a_location_is_shown_without_its_password() {
        let shown = |url: &str| StoreLocation::parse(url).unwrap().to_string();
        assert_eq!(
            shown("postgres://ink:s3cret@db.example:5432/boards"),
            "postgres://ink:***@db.example:5432/boards"
        );
        assert_eq!(
            shown("postgres://ink:pa/ss?w@rd@db/boards"),
            "postgres://ink:***@db/boards"
        );
        assert_eq!(
            shown("postgres://ink@db/boards?sslmode=disable&password=s3cret"),
            "postgres://ink@db/boards?sslmode=disable&password=***"
        );
        assert_eq!(shown("postgres://db/boards"), "postgres://db/boards");
        let debug = format!(
            "{:?}",
            StoreLocation::parse("postgres://a:s3cret@h/d").unwrap()
        );
        assert!(!debug.contains("s3cret"), "{debug}");
    }
}
