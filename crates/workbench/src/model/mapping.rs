//! A mapping being edited: the file's text as it stands and as saved, what it parses to, the
//! JavaScript it compiles to (the code every run takes), the undo and redo steps of the table's
//! edits, and the table's cursor. Also the rows the mapping table shows for one event type and the
//! dialogs its edits open.

use hookbench_core::mapping::edit::TableRef;
use hookbench_core::mapping::model::{
    Call, Conversion, Diagnostic, Mapping, Rule, Selector, Severity, Source, SourcePath,
};
use hookbench_core::mapping::resolve::{Origin, Resolution, resolve};
use hookbench_core::mapping::{compile, parse, render};

/// Undo steps kept; the oldest go first.
const MAX_UNDO: usize = 200;

/// The mapping behind the transformation, when it came from a `*.mapping.toml`.
#[derive(Debug, Clone)]
pub struct MappingState {
    /// The file's name, for the compiled handler's header and the diagnostics.
    pub file_name: String,
    /// The text as it stands (the table's edits and reloads change it).
    pub text: String,
    /// The text as last loaded or saved.
    pub saved_text: String,
    /// The last version without errors: the one the running JavaScript was compiled from.
    pub mapping: Option<Mapping>,
    /// What the parser says about `text`, errors first.
    pub diagnostics: Vec<Diagnostic>,
    /// The JavaScript of `mapping`: what runs.
    pub compiled: String,
    /// Texts before each edit, oldest first.
    pub undo: Vec<String>,
    /// Texts of undone edits, newest last.
    pub redo: Vec<String>,
    /// The table's selected row.
    pub table_cursor: usize,
    /// The generated JavaScript is shown in place of the table.
    pub show_js: bool,
    /// The Webhook pane's field cursor: an index into the selected body's fields (the body's
    /// own, then the schema's that it lacks).
    pub field_cursor: usize,
}

impl MappingState {
    /// A mapping as loaded: `text` parsed and compiled; `fallback` (the JavaScript it came with)
    /// runs when the text has errors.
    pub fn new(file_name: &str, text: String, fallback: String) -> MappingState {
        let mut state = MappingState {
            file_name: file_name.to_string(),
            saved_text: text.clone(),
            text: String::new(),
            mapping: None,
            diagnostics: Vec::new(),
            compiled: fallback,
            undo: Vec::new(),
            redo: Vec::new(),
            table_cursor: 0,
            show_js: false,
            field_cursor: 0,
        };
        state.set_text(text);
        state
    }

    /// Takes a new text: parses it and, when it has no error, compiles it. True when the
    /// compiled JavaScript changed (the events must run again).
    pub fn set_text(&mut self, text: String) -> bool {
        let parsed = parse::parse(&text);
        let mut diagnostics = parsed.diagnostics;
        diagnostics.sort_by_key(|d| (d.severity, d.at.start));
        self.diagnostics = diagnostics;
        let changed = match parsed.mapping {
            Some(mapping) => {
                let compiled = compile::compile(&mapping, &text, &self.file_name);
                self.mapping = Some(mapping);
                let changed = compiled != self.compiled;
                self.compiled = compiled;
                changed
            }
            None => false,
        };
        self.text = text;
        changed
    }

    /// An edit: the text before it becomes an undo step, the redo steps go.
    pub fn edit(&mut self, text: String) -> bool {
        let before = std::mem::take(&mut self.text);
        self.text = before.clone();
        if before == text {
            return false;
        }
        self.undo.push(before);
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.set_text(text);
        true
    }

    /// Takes the last edit back; None when there is none.
    pub fn undo(&mut self) -> Option<()> {
        let before = self.undo.pop()?;
        let now = std::mem::replace(&mut self.text, before.clone());
        self.redo.push(now);
        self.set_text(before);
        Some(())
    }

    /// Does the last undone edit again; None when there is none.
    pub fn redo(&mut self) -> Option<()> {
        let again = self.redo.pop()?;
        let now = std::mem::replace(&mut self.text, again.clone());
        self.undo.push(now);
        self.set_text(again);
        Some(())
    }

    pub fn is_dirty(&self) -> bool {
        self.text != self.saved_text
    }

    /// True when the text as it stands has errors: the JavaScript running is an older version's.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Each diagnostic as one line: `shop.mapping.toml:12:5: error[unknown-key]: …`.
    pub fn diagnostic_lines(&self) -> Vec<(Severity, String)> {
        self.diagnostics
            .iter()
            .map(|d| (d.severity, render(&self.file_name, &self.text, d)))
            .collect()
    }

