//! The main screen at the sizes people use: 80×24, 120×40 and 200×50. At each a fixture, its
//! transformation and its output are on screen together.

use hookbench_workbench::model::message::Message;
use hookbench_workbench::testing::Harness;

fn sink_started(h: &mut Harness) {
    let url = "http://127.0.0.1:9009/".parse().expect("url");
    h.send(Message::SinkStarted(Ok(url)));
}

fn screen_at(width: u16, height: u16) -> String {
    let mut h = Harness::new(width, height);
    sink_started(&mut h);
    let screen = h.screen();
    // The Segment pane's header carries the run time, which the harness fixes; nothing else
    // on these screens varies.
    for must in [
        "payment.succeeded",
        "Transform",
        "Segment",
        "\"event\": \"Order Completed\"",
    ] {
        assert!(
            screen.contains(must),
            "{width}×{height} lacks {must:?}:\n{screen}"
        );
    }
    screen
}

#[test]
fn at_80x24_the_fixture_its_transformation_and_output_are_all_shown() {
    let screen = screen_at(80, 24);
    assert!(screen.contains(" 3 Transform "), "{screen}");
    assert!(
        screen.contains("╭ 3 Transform"),
        "the transformation is open: {screen}"
    );
    assert!(
        screen.contains("⇣ off :8787"),
        "the listener's address stays: {screen}"
    );
    assert!(
        screen.contains("sink :9009"),
        "so does the sink's: {screen}"
    );
    insta::assert_snapshot!("main_80x24", screen);
}

#[test]
fn at_120x40_transform_and_segment_are_side_by_side() {
    let screen = screen_at(120, 40);
    let first = screen.lines().next().expect("a first line");
    assert!(
        first.contains("3 Transform") && first.contains("4 Segment"),
        "{screen}"
    );
    insta::assert_snapshot!("main_120x40", screen);
}

#[test]
fn at_200x50_every_pane_is_side_by_side() {
    let screen = screen_at(200, 50);
    let title = screen.lines().next().expect("a first line");
    for pane in ["1 Events", "2 Webhook", "3 Transform", "4 Segment"] {
        assert!(title.contains(pane), "{title}");
    }
    insta::assert_snapshot!("main_200x50", screen);
}
