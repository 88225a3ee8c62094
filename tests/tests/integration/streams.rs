//! Placeholder: streams tests land here.
