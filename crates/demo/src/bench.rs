//! The synthetic dataset the benchmarks run on: Vietnam's units of 01/10/2022 (63 provinces, 705
//! district-level and 10,599 commune-level units, from the GSO list in `data/`) under the nation
//! `VN`, a framework of 40 indicators in 8 groups for 2024, and 12 monthly figures per commune
//! and indicator (about 5 million for the country). The units are real; the framework and the
//! figures are made up, the same for the same seed on every machine.

use std::fmt::Write;

use tiendo_domain::unit_list::{parse_unit_list, under_nation};
use tiendo_domain::{Date, Decimal, Figure, Observation, Unit, UnitKind};

use crate::generated::SplitMix64;

/// The GSO list of 01/10/2022 (`code,name,kind,level,parent_code`), built in.
pub const UNITS_CSV: &str = include_str!("../data/units-2022-10-01.csv");

/// How much of the country a dataset holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Every province, district and commune.
    National,
    /// Thanh Hóa: 27 district-level and about 560 commune-level units.
    Province,
    /// Sầm Sơn: 11 wards and communes.
    City,
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Scale, String> {
        match s {
            "national" => Ok(Scale::National),
            "province" => Ok(Scale::Province),
            "city" => Ok(Scale::City),
            other => Err(format!(
                "«{other}»: phạm vi là national, province hoặc city / the scale is national, province or city"
            )),
        }
    }
}

/// The eight groups: code, Vietnamese and English names.
const GROUPS: [(&str, &str, &str); 8] = [
    ("nhan-thuc", "Nhận thức số", "Digital awareness"),
    ("the-che", "Thể chế số", "Digital institutions"),
    ("ha-tang", "Hạ tầng số", "Digital infrastructure"),
    ("nhan-luc", "Nhân lực số", "Digital human resources"),
    ("an-toan", "An toàn thông tin mạng", "Information security"),
    ("chinh-quyen", "Chính quyền số", "Digital government"),
    ("kinh-te", "Kinh tế số", "Digital economy"),
    ("xa-hoi", "Xã hội số", "Digital society"),
];

/// The five indicators of every group, by position: measure, target, deadline (`None`: the end
/// of the year), and what kind of figure is generated.
const SHAPES: [(&str, &str, Option<&str>); 5] = [
    ("yes_no", "= yes", Some("2024-06-30")),
    ("percent", ">= 80%", None),
    ("count", ">= 4", None),
    ("ratio", ">= 90%", None),
    ("percent", ">= 100%", Some("2024-09-30")),
];

const YEAR: i32 = 2024;

/// The code of indicator `position` (0–4) of group `group` (0–7): `G1-01` … `G8-05`.
fn indicator_code(group: usize, position: usize) -> String {
    format!("G{}-{:02}", group + 1, position + 1)
}

/// The units of `scale`, parents first, under `VN`.
pub fn units(scale: Scale) -> Vec<Unit> {
    let all = parse_unit_list(UNITS_CSV, None, None).expect("the built-in unit list reads");
    let root = match scale {
        Scale::National => None,
        Scale::Province => Some("38"),
        Scale::City => Some("382"),
    };
    let Some(root) = root else {
        return under_nation(all);
    };
    // The root's ancestors, then the root and everything under it (the list has parents first).
    let parents: std::collections::HashMap<&str, Option<&str>> = all
        .iter()
        .map(|u| (u.code.as_str(), u.parent_code.as_deref()))
        .collect();
    let mut above: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut up = parents.get(root).copied().flatten();
    while let Some(code) = up {
        above.insert(code.to_string());
        up = parents.get(code).copied().flatten();
    }
    let mut below: std::collections::HashSet<String> = std::collections::HashSet::new();
    let chosen = all
        .iter()
        .filter(|u| {
            if u.code == root || u.parent_code.as_ref().is_some_and(|p| below.contains(p)) {
                below.insert(u.code.clone());
                true
            } else {
                above.contains(&u.code)
            }
        })
        .cloned()
        .collect();
    under_nation(chosen)
}

/// The framework file: 8 groups of 5 indicators for 2024, applying to communes, wards and
/// townships.
pub fn framework_toml() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Synthetic benchmark framework (`tiendo bench-data`): not an official document.\n\
         code = \"bench-{YEAR}\"\nversion = 1\n\
         name = \"Bộ chỉ tiêu mô phỏng để đo hiệu năng năm {YEAR}\"\n\
         name_en = \"Synthetic benchmark framework {YEAR}\"\n\
         period = {{ start = {YEAR}-01-01, end = {YEAR}-12-31 }}\n"
    );
    for (code, name, name_en) in GROUPS {
        let _ = writeln!(
            out,
            "[[groups]]\ncode = \"{code}\"\nname = \"{name}\"\nname_en = \"{name_en}\"\n"
        );
    }
    for (g, (group, name, name_en)) in GROUPS.iter().enumerate() {
        for (p, (measure, target, deadline)) in SHAPES.iter().enumerate() {
            let _ = writeln!(
                out,
                "[[indicators]]\ncode = \"{}\"\ngroup = \"{group}\"\n\
                 name = \"{name}: chỉ tiêu mô phỏng {}\"\nname_en = \"{name_en}: synthetic indicator {}\"\n\
                 measure = \"{measure}\"\ntarget = \"{target}\"",
                indicator_code(g, p),
                p + 1,
                p + 1
            );
            if let Some(d) = deadline {
                let _ = writeln!(out, "deadline = {d}");
            }
            out.push('\n');
        }
    }
    out
}

