//! WCAG 2 contrast: relative luminance of an sRGB colour and the ratio of two. The built-in
//! themes are checked against it (see the tests), and the terminal's background colour, when
//! it tells it, picks the built-in theme that suits it.

use ratatui::style::Color;

/// An sRGB colour, 8 bits a channel.
pub type Rgb = (u8, u8, u8);

/// WCAG 2 relative luminance, 0 (black) to 1 (white).
pub fn relative_luminance((r, g, b): Rgb) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// WCAG 2 contrast ratio, 1 (none) to 21 (black on white); the order does not matter.
pub fn contrast_ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    let (light, dark) = if la >= lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

/// A background is light when black text on it contrasts more than white text does.
pub fn is_light(background: Rgb) -> bool {
    contrast_ratio(background, (0, 0, 0)) > contrast_ratio(background, (255, 255, 255))
}

/// The RGB of a colour given as RGB (theme colours written `#rrggbb`).
pub fn rgb_of(color: Color) -> Option<Rgb> {
    match color {
        Color::Rgb(r, g, b) => Some((r, g, b)),
        _ => None,
    }
}

/// Reads a terminal's answer to the OSC 11 query (`ESC ] 11 ; ? BEL`): `ESC ] 11 ; rgb:RRRR/
/// GGGG/BBBB` ended by BEL or `ESC \`, each channel 1 to 4 hex digits. Bytes before the
/// answer (a key pressed meanwhile) are skipped. None when there is no such answer in `bytes`.
pub fn parse_osc11_answer(bytes: &[u8]) -> Option<Rgb> {
    const START: &[u8] = b"\x1b]11;";
    let at = bytes.windows(START.len()).position(|w| w == START)?;
    let rest = &bytes[at + START.len()..];
    let end = rest
        .iter()
        .position(|&b| b == 0x07 || b == 0x1b)
        .unwrap_or(rest.len());
    let body = std::str::from_utf8(&rest[..end]).ok()?;
    let channels = body
        .strip_prefix("rgb:")
        .or_else(|| body.strip_prefix("rgba:"))?;
    let mut parts = channels.split('/');
    let mut channel = || -> Option<u8> {
        let hex = parts.next()?;
        if hex.is_empty() || hex.len() > 4 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let value = u32::from_str_radix(hex, 16).ok()?;
        // Scale 1 to 4 hex digits to 8 bits: "f" and "ffff" are both full.
        let max = (1u32 << (4 * hex.len())) - 1;
        u8::try_from((value * 255 + max / 2) / max).ok()
    };
    Some((channel()?, channel()?, channel()?))
}

/// True once `bytes` hold the answer to the primary device attributes query (`ESC [ c`,
/// answered `ESC [ ? … c` by every terminal). Sent after the background query, it marks the end
/// of the terminal's answers: a terminal that ignores the background query still answers it,
/// so no late answer is left to be read as keys.
pub fn device_attributes_answered(bytes: &[u8]) -> bool {
    const START: &[u8] = b"\x1b[?";
    bytes
        .windows(START.len())
        .position(|w| w == START)
        .is_some_and(|at| {
            bytes[at + START.len()..]
                .iter()
                .find(|b| !(b.is_ascii_digit() || **b == b';'))
                == Some(&b'c')
        })
}

