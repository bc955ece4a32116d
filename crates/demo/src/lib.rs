//! The Sầm Sơn 2022 demo dataset: the units, the illustrative framework and a year of dated
//! figures, built so that the status rules of `tiendo-domain` (not stored labels) reproduce what
//! the city's meeting of 31/10/2022 heard:
//!
//! - Phường Bắc Sơn (14833): 31 applicable, 26 achieved, 4 in progress, 1 not achieved (in
//!   digital government);
//! - Phường Quảng Tiến (14842): 30 applicable (excused from the OCOP indicator), 27 achieved,
//!   2 in progress, 1 not achieved;
//!
//! and, replayed to 31/12/2022, both wards meeting every target (the story's recognition).
//!
//! The unit names and codes are real (GSO list of 01/10/2022). The framework and every figure
//! are illustrative. Bắc Sơn and Quảng Tiến are written by hand (module `hand`); the other nine
//! units are generated from fixed seeds (module `generated`), so the dataset is the same on
//! every run.
//!
//! Pure: no I/O, no clock, no randomness from the environment.

pub mod bench;
mod generated;
mod hand;
pub mod story;

use tiendo_domain::framework_file::parse_framework;
use tiendo_domain::{Date, Framework, Observation, Unit, UnitKind};

/// The framework file of the demo, built into the binary.
pub const FRAMEWORK_TOML: &str = include_str!("../../../frameworks/sam-son-2022.toml");

/// Where [`FRAMEWORK_TOML`] lives in the repository, for messages.
pub const FRAMEWORK_PATH: &str = "frameworks/sam-son-2022.toml";

/// The day Sầm Sơn's People's Committee heard Bắc Sơn and Quảng Tiến report (31/10/2022).
pub const MEETING_DAY: &str = "2022-10-31";

/// The GSO code of Thành phố Sầm Sơn.
pub const CITY_CODE: &str = "382";
/// The GSO code of Phường Bắc Sơn.
pub const BAC_SON_CODE: &str = "14833";
/// The GSO code of Phường Quảng Tiến.
pub const QUANG_TIEN_CODE: &str = "14842";

/// The 2025 reform dissolved the district level and merged Sầm Sơn's wards and communes.
const REFORM_DAY: &str = "2025-07-01";

/// [`MEETING_DAY`] as a date.
pub fn meeting_day() -> Date {
    day(MEETING_DAY)
}

/// The demo framework, parsed from [`FRAMEWORK_TOML`].
///
/// # Panics
/// If the file built into the crate does not parse (the crate's tests make sure it does); the
/// panic message lists every diagnostic.
pub fn framework() -> Framework {
    parse_framework(FRAMEWORK_TOML).unwrap_or_else(|diagnostics| {
        let rendered: Vec<String> = diagnostics
            .iter()
            .map(|d| d.render(FRAMEWORK_PATH))
            .collect();
        panic!(
            "the demo framework does not parse:\n{}",
            rendered.join("\n")
        )
    })
}

/// The wards (phường) and communes (xã) of Sầm Sơn in 2022: GSO code and official name.
const WARDS_AND_COMMUNES: [(&str, &str, UnitKind); 11] = [
    ("14830", "Phường Trung Sơn", UnitKind::Phuong),
    ("14833", "Phường Bắc Sơn", UnitKind::Phuong),
    ("14836", "Phường Trường Sơn", UnitKind::Phuong),
    ("14839", "Phường Quảng Cư", UnitKind::Phuong),
    ("14842", "Phường Quảng Tiến", UnitKind::Phuong),
    ("16513", "Xã Quảng Minh", UnitKind::Xa),
    ("16516", "Xã Quảng Hùng", UnitKind::Xa),
    ("16528", "Phường Quảng Thọ", UnitKind::Phuong),
    ("16531", "Phường Quảng Châu", UnitKind::Phuong),
    ("16534", "Phường Quảng Vinh", UnitKind::Phuong),
    ("16537", "Xã Quảng Đại", UnitKind::Xa),
];

/// The units of the demo, parents before children: Việt Nam → Tỉnh Thanh Hóa → Thành phố Sầm
/// Sơn → its 11 wards and communes. Sầm Sơn city and its 11 units ended on 01/07/2025.
pub fn units() -> Vec<Unit> {
    let unit = |code: &str, name: &str, kind, parent: Option<&str>, until: Option<Date>| Unit {
        code: code.to_string(),
        name: name.to_string(),
        kind,
        parent_code: parent.map(str::to_string),
        valid_from: None,
        valid_until: until,
    };
    let reform = Some(day(REFORM_DAY));
    let mut units = vec![
        unit("VN", "Việt Nam", UnitKind::Nation, None, None),
        unit("38", "Tỉnh Thanh Hóa", UnitKind::Tinh, Some("VN"), None),
        unit(
            CITY_CODE,
            "Thành phố Sầm Sơn",
            UnitKind::ThanhPho,
            Some("38"),
            reform,
        ),
    ];
    units.extend(
        WARDS_AND_COMMUNES
            .iter()
            .map(|&(code, name, kind)| unit(code, name, kind, Some(CITY_CODE), reform)),
    );
    units
}

/// One dated figure of one unit for one indicator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoFigure {
    pub unit_code: String,
    pub indicator_code: String,
    pub observation: Observation,
}

/// Every figure of the demo, sorted by unit code, indicator code and date (figures of one day
/// keep the order they were recorded in), so each unit's history of an indicator is a sorted
/// slice as [`tiendo_domain::Rules::assess`] wants it.
pub fn figures() -> Vec<DemoFigure> {
    let framework = framework();
    let mut figures = hand::figures();
    for profile in &generated::PROFILES {
        figures.extend(generated::figures(profile, &framework));
    }
    figures.sort_by(|a, b| {
        (&a.unit_code, &a.indicator_code, a.observation.observed_on).cmp(&(
            &b.unit_code,
            &b.indicator_code,
            b.observation.observed_on,
        ))
    });
    figures
}

/// A unit excused from one indicator, with the reason its reviewer accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoExclusion {
    pub unit_code: String,
    pub indicator_code: String,
    pub reason: String,
}

/// The indicator Quảng Tiến was excused from: it is why the ward had 30 indicators, not 31.
pub const OCOP_INDICATOR: &str = "KT-02";

/// The exclusions of the demo: Quảng Tiến from the OCOP indicator.
pub fn exclusions() -> Vec<DemoExclusion> {
    vec![DemoExclusion {
        unit_code: QUANG_TIEN_CODE.to_string(),
        indicator_code: OCOP_INDICATOR.to_string(),
        reason: "Phường chưa có sản phẩm OCOP được công nhận".to_string(),
    }]
}

/// A date written in the crate's own tables.
fn day(iso: &str) -> Date {
    iso.parse()
        .unwrap_or_else(|e| panic!("demo date «{iso}»: {e}"))
}
