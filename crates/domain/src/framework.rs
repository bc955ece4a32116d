//! Frameworks (bộ chỉ tiêu): versioned sets of groups and indicators with their target rules.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Date, Decimal, Lang, Ratio, RecognitionRule, UnitKind};

/// A versioned set of groups and indicators that a programme assesses units against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    pub code: String,
    pub version: u32,
    pub name: String,
    pub name_en: String,
    /// The period the figures are collected over (inclusive); figures dated before `period_start`
    /// do not count.
    pub period_start: Date,
    pub period_end: Date,
    pub groups: Vec<Group>,
    pub indicators: Vec<Indicator>,
    /// When a unit may be recognised as having completed the programme.
    pub recognition: RecognitionRule,
}

impl Framework {
    pub fn group(&self, code: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.code == code)
    }
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// The group's weight in the unit score (`crate::scoring`); `None` when the framework
    /// weighs no group (every group then weighs by its points).
    pub weight: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub code: String,
    pub group: String,
    pub name: String,
    pub name_en: String,
    pub measure: Measure,
    pub target: Target,
    /// The last day on which the target may be met.
    pub deadline: Date,
    /// Unit kinds the indicator applies to; never empty.
    pub applies_to: Vec<UnitKind>,
    pub mandatory: bool,
    /// Points the indicator is worth when a framework is scored (for tiers: the highest tier's).
    pub points: Option<Decimal>,
    /// How the points are earned (`crate::scoring`).
    pub scoring: Scoring,
    /// What evidence a figure needs (e.g. "Quyết định thành lập Ban chỉ đạo").
    pub evidence: Vec<String>,
    /// The same in English, item for item; empty when the framework gives none.
    pub evidence_en: Vec<String>,
    /// What a count counts, e.g. "cuộc họp".
    pub count_unit: Option<String>,
    /// The same in English, e.g. "meetings"; the Vietnamese word is shown when absent.
    pub count_unit_en: Option<String>,
}

impl Indicator {
    /// What evidence a figure needs, in `lang` (in Vietnamese when the framework has no English).
    pub fn evidence_in(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::En if !self.evidence_en.is_empty() => &self.evidence_en,
            _ => &self.evidence,
        }
    }

    /// What a count counts, in `lang`.
    pub fn count_unit_in(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::En => self.count_unit_en.as_deref().or(self.count_unit.as_deref()),
            Lang::Vi => self.count_unit.as_deref(),
        }
    }

    /// Whether the indicator is assessed for a unit of `kind`, given any approved exclusion.
    pub fn applicability(&self, kind: UnitKind, exclusion: Option<&str>) -> Applicability {
        if !self.applies_to.contains(&kind) {
            Applicability::NotForKind(kind)
        } else if let Some(reason) = exclusion {
            Applicability::Excluded(reason.to_string())
        } else {
            Applicability::Applies
        }
    }
}

/// How an indicator earns its points (`scoring = "..."` in a framework file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scoring {
    /// Full points when the indicator's status is achieved, else 0 (the default).
    #[default]
    Achieved,
    /// Yes/no indicators: full points when the latest answer meets the target, else 0.
    Answer,
    /// Percent and ratio indicators: points × the value as a fraction (72,5% earns 0.725 of the
    /// points), capped at the full points.
    Proportional,
    /// Count, percent and ratio indicators: points × value ÷ target value, capped at the full
    /// points (3 meetings of a target of 4 earn ¾ of the points).
    ProportionalToTarget,
    /// Count, percent and ratio indicators: the points of the highest tier the value reaches,
    /// 0 below every tier. Tiers are in strictly descending order of `at_least`.
    Tiers(Vec<ScoreTier>),
}

/// One tier of a tiered rule: a value of at least `at_least` (in percent for percentages)
/// earns `points`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreTier {
    pub at_least: Decimal,
    pub points: Decimal,
}

impl Scoring {
    /// The code written in framework files.
    pub fn code(&self) -> &'static str {
        match self {
            Scoring::Achieved => "achieved",
            Scoring::Answer => "yes_no",
            Scoring::Proportional => "proportional",
            Scoring::ProportionalToTarget => "proportional_to_target",
            Scoring::Tiers(_) => "tiers",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applicability {
    Applies,
    NotForKind(UnitKind),
    /// The unit was excused from the indicator, with the reason its reviewer accepted.
    Excluded(String),
}

/// How an indicator is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Done or not (có / không).
    YesNo,
    /// A number of things, e.g. meetings held this year.
    Count,
    /// A percentage given directly.
    Percent,
    /// A percentage given as numerator and denominator (e.g. 412 of 500 households).
    Ratio,
}

impl Measure {
    pub const ALL: [Measure; 4] = [
        Measure::YesNo,
        Measure::Count,
        Measure::Percent,
        Measure::Ratio,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Measure::YesNo => "yes_no",
            Measure::Count => "count",
            Measure::Percent => "percent",
            Measure::Ratio => "ratio",
        }
    }
    pub fn from_code(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.code() == s)
    }
    pub fn is_percentage(self) -> bool {
        matches!(self, Measure::Percent | Measure::Ratio)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparator {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

impl Comparator {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Ge => ">=",
            Comparator::Gt => ">",
            Comparator::Le => "<=",
            Comparator::Lt => "<",
            Comparator::Eq => "=",
        }
    }
    /// The symbol as printed for people.
    pub fn pretty(self) -> &'static str {
        match self {
            Comparator::Ge => "≥",
            Comparator::Gt => ">",
            Comparator::Le => "≤",
            Comparator::Lt => "<",
            Comparator::Eq => "=",
        }
    }
    pub fn holds(self, value: Ratio, threshold: Ratio) -> bool {
        match self {
            Comparator::Ge => value >= threshold,
            Comparator::Gt => value > threshold,
            Comparator::Le => value <= threshold,
            Comparator::Lt => value < threshold,
            Comparator::Eq => value == threshold,
        }
    }
}

/// A target rule: `>= 80%`, `= yes`, `>= 4`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Yes/no indicators: the answer that meets the target (almost always "yes").
    Answer(bool),
    Threshold {
        comparator: Comparator,
        /// For percentages, in percent (80 for 80%).
        value: Decimal,
    },
}

impl Target {
    /// The rule as written in framework files, e.g. `>= 80%`.
    pub fn rule_text(&self, measure: Measure) -> String {
        match self {
            Target::Answer(true) => "= yes".into(),
            Target::Answer(false) => "= no".into(),
            Target::Threshold { comparator, value } => {
                let pct = if measure.is_percentage() { "%" } else { "" };
                format!("{} {value}{pct}", comparator.symbol())
            }
        }
    }

    /// The rule for people, e.g. `≥ 80%` or `Có`.
    pub fn describe(&self, measure: Measure, lang: Lang) -> String {
        match self {
            Target::Answer(answer) => yes_no_label(*answer, lang).to_string(),
            Target::Threshold { comparator, value } => {
                let pct = if measure.is_percentage() { "%" } else { "" };
                format!("{} {}{pct}", comparator.pretty(), value.format(lang))
            }
        }
    }
}

pub fn yes_no_label(answer: bool, lang: Lang) -> &'static str {
    match (answer, lang) {
        (true, Lang::Vi) => "Có",
        (false, Lang::Vi) => "Không",
        (true, Lang::En) => "Yes",
        (false, Lang::En) => "No",
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
