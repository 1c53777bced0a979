//! rustls's crypto provider on ring, the one place this crate names it.
//!
//! rustls 0.23.48 deprecates `rustls::crypto::ring::default_provider` because ring
//! has no post-quantum key exchange (aws-lc-rs has). This crate stays on ring (no
//! aws-lc C build; `rustls-webpki` and `rcgen` use ring too), so the deprecation is
//! allowed here and nowhere else. An application that wants post-quantum key
//! exchange for its outgoing connections installs its own provider first
//! ([`install_unless_installed`] then leaves it alone).

use rustls::crypto::CryptoProvider;

/// rustls's provider on ring.
// Deprecated since rustls 0.23.48 (see the module's comment); allowed, not expected,
// so that older 0.23 releases, which lack the deprecation, build warning-free too.
#[allow(deprecated)]
pub(crate) fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// Makes ring the process's provider unless the application installed one:
/// reqwest is built here without a provider of its own.
#[cfg(any(feature = "client", feature = "skill-events"))]
pub(crate) fn install_unless_installed() {
    if CryptoProvider::get_default().is_none() {
        // Err only when another thread installed one meanwhile: fine.
        let _ = provider().install_default();
    }
}
