//! The status rules on one year of monthly figures, paired with their limit measured in the same
//! run: one pass over the same figures that only reads them.
//!
//! `cargo bench -p tiendo-domain --bench rules`

use std::hint::black_box;

use tiendo_domain::framework_file::parse_framework;
use tiendo_domain::{Date, Decimal, Figure, Framework, Observation, Rules, UnitKind};

const FRAMEWORK: &str = r#"
code = "bench"
version = 1
name = "Bộ chỉ tiêu đo hiệu năng"
name_en = "Benchmark framework"
period = { start = 2024-01-01, end = 2024-12-31 }

[[groups]]
code = "g"
name = "Nhóm"
name_en = "Group"

[[indicators]]
code = "P"
group = "g"
name = "Tỷ lệ"
name_en = "Share"
measure = "percent"
target = ">= 80%"
"#;

fn framework() -> Framework {
    parse_framework(FRAMEWORK).expect("the benchmark framework reads")
}

/// Twelve month-end figures climbing from 20% to 86%.
fn year() -> Vec<Observation> {
    (1..=12u8)
        .map(|m| Observation {
            observed_on: if m == 12 {
                Date::from_ymd(2024, 12, 31).unwrap()
            } else {
                Date::from_ymd(2024, m + 1, 1).unwrap().previous_day()
            },
            figure: Figure::Amount(Decimal::from_thousandths(i64::from(m) * 6_000 + 14_000)),
            planned_by: None,
            note: String::new(),
        })
        .collect()
}

fn main() {
    divan::main();
}

/// Every span of a year, as the store derives them on each write.
#[divan::bench]
fn timeline(bencher: divan::Bencher) {
    let framework = framework();
    let indicator = &framework.indicators[0];
    let applicability = indicator.applicability(UnitKind::Phuong, None);
    let history = year();
    bencher.bench_local(|| {
        let rules = Rules {
            indicator,
            applicability: &applicability,
            period_start: framework.period_start,
        };
        black_box(rules.timeline(black_box(&history)))
    });
}

/// The status on one date.
#[divan::bench]
fn assess(bencher: divan::Bencher) {
    let framework = framework();
    let indicator = &framework.indicators[0];
    let applicability = indicator.applicability(UnitKind::Phuong, None);
    let history = year();
    let day = Date::from_ymd(2024, 10, 31).unwrap();
    bencher.bench_local(|| {
        let rules = Rules {
            indicator,
            applicability: &applicability,
            period_start: framework.period_start,
        };
        black_box(rules.assess(black_box(&history), day))
    });
}

/// The limit: reading the same twelve figures once.
#[divan::bench]
fn read_the_figures(bencher: divan::Bencher) {
    let history = year();
    bencher.bench_local(|| {
        black_box(&history)
            .iter()
            .map(|o| match o.figure {
                Figure::Amount(d) => d.thousandths(),
                _ => 0,
            })
            .sum::<i64>()
    });
}
