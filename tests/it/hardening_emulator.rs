//! The emulator under hostile input (issue 8): unpredictable tokens bound to
//! their credentials, no overflow on a huge token lifetime, header and body
//! timeouts, a body size limit, a bound on connections (idle ones make room for
//! a newcomer), and the secret kept out
//! of `ps` and of what `proactive-events emulate` prints (cli/tests/emulate_secrets.rs).
//!
//! Plain blocking sockets against an emulator on its own runtime, so that each
//! test sees exactly the bytes on the wire. Timeouts here only guard against a
//! hang; no assertion depends on how fast anything is.

use crate::emulator_support::*;
use alexa_proactive_events::emulator::{EmulatorConfig, Faults, MAX_TOKEN_TTL};
use serde_json::{Value, json};
use std::io::Write;
use std::time::Duration;

// --- 1. Tokens: unpredictable, and valid only where and for whom issued ------

/// What the emulator used to issue first for `--seed 0`: `Atc|` and three
/// `u64` of a `StdRng` seeded with the fault seed.
fn seeded_guess(seed: u64) -> String {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    format!(
        "Atc|{:016x}{:016x}{:016x}",
        rng.random::<u64>(),
        rng.random::<u64>(),
        rng.random::<u64>()
    )
}

#[test]
fn tokens_are_unpredictable_whatever_the_seed() {
    let seeded = || EmulatorConfig {
        faults: Faults {
            seed: 0,
            ..Faults::default()
        },
        ..config()
    };
    let a = start(seeded());
    let b = start(seeded());
    let token_a = token(a.addr(), ID, SECRET);
    let token_b = token(b.addr(), ID, SECRET);
    assert_ne!(token_a, token_b, "two emulators with one seed, one token");
    for t in [&token_a, &token_b] {
        let hex = t.strip_prefix("Atc|").expect("Amazon's prefix");
        assert_eq!(hex.len(), 64, "32 random bytes: {t}");
        assert!(hex.bytes().all(|c| c.is_ascii_hexdigit()), "{t}");
    }
    // A client that never knew the secret guesses the seeded token: refused.
    let guess = seeded_guess(0);
    assert_ne!(token_a, guess);
    let answer = send_event(a.addr(), &guess, &event("guess1"));
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(answer.json()["code"], 403);
    // A token from another emulator is not valid here.
    assert_eq!(send_event(b.addr(), &token_a, &event("other1")).status, 403);
    // Each works where it was issued.
    assert_eq!(send_event(a.addr(), &token_a, &event("mine1")).status, 202);
    assert_eq!(send_event(b.addr(), &token_b, &event("mine1")).status, 202);
}

#[test]
fn a_token_works_only_for_the_client_id_it_was_issued_to() {
    let emu = start(config());
    let addr = emu.addr();
    let first = token(addr, ID, SECRET);
    assert_eq!(send_event(addr, &first, &event("cred1")).status, 202);
    // A rotated secret: the old secret is refused, the token still works.
    emu.handle().set_credentials(ID, "rotated-secret");
    assert_eq!(token_answer(addr, ID, SECRET).status, 401);
    assert_eq!(send_event(addr, &first, &event("cred2")).status, 202);
    // Another client id: tokens issued to the old one stop working.
    emu.handle()
        .set_credentials("amzn1.application-oa2-client.other", "other-secret");
    assert_eq!(send_event(addr, &first, &event("cred3")).status, 403);
    let second = token(addr, "amzn1.application-oa2-client.other", "other-secret");
    assert_eq!(send_event(addr, &second, &event("cred4")).status, 202);
}

#[test]
fn token_errors_never_echo_the_secret() {
    let emu = start(config());
    let wrong = "wrong-SENTINEL-secret";
    let answer = token_answer(emu.addr(), ID, wrong);
    assert_eq!(answer.status, 401);
    assert!(!answer.body.contains(wrong) && !answer.head.contains(wrong));
    // A body that is not a form: an OAuth error, not the extractor's own text.
    let answer = exchange(
        emu.addr(),
        &request(
            emu.addr(),
            "/auth/o2/token",
            "application/json",
            None,
            &format!("{{\"client_secret\": \"{wrong}\"}}"),
            true,
        ),
    );
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.json()["error"], "invalid_request");
    assert!(!answer.body.contains(wrong));
}

// --- 3. Huge durations: a token lifetime, timeouts ---------------------------

#[test]
fn huge_durations_are_clamped_instead_of_overflowing() {
    let emu = start(EmulatorConfig {
        token_ttl: Duration::MAX,
        header_read_timeout: Duration::MAX,
        body_read_timeout: Duration::MAX,
        faults: Faults {
            early_expiry_rate: 1.0,
            early_expiry: Duration::MAX,
            ..Faults::default()
        },
        ..config()
    });
    let answer = token_answer(emu.addr(), ID, SECRET);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["expires_in"], MAX_TOKEN_TTL.as_secs());
    let t = answer.json()["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(send_event(emu.addr(), &t, &event("ttl1")).status, 202);
}

