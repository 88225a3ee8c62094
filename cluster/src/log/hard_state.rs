//! Small checksummed files replaced atomically (the future Raft hard state: term, vote,
//! commit).
//!
//! Format: `[u32 len][u32 crc32c(payload)][payload]`, little-endian. A file that does not match
//! exactly is an error, never garbage.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use bytes::Bytes;

use super::{sync_dir, LogError};

/// Largest payload [`write_atomically`] accepts and [`read_checked`] reads.
pub const MAX_STATE_LEN: usize = 1 << 20;

const HEADER: usize = 8;

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Replaces `dir/name` with `bytes` so a crash leaves either the old or the new content:
/// write `name.tmp`, fsync it, rename over `name`, fsync `dir`.
///
/// # Errors
/// [`LogError::TooLarge`] above [`MAX_STATE_LEN`]; I/O errors.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), LogError> {
    write_atomically_max(dir, name, bytes, MAX_STATE_LEN)
}

/// [`write_atomically`] with a caller-chosen size limit (snapshots are far larger than the
/// hard state); at most `u32::MAX` bytes, the width of the length field.
///
/// # Errors
/// [`LogError::TooLarge`] above `max`; I/O errors.
pub fn write_atomically_max(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    max: usize,
) -> Result<(), LogError> {
    let max = max.min(u32::MAX as usize);
    if bytes.len() > max {
        return Err(LogError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    let tmp = dir.join(format!("{name}.tmp"));
    let dst = dir.join(name);
    let mut out = Vec::with_capacity(HEADER + bytes.len());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(bytes).to_le_bytes());
    out.extend_from_slice(bytes);
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io_err(&tmp))?;
    f.write_all(&out).map_err(io_err(&tmp))?;
    f.sync_all().map_err(io_err(&tmp))?;
    drop(f);
    fs::rename(&tmp, &dst).map_err(io_err(&dst))?;
    sync_dir(dir)
}

/// Reads a file written by [`write_atomically`]. `Ok(None)` if it does not exist.
///
/// # Errors
/// [`LogError::Corrupt`] if the length or checksum does not match; I/O errors.
pub fn read_checked(dir: &Path, name: &str) -> Result<Option<Bytes>, LogError> {
    read_checked_max(dir, name, MAX_STATE_LEN)
}

/// [`read_checked`] with a caller-chosen size limit, the one the file was written with.
///
/// # Errors
/// As [`read_checked`].
pub fn read_checked_max(dir: &Path, name: &str, max: usize) -> Result<Option<Bytes>, LogError> {
    let max = max.min(u32::MAX as usize);
    let path = dir.join(name);
    let f = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&path)(e)),
    };
    let mut buf = Vec::new();
    // Bounded read: one byte more than the largest valid file tells "too long" apart.
    f.take((HEADER + max + 1) as u64)
        .read_to_end(&mut buf)
        .map_err(io_err(&path))?;
    let corrupt = |reason: String| LogError::Corrupt {
        path: path.clone(),
        offset: 0,
        reason,
    };
    let Some(head) = buf.get(..HEADER) else {
        return Err(corrupt(format!("file of {} bytes is too short", buf.len())));
    };
    let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let payload = &buf[HEADER..];
    if len > max || payload.len() != len {
        return Err(corrupt(format!(
            "length field {len} does not match {} payload bytes",
            payload.len()
        )));
    }
    let computed = crc32c::crc32c(payload);
    if computed != crc {
        return Err(corrupt(format!(
            "checksum mismatch (stored {crc:#010x}, computed {computed:#010x})"
        )));
    }
    buf.drain(..HEADER);
    Ok(Some(Bytes::from(buf)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::testdir::TempDir;

    #[test]
    fn round_trip_and_replace() {
        let d = TempDir::new();
        assert!(read_checked(d.path(), "hardstate").unwrap().is_none());
        write_atomically(d.path(), "hardstate", b"term=1").unwrap();
        write_atomically(d.path(), "hardstate", b"term=22").unwrap();
        assert_eq!(
            read_checked(d.path(), "hardstate").unwrap().unwrap(),
            &b"term=22"[..]
        );
        assert!(!d.path().join("hardstate.tmp").exists());
        write_atomically(d.path(), "empty", b"").unwrap();
        assert_eq!(read_checked(d.path(), "empty").unwrap().unwrap(), &b""[..]);
    }

    #[test]
    fn every_damage_is_an_error() {
        let d = TempDir::new();
        write_atomically(d.path(), "hs", b"vote=3").unwrap();
        let good = fs::read(d.path().join("hs")).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 1;
            fs::write(d.path().join("hs"), &bad).unwrap();
            assert!(
                matches!(read_checked(d.path(), "hs"), Err(LogError::Corrupt { .. })),
                "flip at {i}"
            );
        }
        for cut in 0..good.len() {
            fs::write(d.path().join("hs"), &good[..cut]).unwrap();
            assert!(
                matches!(read_checked(d.path(), "hs"), Err(LogError::Corrupt { .. })),
                "cut at {cut}"
            );
        }
        let mut long = good.clone();
        long.push(0);
        fs::write(d.path().join("hs"), &long).unwrap();
        assert!(read_checked(d.path(), "hs").is_err());
    }

    #[test]
    fn too_large_is_refused() {
        let d = TempDir::new();
        let big = vec![0u8; MAX_STATE_LEN + 1];
        assert!(matches!(
            write_atomically(d.path(), "hs", &big),
            Err(LogError::TooLarge { .. })
        ));
    }
}
