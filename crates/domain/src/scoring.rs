//! Scoring (chấm điểm): the points each indicator earns, the unit score normalised 0–1 (like the
//! national DTI) and rankings of units by score.
//!
//! The unit score, precisely (all arithmetic exact, in [`Ratio`]s):
//! - An indicator that is not applicable to the unit (by kind, or excused) counts neither way.
//!   Every other indicator with points can earn from 0 to its points, by its [`Scoring`] rule;
//!   with no figure (no data) it earns 0.
//! - A framework that gives no indicator any `points` scores every indicator 1 point when it is
//!   achieved, so its score is the unit's completion.
//! - Each group's score is earned ÷ possible over its applicable indicators (`None` when nothing
//!   in it can earn points).
//! - When the groups carry weights, the unit score is the weighted mean of the scores of the
//!   groups that have one: Σ weight × group score ÷ Σ weight. Without weights it is earned ÷
//!   possible over all applicable indicators, so every point weighs the same.
//! - `None` when nothing applicable can earn points (or every such group weighs 0).

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::{
    Decimal, Figure, Framework, Indicator, Lang, Ratio, Scoring, Status, Target, UnitKind,
};

/// What a unit stands at on one indicator: its status on the day and the figure in force then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndicatorInput {
    pub status: Status,
    pub figure: Option<Figure>,
}

/// The points one applicable indicator earned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorScore {
    pub code: String,
    pub earned: Ratio,
    pub possible: Ratio,
}

/// One group's score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupScore {
    pub code: String,
    pub weight: Option<Decimal>,
    pub earned: Ratio,
    pub possible: Ratio,
    /// earned ÷ possible, or `None` when nothing in the group can earn points.
    pub value: Option<Ratio>,
}

/// A unit's score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitScore {
    /// From 0 to 1, or `None` when nothing applicable can earn points.
    pub value: Option<Ratio>,
    pub earned: Ratio,
    pub possible: Ratio,
    /// Every group of the framework, in its order.
    pub groups: Vec<GroupScore>,
    /// Every applicable indicator with points, in the framework's order.
    pub indicators: Vec<IndicatorScore>,
}

impl UnitScore {
    /// Whether the score reaches `min` (a score rule's `min_score`); never without a score.
    pub fn at_least(&self, min: Decimal) -> bool {
        self.value.is_some_and(|v| v >= min.as_ratio())
    }
}

/// Whether any indicator of the framework carries points.
pub fn is_scored(framework: &Framework) -> bool {
    framework.indicators.iter().any(|i| i.points.is_some())
}

fn zero() -> Ratio {
    Ratio::from_int(0)
}
fn one() -> Ratio {
    Ratio::from_int(1)
}
fn clamp01(r: Ratio) -> Ratio {
    r.max(zero()).min(one())
}

/// The indicators whose points depend on their figure, not only on their status: the only ones
/// a score needs the figures of.
pub fn indicators_scored_on_figures(framework: &Framework) -> Vec<&str> {
    framework
        .indicators
        .iter()
        .filter(|i| !matches!(i.scoring, Scoring::Achieved))
        .map(|i| i.code.as_str())
        .collect()
}

/// The points an indicator worth `points` earns under its rule, given the unit's status and
/// figure. The caller leaves out indicators that do not apply.
pub fn indicator_points(indicator: &Indicator, points: Decimal, input: IndicatorInput) -> Ratio {
    let full = points.as_ratio();
    let figure = match input.status {
        Status::NoData | Status::NotApplicable => None,
        _ => input.figure,
    };
    match &indicator.scoring {
        Scoring::Achieved => {
            if input.status == Status::Achieved {
                full
            } else {
                zero()
            }
        }
        Scoring::Answer => match (figure, &indicator.target) {
            (Some(Figure::YesNo(answer)), Target::Answer(wanted)) if answer == *wanted => full,
            _ => zero(),
        },
        Scoring::Proportional => match figure {
            Some(f) => full.mul(clamp01(f.value().div(Ratio::from_int(100)))),
            None => zero(),
        },
        Scoring::ProportionalToTarget => match (figure, &indicator.target) {
            (Some(f), Target::Threshold { value, .. }) if *value > Decimal::ZERO => {
                full.mul(clamp01(f.value().div(value.as_ratio())))
            }
            _ => zero(),
        },
        Scoring::Tiers(tiers) => match figure {
            Some(f) => {
                let v = f.value();
                tiers
                    .iter()
                    .find(|t| v >= t.at_least.as_ratio())
                    .map_or(zero(), |t| t.points.as_ratio())
            }
            None => zero(),
        },
    }
}

