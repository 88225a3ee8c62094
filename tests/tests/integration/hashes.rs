//! Placeholder: hashes tests land here.
