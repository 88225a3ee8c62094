//! Placeholder: lists tests land here.
