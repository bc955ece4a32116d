//! Recognition (công nhận): the rule a framework states for recognising a unit as having
//! completed the programme.

use std::collections::HashMap;

use crate::scoring::{self, IndicatorInput};
use crate::{Bilingual, Decimal, Framework, Lang, Status, UnitKind};

/// When a unit may be recognised, as the framework states it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum RecognitionRule {
    /// Every applicable indicator achieved.
    #[default]
    AllApplicable,
    /// Every applicable mandatory indicator achieved, and at least `optional_percent` percent of
    /// the applicable optional ones (e.g. 30).
    MandatoryAndOptional { optional_percent: Decimal },
    /// A unit score (normalised 0–1) of at least `min_score`.
    ScoreAtLeast { min_score: Decimal },
}

impl RecognitionRule {
    /// The rule as people read it.
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (RecognitionRule::AllApplicable, Lang::Vi) => {
                "Hoàn thành tất cả các chỉ tiêu được áp dụng".into()
            }
            (RecognitionRule::AllApplicable, Lang::En) => {
                "Every applicable indicator achieved".into()
            }
            (RecognitionRule::MandatoryAndOptional { optional_percent }, Lang::Vi) => format!(
                "Hoàn thành 100% chỉ tiêu bắt buộc và ít nhất {}% chỉ tiêu không bắt buộc",
                optional_percent.format(Lang::Vi)
            ),
            (RecognitionRule::MandatoryAndOptional { optional_percent }, Lang::En) => format!(
                "100% of mandatory and at least {}% of optional indicators achieved",
                optional_percent.format(Lang::En)
            ),
            (RecognitionRule::ScoreAtLeast { min_score }, Lang::Vi) => {
                format!(
                    "Điểm đánh giá từ {} trở lên (thang 0–1)",
                    min_score.format(Lang::Vi)
                )
            }
            (RecognitionRule::ScoreAtLeast { min_score }, Lang::En) => {
                format!(
                    "A score of at least {} (on a 0–1 scale)",
                    min_score.format(Lang::En)
                )
            }
        }
    }
}

/// One indicator as readiness reads it: its code, whether the framework makes it mandatory,
/// and its status for the unit on the date in question (not applicable when it does not apply
/// to the unit's kind or the unit was excused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub code: String,
    pub mandatory: bool,
    pub status: Status,
}

/// Whether a unit meets its framework's recognition rule on a date, and what still blocks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub ready: bool,
    /// Indicators that must still be achieved (framework order): every applicable one not
    /// achieved, the mandatory ones not achieved, or the ones not earning full points.
    pub blocking: Vec<String>,
    /// For a rule on optional indicators: how many more of them must be achieved.
    pub optional_needed: u32,
    /// The unachieved optional indicators, any of which would count.
    pub candidates: Vec<String>,
    /// For a score rule: the unit's score (0–1), if it could be computed, and how far below the
    /// minimum it is (zero when it meets it).
    pub score: Option<Decimal>,
    pub gap: Option<Decimal>,
    /// What the above says, in both languages.
    pub sentence: Bilingual,
}

fn list(codes: &[String]) -> String {
    codes.join(", ")
}

/// The smallest whole number of `n` that is at least `percent` percent of it.
fn share_needed(percent: Decimal, n: u32) -> u32 {
    let scaled = i128::from(percent.thousandths().max(0)) * i128::from(n);
    let whole = 100 * i128::from(Decimal::SCALE);
    ((scaled + whole - 1) / whole).min(i128::from(n)) as u32
}

