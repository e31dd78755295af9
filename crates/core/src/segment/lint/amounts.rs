//! Amounts and currencies in properties / traits: numeric-string, currency-code, minor-units.

use super::pointer::{child, describe, show_str};
use super::{Ctx, Found, MAX_DEPTH, Rule};
use crate::segment::currency;
use serde_json::{Map, Value};

/// Reserved amount keys of the Spec (track `revenue`/`value`, e-commerce order and product
/// fields).
const AMOUNT_KEYS: &[&str] = &[
    "revenue", "value", "total", "subtotal", "price", "amount", "tax", "shipping", "discount",
];

/// True for a key that holds money. `value` only counts at the top level: deeper, as in
/// `filters[].value`, it is a generic word.
fn is_amount_key(key: &str, top_level: bool) -> bool {
    let k = key.to_ascii_lowercase();
    if k == "value" {
        return top_level;
    }
    AMOUNT_KEYS.contains(&k.as_str())
        || k.ends_with("_amount")
        || k.ends_with("_total")
        || k.ends_with("_price")
}

/// A value found at some key inside properties / traits.
struct Site<'a> {
    path: String,
    key: &'a str,
    value: &'a Value,
}

#[derive(Default)]
struct Sites<'a> {
    amounts: Vec<Site<'a>>,
    currencies: Vec<Site<'a>>,
}

fn collect_sites<'a>(
    map: &'a Map<String, Value>,
    path: &str,
    top: bool,
    depth: usize,
    sites: &mut Sites<'a>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (key, value) in map {
        let p = child(path, key);
        if value.is_object() || value.is_array() {
            collect_in(value, &p, depth + 1, sites);
        }
        let list = if is_amount_key(key, top) {
            &mut sites.amounts
        } else if key == "currency" {
            &mut sites.currencies
        } else {
            continue;
        };
        list.push(Site {
            path: p,
            key,
            value,
        });
    }
}

fn collect_in<'a>(v: &'a Value, path: &str, depth: usize, sites: &mut Sites<'a>) {
    match v {
        Value::Object(map) => collect_sites(map, path, false, depth, sites),
        Value::Array(items) if depth <= MAX_DEPTH => {
            for (i, item) in items.iter().enumerate() {
                collect_in(item, &format!("{path}/{i}"), depth + 1, sites);
            }
        }
        _ => {}
    }
}

/// A plain decimal number written as a string ("4.00", "-12", "1e3" is not one).
fn parse_decimal(s: &str) -> Option<f64> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn numeric_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_decimal(s),
        _ => None,
    }
}

pub(super) fn check_values(
    container: &Map<String, Value>,
    path: &str,
    ctx: Ctx,
    found: &mut Found,
) {
    let mut sites = Sites::default();
    collect_sites(container, path, true, 0, &mut sites);
    for site in &sites.amounts {
        if let Value::String(s) = site.value {
            let message = if parse_decimal(s).is_some() {
                let sums = if site.key.eq_ignore_ascii_case("revenue") {
                    "revenue"
                } else {
                    "amounts"
                };
                format!(
                    "Segment keeps the string {}; destinations that sum {sums} treat it as text or drop it: send a number",
                    show_str(s)
                )
            } else {
                format!(
                    "Segment keeps the string {} where destinations expect a number; they treat it as text or drop it",
                    show_str(s)
                )
            };
            found.push(Rule::NumericString, site.path.as_str(), message);
        }
    }
    for site in &sites.currencies {
        check_currency(site, found);
    }
    check_minor_units(container, &sites.amounts, ctx.source, found);
}

