//! The figures of Sầm Sơn's other nine wards and communes, generated from fixed seeds.
//!
//! Each unit has a [`Profile`]: how strong its programme is, how often it reports late, and the
//! sizes its ratios are counted over. For every indicator a seeded draw decides the year's
//! outcome (target met by the third quarter, met only at year end, or missed), and the figures
//! of the unit's reports move towards that outcome. The draw for one (unit, indicator) pair has
//! its own seed, so editing one indicator or unit leaves the others' figures as they were.

use tiendo_domain::{Date, Decimal, Figure, Framework, Indicator, Measure, Observation, Target};

use crate::{DemoFigure, day};

/// What the generator needs to know about one unit.
pub(crate) struct Profile {
    pub code: &'static str,
    /// Percent chance that an indicator meets its target in 2022; three quarters of those meet
    /// it by the third-quarter report, the rest only at year end.
    strength: i64,
    /// Percent chance that the unit files an indicator for the first time at year end (so it has
    /// no data on the meeting day).
    late: i64,
    households: i64,
    /// Residential quarters (tổ dân phố) or villages (thôn).
    quarters: i64,
    officials: i64,
    /// Tourism and food businesses; the coastal wards have the most.
    tourism_businesses: i64,
    /// Days after each quarter's end that the quarterly report is dated.
    report_lag: i64,
}

/// The nine units other than Bắc Sơn and Quảng Tiến, strongest first. None is as far along as
/// the two wards the city chose to hear on 31/10/2022.
pub(crate) const PROFILES: [Profile; 9] = [
    // Phường Trung Sơn
    Profile {
        code: "14830",
        strength: 85,
        late: 0,
        households: 3_050,
        quarters: 14,
        officials: 22,
        tourism_businesses: 260,
        report_lag: 3,
    },
    // Phường Trường Sơn
    Profile {
        code: "14836",
        strength: 80,
        late: 0,
        households: 3_420,
        quarters: 17,
        officials: 23,
        tourism_businesses: 310,
        report_lag: 5,
    },
    // Phường Quảng Cư
    Profile {
        code: "14839",
        strength: 70,
        late: 5,
        households: 2_380,
        quarters: 11,
        officials: 21,
        tourism_businesses: 120,
        report_lag: 6,
    },
    // Phường Quảng Thọ
    Profile {
        code: "16528",
        strength: 65,
        late: 5,
        households: 2_150,
        quarters: 10,
        officials: 21,
        tourism_businesses: 60,
        report_lag: 4,
    },
    // Phường Quảng Vinh
    Profile {
        code: "16534",
        strength: 60,
        late: 5,
        households: 2_290,
        quarters: 9,
        officials: 20,
        tourism_businesses: 90,
        report_lag: 7,
    },
    // Phường Quảng Châu
    Profile {
        code: "16531",
        strength: 55,
        late: 10,
        households: 2_640,
        quarters: 12,
        officials: 21,
        tourism_businesses: 55,
        report_lag: 8,
    },
    // Xã Quảng Hùng
    Profile {
        code: "16516",
        strength: 45,
        late: 15,
        households: 1_540,
        quarters: 7,
        officials: 19,
        tourism_businesses: 40,
        report_lag: 9,
    },
    // Xã Quảng Minh
    Profile {
        code: "16513",
        strength: 40,
        late: 20,
        households: 1_860,
        quarters: 8,
        officials: 20,
        tourism_businesses: 25,
        report_lag: 10,
    },
    // Xã Quảng Đại
    Profile {
        code: "16537",
        strength: 35,
        late: 25,
        households: 1_720,
        quarters: 8,
        officials: 19,
        tourism_businesses: 30,
        report_lag: 12,
    },
];

/// The reports of a year: a start-of-year baseline, three quarterly reports and a year-end
/// report. Outcomes are expressed as the index of the report at which the target is met.
const BASELINE: usize = 0;
const YEAR_END: usize = 4;
const REPORTS: usize = 5;

impl Profile {
    fn report_dates(&self) -> [Date; REPORTS] {
        let lag = |quarter_end: &str| day(quarter_end).add_days(self.report_lag);
        [
            day("2022-01-15"),
            lag("2022-03-31"),
            lag("2022-06-30"),
            lag("2022-09-30"),
            day("2022-12-20"),
        ]
    }

    /// What a ratio indicator is counted over.
    fn population(&self, indicator: &str, rng: &mut SplitMix64) -> Population {
        match indicator {
            "HT-01" | "HT-02" | "NL-02" => Population::Fixed(self.quarters),
            "HT-06" => Population::Fixed(self.quarters + rng.range(1, 4)),
            "HT-05" | "NL-01" | "CQ-03" => Population::Fixed(self.officials),
            "AT-01" => Population::Fixed(self.officials + rng.range(1, 3)),
            "KT-01" => Population::Fixed(self.households / rng.range(7, 12)),
            "KT-02" => Population::Fixed(rng.range(1, 4)),
            "KT-04" => Population::Fixed(self.tourism_businesses),
            "XH-03" => Population::Fixed(self.households * rng.range(26, 30) / 10),
            "CQ-01" => Population::PerPeriod("van-ban", 300, 480),
            "CQ-02" => Population::PerPeriod("van-ban-di", 140, 230),
            "CQ-04" | "CQ-05" | "CQ-06" => Population::PerPeriod("ho-so", 180, 380),
            _ => Population::Fixed(self.households),
        }
    }

