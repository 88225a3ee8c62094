//! Placeholder: blocking tests land here.
