//! ISO 4217 currency codes and their minor-unit exponents (the number of decimals in one unit).
//!
//! Payment providers send amounts in the currency's smallest unit, so turning them into the
//! decimal amounts Segment expects means dividing by `10^exponent`, not always by 100.

/// Codes with a minor unit, sorted by code so lookups can binary-search.
///
/// Codes being withdrawn after a recent replacement (ANG → XCG, BGN → EUR, SLL → SLE,
/// ZWL → ZWG, CUC) are kept: payloads still carry them, and flagging them would be noise.
static CODES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SLL", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
    ("ZWL", 2),
];

/// ISO 4217 codes whose minor unit is "N.A.": precious metals, bond-market and SDR units, and
/// the testing and "no currency" codes. They are valid codes, but amounts in them have no
/// decimal convention, so they have no exponent.
static CODES_WITHOUT_MINOR_UNIT: &[&str] = &[
    "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX",
];

/// Minor-unit exponent of an ISO 4217 code: 2 for USD, 0 for JPY, 3 for KWD, 4 for CLF.
/// The code must be exact and upper case; codes without a minor unit (XAU, XDR, ...) give `None`.
pub fn exponent(code: &str) -> Option<u8> {
    CODES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .and_then(|i| CODES.get(i))
        .map(|(_, e)| *e)
}

/// Every code with a minor unit and its exponent, sorted by code.
pub fn exponents() -> impl Iterator<Item = (&'static str, u8)> {
    CODES.iter().copied()
}

/// True for an active ISO 4217 code, written exactly (upper case).
pub fn is_iso_code(code: &str) -> bool {
    exponent(code).is_some() || CODES_WITHOUT_MINOR_UNIT.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        for pair in CODES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (code, e) in CODES {
            assert_eq!(code.len(), 3);
            assert!(code.bytes().all(|b| b.is_ascii_uppercase()), "{code}");
            assert!(matches!(e, 0 | 2 | 3 | 4), "{code} {e}");
            assert!(
                !CODES_WITHOUT_MINOR_UNIT.contains(code),
                "{code} in both lists"
            );
        }
        assert!(CODES.len() >= 165, "{} codes", CODES.len());
    }

    #[test]
    fn common_codes() {
        assert_eq!(exponent("USD"), Some(2));
        assert_eq!(exponent("EUR"), Some(2));
        assert_eq!(exponent("GBP"), Some(2));
        assert_eq!(exponent("INR"), Some(2));
        assert_eq!(exponent("AED"), Some(2));
        assert_eq!(exponent("ZWG"), Some(2));
        assert_eq!(exponent("XCG"), Some(2));
    }

    #[test]
    fn zero_decimal_codes() {
        let zero: Vec<&str> = CODES
            .iter()
            .filter(|(_, e)| *e == 0)
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(
            zero,
            [
                "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                "VND", "VUV", "XAF", "XOF", "XPF"
            ]
        );
    }

    #[test]
    fn three_and_four_decimal_codes() {
        let three: Vec<&str> = CODES
            .iter()
            .filter(|(_, e)| *e == 3)
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(three, ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]);
        let four: Vec<&str> = CODES
            .iter()
            .filter(|(_, e)| *e == 4)
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(four, ["CLF", "UYW"]);
    }

    #[test]
    fn lookups_are_exact() {
        assert_eq!(exponent("usd"), None);
        assert_eq!(exponent("Usd"), None);
        assert_eq!(exponent(" USD"), None);
        assert_eq!(exponent(""), None);
        assert_eq!(exponent("US"), None);
        assert_eq!(exponent("USDX"), None);
        assert!(!is_iso_code("usd"));
        assert!(!is_iso_code("ABC"));
        // Withdrawn long ago.
        assert!(!is_iso_code("VEF"));
        assert!(!is_iso_code("MRO"));
        assert!(!is_iso_code("HRK"));
    }

    #[test]
    fn codes_without_minor_unit_are_iso_but_have_no_exponent() {
        assert!(is_iso_code("XAU"));
        assert!(is_iso_code("XDR"));
        assert!(is_iso_code("XXX"));
        assert_eq!(exponent("XAU"), None);
        assert!(is_iso_code("JPY"));
    }
}
