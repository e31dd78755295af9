//! Syntax highlighting for the code views (webhook bodies as JSON, transformations as
//! JavaScript), with syntect.
//!
//! syntect is slow for a frame: about 2.5 MB/s on pretty JSON (9 µs a line) and 145 µs a line on
//! a typical transformation (release build, `regex-fancy`). So per document this keeps:
//! - the line start offsets, computed once;
//! - parser states (checkpoints) every [`CHECKPOINT_LINES`] lines or [`CHECKPOINT_WORK`] of
//!   parsing, whichever comes first, so any line is reached from a state at most ~1 ms away;
//! - the styled lines already shown, with the parser state at their start, so a frame showing
//!   the same lines parses nothing and a scroll by one line parses about one line;
//! - its text, so that the next revision (an edit) keeps everything above the first changed line,
//!   and the styled lines below the change as soon as the parser state there is back to what it
//!   was: typing parses about the edited line only.
//!
//! Parsing towards lines beyond the furthest point reached so far is bounded per call
//! ([`DEFAULT_BUDGET`]); when that is not enough the requested lines come back plain and
//! [`Highlighter::pending`] asks for another frame, which continues where this one stopped.
//!
//! A syntax's regexes compile as its lines are first parsed: ~50 ms for the first screen of
//! JavaScript (release), more than the whole first frame may take. The workbench therefore
//! prepares the syntaxes on a thread of their own ([`Syntaxes::prepare_in_background`]); until a
//! language is prepared its lines are shown plain and [`Highlighter::pending`] asks for frames
//! until the colours can come.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use ratatui::style::{Color, Modifier, Style};
use syntect::highlighting::{
    FontStyle, HighlightIterator, HighlightState, Highlighter as SyntectHighlighter,
    Theme as SyntectTheme,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

use crate::theme::Theme;

/// The languages the workbench shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Json,
    JavaScript,
}

impl Language {
    /// Every language, in the order they are prepared (JSON first: it is quick, and both the
    /// Webhook and the Segment panes show it).
    const ALL: [Language; 2] = [Language::Json, Language::JavaScript];

    /// How syntect's default set finds the syntax.
    fn extension(self) -> &'static str {
        match self {
            Language::Json => "json",
            Language::JavaScript => "js",
        }
    }

    fn index(self) -> usize {
        match self {
            Language::Json => 0,
            Language::JavaScript => 1,
        }
    }
}

/// A JSON text with every construct of the grammar, parsed to compile its regexes.
const JSON_SAMPLE: &str = r#"{
  "business_id": "bus_1",
  "data": {
    "amount": -1250.5e2,
    "paid": true,
    "refunded": false,
    "note": null,
    "escaped": "a \"quoted\" \u00e9 word",
    "items": [{ "id": 1 }, [], {}]
  }
}
"#;

/// Lines of a sample parsed when preparing a language: about a tall screen's worth, which
/// compiles what the first frame needs; lines further down compile what is left as they are
/// first shown.
const PREPARE_LINES: usize = 48;

/// syntect's syntax definitions, shared by the highlighter and the thread preparing them, if
/// any. Clones share the same set.
#[derive(Clone)]
pub struct Syntaxes {
    inner: Arc<SyntaxesInner>,
}

struct SyntaxesInner {
    /// Loaded once (~1 ms release).
    set: OnceLock<SyntaxSet>,
    /// Per language: whether the highlighter colours it yet.
    ready: [AtomicBool; 2],
    /// Set, with `done` notified, once no language is still being prepared.
    settled: Mutex<bool>,
    done: Condvar,
}

impl std::fmt::Debug for Syntaxes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syntaxes")
            .field("json", &self.is_ready(Language::Json))
            .field("javascript", &self.is_ready(Language::JavaScript))
            .finish()
    }
}

impl Default for Syntaxes {
    fn default() -> Syntaxes {
        Syntaxes::on_demand()
    }
}

impl Syntaxes {
    fn with_ready(ready: bool) -> Syntaxes {
        Syntaxes {
            inner: Arc::new(SyntaxesInner {
                set: OnceLock::new(),
                ready: [AtomicBool::new(ready), AtomicBool::new(ready)],
                settled: Mutex::new(ready),
                done: Condvar::new(),
            }),
        }
    }

    /// Loaded and compiled as they are first used, by the thread that highlights: every line
    /// asked for is coloured at once (the first call for a language pays for its regexes).
    pub fn on_demand() -> Syntaxes {
        Syntaxes::with_ready(true)
    }

    /// Loaded and compiled on a thread of their own, by parsing a JSON sample and then the first
    /// lines of `javascript` (the transformation the first frame shows). Until a language is
    /// prepared, the highlighter shows its lines plain and reports itself pending. Without a
    /// thread, they are compiled on demand.
    pub fn prepare_in_background(javascript: String) -> Syntaxes {
        let syntaxes = Syntaxes::with_ready(false);
        let preparing = syntaxes.clone();
        let spawned = std::thread::Builder::new()
            .name("hookbench-highlight".into())
            .spawn(move || preparing.prepare(&javascript));
        if spawned.is_err() {
            syntaxes.settle();
        }
        syntaxes
    }

