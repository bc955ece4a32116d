//! Unit lists as CSV, in the form of the national reference tables
//! (`code,name,kind,level,parent_code`, UTF-8, one unit a row).

use std::collections::{HashMap, HashSet};

use unicode_normalization::UnicodeNormalization;

use crate::{Bilingual, Date, Unit, UnitKind};

/// A mistake in a unit list: the line (1-based, the header is line 1), the column, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitListError {
    pub line: usize,
    pub column: &'static str,
    pub message: Bilingual,
}

impl UnitListError {
    pub fn render(&self, file: &str) -> String {
        format!(
            "{file}:{} ({}): lỗi: {}\n{file}:{} ({}): error: {}",
            self.line, self.column, self.message.vi, self.line, self.column, self.message.en
        )
    }
}

const COLUMNS: [&str; 4] = ["code", "name", "kind", "parent_code"];

/// The code of the country, the root every province hangs from, so that the national overview
/// is a unit like any other.
pub const NATION_CODE: &str = "VN";

/// `units` with every province (a unit without a parent) under the country [`NATION_CODE`],
/// which is added first when the list does not hold it.
pub fn under_nation(mut units: Vec<Unit>) -> Vec<Unit> {
    for unit in units
        .iter_mut()
        .filter(|u| u.parent_code.is_none() && u.kind != UnitKind::Nation)
    {
        unit.parent_code = Some(NATION_CODE.to_string());
    }
    if !units.iter().any(|u| u.code == NATION_CODE) {
        units.insert(
            0,
            Unit {
                code: NATION_CODE.into(),
                name: "Việt Nam".into(),
                kind: UnitKind::Nation,
                parent_code: None,
                valid_from: None,
                valid_until: None,
            },
        );
    }
    units
}

/// Reads a unit list, every unit valid from `valid_from` until `valid_until` (either may be
/// open). Units come back parents first. A parent that is not in the list is left for the
/// database to resolve. Every mistake is reported, not only the first.
pub fn parse_unit_list(
    text: &str,
    valid_from: Option<Date>,
    valid_until: Option<Date>,
) -> Result<Vec<Unit>, Vec<UnitListError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let error = |line: usize, column: &'static str, vi: String, en: String| UnitListError {
        line,
        column,
        message: Bilingual { vi, en },
    };
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            return Err(vec![error(
                1,
                "header",
                format!("không đọc được dòng tiêu đề: {e}"),
                format!("cannot read the header row: {e}"),
            )]);
        }
    };
    let mut index: HashMap<&str, usize> = HashMap::new();
    for column in COLUMNS {
        match header.iter().position(|h| h == column) {
            Some(i) => {
                index.insert(column, i);
            }
            None => errors.push(error(
                1,
                "header",
                format!("thiếu cột `{column}`; dòng tiêu đề cần có: code,name,kind,parent_code"),
                format!("missing column `{column}`; the header needs: code,name,kind,parent_code"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut units = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(error(
                    line,
                    "row",
                    format!("dòng không hợp lệ: {e}"),
                    format!("malformed row: {e}"),
                ));
                continue;
            }
        };
        let field = |c: &str| {
            record
                .get(index[c])
                .unwrap_or("")
                .trim()
                .nfc()
                .collect::<String>()
        };
        let (code, name, kind, parent) = (
            field("code"),
            field("name"),
            field("kind"),
            field("parent_code"),
        );
        if code.is_empty() {
            errors.push(error(
                line,
                "code",
                "thiếu mã đơn vị".into(),
                "the unit code is empty".into(),
            ));
        } else if !seen.insert(code.clone()) {
            errors.push(error(
                line,
                "code",
                format!("mã «{code}» xuất hiện hơn một lần"),
                format!("code «{code}» appears more than once"),
            ));
        }
        if name.is_empty() {
            errors.push(error(
                line,
                "name",
                "thiếu tên đơn vị".into(),
                "the unit name is empty".into(),
            ));
        }
        let kind = match kind.parse::<UnitKind>() {
            Ok(k) => Some(k),
            Err(_) => {
                let known = UnitKind::ALL.map(UnitKind::code).join(", ");
                errors.push(error(
                    line,
                    "kind",
                    format!("loại đơn vị «{kind}» không tồn tại; dùng một trong: {known}"),
                    format!("unknown unit kind «{kind}»; use one of: {known}"),
                ));
                None
            }
        };
        if let Some(kind) = kind {
            units.push(Unit {
                code,
                name,
                kind,
                parent_code: (!parent.is_empty()).then_some(parent),
                valid_from,
                valid_until,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Parents first: tiers in order, the file's order within a tier.
    units.sort_by_key(|u| u.kind.tier());
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_reference_form_parents_first() {
        let text = "code,name,kind,level,parent_code\n14833,Phường Bắc Sơn,phuong,3,382\n382,Thành phố Sầm Sơn,thanh_pho,2,38\n38,Tỉnh Thanh Hóa,tinh,1,\n";
        let units = parse_unit_list(text, None, "2025-07-01".parse().ok()).unwrap();
        let codes: Vec<&str> = units.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(codes, ["38", "382", "14833"]);
        assert_eq!(units[0].parent_code, None);
        assert_eq!(units[2].parent_code.as_deref(), Some("382"));
        assert_eq!(units[2].valid_until.unwrap().to_string(), "2025-07-01");
    }

    #[test]
    fn reports_every_bad_row_with_its_line_and_column() {
        let text = "code,name,kind,parent_code\n1,Tỉnh A,tinh,\n1,Tỉnh B,tinh,\n2,,xa,1\n3,Xã C,village,1\n";
        let errors = parse_unit_list(text, None, None).unwrap_err();
        let places: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(places, [(3, "code"), (4, "name"), (5, "kind")]);
        assert!(errors[2].message.en.contains("village"));
        assert!(
            errors[2]
                .render("u.csv")
                .starts_with("u.csv:5 (kind): lỗi:")
        );
    }

    #[test]
    fn refuses_a_header_without_the_needed_columns() {
        let errors = parse_unit_list("ma,ten\n1,A\n", None, None).unwrap_err();
        assert_eq!(errors.len(), 4);
        assert!(errors.iter().all(|e| e.line == 1));
    }
}
