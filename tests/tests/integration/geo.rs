//! Placeholder: geo tests land here.
