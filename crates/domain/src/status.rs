//! Status is computed from the figures, never typed in. For a unit, an indicator and an as-of
//! date the rules give one of five statuses, always with the reason in both languages:
//!
//! 1. The indicator does not apply to the unit's kind, or the unit was excused: not applicable.
//! 2. No figure dated on or before the as-of date (within the framework period): no data.
//! 3. The latest figure meets the target: achieved.
//! 4. Not met and the deadline has passed: not achieved.
//! 5. Not met before the deadline: in progress if the unit's own trend (the pace between its last
//!    two figures; for a count, from zero at the period start) reaches the target by the deadline,
//!    or, for a yes/no indicator, if a dated plan finishes it by the deadline; else not achieved.
//!
//! Between two figures the status changes only at the deadline and at plan dates, so the whole
//! history of an indicator for a unit is a short list of [`Span`]s; storage keeps that list as a
//! cache so that a roll-up for any date never reads raw figures.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::framework::{Applicability, Comparator, Indicator, Measure, Target};
use crate::{Bilingual, Date, Decimal, Figure, Lang, Observation, Ratio, UnitKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Achieved,
    InProgress,
    NotAchieved,
    NoData,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Achieved,
        Status::InProgress,
        Status::NotAchieved,
        Status::NoData,
        Status::NotApplicable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::InProgress => "in_progress",
            Status::NotAchieved => "not_achieved",
            Status::NoData => "no_data",
            Status::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Status::Achieved => lang.pick("Hoàn thành", "Achieved"),
            Status::InProgress => lang.pick("Đang triển khai", "In progress"),
            Status::NotAchieved => lang.pick("Chưa đạt", "Not achieved"),
            Status::NoData => lang.pick("Chưa có số liệu", "No data"),
            Status::NotApplicable => lang.pick("Không áp dụng", "Not applicable"),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| format!("unknown status «{s}»"))
    }
}

/// Why an indicator has its status. Figures in it are already written out in both languages,
/// with each language's number and date forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    NotForKind(UnitKind),
    Excluded(String),
    NoData,
    Met {
        value: Bilingual,
        target: Bilingual,
        observed_on: Date,
    },
    /// A yes/no indicator answered as its target asks.
    Confirmed {
        value: Bilingual,
        observed_on: Date,
    },
    DeadlinePassed {
        value: Bilingual,
        target: Bilingual,
        deadline: Date,
    },
    OnPace {
        value: Bilingual,
        target: Bilingual,
        since: Date,
        projected: Bilingual,
        deadline: Date,
    },
    OffPace {
        value: Bilingual,
        target: Bilingual,
        since: Date,
        projected: Bilingual,
        deadline: Date,
    },
    NoTrend {
        value: Bilingual,
        target: Bilingual,
        deadline: Date,
    },
    Planned {
        planned_by: Date,
        deadline: Date,
    },
    PlanOverdue {
        planned_by: Date,
    },
    PlanAfterDeadline {
        planned_by: Date,
        deadline: Date,
    },
    NoPlan {
        deadline: Date,
    },
}

