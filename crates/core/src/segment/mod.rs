//! The Segment side: the call model (endpoint, call type), the linter that says what Segment will
//! drop or reject, and the currency table both rely on.

pub mod call;
pub mod client;
pub mod curl;
pub mod currency;
pub mod diagnostic;
pub mod keycheck;
pub mod limits;
pub mod lint;
pub mod mask;
pub mod send;
pub mod sink;

pub use call::{CallType, Region};
pub use diagnostic::{Diagnostic, Severity};
pub use limits::MAX_BATCH_EVENTS;
pub use lint::{LintOptions, MessageIds, lint};
pub use mask::mask_secret;
pub use send::{Destination, Outcome, SendReport, WriteKey};
