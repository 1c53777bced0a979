//! A database of its own on the test server for each PostgreSQL test, dropped when
//! the test ends (passed or not).
//!
//! The server's URL comes from `ALEXA_PE_TEST_POSTGRES_URL` (`bash .ci/postgres.sh
//! start` prints it). Without it the test fails with the command to start one, under
//! CI and locally alike (docs/decisions.md, D on the PostgreSQL ledger): a suite that
//! passes without running is worse than one that fails. `ALEXA_PE_TEST_POSTGRES=skip`
//! skips them knowingly, with a line on stderr.

/// The variable naming the test server (a database it may create databases from).
pub const URL_VAR: &str = "ALEXA_PE_TEST_POSTGRES_URL";

/// A database created for one test; dropped (with its connections) on drop.
#[derive(Debug)]
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

/// The test server's URL; `None` when the tests are skipped knowingly. Panics with
/// how to start a server otherwise.
pub fn server_url() -> Option<String> {
    if let Ok(url) = std::env::var(URL_VAR)
        && !url.is_empty()
    {
        return Some(url);
    }
    let how = format!(
        "{URL_VAR} is not set, and the PostgreSQL ledger tests need a server. Start a \
         throwaway one (installed if absent, stopped by `stop`) with:\n    \
         bash .ci/postgres.sh start && eval \"$(bash .ci/postgres.sh env)\"\nthen run the \
         tests again; `bash .ci/postgres.sh stop` removes it. To skip these tests knowingly, \
         set ALEXA_PE_TEST_POSTGRES=skip."
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("under CI=true: {how}");
    }
    if std::env::var("ALEXA_PE_TEST_POSTGRES").is_ok_and(|v| v == "skip") {
        eprintln!("SKIPPED (ALEXA_PE_TEST_POSTGRES=skip): a PostgreSQL test");
        return None;
    }
    panic!("{how}");
}

/// `url` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").expect("a postgres:// URL");
    let authority = rest.split('/').next().unwrap_or("");
    let mut out = format!("{scheme}://{authority}/{db}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDatabase {
    /// A new, empty database on the test server; `None` when skipped knowingly.
    pub fn create() -> Option<Self> {
        let admin = server_url()?;
        let name = format!("test_{:016x}", random());
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test server ({URL_VAR}): {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("creates a test database");
        let url = with_database(&admin, &name);
        Some(Self { admin, name, url })
    }

    /// The URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A plain connection to this database (for raw SQL in tests).
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connects")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // WITH (FORCE) ends the connections still open (PostgreSQL 13 and later).
        match postgres::Client::connect(&self.admin, postgres::NoTls) {
            Ok(mut c) => {
                if let Err(e) = c.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                )) {
                    eprintln!("could not drop test database {}: {e}", self.name);
                }
            }
            Err(e) => eprintln!("could not drop test database {}: {e}", self.name),
        }
    }
}

/// A random number: the standard library's hash keys are random per process and
/// per `RandomState`.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}