/// Evaluates `rule` for a unit whose indicators stand as `indicators` (in framework order);
/// `score` is the unit's normalised score (0–1) for a score rule, `None` when not available.
/// Indicators that are not applicable are left out of every count.
pub fn readiness(
    rule: &RecognitionRule,
    indicators: &[Standing],
    score: Option<Decimal>,
) -> Readiness {
    let applicable: Vec<&Standing> = indicators
        .iter()
        .filter(|i| i.status != Status::NotApplicable)
        .collect();
    let unachieved = |pick: &dyn Fn(&Standing) -> bool| -> Vec<String> {
        applicable
            .iter()
            .filter(|i| pick(i) && i.status != Status::Achieved)
            .map(|i| i.code.clone())
            .collect()
    };
    let none_applicable = || Readiness {
        ready: false,
        blocking: Vec::new(),
        optional_needed: 0,
        candidates: Vec::new(),
        score,
        gap: None,
        sentence: Bilingual {
            vi: "Chưa đủ điều kiện công nhận: không có chỉ tiêu nào được áp dụng cho đơn vị".into(),
            en: "Not ready for recognition: no indicator applies to the unit".into(),
        },
    };
    if applicable.is_empty() {
        return none_applicable();
    }
    match rule {
        RecognitionRule::AllApplicable => {
            let blocking = unachieved(&|_| true);
            let sentence = if blocking.is_empty() {
                Bilingual {
                    vi: format!(
                        "Đủ điều kiện công nhận: đã hoàn thành cả {} chỉ tiêu được áp dụng",
                        applicable.len()
                    ),
                    en: format!(
                        "Ready for recognition: all {} applicable indicators achieved",
                        applicable.len()
                    ),
                }
            } else {
                Bilingual {
                    vi: format!(
                        "Chưa đủ điều kiện công nhận: còn {} chỉ tiêu chưa hoàn thành ({})",
                        blocking.len(),
                        list(&blocking)
                    ),
                    en: format!(
                        "Not ready for recognition: {} indicator(s) not yet achieved ({})",
                        blocking.len(),
                        list(&blocking)
                    ),
                }
            };
            Readiness {
                ready: blocking.is_empty(),
                blocking,
                optional_needed: 0,
                candidates: Vec::new(),
                score,
                gap: None,
                sentence,
            }
        }
        RecognitionRule::MandatoryAndOptional { optional_percent } => {
            let blocking = unachieved(&|i| i.mandatory);
            let optional = applicable.iter().filter(|i| !i.mandatory).count() as u32;
            let achieved_optional = applicable
                .iter()
                .filter(|i| !i.mandatory && i.status == Status::Achieved)
                .count() as u32;
            let needed = share_needed(*optional_percent, optional);
            let optional_needed = needed.saturating_sub(achieved_optional);
            let candidates = if optional_needed > 0 {
                unachieved(&|i| !i.mandatory)
            } else {
                Vec::new()
            };
            let ready = blocking.is_empty() && optional_needed == 0;
            let (mut vi, mut en) = (Vec::new(), Vec::new());
            if !blocking.is_empty() {
                vi.push(format!(
                    "còn {} chỉ tiêu bắt buộc chưa hoàn thành ({})",
                    blocking.len(),
                    list(&blocking)
                ));
                en.push(format!(
                    "{} mandatory indicator(s) not yet achieved ({})",
                    blocking.len(),
                    list(&blocking)
                ));
            }
            if optional_needed > 0 {
                vi.push(format!(
                    "cần thêm {optional_needed} chỉ tiêu không bắt buộc (đã đạt {achieved_optional}/{optional}, cần {needed}), chọn trong: {}",
                    list(&candidates)
                ));
                en.push(format!(
                    "{optional_needed} more optional indicator(s) needed ({achieved_optional} of {optional} achieved, {needed} required), from: {}",
                    list(&candidates)
                ));
            }
            let sentence = if ready {
                Bilingual {
                    vi: format!(
                        "Đủ điều kiện công nhận: hoàn thành mọi chỉ tiêu bắt buộc và {achieved_optional}/{optional} chỉ tiêu không bắt buộc (cần {needed})"
                    ),
                    en: format!(
                        "Ready for recognition: every mandatory indicator and {achieved_optional} of {optional} optional ones achieved ({needed} required)"
                    ),
                }
            } else {
                Bilingual {
                    vi: format!("Chưa đủ điều kiện công nhận: {}", vi.join("; ")),
                    en: format!("Not ready for recognition: {}", en.join("; ")),
                }
            };
            Readiness {
                ready,
                blocking,
                optional_needed,
                candidates,
                score,
                gap: None,
                sentence,
            }
        }
        RecognitionRule::ScoreAtLeast { min_score } => {
            let blocking = unachieved(&|_| true);
            let Some(s) = score else {
                return Readiness {
                    ready: false,
                    blocking,
                    optional_needed: 0,
                    candidates: Vec::new(),
                    score: None,
                    gap: None,
                    sentence: Bilingual {
                        vi:
                            "Chưa xác định được điều kiện công nhận: chưa tính được điểm của đơn vị"
                                .into(),
                        en: "Readiness unknown: the unit's score is not available".into(),
                    },
                };
            };
            let gap = Decimal::from_thousandths((min_score.thousandths() - s.thousandths()).max(0));
            let ready = gap == Decimal::ZERO;
            let sentence = if ready {
                Bilingual {
                    vi: format!(
                        "Đủ điều kiện công nhận: điểm {} đạt mức tối thiểu {}",
                        s.format(Lang::Vi),
                        min_score.format(Lang::Vi)
                    ),
                    en: format!(
                        "Ready for recognition: a score of {} meets the minimum of {}",
                        s.format(Lang::En),
                        min_score.format(Lang::En)
                    ),
                }
            } else {
                Bilingual {
                    vi: format!(
                        "Chưa đủ điều kiện công nhận: điểm {} còn thiếu {} so với mức {}; chỉ tiêu chưa đạt đủ điểm: {}",
                        s.format(Lang::Vi),
                        gap.format(Lang::Vi),
                        min_score.format(Lang::Vi),
                        list(&blocking)
                    ),
                    en: format!(
                        "Not ready for recognition: a score of {} is {} short of {}; indicators not earning full points: {}",
                        s.format(Lang::En),
                        gap.format(Lang::En),
                        min_score.format(Lang::En),
                        list(&blocking)
                    ),
                }
            };
            Readiness {
                ready,
                blocking,
                optional_needed: 0,
                candidates: Vec::new(),
                score: Some(s),
                gap: Some(gap),
                sentence,
            }
        }
    }
}

