//! Fuzzes `snapshot::read`, which loads a snapshot from a peer or the disk: arbitrary bytes
//! must give a keyspace or a `SnapshotError`, never a panic. When `read` succeeds, `write` of
//! the result must reproduce the input bytes exactly (the module doc promises the encoding is
//! canonical), and so must `SnapshotWriter` and `encoded_len`.
//!
//! The first input byte picks the reader's database count (bits 0–3: 1 to 16) and how the rest
//! is framed: bit 4 puts the magic and version 1 in front, bit 5 appends a valid CRC-32C
//! trailer (so the parser behind the checksum is reached); without them the bytes are read as
//! they are.

#![no_main]

use libfuzzer_sys::fuzz_target;
use redraft_server::snapshot::{digest, encoded_len, read, write, SnapshotWriter, MAGIC, VERSION};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let databases = usize::from(control & 0x0f) + 1;
    let mut bytes = Vec::with_capacity(rest.len() + 19);
    if control & 0x10 != 0 {
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
    }
    bytes.extend_from_slice(rest);
    if control & 0x20 != 0 {
        let crc = crc32c::crc32c(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
    }

    let Ok(keyspace) = read(&bytes, databases, 7) else {
        return;
    };
    assert_eq!(keyspace.db_count(), databases);
    let mut out = Vec::new();
    write(&keyspace, &mut out);
    assert_eq!(out, bytes, "write(read(b)) != b");
    assert_eq!(encoded_len(&keyspace), bytes.len());
    let mut writer = SnapshotWriter::new(Vec::new());
    let n = writer.write(&keyspace).expect("a Vec never fails");
    assert_eq!(n, bytes.len() as u64);
    assert_eq!(writer.into_inner(), bytes);
    let again = read(&out, databases, 7).expect("a written snapshot reads back");
    assert_eq!(digest(&again), digest(&keyspace));
});