/// The last day of each month of the year.
fn month_ends() -> [Date; 12] {
    std::array::from_fn(|m| {
        let (y, next) = if m == 11 {
            (YEAR + 1, 1)
        } else {
            (YEAR, m as u8 + 2)
        };
        Date::from_ymd(y, next, 1)
            .expect("a first of the month")
            .previous_day()
    })
}

/// The figures of one unit: for a commune-level unit, one per month and indicator, each
/// indicator following the unit's own pace; nothing for the units above.
pub fn figures(unit: &Unit, seed: u64) -> Vec<(String, Observation)> {
    if !matches!(
        unit.kind,
        UnitKind::Phuong | UnitKind::Xa | UnitKind::ThiTran | UnitKind::DacKhu
    ) {
        return Vec::new();
    }
    let seed = seed.to_string();
    // How fast this unit moves, 0–100: the same for all its indicators.
    let drive = SplitMix64::seeded(&[&seed, &unit.code]).range(5, 100);
    let days = month_ends();
    let mut out = Vec::with_capacity(12 * GROUPS.len() * SHAPES.len());
    for g in 0..GROUPS.len() {
        for (p, (measure, _, _)) in SHAPES.iter().enumerate() {
            let code = indicator_code(g, p);
            let mut rng = SplitMix64::seeded(&[&seed, &unit.code, &code]);
            let pace = drive * rng.range(50, 150) / 100;
            let figures: Vec<Figure> = match (*measure, p) {
                ("yes_no", _) => {
                    // Done from some month on (or not this year), sooner for a faster unit.
                    let from = (rng.range(1, 12) + (60 - pace) / 8).clamp(1, 14);
                    (1..=12).map(|m| Figure::YesNo(m >= from)).collect()
                }
                ("percent", _) => {
                    let start = rng.range(10, 60);
                    (1..=12)
                        .map(|m| {
                            let v = (start * 10
                                + pace * m * rng.range(4, 10) / 10
                                + rng.range(-20, 20))
                            .clamp(0, 1000);
                            Figure::Amount(Decimal::from_thousandths(v * 100))
                        })
                        .collect()
                }
                ("count", _) => {
                    let rate = rng.range(2, 8);
                    (1..=12)
                        .map(|m| {
                            Figure::Amount(Decimal::from_thousandths(m * pace * rate / 600 * 1000))
                        })
                        .collect()
                }
                _ => {
                    let denominator = rng.range(300, 5_000);
                    let start = rng.range(20, 70);
                    (1..=12)
                        .map(|m| {
                            let share = (start + pace * m * rng.range(3, 7) / 100).min(100);
                            Figure::Ratio {
                                numerator: denominator * share / 100,
                                denominator,
                            }
                        })
                        .collect()
                }
            };
            for (day, figure) in days.iter().zip(figures) {
                out.push((
                    code.clone(),
                    Observation {
                        observed_on: *day,
                        figure,
                        planned_by: None,
                        note: String::new(),
                    },
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_domain::framework_file::parse_framework;

    #[test]
    fn the_country_has_its_2022_shape() {
        let units = units(Scale::National);
        let count = |kinds: &[UnitKind]| units.iter().filter(|u| kinds.contains(&u.kind)).count();
        assert_eq!(units[0].code, "VN");
        assert_eq!(count(&[UnitKind::Tinh, UnitKind::ThanhPhoTw]), 63);
        assert_eq!(
            count(&[
                UnitKind::Phuong,
                UnitKind::Xa,
                UnitKind::ThiTran,
                UnitKind::DacKhu
            ]),
            10_599
        );
        assert_eq!(units.len(), 1 + 63 + 705 + 10_599);
    }

    #[test]
    fn smaller_scales_keep_their_ancestors_and_nothing_beside() {
        let city = units(Scale::City);
        let codes: Vec<&str> = city.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(&codes[..3], ["VN", "38", "382"]);
        assert_eq!(city.len(), 3 + 11);
        let province = units(Scale::Province);
        assert!(
            province
                .iter()
                .all(|u| u.code == "VN" || u.code == "38" || u.parent_code.is_some())
        );
        assert!(
            province.len() > 500 && province.len() < 700,
            "{}",
            province.len()
        );
    }

    #[test]
    fn the_framework_reads_and_the_figures_fit_it() {
        let framework = parse_framework(&framework_toml()).expect("the benchmark framework reads");
        assert_eq!(framework.indicators.len(), 40);
        let unit = units(Scale::City).pop().unwrap();
        let figures = figures(&unit, 1);
        assert_eq!(figures.len(), 480);
        for (code, o) in &figures {
            let indicator = framework.indicator(code).unwrap();
            o.figure.check(indicator.measure).unwrap();
        }
        assert_eq!(
            figures,
            super::figures(&unit, 1),
            "the same for the same seed"
        );
        assert_ne!(figures, super::figures(&unit, 2));
    }
}