    /// The denominator of a per-period ratio for one report: drawn once per unit, stream and
    /// report, so the three dossier indicators of a quarter share their dossier count.
    fn period_size(&self, stream: &str, report: usize, (lo, hi): (i64, i64)) -> i64 {
        SplitMix64::seeded(&[self.code, stream, &report.to_string()]).range(lo, hi)
    }
}

enum Population {
    /// The same count all year (households, quarters, officials...).
    Fixed(i64),
    /// Counted afresh for each reporting period (documents, dossiers): a named stream and the
    /// range of its size.
    PerPeriod(&'static str, i64, i64),
}

/// The figures of one generated unit, indicator by indicator.
pub(crate) fn figures(profile: &Profile, framework: &Framework) -> Vec<DemoFigure> {
    let dates = profile.report_dates();
    let mut out = Vec::new();
    for indicator in &framework.indicators {
        let mut rng = SplitMix64::seeded(&[profile.code, &indicator.code]);
        let roll = rng.range(0, 99);
        let reached_at = if roll < profile.strength * 3 / 4 {
            // Yes/no indicators are often done before the year starts.
            let first = if indicator.measure == Measure::YesNo {
                BASELINE
            } else {
                1
            };
            Some(rng.range(first as i64, 3) as usize)
        } else if roll < profile.strength {
            Some(YEAR_END)
        } else {
            None
        };
        let late = rng.percent(profile.late);
        let population = (indicator.measure == Measure::Ratio)
            .then(|| profile.population(&indicator.code, &mut rng));
        // A count starts the year at zero, and documents and dossiers are counted per quarter:
        // neither has anything to report on 15/01.
        let from_baseline = indicator.measure != Measure::Count
            && !matches!(population, Some(Population::PerPeriod(..)));
        let reports: Vec<usize> = if late {
            vec![YEAR_END]
        } else if from_baseline {
            (BASELINE..REPORTS).collect()
        } else {
            (1..REPORTS).collect()
        };
        let course = Course {
            reached_at,
            reports: &reports,
        };
        let series = match indicator.measure {
            Measure::YesNo => yes_no(&course, &dates, indicator, &mut rng),
            Measure::Count => counts(&course, indicator, &mut rng),
            Measure::Percent => percents(&course, indicator, &mut rng),
            Measure::Ratio => {
                let population = population.expect("drawn above for every ratio");
                ratios(&course, indicator, profile, population, &mut rng)
            }
        };
        for (report, figure, planned_by, note) in series {
            let note = match (late, note) {
                (true, "") => "Báo cáo lần đầu vào cuối năm",
                (_, note) => note,
            };
            out.push(DemoFigure {
                unit_code: profile.code.to_string(),
                indicator_code: indicator.code.clone(),
                observation: Observation {
                    observed_on: dates[report],
                    figure,
                    planned_by,
                    note: note.to_string(),
                },
            });
        }
    }
    out
}

/// The year's outcome for one indicator and the reports that carry it.
struct Course<'a> {
    /// The report at which the target is first met, if it is met in 2022.
    reached_at: Option<usize>,
    reports: &'a [usize],
}

impl Course<'_> {
    fn met_by(&self, report: usize) -> bool {
        self.reached_at.is_some_and(|r| report >= r)
    }
    /// The share of the way from the start value to the final one at `report`, as a fraction.
    fn progress(&self, report: usize) -> (i64, i64) {
        let report = report as i64;
        match self.reached_at {
            // Met only at year end, but on a pace that gets there by early December: the
            // quarterly figures show it on track (in progress on the meeting day).
            Some(YEAR_END) => (2 * report, 7),
            Some(r) => (report.min(r as i64), (r as i64).max(1)),
            None => (report, YEAR_END as i64),
        }
    }
}

