//! Placeholder: zsets tests land here.
