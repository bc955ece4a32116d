//! Recognition (công nhận): the rule a framework states for recognising a unit as having
//! completed the programme.

use crate::{Decimal, Lang};

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
