//! Placeholder: sets tests land here.
