//! The words of a progress report: where a unit stands, said as a sentence the way a ward's
//! report to its city says it ("Phường Bắc Sơn: 26/31 chỉ tiêu hoàn thành, 4 chỉ tiêu đang triển
//! khai thực hiện, 1 chỉ tiêu thuộc nhóm chính quyền số chưa đạt"), and the parts of an official
//! heading that come from a date. Pure: the caller gives the counts.

use crate::{Counts, Date, Lang};

/// How many indicators of one group are not achieved, for naming where the gaps are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupGap {
    /// The group's name in the sentence's language, as the framework writes it.
    pub group_name: String,
    pub not_achieved: u32,
}

/// One unit's standing as a sentence, ending with a full stop. `gaps` lists, in framework order,
/// the groups with indicators not achieved (groups with none may be left out or given as 0).
pub fn standing_sentence(
    unit_name: &str,
    counts: &Counts,
    gaps: &[GroupGap],
    lang: Lang,
) -> String {
    let gaps: Vec<&GroupGap> = gaps.iter().filter(|g| g.not_achieved > 0).collect();
    if counts.applicable == 0 {
        return match lang {
            Lang::Vi => format!("{unit_name}: không có chỉ tiêu nào áp dụng."),
            Lang::En => format!("{unit_name}: no indicator applies."),
        };
    }
    if counts.achieved == counts.applicable {
        return match lang {
            Lang::Vi => format!(
                "{unit_name}: hoàn thành toàn bộ {n}/{n} chỉ tiêu.",
                n = counts.applicable
            ),
            Lang::En => format!(
                "{unit_name}: all {n} of {n} indicators achieved.",
                n = counts.applicable
            ),
        };
    }
    let mut parts = Vec::new();
    match lang {
        Lang::Vi => {
            parts.push(format!(
                "{}/{} chỉ tiêu hoàn thành",
                counts.achieved, counts.applicable
            ));
            if counts.in_progress > 0 {
                parts.push(format!(
                    "{} chỉ tiêu đang triển khai thực hiện",
                    counts.in_progress
                ));
            }
            if counts.not_achieved > 0 {
                parts.push(not_achieved_vi(counts.not_achieved, &gaps));
            }
            if counts.no_data > 0 {
                parts.push(format!("{} chỉ tiêu chưa có số liệu", counts.no_data));
            }
        }
        Lang::En => {
            parts.push(format!(
                "{} of {} indicators achieved",
                counts.achieved, counts.applicable
            ));
            if counts.in_progress > 0 {
                parts.push(format!("{} in progress", counts.in_progress));
            }
            if counts.not_achieved > 0 {
                parts.push(not_achieved_en(counts.not_achieved, &gaps));
            }
            if counts.no_data > 0 {
                parts.push(format!("{} without figures yet", counts.no_data));
            }
        }
    }
    format!("{unit_name}: {}.", parts.join(", "))
}

