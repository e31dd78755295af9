//! The workbench's screens as text (ratatui `TestBackend` + insta snapshots): what a user sees
//! for a loaded event, a syntax error, lint warnings, the narrow layout, a too-small terminal,
//! the help overlay and the diff.

use crossterm::event::{KeyCode, KeyModifiers};
use hookbench_workbench::testing::{Harness, init, preset};

/// Run times differ from run to run: "71 µs" becomes "N µs", also where the unit is cut off.
fn stable(screen: &str) -> String {
    let mut out = String::with_capacity(screen.len());
    let mut digits = String::new();
    let mut rest = screen;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                // A run time becomes `N`, padded to the width its digits took, so that one more
                // digit does not shift what follows. The Segment pane's header may cut the unit
                // off: "428 B · 170".
                let pad = " ".repeat(digits.len() - 1);
                if let Some(after) = rest.strip_prefix(" µs") {
                    out.push_str("N µs");
                    out.push_str(&pad);
                    rest = after;
                    digits.clear();
                    continue;
                } else if out.ends_with("B · ") {
                    out.push('N');
                    out.push_str(&pad);
                } else {
                    out.push_str(&digits);
                }
                digits.clear();
            }
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push_str(&digits);
    out
}

fn snapshot(harness: &mut Harness) -> String {
    stable(&harness.screen())
}

#[test]
fn a_loaded_event_with_its_output() {
    let mut start = init(180, 45);
    start.event = Some("payment.succeeded".into());
    let mut h = Harness::with_init(start);
    let screen = snapshot(&mut h);
    assert!(screen.contains("\"event\": \"Order Completed\""));
    insta::assert_snapshot!("loaded_event", screen);
}

#[test]
fn a_syntax_error_is_shown_at_its_line() {
    let mut start = init(180, 45);
    start.transform.source =
        "function handler(webhook) {\n  const x = ;\n  return webhook;\n}\n".to_string();
    let mut h = Harness::with_init(start);
    let screen = snapshot(&mut h);
    assert!(
        screen.contains("✗ 2 "),
        "the gutter marks line 2:\n{screen}"
    );
    insta::assert_snapshot!("syntax_error", screen);
}

#[test]
fn lint_warnings_are_listed_and_their_lines_marked() {
    let mut start = init(180, 45);
    start.transform = preset("segment-track-payment");
    start.event = Some("payment.succeeded.jpy".into());
    let mut h = Harness::with_init(start);
    let screen = snapshot(&mut h);
    assert!(screen.contains("numeric-string"), "{screen}");
    assert!(screen.contains("minor-units"), "{screen}");
    insta::assert_snapshot!("lint_warnings", screen);
}

#[test]
fn narrow_screens_show_the_middle_panes_as_tabs() {
    // The tabs layout (`[ui] layout = "tabs"`); under 140 columns `auto` is a split.
    let mut start = init(100, 36);
    start.layout = hookbench_workbench::layout::LayoutChoice::Tabs;
    let mut h = Harness::with_init(start);
    let screen = snapshot(&mut h);
    assert!(
        screen.contains(" 2 Webhook   3 Transform   4 Segment "),
        "{screen}"
    );
    insta::assert_snapshot!("narrow_tabs", screen);
}

#[test]
fn a_too_small_terminal_gets_a_message() {
    let mut h = Harness::new(50, 12);
    let screen = snapshot(&mut h);
    assert!(screen.contains("Terminal too small"));
    insta::assert_snapshot!("too_small", screen);
}

#[test]
fn the_help_overlay_lists_the_keys() {
    let mut h = Harness::new(180, 60);
    h.press(KeyCode::Char('?'));
    let screen = snapshot(&mut h);
    assert!(
        screen.contains("Copy the output as a curl command"),
        "{screen}"
    );
    insta::assert_snapshot!("help", screen);
}