/// The built-in theme for a terminal's background: `light` on a light one, else `dark` (also
/// when the terminal did not say).
pub fn theme_for_background(background: Option<Rgb>) -> &'static str {
    match background {
        Some(rgb) if is_light(rgb) => "light",
        _ => "dark",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::Theme;

    #[test]
    fn luminance_and_ratio_match_wcag() {
        assert!((contrast_ratio((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio((10, 20, 30), (10, 20, 30)) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.5:1 grey.
        let grey = contrast_ratio((0x76, 0x76, 0x76), (255, 255, 255));
        assert!((4.5..4.6).contains(&grey), "{grey}");
        assert!(is_light((0xff, 0xff, 0xff)) && !is_light((0x1e, 0x1e, 0x1e)));
    }

    #[test]
    fn osc11_answers_parse_in_every_form_terminals_send() {
        assert_eq!(
            parse_osc11_answer(b"\x1b]11;rgb:ffff/ffff/ffff\x07"),
            Some((255, 255, 255))
        );
        assert_eq!(
            parse_osc11_answer(b"\x1b]11;rgb:2b2b/3030/3b3b\x1b\\"),
            Some((0x2b, 0x30, 0x3b))
        );
        assert_eq!(
            parse_osc11_answer(b"\x1b]11;rgb:f/8/0\x07"),
            Some((255, 136, 0))
        );
        assert_eq!(
            parse_osc11_answer(b"\x1b]11;rgba:0000/0000/0000/ffff\x07"),
            Some((0, 0, 0))
        );
        assert_eq!(
            parse_osc11_answer(b"jk\x1b]11;rgb:fafa/fafa/fafa\x07"),
            Some((0xfa, 0xfa, 0xfa)),
            "keys typed before the answer are skipped"
        );
        for bad in [
            &b""[..],
            b"\x1b]10;rgb:ffff/ffff/ffff\x07",
            b"\x1b]11;#ffffff\x07",
            b"\x1b]11;rgb:ffff/ffff\x07",
            b"\x1b]11;rgb:fffff/0/0\x07",
            b"\x1b]11;rgb:zz/00/00\x07",
        ] {
            assert_eq!(parse_osc11_answer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_device_attributes_answer_ends_the_reading() {
        assert!(device_attributes_answered(
            b"\x1b]11;rgb:0/0/0\x07\x1b[?62;22c"
        ));
        assert!(device_attributes_answered(b"\x1b[?1;2c"));
        assert!(!device_attributes_answered(
            b"\x1b]11;rgb:0/0/0\x07\x1b[?62;2"
        ));
        assert!(!device_attributes_answered(b"\x1b]11;rgb:0/0/0\x07"));
    }

    #[test]
    fn the_background_picks_the_theme() {
        assert_eq!(theme_for_background(Some((255, 255, 255))), "light");
        assert_eq!(theme_for_background(Some((0xfd, 0xf6, 0xe3))), "light");
        assert_eq!(theme_for_background(Some((0x00, 0x2b, 0x36))), "dark");
        assert_eq!(theme_for_background(None), "dark", "no answer keeps dark");
    }

    /// Each built-in theme's intended background: the terminal's, which themes leave alone.
    fn intended_background(name: &str) -> Rgb {
        match name {
            "light" => (0xff, 0xff, 0xff),
            // base16-ocean's background, as light as dark backgrounds commonly go.
            _ => (0x2b, 0x30, 0x3b),
        }
    }

    #[test]
    fn every_role_of_every_builtin_theme_meets_wcag_aa() {
        let mut failures = Vec::new();
        for name in Theme::builtin_names() {
            let theme = Theme::load(name, None, false).expect("built-in loads");
            let p = &theme.palette;
            let background = intended_background(name);
            let fg = |role: &str, s: ratatui::style::Style| {
                s.fg.and_then(rgb_of)
                    .unwrap_or_else(|| panic!("{name}: {role} is not #rrggbb"))
            };
            let bg = |role: &str, s: ratatui::style::Style| {
                s.bg.and_then(rgb_of)
                    .unwrap_or_else(|| panic!("{name}: {role} has no #rrggbb background"))
            };
            let selection = bg("selection_bg", p.selection);
            let status = bg("status_bg", p.status);
            let mut check = |what: String, a: Rgb, b: Rgb, least: f64| {
                let ratio = contrast_ratio(a, b);
                if ratio < least {
                    failures.push(format!("{name}: {what} {ratio:.2}:1 < {least}:1"));
                }
            };
            let text_roles = [
                ("text", p.text),
                ("dim", p.dim),
                ("accent", p.accent),
                ("title", p.title),
                ("title_focused", p.title_focused),
                ("error", p.error),
                ("warning", p.warning),
                ("info", p.info),
                ("ok", p.ok),
                ("diff_added", p.diff_added),
                ("diff_removed", p.diff_removed),
                ("line_number", p.line_number),
                ("key_hint", p.key_hint),
            ];
            for (role, style) in text_roles {
                check(
                    format!("{role} on the background"),
                    fg(role, style),
                    background,
                    4.5,
                );
                // Rows on the selection keep their colours: text is read there, the marks
                // (✓ ▲ ●, times, ✎) must still be told apart.
                let least = if role == "text" { 4.5 } else { 3.0 };
                check(
                    format!("{role} on the selection"),
                    fg(role, style),
                    selection,
                    least,
                );
            }
            for (role, style) in [("border", p.border), ("border_focused", p.border_focused)] {
                check(
                    format!("{role} on the background"),
                    fg(role, style),
                    background,
                    3.0,
                );
            }
            // The status bar draws its text, messages and key hints on its own background.
            for (role, style) in [
                ("status_fg", p.status),
                ("accent", p.accent),
                ("error", p.error),
                ("key_hint", p.key_hint),
            ] {
                check(
                    format!("{role} on the status bar"),
                    fg(role, style),
                    status,
                    4.5,
                );
            }
            // The selected row must be seen as such: WCAG sets no ratio for a highlight, so
            // this floor is ours; the roles above bound it from the other side.
            check(
                "selection against the background".into(),
                selection,
                background,
                1.3,
            );
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
