//! The events the workbench runs: one entry per fixture, with its (possibly modified) body, and
//! the list's filter, grouping by family and selection.

use hookbench_core::webhook::Fixture;
use hookbench_core::webhook::fixtures::FixtureOrigin;

use hookbench_core::store::{DeliverySummary, Verification};
use hookbench_core::text::{escape_bytes, short_local_time};

use crate::highlight::{Highlighter, content_key};
use serde_json::Value;

use super::output::PointerLines;

/// The list key of a stored delivery.
pub fn incoming_key(id: i64) -> String {
    format!("#{id}")
}

/// The webhook body as the Webhook pane shows it, and as runs take it: parsed once per change
/// of the body, not once per run.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyView {
    pub text: String,
    /// Content key for the highlight cache.
    pub doc: u64,
    /// Content key of the body itself (as runs take it, before any pretty-printing): a run's
    /// output belongs to the body with this key.
    pub body_key: u64,
    /// Why the body is not valid JSON ("line L, column C: …"), if it is not.
    pub parse_error: Option<String>,
    /// The body as JSON, when it is valid.
    pub parsed: Option<Value>,
    /// Where each JSON pointer starts in `text`, for marking input diagnostics.
    pub lines: PointerLines,
    /// Lines of `text` (as [`Highlighter::line_count`] counts them), counted once: a frame
    /// needs it and a body can be megabytes.
    pub line_count: usize,
}

impl BodyView {
    /// A one-line JSON body is shown pretty-printed; one that already spans lines, or is not
    /// JSON, as it is.
    pub fn of(body: &str) -> BodyView {
        let (text, parse_error, parsed) = match serde_json::from_str::<Value>(body) {
            Ok(value) => {
                let text = if body.trim_end().contains('\n') {
                    body.to_string()
                } else {
                    serde_json::to_string_pretty(&value).unwrap_or_else(|_| body.into())
                };
                (text, None, Some(value))
            }
            Err(e) => (
                body.to_string(),
                Some(hookbench_core::json_error::describe(&e)),
                None,
            ),
        };
        let lines = if parsed.is_some() {
            PointerLines::scan(&text)
        } else {
            PointerLines::default()
        };
        BodyView {
            lines,
            line_count: Highlighter::line_count(&text),
            doc: content_key(&text),
            body_key: content_key(body),
            text,
            parse_error,
            parsed,
        }
    }
}

/// What a received delivery adds to its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingInfo {
    /// The delivery's number in the history store.
    pub id: i64,
    pub webhook_id: Option<String>,
    pub received_at: String,
    pub verification: Verification,
    /// What the receiver answered.
    pub status: u16,
    pub reason: Option<String>,
    pub redeliveries: u32,
    /// The request's headers as stored, read from history after the delivery is listed; None
    /// until they are in.
    pub headers: Option<super::message::StoredHeaders>,
}

impl IncomingInfo {
    /// Why it was verified so (or not), for people.
    pub fn verification_label(&self) -> String {
        let why = self.reason.as_deref().map(crate::model::sending::shown);
        match (self.verification, why) {
            (Verification::Valid, None) => "signature valid: it matches the signing secret".into(),
            (Verification::Valid, Some(why)) => format!("signature valid; rejected: {why}"),
            (Verification::Invalid, Some(why)) => format!("signature invalid: {why}"),
            (Verification::Invalid, None) => "signature invalid".into(),
            (Verification::Unsigned, None) => {
                "not verified: no signing secret is set (--secret or HOOKBENCH_WEBHOOK_SECRET)"
                    .into()
            }
            (Verification::Unsigned, Some(why)) => format!("not verified; rejected: {why}"),
        }
    }

    /// Rows of its detail in the Response tab: received, verification, webhook-id and
    /// redeliveries, the headers' heading, each header (or one line saying why there are none),
    /// and a blank line.
    pub fn detail_line_count(&self) -> usize {
        let headers = match &self.headers {
            Some(Ok(headers)) if !headers.is_empty() => headers.len(),
            _ => 1,
        };
        4 + headers + 1
    }

    /// True when the receiver accepted it (it is transformed like a fixture).
    pub fn accepted(&self) -> bool {
        hookbench_core::store::accepted(self.status, self.verification)
    }

    /// ✓ valid, ✗ invalid, – unsigned.
    pub fn badge(&self) -> &'static str {
        match self.verification {
            Verification::Valid => "✓",
            Verification::Invalid => "✗",
            Verification::Unsigned => "–",
        }
    }
}