/// The score of a unit of `kind` from its status and figure per indicator code. An indicator
/// missing from `inputs` counts as not applicable when it does not apply to `kind`, else as
/// having no data.
pub fn unit_score(
    framework: &Framework,
    kind: UnitKind,
    inputs: &HashMap<String, IndicatorInput>,
) -> UnitScore {
    let scored = is_scored(framework);
    let mut indicators = Vec::new();
    let mut per_group: HashMap<&str, (Ratio, Ratio)> = HashMap::new();
    for ind in &framework.indicators {
        let input = inputs.get(&ind.code).copied().unwrap_or(IndicatorInput {
            status: if ind.applies_to.contains(&kind) {
                Status::NoData
            } else {
                Status::NotApplicable
            },
            figure: None,
        });
        if input.status == Status::NotApplicable {
            continue;
        }
        let points = match (ind.points, scored) {
            (Some(p), _) => p,
            (None, false) => Decimal::from_int(1),
            (None, true) => continue,
        };
        if points == Decimal::ZERO {
            continue;
        }
        let earned = indicator_points(ind, points, input);
        let entry = per_group
            .entry(ind.group.as_str())
            .or_insert((zero(), zero()));
        entry.0 = entry.0.add(earned);
        entry.1 = entry.1.add(points.as_ratio());
        indicators.push(IndicatorScore {
            code: ind.code.clone(),
            earned,
            possible: points.as_ratio(),
        });
    }
    let groups: Vec<GroupScore> = framework
        .groups
        .iter()
        .map(|g| {
            let (earned, possible) = per_group
                .get(g.code.as_str())
                .copied()
                .unwrap_or((zero(), zero()));
            GroupScore {
                code: g.code.clone(),
                weight: g.weight,
                earned,
                possible,
                value: (possible > zero()).then(|| earned.div(possible)),
            }
        })
        .collect();
    let earned = groups.iter().fold(zero(), |a, g| a.add(g.earned));
    let possible = groups.iter().fold(zero(), |a, g| a.add(g.possible));
    let weighted = framework.groups.iter().any(|g| g.weight.is_some());
    let value = if weighted {
        let (sum, weights) = groups
            .iter()
            .filter_map(|g| Some((g.value?, g.weight.unwrap_or(Decimal::ZERO).as_ratio())))
            .fold((zero(), zero()), |(s, w), (v, wt)| {
                (s.add(v.mul(wt)), w.add(wt))
            });
        (weights > zero()).then(|| sum.div(weights))
    } else {
        (possible > zero()).then(|| earned.div(possible))
    };
    UnitScore {
        value,
        earned,
        possible,
        groups,
        indicators,
    }
}

/// Places in "1, 2, 2, 4" form for items with a score, best first; the result lists the items
/// in ranked order: by score, then tied items by name in Vietnamese alphabetical order, then
/// the items without a score (no place) by name.
pub fn rank_by_score<T>(
    items: Vec<T>,
    score: impl Fn(&T) -> Option<Ratio>,
    name: impl Fn(&T) -> &str,
) -> Vec<(Option<u32>, T)> {
    let mut items = items;
    items.sort_by(|a, b| match (score(a), score(b)) {
        (Some(x), Some(y)) => y
            .cmp(&x)
            .then_with(|| crate::text::collate(name(a), name(b))),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => crate::text::collate(name(a), name(b)),
    });
    let mut out: Vec<(Option<u32>, T)> = Vec::with_capacity(items.len());
    let mut previous: Option<(Ratio, u32)> = None;
    for (i, item) in items.into_iter().enumerate() {
        let place = score(&item).map(|s| match previous {
            Some((p, place)) if p == s => place,
            _ => {
                let place = i as u32 + 1;
                previous = Some((s, place));
                place
            }
        });
        out.push((place, item));
    }
    out
}

/// A score as people read it, to three decimals (`0,825` in Vietnamese, `0.825` in English), or
/// `–` when there is none.
pub fn score_text(value: Option<Ratio>, lang: Lang) -> String {
    match value {
        Some(v) => {
            let d = v.round_to(3);
            let text = d.format(lang);
            // Always three decimals, so that a column of scores lines up.
            let mark = if lang == Lang::Vi { ',' } else { '.' };
            match text.find(mark) {
                Some(i) => format!("{text}{}", "0".repeat(3 - (text.len() - i - 1))),
                None => format!("{text}{mark}000"),
            }
        }
        None => "–".into(),
    }
}

