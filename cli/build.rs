// Sets `skip_postgres_tests` for this package's tests: the root package's script.
// Not published (`include` in Cargo.toml leaves it out): nothing outside tests uses it.
include!("../tests/support/build.rs");
