//! Timestamps: bad-timestamp and the ISO-8601 reading Segment applies.

use super::pointer::{child, describe, show_str};
use super::{Found, Rule};
use chrono::{FixedOffset, NaiveDate, NaiveTime};
use serde_json::{Map, Value};

pub(super) fn check_timestamps(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    for key in ["timestamp", "sentAt", "originalTimestamp"] {
        let bad = match obj.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if is_iso8601(s) => continue,
            Some(Value::String(s)) => show_str(s),
            Some(other) => describe(other),
        };
        found.push(
            Rule::BadTimestamp,
            child(base, key),
            format!(
                "Segment expects {key} as an ISO-8601 string like \"2024-01-02T03:04:05.000Z\"; {bad} is not one, so the event's time is lost or the call dropped"
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps

/// ISO-8601 as Segment reads it: a date (`2024-01-02`), or a date-time with a `T` (RFC 3339 also
/// allows a space), `HH:MM` with optional `:SS` and `.fraction`, and an optional `Z` or
/// `±HH:MM` / `±HHMM` / `±HH` offset. Fields must be zero-padded and in range.
fn is_iso8601(s: &str) -> bool {
    parse_iso8601(s).is_some()
}

fn parse_iso8601(s: &str) -> Option<()> {
    let b = s.as_bytes();
    let digits = |at: usize, n: usize| -> Option<u32> {
        let d = b.get(at..at.checked_add(n)?)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0')))
    };
    let is = |at: usize, c: u8| b.get(at) == Some(&c);

    let year = digits(0, 4)?;
    let month = (is(4, b'-')).then(|| digits(5, 2))??;
    let day = (is(7, b'-')).then(|| digits(8, 2))??;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if b.len() == 10 {
        return Some(());
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(11, 2)?;
    let minute = is(13, b':').then(|| digits(14, 2))??;
    let mut i = 16;
    let mut second = 0;
    if is(i, b':') {
        second = digits(17, 2)?;
        i = 19;
        if is(i, b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
    }
    // 60 is a leap second.
    NaiveTime::from_hms_opt(hour, minute, second.min(59))?;
    if second > 60 {
        return None;
    }
    match b.get(i) {
        None => Some(()),
        Some(b'Z' | b'z') => (i + 1 == b.len()).then_some(()),
        Some(sign @ (b'+' | b'-')) => {
            let oh = digits(i + 1, 2)?;
            let mut j = i + 3;
            let om = if is(j, b':') {
                j += 3;
                digits(j - 2, 2)?
            } else if let Some(m) = digits(j, 2) {
                j += 2;
                m
            } else {
                0
            };
            if j != b.len() || oh > 23 || om > 59 {
                return None;
            }
            let secs = i32::try_from(oh * 3600 + om * 60).ok()?;
            let secs = if *sign == b'-' { -secs } else { secs };
            FixedOffset::east_opt(secs).map(|_| ())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_table() {
        for ok in [
            "2024-01-02",
            "2024-01-02T03:04:05",
            "2024-01-02T03:04:05.123",
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.123456789Z",
            "2024-01-02T03:04:05+05:30",
            "2024-01-02T03:04:05-08:00",
            "2024-01-02T03:04:05-0800",
            "2024-01-02T03:04:05.1+01",
            "2024-01-02T03:04Z",
            "2024-01-02t03:04:05z",
            "2024-01-02 03:04:05Z",
            "2024-02-29T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2026-11-26T14:02:11.512Z",
            "2025-08-04T05:39:56.397297Z",
        ] {
            assert!(is_iso8601(ok), "{ok} should be accepted");
        }
        for bad in [
            "2015-2-02T00:30:08.276Z",
            "",
            "yesterday",
            "1700000000",
            "24-01-02",
            "2024/01/02",
            "2024-1-02",
            "2024-01-2",
            "2024-13-01",
            "2023-02-29",
            "2024-01-32",
            "2024-00-10",
            "2024-01-02T",
            "2024-01-02T3:04:05Z",
            "2024-01-02T24:00:00Z",
            "2024-01-02T03:60:00Z",
            "2024-01-02T03:04:61Z",
            "2024-01-02T03:04:05.Z",
            "2024-01-02T03:04:05ZZ",
            "2024-01-02T03:04:05 Z",
            "2024-01-02T03:04:05+25:00",
            "2024-01-02T03:04:05+05:60",
            "2024-01-02T03:04:05+05:",
            "2024-01-02T03:04:05+05:30:00",
            "2024-01-02T03:04:05+5",
            " 2024-01-02",
            "2024-01-02 ",
            "2024-01-02X03:04:05",
            "２０２４-01-02",
            "Tue, 02 Jan 2024 03:04:05 GMT",
        ] {
            assert!(!is_iso8601(bad), "{bad} should be rejected");
        }
    }
}
