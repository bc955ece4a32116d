//! Exact decimal figures. A figure a person typed is never stored as a float: it is kept in
//! thousandths, so `72,5` is exactly 72500 and comparisons with targets are exact.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Lang;

/// A decimal with up to three fractional digits, held as thousandths.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("«{0}» is not a number (write e.g. 80, 72.5 or 72,5)")]
    NotANumber(String),
    #[error("«{0}» has more than three decimal places")]
    TooPrecise(String),
    #[error("«{0}» is too large")]
    TooLarge(String),
}

impl Decimal {
    pub const SCALE: i64 = 1000;
    pub const ZERO: Decimal = Decimal(0);

    pub const fn from_thousandths(t: i64) -> Decimal {
        Decimal(t)
    }
    pub const fn from_int(i: i64) -> Decimal {
        Decimal(i * Self::SCALE)
    }
    pub const fn thousandths(self) -> i64 {
        self.0
    }
    pub fn is_integer(self) -> bool {
        self.0 % Self::SCALE == 0
    }
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
    pub fn as_ratio(self) -> Ratio {
        Ratio::new(i128::from(self.0), i128::from(Self::SCALE))
    }

    /// Formats with the decimal and grouping marks of `lang` (`1.234,5` in Vietnamese,
    /// `1,234.5` in English), dropping trailing zeros.
    pub fn format(self, lang: Lang) -> String {
        let (group_mark, decimal_mark) = match lang {
            Lang::Vi => ('.', ','),
            Lang::En => (',', '.'),
        };
        let negative = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let int = abs / Self::SCALE as u64;
        let frac = abs % Self::SCALE as u64;
        let digits = int.to_string();
        let mut out = String::with_capacity(digits.len() + 6);
        if negative {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(group_mark);
            }
            out.push(c);
        }
        if frac != 0 {
            let frac = format!("{frac:03}");
            out.push(decimal_mark);
            out.push_str(frac.trim_end_matches('0'));
        }
        out
    }
}

impl fmt::Display for Decimal {
    /// Machine form: `.` as decimal mark, no grouping.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (int, frac) = (abs / 1000, abs % 1000);
        if frac == 0 {
            write!(f, "{sign}{int}")
        } else {
            let frac = format!("{frac:03}");
            write!(f, "{sign}{int}.{}", frac.trim_end_matches('0'))
        }
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;
    /// Accepts `72`, `72.5`, `72,5` and `-3`; no grouping marks, since `1.234` would be
    /// ambiguous between the two languages.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let not_a_number = || DecimalError::NotANumber(s.to_string());
        let (negative, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int, frac) = match body.find(['.', ',']) {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, ""),
        };
        if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) {
            return Err(not_a_number());
        }
        if !frac.bytes().all(|c| c.is_ascii_digit()) || (body.len() > int.len() && frac.is_empty())
        {
            return Err(not_a_number());
        }
        if frac.len() > 3 {
            return Err(DecimalError::TooPrecise(s.to_string()));
        }
        let too_large = || DecimalError::TooLarge(s.to_string());
        let int: i64 = int.parse().map_err(|_| too_large())?;
        let frac_value: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<3}").parse().map_err(|_| not_a_number())?
        };
        let value = int
            .checked_mul(Self::SCALE)
            .and_then(|v| v.checked_add(frac_value))
            .ok_or_else(too_large)?;
        Ok(Decimal(if negative { -value } else { value }))
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A whole number as people type it: `1800`, or grouped by thousands with dots or spaces as
/// Vietnamese writes them (`1.800`, `1 800`, `12.345.678`), or with commas as English does
/// (`1,800`). `12.34` is not one: a mark that does not group three digits is a mistake, not a
/// thousands mark. Negative numbers are refused.
pub fn parse_whole_number(text: &str) -> Option<i64> {
    let text = text.trim();
    let groups: Vec<&str> = text.split(['.', ',', ' ']).collect();
    let well_grouped = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if text.is_empty()
        || !well_grouped
        || !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    groups.concat().parse().ok()
}

/// A share as people read it, to one decimal: `83,9%` (`83.9%` in English), or `–` when there
/// is none (nothing applies).
pub fn percent_text(share: Option<Ratio>, lang: Lang) -> String {
    match share {
        Some(r) => format!("{}%", r.mul(Ratio::from_int(100)).round_to(1).format(lang)),
        None => "–".into(),
    }
}

/// An exact fraction, used to compare and project figures without rounding.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    num: i128,
    den: i128,
}

#[allow(
    clippy::should_implement_trait,
    reason = "named methods keep exact-fraction arithmetic explicit at call sites; others already call them"
)]
impl Ratio {
    /// `den` must not be zero; the sign is kept on the numerator.
    pub fn new(num: i128, den: i128) -> Ratio {
        assert!(den != 0, "a ratio needs a non-zero denominator");
        if den < 0 {
            Ratio {
                num: -num,
                den: -den,
            }
        } else {
            Ratio { num, den }
        }
    }