impl Reason {
    pub fn text(&self, lang: Lang) -> String {
        let vi = lang == Lang::Vi;
        match self {
            Reason::NotForKind(kind) if vi => {
                format!("Không áp dụng cho đơn vị loại {}", kind.label(lang))
            }
            Reason::NotForKind(kind) => {
                format!("Does not apply to a unit of kind {}", kind.label(lang))
            }
            Reason::Excluded(why) if vi => format!("Được miễn: {why}"),
            Reason::Excluded(why) => format!("Excused: {why}"),
            Reason::NoData => lang
                .pick("Chưa có số liệu", "No figure reported yet")
                .into(),
            Reason::Met {
                value,
                target,
                observed_on,
            } => {
                let (v, t, d) = (value.get(lang), target.get(lang), observed_on.dmy());
                if vi {
                    format!("{v} đạt mục tiêu {t} (số liệu ngày {d})")
                } else {
                    format!("{v} meets the {t} target (figure of {d})")
                }
            }
            Reason::Confirmed { value, observed_on } => {
                let (v, d) = (value.get(lang), observed_on.dmy());
                if vi {
                    format!("{v}, đạt yêu cầu (số liệu ngày {d})")
                } else {
                    format!("{v}, as required (figure of {d})")
                }
            }
            Reason::DeadlinePassed {
                value,
                target,
                deadline,
            } => {
                let (v, t, d) = (value.get(lang), target.get(lang), deadline.dmy());
                if vi {
                    format!("{v}, chưa đạt mục tiêu {t}; đã quá hạn {d}")
                } else {
                    format!("{v}, short of the {t} target; the deadline {d} has passed")
                }
            }
            Reason::OnPace {
                value,
                target,
                since,
                projected,
                deadline,
            } => {
                let (v, t, p) = (value.get(lang), target.get(lang), projected.get(lang));
                let (s, d) = (since.dmy(), deadline.dmy());
                if vi {
                    format!(
                        "{v}, chưa đạt mục tiêu {t}; theo tốc độ từ {s}, dự kiến đạt {p} vào {d}"
                    )
                } else {
                    format!(
                        "{v}, short of the {t} target; at the pace since {s} it reaches {p} by {d}"
                    )
                }
            }
            Reason::OffPace {
                value,
                target,
                since,
                projected,
                deadline,
            } => {
                let (v, t, p) = (value.get(lang), target.get(lang), projected.get(lang));
                let (s, d) = (since.dmy(), deadline.dmy());
                if vi {
                    format!("{v}, chưa đạt mục tiêu {t}; theo tốc độ từ {s}, đến {d} chỉ đạt {p}")
                } else {
                    format!(
                        "{v}, short of the {t} target; at the pace since {s} it reaches only {p} by {d}"
                    )
                }
            }
            Reason::NoTrend {
                value,
                target,
                deadline,
            } => {
                let (v, t, d) = (value.get(lang), target.get(lang), deadline.dmy());
                if vi {
                    format!(
                        "{v}, chưa đạt mục tiêu {t}; chưa có số liệu trước đó cho thấy sẽ đạt trước hạn {d}"
                    )
                } else {
                    format!(
                        "{v}, short of the {t} target; no earlier figure shows it being met by {d}"
                    )
                }
            }
            Reason::Planned {
                planned_by,
                deadline,
            } => {
                let (p, d) = (planned_by.dmy(), deadline.dmy());
                if vi {
                    format!("Chưa đạt; kế hoạch hoàn thành ngày {p}, trong hạn {d}")
                } else {
                    format!("Not met yet; planned for {p}, within the deadline {d}")
                }
            }
            Reason::PlanOverdue { planned_by } => {
                let p = planned_by.dmy();
                if vi {
                    format!("Chưa đạt; kế hoạch hoàn thành ngày {p} đã bị trễ")
                } else {
                    format!("Not met; the plan to finish by {p} has slipped")
                }
            }
            Reason::PlanAfterDeadline {
                planned_by,
                deadline,
            } => {
                let (p, d) = (planned_by.dmy(), deadline.dmy());
                if vi {
                    format!("Chưa đạt; kế hoạch hoàn thành ngày {p}, muộn hơn hạn {d}")
                } else {
                    format!("Not met; planned for {p}, after the deadline {d}")
                }
            }
            Reason::NoPlan { deadline } => {
                let d = deadline.dmy();
                if vi {
                    format!("Chưa đạt và chưa có kế hoạch hoàn thành trước hạn {d}")
                } else {
                    format!("Not met, and no plan to finish by {d}")
                }
            }
        }
    }

    pub fn bilingual(&self) -> Bilingual {
        Bilingual {
            vi: self.text(Lang::Vi),
            en: self.text(Lang::En),
        }
    }
}

fn both(f: impl Fn(Lang) -> String) -> Bilingual {
    Bilingual {
        vi: f(Lang::Vi),
        en: f(Lang::En),
    }
}

/// The status of one indicator for one unit on one date, with its reason and the figure it
/// rests on (an index into the history it was computed from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub status: Status,
    pub reason: Reason,
    pub latest: Option<usize>,
}

/// A stretch of days over which an indicator's assessment for a unit does not change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: Date,
    /// The first day after the span; [`Date::MAX`] when open-ended.
    pub until: Date,
    pub assessment: Assessment,
}

/// What the rules need to know about an indicator in one framework for one unit.
pub struct Rules<'a> {
    pub indicator: &'a Indicator,
    pub applicability: &'a Applicability,
    /// Figures dated before the framework period do not count.
    pub period_start: Date,
}

