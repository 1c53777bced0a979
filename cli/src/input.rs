//! Bounded reads of untrusted input: every file or pipe the CLI reads is capped,
//! so an endless or huge input is a clear error instead of an exhausted memory.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default cap: far above any request body (Amazon's are a few KiB) and
/// room for a JSON-lines file of tens of thousands of events.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

static MAX_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_BYTES);

/// Set once from `--max-input-bytes` before a command runs.
pub(crate) fn set_max_bytes(cap: u64) {
    MAX_BYTES.store(cap, Ordering::Relaxed);
}

pub(crate) fn max_bytes() -> u64 {
    MAX_BYTES.load(Ordering::Relaxed)
}

/// Reads at most `cap` bytes; one byte more is an `InvalidData` error that names
/// the cap and the flag that raises it.
pub(crate) fn read_capped(reader: impl Read, cap: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(bytes)
}

/// The error for an input over `cap` bytes.
pub(crate) fn too_large(cap: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("larger than the input limit of {cap} bytes (raise it with --max-input-bytes)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_capped_accepts_exactly_the_cap_and_refuses_one_byte_more() {
        assert_eq!(read_capped(&b"abcd"[..], 4).unwrap(), b"abcd");
        let err = read_capped(&b"abcde"[..], 4).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("4 bytes"), "{err}");
        assert!(err.to_string().contains("--max-input-bytes"), "{err}");
    }

    #[test]
    fn read_capped_stops_on_an_endless_reader() {
        let endless = std::io::repeat(b'x');
        let err = read_capped(endless, 1024).unwrap_err();
        assert!(err.to_string().contains("1024 bytes"), "{err}");
    }
}