/// The readiness of a unit of `kind` whose indicators stand as `inputs` (by indicator code;
/// indicators missing from it are not assessed for the unit and left out), under the
/// framework's own rule. A score rule reads the unit's score from the same inputs.
pub fn unit_readiness(
    framework: &Framework,
    kind: UnitKind,
    inputs: &HashMap<String, IndicatorInput>,
) -> Readiness {
    let list: Vec<Standing> = framework
        .indicators
        .iter()
        .filter_map(|i| {
            inputs.get(&i.code).map(|input| Standing {
                code: i.code.clone(),
                mandatory: i.mandatory,
                status: input.status,
            })
        })
        .collect();
    let score = match framework.recognition {
        RecognitionRule::ScoreAtLeast { .. } => scoring::unit_score(framework, kind, inputs)
            .value
            .map(|v| v.floor_thousandths()),
        _ => None,
    };
    readiness(&framework.recognition, &list, score)
}

/// The indicators whose figures [`unit_readiness`] reads: those a score rule scores on their
/// figure; none under any other rule, which reads statuses only.
pub fn figures_for_readiness(framework: &Framework) -> Vec<&str> {
    match framework.recognition {
        RecognitionRule::ScoreAtLeast { .. } => scoring::indicators_scored_on_figures(framework),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(code: &str, mandatory: bool, status: Status) -> Standing {
        Standing {
            code: code.into(),
            mandatory,
            status,
        }
    }

    const PCT30: RecognitionRule = RecognitionRule::MandatoryAndOptional {
        optional_percent: Decimal::from_int(30),
    };

    #[test]
    fn all_applicable_lists_every_unachieved_and_ignores_excluded() {
        let list = [
            st("1.1", true, Status::Achieved),
            st("1.2", false, Status::InProgress),
            st("1.3", false, Status::NotApplicable),
            st("2.1", true, Status::NoData),
        ];
        let r = readiness(&RecognitionRule::AllApplicable, &list, None);
        assert!(!r.ready);
        assert_eq!(r.blocking, vec!["1.2", "2.1"]);
        assert!(r.sentence.vi.contains("1.2, 2.1"), "{}", r.sentence.vi);
        assert!(r.sentence.en.contains("2 indicator"), "{}", r.sentence.en);
        // Once the last one is achieved, the excluded one does not hold it back.
        let done = [
            st("1.1", true, Status::Achieved),
            st("1.2", false, Status::Achieved),
            st("1.3", false, Status::NotApplicable),
            st("2.1", true, Status::Achieved),
        ];
        let r = readiness(&RecognitionRule::AllApplicable, &done, None);
        assert!(r.ready);
        assert!(r.blocking.is_empty());
        assert!(r.sentence.en.starts_with("Ready"), "{}", r.sentence.en);
    }

    #[test]
    fn no_applicable_indicator_is_never_ready() {
        let list = [st("1.1", true, Status::NotApplicable)];
        let r = readiness(&RecognitionRule::AllApplicable, &list, None);
        assert!(!r.ready);
        assert!(r.sentence.en.contains("no indicator applies"));
    }

    #[test]
    fn mandatory_and_optional_with_no_optional_indicator_needs_only_the_mandatory() {
        let list = [
            st("1.1", true, Status::Achieved),
            st("1.2", true, Status::Achieved),
        ];
        let r = readiness(&PCT30, &list, None);
        assert!(r.ready, "{}", r.sentence.en);
        assert_eq!(r.optional_needed, 0);
        let list = [
            st("1.1", true, Status::Achieved),
            st("1.2", true, Status::NotAchieved),
        ];
        let r = readiness(&PCT30, &list, None);
        assert!(!r.ready);
        assert_eq!(r.blocking, vec!["1.2"]);
        assert!(r.candidates.is_empty());
    }

    #[test]
    fn exactly_thirty_percent_of_optional_indicators_is_enough() {
        let mut list = vec![st("M", true, Status::Achieved)];
        for i in 0..10 {
            let status = if i < 3 {
                Status::Achieved
            } else {
                Status::InProgress
            };
            list.push(st(&format!("O{i}"), false, status));
        }
        let r = readiness(&PCT30, &list, None);
        assert!(r.ready, "{}", r.sentence.en);
        // One fewer: one more is needed, and every unachieved optional one is a candidate.
        list[3].status = Status::NoData;
        let r = readiness(&PCT30, &list, None);
        assert!(!r.ready);
        assert_eq!(r.optional_needed, 1);
        assert_eq!(r.candidates.len(), 8);
        assert!(r.blocking.is_empty());
        assert!(
            r.sentence.vi.contains("cần thêm 1 chỉ tiêu không bắt buộc"),
            "{}",
            r.sentence.vi
        );
        // 30% of 7 is 2.1: three are needed; an excluded optional one shrinks the base.
        let seven: Vec<Standing> = (0..8)
            .map(|i| {
                let status = match i {
                    0 | 1 => Status::Achieved,
                    7 => Status::NotApplicable,
                    _ => Status::NotAchieved,
                };
                st(&format!("O{i}"), false, status)
            })
            .collect();
        let r = readiness(&PCT30, &seven, None);
        assert_eq!(r.optional_needed, 1);
        assert!(!r.candidates.contains(&"O7".to_string()));
    }

    #[test]
    fn score_rule_reports_the_gap_or_that_no_score_is_available() {
        let rule = RecognitionRule::ScoreAtLeast {
            min_score: Decimal::from_thousandths(800),
        };
        let list = [
            st("1.1", true, Status::Achieved),
            st("1.2", false, Status::InProgress),
        ];
        let r = readiness(&rule, &list, None);
        assert!(!r.ready);
        assert!(r.sentence.en.contains("not available"));
        let r = readiness(&rule, &list, Some(Decimal::from_thousandths(750)));
        assert!(!r.ready);
        assert_eq!(r.gap, Some(Decimal::from_thousandths(50)));
        assert_eq!(r.blocking, vec!["1.2"]);
        assert!(r.sentence.vi.contains("0,05"), "{}", r.sentence.vi);
        let r = readiness(&rule, &list, Some(Decimal::from_thousandths(800)));
        assert!(r.ready);
        assert_eq!(r.gap, Some(Decimal::ZERO));
    }
}
