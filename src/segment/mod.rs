//! The Segment side: the call model (endpoint, call type), the linter that says what Segment will
//! drop or reject, and the currency table both rely on.

pub mod call;
pub mod currency;
pub mod diagnostic;
pub mod lint;

pub use call::{CallType, Region};
pub use diagnostic::{Diagnostic, Severity};
pub use lint::{LintOptions, lint};
