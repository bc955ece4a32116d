//! The indicator model of tiendo, with no I/O, no clock and no async: every function here is
//! given the data and the date it works on.
//!
//! - [`unit`]: administrative units and their kinds.
//! - [`framework`]: frameworks of groups and indicators, target rules;
//!   [`framework_file`] reads them from the TOML format described in `docs/FRAMEWORK_FORMAT.md`.
//! - [`observation`]: dated figures.
//! - [`status`]: the status rules, for one date ([`Rules::assess`]) or as spans over all dates
//!   ([`Rules::timeline`]).
//! - [`summary`]: counts per unit and group, and roll-ups.
//! - [`scoring`]: points per indicator, unit scores 0–1 and rankings.
//! - [`recognition`]: the rule a framework states for recognising a unit.
//! - [`report`]: the sentences and heading parts of progress reports.
//! - [`text`]: diacritic-insensitive search keys and Vietnamese collation.

pub mod access;
pub mod date;
pub mod framework;
pub mod framework_file;
pub mod i18n;
pub mod number;
pub mod observation;
pub mod recognition;
pub mod report;
pub mod scoring;
pub mod status;
pub mod summary;
pub mod tasks;
pub mod text;
pub mod unit;
pub mod unit_list;

pub use date::{Date, DateParseError};
pub use framework::{
    Applicability, Comparator, Framework, Group, Indicator, Measure, ScoreTier, Scoring, Target,
    yes_no_label,
};
pub use i18n::{Bilingual, Lang};
pub use number::{Decimal, DecimalError, Ratio, parse_whole_number, percent_text};
pub use observation::{Figure, FigureError, Observation, parse_yes_no};
pub use recognition::{
    Readiness, RecognitionRule, Standing, figures_for_readiness, readiness, unit_readiness,
};
pub use status::{Assessment, Reason, Rules, Span, Status};
pub use summary::{Counts, completion_ranks};
pub use unit::{Tier, Unit, UnitKind, UnknownUnitKind};