    pub fn from_int(i: i64) -> Ratio {
        Ratio::new(i128::from(i), 1)
    }

    pub fn add(self, o: Ratio) -> Ratio {
        Ratio::new(self.num * o.den + o.num * self.den, self.den * o.den).reduced()
    }
    pub fn sub(self, o: Ratio) -> Ratio {
        Ratio::new(self.num * o.den - o.num * self.den, self.den * o.den).reduced()
    }
    pub fn mul(self, o: Ratio) -> Ratio {
        Ratio::new(self.num * o.num, self.den * o.den).reduced()
    }
    pub fn div(self, o: Ratio) -> Ratio {
        Ratio::new(self.num * o.den, self.den * o.num).reduced()
    }

    fn reduced(self) -> Ratio {
        fn gcd(mut a: i128, mut b: i128) -> i128 {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a.abs()
        }
        let g = gcd(self.num, self.den);
        if g > 1 {
            Ratio {
                num: self.num / g,
                den: self.den / g,
            }
        } else {
            self
        }
    }

    /// The nearest float, for drawing only (chart geometry); never for comparing figures.
    pub fn approx(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Rounded down to thousandths. Comparing the result with a [`Decimal`] (itself in
    /// thousandths) gives the same answer as comparing the exact ratio, which rounding would not.
    pub fn floor_thousandths(self) -> Decimal {
        let q = (self.num * 1000).div_euclid(self.den);
        Decimal(q.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }

    /// Rounded half away from zero to `places` decimals (at most 3), for display.
    pub fn round_to(self, places: u32) -> Decimal {
        let places = places.min(3);
        let unit = 10i128.pow(places);
        let scaled = self.num * unit;
        let half = self.den / 2;
        let q = if scaled >= 0 {
            (scaled + half) / self.den
        } else {
            (scaled - half) / self.den
        };
        let thousandths = q * (1000 / unit);
        Decimal(thousandths.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
    }
}

impl PartialEq for Ratio {
    fn eq(&self, o: &Ratio) -> bool {
        self.num * o.den == o.num * self.den
    }
}
impl Eq for Ratio {}
impl PartialOrd for Ratio {
    fn partial_cmp(&self, o: &Ratio) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ratio {
    fn cmp(&self, o: &Ratio) -> Ordering {
        (self.num * o.den).cmp(&(o.num * self.den))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn floor_thousandths_never_rounds_up() {
        assert_eq!(
            Ratio::new(899_875, 1_000_000).floor_thousandths(),
            d("0.899")
        );
        assert_eq!(Ratio::new(9, 10).floor_thousandths(), d("0.9"));
        assert_eq!(Ratio::new(-1, 3).floor_thousandths(), d("-0.334"));
        assert_eq!(Ratio::new(899_875, 1_000_000).round_to(3), d("0.9"));
    }

    #[test]
    fn parses_both_decimal_marks() {
        assert_eq!(d("72,5"), d("72.5"));
        assert_eq!(d("72,5").thousandths(), 72_500);
        assert_eq!(d("-3").thousandths(), -3_000);
        assert_eq!(d(" 0.125 ").thousandths(), 125);
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for bad in ["", "abc", "1.2.3", "12%", "1.", ".5", "1 000", "--1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad:?} should be refused");
        }
        assert!(matches!(
            "1.2345".parse::<Decimal>(),
            Err(DecimalError::TooPrecise(_))
        ));
    }

    #[test]
    fn formats_per_language() {
        assert_eq!(d("1234.5").format(Lang::Vi), "1.234,5");
        assert_eq!(d("1234.5").format(Lang::En), "1,234.5");
        assert_eq!(d("1234567").format(Lang::Vi), "1.234.567");
        assert_eq!(d("80").format(Lang::Vi), "80");
        assert_eq!(d("-0.25").format(Lang::En), "-0.25");
        assert_eq!(d("72.5").to_string(), "72.5");
    }

    #[test]
    fn ratios_compare_and_round_exactly() {
        let two_thirds = Ratio::new(2, 3);
        assert!(two_thirds > Ratio::new(666, 1000));
        assert_eq!(two_thirds.round_to(1), d("0.7"));
        assert_eq!(Ratio::new(-1, 8).round_to(2), d("-0.13"));
        assert_eq!(Ratio::new(1, 3).add(Ratio::new(1, 6)), Ratio::new(1, 2));
    }

    #[test]
    fn whole_numbers_may_be_grouped_by_thousands_only() {
        for (text, want) in [
            ("1800", Some(1800)),
            (" 1.800 ", Some(1800)),
            ("1 800", Some(1800)),
            ("12.345.678", Some(12_345_678)),
            ("0", Some(0)),
            ("12.34", None),
            ("1.8000", None),
            (".800", None),
            ("1..800", None),
            ("-5", None),
            ("", None),
            ("1,800", Some(1800)),
            ("12,34", None),
            ("12a", None),
        ] {
            assert_eq!(parse_whole_number(text), want, "{text:?}");
        }
    }
}
