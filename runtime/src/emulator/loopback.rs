//! Which `Host` and `Origin` the emulator answers: its own loopback names only.
//!
//! A web page can reach a server on 127.0.0.1 by DNS rebinding: its own host
//! name, re-resolved to 127.0.0.1, makes the browser send the page's requests to
//! the emulator with `Host: attacker.example:PORT`, and read the answers as
//! same-origin. Answering only `127.0.0.1:PORT`, `[::1]:PORT` and
//! `localhost:PORT` (the port the emulator listens on) stops that; refusing any
//! other `Origin` stops a page elsewhere from driving the API with a browser's
//! simple requests. Amazon's SDKs and curl send `Host: 127.0.0.1:PORT` for a
//! URL `http(s)://127.0.0.1:PORT` and no `Origin`.

/// The emulator's own authority: its port and scheme.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loopback {
    port: u16,
    tls: bool,
}

impl Loopback {
    pub(crate) fn new(port: u16, tls: bool) -> Self {
        Self { port, tls }
    }

    fn scheme(self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    fn default_port(self) -> u16 {
        if self.tls { 443 } else { 80 }
    }

    /// `value` (a `Host` header, or a request target's authority) names this
    /// emulator: a loopback name with its port (which may be left out only
    /// when it is the scheme's default).
    pub(crate) fn is_own_host(self, value: &[u8]) -> bool {
        let Ok(value) = std::str::from_utf8(value) else {
            return false;
        };
        let (host, port) = if let Some(rest) = value.strip_prefix('[') {
            // An IPv6 literal: `[::1]` or `[::1]:PORT`.
            let Some((inside, after)) = rest.split_once(']') else {
                return false;
            };
            let port = match after {
                "" => None,
                p => match p.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return false,
                },
            };
            if inside != "::1" {
                return false;
            }
            (inside, port)
        } else {
            match value.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (value, None),
            }
        };
        let name_ok =
            host == "::1" || host == "127.0.0.1" || host.eq_ignore_ascii_case("localhost");
        let port_ok = match port {
            None => self.port == self.default_port(),
            Some(p) => {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse() == Ok(self.port)
            }
        };
        name_ok && port_ok
    }

    /// `value` (an `Origin` header) is this emulator's own origin:
    /// `http(s)://` and one of the names [`Loopback::is_own_host`] accepts.
    pub(crate) fn is_own_origin(self, value: &[u8]) -> bool {
        let Ok(value) = std::str::from_utf8(value) else {
            return false;
        };
        value
            .strip_prefix(self.scheme())
            .and_then(|rest| rest.strip_prefix("://"))
            .is_some_and(|authority| self.is_own_host(authority.as_bytes()))
    }

    /// The origins accepted, for messages.
    pub(crate) fn names(self) -> String {
        let port = self.port;
        format!("127.0.0.1:{port}, [::1]:{port} and localhost:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::Loopback;

    #[test]
    fn only_loopback_names_with_the_actual_port() {
        let l = Loopback::new(40123, false);
        for ok in [
            "127.0.0.1:40123",
            "[::1]:40123",
            "localhost:40123",
            "LocalHost:40123",
        ] {
            assert!(l.is_own_host(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "127.0.0.1",
            "localhost",
            "127.0.0.1:40124",
            "127.0.0.1:",
            "127.0.0.1:+40123",
            "127.0.0.1:40123:1",
            "attacker.example:40123",
            "localhost.:40123",
            "localhost.attacker.example:40123",
            "127.0.0.2:40123",
            "0.0.0.0:40123",
            "[::1]",
            "[::2]:40123",
            "[::1]x40123",
            "::1:40123",
            "[::ffff:127.0.0.1]:40123",
            "127.0.0.1:40123 ",
            "user@127.0.0.1:40123",
        ] {
            assert!(!l.is_own_host(bad.as_bytes()), "{bad:?}");
        }
        assert!(!l.is_own_host(b"127.0.0.1:\xff"));
    }

    #[test]
    fn the_port_may_be_left_out_only_when_it_is_the_default() {
        assert!(Loopback::new(80, false).is_own_host(b"localhost"));
        assert!(Loopback::new(443, true).is_own_host(b"[::1]"));
        assert!(!Loopback::new(443, false).is_own_host(b"localhost"));
    }

    #[test]
    fn origins_need_the_scheme_too() {
        let l = Loopback::new(40123, false);
        assert!(l.is_own_origin(b"http://127.0.0.1:40123"));
        assert!(l.is_own_origin(b"http://localhost:40123"));
        assert!(l.is_own_origin(b"http://[::1]:40123"));
        for bad in [
            "null",
            "https://127.0.0.1:40123",
            "http://127.0.0.1:40123/",
            "http://attacker.example:40123",
            "http://127.0.0.1",
            "127.0.0.1:40123",
        ] {
            assert!(!l.is_own_origin(bad.as_bytes()), "{bad}");
        }
        assert!(Loopback::new(40123, true).is_own_origin(b"https://localhost:40123"));
    }
}