    /// Parses each language's sample, marking it ready after; every language is marked ready on
    /// the way out, even if parsing panicked, so the highlighter never waits for good.
    fn prepare(&self, javascript: &str) {
        struct SettleOnExit<'a>(&'a Syntaxes);
        impl Drop for SettleOnExit<'_> {
            fn drop(&mut self) {
                self.0.settle();
            }
        }
        let _settle = SettleOnExit(self);
        let set = self.set();
        for language in Language::ALL {
            let sample = match language {
                Language::Json => JSON_SAMPLE,
                Language::JavaScript => javascript,
            };
            if let Some(syntax) = set.find_syntax_by_extension(language.extension()) {
                let mut state = ParseState::new(syntax);
                let mut line = String::new();
                for content in sample.lines().take(PREPARE_LINES) {
                    line.clear();
                    line.push_str(content);
                    line.push('\n');
                    if state.parse_line(&line, set).is_err() {
                        state = ParseState::new(syntax);
                    }
                }
            }
            self.inner.ready[language.index()].store(true, Ordering::Release);
        }
    }

    /// Marks every language ready and wakes whoever waits for that.
    fn settle(&self) {
        for ready in &self.inner.ready {
            ready.store(true, Ordering::Release);
        }
        *self
            .inner
            .settled
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.inner.done.notify_all();
    }

    fn set(&self) -> &SyntaxSet {
        self.inner
            .set
            .get_or_init(SyntaxSet::load_defaults_newlines)
    }

    /// True once `language` may be coloured without compiling on this thread what the
    /// preparing thread is compiling.
    pub fn is_ready(&self, language: Language) -> bool {
        self.inner.ready[language.index()].load(Ordering::Acquire)
    }

    /// Blocks until no language is still being prepared (at once for [`Syntaxes::on_demand`]):
    /// for measurements that must not overlap the preparation of the next.
    pub fn wait_until_ready(&self) {
        let mut settled = self
            .inner
            .settled
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while !*settled {
            settled = self
                .inner
                .done
                .wait(settled)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// One styled piece of a line.
pub type StyledLine = Vec<(Style, String)>;

/// At most this many lines between two saved parser states.
pub const CHECKPOINT_LINES: usize = 64;

/// A parser state is also saved after this much parsing since the last one, so lines of slow
/// syntaxes (JavaScript: ~145 µs each) are never more than this away from a state.
pub const CHECKPOINT_WORK: Duration = Duration::from_millis(1);

/// Lines longer than this (bytes) are shown plain: syntect takes ~6 ms on 16 KiB of minified JSON
/// (release) and gets slower the longer the line, which would stall the frame.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// Time one call may spend parsing towards the requested lines beyond the furthest line reached
/// before. 6 ms parse ~650 lines (~15 KB) of pretty JSON in a release build, so the end of a 1 MB
/// document is coloured after ~70 calls. The requested lines themselves, once reached, are always
/// styled: a call costs at most this, plus ~1 ms back to a checkpoint, plus the visible lines.
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(6);

/// Documents kept; the least recently used is dropped beyond this.
pub const MAX_DOCUMENTS: usize = 8;

/// Styled lines kept per document; beyond this, those far from the last request are dropped.
const MEMO_LINES: usize = 1024;

/// What a tab becomes: the views are narrow and JSON/JS indent by two.
const TAB: &str = "  ";

/// Parser state at the start of a line: all that is needed to resume highlighting there. The
/// scope stack stands in for syntect's `HighlightState` (it is that state's `path`), which is
/// rebuilt from it in microseconds and is cheaper to carry through lines nobody looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Checkpoint {
    parse: ParseState,
    scopes: ScopeStack,
}

impl Checkpoint {
    fn fresh(syntax: &SyntaxReference) -> Checkpoint {
        Checkpoint {
            parse: ParseState::new(syntax),
            scopes: ScopeStack::new(),
        }
    }
}

/// A styled line and the parser state at its start.
#[derive(Debug, Clone)]
struct Memo {
    start: Checkpoint,
    styled: StyledLine,
}

/// How far a document has been parsed, and the states saved on the way.
#[derive(Debug, Clone)]
struct Progress {
    /// Sorted by line; the first is line 0.
    checkpoints: Vec<(usize, Checkpoint)>,
    /// Lines before this have been parsed; `frontier` is the state at its start.
    frontier_line: usize,
    frontier: Checkpoint,
}

impl Progress {
    fn new(syntax: &SyntaxReference) -> Progress {
        let start = Checkpoint::fresh(syntax);
        Progress {
            checkpoints: vec![(0, start.clone())],
            frontier_line: 0,
            frontier: start,
        }
    }

    /// The known state closest at or before `line`: a checkpoint (line 0 always has one), the
    /// frontier, or a styled line's.
    fn start_for(&self, line: usize, memo: &BTreeMap<usize, Memo>) -> (usize, Checkpoint) {
        let index = self.checkpoints.partition_point(|(l, _)| *l <= line);
        let saved = index.checked_sub(1).and_then(|i| self.checkpoints.get(i));
        let candidates = saved
            .map(|(l, c)| (*l, c))
            .into_iter()
            .chain(std::iter::once((self.frontier_line, &self.frontier)))
            .chain(memo.range(..=line).next_back().map(|(l, m)| (*l, &m.start)));
        let best = candidates
            .filter(|(l, _)| *l <= line)
            .max_by_key(|(l, _)| *l);
        match best {
            Some((l, c)) => (l, c.clone()),
            None => (self.frontier_line, self.frontier.clone()),
        }
    }

    /// What still holds for a text whose first `lines` lines are the same as this one's.
    fn truncated(&self, lines: usize) -> Progress {
        let checkpoints: Vec<(usize, Checkpoint)> = self
            .checkpoints
            .iter()
            .filter(|(l, _)| *l <= lines)
            .cloned()
            .collect();
        let (frontier_line, frontier) = if self.frontier_line <= lines {
            (self.frontier_line, self.frontier.clone())
        } else {
            match checkpoints.last() {
                Some((l, c)) => (*l, c.clone()),
                None => (self.frontier_line, self.frontier.clone()),
            }
        };
        Progress {
            checkpoints,
            frontier_line,
            frontier,
        }
    }
}

/// What is kept per document.
#[derive(Debug)]
struct Document {
    doc: u64,
    language: Language,
    /// A copy, to find what the next revision of this text has in common with it.
    text: String,
    /// Byte offset of each line's start; its length is the line count.
    line_starts: Vec<usize>,
    /// None until a coloured call needs it.
    progress: Option<Progress>,
    /// Styled lines already computed; they never change for this text.
    memo: BTreeMap<usize, Memo>,
    /// Styled lines of an earlier revision below an edit, by their line here: each holds once
    /// the parser state at its start matches.
    shifted: BTreeMap<usize, Memo>,
    last_used: u64,
}

impl Document {
    fn new(doc: u64, language: Language, text: &str, tick: u64) -> Document {
        let mut line_starts = Vec::new();
        if !text.is_empty() {
            line_starts.push(0);
            line_starts.extend(
                text.match_indices('\n')
                    .map(|(i, _)| i + 1)
                    .filter(|&start| start < text.len()),
            );
        }
        Document {
            doc,
            language,
            text: text.to_string(),
            line_starts,
            progress: None,
            memo: BTreeMap::new(),
            shifted: BTreeMap::new(),
            last_used: tick,
        }
    }

    /// Bytes `text` has in common with this document's text, from the start and from the end
    /// (not overlapping).
    fn shared_bytes(&self, text: &str) -> (usize, usize) {
        let (a, b) = (self.text.as_bytes(), text.as_bytes());
        let prefix = common_prefix(a, b);
        let room = a.len().min(b.len()) - prefix;
        let suffix = common_suffix(a, b).min(room);
        (prefix, suffix)
    }

    /// Keeps what an earlier revision knew that still holds: everything about the lines above
    /// the first changed one, and its styled lines below the change, moved to their new line
    /// numbers, for the walk to take once the parser state agrees.
    fn inherit(&mut self, earlier: &Document) {
        let (prefix, suffix) = earlier.shared_bytes(&self.text);
        // Lines ending (newline included) within the common prefix are the same in both.
        let same = self.text.as_bytes()[..prefix]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.progress = earlier.progress.as_ref().map(|p| p.truncated(same));
        self.memo = earlier
            .memo
            .range(..same)
            .map(|(l, m)| (*l, m.clone()))
            .collect();
        // Lines starting after the first byte of the common suffix (so their newline before is
        // in it too) are the same lines as the earlier text's last ones.
        let tail = |starts: &[usize], len: usize| starts.partition_point(|&s| s <= len - suffix);
        let new_tail = tail(&self.line_starts, self.text.len());
        let old_tail = tail(&earlier.line_starts, earlier.text.len());
        let (new_total, old_total) = (self.line_starts.len(), earlier.line_starts.len());
        self.shifted = earlier
            .memo
            .range(old_tail..)
            .filter_map(|(l, m)| {
                let here = (l + new_total).checked_sub(old_total)?;
                (here >= new_tail.max(same)).then(|| (here, m.clone()))
            })
            .collect();
    }
}

/// Bytes two texts have in common from the start; compared in blocks, which compile to memcmp.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Bytes two texts have in common at the end.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n
        && a[a.len() - i - BLOCK..a.len() - i] == b[b.len() - i - BLOCK..b.len() - i]
    {
        i += BLOCK;
    }
    while i < n && a[a.len() - i - 1] == b[b.len() - i - 1] {
        i += 1;
    }
    i
}

