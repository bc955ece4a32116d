//! Charts drawn on the server as inline SVG: no script, nothing fetched, readable without colour
//! (every chart has a text alternative, and the figures are in the tables beside it).
//!
//! Floats appear here only as geometry; the figures themselves stay exact elsewhere.

use std::fmt::Write;

use tiendo_domain::{Counts, Date, Lang, Status};

/// Text for SVG and HTML attributes and elements.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Where a date falls between `from` and `to`, as a share of the width (clamped to 0–1).
fn share(day: Date, from: Date, to: Date) -> f64 {
    let span = from.days_until(to).max(1) as f64;
    (from.days_until(day) as f64 / span).clamp(0.0, 1.0)
}

/// A value held from its date until the next one: the path of a step line through `points`
/// (already in drawing coordinates), carried on to `end_x`.
fn step_path(points: &[(f64, f64)], end_x: f64) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            let _ = write!(d, "M{x:.1} {y:.1}");
        } else {
            let _ = write!(d, " H{x:.1} V{y:.1}");
        }
    }
    if let Some((x, _)) = points.last()
        && end_x > *x
    {
        let _ = write!(d, " H{end_x:.1}");
    }
    d
}

/// A small trend line of one indicator's figures over the period up to the as-of date, with the
/// target as a dashed line. `points` are (date, value) with values in the indicator's measure.
pub struct Sparkline<'a> {
    pub points: &'a [(Date, f64)],
    pub from: Date,
    pub to: Date,
    pub as_of: Date,
    /// The lowest and highest values the box shows.
    pub range: (f64, f64),
    pub target: Option<f64>,
    /// The text alternative, e.g. "58% (30/06/2022) → 72% (30/09/2022)".
    pub label: &'a str,
}