#[test]
fn the_diff_shows_what_an_edit_changed() {
    let mut h = Harness::new(180, 45);
    h.press(KeyCode::Char('i'));
    // Go to the event name of payment.succeeded and change it.
    let line = h
        .app
        .transform
        .editor
        .lines()
        .iter()
        .position(|l| l.contains("\"Order Completed\""))
        .expect("the mapping names Order Completed");
    let source = h
        .app
        .transform
        .text()
        .replacen("\"Order Completed\"", "\"Order Placed\"", 1);
    h.app.transform.editor = hookbench_workbench::model::editor::Editor::new(&source);
    h.app.transform.editor.go_to_line(line);
    h.type_text(" ");
    h.press_with(KeyCode::Char('z'), KeyModifiers::CONTROL);
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('d'));
    let screen = snapshot(&mut h);
    assert!(
        screen.contains("+   \"event\": \"Order Placed\""),
        "{screen}"
    );
    insta::assert_snapshot!("diff", screen);
}

#[test]
fn the_response_panel_shows_the_answer() {
    use hookbench_core::segment::send::{RequestInfo, ResponseBody};
    use hookbench_core::segment::{Outcome, SendReport};
    use hookbench_workbench::model::message::Message;
    let mut h = Harness::new(180, 45);
    let sink = url::Url::parse("http://127.0.0.1:9009/").expect("url");
    h.send(Message::SinkStarted(Ok(sink)));
    h.press(KeyCode::Char('s'));
    let id = h
        .effects
        .iter()
        .find_map(|e| match e {
            hookbench_workbench::model::message::Effect::Send(job) => Some(job.id),
            _ => None,
        })
        .expect("a send");
    let delivery = SendReport {
        destination: "local sink http://127.0.0.1:9009 (does not reach Segment)".into(),
        request: RequestInfo {
            method: "POST".into(),
            url: "http://127.0.0.1:9009/v1/track".into(),
            headers: [
                ("Authorization".to_string(), "Basic aG9v…".to_string()),
                ("Content-Type".to_string(), "application/json".to_string()),
            ]
            .into(),
            body: serde_json::json!({}),
            batch: None,
            written: None,
        },
        status: Some(200),
        response_headers: [("content-type".to_string(), "application/json".to_string())].into(),
        body: Some(ResponseBody::Json(serde_json::json!({"success": true}))),
        attempts: 2,
        latency_ms: 523,
        outcome: Outcome::Delivered,
        message: None,
    };
    h.send(Message::SendAnswered {
        id,
        key: "payment.succeeded".into(),
        report: Box::new(delivery),
        at: "14:02:11".into(),
    });
    let screen = snapshot(&mut h);
    assert!(
        screen.contains("✓ delivered 200 OK · 523 ms · 2 attempt(s)"),
        "{screen}"
    );
    insta::assert_snapshot!("response", screen);
}

/// Escape sequences and a bidi override, as a body or a transformation may hold them: a title
/// change, a screen clear, a C1 CSI and a right-to-left override.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202E}";

/// [`HOSTILE`] as it is drawn, escaped.
const HOSTILE_SHOWN: &str = "\\x1B]0;pwned\\x07\\x1B[2J\\x9B31m\\u{202E}";

/// Panics naming the cells whose symbol would reach the terminal raw.
fn assert_screen_safe(h: &mut Harness, what: &str) {
    let buffer = h.render().clone();
    let width = usize::from(buffer.area.width.max(1));
    let raw: Vec<String> = buffer
        .content()
        .iter()
        .enumerate()
        .filter(|(_, cell)| {
            cell.symbol()
                .chars()
                .any(hookbench_core::text::is_unsafe_char)
        })
        .map(|(i, cell)| format!("({}, {}) {:?}", i % width, i / width, cell.symbol()))
        .collect();
    assert!(
        raw.is_empty(),
        "{what}: cells with unsafe characters: {raw:?}\n{}",
        h.screen()
    );
}

/// A handler that logs what the body holds, copies it into its payload and fails on `fail`.
const HOSTILE_JS: &str = "function handler(webhook) {
  const mark = '\u{202E}';
  console.log('type ' + webhook.payload.type);
  console.log('\\u001b]0;pwned\\u0007 \\u001b[2J \\u009b31m \\u202e' + mark);
  if (webhook.payload.data && webhook.payload.data.fail) {
    throw new Error('failed on ' + webhook.payload.type);
  }
  webhook.url = 'https://api.segment.io/v1/track';
  webhook.payload = {
    userId: 'u_1',
    event: webhook.payload.type,
    messageId: 'm_1',
    properties: { note: webhook.payload.data && webhook.payload.data.note },
  };
  return webhook;
}
";

