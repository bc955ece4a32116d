//! Observations: a unit's dated figure for one indicator.

use crate::framework::yes_no_label;
use crate::{Date, Decimal, Lang, Measure, Ratio};

/// The figure itself, in the shape its indicator's measure asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    YesNo(bool),
    /// A count, or a percentage given directly (in percent).
    Amount(Decimal),
    /// A percentage given as a fraction, e.g. 412 of 500 households.
    Ratio {
        numerator: i64,
        denominator: i64,
    },
}

/// Why a figure does not fit its indicator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FigureError {
    #[error("this indicator is measured as {expected}; the figure given is a different kind")]
    WrongShape { expected: Measure },
    #[error("a percentage must lie between 0 and 100, not {0}")]
    PercentOutOfRange(Decimal),
    #[error("a count cannot be negative ({0})")]
    NegativeCount(Decimal),
    #[error("the denominator must be greater than zero")]
    ZeroDenominator,
    #[error(
        "numerator ({numerator}) and denominator ({denominator}) must not be negative, and the numerator cannot exceed the denominator"
    )]
    BadFraction { numerator: i64, denominator: i64 },
}

impl FigureError {
    /// The same message in Vietnamese, for forms and the CLI.
    pub fn message_vi(&self) -> String {
        match self {
            FigureError::WrongShape { expected } => format!(
                "chỉ tiêu này đo bằng {}; số liệu nhập không đúng dạng",
                match expected {
                    Measure::YesNo => "có/không",
                    Measure::Count => "số lượng",
                    Measure::Percent => "tỷ lệ phần trăm",
                    Measure::Ratio => "tử số/mẫu số",
                }
            ),
            FigureError::PercentOutOfRange(v) => {
                format!(
                    "tỷ lệ phần trăm phải từ 0 đến 100, không phải {}",
                    v.format(Lang::Vi)
                )
            }
            FigureError::NegativeCount(v) => {
                format!("số lượng không được âm ({})", v.format(Lang::Vi))
            }
            FigureError::ZeroDenominator => "mẫu số phải lớn hơn 0".into(),
            FigureError::BadFraction {
                numerator,
                denominator,
            } => format!(
                "tử số ({numerator}) và mẫu số ({denominator}) không được âm, và tử số không được lớn hơn mẫu số"
            ),
        }
    }
}

impl Figure {
    /// Checks that the figure is of the shape `measure` asks for and in range.
    pub fn check(&self, measure: Measure) -> Result<(), FigureError> {
        match (measure, *self) {
            (Measure::YesNo, Figure::YesNo(_)) => Ok(()),
            (Measure::Count, Figure::Amount(v)) if v.is_negative() => {
                Err(FigureError::NegativeCount(v))
            }
            (Measure::Count, Figure::Amount(_)) => Ok(()),
            (Measure::Percent, Figure::Amount(v))
                if v.is_negative() || v > Decimal::from_int(100) =>
            {
                Err(FigureError::PercentOutOfRange(v))
            }
            (Measure::Percent, Figure::Amount(_)) => Ok(()),
            (Measure::Ratio, Figure::Ratio { denominator: 0, .. }) => {
                Err(FigureError::ZeroDenominator)
            }
            (
                Measure::Ratio,
                Figure::Ratio {
                    numerator,
                    denominator,
                },
            ) if numerator < 0 || denominator < 0 || numerator > denominator => {
                Err(FigureError::BadFraction {
                    numerator,
                    denominator,
                })
            }
            (Measure::Ratio, Figure::Ratio { .. }) => Ok(()),
            (expected, _) => Err(FigureError::WrongShape { expected }),
        }
    }

    /// The figure as a number to compare with a target: 1 or 0 for yes/no, percent for ratios.
    pub fn value(&self) -> Ratio {
        match *self {
            Figure::YesNo(b) => Ratio::from_int(i64::from(b)),
            Figure::Amount(v) => v.as_ratio(),
            Figure::Ratio {
                numerator,
                denominator,
            } => Ratio::new(i128::from(numerator) * 100, i128::from(denominator.max(1))),
        }
    }

    /// The figure for people: `Có`, `72,5%`, `3 cuộc họp`, `82,4% (412/500)`.
    pub fn describe(&self, measure: Measure, count_unit: Option<&str>, lang: Lang) -> String {
        match *self {
            Figure::YesNo(b) => yes_no_label(b, lang).to_string(),
            Figure::Amount(v) if measure.is_percentage() => format!("{}%", v.format(lang)),
            Figure::Amount(v) => match count_unit {
                Some(u) => format!("{} {u}", v.format(lang)),
                None => v.format(lang),
            },
            Figure::Ratio {
                numerator,
                denominator,
            } => format!(
                "{}% ({}/{})",
                self.value().round_to(1).format(lang),
                Decimal::from_int(numerator).format(lang),
                Decimal::from_int(denominator).format(lang)
            ),
        }
    }
}

/// A yes/no answer as people type it, in either language, ignoring case and diacritics:
/// `Có`, `co`, `yes`, `x`, `true`, `1`, or `Không`, `khong`, `no`, `false`, `0`.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    match crate::text::fold(text).as_str() {
        "co" | "yes" | "x" | "true" | "1" => Some(true),
        "khong" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// A unit's figure for one indicator on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub observed_on: Date,
    pub figure: Figure,
    /// For a yes/no indicator not yet done: the date the unit's implementation plan finishes it.
    pub planned_by: Option<Date>,
    pub note: String,
}
