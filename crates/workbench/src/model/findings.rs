//! The findings a pane lists under its text, and that list's layout: the rows each finding takes
//! wrapped to the pane's width, how many there are of each severity, and the worst severity on
//! each line of the text. A long cart's body has some 20,000 findings, so the layout is worked
//! out once per findings and width, as `update` settles the view, and kept in the app: a frame
//! then touches only the findings in view. A layout kept for other findings or another width is
//! never used; whoever asks then gets one worked out afresh.

use std::borrow::Cow;
use std::collections::HashMap;

use hookbench_core::segment::diagnostic::Finding;
use hookbench_core::segment::{Diagnostic, Severity};
use hookbench_core::webhook::InputDiagnostic;

use super::app::App;
use super::measure::{FindingRow, finding_parts, wrap_starts};
use super::output::PointerLines;
use crate::layout::Pane;

/// The findings a pane lists, of either kind, read by index without building a row for each.
#[derive(Debug, Clone, Copy)]
pub enum Findings<'a> {
    /// What Dodo's schema says about a body.
    Input(&'a [InputDiagnostic]),
    /// The lint findings of an output.
    Lint(&'a [Diagnostic]),
}

fn row_of<F: Finding>(finding: &F) -> FindingRow<'_> {
    FindingRow {
        severity: finding.severity(),
        code: finding.code(),
        path: finding.path(),
        message: finding.message(),
    }
}

impl<'a> Findings<'a> {
    pub fn len(self) -> usize {
        match self {
            Findings::Input(findings) => findings.len(),
            Findings::Lint(findings) => findings.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The finding at `index` as a listed row.
    pub fn get(self, index: usize) -> Option<FindingRow<'a>> {
        match self {
            Findings::Input(findings) => findings.get(index).map(row_of),
            Findings::Lint(findings) => findings.get(index).map(row_of),
        }
    }

    /// Every finding as a listed row, in order.
    pub fn iter(self) -> impl Iterator<Item = FindingRow<'a>> {
        (0..self.len()).filter_map(move |i| self.get(i))
    }

    /// Where the findings are held: with the result's stamp and their count, it tells one list
    /// from another.
    fn address(self) -> usize {
        match self {
            Findings::Input(findings) => findings.as_ptr() as usize,
            Findings::Lint(findings) => findings.as_ptr() as usize,
        }
    }
}

/// A pane's findings: the Webhook pane's input diagnostics, the Segment pane's lint findings
/// (none for the other panes).
pub fn pane_findings(app: &App, pane: Pane) -> Findings<'_> {
    match pane {
        Pane::Webhook => Findings::Input(app.selected_input_diagnostics()),
        Pane::Segment => Findings::Lint(
            app.selected_result()
                .map_or(&[][..], |r| r.record.diagnostics.as_slice()),
        ),
        _ => Findings::Lint(&[]),
    }
}

/// What a layout was worked out from. Results change only through methods that stamp them
/// anew, so the stamp of the result the findings belong to, with where they are held and how
/// many, names one list of findings; `doc` is the content key of the text their paths point into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LayoutKey {
    stamp: Option<u64>,
    address: usize,
    len: usize,
    doc: u64,
    width: u16,
}

/// A pane's findings and the text they point into.
struct Source<'a> {
    findings: Findings<'a>,
    lines: Option<&'a PointerLines>,
    key: LayoutKey,
}

fn source(app: &App, pane: Pane, width: u16) -> Source<'_> {
    let findings = pane_findings(app, pane);
    let selected = app.selected();
    let (lines, doc) = match pane {
        Pane::Webhook => selected.map_or((None, 0), |e| (Some(&e.view.lines), e.view.doc)),
        _ => app
            .selected_result()
            .and_then(|r| r.output.as_ref())
            .map_or((None, 0), |o| (Some(&o.lines_by_pointer), o.doc)),
    };
    Source {
        findings,
        lines,
        key: LayoutKey {
            stamp: selected.and_then(|e| app.results.stamp(&e.key)),
            address: findings.address(),
            len: findings.len(),
            doc,
            width,
        },
    }
}

/// How a list of findings lays out in a pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingsLayout {
    key: LayoutKey,
    /// The list row each finding starts on, then the rows of the whole list.
    starts: Vec<usize>,
    counts: (usize, usize, usize),
    worst: HashMap<usize, Severity>,
}

