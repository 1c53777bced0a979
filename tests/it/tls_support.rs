//! rustls's ring provider for the tests' own clients and servers: the one place the
//! tests name it (the root package's and the CLI's tests share this file).

#![allow(dead_code)]

/// rustls's provider on ring. Deprecated since rustls 0.23.48 (ring has no
/// post-quantum key exchange); the project stays on ring, as the runtime does
/// (`runtime/src/ring_provider.rs`), so the deprecation is allowed here.
#[allow(deprecated)]
pub fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// Makes ring the process's provider (reqwest is built without one); a second
/// call, or one in another test thread, leaves the first in place.
pub fn install_ring() {
    let _ = ring_provider().install_default();
}