    /// The mapping table of `event_type`, from the last version without errors.
    pub fn table(&self, event_type: &str) -> MappingTable {
        match &self.mapping {
            Some(mapping) => MappingTable::of(mapping, event_type),
            None => MappingTable::NoMapping,
        }
    }
}

/// What the mapping table shows for one event type.
#[derive(Debug, Clone, PartialEq)]
pub enum MappingTable {
    /// Nothing parsed yet without errors.
    NoMapping,
    /// No table names the type: nothing is sent for it.
    NotCovered {
        event_type: String,
    },
    /// A table cancels it.
    Cancelled {
        event_type: String,
        reason: String,
        origin: Origin,
    },
    Mapped(Box<MappedTable>),
}

/// A mapped type: its call, event name, object id, the tables that apply, one row per field.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedTable {
    pub event_type: String,
    pub call: Call,
    /// The track call's event name, when constant: its text, and whether it is derived.
    pub event_name: Option<(String, bool)>,
    pub object_id: Option<(Rule, Origin)>,
    /// The tables that apply, broadest first: `[defaults]`, a family's, the type's own.
    pub tables: Vec<Origin>,
    pub rows: Vec<TableRow>,
}

/// One field of a mapped type.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// Where the value goes: `["properties", "order_id"]`.
    pub target: Vec<String>,
    pub rule: Rule,
    /// Where the rule is written.
    pub origin: Origin,
}

impl TableRow {
    /// The target as the table shows it: `properties.order_id`.
    pub fn dotted(&self) -> String {
        self.target.join(".")
    }

    /// True when the row is written in the type's own table (else it comes from the defaults,
    /// the family, or is derived).
    pub fn is_own(&self, event_type: &str) -> bool {
        matches!(&self.origin, Origin::Table(Selector::Type(t)) if t == event_type)
    }
}

impl MappingTable {
    pub fn of(mapping: &Mapping, event_type: &str) -> MappingTable {
        match resolve(mapping, event_type) {
            Resolution::NotCovered => MappingTable::NotCovered {
                event_type: event_type.to_string(),
            },
            Resolution::Cancelled { reason, origin } => MappingTable::Cancelled {
                event_type: event_type.to_string(),
                reason,
                origin,
            },
            Resolution::Mapped(event) => {
                let event_name = event
                    .fields
                    .iter()
                    .find(|f| f.field.target == ["event"])
                    .and_then(|f| match &f.field.rule.source {
                        Source::Value(serde_json::Value::String(name)) => {
                            Some((name.clone(), f.origin == Origin::Derived))
                        }
                        _ => None,
                    });
                let mut tables = vec![Origin::Defaults];
                tables.extend(event.tables.iter().cloned().map(Origin::Table));
                MappingTable::Mapped(Box::new(MappedTable {
                    event_type: event.event_type,
                    call: event.call,
                    event_name,
                    object_id: event.object_id,
                    tables,
                    rows: event
                        .fields
                        .into_iter()
                        .map(|f| TableRow {
                            target: f.field.target,
                            rule: f.field.rule,
                            origin: f.origin,
                        })
                        .collect(),
                }))
            }
        }
    }

    /// The rows (none unless mapped).
    pub fn rows(&self) -> &[TableRow] {
        match self {
            MappingTable::Mapped(table) => &table.rows,
            _ => &[],
        }
    }
}

/// The table an origin stands for, for edits (a derived row belongs to the type's own table).
pub fn table_ref(origin: &Origin, event_type: &str) -> TableRef {
    match origin {
        Origin::Defaults => TableRef::Defaults,
        Origin::Table(selector) => TableRef::Event(selector.clone()),
        Origin::Derived => TableRef::Event(Selector::Type(event_type.to_string())),
    }
}

/// The type's own table.
pub fn own_table(event_type: &str) -> TableRef {
    TableRef::Event(Selector::Type(event_type.to_string()))
}

/// The family a type belongs to: its prefix up to the first dot.
pub fn family_of(event_type: &str) -> Option<String> {
    event_type
        .split_once('.')
        .map(|(prefix, _)| prefix.to_string())
        .filter(|p| !p.is_empty())
}

