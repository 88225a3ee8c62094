//! Placeholder: the zsets family lands here.

use super::CommandSpec;

/// Commands of this family.
pub const COMMANDS: &[CommandSpec] = &[];