fn not_achieved_vi(n: u32, gaps: &[&GroupGap]) -> String {
    match gaps {
        [one] if one.not_achieved == n => {
            format!(
                "{n} chỉ tiêu thuộc nhóm {} chưa đạt",
                lower_first(&one.group_name)
            )
        }
        [] => format!("{n} chỉ tiêu chưa đạt"),
        many => format!(
            "{n} chỉ tiêu chưa đạt ({})",
            many.iter()
                .map(|g| format!(
                    "{} thuộc nhóm {}",
                    g.not_achieved,
                    lower_first(&g.group_name)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn not_achieved_en(n: u32, gaps: &[&GroupGap]) -> String {
    match gaps {
        [one] if one.not_achieved == n => {
            format!("{n} not achieved ({})", lower_first(&one.group_name))
        }
        [] => format!("{n} not achieved"),
        many => format!(
            "{n} not achieved ({})",
            many.iter()
                .map(|g| format!("{} in {}", g.not_achieved, lower_first(&g.group_name)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A city's units as one sentence: how many have achieved every applicable indicator.
pub fn units_sentence(parent_name: &str, all_achieved: usize, units: usize, lang: Lang) -> String {
    match lang {
        Lang::Vi if units == 0 => {
            format!("{parent_name}: chưa có đơn vị nào được đánh giá theo bộ chỉ tiêu này.")
        }
        Lang::En if units == 0 => {
            format!("{parent_name}: no unit is assessed on this framework.")
        }
        Lang::Vi if all_achieved == units => {
            format!("{parent_name}: cả {units} đơn vị đã hoàn thành toàn bộ chỉ tiêu.")
        }
        Lang::Vi if all_achieved == 0 => {
            format!(
                "{parent_name}: chưa đơn vị nào trong {units} đơn vị hoàn thành toàn bộ chỉ tiêu."
            )
        }
        Lang::Vi => {
            format!("{parent_name}: {all_achieved}/{units} đơn vị đã hoàn thành toàn bộ chỉ tiêu.")
        }
        Lang::En if all_achieved == units => {
            format!("{parent_name}: all {units} units have achieved every indicator.")
        }
        Lang::En => {
            format!("{parent_name}: {all_achieved} of {units} units have achieved every indicator.")
        }
    }
}

/// A group name inside a sentence: "Chính quyền số" → "chính quyền số". Names that start with an
/// acronym ("CNTT", "IT security") keep their capitals.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(name.chars().skip(1)).collect()
        }
        (Some(first), None) => first.to_lowercase().collect(),
        _ => name.to_string(),
    }
}

/// The place-and-date line of an official document: "Sầm Sơn, ngày 31 tháng 10 năm 2022".
/// Days 1–9 and the months January and February take a leading zero, as the rules for
/// administrative documents ask (Nghị định 30/2020, Phụ lục I).
pub fn place_and_date(place: &str, day: Date, lang: Lang) -> String {
    let (y, m, d) = (day.year(), day.month(), day.day());
    match lang {
        Lang::Vi => {
            let dd = if d < 10 {
                format!("0{d}")
            } else {
                d.to_string()
            };
            let mm = if m < 3 {
                format!("0{m}")
            } else {
                m.to_string()
            };
            format!("{place}, ngày {dd} tháng {mm} năm {y}")
        }
        Lang::En => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!("{place}, {d} {} {y}", MONTHS[usize::from(m - 1)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(applicable: u32, achieved: u32, in_progress: u32, not_achieved: u32) -> Counts {
        Counts {
            applicable,
            achieved,
            in_progress,
            not_achieved,
            no_data: applicable - achieved - in_progress - not_achieved,
            not_applicable: 0,
        }
    }

    fn gap(name: &str, n: u32) -> GroupGap {
        GroupGap {
            group_name: name.into(),
            not_achieved: n,
        }
    }

    #[test]
    fn bac_son_on_the_meeting_day() {
        let c = counts(31, 26, 4, 1);
        assert_eq!(
            standing_sentence("Phường Bắc Sơn", &c, &[gap("Chính quyền số", 1)], Lang::Vi),
            "Phường Bắc Sơn: 26/31 chỉ tiêu hoàn thành, 4 chỉ tiêu đang triển khai thực hiện, \
             1 chỉ tiêu thuộc nhóm chính quyền số chưa đạt."
        );
        assert_eq!(
            standing_sentence(
                "Bắc Sơn ward",
                &c,
                &[gap("Digital government", 1)],
                Lang::En
            ),
            "Bắc Sơn ward: 26 of 31 indicators achieved, 4 in progress, 1 not achieved \
             (digital government)."
        );
    }

    #[test]
    fn gaps_in_several_groups_are_each_named() {
        let c = counts(30, 24, 2, 3);
        assert_eq!(
            standing_sentence(
                "Phường Quảng Tiến",
                &c,
                &[
                    gap("Nhận thức số", 0),
                    gap("Hạ tầng số", 2),
                    gap("Chính quyền số", 1)
                ],
                Lang::Vi
            ),
            "Phường Quảng Tiến: 24/30 chỉ tiêu hoàn thành, 2 chỉ tiêu đang triển khai thực hiện, \
             3 chỉ tiêu chưa đạt (2 thuộc nhóm hạ tầng số, 1 thuộc nhóm chính quyền số), \
             1 chỉ tiêu chưa có số liệu."
        );
    }

    #[test]
    fn complete_and_empty_units() {
        assert_eq!(
            standing_sentence("Xã Quảng Hùng", &counts(30, 30, 0, 0), &[], Lang::Vi),
            "Xã Quảng Hùng: hoàn thành toàn bộ 30/30 chỉ tiêu."
        );
        assert_eq!(
            standing_sentence("Xã Quảng Hùng", &counts(0, 0, 0, 0), &[], Lang::Vi),
            "Xã Quảng Hùng: không có chỉ tiêu nào áp dụng."
        );
        assert_eq!(
            standing_sentence("Xã Quảng Hùng", &counts(30, 0, 0, 0), &[], Lang::Vi),
            "Xã Quảng Hùng: 0/30 chỉ tiêu hoàn thành, 30 chỉ tiêu chưa có số liệu."
        );
    }

    #[test]
    fn city_sentence() {
        assert_eq!(
            units_sentence("Thành phố Sầm Sơn", 2, 11, Lang::Vi),
            "Thành phố Sầm Sơn: 2/11 đơn vị đã hoàn thành toàn bộ chỉ tiêu."
        );
        assert_eq!(
            units_sentence("Thành phố Sầm Sơn", 0, 11, Lang::Vi),
            "Thành phố Sầm Sơn: chưa đơn vị nào trong 11 đơn vị hoàn thành toàn bộ chỉ tiêu."
        );
        assert_eq!(
            units_sentence("Sầm Sơn city", 11, 11, Lang::En),
            "Sầm Sơn city: all 11 units have achieved every indicator."
        );
        assert_eq!(
            units_sentence("Huyện Mới", 0, 0, Lang::Vi),
            "Huyện Mới: chưa có đơn vị nào được đánh giá theo bộ chỉ tiêu này."
        );
        assert_eq!(
            units_sentence("New district", 0, 0, Lang::En),
            "New district: no unit is assessed on this framework."
        );
    }

    #[test]
    fn names_inside_sentences() {
        assert_eq!(lower_first("Chính quyền số"), "chính quyền số");
        assert_eq!(lower_first("Đô thị thông minh"), "đô thị thông minh");
        assert_eq!(lower_first("CNTT cơ bản"), "CNTT cơ bản");
        assert_eq!(lower_first(""), "");
    }

    #[test]
    fn dates_in_the_heading() {
        let day: Date = "2022-10-31".parse().unwrap();
        assert_eq!(
            place_and_date("Sầm Sơn", day, Lang::Vi),
            "Sầm Sơn, ngày 31 tháng 10 năm 2022"
        );
        let day: Date = "2023-02-05".parse().unwrap();
        assert_eq!(
            place_and_date("Sầm Sơn", day, Lang::Vi),
            "Sầm Sơn, ngày 05 tháng 02 năm 2023"
        );
        assert_eq!(
            place_and_date("Sầm Sơn", day, Lang::En),
            "Sầm Sơn, 5 February 2023"
        );
    }
}
