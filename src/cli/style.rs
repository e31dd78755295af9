//! The CLI's colours, one set for every command. anstream drops them when the output is not a
//! terminal or `NO_COLOR` is set.

use anstyle::{AnsiColor, Style};

pub const BOLD: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const RED: Style = AnsiColor::Red.on_default();
pub const GREEN: Style = AnsiColor::Green.on_default();
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
pub const BLUE: Style = AnsiColor::Blue.on_default();
pub const CYAN: Style = AnsiColor::Cyan.on_default();
/// Verdicts that must stand out: failures, warnings, successes of a check.
pub const RED_BOLD: Style = RED.bold();
pub const YELLOW_BOLD: Style = YELLOW.bold();
pub const GREEN_BOLD: Style = GREEN.bold();
