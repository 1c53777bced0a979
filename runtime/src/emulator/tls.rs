//! HTTPS for the emulator (`EmulatorConfig::tls`): a certificate authority and a
//! server certificate for `127.0.0.1`, `::1` and `localhost`, generated at start
//! with rcgen (ECDSA P-256) and served with rustls on ring. Nothing is read from
//! or written to disk here; the caller may write [`Tls::ca_pem`] for clients to
//! trust.
//!
//! Why a CA and a leaf rather than one self-signed certificate: strict
//! verifiers (Python 3.13's default `VERIFY_X509_STRICT`, webpki) want a trust
//! anchor marked as a CA and a server certificate that is not one. The CA is
//! constrained to sign end-entity certificates only (path length 0), and its key
//! is dropped once the server certificate is signed: nothing else can ever be
//! signed by it.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// How long the generated certificates are valid, counted from yesterday (a
/// client whose clock is a little behind still accepts them).
const VALID_DAYS: i64 = 90;

/// A generated certificate authority and the server configuration that uses it.
#[derive(Clone)]
pub(crate) struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    /// The CA certificate, PEM: what a client trusts.
    pub(crate) ca_pem: String,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

fn tls_error(what: &str, e: impl fmt::Display) -> io::Error {
    io::Error::other(format!("cannot set up TLS: {what}: {e}"))
}

/// A fresh CA, a server certificate signed by it, and a rustls acceptor that
/// presents both (HTTP/1.1 by ALPN).
pub(crate) fn generate() -> io::Result<Tls> {
    let (from, to) = validity();
    let ymd = |d: jiff::civil::Date| {
        // jiff's months and days are 1..=12 and 1..=31.
        rcgen::date_time_ymd(
            i32::from(d.year()),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )
    };
    let (not_before, not_after) = (ymd(from), ymd(to));

    let ca_key = KeyPair::generate().map_err(|e| tls_error("CA key", e))?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name.push(
        DnType::CommonName,
        "proactive-events emulator CA (generated at start)",
    );
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_cert = ca
        .self_signed(&ca_key)
        .map_err(|e| tls_error("CA certificate", e))?;
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().map_err(|e| tls_error("server key", e))?;
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name = DistinguishedName::new();
    leaf.distinguished_name
        .push(DnType::CommonName, "proactive-events emulator");
    leaf.subject_alt_names = vec![
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        SanType::DnsName(
            "localhost"
                .try_into()
                .map_err(|e| tls_error("server name", e))?,
        ),
    ];
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let leaf_cert = leaf
        .signed_by(&key, &issuer)
        .map_err(|e| tls_error("server certificate", e))?;

    let chain = vec![
        CertificateDer::from(leaf_cert.der().to_vec()),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(crate::ring_provider::provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| tls_error("server certificate", e))?;
    // The server speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem: ca_cert.pem(),
    })
}

/// From yesterday to [`VALID_DAYS`] later (UTC dates).
fn validity() -> (jiff::civil::Date, jiff::civil::Date) {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let from = today.yesterday().unwrap_or(today);
    let to = today
        .checked_add(jiff::Span::new().days(VALID_DAYS))
        .unwrap_or(today);
    (from, to)
}