/// A body whose type and a field hold [`HOSTILE`], JSON-escaped; `fail` makes the handler throw.
fn hostile_body(fail: bool) -> String {
    serde_json::json!({
        "business_id": "bus_1",
        "type": HOSTILE,
        "timestamp": "2026-11-27T14:02:11Z",
        "data": {"payload_type": "Payment", "note": format!("note {HOSTILE}"), "fail": fail},
    })
    .to_string()
}

fn hostile_summary(
    id: i64,
    verification: hookbench_core::store::Verification,
    status: u16,
) -> hookbench_core::store::DeliverySummary {
    hookbench_core::store::DeliverySummary {
        id,
        webhook_id: Some(format!("msg_{HOSTILE}")),
        received_at: "2026-11-27T14:02:11+00:00".into(),
        event_type: Some(format!("payment.{HOSTILE}")),
        verification,
        status,
        reason: (status >= 300).then(|| format!("bad signature {HOSTILE}")),
        redeliveries: 0,
        bytes: 0,
    }
}

/// Every pane, tab and overlay that shows a body, a delivery, a file name, the console, an
/// answer or the editor's text is drawn with nothing unsafe in its cells.
#[test]
fn nothing_from_a_body_the_network_or_a_file_reaches_the_screen_raw() {
    use hookbench_core::segment::send::{RequestInfo, ResponseBody};
    use hookbench_core::segment::{Outcome, SendReport};
    use hookbench_core::store::Verification;
    use hookbench_workbench::model::message::{Effect, Message, PickerEntry};

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("hostile.json"), hostile_body(false)).expect("fixture");
    std::fs::write(dir.path().join("hostile-fails.json"), hostile_body(true)).expect("fixture");
    let mut fixtures = hookbench_core::webhook::FixtureSet::builtin()
        .expect("fixtures")
        .with_dir(dir.path())
        .expect("the user fixtures load");
    // A file name can hold escape sequences too; a loader that refuses such names is fine.
    let named = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        named.path().join(format!("named{HOSTILE}.json")),
        hostile_body(false),
    )
    .expect("fixture");
    if let Ok(with_named) = fixtures.clone().with_dir(named.path()) {
        fixtures = with_named;
    }
    let mut start = init(120, 40);
    start.fixtures = fixtures;
    start.transform = hookbench_core::transform::presets::TransformSource {
        source: HOSTILE_JS.to_string(),
        ..preset("hostile")
    };
    let mut h = Harness::with_init(start);
    assert_screen_safe(&mut h, "start");

    // The user fixtures are last: every row from the bottom up, every tab of each.
    h.press(KeyCode::Char('G'));
    for row in 0..4 {
        for tab in 0..3 {
            assert_screen_safe(&mut h, &format!("fixture row -{row}, bottom tab {tab}"));
            h.press(KeyCode::Char(']'));
        }
        h.press(KeyCode::Char('k'));
    }
    h.press(KeyCode::Char('G'));
    h.press(KeyCode::Char('k'));
    let screen = h.screen();
    assert!(screen.contains("\\x1B]0;pwned"), "drawn escaped:\n{screen}");

    // Incoming deliveries: accepted with a hostile type, rejected with a hostile reason, and a
    // body with raw escape sequences (not JSON).
    h.press(KeyCode::Char('L'));
    h.effects.clear();
    let url = url::Url::parse("http://127.0.0.1:8787/webhook").expect("url");
    h.send(Message::ListenerStarted(Ok(url)));
    h.effects.clear();
    h.send(Message::DeliveriesLoaded(Ok(Vec::new())));
    h.send(Message::Received {
        summary: Box::new(hostile_summary(7, Verification::Valid, 200)),
        body: hostile_body(false).into_bytes(),
        redelivery: false,
    });
    h.send(Message::Received {
        summary: Box::new(hostile_summary(8, Verification::Invalid, 401)),
        body: hostile_body(false).into_bytes(),
        redelivery: false,
    });
    h.send(Message::Received {
        summary: Box::new(hostile_summary(9, Verification::Unsigned, 200)),
        body: format!("{{\"type\": \"raw {HOSTILE}\"}}").into_bytes(),
        redelivery: false,
    });
    h.press(KeyCode::Char('1'));
    h.press(KeyCode::Char('g'));
    for row in 0..4 {
        for pane in ['2', '3', '4', '5'] {
            h.press(KeyCode::Char(pane));
            assert_screen_safe(&mut h, &format!("incoming row {row}, pane {pane}"));
        }
        h.press(KeyCode::Char('d'));
        assert_screen_safe(&mut h, &format!("incoming row {row}, diff"));
        h.press(KeyCode::Char('d'));
        h.press(KeyCode::Char('1'));
        h.press(KeyCode::Char('j'));
    }

    // A send answered with a hostile message, headers and body, on a hostile fixture.
    h.press(KeyCode::Char('G'));
    for _ in 0..4 {
        if h.app.selected().is_some_and(|e| e.key == "hostile") {
            break;
        }
        h.press(KeyCode::Char('k'));
    }
    let sink = url::Url::parse("http://127.0.0.1:9009/").expect("url");
    h.send(Message::SinkStarted(Ok(sink)));
    h.effects.clear();
    h.press(KeyCode::Char('s'));
    let (id, key) = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Send(job) => Some((job.id, h.app.selected().map(|e| e.key.clone()))),
            _ => None,
        })
        .expect("a send");
    let report = SendReport {
        destination: format!("local sink {HOSTILE}"),
        request: RequestInfo {
            method: "POST".into(),
            url: format!("http://127.0.0.1:9009/v1/{HOSTILE}"),
            headers: [("X-Note".to_string(), HOSTILE.to_string())].into(),
            body: serde_json::json!({"note": HOSTILE}),
            batch: None,
            written: Some(format!("{{\"note\": \"{HOSTILE}\"}}").into()),
        },
        status: Some(400),
        response_headers: [(format!("x-{HOSTILE}"), HOSTILE.to_string())].into(),
        body: Some(ResponseBody::Text(format!(
            "bad {HOSTILE}\nline\t{HOSTILE}"
        ))),
        attempts: 1,
        latency_ms: 3,
        outcome: Outcome::Rejected,
        message: Some(format!("rejected: {HOSTILE}")),
    };
    h.send(Message::SendAnswered {
        id,
        key: key.expect("a selected event"),
        report: Box::new(report.clone()),
        at: "14:02:11".into(),
    });
    for tab in 0..3 {
        assert_screen_safe(&mut h, &format!("after the send, bottom tab {tab}"));
        h.press(KeyCode::Char(']'));
    }
    let mut json_answer = report;
    json_answer.body = Some(ResponseBody::Json(serde_json::json!({"error": HOSTILE})));
    h.send(Message::SendAnswered {
        id,
        key: h.app.selected().map(|e| e.key.clone()).expect("selected"),
        report: Box::new(json_answer),
        at: "14:02:12".into(),
    });
    for tab in 0..3 {
        assert_screen_safe(&mut h, &format!("a JSON answer, bottom tab {tab}"));
        h.press(KeyCode::Char(']'));
    }

    // Status messages and overlays built from errors and file names.
    h.send(Message::Saved {
        result: Err(format!("disk says {HOSTILE}")),
        text: String::new(),
    });
    assert_screen_safe(&mut h, "a failed save");
    h.send(Message::KeySaved(Err(format!("config {HOSTILE}"))));
    assert_screen_safe(&mut h, "a failed key save");
    h.press(KeyCode::Char('t'));
    h.send(Message::TransformsListed(vec![PickerEntry {
        spec: format!("{HOSTILE}.js"),
        origin: "current dir",
    }]));
    assert_screen_safe(&mut h, "the picker");
    h.press(KeyCode::Esc);

    // The editors: escape sequences typed and pasted are drawn escaped, not written.
    h.press(KeyCode::Char('i'));
    h.type_text(HOSTILE);
    h.send(Message::Paste(format!("pasted {HOSTILE}")));
    assert_screen_safe(&mut h, "the transformation editor");
    assert!(h.screen().contains(HOSTILE_SHOWN), "{}", h.screen());
    h.press(KeyCode::Esc);
    assert_screen_safe(&mut h, "the edited transformation");
    h.press(KeyCode::Char('m'));
    h.type_text(HOSTILE);
    h.press_with(KeyCode::Char('v'), KeyModifiers::NONE);
    assert_screen_safe(&mut h, "the body editor");
    h.press(KeyCode::Esc);
    assert_screen_safe(&mut h, "the edited body");
}