impl Rules<'_> {
    /// The status on `as_of`. `history` holds the unit's figures for the indicator in the order
    /// they take effect: by date, and for one date in the order they were recorded.
    pub fn assess(&self, history: &[Observation], as_of: Date) -> Assessment {
        debug_assert!(history.is_sorted_by_key(|o| o.observed_on));
        let not_applicable = |reason| Assessment {
            status: Status::NotApplicable,
            reason,
            latest: None,
        };
        match self.applicability {
            Applicability::Applies => {}
            Applicability::NotForKind(kind) => return not_applicable(Reason::NotForKind(*kind)),
            Applicability::Excluded(why) => return not_applicable(Reason::Excluded(why.clone())),
        }
        let first = history.partition_point(|o| o.observed_on < self.period_start);
        let end = history.partition_point(|o| o.observed_on <= as_of);
        if end <= first {
            return Assessment {
                status: Status::NoData,
                reason: Reason::NoData,
                latest: None,
            };
        }
        let (status, reason) = self.judge(&history[first..end], as_of);
        Assessment {
            status,
            reason,
            latest: Some(end - 1),
        }
    }

    /// Rules 3–5 over the figures in force (non-empty, the latest last).
    fn judge(&self, figures: &[Observation], as_of: Date) -> (Status, Reason) {
        let ind = self.indicator;
        let latest = figures.last().expect("judge needs at least one figure");
        let shown = |figure: Figure| {
            both(|lang| figure.describe(ind.measure, ind.count_unit_in(lang), lang))
        };
        let value = shown(latest.figure);
        let target = both(|lang| ind.target.describe(ind.measure, lang));
        let deadline = ind.deadline;
        let (comparator, threshold) = match ind.target {
            Target::Answer(wanted) => (Comparator::Eq, Ratio::from_int(i64::from(wanted))),
            Target::Threshold { comparator, value } => (comparator, value.as_ratio()),
        };
        let current = latest.figure.value();
        if comparator.holds(current, threshold) {
            let observed_on = latest.observed_on;
            let reason = match ind.target {
                Target::Answer(_) => Reason::Confirmed { value, observed_on },
                Target::Threshold { .. } => Reason::Met {
                    value,
                    target,
                    observed_on,
                },
            };
            return (Status::Achieved, reason);
        }
        if as_of > deadline {
            return (
                Status::NotAchieved,
                Reason::DeadlinePassed {
                    value,
                    target,
                    deadline,
                },
            );
        }
        if let Target::Answer(_) = ind.target {
            return match latest.planned_by {
                None => (Status::NotAchieved, Reason::NoPlan { deadline }),
                Some(planned_by) if planned_by > deadline => (
                    Status::NotAchieved,
                    Reason::PlanAfterDeadline {
                        planned_by,
                        deadline,
                    },
                ),
                Some(planned_by) if planned_by < as_of => {
                    (Status::NotAchieved, Reason::PlanOverdue { planned_by })
                }
                Some(planned_by) => (
                    Status::InProgress,
                    Reason::Planned {
                        planned_by,
                        deadline,
                    },
                ),
            };
        }
        let no_trend = || {
            (
                Status::NotAchieved,
                Reason::NoTrend {
                    value: value.clone(),
                    target: target.clone(),
                    deadline,
                },
            )
        };
        if comparator == Comparator::Eq {
            return no_trend();
        }
        // The pace between the last two figures; a count that should grow starts the period at 0.
        let counts_up = ind.measure == Measure::Count
            && matches!(comparator, Comparator::Ge | Comparator::Gt)
            && self.period_start < latest.observed_on;
        let baseline = figures
            .iter()
            .rev()
            .find(|o| o.observed_on < latest.observed_on)
            .map(|o| (o.observed_on, o.figure.value()))
            .or_else(|| counts_up.then_some((self.period_start, Ratio::from_int(0))));
        let Some((since, base)) = baseline else {
            return no_trend();
        };
        let elapsed = i128::from(since.days_until(latest.observed_on));
        let ahead = i128::from(latest.observed_on.days_until(deadline));
        let projected = current.add(
            current
                .sub(base)
                .mul(Ratio::new(ahead, 1))
                .div(Ratio::new(elapsed, 1)),
        );
        let on_pace = comparator.holds(projected, threshold);
        // Shown to one decimal, rounded towards the verdict so that the figure shown never
        // contradicts it (79,96% short of ≥ 80% shows as 79,9%, not 80%), and within the range
        // a figure of the measure can take (a count never below 0, a percentage 0–100).
        let mut projected_shown = projected.round_to(1);
        if comparator.holds(projected_shown.as_ratio(), threshold) != on_pace {
            let up = on_pace == matches!(comparator, Comparator::Ge | Comparator::Gt);
            let step = if up { 100 } else { -100 };
            projected_shown = Decimal::from_thousandths(projected_shown.thousandths() + step);
        }
        projected_shown = projected_shown.max(Decimal::ZERO);
        if ind.measure.is_percentage() {
            projected_shown = projected_shown.min(Decimal::from_int(100));
        }
        let projected_text = shown(Figure::Amount(projected_shown));
        if on_pace {
            (
                Status::InProgress,
                Reason::OnPace {
                    value,
                    target,
                    since,
                    projected: projected_text,
                    deadline,
                },
            )
        } else {
            (
                Status::NotAchieved,
                Reason::OffPace {
                    value,
                    target,
                    since,
                    projected: projected_text,
                    deadline,
                },
            )
        }
    }

    /// The whole history as spans, from [`Date::MIN`] to [`Date::MAX`], adjacent spans always
    /// differing. The status can change only on a figure's date, the day after the deadline and
    /// the day after a plan date, so assessing on those days is enough.
    pub fn timeline(&self, history: &[Observation]) -> Vec<Span> {
        let mut changes: Vec<Date> = Vec::with_capacity(history.len() * 2 + 2);
        changes.push(Date::MIN);
        changes.push(self.indicator.deadline.next_day());
        for o in history
            .iter()
            .filter(|o| o.observed_on >= self.period_start)
        {
            changes.push(o.observed_on);
            if let Some(p) = o.planned_by {
                changes.push(p.next_day());
            }
        }
        changes.sort_unstable();
        changes.dedup();
        let mut spans: Vec<Span> = Vec::with_capacity(changes.len());
        for (i, &from) in changes.iter().enumerate() {
            let until = changes.get(i + 1).copied().unwrap_or(Date::MAX);
            let assessment = self.assess(history, from);
            match spans.last_mut() {
                Some(last) if last.assessment == assessment => last.until = until,
                _ => spans.push(Span {
                    from,
                    until,
                    assessment,
                }),
            }
        }
        spans
    }
}
