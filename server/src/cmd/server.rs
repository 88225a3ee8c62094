//! (being written)

use super::CommandSpec;

/// Commands of this family.
pub const COMMANDS: &[CommandSpec] = &[];
