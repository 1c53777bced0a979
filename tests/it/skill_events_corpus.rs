//! The signed corpus for the cross-check against Amazon's own verifier
//! (tests/skill-events-crosscheck/). Every case carries Amazon-form certificate
//! URLs (`https://s3.amazonaws.com/echo.api/…`), so both verifiers apply Amazon's
//! URL rule to the header; only the download is redirected to a loopback server
//! (ours: `rewrite_download_for_tests`, theirs: a patched `urlopen`), and both
//! trust the test root only.
//!
//! This test checks our verdicts against the expected ones; with
//! `SKILL_EVENTS_CORPUS_DIR=DIR` it also writes the corpus there:
//! `corpus.json` (the time, the skill id, the cases with their headers, body
//! file, expected verdict and ours), `root.pem`, `bodies/*.json` and
//! `chains/echo.api/*.pem`.

use crate::skill_events::AMAZON_URL_EXAMPLES;
use crate::skill_events_support::*;
use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::skill_events::{HEADER_CERT_URL, HEADER_SIGNATURE, Verifier};
use serde_json::json;

const AMAZON: &str = "https://s3.amazonaws.com/echo.api/";

struct Case {
    name: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    accept: bool,
}

fn case(name: &str, chain_url: &str, body: Vec<u8>, key: &str, accept: bool) -> Case {
    Case {
        name: name.to_owned(),
        headers: headers(chain_url, &sign(&body, key)),
        body,
        accept,
    }
}