/// Line `index` of `text` without its line ending (`\n` or `\r\n`); None if the text does not
/// match the offsets.
fn line_at<'t>(line_starts: &[usize], text: &'t str, index: usize) -> Option<&'t str> {
    let start = *line_starts.get(index)?;
    let end = line_starts.get(index + 1).copied().unwrap_or(text.len());
    let line = text.get(start..end)?;
    let line = line.strip_suffix('\n').unwrap_or(line);
    Some(line.strip_suffix('\r').unwrap_or(line))
}

/// The per-document cache, least recently used first out.
#[derive(Debug, Default)]
struct Cache {
    documents: Vec<Document>,
    tick: u64,
}

impl Cache {
    fn document(&mut self, doc: u64, language: Language, text: &str) -> &mut Document {
        self.tick += 1;
        let tick = self.tick;
        let found = self
            .documents
            .iter()
            .position(|d| d.doc == doc && d.language == language);
        let index = match found {
            // A key reused for another text must not index out of bounds; start afresh.
            Some(i) if self.documents[i].text.len() != text.len() => {
                self.documents[i] = Document::new(doc, language, text, tick);
                i
            }
            Some(i) => i,
            None => {
                let mut document = Document::new(doc, language, text, tick);
                // Most likely an edit of a document seen before: keep what still holds.
                let earlier = self
                    .documents
                    .iter()
                    .filter(|d| d.language == language && d.progress.is_some())
                    .map(|d| {
                        let (prefix, suffix) = d.shared_bytes(text);
                        (prefix + suffix, d)
                    })
                    .max_by_key(|(shared, d)| (*shared, d.last_used));
                if let Some((shared, earlier)) = earlier
                    && shared > 0
                {
                    document.inherit(earlier);
                }
                if self.documents.len() >= MAX_DOCUMENTS {
                    let oldest = self
                        .documents
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, d)| d.last_used)
                        .map(|(i, _)| i);
                    if let Some(i) = oldest {
                        self.documents.swap_remove(i);
                    }
                }
                self.documents.push(document);
                self.documents.len() - 1
            }
        };
        let document = &mut self.documents[index];
        document.last_used = tick;
        document
    }
}

/// Highlights JSON and JavaScript for the views. The cache sits in a `RefCell` on purpose: the
/// view is a pure function of the app state and memoises only through this.
pub struct Highlighter {
    /// None when colours are off.
    theme: Option<Arc<SyntectTheme>>,
    /// Loaded on the first coloured call (~1 ms release) unless prepared in the background,
    /// never when colours are off.
    syntaxes: Syntaxes,
    cache: RefCell<Cache>,
    pending: Cell<bool>,
    /// Per language: a call showed it plain because it was not prepared yet.
    waiting: [Cell<bool>; 2],
    budget: Duration,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("colored", &self.theme.is_some())
            .field(
                "cached_documents",
                &self.cache.try_borrow().map(|c| c.documents.len()).ok(),
            )
            .field("pending", &self.pending.get())
            .field("budget", &self.budget)
            .finish()
    }
}

