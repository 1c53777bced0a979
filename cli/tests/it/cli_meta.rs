//! `completions SHELL` and `--version`.

use crate::cli_support;

use cli_support::run;

#[test]
fn completions_bash_prints_a_script_for_the_binary() {
    let r = run(&["completions", "bash"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("proactive-events"), "{}", r.stdout);
    assert!(r.stdout.contains("complete"), "{}", r.stdout);
    // Every command is offered.
    for command in ["validate", "preview", "send", "completions"] {
        assert!(r.stdout.contains(command), "{command} missing");
    }
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn completions_for_an_unknown_shell_is_a_usage_error() {
    let r = run(&["completions", "cmd.exe"], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn version_names_the_crate_version_and_the_schemas() {
    let r = run(&["--version"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let names = alexa_proactive_events::EVENT_NAMES;
    assert!(
        r.stdout.starts_with(&format!(
            "proactive-events {} ({} event schemas: ",
            env!("CARGO_PKG_VERSION"),
            names.len()
        )),
        "{}",
        r.stdout
    );
    for name in names {
        assert!(r.stdout.contains(name), "{name} missing: {}", r.stdout);
    }
}