fn corpus(now: Timestamp) -> Vec<Case> {
    let sub =
        |events: &[&str], at: Timestamp, id: &str| subscription_body(SKILL, USER, events, at, id);
    let good = format!("{AMAZON}good.pem");
    let mut cases = vec![
        case(
            "valid notice",
            &good,
            sub(&[EVENT], now, "c1"),
            SIGNING_KEY_1,
            true,
        ),
        case(
            "valid unsubscribe-all",
            &good,
            sub(&[], now, "c2"),
            SIGNING_KEY_1,
            true,
        ),
        case(
            "valid SkillDisabled",
            &good,
            lifecycle_body("SkillDisabled", SKILL, USER, now, "c3"),
            SIGNING_KEY_1,
            true,
        ),
        case(
            "valid SkillEnabled",
            &good,
            lifecycle_body("SkillEnabled", SKILL, USER, now, "c4"),
            SIGNING_KEY_1,
            true,
        ),
        case(
            "notice 149 s old",
            &good,
            sub(&[EVENT], ago(now, 149), "c5"),
            SIGNING_KEY_1,
            true,
        ),
        case(
            "notice 149 s ahead",
            &good,
            sub(&[EVENT], ago(now, -149), "c6"),
            SIGNING_KEY_1,
            true,
        ),
        case(
            "SkillDisabled 600 s old (lifecycle: one hour)",
            &good,
            lifecycle_body("SkillDisabled", SKILL, USER, ago(now, 600), "c7"),
            SIGNING_KEY_1,
            true,
        ),
        case(
            "another key",
            &good,
            sub(&[], now, "f1"),
            SIGNING_KEY_2,
            false,
        ),
        case(
            "expired certificate",
            &format!("{AMAZON}expired.pem"),
            sub(&[], now, "f2"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "certificate without the SAN",
            &format!("{AMAZON}other-san.pem"),
            sub(&[], now, "f3"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "certificate with no SAN extension",
            &format!("{AMAZON}no-san.pem"),
            sub(&[], now, "f3b"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "wildcard SAN *.amazon.com alone",
            &format!("{AMAZON}wildcard-san.pem"),
            sub(&[], now, "f3c"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "SAN ECHO-API.AMAZON.COM (another case)",
            &format!("{AMAZON}upper-case-san.pem"),
            sub(&[], now, "f3d"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "SANs *.amazon.com and echo-api.amazon.com",
            &format!("{AMAZON}wildcard-and-exact-san.pem"),
            sub(&[EVENT], now, "c8"),
            SIGNING_KEY_1,
            true,
        ),
        case(
            "chain not reaching the root",
            &format!("{AMAZON}untrusted.pem"),
            sub(&[], now, "f4"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "notice 151 s old",
            &good,
            sub(&[], ago(now, 151), "f5"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "notice 151 s ahead",
            &good,
            sub(&[], ago(now, -151), "f6"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "SkillDisabled 3601 s old",
            &good,
            lifecycle_body("SkillDisabled", SKILL, USER, ago(now, 3601), "f7"),
            SIGNING_KEY_1,
            false,
        ),
        case(
            "wrong skill id",
            &good,
            subscription_body(OTHER_SKILL, USER, &[], now, "f8"),
            SIGNING_KEY_1,
            false,
        ),
    ];
    let mut tampered = case(
        "tampered body",
        &good,
        sub(&[EVENT], now, "f9"),
        SIGNING_KEY_1,
        false,
    );
    tampered.body = sub(&[], now, "f9");
    cases.push(tampered);
    let body = sub(&[], now, "f10");
    cases.push(Case {
        name: "missing Signature-256".to_owned(),
        headers: vec![(HEADER_CERT_URL.to_owned(), good.clone())],
        body: body.clone(),
        accept: false,
    });
    cases.push(Case {
        name: "missing SignatureCertChainUrl".to_owned(),
        headers: vec![(HEADER_SIGNATURE.to_owned(), sign(&body, SIGNING_KEY_1))],
        body,
        accept: false,
    });
    for (i, (url, valid)) in AMAZON_URL_EXAMPLES.iter().enumerate() {
        cases.push(case(
            &format!("URL example {url}"),
            url,
            sub(&[EVENT], now, &format!("u{i}")),
            SIGNING_KEY_1,
            *valid,
        ));
    }
    cases
}

#[tokio::test]
async fn corpus_verdicts_and_writer() {
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let options = alexa_proactive_events::skill_events::VerifierOptions::new([SKILL])
        .trust_roots_for_tests(pki.root_pem.as_bytes())
        .expect("root")
        .rewrite_download_for_tests("https://s3.amazonaws.com/", format!("{}/", server.base()));
    let verifier = Verifier::new(options).expect("verifier");
    // Whole seconds: Python's clock is frozen at this instant from its text.
    let now = Timestamp::from_second(Timestamp::now().as_second()).expect("time");
    let cases = corpus(now);
    let mut listed = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let got = verifier.verify(c.headers.as_slice(), &c.body, now).await;
        assert_eq!(got.is_ok(), c.accept, "{}: {got:?}", c.name);
        listed.push(json!({
            "name": c.name,
            "headers": c.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "body": format!("bodies/{i:02}.json"),
            "expected": if c.accept { "accept" } else { "refuse" },
            "ours": if got.is_ok() { "accept" } else { "refuse" },
            "our_rule": got.err().map(|e| e.rule().as_str()),
        }));
    }
    if let Some(dir) = std::env::var_os("SKILL_EVENTS_CORPUS_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(dir.join("bodies")).expect("mkdir");
        std::fs::create_dir_all(dir.join("chains/echo.api")).expect("mkdir");
        for (i, c) in cases.iter().enumerate() {
            std::fs::write(dir.join(format!("bodies/{i:02}.json")), &c.body).expect("write");
        }
        for (name, pem) in &pki.chains {
            std::fs::write(dir.join("chains/echo.api").join(name), pem).expect("write");
        }
        std::fs::write(dir.join("root.pem"), &pki.root_pem).expect("write");
        let index = json!({"now": now.to_string(), "skill_id": SKILL, "cases": listed});
        std::fs::write(
            dir.join("corpus.json"),
            serde_json::to_vec_pretty(&index).expect("JSON"),
        )
        .expect("write");
    }
    server.stop().await;
}