impl Highlighter {
    /// A highlighter whose syntaxes load and compile on first use.
    pub fn new(theme: &Theme) -> Highlighter {
        Highlighter::with_syntaxes(theme, Syntaxes::on_demand())
    }

    /// A highlighter over `syntaxes`, which may be prepared in the background.
    pub fn with_syntaxes(theme: &Theme, syntaxes: Syntaxes) -> Highlighter {
        Highlighter {
            theme: theme.syntax.clone(),
            syntaxes,
            cache: RefCell::new(Cache::default()),
            pending: Cell::new(false),
            waiting: [Cell::new(false), Cell::new(false)],
            budget: DEFAULT_BUDGET,
        }
    }

    /// The syntaxes it highlights with.
    pub fn syntaxes(&self) -> &Syntaxes {
        &self.syntaxes
    }

    /// Styled lines `first .. first+count` of `text` (fewer at the end of the text). `doc`
    /// identifies the text's content (the caller passes a hash/revision that changes whenever the
    /// text changes); the cache is keyed by (doc, language).
    ///
    /// Lines come back with tabs expanded to 2 spaces and other control characters made visible
    /// (C0 as their Unicode control pictures such as `␛`, DEL as `␡`, C1 as `\u{9b}`) so they
    /// cannot disturb the terminal. When colours are off, each line is one span with
    /// `Style::default()`, as are lines left unstyled (too long, beyond this call's budget, or of
    /// a language still being prepared in the background).
    ///
    /// Unless prepared in the background, the first coloured call for a language also pays for
    /// syntect compiling that syntax's regexes: ~2 ms for JSON, ~50 ms for JavaScript (release).
    pub fn lines(
        &self,
        doc: u64,
        text: &str,
        language: Language,
        first: usize,
        count: usize,
    ) -> Vec<StyledLine> {
        self.pending.set(false);
        let mut cache = self.cache.borrow_mut();
        let document = cache.document(doc, language, text);
        let end = first.saturating_add(count).min(document.line_starts.len());
        if first >= end {
            return Vec::new();
        }
        let Some(theme) = &self.theme else {
            return plain_lines(&document.line_starts, text, first, end);
        };
        let waiting = &self.waiting[language.index()];
        if !self.syntaxes.is_ready(language) {
            waiting.set(true);
            return plain_lines(&document.line_starts, text, first, end);
        }
        waiting.set(false);
        let syntaxes = self.syntaxes.set();
        let Some(syntax) = syntaxes.find_syntax_by_extension(language.extension()) else {
            return plain_lines(&document.line_starts, text, first, end);
        };
        let walk = Walk {
            syntaxes,
            syntax,
            theme,
            highlighter: SyntectHighlighter::new(theme),
            deadline: Instant::now() + self.budget,
        };
        let (lines, pending) = walk.run(document, text, first, end);
        self.pending.set(pending);
        lines
    }

    /// True when the last `lines` call had to return some lines unstyled because they lie beyond
    /// what could be parsed within the per-call budget, or when a call showed a language plain
    /// that was still being prepared; the caller should draw again soon, and each call makes
    /// progress. A language prepared since it was shown plain is reported once, for the frame
    /// that colours it.
    pub fn pending(&self) -> bool {
        let mut waiting = false;
        for language in Language::ALL {
            let shown_plain = &self.waiting[language.index()];
            if shown_plain.get() {
                waiting = true;
                if self.syntaxes.is_ready(language) {
                    shown_plain.set(false);
                }
            }
        }
        self.pending.get() || waiting
    }

    /// How many lines `text` has, counted as `lines` does: every `\n` ends a line, and text
    /// after the last `\n` is one more line. So "" has 0 lines, "a" and "a\n" have 1, "a\n\n"
    /// has 2 (the second empty).
    pub fn line_count(text: &str) -> usize {
        let newlines = text.bytes().filter(|&b| b == b'\n').count();
        if text.is_empty() || text.ends_with('\n') {
            newlines
        } else {
            newlines + 1
        }
    }

    /// Documents currently cached (at most [`MAX_DOCUMENTS`]).
    pub fn cached_documents(&self) -> usize {
        self.cache.borrow().documents.len()
    }
}

/// Lines `first..end` as single unstyled spans.
fn plain_lines(line_starts: &[usize], text: &str, first: usize, end: usize) -> Vec<StyledLine> {
    (first..end)
        .map(|i| plain_line(line_at(line_starts, text, i).unwrap_or("")))
        .collect()
}

fn plain_line(line: &str) -> StyledLine {
    let mut out = String::with_capacity(line.len());
    push_sanitized(&mut out, line);
    vec![(Style::default(), out)]
}

/// One coloured `lines` call.
struct Walk<'a> {
    syntaxes: &'a SyntaxSet,
    syntax: &'a SyntaxReference,
    theme: &'a SyntectTheme,
    highlighter: SyntectHighlighter<'a>,
    deadline: Instant,
}