// --- 4. Timeouts and the connection bound -------------------------------------

#[test]
fn a_half_sent_header_is_cut_off_after_the_header_timeout() {
    let emu = start(EmulatorConfig {
        header_read_timeout: Duration::from_millis(200),
        ..config()
    });
    let mut stream = connect(emu.addr());
    stream
        .write_all(format!("POST /auth/o2/token HTTP/1.1\r\nHost: {}\r\n", emu.addr()).as_bytes())
        .expect("half a header sent");
    assert!(
        closed_by_server(&mut stream),
        "the connection stayed open past the header timeout"
    );
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let emu = start(EmulatorConfig {
        header_read_timeout: Duration::from_millis(200),
        ..config()
    });
    let mut stream = connect(emu.addr());
    stream
        .write_all(token_request(emu.addr(), ID, SECRET, false).as_bytes())
        .expect("sent");
    assert_eq!(read_answer(&mut stream).status, 200);
    // Kept alive, then idle: closed by the server.
    assert!(closed_by_server(&mut stream));
}

#[test]
fn a_trickled_body_gets_408_after_the_body_timeout() {
    let emu = start(EmulatorConfig {
        body_read_timeout: Duration::from_millis(200),
        ..config()
    });
    let mut stream = connect(emu.addr());
    stream
        .write_all(
            format!(
                "POST /v1/proactiveEvents HTTP/1.1\r\nHost: {}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"a\"",
                emu.addr()
            )
            .as_bytes(),
        )
        .expect("headers and a little body sent");
    let answer = read_answer(&mut stream);
    assert_eq!(answer.status, 408, "{answer:?}");
    assert_eq!(answer.json()["code"], 408);
    assert!(closed_by_server(&mut stream));
}

#[test]
fn at_the_connection_bound_the_oldest_idle_connection_makes_room() {
    let emu = start(EmulatorConfig {
        max_connections: 2,
        // Long: only an eviction can make room in time.
        header_read_timeout: HANG_GUARD,
        ..config()
    });
    let addr = emu.addr();
    let mut idle_1 = connect(addr);
    let mut idle_2 = connect(addr);
    // Both slots are held by connections that sent nothing: the newcomer is
    // served at once, in the slot of the one idle the longest.
    let mut third = connect(addr);
    third
        .write_all(token_request(addr, ID, SECRET, false).as_bytes())
        .expect("sent");
    assert_eq!(read_answer(&mut third).status, 200);
    assert!(closed_by_server(&mut idle_1), "the oldest idle connection");
    // The other kept its slot, and `third` is idle between requests now.
    idle_2
        .write_all(token_request(addr, ID, SECRET, false).as_bytes())
        .expect("sent");
    assert_eq!(read_answer(&mut idle_2).status, 200);
    // `third` has been idle longer than `idle_2`: its slot goes next.
    assert_eq!(token_answer(addr, ID, SECRET).status, 200);
    assert!(
        closed_by_server(&mut third),
        "idle between keep-alive requests"
    );
}

// --- 5. Body size ------------------------------------------------------------

#[test]
fn an_oversized_body_gets_413_unread() {
    let emu = start(EmulatorConfig {
        max_body_bytes: 1000,
        ..config()
    });
    let addr = emu.addr();
    let t = token(addr, ID, SECRET);
    // Declared too large: answered before any of it is sent.
    let mut stream = connect(addr);
    stream
        .write_all(
            format!(
                "POST {DEV} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {t}\r\n\
                 Content-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n"
            )
            .as_bytes(),
        )
        .expect("sent");
    let answer = read_answer(&mut stream);
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.json()["code"], 413);
    // Chunked, so only reading tells: refused once past the limit.
    let mut stream = connect(addr);
    let chunk = format!("[{}]", vec!["\"x\""; 600].join(","));
    stream
        .write_all(
            format!(
                "POST {DEV} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {t}\r\n\
                 Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
                 {:x}\r\n{chunk}\r\n0\r\n\r\n",
                chunk.len()
            )
            .as_bytes(),
        )
        .expect("sent");
    assert_eq!(read_answer(&mut stream).status, 413);
    // The token endpoint too, with an OAuth error.
    let big = format!("{}&pad={}", token_form(ID, SECRET), "x".repeat(2000));
    let answer = exchange(
        addr,
        &request(
            addr,
            "/auth/o2/token",
            "application/x-www-form-urlencoded",
            None,
            &big,
            true,
        ),
    );
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json()["error"], "invalid_request");
    // Within the limit, everything still works.
    assert_eq!(send_event(addr, &t, &event("small1")).status, 202);
}

