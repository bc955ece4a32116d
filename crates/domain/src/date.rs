//! Calendar dates as the programme uses them: ISO `YYYY-MM-DD` on the wire and in storage,
//! `dd/mm/yyyy` for people.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar day. Ordering is chronological, so ISO text sorts the same way.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("«{input}» is not a date in the form YYYY-MM-DD (e.g. 2022-10-31)")]
pub struct DateParseError {
    pub input: String,
}

impl Date {
    /// The earliest representable day; stands for "since always" in derived intervals.
    pub const MIN: Date = Date(time::Date::MIN);
    /// The latest representable day; stands for "until further notice".
    pub const MAX: Date = Date(time::Date::MAX);

    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Date)
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }
    pub fn month(self) -> u8 {
        self.0.month() as u8
    }
    pub fn day(self) -> u8 {
        self.0.day()
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        i64::from(later.0.to_julian_day() - self.0.to_julian_day())
    }

    /// The day after, saturating at [`Date::MAX`].
    pub fn next_day(self) -> Date {
        self.0.next_day().map(Date).unwrap_or(Date::MAX)
    }

    /// The day before, saturating at [`Date::MIN`].
    pub fn previous_day(self) -> Date {
        self.0.previous_day().map(Date).unwrap_or(Date::MIN)
    }

    /// `days` after this one, saturating at the ends of the calendar.
    pub fn add_days(self, days: i64) -> Date {
        match self.0.checked_add(time::Duration::days(days)) {
            Some(d) => Date(d),
            None if days < 0 => Date::MIN,
            None => Date::MAX,
        }
    }

    /// The last day of this day's month.
    pub fn month_end(self) -> Date {
        let (year, month) = match self.month() {
            12 => (self.year() + 1, 1),
            m => (self.year(), m + 1),
        };
        Date::from_ymd(year, month, 1)
            .map(Date::previous_day)
            .unwrap_or(Date::MAX)
    }

    /// The last day of the month before this day's month.
    pub fn previous_month_end(self) -> Date {
        Date::from_ymd(self.year(), self.month(), 1)
            .map(Date::previous_day)
            .unwrap_or(Date::MIN)
    }

    /// The last day of every month from `from`'s to `to`'s, in order (empty when `to` is
    /// earlier than `from`); what charts over a period are drawn at.
    pub fn month_ends(from: Date, to: Date) -> Vec<Date> {
        let mut out = Vec::new();
        let mut end = from.month_end();
        while end <= to.month_end() && end != Date::MAX {
            out.push(end);
            end = end.next_day().month_end();
        }
        out
    }

    /// `dd/mm/yyyy`, the form Vietnamese documents use (and that we show in English too).
    pub fn dmy(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day(), self.month(), self.year())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Date {
    type Err = DateParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DateParseError {
            input: s.to_string(),
        };
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(err());
        };
        Date::from_ymd(y as i32, m as u8, d as u8).ok_or_else(err)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_iso_and_dmy() {
        let d: Date = "2022-10-31".parse().unwrap();
        assert_eq!(d.to_string(), "2022-10-31");
        assert_eq!(d.dmy(), "31/10/2022");
        assert_eq!(d.next_day().to_string(), "2022-11-01");
    }

    #[test]
    fn refuses_malformed_and_impossible_dates() {
        for bad in [
            "2022-13-01",
            "2022-02-30",
            "31/10/2022",
            "2022-1-1",
            "abcd-ef-gh",
            "",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn month_ends_cover_the_period() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(d("2024-02-10").month_end(), d("2024-02-29"));
        assert_eq!(d("2022-12-05").month_end(), d("2022-12-31"));
        assert_eq!(d("2022-01-31").previous_month_end(), d("2021-12-31"));
        let ends = Date::month_ends(d("2022-01-01"), d("2022-12-31"));
        assert_eq!(ends.len(), 12);
        assert_eq!((ends[0], ends[11]), (d("2022-01-31"), d("2022-12-31")));
        assert_eq!(ends[1], d("2022-02-28"));
        assert!(Date::month_ends(d("2022-05-01"), d("2022-04-01")).is_empty());
    }

    #[test]
    fn counts_days() {
        let a: Date = "2022-06-30".parse().unwrap();
        let b: Date = "2022-12-31".parse().unwrap();
        assert_eq!(a.days_until(b), 184);
        assert_eq!(b.days_until(a), -184);
    }
}