impl FindingsLayout {
    fn measure(source: &Source) -> FindingsLayout {
        let width = usize::from(source.key.width);
        let mut starts = Vec::with_capacity(source.findings.len() + 1);
        let mut rows = 0;
        let (mut errors, mut warnings, mut infos) = (0, 0, 0);
        let mut worst: HashMap<usize, Severity> = HashMap::new();
        for row in source.findings.iter() {
            starts.push(rows);
            rows += wrap_starts(&finding_parts(&row).concat(), width, usize::MAX).len();
            match row.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Info => infos += 1,
            }
            if let Some(line) = source.lines.and_then(|lines| lines.line_of(row.path)) {
                worst
                    .entry(line)
                    .and_modify(|s| *s = (*s).min(row.severity))
                    .or_insert(row.severity);
            }
        }
        starts.push(rows);
        FindingsLayout {
            key: source.key,
            starts,
            counts: (errors, warnings, infos),
            worst,
        }
    }

    /// Rows of the whole list, wrapped.
    pub fn rows(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// The list row finding `index` starts on (the list's end past the last).
    pub fn start_of(&self, index: usize) -> usize {
        self.starts
            .get(index)
            .copied()
            .unwrap_or_else(|| self.rows())
    }

    /// Rows finding `index` takes.
    pub fn rows_of(&self, index: usize) -> usize {
        self.start_of(index + 1) - self.start_of(index)
    }

    /// The finding list row `row` belongs to (the last one past the list's end).
    pub fn finding_at(&self, row: usize) -> usize {
        let findings = self.starts.len().saturating_sub(1);
        self.starts
            .partition_point(|&start| start <= row)
            .saturating_sub(1)
            .min(findings.saturating_sub(1))
    }

    /// Errors, warnings and infos among the findings.
    pub fn counts(&self) -> (usize, usize, usize) {
        self.counts
    }

    /// The worst finding's severity on each line of the text some finding points at.
    pub fn worst_by_line(&self) -> &HashMap<usize, Severity> {
        &self.worst
    }
}

/// The layouts the app keeps, one a pane that lists findings.
#[derive(Debug, Default)]
pub struct FindingsLayouts {
    webhook: Option<FindingsLayout>,
    segment: Option<FindingsLayout>,
}

impl FindingsLayouts {
    fn of(&self, pane: Pane) -> Option<&FindingsLayout> {
        match pane {
            Pane::Webhook => self.webhook.as_ref(),
            Pane::Segment => self.segment.as_ref(),
            _ => None,
        }
    }
}

/// The layout the app keeps for a pane, when it is of these findings at this width.
fn kept<'a>(app: &'a App, pane: Pane, key: &LayoutKey) -> Option<&'a FindingsLayout> {
    app.findings_layouts
        .of(pane)
        .filter(|kept| kept.key == *key)
}

/// The layout of a pane's findings wrapped to `width`: the one the app keeps when it is of these
/// findings at this width, else one worked out now.
pub fn layout(app: &App, pane: Pane, width: u16) -> Cow<'_, FindingsLayout> {
    let source = source(app, pane, width);
    match kept(app, pane, &source.key) {
        Some(kept) => Cow::Borrowed(kept),
        None => Cow::Owned(FindingsLayout::measure(&source)),
    }
}

/// Rows of a pane's findings wrapped to `width`, or at least `enough` of them: the kept
/// layout's count, else the findings wrapped only until there are that many.
pub fn rows_up_to(app: &App, pane: Pane, width: u16, enough: usize) -> usize {
    let source = source(app, pane, width);
    if let Some(kept) = kept(app, pane, &source.key) {
        return kept.rows();
    }
    let mut rows = 0;
    for row in source.findings.iter() {
        if rows >= enough {
            break;
        }
        rows += wrap_starts(
            &finding_parts(&row).concat(),
            usize::from(width),
            usize::MAX,
        )
        .len();
    }
    rows
}

/// Works out and keeps the layout of a pane's findings wrapped to `width`, unless the one kept
/// is of these findings at this width already.
pub fn keep_layout(app: &mut App, pane: Pane, width: u16) {
    let source = source(app, pane, width);
    if kept(app, pane, &source.key).is_some() {
        return;
    }
    let measured = FindingsLayout::measure(&source);
    match pane {
        Pane::Webhook => app.findings_layouts.webhook = Some(measured),
        Pane::Segment => app.findings_layouts.segment = Some(measured),
        _ => {}
    }
}