#[test]
fn a_400_lists_a_bounded_number_of_violations() {
    let emu = start(config());
    let t = token(emu.addr(), ID, SECRET);
    let mut body: Value = serde_json::from_str(&event("many1")).expect("json");
    for i in 0..500 {
        body[format!("unknown{i}")] = json!(i);
    }
    let answer = send_event(emu.addr(), &t, &body.to_string());
    assert_eq!(answer.status, 400);
    let message = answer.json()["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(message.contains("ENV-UNKNOWN-FIELD"), "{message}");
    assert!(message.ends_with("and 480 more"), "{message}");
}

// --- DNS rebinding: only the emulator's own Host and Origin (issue 21) -------

/// A GET with these header lines, on its own connection.
fn get(addr: std::net::SocketAddr, target: &str, headers: &str) -> Answer {
    exchange(
        addr,
        &format!("GET {target} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n"),
    )
}

/// The emulator used to answer any `Host`: a web page whose own host name was
/// re-resolved to 127.0.0.1 (DNS rebinding) could read `/emulator/events` and
/// take tokens with the default credentials. Now another `Host` (or none, or
/// two, or another authority in the request target) gets 421 and another
/// `Origin` 403, before anything is read or counted.
#[test]
fn only_its_own_loopback_host_and_origin_are_answered() {
    let emu = start(config());
    let addr = emu.addr();
    let port = addr.port();
    let t = token(addr, ID, SECRET);
    assert_eq!(send_event(addr, &t, &event("rebind1")).status, 202);
    let before = emu.handle().stats();

    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let answer = get(addr, "/emulator/events", &format!("Host: {host}\r\n"));
        assert_eq!(answer.status, 200, "{host}: {answer:?}");
        assert!(answer.body.contains("rebind1"), "{host}");
    }
    let misdirected = [
        format!("Host: attacker.example:{port}\r\n"),
        format!("Host: localhost.attacker.example:{port}\r\n"),
        format!("Host: 127.0.0.1:{}\r\n", port.wrapping_add(1)),
        "Host: 127.0.0.1\r\n".to_owned(),
        "Host: localhost\r\n".to_owned(),
        format!("Host: 0.0.0.0:{port}\r\n"),
        String::new(),
        format!("Host: 127.0.0.1:{port}\r\nHost: attacker.example:{port}\r\n"),
    ];
    for headers in &misdirected {
        for target in ["/emulator/events", "/emulator/feed", "/", "/emulator/stats"] {
            let answer = get(addr, target, headers);
            assert_eq!(answer.status, 421, "{headers:?} {target}: {answer:?}");
            assert_eq!(answer.json()["code"], 421);
            assert!(!answer.body.contains("rebind1"), "{answer:?}");
        }
        // No token for a page elsewhere, even with the right credentials.
        let form = token_form(ID, SECRET);
        let answer = exchange(
            addr,
            &format!(
                "POST /auth/o2/token HTTP/1.1\r\n{headers}Connection: close\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {}\r\n\r\n{form}",
                form.len()
            ),
        );
        assert_eq!(answer.status, 421, "{headers:?}: {answer:?}");
        assert!(!answer.body.contains("access_token"));
    }
    // A request target naming another authority (absolute form) is misdirected too.
    let answer = get(
        addr,
        &format!("http://attacker.example:{port}/emulator/events"),
        &format!("Host: 127.0.0.1:{port}\r\n"),
    );
    assert_eq!(answer.status, 421, "{answer:?}");

    // Origin: the emulator's own pages only.
    let host = format!("Host: 127.0.0.1:{port}\r\n");
    for origin in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
        format!("http://[::1]:{port}"),
    ] {
        let answer = get(
            addr,
            "/emulator/feed",
            &format!("{host}Origin: {origin}\r\n"),
        );
        assert_eq!(answer.status, 200, "{origin}: {answer:?}");
    }
    for origin in [
        "http://attacker.example".to_owned(),
        format!("http://attacker.example:{port}"),
        format!("https://127.0.0.1:{port}"),
        "null".to_owned(),
    ] {
        let answer = get(
            addr,
            "/emulator/events",
            &format!("{host}Origin: {origin}\r\n"),
        );
        assert_eq!(answer.status, 403, "{origin}: {answer:?}");
        assert!(!answer.body.contains("rebind1"));
        let answer = exchange(
            addr,
            &request(
                addr,
                DEV,
                "application/json",
                Some(&t),
                &event("rebind2"),
                true,
            )
            .replacen("\r\n", &format!("\r\nOrigin: {origin}\r\n"), 1),
        );
        assert_eq!(answer.status, 403, "{origin}: {answer:?}");
    }
    // Refused before anything was read or counted.
    assert_eq!(emu.handle().stats(), before);
    assert_eq!(emu.handle().events().len(), 1);
}

// `proactive-events emulate` (the secret off the command line) is tested in
// the CLI crate: cli/tests/emulate_secrets.rs.
