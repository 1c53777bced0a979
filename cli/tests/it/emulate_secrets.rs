//! `proactive-events emulate` under hostile input (issue 8): the secret kept out
//! of `ps` and of what the command prints, and a bounded token lifetime. Uses the
//! raw-socket helpers of the root package's tests (`tests/it/emulator_support`).

// The imports serve the shared helpers' signatures; not all are used below.
#![allow(unused_imports)]

use crate::emulator_support::*;
use alexa_proactive_events::emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, Faults, MAX_TOKEN_TTL,
};
use serde_json::{Value, json};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

mod cli {
    use super::*;
    use alexa_proactive_events::emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    const BIN: &str = env!("CARGO_BIN_EXE_proactive-events");

    /// A running `proactive-events emulate`, killed on drop.
    struct Emulate {
        child: Child,
        addr: SocketAddr,
        banner: String,
    }

    impl Drop for Emulate {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn command(args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("emulate")
            .args(args)
            .env_remove("ALEXA_CLIENT_ID")
            .env_remove("ALEXA_CLIENT_SECRET");
        cmd
    }

    /// Starts `cmd` and reads its three banner lines.
    fn emulate(mut cmd: Command) -> Emulate {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("emulate starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut banner = String::new();
        for _ in 0..3 {
            stdout.read_line(&mut banner).expect("a banner line");
        }
        let url = banner
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("listening on http://"))
            .unwrap_or_else(|| panic!("banner: {banner:?}"));
        let addr = url.parse().expect("an address");
        Emulate {
            child,
            addr,
            banner,
        }
    }

    /// Exit code and stderr of a command that should stop by itself.
    fn finished(mut cmd: Command) -> (Option<i32>, String) {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        let start = std::time::Instant::now();
        while child.try_wait().expect("status").is_none() {
            if start.elapsed() > HANG_GUARD {
                let _ = child.kill();
                panic!("still running: it should have refused its arguments");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn emulate_takes_the_secret_from_the_environment_and_never_prints_it() {
        let mut cmd = command(&["--client-id", ID]);
        cmd.env("ALEXA_CLIENT_SECRET", SECRET);
        let emu = emulate(cmd);
        assert!(!emu.banner.contains(SECRET), "{}", emu.banner);
        assert!(emu.banner.contains(ID), "{}", emu.banner);
        assert!(
            emu.banner.contains("ALEXA_CLIENT_SECRET (not shown)"),
            "{}",
            emu.banner
        );
        token(emu.addr, ID, SECRET);
        assert_eq!(token_answer(emu.addr, ID, "emulator-secret").status, 401);
    }

    #[test]
    fn emulate_takes_the_secret_from_a_file_before_the_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("secret.txt");
        std::fs::write(&file, format!("{SECRET}\n")).expect("written");
        let mut cmd = command(&[
            "--client-id",
            ID,
            "--client-secret-file",
            file.to_str().expect("path"),
        ]);
        cmd.env("ALEXA_CLIENT_SECRET", "from-the-environment");
        let emu = emulate(cmd);
        assert!(!emu.banner.contains(SECRET), "{}", emu.banner);
        token(emu.addr, ID, SECRET);
        assert_eq!(
            token_answer(emu.addr, ID, "from-the-environment").status,
            401
        );
    }

    #[test]
    fn emulate_refuses_a_bad_secret_file_without_showing_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("secret.txt");
        std::fs::write(&file, format!("{SECRET}\n").repeat(400)).expect("written");
        let (code, stderr) = finished(command(&[
            "--client-id",
            ID,
            "--client-secret-file",
            file.to_str().expect("path"),
        ]));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("4096 bytes"), "{stderr}");
        assert!(!stderr.contains(SECRET), "{stderr}");
        // Without any secret, --client-id says where to put it.
        let (code, stderr) = finished(command(&["--client-id", ID]));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("ALEXA_CLIENT_SECRET") && stderr.contains("--client-secret-file"),
            "{stderr}"
        );
    }

    #[test]
    fn emulate_does_not_print_a_secret_given_on_the_command_line() {
        let emu = emulate(command(&["--client-id", ID, "--client-secret", SECRET]));
        assert!(!emu.banner.contains(SECRET), "{}", emu.banner);
        token(emu.addr, ID, SECRET);
    }

    #[test]
    fn emulate_help_warns_that_client_secret_shows_in_ps() {
        let out = Command::new(BIN)
            .args(["emulate", "--help"])
            .output()
            .expect("runs");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("ALEXA_CLIENT_SECRET"), "{help}");
        assert!(help.contains("--client-secret-file"), "{help}");
        assert!(help.contains("`ps`"), "{help}");
    }

    #[test]
    fn emulate_refuses_a_token_ttl_beyond_the_maximum() {
        let (code, stderr) = finished(command(&["--token-ttl", "18446744073709551615"]));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("--token-ttl") && stderr.contains("31536000"),
            "{stderr}"
        );
    }

    #[test]
    fn emulate_defaults_still_print_the_default_credentials() {
        let emu = emulate(command(&[]));
        assert!(
            emu.banner.contains(DEFAULT_CLIENT_ID) && emu.banner.contains(DEFAULT_CLIENT_SECRET),
            "{}",
            emu.banner
        );
        token(emu.addr, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    }
}