/// The family incoming deliveries are listed under, first.
pub const INCOMING_GROUP: &str = "incoming";

/// The family fixtures from `not-dodo/` are listed under, and how the Webhook pane labels them.
pub const NOT_DODO_GROUP: &str = "not what Dodo sends";

/// One event of the list.
#[derive(Debug, Clone)]
pub struct EventEntry {
    /// Unique name: the fixture name (`payment.succeeded`, `payment.succeeded.jpy`).
    pub key: String,
    pub event_type: String,
    /// The family: `payment`, `refund`, … or `custom`; [`NOT_DODO_GROUP`] for `not-dodo/`.
    pub group: String,
    pub variant: bool,
    /// A fixture that deliberately breaks Dodo's schema: not what Dodo sends.
    pub not_dodo: bool,
    /// Where the body comes from, for the pane title.
    pub origin: String,
    /// The body as stored.
    pub original: String,
    /// The body after "modify", if modified.
    pub modified: Option<String>,
    pub view: BodyView,
    /// Set for deliveries received by the listener (or read back from history).
    pub incoming: Option<IncomingInfo>,
}

impl EventEntry {
    pub fn from_fixture(fixture: &Fixture) -> EventEntry {
        let origin = match &fixture.origin {
            FixtureOrigin::Builtin => "fixture".to_string(),
            FixtureOrigin::Dir(_) => fixture.path.clone(),
        };
        // Bodies that break Dodo's schema on purpose are listed apart, under their label.
        let group = if fixture.not_dodo {
            NOT_DODO_GROUP
        } else {
            fixture.group()
        };
        EventEntry {
            key: fixture.name.clone(),
            event_type: fixture.event_type.clone(),
            group: group.to_string(),
            variant: fixture.variant,
            not_dodo: fixture.not_dodo,
            origin,
            view: BodyView::of(&fixture.body),
            original: fixture.body.clone(),
            modified: None,
            incoming: None,
        }
    }

    /// A received delivery. Bytes that are not UTF-8 are kept escaped (`\xNN`), so they show
    /// and nothing reaches the terminal raw.
    pub fn from_delivery(summary: &DeliverySummary, body: &[u8]) -> EventEntry {
        let text = match std::str::from_utf8(body) {
            Ok(text) => text.to_string(),
            Err(_) => escape_bytes(body),
        };
        let event_type = summary.event_type.clone().unwrap_or_default();
        EventEntry {
            key: incoming_key(summary.id),
            event_type,
            group: INCOMING_GROUP.to_string(),
            variant: false,
            not_dodo: false,
            origin: short_local_time(&summary.received_at),
            view: BodyView::of(&text),
            original: text,
            modified: None,
            incoming: Some(IncomingInfo {
                id: summary.id,
                webhook_id: summary.webhook_id.clone(),
                received_at: summary.received_at.clone(),
                verification: summary.verification,
                status: summary.status,
                reason: summary.reason.clone(),
                redeliveries: summary.redeliveries,
                headers: None,
            }),
        }
    }

    /// Whether the transformation runs on it: fixtures always, deliveries once accepted, and
    /// any body the user modified.
    pub fn runnable(&self) -> bool {
        self.modified.is_some() || self.incoming.as_ref().is_none_or(IncomingInfo::accepted)
    }

    /// The body runs use: the modified one when there is one.
    pub fn body(&self) -> &str {
        self.modified.as_deref().unwrap_or(&self.original)
    }

    /// The body is not valid JSON: it cannot be run, so nothing can be sent for it.
    pub fn invalid_body(&self) -> Option<&str> {
        self.view.parse_error.as_deref()
    }

    /// Replaces the modified body (None: back to the original).
    pub fn set_modified(&mut self, body: Option<String>) {
        self.modified = body.filter(|b| *b != self.original);
        self.view = BodyView::of(self.body());
    }
}

/// What adding deliveries did: the keys that are new in the list, and whether the memory
/// window left newer or older ones in the store only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Added {
    pub keys: Vec<String>,
    pub dropped_newer: bool,
    pub dropped_older: bool,
}

/// A row of the list: a family header or an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row<'a> {
    Header { group: &'a str, count: usize },
    Event(usize),
}

/// The list with its filter, grouping and selection.
#[derive(Debug, Clone)]
pub struct EventsList {
    entries: Vec<EventEntry>,
    pub filter: String,
    pub grouped: bool,
    /// Index into `entries`.
    selected: Option<usize>,
    /// First row shown.
    pub offset: usize,
    /// Deliveries that arrived above the rows shown, not seen yet: the "↑ n new" marker counts
    /// them until they come into view.
    pub new_above: Vec<String>,
}

