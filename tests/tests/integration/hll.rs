//! Placeholder: hll tests land here.
