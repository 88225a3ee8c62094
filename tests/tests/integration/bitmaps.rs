//! Placeholder: bitmaps tests land here.
