//! Replacing a file's contents safely: a fresh temporary file beside the
//! target (created exclusively under a random name, so nothing planted in the
//! directory can redirect the write), the target's owner and mode copied onto
//! it, flushed to disk, renamed over the target, and the directory flushed.
//! A failure at any step leaves the target as it was and removes the temporary file.

use std::fs::{File, Metadata};
use std::io::Write;
use std::path::Path;

/// How the replacement went, beyond succeeding.
#[derive(Debug)]
pub struct Replaced {
    /// False when the target belonged to another user or group and the new
    /// file could not be given to them (only root can give a file away).
    pub owner_kept: bool,
}

/// Replaces the regular file `target` with `contents`. `target` should be
/// symlink-resolved (`std::fs::canonicalize`), so that a symlinked file is
/// written through rather than replaced by a regular file.
pub fn replace_file(target: &Path, contents: &[u8]) -> std::io::Result<Replaced> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let original = std::fs::metadata(target)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".proactive-events-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(contents)?;
    let owner_kept = keep_owner_and_mode(temp.as_file(), &original)?;
    temp.as_file().sync_all()?;
    temp.persist(target).map_err(|e| e.error)?;
    sync_dir(dir)?;
    Ok(Replaced { owner_kept })
}

/// Gives `file` the owner (where allowed) and then the mode of `original`;
/// whether the owner (user and group) is the original's.
#[cfg(unix)]
fn keep_owner_and_mode(file: &File, original: &Metadata) -> std::io::Result<bool> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, fchown};
    let owner = (original.uid(), original.gid());
    let now = file.metadata()?;
    let mut owner_kept = (now.uid(), now.gid()) == owner;
    if !owner_kept {
        owner_kept = fchown(file, Some(owner.0), Some(owner.1)).is_ok();
        if !owner_kept {
            // Not root: at least the group, when the user is in it.
            let _ = fchown(file, None, Some(owner.1));
        }
    }
    // After chown, which clears set-user/group-id bits; those are not carried
    // over to a file that did not keep its owner.
    let mut mode = original.mode() & 0o7777;
    if !owner_kept {
        mode &= 0o1777;
    }
    file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    Ok(owner_kept)
}

#[cfg(not(unix))]
fn keep_owner_and_mode(file: &File, original: &Metadata) -> std::io::Result<bool> {
    file.set_permissions(original.permissions())?;
    Ok(true)
}

/// Makes the rename durable: on Unix a directory is flushed like a file.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}