/// The conversions the lists offer (lookup needs a table, written in the file).
pub const LIST_CONVERSIONS: [&str; 9] = [
    "as-is", "number", "string", "boolean", "money", "time", "lower", "upper", "currency",
];

/// A conversion from its name; money reads the currency at `currency`.
pub fn conversion_named(name: &str, currency: &SourcePath) -> Option<Conversion> {
    Some(match name {
        "as-is" => Conversion::AsIs,
        "number" => Conversion::Number,
        "string" => Conversion::String,
        "boolean" => Conversion::Boolean,
        "money" => Conversion::Money {
            currency: currency.clone(),
        },
        "time" => Conversion::Time,
        "lower" => Conversion::Lower,
        "upper" => Conversion::Upper,
        "currency" => Conversion::Currency,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Dialogs

/// A dialog of the mapping editor, over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingDialog {
    /// A body field picked in the Webhook pane: what it becomes.
    Pick(PickDialog),
    /// One line of text to type.
    Input(InputDialog),
    /// One of a list.
    Choose(ChooseDialog),
}

/// The pick dialog's parts, in the order tab goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickPart {
    Target,
    Name,
    Conversion,
    Table,
}

impl PickPart {
    pub const ALL: [PickPart; 4] = [
        PickPart::Target,
        PickPart::Name,
        PickPart::Conversion,
        PickPart::Table,
    ];
}

/// One target the pick dialog offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickTarget {
    pub target: Vec<String>,
    pub label: String,
    pub description: &'static str,
    /// The object id (for the derived messageId), not a Segment field.
    pub object_id: bool,
}

/// What a picked body field becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickDialog {
    pub event_type: String,
    pub path: SourcePath,
    /// The field's value, short, as JSON.
    pub value: String,
    /// The value as a string, when it is one (an event name taken from it).
    pub value_text: Option<String>,
    pub targets: Vec<PickTarget>,
    pub target: usize,
    /// The property name, editable; the targets that name a property use it.
    pub name: String,
    /// Index into [`LIST_CONVERSIONS`].
    pub conversion: usize,
    /// Where money reads its currency.
    pub currency: SourcePath,
    /// The tables it may go into: the type's own, then its family's.
    pub tables: Vec<TableRef>,
    pub table: usize,
    pub part: PickPart,
}

impl PickDialog {
    pub fn selected_target(&self) -> Option<&PickTarget> {
        self.targets.get(self.target)
    }

    pub fn conversion_name(&self) -> &'static str {
        LIST_CONVERSIONS
            .get(self.conversion)
            .copied()
            .unwrap_or("as-is")
    }
}

/// What a typed line is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPurpose {
    /// A new name for the row's field (the last part of its target).
    Rename {
        table: TableRef,
        target: Vec<String>,
    },
    /// A new source path for the row.
    Source {
        table: TableRef,
        target: Vec<String>,
    },
    /// Why the type is cancelled.
    CancelReason { table: TableRef },
}

/// A line being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputDialog {
    pub purpose: InputPurpose,
    pub title: String,
    pub text: String,
    /// Why the text was refused, shown under it.
    pub error: Option<String>,
}

/// What a choice is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoosePurpose {
    /// The row's conversion.
    Conversion {
        table: TableRef,
        target: Vec<String>,
    },
    /// The type's call.
    Call { table: TableRef },
    /// The type's event name; typing gives a name of one's own.
    EventName { table: TableRef },
}

/// A list to choose from; when `typed` is Some, typing filters it and can give a value of one's
/// own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChooseDialog {
    pub purpose: ChoosePurpose,
    pub title: String,
    pub options: Vec<String>,
    /// The selected entry among [`ChooseDialog::shown`].
    pub selected: usize,
    pub typed: Option<String>,
}

impl ChooseDialog {
    /// The options the typed text lets through (all of them when nothing is typed), then the
    /// typed text itself when it is not one of them.
    pub fn shown(&self) -> Vec<String> {
        let typed = self.typed.as_deref().unwrap_or("");
        let mut shown: Vec<String> = self
            .options
            .iter()
            .filter(|o| super::app::fuzzy_match(typed, o))
            .cloned()
            .collect();
        if !typed.trim().is_empty() && !self.options.iter().any(|o| o == typed.trim()) {
            shown.push(typed.trim().to_string());
        }
        shown
    }

    pub fn chosen(&self) -> Option<String> {
        self.shown().get(self.selected).cloned()
    }
}