type Series = Vec<(usize, Figure, Option<Date>, &'static str)>;

fn yes_no(
    course: &Course,
    dates: &[Date; REPORTS],
    ind: &Indicator,
    rng: &mut SplitMix64,
) -> Series {
    let plan = match course.reached_at {
        // Planned close to when it was in fact done; one unit in four had written no plan.
        Some(r) => (!rng.percent(25)).then(|| dates[r].add_days(rng.range(-10, 5))),
        // Missed: no plan, a plan for next year, or a plan that slipped.
        None => match rng.range(0, 2) {
            0 => None,
            1 => Some(ind.deadline.add_days(rng.range(30, 120))),
            _ => Some(dates[3].add_days(rng.range(20, 40))),
        },
    };
    course
        .reports
        .iter()
        .map(|&k| {
            if course.met_by(k) {
                (k, Figure::YesNo(true), None, "")
            } else {
                let note = if plan.is_some() {
                    "Đã có kế hoạch triển khai"
                } else {
                    ""
                };
                (k, Figure::YesNo(false), plan, note)
            }
        })
        .collect()
}

/// A threshold in per mille for percentages (80% → 800), as is for counts.
fn threshold(ind: &Indicator) -> i64 {
    match ind.target {
        Target::Threshold { value, .. } if ind.measure.is_percentage() => value.thousandths() / 100,
        Target::Threshold { value, .. } => value.thousandths() / Decimal::SCALE,
        Target::Answer(_) => 1,
    }
}

/// Cumulative counts (meetings held, hotspots installed), from zero at the start of the year.
fn counts(course: &Course, ind: &Indicator, rng: &mut SplitMix64) -> Series {
    let target = threshold(ind);
    let last = match course.reached_at {
        Some(_) => target + rng.range(0, 1),
        None => (target - rng.range(1, 2)).max(0),
    };
    course
        .reports
        .iter()
        .map(|&k| {
            let value = if course.met_by(k) {
                last
            } else {
                let (done, of) = course.progress(k);
                let v = last * done / of;
                if course.reached_at.is_some() {
                    v.min(target - 1)
                } else {
                    v
                }
            };
            (k, Figure::Amount(Decimal::from_int(value)), None, "")
        })
        .collect()
}

/// A course of per-mille values: rising from a start value towards the year's last value, below
/// the target until the report that meets it.
fn per_mille_course(course: &Course, target: i64, rng: &mut SplitMix64) -> Vec<(usize, i64)> {
    let last = match course.reached_at {
        Some(_) if target >= 1000 => 1000,
        Some(_) => target + rng.range(0, (1000 - target).min(150)),
        None => (target - rng.range(40, 300)).max(30),
    };
    let start = (last - rng.range(150, 400)).max(0);
    let mut previous = 0;
    course
        .reports
        .iter()
        .map(|&k| {
            let value = if course.met_by(k) {
                last
            } else {
                let (done, of) = course.progress(k);
                let noisy = start + (last - start) * done / of + rng.range(-10, 10);
                let ceiling = if course.reached_at.is_some() {
                    target - 1
                } else {
                    last
                };
                noisy.clamp(previous, ceiling.max(previous))
            };
            previous = value;
            (k, value)
        })
        .collect()
}

fn percents(course: &Course, ind: &Indicator, rng: &mut SplitMix64) -> Series {
    per_mille_course(course, threshold(ind), rng)
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                Figure::Amount(Decimal::from_thousandths(v * 100)),
                None,
                "",
            )
        })
        .collect()
}

fn ratios(
    course: &Course,
    ind: &Indicator,
    profile: &Profile,
    population: Population,
    rng: &mut SplitMix64,
) -> Series {
    let target = threshold(ind);
    per_mille_course(course, target, rng)
        .into_iter()
        .map(|(k, v)| {
            let denominator = match population {
                Population::Fixed(n) => n.max(1),
                Population::PerPeriod(stream, lo, hi) => profile.period_size(stream, k, (lo, hi)),
            };
            // Rounded to whole things, then kept on the side of the target the course says.
            let at_target = (target * denominator + 999) / 1000;
            let mut numerator = (v * denominator + 500) / 1000;
            if course.met_by(k) {
                numerator = numerator.max(at_target);
            } else {
                numerator = numerator.min(at_target - 1);
            }
            let figure = Figure::Ratio {
                numerator: numerator.clamp(0, denominator),
                denominator,
            };
            (k, figure, None, "")
        })
        .collect()
}

/// SplitMix64 (Steele, Lea and Flood), seeded by an FNV-1a hash of text parts: small, fast and
/// the same on every platform, which is all a demo dataset needs.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn seeded(parts: &[&str]) -> SplitMix64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for byte in part.bytes().chain([0xff]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        SplitMix64(hash)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (the modulo bias is negligible for these small ranges).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    fn percent(&mut self, chance: i64) -> bool {
        self.range(0, 99) < chance
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_stable_and_in_range() {
        let mut a = SplitMix64::seeded(&["14830", "HT-03"]);
        let mut b = SplitMix64::seeded(&["14830", "HT-03"]);
        let mut c = SplitMix64::seeded(&["14830", "HT-04"]);
        let xs: Vec<i64> = (0..1000).map(|_| a.range(-3, 7)).collect();
        let ys: Vec<i64> = (0..1000).map(|_| b.range(-3, 7)).collect();
        let zs: Vec<i64> = (0..1000).map(|_| c.range(-3, 7)).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert!(xs.iter().all(|x| (-3..=7).contains(x)));
        assert!(
            (-3..=7).all(|v| xs.contains(&v)),
            "every value comes up in 1000 draws"
        );
    }

    #[test]
    fn the_reference_splitmix_sequence() {
        // The first outputs of SplitMix64 seeded with 0, as published with the algorithm.
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }
}