impl EventsList {
    pub fn new(entries: Vec<EventEntry>) -> EventsList {
        let selected = if entries.is_empty() { None } else { Some(0) };
        EventsList {
            entries,
            filter: String::new(),
            grouped: true,
            selected,
            offset: 0,
            new_above: Vec::new(),
        }
    }

    pub fn entries(&self) -> &[EventEntry] {
        &self.entries
    }

    pub fn entry(&self, key: &str) -> Option<&EventEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn entry_mut(&mut self, key: &str) -> Option<&mut EventEntry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }

    /// Adds received deliveries, newest first, above everything else. At most `keep` of them
    /// stay in memory: a window around the selected one (the newest when the selection is not
    /// a delivery); the rest stay in the history store and page back in. An entry already
    /// listed is updated in place (a redelivery).
    pub fn add_incoming(&mut self, deliveries: Vec<EventEntry>, keep: usize) -> Added {
        let selected_key = self.selected_entry().map(|e| e.key.clone());
        let row_before = self.selected_row();
        let mut added = Vec::new();
        for entry in deliveries {
            if let Some(existing) = self.entries.iter_mut().find(|e| e.key == entry.key) {
                // A redelivery: the same request, so headers already read stay.
                let headers = existing.incoming.as_mut().and_then(|i| i.headers.take());
                existing.incoming = entry.incoming;
                if let Some(info) = existing.incoming.as_mut()
                    && info.headers.is_none()
                {
                    info.headers = headers;
                }
                continue;
            }
            added.push(entry.key.clone());
            self.entries.push(entry);
        }
        // Incoming first, newest (highest id) first; fixtures keep their order after them.
        self.entries.sort_by_key(|e| match &e.incoming {
            Some(info) => (0, -info.id),
            None => (1, 0),
        });
        let incoming = self.entries.iter().filter(|e| e.incoming.is_some()).count();
        let mut dropped_newer = false;
        let mut dropped_older = false;
        if incoming > keep {
            // Incoming entries are first in `entries`, so positions match.
            let at = selected_key
                .as_ref()
                .and_then(|k| self.entries[..incoming].iter().position(|e| e.key == *k))
                .unwrap_or(0);
            let start = at.saturating_sub(keep / 2).min(incoming - keep);
            dropped_newer = start > 0;
            dropped_older = start + keep < incoming;
            let mut index = 0;
            self.entries.retain(|e| {
                if e.incoming.is_none() {
                    return true;
                }
                let kept = (start..start + keep).contains(&index);
                index += 1;
                kept
            });
            added.retain(|k| self.entries.iter().any(|e| e.key == *k));
        }
        // Indices moved: select the same entry again.
        match selected_key {
            Some(key) => {
                self.select_key(&key);
                // In a scrolled list, rows that came in above the selection push the view down
                // with it, so the selected event stays where it was on screen. At the top, they
                // show where they came (the selection moves down, kept in view).
                if self.offset > 0
                    && let (Some(before), Some(after)) = (row_before, self.selected_row())
                    && after > before
                {
                    self.offset += after - before;
                }
            }
            None => {
                self.refilter();
            }
        }
        Added {
            keys: added,
            dropped_newer,
            dropped_older,
        }
    }

    /// The newest delivery id listed, for paging newer ones back in.
    pub fn newest_incoming(&self) -> Option<i64> {
        self.entries
            .iter()
            .filter_map(|e| e.incoming.as_ref().map(|i| i.id))
            .max()
    }

    /// The oldest delivery id listed, for paging older ones in from the store.
    pub fn oldest_incoming(&self) -> Option<i64> {
        self.entries
            .iter()
            .filter_map(|e| e.incoming.as_ref().map(|i| i.id))
            .min()
    }

    fn matches(&self, entry: &EventEntry) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.to_lowercase();
        entry.key.to_lowercase().contains(&needle)
            || entry.event_type.to_lowercase().contains(&needle)
    }

    /// Indices of the entries the filter lets through, in display order.
    pub fn visible(&self) -> Vec<usize> {
        let mut shown: Vec<usize> = (0..self.entries.len())
            .filter(|&i| self.matches(&self.entries[i]))
            .collect();
        if self.grouped {
            // Stable: within a family, the fixture order (types in catalog order, then variants).
            let order = self.group_order();
            shown.sort_by_key(|&i| {
                let g = &self.entries[i].group;
                order.iter().position(|o| o == g).unwrap_or(usize::MAX)
            });
        }
        shown
    }

    /// Families in order of first appearance.
    fn group_order(&self) -> Vec<String> {
        let mut order: Vec<String> = Vec::new();
        for e in &self.entries {
            if !order.contains(&e.group) {
                order.push(e.group.clone());
            }
        }
        order
    }

    /// The rows drawn: headers before each family when grouped.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let visible = self.visible();
        if !self.grouped {
            return visible.into_iter().map(Row::Event).collect();
        }
        let mut rows = Vec::with_capacity(visible.len() + 12);
        let mut i = 0;
        while i < visible.len() {
            let group = self.entries[visible[i]].group.as_str();
            let count = visible[i..]
                .iter()
                .take_while(|&&j| self.entries[j].group == group)
                .count();
            rows.push(Row::Header { group, count });
            rows.extend(visible[i..i + count].iter().map(|&j| Row::Event(j)));
            i += count;
        }
        rows
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.selected
            .filter(|&i| i < self.entries.len() && self.matches(&self.entries[i]))
    }

    pub fn selected_entry(&self) -> Option<&EventEntry> {
        self.selected_index().map(|i| &self.entries[i])
    }

    /// The row of the selection.
    pub fn selected_row(&self) -> Option<usize> {
        let selected = self.selected_index()?;
        self.rows().iter().position(|r| *r == Row::Event(selected))
    }

    /// Selects by key; false when there is no such event.
    pub fn select_key(&mut self, key: &str) -> bool {
        match self.entries.iter().position(|e| e.key == key) {
            Some(i) => {
                self.selected = Some(i);
                true
            }
            None => false,
        }
    }

    /// Moves the selection `delta` events through the visible ones, stopping at the ends.
    /// Returns true when the selection changed.
    pub fn move_by(&mut self, delta: isize) -> bool {
        let visible = self.visible();
        if visible.is_empty() {
            return false;
        }
        let current = self
            .selected_index()
            .and_then(|s| visible.iter().position(|&i| i == s));
        let target = match current {
            None => 0,
            Some(at) => at
                .saturating_add_signed(delta)
                .min(visible.len().saturating_sub(1)),
        };
        let before = self.selected_index();
        self.selected = Some(visible[target]);
        before != self.selected
    }

    /// Selects the event on a row (a click); headers select nothing. True when changed.
    pub fn select_row(&mut self, row: usize) -> bool {
        match self.rows().get(row) {
            Some(Row::Event(i)) => {
                let changed = self.selected != Some(*i);
                self.selected = Some(*i);
                changed
            }
            _ => false,
        }
    }

    /// After a filter change: keep the selection when still visible, else take the first.
    pub fn refilter(&mut self) -> bool {
        if self.selected_index().is_some() {
            return false;
        }
        let first = self.visible().first().copied();
        let changed = first != self.selected;
        self.selected = first;
        self.offset = 0;
        changed
    }

    /// Scrolls so the selected row is within `height` rows.
    pub fn ensure_visible(&mut self, height: usize) {
        let rows = self.rows().len();
        let height = height.max(1);
        if let Some(row) = self.selected_row() {
            // Keep the family header in view when the selection is its first event.
            let top_wanted = row.saturating_sub(1);
            if top_wanted < self.offset {
                self.offset = top_wanted;
            } else if row >= self.offset + height {
                self.offset = row + 1 - height;
            }
        }
        self.offset = self.offset.min(rows.saturating_sub(height));
        if !self.new_above.is_empty() {
            let offset = self.offset;
            let rows = self.rows();
            let above: Vec<&str> = rows[..offset.min(rows.len())]
                .iter()
                .filter_map(|r| match r {
                    Row::Event(i) => Some(self.entries[*i].key.as_str()),
                    Row::Header { .. } => None,
                })
                .collect();
            let still_above: Vec<String> = self
                .new_above
                .iter()
                .filter(|k| above.contains(&k.as_str()))
                .cloned()
                .collect();
            self.new_above = still_above;
        }
    }

    /// Counts deliveries that just arrived as new until they are in view (see
    /// [`EventsList::ensure_visible`]).
    pub fn mark_new(&mut self, keys: &[String]) {
        self.new_above.extend(keys.iter().cloned());
    }

    /// The marker of deliveries that arrived above the rows shown: "↑ 3 new".
    pub fn new_marker(&self) -> Option<String> {
        (!self.new_above.is_empty()).then(|| format!("↑ {} new", self.new_above.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_bodies_are_pretty_printed_and_laid_out_ones_kept() {
        let view = BodyView::of("{\"a\":1,\"b\":[true]}");
        let (text, error) = (view.text, view.parse_error);
        assert_eq!(text, "{\n  \"a\": 1,\n  \"b\": [\n    true\n  ]\n}");
        assert!(error.is_none());
        let laid_out = "{\n    \"a\": 1\n}\n";
        assert_eq!(BodyView::of(laid_out).text, laid_out);
    }

    #[test]
    fn a_bad_body_is_kept_with_its_position() {
        let view = BodyView::of("{\n  \"a\": ,\n}");
        let (text, error) = (view.text, view.parse_error);
        assert_eq!(text, "{\n  \"a\": ,\n}");
        let error = error.expect("error");
        assert!(error.starts_with("line 2, column 8: "), "{error}");
        assert!(!error.contains(" at line "), "{error}");
    }

    use hookbench_core::webhook::FixtureSet;

    fn list() -> EventsList {
        let set = FixtureSet::builtin().expect("fixtures");
        EventsList::new(set.iter().map(EventEntry::from_fixture).collect())
    }

    #[test]
    fn grouped_rows_put_a_header_before_each_family() {
        let list = list();
        let rows = list.rows();
        assert_eq!(
            rows[0],
            Row::Header {
                group: "payment",
                count: 4 + list
                    .entries()
                    .iter()
                    .filter(|e| e.group == "payment" && e.variant)
                    .count()
            }
        );
        let headers = rows
            .iter()
            .filter(|r| matches!(r, Row::Header { .. }))
            .count();
        // Every family, and the bodies that are not what Dodo sends under their own header.
        assert_eq!(
            headers,
            hookbench_core::webhook::catalog::groups().len() + 1
        );
        assert!(rows.contains(&Row::Header {
            group: NOT_DODO_GROUP,
            count: list.entries().iter().filter(|e| e.not_dodo).count()
        }));
        // Variants sit inside their family, after its plain types.
        let jpy = list
            .entries()
            .iter()
            .position(|e| e.key == "payment.succeeded.jpy")
            .expect("jpy variant");
        let jpy_row = rows
            .iter()
            .position(|r| *r == Row::Event(jpy))
            .expect("row");
        assert!(jpy_row < 8, "jpy variant at row {jpy_row}");
    }

    #[test]
    fn moving_skips_headers_and_stops_at_the_ends() {
        let mut list = list();
        assert_eq!(
            list.selected_entry().map(|e| e.key.as_str()),
            Some("payment.succeeded")
        );
        assert!(!list.move_by(-1));
        assert!(list.move_by(1));
        assert_eq!(
            list.selected_entry().map(|e| e.key.as_str()),
            Some("payment.failed")
        );
        assert!(list.move_by(isize::MAX / 2));
        assert!(!list.move_by(1));
        assert!(list.move_by(isize::MIN / 2));
        assert_eq!(list.selected_row(), Some(1));
    }

    #[test]
    fn the_filter_narrows_and_keeps_or_moves_the_selection() {
        let mut list = list();
        list.filter = "refund".into();
        assert!(list.refilter());
        assert!(
            list.visible()
                .iter()
                .all(|&i| list.entries()[i].key.contains("refund"))
        );
        assert_eq!(
            list.selected_entry().map(|e| e.group.as_str()),
            Some("refund")
        );
        list.filter = "no such event".into();
        list.refilter();
        assert!(list.selected_entry().is_none());
        assert!(list.rows().is_empty());
    }

    #[test]
    fn a_modified_body_is_kept_apart_and_resets() {
        let mut list = list();
        let entry = list.entry_mut("payment.succeeded").expect("entry");
        entry.set_modified(Some("{\"type\":\"payment.succeeded\"}".into()));
        assert!(entry.modified.is_some());
        assert!(entry.view.text.contains("\"type\": \"payment.succeeded\""));
        entry.set_modified(None);
        assert!(entry.modified.is_none());
        assert_eq!(entry.body(), entry.original);
    }

    #[test]
    fn ensure_visible_scrolls_both_ways() {
        let mut list = list();
        list.move_by(isize::MAX / 2);
        list.ensure_visible(10);
        let row = list.selected_row().expect("row");
        assert!(row >= list.offset && row < list.offset + 10);
        list.move_by(isize::MIN / 2);
        list.ensure_visible(10);
        assert_eq!(list.offset, 0);
    }
}
