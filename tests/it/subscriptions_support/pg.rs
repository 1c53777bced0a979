//! A database of its own on the test server for each PostgreSQL test, dropped when
//! the test ends (passed or not).
//!
//! The server is `ALEXA_PE_TEST_POSTGRES_URL` when set (CI's `.ci/postgres.sh`).
//! Otherwise the first test that needs one starts a throwaway server, one per test
//! process, stopped and removed when the process ends ([`own_server`]). Without
//! PostgreSQL installed the tests fail with one line saying what to install
//! (docs/decisions.md, D19): a suite that passes without running is worse than one
//! that fails. `ALEXA_PE_TEST_POSTGRES=skip` marks them ignored instead: each package
//! with such tests sets the cfg `skip_postgres_tests` from it in its build script, so
//! that cargo's summary counts them as ignored, not passed.

/// The variable naming the test server (a database it may create databases from).
pub const URL_VAR: &str = "ALEXA_PE_TEST_POSTGRES_URL";

/// A database created for one test; dropped (with its connections) on drop.
#[derive(Debug)]
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

/// The test server's URL: [`URL_VAR`], else this process's own server, started on the
/// first call. Panics when neither is to be had (in one line, naming what to install,
/// when PostgreSQL is not).
pub fn server_url() -> String {
    if let Ok(url) = std::env::var(URL_VAR)
        && !url.is_empty()
    {
        return url;
    }
    // Every test of the process waits here for the one start, and shares its outcome.
    static OWN: std::sync::LazyLock<Result<own_server::Server, String>> =
        std::sync::LazyLock::new(own_server::Server::start);
    match &*OWN {
        Ok(server) => server.url.clone(),
        Err(e) => panic!("{e}"),
    }
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
    /// A new, empty database on the test server.
    pub fn create() -> Self {
        let admin = server_url();
        let name = format!("test_{:016x}", random());
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test server ({URL_VAR}): {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("creates a test database");
        let url = with_database(&admin, &name);
        Self { admin, name, url }
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

/// A throwaway PostgreSQL for one test process, as `.ci/postgres.sh` starts one for CI:
/// in a temporary directory, on a free port of 127.0.0.1 only, trusting loopback
/// connections, with `fsync` off, run as `nobody` when the tests run as root
/// (PostgreSQL refuses to run as root).
///
/// Statics are never dropped, and a panicking test does not end the process, so no
/// destructor could stop it. A watchdog does: a shell started first, before the server
/// exists, which waits for end of file on a pipe whose only write end this process
/// holds (in the static) and never writes to. The kernel closes that end when the
/// process ends, however it ends (returning, a panic in `main`, a signal, `SIGKILL`),
/// and the watchdog then stops the server and removes the directory. Pipes from
/// `std::process` are close-on-exec, so no other child holds the write end.
#[cfg(unix)]
mod own_server {
    use std::fs::{File, OpenOptions};
    use std::io::Write as _;
    use std::os::unix::process::CommandExt as _;
    use std::path::{Path, PathBuf};
    use std::process::{ChildStdin, Command, Stdio};
    use std::time::Instant;

    /// `$1` is pg_ctl, `$2` the directory. Ctrl-C reaches the whole process group:
    /// the watchdog ignores it so that it outlives the tests it cleans up after (pg_ctl
    /// puts the server in a session of its own). `-m immediate`: nothing is kept.
    const WATCHDOG: &str = r#"trap '' INT TERM HUP QUIT
while read -r _; do :; done
"$1" -D "$2/data" -m immediate -w stop >/dev/null 2>&1
rm -rf "$2""#;

    #[derive(Debug)]
    pub(super) struct Server {
        pub(super) url: String,
        /// Held, never written: closing it (at exit) tells the watchdog to clean up.
        _watchdog: ChildStdin,
    }

    impl Server {
        pub(super) fn start() -> Result<Self, String> {
            let bin = find_bin().ok_or_else(|| {
                format!(
                    "the PostgreSQL tests need initdb and pg_ctl (in PATH or \
                     /usr/lib/postgresql/*/bin) to start a throwaway server: install them \
                     (`apt-get install postgresql`), or set {} to a server, or skip these \
                     tests with ALEXA_PE_TEST_POSTGRES=skip",
                    super::URL_VAR
                )
            })?;
            let began = Instant::now();
            let owner = owner()?;
            let temp = tempfile::Builder::new()
                .prefix("alexa-pe-test-postgres.")
                .tempdir()
                .map_err(|e| {
                    format!("PostgreSQL tests: cannot create a temporary directory: {e}")
                })?;
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(temp.path(), Some(uid), Some(gid)).map_err(|e| {
                    format!("PostgreSQL tests: chown {}: {e}", temp.path().display())
                })?;
            }
            let watchdog = command(Path::new("sh"), temp.path(), owner)
                .args(["-c", WATCHDOG, "alexa-pe-test-postgres-watchdog"])
                .arg(bin.join("pg_ctl"))
                .arg(temp.path())
                .stdin(Stdio::piped())
                // Not the test's output: cargo's pipe would stay open while it runs.
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("PostgreSQL tests: cannot start the watchdog (sh): {e}"))?
                .stdin
                .ok_or("PostgreSQL tests: the watchdog has no stdin")?;
            // From here on the watchdog removes the directory, also when starting fails
            // below: returning an error drops `watchdog`, which closes the pipe.
            let dir = temp.keep();
            let data = dir.join("data");
            run(
                command(&bin.join("initdb"), &dir, owner)
                    .arg("-D")
                    .arg(&data)
                    .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8"])
                    .args(["--no-locale", "--no-sync"]),
                &dir.join("initdb.log"),
            )?;
            // Loopback only; the unix socket stays in the temporary directory.
            let settings = format!(
                "listen_addresses = '127.0.0.1'\n\
                 unix_socket_directories = '{}'\n\
                 max_connections = 200\n\
                 fsync = off\n\
                 synchronous_commit = off\n\
                 full_page_writes = off\n",
                dir.display()
            );
            OpenOptions::new()
                .append(true)
                .open(data.join("postgresql.conf"))
                .and_then(|mut f| f.write_all(settings.as_bytes()))
                .map_err(|e| format!("PostgreSQL tests: cannot configure the server: {e}"))?;
            // A port free a moment ago may be taken by the time the server binds it.
            let mut last = String::new();
            for _ in 0..5 {
                let port = std::net::TcpListener::bind(("127.0.0.1", 0))
                    .and_then(|l| l.local_addr())
                    .map_err(|e| format!("PostgreSQL tests: no free port on 127.0.0.1: {e}"))?
                    .port();
                let started = run(
                    command(&bin.join("pg_ctl"), &dir, owner)
                        .arg("-D")
                        .arg(&data)
                        .arg("-l")
                        .arg(dir.join("server.log"))
                        .args(["-w", "-t", "60", "-o", &format!("-p {port}"), "start"]),
                    &dir.join("pg_ctl.log"),
                );
                match started {
                    Ok(()) => {
                        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
                        eprintln!(
                            "PostgreSQL tests: started a throwaway server ({}) in {} \
                             at {url} in {:.1} s",
                            bin.display(),
                            dir.display(),
                            began.elapsed().as_secs_f64()
                        );
                        return Ok(Self {
                            url,
                            _watchdog: watchdog,
                        });
                    }
                    Err(e) => {
                        let log =
                            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                        last = format!("{e}\nserver.log:\n{log}");
                    }
                }
            }
            Err(last)
        }
    }

    /// The directory holding initdb and pg_ctl: PATH first, then Debian's layout
    /// (`/usr/lib/postgresql/<major>/bin`, the newest major).
    fn find_bin() -> Option<PathBuf> {
        let both = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
        let path = std::env::var_os("PATH").unwrap_or_default();
        if let Some(dir) = std::env::split_paths(&path).find(|d| both(d)) {
            return Some(dir);
        }
        std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| {
                let e = e.ok()?;
                let major: u32 = e.file_name().to_str()?.parse().ok()?;
                Some((major, e.path().join("bin")))
            })
            .filter(|(_, d)| both(d))
            .max()
            .map(|(_, d)| d)
    }

    /// `nobody`'s user and group when this process runs as root, else `None`.
    fn owner() -> Result<Option<(u32, u32)>, String> {
        let id = |args: &[&str]| -> Result<u32, String> {
            let out = Command::new("id")
                .args(args)
                .output()
                .map_err(|e| format!("PostgreSQL tests: id {}: {e}", args.join(" ")))?;
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .map_err(|_| format!("PostgreSQL tests: id {}: {out:?}", args.join(" ")))
        };
        if id(&["-u"])? != 0 {
            return Ok(None);
        }
        Ok(Some((id(&["-u", "nobody"])?, id(&["-g", "nobody"])?)))
    }

    /// `program`, run in `dir` (the owner may not enter the tests' directory) as `owner`.
    fn command(program: &Path, dir: &Path, owner: Option<(u32, u32)>) -> Command {
        let mut c = Command::new(program);
        c.current_dir(dir).stdin(Stdio::null());
        if let Some((uid, gid)) = owner {
            c.uid(uid).gid(gid);
        }
        c
    }

    /// Runs `c` with its output in `log` (a file, not a pipe: the server that pg_ctl
    /// leaves running would hold a pipe open); an error quotes the log.
    fn run(c: &mut Command, log: &Path) -> Result<(), String> {
        let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = file
            .try_clone()
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let status = c
            .stdout(file)
            .stderr(err)
            .status()
            .map_err(|e| format!("PostgreSQL tests: {:?}: {e}", c.get_program()))?;
        if status.success() {
            return Ok(());
        }
        let text = std::fs::read_to_string(log).unwrap_or_default();
        Err(format!(
            "PostgreSQL tests: {:?} failed ({status}):\n{text}",
            c.get_program()
        ))
    }
}

/// No throwaway server off Unix (it runs as `nobody` under a shell watchdog).
#[cfg(not(unix))]
mod own_server {
    #[derive(Debug)]
    pub(super) struct Server {
        pub(super) url: String,
    }

    impl Server {
        pub(super) fn start() -> Result<Self, String> {
            Err(format!(
                "the PostgreSQL tests start their own server on Unix only: set {} to a \
                 server, or skip these tests with ALEXA_PE_TEST_POSTGRES=skip",
                super::URL_VAR
            ))
        }
    }
}