/// Points as people read them, to two decimals at most.
pub fn points_text(value: Ratio, lang: Lang) -> String {
    value.round_to(2).format(lang)
}

/// How the framework's score is made, as one or two sentences.
pub fn describe(framework: &Framework, lang: Lang) -> String {
    let weighted = framework.groups.iter().any(|g| g.weight.is_some());
    let base = if !is_scored(framework) {
        lang.pick(
            "Mỗi chỉ tiêu được áp dụng đạt 1 điểm khi hoàn thành; điểm của đơn vị là số điểm đạt được chia cho số điểm tối đa (thang 0–1), tức tỷ lệ hoàn thành.",
            "Every applicable indicator earns 1 point when achieved; the unit's score is the points earned divided by the points possible (on a 0–1 scale), that is, its completion.",
        )
        .to_string()
    } else if weighted {
        let weights = framework
            .groups
            .iter()
            .map(|g| {
                format!(
                    "{} {}",
                    lang.pick(&g.name, &g.name_en),
                    g.weight.unwrap_or(Decimal::ZERO).format(lang)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        match lang {
            Lang::Vi => format!(
                "Điểm của mỗi nhóm là số điểm đạt được chia cho số điểm tối đa của các chỉ tiêu được áp dụng; điểm của đơn vị (thang 0–1) là trung bình có trọng số của các nhóm (trọng số: {weights})."
            ),
            Lang::En => format!(
                "Each group's score is the points earned divided by the points possible over its applicable indicators; the unit's score (on a 0–1 scale) is the weighted mean of the groups (weights: {weights})."
            ),
        }
    } else {
        lang.pick(
            "Điểm của đơn vị (thang 0–1) là tổng số điểm đạt được chia cho tổng số điểm tối đa của các chỉ tiêu được áp dụng.",
            "The unit's score (on a 0–1 scale) is the points earned divided by the points possible over its applicable indicators.",
        )
        .to_string()
    };
    let tail = lang.pick(
        " Chỉ tiêu không áp dụng hoặc được miễn không được tính; chỉ tiêu chưa có số liệu được 0 điểm.",
        " Indicators not applicable or excused count neither way; an indicator without a figure earns 0 points.",
    );
    format!("{base}{tail}")
}

/// How one indicator earns its points, for people.
pub fn describe_indicator(indicator: &Indicator, lang: Lang) -> String {
    let points = indicator
        .points
        .map_or_else(|| "1".to_string(), |p| p.format(lang));
    let pct = if indicator.measure.is_percentage() {
        "%"
    } else {
        ""
    };
    match (&indicator.scoring, lang) {
        (Scoring::Achieved, Lang::Vi) => format!("{points} điểm khi hoàn thành"),
        (Scoring::Achieved, Lang::En) => format!("{points} points when achieved"),
        (Scoring::Answer, Lang::Vi) => format!("{points} điểm khi trả lời đạt mục tiêu"),
        (Scoring::Answer, Lang::En) => format!("{points} points when the answer meets the target"),
        (Scoring::Proportional, Lang::Vi) => format!("{points} điểm × tỷ lệ đạt được"),
        (Scoring::Proportional, Lang::En) => format!("{points} points × the share reached"),
        (Scoring::ProportionalToTarget, Lang::Vi) => {
            format!("{points} điểm × giá trị ÷ mục tiêu (tối đa {points})")
        }
        (Scoring::ProportionalToTarget, Lang::En) => {
            format!("{points} points × value ÷ target (at most {points})")
        }
        (Scoring::Tiers(tiers), _) => tiers
            .iter()
            .map(|t| {
                format!(
                    "≥ {}{pct} → {}",
                    t.at_least.format(lang),
                    t.points.format(lang)
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Comparator, Group, Measure, ScoreTier};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn ind(measure: Measure, target: Target, scoring: Scoring) -> Indicator {
        Indicator {
            code: "X".into(),
            group: "g".into(),
            name: "X".into(),
            name_en: "X".into(),
            measure,
            target,
            deadline: "2022-12-31".parse().unwrap(),
            applies_to: vec![UnitKind::Phuong],
            mandatory: true,
            points: Some(d("20")),
            scoring,
            evidence: vec![],
            evidence_en: vec![],
            count_unit: None,
            count_unit_en: None,
        }
    }

    fn ge(v: &str) -> Target {
        Target::Threshold {
            comparator: Comparator::Ge,
            value: d(v),
        }
    }

    fn earned(i: &Indicator, status: Status, figure: Option<Figure>) -> Ratio {
        indicator_points(i, i.points.unwrap(), IndicatorInput { status, figure })
    }

    fn r(n: i128, den: i128) -> Ratio {
        Ratio::new(n, den)
    }

    #[test]
    fn achieved_gives_full_points_only_when_achieved() {
        let i = ind(Measure::Percent, ge("80"), Scoring::Achieved);
        let f = Some(Figure::Amount(d("80")));
        assert_eq!(earned(&i, Status::Achieved, f), r(20, 1));
        for s in [Status::InProgress, Status::NotAchieved, Status::NoData] {
            assert_eq!(earned(&i, s, Some(Figure::Amount(d("79.999")))), r(0, 1));
        }
    }

    #[test]
    fn yes_no_gives_full_points_when_the_answer_meets_the_target() {
        let i = ind(Measure::YesNo, Target::Answer(true), Scoring::Answer);
        assert_eq!(
            earned(&i, Status::Achieved, Some(Figure::YesNo(true))),
            r(20, 1)
        );
        assert_eq!(
            earned(&i, Status::InProgress, Some(Figure::YesNo(false))),
            r(0, 1)
        );
        assert_eq!(earned(&i, Status::NoData, None), r(0, 1));
        let no = ind(Measure::YesNo, Target::Answer(false), Scoring::Answer);
        assert_eq!(
            earned(&no, Status::Achieved, Some(Figure::YesNo(false))),
            r(20, 1)
        );
    }

    #[test]
    fn proportional_is_points_times_the_share_capped_at_full() {
        let i = ind(Measure::Percent, ge("80"), Scoring::Proportional);
        let at = |v: &str| earned(&i, Status::NotAchieved, Some(Figure::Amount(d(v))));
        assert_eq!(at("0"), r(0, 1));
        assert_eq!(at("72.5"), r(145, 10));
        assert_eq!(at("100"), r(20, 1));
        let ratio = ind(Measure::Ratio, ge("80"), Scoring::Proportional);
        let f = Figure::Ratio {
            numerator: 1,
            denominator: 3,
        };
        assert_eq!(earned(&ratio, Status::NotAchieved, Some(f)), r(20, 3));
        // A figure dated before the period (no data) earns nothing.
        assert_eq!(
            earned(&i, Status::NoData, Some(Figure::Amount(d("90")))),
            r(0, 1)
        );
    }

    #[test]
    fn proportional_to_target_is_capped_at_the_target() {
        let i = ind(Measure::Count, ge("4"), Scoring::ProportionalToTarget);
        let at = |v: &str| earned(&i, Status::NotAchieved, Some(Figure::Amount(d(v))));
        assert_eq!(at("0"), r(0, 1));
        assert_eq!(at("3"), r(15, 1));
        assert_eq!(at("4"), r(20, 1));
        assert_eq!(at("9"), r(20, 1));
    }

    #[test]
    fn tiers_give_the_highest_tier_reached() {
        let tiers = [("4", "20"), ("3", "15"), ("2", "10"), ("1", "5")]
            .map(|(a, p)| ScoreTier {
                at_least: d(a),
                points: d(p),
            })
            .to_vec();
        let i = ind(Measure::Count, ge("4"), Scoring::Tiers(tiers));
        let at = |v: &str| earned(&i, Status::NotAchieved, Some(Figure::Amount(d(v))));
        assert_eq!(at("0"), r(0, 1));
        assert_eq!(at("0.999"), r(0, 1));
        assert_eq!(at("1"), r(5, 1));
        assert_eq!(at("2.5"), r(10, 1));
        assert_eq!(at("3"), r(15, 1));
        assert_eq!(at("4"), r(20, 1));
        assert_eq!(at("12"), r(20, 1));
        assert_eq!(earned(&i, Status::NoData, None), r(0, 1));
    }

    fn framework(groups: Vec<(&str, Option<&str>)>, indicators: Vec<Indicator>) -> Framework {
        Framework {
            code: "f".into(),
            version: 1,
            name: "f".into(),
            name_en: "f".into(),
            period_start: "2022-01-01".parse().unwrap(),
            period_end: "2022-12-31".parse().unwrap(),
            groups: groups
                .into_iter()
                .map(|(c, w)| Group {
                    code: c.into(),
                    name: c.into(),
                    name_en: c.into(),
                    weight: w.map(d),
                })
                .collect(),
            indicators,
            recognition: Default::default(),
        }
    }

    fn achieved_in(code: &str, group: &str, points: Option<&str>) -> Indicator {
        Indicator {
            code: code.into(),
            group: group.into(),
            points: points.map(d),
            ..ind(Measure::YesNo, Target::Answer(true), Scoring::Achieved)
        }
    }

    fn inputs(list: &[(&str, Status)]) -> HashMap<String, IndicatorInput> {
        list.iter()
            .map(|(c, s)| {
                (
                    c.to_string(),
                    IndicatorInput {
                        status: *s,
                        figure: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn without_weights_every_point_weighs_the_same_and_not_applicable_counts_neither_way() {
        let f = framework(
            vec![("a", None), ("b", None)],
            vec![
                achieved_in("A1", "a", Some("30")),
                achieved_in("B1", "b", Some("10")),
                achieved_in("B2", "b", Some("60")),
            ],
        );
        let s = unit_score(
            &f,
            UnitKind::Phuong,
            &inputs(&[
                ("A1", Status::Achieved),
                ("B1", Status::Achieved),
                ("B2", Status::NotApplicable),
            ]),
        );
        assert_eq!(s.value, Some(r(1, 1)));
        assert_eq!(s.possible, r(40, 1));
        // B2 missing from the inputs: no data, 0 of 60.
        let s = unit_score(
            &f,
            UnitKind::Phuong,
            &inputs(&[("A1", Status::Achieved), ("B1", Status::Achieved)]),
        );
        assert_eq!(s.value, Some(r(40, 100)));
        // A unit of a kind nothing applies to has no score.
        let s = unit_score(&f, UnitKind::Xa, &HashMap::new());
        assert_eq!(s.value, None);
        assert!(!s.at_least(d("0")));
    }

    #[test]
    fn weights_average_the_groups_that_have_anything_applicable() {
        let f = framework(
            vec![("a", Some("3")), ("b", Some("1")), ("c", Some("6"))],
            vec![
                achieved_in("A1", "a", Some("1")),
                achieved_in("B1", "b", Some("10")),
                achieved_in("B2", "b", Some("10")),
                achieved_in("C1", "c", Some("5")),
            ],
        );
        let s = unit_score(
            &f,
            UnitKind::Phuong,
            &inputs(&[
                ("A1", Status::Achieved),
                ("B1", Status::Achieved),
                ("B2", Status::NotAchieved),
                ("C1", Status::NotApplicable),
            ]),
        );
        // (3 × 1 + 1 × ½) ÷ (3 + 1); group c has nothing applicable.
        assert_eq!(s.value, Some(r(7, 8)));
        assert_eq!(s.groups[2].value, None);
        assert!(s.at_least(d("0.875")) && !s.at_least(d("0.876")));
    }

    #[test]
    fn a_framework_without_points_scores_its_completion() {
        let f = framework(
            vec![("a", None)],
            vec![achieved_in("A1", "a", None), achieved_in("A2", "a", None)],
        );
        let s = unit_score(
            &f,
            UnitKind::Phuong,
            &inputs(&[("A1", Status::Achieved), ("A2", Status::InProgress)]),
        );
        assert_eq!(s.value, Some(r(1, 2)));
        assert!(describe(&f, Lang::En).contains("completion"));
    }

    #[test]
    fn ties_share_a_place_in_vietnamese_order() {
        let items = vec![
            ("Quảng Tiến", Some(r(1, 2))),
            ("Đông Hải", None),
            ("Bắc Sơn", Some(r(1, 2))),
            ("Trường Sơn", Some(r(3, 4))),
            ("Ăn Bình", Some(r(2, 4))),
            ("Zã", Some(r(1, 4))),
        ];
        let ranked = rank_by_score(items, |i| i.1, |i| i.0);
        let got: Vec<(Option<u32>, &str)> = ranked.iter().map(|(p, i)| (*p, i.0)).collect();
        assert_eq!(
            got,
            [
                (Some(1), "Trường Sơn"),
                (Some(2), "Ăn Bình"),
                (Some(2), "Bắc Sơn"),
                (Some(2), "Quảng Tiến"),
                (Some(5), "Zã"),
                (None, "Đông Hải"),
            ]
        );
    }

    #[test]
    fn scores_read_to_three_decimals() {
        assert_eq!(score_text(Some(r(7, 8)), Lang::Vi), "0,875");
        assert_eq!(score_text(Some(r(1, 2)), Lang::En), "0.500");
        assert_eq!(score_text(Some(r(1, 1)), Lang::En), "1.000");
        assert_eq!(score_text(Some(r(2, 3)), Lang::Vi), "0,667");
        assert_eq!(score_text(None, Lang::Vi), "–");
    }
}
