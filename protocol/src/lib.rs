//! redraft-protocol: the Redis wire format and key-slot hashing, with no sockets and no server types.
//!
//! Map of the crate (where new code goes):
//! - [`frame`]: the RESP2/RESP3 value model ([`Frame`], [`Version`]).
//! - [`request`]: incremental, zero-copy decoding of client requests (multibulk and inline), the
//!   server's read path. New request-parsing rules go here.
//! - [`decode`]: whole RESP2/RESP3 frame decoding, for clients, the proxy and benchmarks.
//! - [`encode`]: frame encoding with Redis's exact bytes and RESP2 downgrades, `%.17g` doubles,
//!   and client request encoding.
//! - [`error`]: [`ProtocolError`], shared by both decoders, with Redis's exact wording.
//! - [`slot`]: crc16 key-slot hashing with `{hash tag}` rules.
//!
//! Everything here is a pure function over bytes: unit, table and property tests live next to
//! the code, and `fuzz/` holds cargo-fuzz targets for both decoders.

pub mod decode;
pub mod encode;
pub mod error;
pub mod frame;
pub mod request;
pub mod slot;

pub use decode::decode_frame;
pub use encode::{encode, encode_request, format_double};
pub use error::{ProtocolError, ProtocolErrorKind};
pub use frame::{Frame, Version};
pub use request::{RequestDecoder, RequestLimits};
pub use slot::{key_hash_slot, SLOT_COUNT};
