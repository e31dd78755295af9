//! What a mapping file says, as values: read by `parse`, merged by `resolve`, written out as
//! JavaScript by `compile`. Every part keeps the byte range it came from, so a diagnostic can name
//! its line and column and an edit can find its key.

use std::ops::Range;

use serde_json::Value;

/// A byte range in the mapping file's text.
pub type Span = Range<usize>;

/// A whole mapping file.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// `[mapping] name`: names the compiled handler in its first comment.
    pub name: Option<String>,
    /// `[mapping] description`: copied into the compiled handler's header.
    pub description: Option<String>,
    /// `[defaults]`: rules shared by every event type (empty when the table is absent).
    pub defaults: Rules,
    /// `[events."…"]` tables, in file order.
    pub events: Vec<EventTable>,
}

/// Which event types a table is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Selector {
    /// One Dodo event type, e.g. `payment.succeeded`.
    Type(String),
    /// Every type starting with `<prefix>.`, written `"<prefix>.*"`; holds the prefix alone.
    Family(String),
}

impl Selector {
    /// The table key as written: `payment.succeeded` or `subscription.*`.
    pub fn key(&self) -> String {
        match self {
            Selector::Type(t) => t.clone(),
            Selector::Family(prefix) => format!("{prefix}.*"),
        }
    }

    /// True when this selector covers `event_type`.
    pub fn covers(&self, event_type: &str) -> bool {
        match self {
            Selector::Type(t) => t == event_type,
            Selector::Family(prefix) => event_type
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.starts_with('.')),
        }
    }
}

/// One `[events."…"]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct EventTable {
    pub selector: Selector,
    /// Where the table's key (`"payment.succeeded"` in `[events."payment.succeeded"]`) is.
    pub key_at: Span,
    pub rules: Rules,
}

/// What one rule table (`[defaults]` or an event table) says. Every part is optional: an event
/// type's rules are the defaults', then its family's, then its own, later ones replacing earlier.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rules {
    /// The table header's range (empty for an absent `[defaults]`).
    pub at: Span,
    pub call: Option<Spanned<Call>>,
    /// The object's id, for the derived messageId.
    pub object_id: Option<Rule>,
    pub cancel: Option<Spanned<Cancel>>,
    /// Only ever set in `[defaults]`.
    pub region: Option<Spanned<Region>>,
    /// Segment fields (top-level ones and the leaves of `properties`, `traits`, `context`,
    /// `integrations`), in file order.
    pub fields: Vec<FieldRule>,
}

/// A value with the range it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub at: Span,
}

/// The Segment call an event becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Call {
    #[default]
    Track,
    Identify,
    Group,
    Page,
    Screen,
    Alias,
}

impl Call {
    pub const ALL: [Call; 6] = [
        Call::Track,
        Call::Identify,
        Call::Group,
        Call::Page,
        Call::Screen,
        Call::Alias,
    ];

    /// The name in the file and the endpoint's last segment: `track` → `/v1/track`.
    pub fn as_str(self) -> &'static str {
        match self {
            Call::Track => "track",
            Call::Identify => "identify",
            Call::Group => "group",
            Call::Page => "page",
            Call::Screen => "screen",
            Call::Alias => "alias",
        }
    }

    pub fn parse(text: &str) -> Option<Call> {
        Call::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The object this call carries its fields in, always present in its output (maybe `{}`).
    pub fn main_object(self) -> Option<&'static str> {
        match self {
            Call::Track | Call::Page | Call::Screen => Some("properties"),
            Call::Identify | Call::Group => Some("traits"),
            Call::Alias => None,
        }
    }
}

/// `cancel = "reason"` or `cancel = false`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancel {
    /// Nothing is sent for these types, for this reason.
    Because(String),
    /// Undoes a family's cancel for one type.
    No,
}

/// Which Segment host calls go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Region {
    Us,
    Eu,
    /// Chosen per run from `webhook.env[name]`: "eu" (any case) is the EU, anything else
    /// `default`.
    Env {
        name: String,
        default: FixedRegion,
    },
}

/// A region that is not read from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FixedRegion {
    #[default]
    Us,
    Eu,
}

/// One Segment field and the rule giving its value.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRule {
    /// Where the value goes in the call: `["userId"]`, `["properties", "order_id"]`,
    /// `["context", "traits", "email"]`. Inside `each`, relative to the item.
    pub target: Vec<String>,
    /// The key's range (the last segment's key in the file).
    pub key_at: Span,
    pub rule: Rule,
}