impl Walk<'_> {
    /// Styles the lines of `first..end` not styled before, parsing from the closest known state;
    /// returns the lines and whether some were left plain for lack of budget.
    fn run(
        &self,
        document: &mut Document,
        text: &str,
        first: usize,
        end: usize,
    ) -> (Vec<StyledLine>, bool) {
        let Document {
            line_starts,
            progress,
            memo,
            shifted,
            ..
        } = document;
        let progress = progress.get_or_insert_with(|| Progress::new(self.syntax));
        let mut pending = false;

        let missing_first = (first..end).find(|l| !memo.contains_key(l));
        let missing_last = (first..end).rev().find(|l| !memo.contains_key(l));
        if let (Some(from), Some(to)) = (missing_first, missing_last) {
            let (mut line, mut state) = progress.start_for(from, memo);
            let mut buffer = String::new();
            // Styles of the line being styled; rebuilt from `state.scopes` after any line that
            // was not styled here.
            let mut styles: Option<HighlightState> = None;
            let mut advanced = false;
            let mut since_checkpoint = Instant::now();

            while line <= to {
                let beyond = line >= progress.frontier_line;
                // Catching up to `first` is bounded; at least one line per call, so repeated
                // calls always get there.
                if beyond && line < first && advanced && Instant::now() >= self.deadline {
                    pending = true;
                    break;
                }
                let unstyled = !memo.contains_key(&line);
                let reusable = unstyled
                    && shifted.get(&line).is_some_and(|m| m.start == state)
                    && shifted.contains_key(&(line + 1));
                if reusable {
                    // Below an edit and back in step with the earlier revision: its line holds,
                    // and so does the state after it.
                    if let (Some(memo_line), Some(next)) =
                        (shifted.remove(&line), shifted.get(&(line + 1)))
                    {
                        state.clone_from(&next.start);
                        memo.insert(line, memo_line);
                    }
                    styles = None;
                } else {
                    let wanted = line >= first && unstyled;
                    let start = wanted.then(|| state.clone());
                    let styled = self.step(
                        line_at(line_starts, text, line),
                        &mut buffer,
                        &mut state,
                        &mut styles,
                        wanted,
                    );
                    if let (Some(start), Some(styled)) = (start, styled) {
                        memo.insert(line, Memo { start, styled });
                    }
                }
                line += 1;
                if beyond {
                    advanced = true;
                    progress.frontier_line = line;
                    let last_saved = progress.checkpoints.last().map_or(0, |(l, _)| *l);
                    if line - last_saved >= CHECKPOINT_LINES
                        || since_checkpoint.elapsed() >= CHECKPOINT_WORK
                    {
                        progress.checkpoints.push((line, state.clone()));
                        since_checkpoint = Instant::now();
                    }
                }
            }
            if advanced {
                progress.frontier = state;
            }
        }

        let lines = (first..end)
            .map(|l| match memo.get(&l) {
                Some(m) => m.styled.clone(),
                None => plain_line(line_at(line_starts, text, l).unwrap_or("")),
            })
            .collect();
        if memo.len() > MEMO_LINES {
            let keep = first.saturating_sub(MEMO_LINES / 2)..end.saturating_add(MEMO_LINES / 2);
            memo.retain(|l, _| keep.contains(l));
            shifted.retain(|l, _| keep.contains(l));
        }
        (lines, pending)
    }

    /// Parses one line (`content`, None if the text does not match the offsets), advancing
    /// `state`; styles it when `wanted`. A line too long to parse in time is plain, and the next starts from a fresh state,
    /// which is close enough.
    fn step(
        &self,
        content: Option<&str>,
        buffer: &mut String,
        state: &mut Checkpoint,
        styles: &mut Option<HighlightState>,
        wanted: bool,
    ) -> Option<StyledLine> {
        let Some(content) = content.filter(|l| l.len() <= MAX_LINE_BYTES) else {
            *state = Checkpoint::fresh(self.syntax);
            *styles = None;
            return wanted.then(|| plain_line(content.unwrap_or("")));
        };
        buffer.clear();
        buffer.push_str(content);
        buffer.push('\n');
        match state.parse.parse_line(buffer, self.syntaxes) {
            Ok(ops) if wanted => {
                let highlight = styles.get_or_insert_with(|| {
                    HighlightState::new(&self.highlighter, state.scopes.clone())
                });
                let pieces = HighlightIterator::new(highlight, &ops, buffer, &self.highlighter);
                let styled = self.styled_line(pieces);
                state.scopes.clone_from(&highlight.path);
                Some(styled)
            }
            Ok(ops) => {
                *styles = None;
                if ops
                    .iter()
                    .try_for_each(|(_, op)| state.scopes.apply(op))
                    .is_err()
                {
                    *state = Checkpoint::fresh(self.syntax);
                }
                None
            }
            Err(_) => {
                // Unexpected; start over on the next line rather than fail the view.
                *state = Checkpoint::fresh(self.syntax);
                *styles = None;
                wanted.then(|| plain_line(content))
            }
        }
    }

    /// Merges syntect's pieces into spans (adjacent equal styles joined), without the newline.
    fn styled_line<'b>(
        &self,
        pieces: impl Iterator<Item = (syntect::highlighting::Style, &'b str)>,
    ) -> StyledLine {
        let mut spans: StyledLine = Vec::new();
        for (style, piece) in pieces {
            let piece = piece.strip_suffix('\n').unwrap_or(piece);
            if piece.is_empty() {
                continue;
            }
            let style = self.convert(style);
            match spans.last_mut() {
                Some((last, s)) if *last == style => push_sanitized(s, piece),
                _ => {
                    let mut s = String::with_capacity(piece.len());
                    push_sanitized(&mut s, piece);
                    spans.push((style, s));
                }
            }
        }
        if spans.is_empty() {
            spans.push((Style::default(), String::new()));
        }
        spans
    }

    /// syntect's foreground and font style; its background is ignored so the terminal's shows.
    fn convert(&self, style: syntect::highlighting::Style) -> Style {
        let mut out = Style::new();
        if let Some(fg) = self.color(style.foreground) {
            out = out.fg(fg);
        }
        let font = style.font_style;
        if font.contains(FontStyle::BOLD) {
            out = out.add_modifier(Modifier::BOLD);
        }
        if font.contains(FontStyle::ITALIC) {
            out = out.add_modifier(Modifier::ITALIC);
        }
        if font.contains(FontStyle::UNDERLINE) {
            out = out.add_modifier(Modifier::UNDERLINED);
        }
        out
    }

    /// An RGB colour; a translucent one is blended over the theme's own background (the
    /// colour its author meant), a fully transparent one leaves the default.
    fn color(&self, c: syntect::highlighting::Color) -> Option<Color> {
        match (c.a, self.theme.settings.background) {
            (0, _) => None,
            (255, _) | (_, None) => Some(Color::Rgb(c.r, c.g, c.b)),
            (a, Some(bg)) => {
                let mix = |fg: u8, bg: u8| {
                    let a = u16::from(a);
                    let mixed = (u16::from(fg) * a + u16::from(bg) * (255 - a)) / 255;
                    u8::try_from(mixed).unwrap_or(u8::MAX)
                };
                Some(Color::Rgb(mix(c.r, bg.r), mix(c.g, bg.g), mix(c.b, bg.b)))
            }
        }
    }
}

