//! Administrative units: the tree a programme runs over.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Date, Lang};

/// The kind of an administrative unit, named as in the GSO registry (`../data/admin-units`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// The country, root of the tree (code `VN`).
    Nation,
    Tinh,
    ThanhPhoTw,
    ThanhPho,
    ThiXa,
    Quan,
    Huyen,
    Phuong,
    Xa,
    ThiTran,
    DacKhu,
}

/// The tiers of the tree, independent of the era (three tiers before July 2025, two since).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Nation,
    Province,
    District,
    Commune,
}

impl UnitKind {
    pub const ALL: [UnitKind; 11] = [
        UnitKind::Nation,
        UnitKind::Tinh,
        UnitKind::ThanhPhoTw,
        UnitKind::ThanhPho,
        UnitKind::ThiXa,
        UnitKind::Quan,
        UnitKind::Huyen,
        UnitKind::Phuong,
        UnitKind::Xa,
        UnitKind::ThiTran,
        UnitKind::DacKhu,
    ];

    /// The code used in files, URLs and storage, e.g. `phuong`.
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Nation => "nation",
            UnitKind::Tinh => "tinh",
            UnitKind::ThanhPhoTw => "thanh_pho_tw",
            UnitKind::ThanhPho => "thanh_pho",
            UnitKind::ThiXa => "thi_xa",
            UnitKind::Quan => "quan",
            UnitKind::Huyen => "huyen",
            UnitKind::Phuong => "phuong",
            UnitKind::Xa => "xa",
            UnitKind::ThiTran => "thi_tran",
            UnitKind::DacKhu => "dac_khu",
        }
    }

    pub fn tier(self) -> Tier {
        match self {
            UnitKind::Nation => Tier::Nation,
            UnitKind::Tinh | UnitKind::ThanhPhoTw => Tier::Province,
            UnitKind::ThanhPho | UnitKind::ThiXa | UnitKind::Quan | UnitKind::Huyen => {
                Tier::District
            }
            UnitKind::Phuong | UnitKind::Xa | UnitKind::ThiTran | UnitKind::DacKhu => Tier::Commune,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (UnitKind::Nation, Lang::Vi) => "Quốc gia",
            (UnitKind::Nation, Lang::En) => "Nation",
            (UnitKind::Tinh, Lang::Vi) => "Tỉnh",
            (UnitKind::Tinh, Lang::En) => "Province",
            (UnitKind::ThanhPhoTw, Lang::Vi) => "Thành phố trực thuộc trung ương",
            (UnitKind::ThanhPhoTw, Lang::En) => "Centrally-run city",
            (UnitKind::ThanhPho, Lang::Vi) => "Thành phố",
            (UnitKind::ThanhPho, Lang::En) => "City",
            (UnitKind::ThiXa, Lang::Vi) => "Thị xã",
            (UnitKind::ThiXa, Lang::En) => "Town",
            (UnitKind::Quan, Lang::Vi) => "Quận",
            (UnitKind::Quan, Lang::En) => "Urban district",
            (UnitKind::Huyen, Lang::Vi) => "Huyện",
            (UnitKind::Huyen, Lang::En) => "Rural district",
            (UnitKind::Phuong, Lang::Vi) => "Phường",
            (UnitKind::Phuong, Lang::En) => "Ward",
            (UnitKind::Xa, Lang::Vi) => "Xã",
            (UnitKind::Xa, Lang::En) => "Commune",
            (UnitKind::ThiTran, Lang::Vi) => "Thị trấn",
            (UnitKind::ThiTran, Lang::En) => "Township",
            (UnitKind::DacKhu, Lang::Vi) => "Đặc khu",
            (UnitKind::DacKhu, Lang::En) => "Special zone",
        }
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown unit kind «{0}»; known kinds: nation, tinh, thanh_pho_tw, thanh_pho, thi_xa, quan, huyen, phuong, xa, thi_tran, dac_khu"
)]
pub struct UnknownUnitKind(pub String);

impl FromStr for UnitKind {
    type Err = UnknownUnitKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnitKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownUnitKind(s.to_string()))
    }
}

/// An administrative unit. Units are merged and codes reused over the years, so each unit
/// carries the dates between which it existed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// The official GSO code, e.g. `14833` for Phường Bắc Sơn.
    pub code: String,
    /// The full official name with its kind, e.g. `Phường Bắc Sơn`.
    pub name: String,
    pub kind: UnitKind,
    pub parent_code: Option<String>,
    /// First day the unit existed, if known.
    pub valid_from: Option<Date>,
    /// First day the unit no longer existed, if it has ended.
    pub valid_until: Option<Date>,
}

impl Unit {
    pub fn exists_on(&self, day: Date) -> bool {
        self.valid_from.is_none_or(|from| from <= day)
            && self.valid_until.is_none_or(|until| day < until)
    }
}