fn check_currency(site: &Site, found: &mut Found) {
    const LOST: &str = "destinations may drop the revenue or assume USD";
    let message = match site.value {
        Value::Null => return,
        Value::String(s) if currency::is_iso_code(s) => return,
        Value::String(s) => {
            let upper = s.trim().to_ascii_uppercase();
            if currency::is_iso_code(&upper) {
                format!(
                    "Segment passes the currency {} through as is; {LOST}: use {}",
                    show_str(s),
                    show_str(&upper)
                )
            } else {
                format!(
                    "Segment passes the currency {} through as is, but it is not an ISO 4217 code; {LOST}",
                    show_str(s)
                )
            }
        }
        other => format!(
            "currency is {}, not an ISO 4217 code string; {LOST}",
            describe(other)
        ),
    };
    found.push(Rule::CurrencyCode, site.path.as_str(), message);
}

/// Integers at amount-like keys of the webhook body ("total_amount", "tax", "fee", ...): the
/// minor-unit amounts a transform may have divided. Digit strings count too ("400").
fn collect_source_amounts(v: &Value, depth: usize, out: &mut Vec<f64>) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                let k = key.to_ascii_lowercase();
                let amount_key = k.contains("amount")
                    || k == "fee"
                    || k == "tax"
                    || k.ends_with("_fee")
                    || k.ends_with("_tax");
                if amount_key && let Some(a) = source_integer(value) {
                    out.push(a);
                }
                collect_source_amounts(value, depth + 1, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_source_amounts(item, depth + 1, out);
            }
        }
        _ => {}
    }
}

fn source_integer(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse::<f64>().ok()?
        }
        _ => return None,
    };
    (x.is_finite() && x.fract() == 0.0).then_some(x)
}

fn check_minor_units(
    container: &Map<String, Value>,
    amounts: &[Site],
    source: Option<&Value>,
    found: &mut Found,
) {
    let output_currency = container.get("currency").and_then(Value::as_str);
    let source_currency = source
        .and_then(|s| s.pointer("/data/currency"))
        .and_then(Value::as_str);
    let Some(code) = output_currency.or(source_currency) else {
        return;
    };
    let code = code.trim().to_ascii_uppercase();
    let Some(e) = currency::exponent(&code) else {
        return;
    };
    if e == 2 {
        return;
    }
    let scale = 10f64.powi(i32::from(e));
    let mut source_amounts = Vec::new();
    if let Some(s) = source {
        collect_source_amounts(s, 0, &mut source_amounts);
    }
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    for site in amounts {
        let Some(x) = numeric_value(site.value) else {
            continue;
        };
        // Divided by 100 where 10^e was due, and not explained by another amount of the webhook.
        let divided = source_amounts
            .iter()
            .find(|&&a| close(x, a / 100.0) && !close(x, a / scale));
        let explained = source_amounts.iter().any(|&a| close(x, a / scale));
        if let Some(&a) = divided
            && !explained
        {
            let right = format!("{:.*}", usize::from(e), a / scale);
            let (decimals, fix) = if e == 0 {
                (
                    format!("{code} has no minor unit"),
                    "do not divide it by 100".to_string(),
                )
            } else {
                (
                    format!("{code} has {e} decimals"),
                    format!("divide by {}, not 100", fmt_num(scale)),
                )
            };
            found.push(
                Rule::MinorUnits,
                site.path.as_str(),
                format!(
                    "Segment records {} {code}, but {decimals}: the webhook's {} is {right} {code}, not {}; {fix}",
                    fmt_num(x),
                    fmt_num(a),
                    fmt_num(x),
                ),
            );
        } else if e == 0 && x.fract() != 0.0 {
            found.push(
                Rule::MinorUnits,
                site.path.as_str(),
                format!(
                    "Segment records {} {code}, but {code} has no minor unit: the amount looks divided by 100 (the webhook's amount is probably {} {code})",
                    fmt_num(x),
                    fmt_num((x * 100.0).round())
                ),
            );
        }
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_decimal_is_strict() {
        assert_eq!(parse_decimal("4.00"), Some(4.0));
        assert_eq!(parse_decimal(" -12 "), Some(-12.0));
        assert_eq!(parse_decimal(".5"), Some(0.5));
        for bad in [
            "", ".", "-", "1e3", "inf", "NaN", "1.2.3", "$4", "4,00", "0x10",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }
}