/// Appends `s` with tabs expanded and control characters made visible.
fn push_sanitized(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\t' => out.push_str(TAB),
            // C0 controls map onto the Control Pictures block (U+2400..U+241F), one column wide.
            '\0'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('\u{2421}'),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// A stable 64-bit hash of a text, for `doc` keys: FxHash's step over 8-byte words (several
/// GB/s), then a SplitMix64 finish so that similar texts spread over all bits. One changed word
/// always changes the key, since each step is a bijection of the running state.
pub fn content_key(text: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let bytes = text.as_bytes();
    let mut hash = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(word);
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
    }
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dark() -> Highlighter {
        Highlighter::new(&Theme::default_dark(false))
    }

    fn text_of(line: &StyledLine) -> String {
        line.iter().map(|(_, s)| s.as_str()).collect()
    }

    fn style_of(line: &StyledLine, needle: &str) -> Style {
        line.iter()
            .find(|(_, s)| s.contains(needle))
            .map(|(style, _)| *style)
            .unwrap_or_else(|| panic!("{needle:?} not in {line:?}"))
    }

    /// Lines once the highlighter has caught up (the first parse of a syntax compiles its
    /// regexes, which can exceed the budget in a debug build).
    fn settled(
        h: &Highlighter,
        text: &str,
        language: Language,
        first: usize,
        count: usize,
    ) -> Vec<StyledLine> {
        loop {
            let lines = h.lines(content_key(text), text, language, first, count);
            if !h.pending() {
                return lines;
            }
        }
    }

    /// A pretty-printed JSON array of about `size` bytes.
    fn big_json(size: usize) -> String {
        let mut out = String::from("[\n");
        let mut i = 0u64;
        while out.len() < size {
            let _ = write!(
                out,
                "  {{\n    \"id\": \"evt_{i:08}\",\n    \"amount\": {},\n    \"currency\": \"USD\",\n    \"paid\": true\n  }},\n",
                i * 37
            );
            i += 1;
        }
        out.push_str("  {}\n]\n");
        out
    }

    #[test]
    fn json_keys_and_strings_differ() {
        let h = dark();
        let text = "{\n  \"key\": \"value\",\n  \"n\": 12\n}\n";
        let lines = h.lines(content_key(text), text, Language::Json, 1, 1);
        let line = &lines[0];
        assert_eq!(text_of(line), "  \"key\": \"value\",");
        let key = style_of(line, "key");
        let value = style_of(line, "value");
        assert!(key.fg.is_some() && value.fg.is_some());
        assert_ne!(key.fg, value.fg, "{line:?}");
        assert_eq!(key.bg, None, "no background from syntect");
        assert!(!h.pending());
    }

    #[test]
    fn light_theme_keys_and_strings_differ() {
        let theme = Theme::load("light", None, false).expect("light");
        let h = Highlighter::new(&theme);
        let text = "{\"key\": \"value\", \"list\": [\"item\"]}";
        let lines = h.lines(content_key(text), text, Language::Json, 0, 1);
        let key = style_of(&lines[0], "key");
        assert_ne!(key.fg, style_of(&lines[0], "value").fg);
        assert_ne!(key.fg, style_of(&lines[0], "item").fg);
    }

    #[test]
    fn javascript_keywords_are_styled() {
        let h = dark();
        let text = "function handler(webhook) {\n  return webhook;\n}\n";
        let lines = h.lines(content_key(text), text, Language::JavaScript, 0, 10);
        assert_eq!(lines.len(), 3);
        let keyword = style_of(&lines[0], "function");
        let name = style_of(&lines[0], "handler");
        assert!(keyword.fg.is_some());
        assert_ne!(keyword, name);
        assert_eq!(style_of(&lines[1], "return").fg, keyword.fg);
    }

    #[test]
    fn a_language_being_prepared_is_plain_and_pending_then_coloured() {
        let syntaxes = Syntaxes::with_ready(false);
        let h = Highlighter::with_syntaxes(&Theme::default_dark(false), syntaxes.clone());
        let text = "function handler(webhook) {\n  return webhook;\n}\n";
        let plain = h.lines(content_key(text), text, Language::JavaScript, 0, 10);
        assert_eq!(plain.len(), 3);
        assert_eq!(
            plain[0],
            vec![(Style::default(), "function handler(webhook) {".into())]
        );
        assert!(h.pending(), "a frame is asked for while it is prepared");
        assert!(h.pending(), "and again, until it is ready");

        syntaxes.settle();
        assert!(
            h.pending(),
            "one more frame, to colour what was drawn plain"
        );
        assert!(!h.pending(), "asked for once");
        let coloured = h.lines(content_key(text), text, Language::JavaScript, 0, 10);
        assert!(style_of(&coloured[0], "function").fg.is_some());
        assert!(!h.pending());
    }

    #[test]
    fn syntaxes_prepared_in_the_background_colour_as_on_demand_ones_do() {
        let text = "function handler(webhook) {\n  return webhook;\n}\n";
        let syntaxes = Syntaxes::prepare_in_background(text.to_string());
        syntaxes.wait_until_ready();
        assert!(syntaxes.is_ready(Language::Json) && syntaxes.is_ready(Language::JavaScript));
        let background = Highlighter::with_syntaxes(&Theme::default_dark(false), syntaxes);
        let json = "{\n  \"a\": [1, true, null, \"x\"]\n}\n";
        for (text, language) in [(text, Language::JavaScript), (json, Language::Json)] {
            assert_eq!(
                background.lines(content_key(text), text, language, 0, 10),
                dark().lines(content_key(text), text, language, 0, 10)
            );
        }
        assert!(!background.pending());
    }

    #[test]
    fn on_demand_syntaxes_are_ready_at_once() {
        let syntaxes = Syntaxes::on_demand();
        assert!(syntaxes.is_ready(Language::Json) && syntaxes.is_ready(Language::JavaScript));
        syntaxes.wait_until_ready();
    }

    #[test]
    fn lines_out_of_range_come_back_fewer() {
        let h = dark();
        let text = "[\n1,\n2\n]\n";
        assert_eq!(Highlighter::line_count(text), 4);
        let key = content_key(text);
        assert_eq!(h.lines(key, text, Language::Json, 2, 10).len(), 2);
        assert!(h.lines(key, text, Language::Json, 4, 3).is_empty());
        assert!(
            h.lines(key, text, Language::Json, usize::MAX, usize::MAX)
                .is_empty()
        );
        assert!(h.lines(0, "", Language::Json, 0, 5).is_empty());
    }

    #[test]
    fn line_count_rules() {
        assert_eq!(Highlighter::line_count(""), 0);
        assert_eq!(Highlighter::line_count("a"), 1);
        assert_eq!(Highlighter::line_count("a\n"), 1);
        assert_eq!(Highlighter::line_count("a\n\n"), 2);
        assert_eq!(Highlighter::line_count("a\nb"), 2);
        let h = dark();
        for text in ["", "a", "a\n", "a\n\n", "a\nb", "\n"] {
            let lines = h.lines(content_key(text), text, Language::Json, 0, 10);
            assert_eq!(lines.len(), Highlighter::line_count(text), "{text:?}");
        }
    }

    #[test]
    fn a_big_document_converges_over_calls() {
        let text = big_json(1_000_000);
        let total = Highlighter::line_count(&text);
        let key = content_key(&text);
        let h = dark();
        let last = total - 1;

        // The top is coloured at once.
        let top = h.lines(key, &text, Language::Json, 0, 40);
        assert_eq!(top.len(), 40);
        assert!(top[2].len() > 1, "{:?}", top[2]);
        assert!(!h.pending());

        // The end is not reachable in one call: plain, and pending.
        let first = h.lines(key, &text, Language::Json, last - 1, 40);
        assert_eq!(first.len(), 2);
        assert!(h.pending());
        assert_eq!(text_of(&first[1]), "]");

        let mut calls = 1;
        while h.pending() {
            let lines = h.lines(key, &text, Language::Json, total - 40, 40);
            assert_eq!(lines.len(), 40);
            calls += 1;
            assert!(calls < 100_000, "no progress");
        }
        let lines = h.lines(key, &text, Language::Json, total - 40, 40);
        assert!(!h.pending());
        let paid = lines
            .iter()
            .find(|l| text_of(l).contains("\"paid\""))
            .expect("a paid line");
        assert!(paid.len() > 1, "styled: {paid:?}");
        let end = &lines[39];
        assert_eq!(text_of(end), "]");
        assert!(end[0].0.fg.is_some(), "the last line is styled: {end:?}");
        // Same styling as parsing from the start would give.
        let fresh = dark();
        let head = "[\n  {\n    \"id\": \"evt_00000000\",\n    \"amount\": 0,\n    \"currency\": \"USD\",\n    \"paid\": true\n  },\n";
        let expected = settled(&fresh, head, Language::Json, 5, 1);
        assert_eq!(paid, &expected[0]);
    }

    #[test]
    fn an_edit_keeps_what_is_above_it() {
        let text = big_json(120_000);
        let total = Highlighter::line_count(&text);
        let h = dark();
        let before = settled(&h, &text, Language::Json, total - 30, 30);
        // Change a value near the end: everything above it still holds, so the new revision
        // is styled at once, without catching up from the top.
        let at = text.rfind("\"USD\"").expect("a currency");
        let edited = format!("{}\"EUR\"{}", &text[..at], &text[at + 5..]);
        let after = h.lines(
            content_key(&edited),
            &edited,
            Language::Json,
            total - 30,
            30,
        );
        assert!(!h.pending());
        assert_eq!(after.len(), 30);
        let changed = after
            .iter()
            .position(|l| text_of(l).contains("EUR"))
            .expect("the edited line");
        assert!(after[changed].len() > 1, "styled: {:?}", after[changed]);
        for (i, (a, b)) in before.iter().zip(&after).enumerate() {
            if i != changed {
                assert_eq!(a, b, "line {i}");
            }
        }
        assert_eq!(h.cached_documents(), 2);
    }

    const SCRIPT: &str = "// Maps a payment to a Segment track call.
function handler(webhook) {
  const p = webhook.payload;
  const amount = p.data.total_amount / 100;
  if (!p.data.customer) {
    return webhook;
  }
  const name = `Order ${p.data.payment_id}`;
  webhook.payload = {
    userId: p.data.customer.customer_id,
    event: 'Order Completed',
    properties: { revenue: amount, currency: \"USD\", name },
  };
  return webhook; /* done */
}
";

    #[test]
    fn edits_give_what_a_fresh_start_gives() {
        let h = dark();
        let reference = dark();
        let edits: [fn(&str) -> String; 6] = [
            |t| t.replacen("const amount", "const amounts", 1),
            |t| t.replacen("  const p", "  /* const p", 1),
            |t| t.replacen("  /* const p", "  const p", 1),
            |t| t.replacen("'Order Completed'", "'Order Completed\n'", 1),
            |t| t.replacen("  if (", "  // a comment\n  if (", 1),
            |t| t.replacen("  // a comment\n", "", 1),
        ];
        let mut text = SCRIPT.to_string();
        settled(&h, &text, Language::JavaScript, 0, 40);
        for (i, edit) in edits.iter().enumerate() {
            let edited = edit(&text);
            assert_ne!(edited, text, "edit {i} applies");
            text = edited;
            let got = settled(&h, &text, Language::JavaScript, 0, 40);
            reference.cache.borrow_mut().documents.clear();
            let want = settled(&reference, &text, Language::JavaScript, 0, 40);
            assert_eq!(got, want, "after edit {i}");
        }
        // Scrolling gives the same lines as a fresh start too.
        let got = settled(&h, &text, Language::JavaScript, 5, 5);
        reference.cache.borrow_mut().documents.clear();
        assert_eq!(got, settled(&reference, &text, Language::JavaScript, 5, 5));
    }

    #[test]
    fn typing_reuses_the_lines_below() {
        let h = dark();
        settled(&h, SCRIPT, Language::JavaScript, 0, 40);
        let edited = SCRIPT.replacen("const amount", "const amountX", 1);
        h.lines(content_key(&edited), &edited, Language::JavaScript, 0, 40);
        let cache = h.cache.borrow();
        let doc = cache
            .documents
            .iter()
            .find(|d| d.doc == content_key(&edited))
            .expect("the edited revision");
        // Everything below the edited line came over from the earlier revision.
        assert!(doc.shifted.len() <= 1, "{}", doc.shifted.len());
        assert_eq!(doc.memo.len(), Highlighter::line_count(&edited));
    }

    #[test]
    fn the_middle_styles_after_the_frontier_passes() {
        let text = big_json(200_000);
        let key = content_key(&text);
        let mut h = dark();
        h.budget = Duration::ZERO;
        // With no budget, each call still parses one new line.
        let mut calls = 0;
        loop {
            h.lines(key, &text, Language::Json, 300, 10);
            calls += 1;
            if !h.pending() {
                break;
            }
        }
        assert!(calls > 1 && calls <= 311, "{calls}");
        // Earlier lines now come from checkpoints without pending.
        let lines = h.lines(key, &text, Language::Json, 100, 10);
        assert!(!h.pending());
        assert!(lines.iter().any(|l| l.len() > 1));
    }

    #[test]
    fn very_long_lines_are_plain_and_later_lines_still_styled() {
        let mut text = String::from("[");
        while text.len() < 100_000 {
            text.push_str("{\"a\":\"b\"},");
        }
        text.push_str("{}]\n{\"key\": \"value\"}\n");
        let h = dark();
        let lines = h.lines(content_key(&text), &text, Language::Json, 0, 2);
        assert_eq!(lines[0].len(), 1);
        assert_eq!(lines[0][0].0, Style::default());
        assert!(lines[1].len() > 1, "{:?}", lines[1]);
        assert!(!h.pending());
    }

    #[test]
    fn tabs_and_control_characters_are_made_safe() {
        let text = "{\n\t\"a\": \"x\u{1b}[31my\u{7f}\u{9b}\"\r\n}\r\n";
        for h in [dark(), Highlighter::new(&Theme::default_dark(true))] {
            let lines = h.lines(content_key(text), text, Language::Json, 0, 3);
            assert_eq!(lines.len(), 3);
            let line = text_of(&lines[1]);
            assert_eq!(line, "  \"a\": \"x␛[31my␡\\u{9b}\"");
            assert!(
                lines
                    .iter()
                    .flatten()
                    .all(|(_, s)| !s.chars().any(char::is_control))
            );
        }
    }

    #[test]
    fn no_colour_gives_one_plain_span_per_line() {
        let h = Highlighter::new(&Theme::default_dark(true));
        let text = "function f() {\n  return 1;\n}";
        let lines = h.lines(content_key(text), text, Language::JavaScript, 0, 5);
        assert_eq!(lines.len(), 3);
        for line in &lines {
            assert_eq!(line.len(), 1);
            assert_eq!(line[0].0, Style::default());
        }
        assert_eq!(lines[1][0].1, "  return 1;");
        assert!(!h.pending());
    }

    #[test]
    fn the_cache_is_bounded() {
        let h = dark();
        for i in 0..20 {
            let text = format!("{{\"n\": {i}}}\n");
            h.lines(content_key(&text), &text, Language::Json, 0, 1);
            assert!(h.cached_documents() <= MAX_DOCUMENTS);
        }
        assert_eq!(h.cached_documents(), MAX_DOCUMENTS);
        // The same key in another language is another entry; recently used ones stay.
        let text = "{\"n\": 19}\n";
        h.lines(content_key(text), text, Language::JavaScript, 0, 1);
        let cache = h.cache.borrow();
        assert!(
            cache
                .documents
                .iter()
                .any(|d| d.doc == content_key(text) && d.language == Language::Json)
        );
    }

    #[test]
    fn a_reused_key_with_other_text_does_not_panic() {
        let h = dark();
        let a = "{\"a\": 1}\n{\"b\": 2}\n";
        let b = "é\n";
        h.lines(7, a, Language::Json, 0, 2);
        let lines = h.lines(7, b, Language::Json, 0, 2);
        assert_eq!(lines.len(), 1);
        // Same length, but the saved offsets fall inside a character of the new text.
        let c = "1\n22\n333\n";
        h.lines(8, c, Language::Json, 0, 5);
        let d = "ééééx";
        assert_eq!(c.len(), d.len());
        let lines = h.lines(8, d, Language::Json, 0, 5);
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn content_keys_tell_texts_apart() {
        assert_eq!(content_key("abc"), content_key("abc"));
        assert_ne!(content_key("abc"), content_key("abd"));
        assert_ne!(content_key(""), content_key("\0"));
        assert_ne!(content_key("12345678"), content_key("123456789"));
    }
}
