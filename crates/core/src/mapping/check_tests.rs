use crate::mapping::line_column;
use crate::mapping::parse::parse;

/// Each diagnostic as (code, line, column).
fn found(text: &str) -> Vec<(&'static str, usize, usize)> {
    parse(text)
        .diagnostics
        .iter()
        .map(|d| {
            let (line, column) = line_column(text, d.at.start);
            (d.code, line, column)
        })
        .collect()
}

#[test]
fn a_path_no_body_has_is_a_warning_naming_the_closest_field() {
    let text = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\nproperties.total = \"data.totl_amount\"\n";
    assert_eq!(found(text), [("unknown-path", 3, 20)]);
    let parsed = parse(text);
    assert!(parsed.mapping.is_some());
    assert!(
        parsed.diagnostics[0].message.contains("`total_amount`"),
        "{}",
        parsed.diagnostics[0].message
    );
}