/// True when the app keeps the layout of a pane's findings at `width`: a frame drawn now reads
/// it instead of working it out.
pub fn is_kept(app: &App, pane: Pane, width: u16) -> bool {
    kept(app, pane, &source(app, pane, width).key).is_some()
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;
    use hookbench_core::webhook::FixtureSet;
    use serde_json::{Value, json};

    use super::*;
    use crate::model::measure::{finding_row_counts, findings_area};
    use crate::model::message::Message;
    use crate::testing::{Harness, init};

    /// The Webhook pane's findings area: its width and the rows of its list.
    fn area(app: &App) -> (u16, usize) {
        let screen = ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1);
        let areas = crate::layout::compute(screen, app.tab, &app.sizing());
        findings_area(app, &areas, Pane::Webhook).expect("a findings area")
    }

    /// A payment.succeeded body whose cart has `items` items, each with keys Dodo's schema does
    /// not know (a finding each), selected, with the Webhook pane focused.
    fn long_cart(dir: &std::path::Path, items: usize) -> Harness {
        let fixtures = FixtureSet::builtin().expect("built-in fixtures");
        let mut body = fixtures
            .get("payment.succeeded")
            .expect("payment.succeeded")
            .json
            .clone();
        let cart: Vec<Value> = (0..items)
            .map(|i| {
                json!({
                    "product_id": format!("pdt_{i}"),
                    "quantity": 1,
                    "colour": "blue",
                })
            })
            .collect();
        body["data"]["product_cart"] = Value::Array(cart);
        let text = serde_json::to_string_pretty(&body).expect("serialise");
        std::fs::write(dir.join("cart.json"), text).expect("write the body");
        // The Webhook pane as a tab, wide enough for the findings summary's last part.
        let mut init = init(200, 45);
        init.layout = crate::layout::LayoutChoice::Tabs;
        init.fixtures = fixtures.with_dir(dir).expect("fixtures dir");
        init.event = Some("cart".into());
        let mut h = Harness::with_init(init);
        h.press(KeyCode::Char('2'));
        h
    }

    /// The rows the Webhook pane's findings summary says are below the list.
    fn hidden_rows(h: &mut Harness) -> usize {
        let screen = h.screen();
        let summary = screen
            .lines()
            .find(|l| l.contains("Dodo's schema:"))
            .unwrap_or_else(|| panic!("the findings summary on screen:\n{screen}"));
        let (_, after) = summary
            .split_once('↓')
            .unwrap_or_else(|| panic!("rows below the list:\n{screen}"));
        after
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a count")
    }

    /// The rows below the Webhook pane's list, counted afresh from its findings.
    fn hidden_counted(h: &Harness) -> usize {
        let (width, room) = area(&h.app);
        let rows: Vec<FindingRow> = pane_findings(&h.app, Pane::Webhook).iter().collect();
        let total: usize = finding_row_counts(&rows, width).iter().sum();
        assert!(is_kept(&h.app, Pane::Webhook, width), "the layout is kept");
        total - room
    }

    #[test]
    fn a_new_width_lays_the_findings_out_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut h = long_cart(dir.path(), 60);
        let wide = hidden_rows(&mut h);
        assert_eq!(wide, hidden_counted(&h));
        h.resize(140, 45);
        let narrow = hidden_rows(&mut h);
        assert_eq!(narrow, hidden_counted(&h));
        assert!(
            narrow > wide,
            "{narrow} rows hidden at 140 columns, {wide} at 200"
        );
    }

    #[test]
    fn new_findings_are_laid_out_again_even_as_many_as_before() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut h = long_cart(dir.path(), 60);
        let before = hidden_rows(&mut h);
        assert_eq!(before, hidden_counted(&h));
        // The same run's result again, its findings as many but each twice as long: the list
        // takes more rows though nothing but the messages changed.
        let result = h.app.results.get("cart").expect("a result");
        let job = result.job;
        let mut record = result.record.clone();
        let count = record.input_diagnostics.len();
        for finding in &mut record.input_diagnostics {
            finding.message = format!("{0} {0}", finding.message);
        }
        h.send(Message::RunDone {
            job,
            key: "cart".into(),
            record: Box::new(record.clone()),
        });
        assert_eq!(h.app.selected_input_diagnostics().len(), count);
        let longer = hidden_rows(&mut h);
        assert_eq!(longer, hidden_counted(&h));
        assert!(longer > before, "{longer} rows hidden, {before} before");
        // Half as many findings.
        record.input_diagnostics.truncate(count / 2);
        h.send(Message::RunDone {
            job,
            key: "cart".into(),
            record: Box::new(record),
        });
        let fewer = hidden_rows(&mut h);
        assert_eq!(fewer, hidden_counted(&h));
        assert!(fewer < longer, "{fewer} rows hidden, {longer} before");
    }

    #[test]
    fn findings_changed_in_place_are_laid_out_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut h = long_cart(dir.path(), 60);
        let (width, _) = area(&h.app);
        let kept = layout(&h.app, Pane::Webhook, width).into_owned();
        assert!(is_kept(&h.app, Pane::Webhook, width));
        // Changed in place outside `update` (the same findings, where they were, each twice as
        // long): the result is stamped anew all the same, so the layout kept for its findings
        // before is not read, and none is kept until `update` runs.
        h.app.results.change("cart", |result| {
            for finding in &mut result.record.input_diagnostics {
                finding.message = format!("{0} {0}", finding.message);
            }
        });
        assert!(!is_kept(&h.app, Pane::Webhook, width));
        let now = layout(&h.app, Pane::Webhook, width);
        assert!(matches!(now, Cow::Owned(_)));
        assert!(now.rows() > kept.rows());
        assert_eq!(now.counts(), kept.counts());
    }

    #[test]
    fn an_input_error_changed_in_is_noted_for_the_events_list() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut h = long_cart(dir.path(), 3);
        assert!(!h.app.has_input_errors("cart"));
        h.app.results.change("cart", |result| {
            result.record.input_diagnostics[0].severity = Severity::Error;
        });
        assert!(h.app.has_input_errors("cart"));
    }
}