impl FieldRule {
    /// The target written with dots, as tables and messages show it: `properties.order_id`.
    pub fn dotted(&self) -> String {
        self.target.join(".")
    }
}

/// A source, a conversion and what to do with an empty result.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub source: Source,
    pub convert: Conversion,
    /// Subtracted from the source's value, before converting, when it is a number.
    pub minus: Option<SourcePath>,
    pub omit: Omit,
    /// The event is cancelled when this rule's result is left out.
    pub required: bool,
    /// The value's range (the string or the inline table).
    pub at: Span,
}

impl Rule {
    /// A rule reading `path` as is, with every other part at its default.
    pub fn path(path: SourcePath, at: Span) -> Rule {
        Rule {
            source: Source::Path(path),
            convert: Conversion::AsIs,
            minus: None,
            omit: Omit::Null,
            required: false,
            at,
        }
    }

    /// A constant, with every other part at its default.
    pub fn constant(value: Value, at: Span) -> Rule {
        Rule {
            source: Source::Value(value),
            convert: Conversion::AsIs,
            minus: None,
            omit: Omit::Null,
            required: false,
            at,
        }
    }
}

/// Where a value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A path into the body (or, inside `each`, into the item).
    Path(SourcePath),
    /// A constant.
    Value(Value),
    /// Text with `{path}` placeholders; a missing value is "".
    Template(Vec<TemplatePart>),
    /// The first of these paths whose value is not missing, null or "".
    First(Vec<SourcePath>),
    /// `webhook.env[name]`.
    Env(String),
    /// Every item of the array at `path`, mapped by `fields` (paths relative to the item).
    Each {
        path: SourcePath,
        fields: Vec<FieldRule>,
    },
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Text(String),
    Path(SourcePath),
}

/// A path as written (`data.product_cart[0].product_id`) and its segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePath {
    pub text: String,
    pub segments: Vec<PathSegment>,
}

impl SourcePath {
    /// The segments as strings, as `Schema::lookup` takes them (an index as its digits).
    pub fn lookup_keys(&self) -> Vec<String> {
        self.segments
            .iter()
            .map(|s| match s {
                PathSegment::Key(k) => k.clone(),
                PathSegment::Index(i) => i.to_string(),
            })
            .collect()
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// How a value is converted on its way to Segment.
#[derive(Debug, Clone, PartialEq)]
pub enum Conversion {
    AsIs,
    Number,
    String,
    Boolean,
    /// Minor units to a decimal amount, with the decimals of the currency read at `currency`.
    Money {
        currency: SourcePath,
    },
    /// An ISO-8601 string kept; epoch seconds or milliseconds made one.
    Time,
    Lower,
    Upper,
    /// A trimmed, upper-cased ISO 4217 code.
    Currency,
    /// `String(value)` looked up in the table; unchanged when the table lacks it. In file order.
    Lookup(Vec<(String, Value)>),
}

impl Conversion {
    /// Every conversion's name in the file, in the order menus offer them.
    pub const NAMES: [&'static str; 10] = [
        "as-is", "number", "string", "boolean", "money", "time", "lower", "upper", "currency",
        "lookup",
    ];

    /// The name in the file: `as-is`, `money`, …
    pub fn name(&self) -> &'static str {
        match self {
            Conversion::AsIs => "as-is",
            Conversion::Number => "number",
            Conversion::String => "string",
            Conversion::Boolean => "boolean",
            Conversion::Money { .. } => "money",
            Conversion::Time => "time",
            Conversion::Lower => "lower",
            Conversion::Upper => "upper",
            Conversion::Currency => "currency",
            Conversion::Lookup(_) => "lookup",
        }
    }
}

/// Which results are left out of the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Omit {
    /// Missing and null.
    #[default]
    Null,
    /// Missing, null, "", [] and {}.
    Empty,
    /// Only missing: null is sent as null.
    Never,
}

/// How serious a finding about a mapping file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The file cannot be compiled.
    Error,
    /// It compiles, but something is likely wrong.
    Warning,
}

/// A finding about a mapping file, at a byte range of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code: `unknown-key`, `unknown-path`, …
    pub code: &'static str,
    pub message: String,
    pub at: Span,
}

impl Diagnostic {
    pub fn error(code: &'static str, at: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            at,
        }
    }

    pub fn warning(code: &'static str, at: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            at,
        }
    }
}