impl Sparkline<'_> {
    const W: f64 = 120.0;
    const H: f64 = 28.0;

    fn y(&self, v: f64) -> f64 {
        let (lo, hi) = self.range;
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        // Two units of margin so that a line at the top or bottom stays visible.
        Self::H - 2.0 - t.clamp(0.0, 1.0) * (Self::H - 4.0)
    }

    pub fn render(&self) -> String {
        let x = |d: Date| share(d, self.from, self.to) * Self::W;
        let mut svg = format!(
            r#"<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{label}"><title>{label}</title><rect class="bg" width="{w}" height="{h}"/>"#,
            w = Self::W,
            h = Self::H,
            label = esc(self.label)
        );
        if let Some(t) = self.target {
            let y = self.y(t);
            let _ = write!(
                svg,
                r#"<line class="target" x1="0" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#,
                Self::W
            );
        }
        let points: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|&(d, v)| (x(d), self.y(v)))
            .collect();
        if !points.is_empty() {
            let _ = write!(
                svg,
                r#"<path class="line" d="{}"/>"#,
                step_path(&points, x(self.as_of))
            );
            for (px, py) in &points {
                let _ = write!(svg, r#"<circle cx="{px:.1}" cy="{py:.1}" r="1.8"/>"#);
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// How one indicator's status changed over the period up to the as-of date, as coloured
/// stretches: what may be shown to those who may read statuses but not the figures behind them.
pub struct StatusStrip<'a> {
    /// (first day, status), oldest first; each holds until the next.
    pub changes: &'a [(Date, Status)],
    pub from: Date,
    pub to: Date,
    pub as_of: Date,
    /// The text alternative, e.g. "In progress from 15/03/2022, achieved from 30/09/2022".
    pub label: &'a str,
}

impl StatusStrip<'_> {
    const W: f64 = 120.0;
    const H: f64 = 28.0;

    pub fn render(&self) -> String {
        let x = |d: Date| share(d, self.from, self.to) * Self::W;
        let end = self.as_of.min(self.to);
        let mut svg = format!(
            r#"<svg class="spark status-strip" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{label}"><title>{label}</title><rect class="bg" width="{w}" height="{h}"/>"#,
            w = Self::W,
            h = Self::H,
            label = esc(self.label)
        );
        for (i, (start, status)) in self.changes.iter().enumerate() {
            let until = self.changes.get(i + 1).map_or(end, |(next, _)| *next);
            let (x0, x1) = (x((*start).max(self.from)), x(until.min(end)));
            if x1 > x0 {
                let _ = write!(
                    svg,
                    r#"<rect class="{}" x="{x0:.1}" y="8" width="{:.1}" height="12"/>"#,
                    status.code(),
                    x1 - x0
                );
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// Completion (achieved over applicable) over a period: a line through the days it was read
/// on (month ends up to the as-of date), with the months along the bottom and the as-of date
/// marked. Nothing after the as-of date is drawn, so a replayed day shows only what was known.
pub struct CompletionChart<'a> {
    /// The first and last day of the period.
    pub from: Date,
    pub to: Date,
    /// The days the counts were read on, with the counts.
    pub days: &'a [Date],
    pub counts: &'a [Counts],
    pub as_of: Date,
    pub lang: Lang,
    pub label: &'a str,
}

impl CompletionChart<'_> {
    const W: f64 = 640.0;
    const H: f64 = 180.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 24.0;
    const BOTTOM: f64 = 24.0;
    const TOP: f64 = 10.0;

    pub fn render(&self) -> String {
        let from = self.from.previous_day();
        let last = self.to;
        let plot_w = Self::W - Self::LEFT - Self::RIGHT;
        let plot_h = Self::H - Self::BOTTOM - Self::TOP;
        let x = |d: Date| Self::LEFT + share(d, from, last) * plot_w;
        let y = |pct: f64| Self::TOP + (1.0 - pct / 100.0) * plot_h;
        let mut svg = format!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{label}"><title>{label}</title>"#,
            w = Self::W,
            h = Self::H,
            label = esc(self.label)
        );
        for pct in [0, 25, 50, 75, 100] {
            let py = y(f64::from(pct));
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{l}" x2="{r}" y1="{py:.1}" y2="{py:.1}"/><text class="axis" x="{tx}" y="{ty:.1}" text-anchor="end">{pct}%</text>"#,
                l = Self::LEFT,
                r = Self::W - Self::RIGHT,
                tx = Self::LEFT - 4.0,
                ty = py + 4.0
            );
        }
        for d in Date::month_ends(self.from, self.to) {
            let _ = write!(
                svg,
                r#"<text class="axis" x="{:.1}" y="{}" text-anchor="middle">{:02}/{:02}</text>"#,
                x(d),
                Self::H - 6.0,
                d.month(),
                d.year() % 100
            );
        }
        if self.as_of > from && self.as_of <= last {
            let ax = x(self.as_of);
            let _ = write!(
                svg,
                r#"<line class="as-of" x1="{ax:.1}" x2="{ax:.1}" y1="{t}" y2="{b}"/><text class="axis as-of" x="{tx:.1}" y="{ty}" text-anchor="end">{label}</text>"#,
                t = Self::TOP,
                b = Self::H - Self::BOTTOM,
                tx = ax - 3.0,
                ty = Self::TOP + 10.0,
                label = esc(&self.as_of.dmy())
            );
        }
        let points: Vec<(f64, f64, &Counts, Date)> = self
            .days
            .iter()
            .zip(self.counts)
            .filter(|(d, c)| c.applicable > 0 && **d <= self.as_of)
            .map(|(d, c)| {
                let pct = f64::from(c.achieved) * 100.0 / f64::from(c.applicable);
                (x(*d), y(pct), c, *d)
            })
            .collect();
        if !points.is_empty() {
            let d: String = points
                .iter()
                .enumerate()
                .map(|(i, (px, py, _, _))| {
                    format!("{}{px:.1} {py:.1}", if i == 0 { "M" } else { " L" })
                })
                .collect();
            let _ = write!(svg, r#"<path class="line" d="{d}"/>"#);
            for (px, py, c, day) in &points {
                let tip = format!(
                    "{}: {}/{} {}",
                    day.dmy(),
                    c.achieved,
                    c.applicable,
                    Status::Achieved.label(self.lang)
                );
                let _ = write!(
                    svg,
                    r#"<circle cx="{px:.1}" cy="{py:.1}" r="3"><title>{}</title></circle>"#,
                    esc(&tip)
                );
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// The days a chart of the period is read on, as of `as_of`: every month end of the period up
/// to that date, and the date itself.
pub fn days_until(from: Date, to: Date, as_of: Date) -> Vec<Date> {
    let mut days: Vec<Date> = Date::month_ends(from, to)
        .into_iter()
        .filter(|d| *d <= as_of && *d <= to)
        .collect();
    if as_of >= from && as_of <= to && days.last() != Some(&as_of) {
        days.push(as_of);
    }
    days
}

/// Each unit's value of one indicator as a dot on one axis, with the target marked: where the
/// units stand relative to each other. The dot's shape follows its status, so colour is not the
/// only sign of it.
pub struct Strip<'a> {
    /// (unit name, value, status)
    pub dots: &'a [(String, f64, Status)],
    pub range: (f64, f64),
    pub target: Option<f64>,
    /// Formats a value for the axis labels.
    pub format: &'a dyn Fn(f64) -> String,
    pub label: &'a str,
    pub lang: Lang,
}

impl Strip<'_> {
    const W: f64 = 640.0;
    const H: f64 = 70.0;
    const PAD: f64 = 20.0;

    pub fn render(&self) -> String {
        let (lo, hi) = self.range;
        let x = |v: f64| {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            Self::PAD + t.clamp(0.0, 1.0) * (Self::W - 2.0 * Self::PAD)
        };
        let mut svg = format!(
            r#"<svg class="chart strip" viewBox="0 0 {w} {h}" role="img" aria-label="{label}"><title>{label}</title><line class="grid" x1="{p}" x2="{r}" y1="30" y2="30"/>"#,
            w = Self::W,
            h = Self::H,
            p = Self::PAD,
            r = Self::W - Self::PAD,
            label = esc(self.label)
        );
        for v in [lo, (lo + hi) / 2.0, hi] {
            let _ = write!(
                svg,
                r#"<text class="axis" x="{:.1}" y="62" text-anchor="middle">{}</text>"#,
                x(v),
                esc(&(self.format)(v))
            );
        }
        if let Some(t) = self.target {
            let tx = x(t);
            let _ = write!(
                svg,
                r#"<line class="target" x1="{tx:.1}" x2="{tx:.1}" y1="8" y2="46"/><text class="axis" x="{tx:.1}" y="7" text-anchor="middle">{}</text>"#,
                esc(self.lang.pick("mục tiêu", "target"))
            );
        }
        // Units with nearly the same value are stacked upwards, so none hides another.
        let mut columns: Vec<(f64, u32)> = Vec::new();
        for (name, value, status) in self.dots {
            let px = x(*value);
            let stack = match columns.iter_mut().find(|(cx, _)| (cx - px).abs() < 4.0) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    columns.push((px, 0));
                    0
                }
            };
            let py = 30.0 - f64::from(stack.min(3)) * 7.0;
            let tip = format!(
                "{name}: {} ({})",
                (self.format)(*value),
                status.label(self.lang)
            );
            let shape = match status {
                Status::Achieved => format!(r#"<circle cx="{px:.1}" cy="{py:.1}" r="4.5""#),
                Status::InProgress => format!(
                    r#"<rect x="{:.1}" y="{:.1}" width="8" height="8""#,
                    px - 4.0,
                    py - 4.0
                ),
                _ => format!(r#"<path d="M{:.1} {:.1} l4.5 8 h-9 z""#, px, py - 4.5),
            };
            let _ = write!(
                svg,
                r#"{shape} class="{}"><title>{}</title>{}"#,
                status.code(),
                esc(&tip),
                match status {
                    Status::Achieved => "</circle>",
                    Status::InProgress => "</rect>",
                    _ => "</path>",
                }
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_sparkline_steps_through_its_figures_to_the_as_of_date() {
        let points = [(day("2022-03-31"), 40.0), (day("2022-09-30"), 72.0)];
        let svg = Sparkline {
            points: &points,
            from: day("2022-01-01"),
            to: day("2022-12-31"),
            as_of: day("2022-10-31"),
            range: (0.0, 100.0),
            target: Some(80.0),
            label: "40% → 72% <trend>",
        }
        .render();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains(r#"class="target""#));
        assert!(
            svg.contains("&lt;trend&gt;") && !svg.contains("<trend>"),
            "labels are escaped"
        );
        // Held from 31/03 to 30/09, then carried to 31/10 (x = 303/364 of 120 ≈ 99.9).
        assert!(svg.contains(" H99.9\""), "{svg}");
    }

    #[test]
    fn a_status_strip_draws_each_stretch_up_to_the_as_of_date() {
        let changes = [
            (day("0001-01-01"), Status::NoData),
            (day("2022-03-31"), Status::InProgress),
            (day("2022-09-30"), Status::Achieved),
        ];
        let svg = StatusStrip {
            changes: &changes,
            from: day("2022-01-01"),
            to: day("2022-12-31"),
            as_of: day("2022-10-31"),
            label: "x",
        }
        .render();
        assert_eq!(svg.matches("<rect class=\"no_data\"").count(), 1);
        assert_eq!(svg.matches("<rect class=\"in_progress\"").count(), 1);
        // Achieved from 30/09 until the as-of date 31/10, not the end of the year.
        assert!(
            svg.contains(r#"<rect class="achieved" x="89.7" y="8" width="10.2""#),
            "{svg}"
        );
    }

    #[test]
    fn the_completion_chart_draws_only_what_was_known_on_the_as_of_date() {
        let (from, to) = (day("2022-01-01"), day("2022-12-31"));
        let days = days_until(from, to, day("2022-10-20"));
        assert_eq!(days.len(), 10, "January to September, and 20/10");
        assert_eq!(days[9], day("2022-10-20"));
        assert_eq!(days_until(from, to, day("2022-10-31")).len(), 10);
        assert_eq!(days_until(from, to, day("2023-03-01")).len(), 12);
        assert!(days_until(from, to, day("2021-06-30")).is_empty());
        let counts: Vec<Counts> = (0..days.len())
            .map(|i| Counts {
                applicable: 31,
                achieved: 2 * i as u32,
                ..Counts::default()
            })
            .collect();
        let svg = CompletionChart {
            from,
            to,
            days: &days,
            counts: &counts,
            as_of: day("2022-10-20"),
            lang: Lang::Vi,
            label: "Tỷ lệ hoàn thành",
        }
        .render();
        assert_eq!(svg.matches("<circle").count(), 10);
        assert!(svg.contains(">12/22<"), "the axis spans the whole period");
        assert!(svg.contains(">20/10/2022<"));
        assert!(svg.contains("18/31 Hoàn thành"), "{svg}");
    }
}