/// A write key with a non-ASCII letter, a quote and a newline.
const AWKWARD_KEY: &str = "wk_é\"quote\nline_Q7mvT2xkLp9RsW4b";

/// Every form of [`AWKWARD_KEY`] that must never be shown or copied.
fn key_forms() -> Vec<String> {
    use base64::Engine as _;
    let json = serde_json::to_string(AWKWARD_KEY).expect("json");
    let percent: String = AWKWARD_KEY.bytes().map(|b| format!("%{b:02X}")).collect();
    vec![
        AWKWARD_KEY.to_string(),
        json.trim_matches('"').to_string(),
        percent.clone(),
        percent.to_lowercase(),
        base64::engine::general_purpose::STANDARD.encode(format!("{AWKWARD_KEY}:")),
        // A piece long enough that no mask shows it.
        "Q7mvT2xkLp9".to_string(),
    ]
}

fn assert_key_hidden(what: &str, text: &str) {
    for form in key_forms() {
        assert!(!text.contains(&form), "{what} shows {form:?}:\n{text}");
    }
}

/// The request view (Response tab) and the copied curl command show the configured key masked,
/// wherever the transformation wrote it.
#[test]
fn the_request_view_and_the_curl_command_never_show_the_write_key() {
    use hookbench_core::segment::client::{Client, ClientOptions};
    use hookbench_core::segment::{Destination, Region, WriteKey};
    use hookbench_core::sending::{SendPlan, SendPolicy};
    use hookbench_workbench::model::message::{Effect, Message};
    use hookbench_workbench::model::sending::SendState;

    let key = WriteKey::new(AWKWARD_KEY).expect("a key");
    let quoted = serde_json::to_string(AWKWARD_KEY).expect("json");
    let mut start = init(180, 45);
    start.send = SendState::new(Some(key.clone()), Region::Us, None, None);
    start.transform = hookbench_core::transform::presets::TransformSource {
        source: format!(
            "function handler(webhook) {{\n  webhook.url = 'https://api.segment.io/v1/track';\n  \
             webhook.headers = {{ 'X-Key': 'k ' + encodeURIComponent({quoted}) }};\n  \
             webhook.payload = {{ userId: 'u_1', event: 'Order Completed', messageId: 'm_1', \
             writeKey: {quoted}, properties: {{ note: 'key ' + {quoted} }} }};\n  \
             return webhook;\n}}\n"
        ),
        ..preset("keyed")
    };
    let mut h = Harness::with_init(start);

    h.press(KeyCode::Char('Y'));
    let command = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Copy(text) => Some(text.clone()),
            _ => None,
        })
        .expect("a curl command copied");
    assert!(command.contains("-u \"$SEGMENT_WRITE_KEY:\""), "{command}");
    assert_key_hidden("the curl command", &command);

    // The send as the core's client makes it (a dry run: nothing leaves the machine).
    h.app.send.choice = hookbench_workbench::model::sending::DestinationChoice::DryRun;
    h.effects.clear();
    h.press(KeyCode::Char('s'));
    let (id, event) = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Send(job) => Some((job.id, job.items[0].key.clone())),
            _ => None,
        })
        .expect("a send");
    let record = h.app.results.get(&event).expect("a run").record.clone();
    let SendPlan::Send(call) = SendPlan::of(&record, SendPolicy::default(), &Destination::DryRun)
    else {
        panic!("nothing to send");
    };
    let client = Client::new(ClientOptions {
        destination: Destination::DryRun,
        write_key: Some(key),
        ..ClientOptions::default()
    })
    .expect("a client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report =
        runtime.block_on(client.send_call(&call, &tokio_util::sync::CancellationToken::new()));
    h.send(Message::SendAnswered {
        id,
        key: event,
        report: Box::new(report),
        at: "14:02:11".into(),
    });
    // An answer shows the Response tab.
    let lines: Vec<String> = hookbench_workbench::view::response::lines(&h.app)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let request = lines.join("\n");
    assert!(request.contains("writeKey"), "{request}");
    assert_key_hidden("the request view", &request);
    let screen = h.screen();
    let bottom: String = screen.lines().skip(25).collect::<Vec<_>>().join("\n");
    assert!(bottom.contains("→ POST"), "{screen}");
    assert_key_hidden("the Response tab", &bottom);
}
