// Test configuration only: `ALEXA_PE_TEST_POSTGRES=skip` sets the cfg
// `skip_postgres_tests`, which marks the PostgreSQL tests `#[ignore]`: cargo's summary
// then counts them as ignored, where a skip inside a test would count as passed.
// The root package's tests use it too (its Cargo.toml points here). It ships with the
// crate, where it does nothing else: cargo warns when a package leaves its build script out.

fn main() {
    const VAR: &str = "ALEXA_PE_TEST_POSTGRES";
    println!("cargo::rerun-if-env-changed={VAR}");
    println!("cargo::rustc-check-cfg=cfg(skip_postgres_tests)");
    match std::env::var(VAR).as_deref() {
        Ok("skip") => println!("cargo::rustc-cfg=skip_postgres_tests"),
        Ok("") | Err(_) => {}
        Ok(other) => println!("cargo::warning={VAR}={other:?} is not understood: only `skip` is"),
    }
}
