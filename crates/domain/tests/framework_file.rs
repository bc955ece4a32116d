//! The framework file (`docs/FRAMEWORK_FORMAT.md`): what a valid file reads as, and how every
//! mistake in a broken one is reported, with its line, column and help in both languages.

use tiendo_domain::framework_file::{Diagnostic, parse_framework, parse_target};
use tiendo_domain::{
    Comparator, Date, Decimal, Framework, Group, Indicator, Lang, Measure, Target, UnitKind,
};

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn parse_ok(source: &str) -> Framework {
    match parse_framework(source) {
        Ok(f) => f,
        Err(diagnostics) => panic!("expected a valid file, got:\n{}", render_all(&diagnostics)),
    }
}

fn parse_err(source: &str) -> Vec<Diagnostic> {
    match parse_framework(source) {
        Ok(f) => panic!("expected errors, the file parsed as {f:#?}"),
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "an error without a diagnostic");
            diagnostics
        }
    }
}

fn render_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.render("f.toml"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(line, column, English message)` of each diagnostic, in order.
fn positions(diagnostics: &[Diagnostic]) -> Vec<(usize, usize, String)> {
    diagnostics
        .iter()
        .map(|d| (d.line, d.column, d.message.en.clone()))
        .collect()
}

/// The 1-based line and column at which `needle` first occurs in `source` (column in
/// characters), to check positions without counting by hand.
fn locate(source: &str, needle: &str) -> (usize, usize) {
    locate_nth(source, needle, 1)
}

/// Whether a text has a letter outside ASCII (every Vietnamese message has some).
fn looks_vietnamese(text: &str) -> bool {
    text.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
}

fn assert_bilingual(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        assert!(!d.message.vi.trim().is_empty() && !d.message.en.trim().is_empty());
        assert!(
            looks_vietnamese(&d.message.vi),
            "not Vietnamese: {}",
            d.message.vi
        );
        assert_ne!(d.message.vi, d.message.en);
        assert_eq!(d.message.get(Lang::Vi), d.message.vi);
        if let Some(help) = &d.help {
            assert!(!help.vi.trim().is_empty() && !help.en.trim().is_empty());
            assert_ne!(help.vi, help.en, "help not translated: {}", help.en);
        }
        assert!(d.line >= 1 && d.column >= 1);
    }
}

const HEADER: &str = r#"code = "cds-xa-2022"
version = 1
name = "Bộ chỉ tiêu chuyển đổi số cấp xã năm 2022"
name_en = "Commune digital transformation indicators 2022"
period = { start = 2022-01-01, end = 2022-12-31 }

[[groups]]
code = "nhan-thuc"
name = "Nhận thức số"
name_en = "Digital awareness"
"#;

/// The header above and one indicator with the given lines.
fn with_indicator(lines: &str) -> String {
    format!(
        "{HEADER}\n[[indicators]]\ncode = \"NT-01\"\ngroup = \"nhan-thuc\"\nname = \"Chỉ tiêu\"\nname_en = \"Indicator\"\n{lines}"
    )
}

// ---------------------------------------------------------------------------------------------
// Valid files

const VALID: &str = r#"# Bộ chỉ tiêu thử
code = "cds-phuong-2022"
version = 2
name = "Bộ chỉ tiêu chuyển đổi số cấp phường năm 2022"
name_en = "Ward digital transformation indicators 2022"
period = { start = 2022-01-01, end = 2022-12-31 }

[[groups]]
code = "nhan-thuc"
name = "Nhận thức số"
name_en = "Digital awareness"

[[groups]]
code = "chinh-quyen"
name = "Chính quyền số"
name_en = "Digital government"

[[indicators]]
code = "NT-01"
group = "nhan-thuc"
name = "Thành lập Ban chỉ đạo chuyển đổi số"
name_en = "DX steering committee set up"
measure = "yes_no"
target = "= có"
deadline = 2022-06-30
evidence = ["Quyết định thành lập Ban chỉ đạo"]

[[indicators]]
code = "NT-02"
group = "nhan-thuc"
name = "Số cuộc họp Ban chỉ đạo trong năm"
name_en = "Steering committee meetings in the year"
measure = "count"
count_unit = "cuộc họp"
target = "≥ 4"
mandatory = false
points = 2.5

[[indicators]]
code = "CQS-01"
group = "chinh-quyen"
name = "Tỷ lệ hồ sơ nộp trực tuyến"
name_en = "Dossiers submitted online"
measure = "ratio"
target = ">= 80%"
applies_to = ["phuong", "thi_tran"]
points = 10

[[indicators]]
code = "CQS-02"
group = "chinh-quyen"
name = "Tỷ lệ văn bản giấy"
name_en = "Paper documents"
measure = "percent"
target = "<= 10,5%"
deadline = "2022-11-30"
"#;

#[test]
fn a_valid_file_reads_as_its_model() {
    let f = parse_ok(VALID);
    let commune = vec![
        UnitKind::Phuong,
        UnitKind::Xa,
        UnitKind::ThiTran,
        UnitKind::DacKhu,
    ];
    let expected = Framework {
        code: "cds-phuong-2022".into(),
        version: 2,
        name: "Bộ chỉ tiêu chuyển đổi số cấp phường năm 2022".into(),
        name_en: "Ward digital transformation indicators 2022".into(),
        period_start: date("2022-01-01"),
        period_end: date("2022-12-31"),
        groups: vec![
            Group {
                code: "nhan-thuc".into(),
                name: "Nhận thức số".into(),
                name_en: "Digital awareness".into(),
                weight: None,
            },
            Group {
                code: "chinh-quyen".into(),
                name: "Chính quyền số".into(),
                name_en: "Digital government".into(),
                weight: None,
            },
        ],
        indicators: vec![
            Indicator {
                code: "NT-01".into(),
                group: "nhan-thuc".into(),
                name: "Thành lập Ban chỉ đạo chuyển đổi số".into(),
                name_en: "DX steering committee set up".into(),
                measure: Measure::YesNo,
                target: Target::Answer(true),
                deadline: date("2022-06-30"),
                applies_to: commune.clone(),
                mandatory: true,
                points: None,
                scoring: tiendo_domain::Scoring::Achieved,
                evidence: vec!["Quyết định thành lập Ban chỉ đạo".into()],
                evidence_en: Vec::new(),
                count_unit: None,
                count_unit_en: None,
            },
            Indicator {
                code: "NT-02".into(),
                group: "nhan-thuc".into(),
                name: "Số cuộc họp Ban chỉ đạo trong năm".into(),
                name_en: "Steering committee meetings in the year".into(),
                measure: Measure::Count,
                target: Target::Threshold {
                    comparator: Comparator::Ge,
                    value: dec("4"),
                },
                deadline: date("2022-12-31"),
                applies_to: commune.clone(),
                mandatory: false,
                points: Some(dec("2.5")),
                scoring: tiendo_domain::Scoring::Achieved,
                evidence: vec![],
                evidence_en: Vec::new(),
                count_unit: Some("cuộc họp".into()),
                count_unit_en: None,
            },
            Indicator {
                code: "CQS-01".into(),
                group: "chinh-quyen".into(),
                name: "Tỷ lệ hồ sơ nộp trực tuyến".into(),
                name_en: "Dossiers submitted online".into(),
                measure: Measure::Ratio,
                target: Target::Threshold {
                    comparator: Comparator::Ge,
                    value: dec("80"),
                },
                deadline: date("2022-12-31"),
                applies_to: vec![UnitKind::Phuong, UnitKind::ThiTran],
                mandatory: true,
                points: Some(dec("10")),
                scoring: tiendo_domain::Scoring::Achieved,
                evidence: vec![],
                evidence_en: Vec::new(),
                count_unit: None,
                count_unit_en: None,
            },
            Indicator {
                code: "CQS-02".into(),
                group: "chinh-quyen".into(),
                name: "Tỷ lệ văn bản giấy".into(),
                name_en: "Paper documents".into(),
                measure: Measure::Percent,
                target: Target::Threshold {
                    comparator: Comparator::Le,
                    value: dec("10.5"),
                },
                deadline: date("2022-11-30"),
                applies_to: commune,
                mandatory: true,
                points: None,
                scoring: tiendo_domain::Scoring::Achieved,
                evidence: vec![],
                evidence_en: Vec::new(),
                count_unit: None,
                count_unit_en: None,
            },
        ],
        recognition: tiendo_domain::RecognitionRule::AllApplicable,
    };
    assert_eq!(f, expected);
    assert_eq!(f.group("chinh-quyen").unwrap().name, "Chính quyền số");
    assert_eq!(
        f.indicator("CQS-02")
            .unwrap()
            .target
            .rule_text(Measure::Percent),
        "<= 10.5%"
    );
    assert_eq!(
        f.indicator("CQS-02")
            .unwrap()
            .target
            .describe(Measure::Percent, Lang::Vi),
        "≤ 10,5%"
    );
}

#[test]
fn framework_wide_deadline_and_unit_kinds_are_defaults() {
    let source = r#"code = "cds-huyen-2023"
version = 1
name = "Bộ chỉ tiêu cấp huyện"
name_en = "District indicators"
period = { start = 2023-01-01, end = 2023-12-31 }
deadline = 2023-11-30
applies_to = ["huyen", "thi_xa", "huyen"]

[[groups]]
code = "g"
name = "Nhóm"
name_en = "Group"

[[indicators]]
code = "A"
group = "g"
name = "Chỉ tiêu A"
name_en = "Indicator A"
measure = "yes_no"
target = "= yes"

[[indicators]]
code = "B"
group = "g"
name = "Chỉ tiêu B"
name_en = "Indicator B"
measure = "percent"
target = "> 50%"
deadline = 2023-06-30
applies_to = ["quan"]
mandatory = true
"#;
    let f = parse_ok(source);
    let (a, b) = (&f.indicators[0], &f.indicators[1]);
    assert_eq!(a.deadline, date("2023-11-30"));
    assert_eq!(a.applies_to, [UnitKind::Huyen, UnitKind::ThiXa]);
    assert!(a.mandatory);
    assert_eq!(b.deadline, date("2023-06-30"));
    assert_eq!(b.applies_to, [UnitKind::Quan]);
}

#[test]
fn without_framework_wide_defaults_the_deadline_is_the_period_end_and_units_are_communes() {
    let f = parse_ok(&with_indicator(
        "measure = \"yes_no\"\ntarget = \"= yes\"\n",
    ));
    let ind = &f.indicators[0];
    assert_eq!(ind.deadline, f.period_end);
    assert_eq!(
        ind.applies_to,
        [
            UnitKind::Phuong,
            UnitKind::Xa,
            UnitKind::ThiTran,
            UnitKind::DacKhu
        ]
    );
    assert!(ind.mandatory);
    assert_eq!(ind.points, None);
    assert!(ind.evidence.is_empty());
    assert_eq!(ind.count_unit, None);
}

#[test]
fn names_written_in_decomposed_unicode_are_stored_composed() {
    // «Nhận thức số» and friends as some editors save them: base letters and combining marks.
    let nfd = |s: &str| -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for c in s.chars() {
            match c {
                'ậ' => out.push_str("a\u{323}\u{302}"),
                'ố' => out.push_str("o\u{302}\u{301}"),
                'ó' => out.push_str("o\u{301}"),
                'ỉ' => out.push_str("i\u{309}"),
                'ê' => out.push_str("e\u{302}"),
                'ạ' => out.push_str("a\u{323}"),
                'ọ' => out.push_str("o\u{323}"),
                'ộ' => out.push_str("o\u{323}\u{302}"),
                'ư' => out.push_str("u\u{31b}"),
                'ờ' => out.push_str("o\u{31b}\u{300}"),
                'ơ' => out.push_str("o\u{31b}"),
                'ị' => out.push_str("i\u{323}"),
                'ể' => out.push_str("e\u{302}\u{309}"),
                other => write!(out, "{other}").unwrap(),
            }
        }
        out
    };
    let source = format!(
        r#"code = "nfd"
version = 1
name = "{}"
name_en = "Test"
period = {{ start = 2022-01-01, end = 2022-12-31 }}

[[groups]]
code = "g"
name = "{}"
name_en = "Awareness"

[[indicators]]
code = "A"
group = "g"
name = "{}"
name_en = "Committee"
measure = "count"
count_unit = "{}"
target = ">= 4"
evidence = ["{}"]

[[indicators]]
code = "B"
group = "g"
name = "B"
name_en = "B"
measure = "yes_no"
target = "= {}"
"#,
        nfd("Bộ chỉ tiêu thử"),
        nfd("Nhận thức số"),
        nfd("Số cuộc họp"),
        nfd("cuộc họp"),
        nfd("Biên bản họp"),
        nfd("có"),
    );
    assert_ne!(
        nfd("Nhận thức số"),
        "Nhận thức số",
        "the test text must be decomposed"
    );
    let f = parse_ok(&source);
    assert_eq!(f.name, "Bộ chỉ tiêu thử");
    assert_eq!(f.groups[0].name, "Nhận thức số");
    assert_eq!(f.indicators[0].name, "Số cuộc họp");
    assert_eq!(f.indicators[0].count_unit.as_deref(), Some("cuộc họp"));
    assert_eq!(f.indicators[0].evidence, ["Biên bản họp"]);
    assert_eq!(f.indicators[1].target, Target::Answer(true));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    assert_eq!(parse_ok(&format!("\u{feff}{VALID}")), parse_ok(VALID));
}

#[test]
fn surrounding_blanks_are_trimmed_and_crlf_files_read_the_same() {
    let source = VALID
        .replace("name = \"Nhận thức số\"", "name = \"  Nhận thức số \"")
        .replace('\n', "\r\n");
    let f = parse_ok(&source);
    assert_eq!(f, parse_ok(VALID));
    // Positions stay right with CRLF line ends.
    let broken =
        with_indicator("measure = \"percent\"\ntarget = \">= 80\"\n").replace('\n', "\r\n");
    let d = parse_err(&broken);
    assert_eq!((d[0].line, d[0].column), locate(&broken, "\">= 80\""));
}

// ---------------------------------------------------------------------------------------------
// Target rules

#[test]
fn target_rules_accept_every_documented_form() {
    let t = |c, v: &str| Target::Threshold {
        comparator: c,
        value: dec(v),
    };
    let cases = [
        (">= 80%", Measure::Percent, t(Comparator::Ge, "80")),
        ("≥ 80 %", Measure::Ratio, t(Comparator::Ge, "80")),
        ("  >=80%  ", Measure::Percent, t(Comparator::Ge, "80")),
        ("> 79,5%", Measure::Percent, t(Comparator::Gt, "79.5")),
        ("<= 10%", Measure::Percent, t(Comparator::Le, "10")),
        ("≤ 10.25%", Measure::Ratio, t(Comparator::Le, "10.25")),
        ("< 5%", Measure::Percent, t(Comparator::Lt, "5")),
        ("= 100%", Measure::Percent, t(Comparator::Eq, "100")),
        ("== 100%", Measure::Ratio, t(Comparator::Eq, "100")),
        (">= 0%", Measure::Percent, t(Comparator::Ge, "0")),
        ("<= 100%", Measure::Percent, t(Comparator::Le, "100")),
        (">= 4", Measure::Count, t(Comparator::Ge, "4")),
        ("≥4", Measure::Count, t(Comparator::Ge, "4")),
        ("> 0", Measure::Count, t(Comparator::Gt, "0")),
        ("<= 2", Measure::Count, t(Comparator::Le, "2")),
        ("= 1", Measure::Count, t(Comparator::Eq, "1")),
        ("= yes", Measure::YesNo, Target::Answer(true)),
        ("= Yes", Measure::YesNo, Target::Answer(true)),
        ("= có", Measure::YesNo, Target::Answer(true)),
        ("= Có", Measure::YesNo, Target::Answer(true)),
        ("== true", Measure::YesNo, Target::Answer(true)),
        ("= no", Measure::YesNo, Target::Answer(false)),
        ("= không", Measure::YesNo, Target::Answer(false)),
        ("= KHÔNG", Measure::YesNo, Target::Answer(false)),
    ];
    for (text, measure, expected) in cases {
        assert_eq!(
            parse_target(text, measure),
            Ok(expected),
            "«{text}» as {measure}"
        );
    }
}

#[test]
fn target_rules_refuse_what_does_not_fit_the_measure() {
    let cases = [
        ("80%", Measure::Percent, "must start with a comparison"),
        (
            ">= abc%",
            Measure::Percent,
            "«abc» in target rule «>= abc%» is not a number",
        ),
        (">= 80% per year", Measure::Percent, "is not a number"),
        (">= 1.2345%", Measure::Percent, "is not a number"),
        (
            ">= 130%",
            Measure::Percent,
            "percentage target 130% lies outside 0–100%",
        ),
        (">= -5%", Measure::Ratio, "lies outside 0–100%"),
        (
            ">= 80",
            Measure::Percent,
            "a percentage target needs a % sign",
        ),
        (
            ">= 80",
            Measure::Ratio,
            "a percentage target needs a % sign",
        ),
        (">= 4%", Measure::Count, "a count target takes no % sign"),
        (">= -1", Measure::Count, "a count target cannot be negative"),
        (
            ">= 1",
            Measure::YesNo,
            "a yes/no indicator takes `= yes` or `= no`",
        ),
        (
            "= 1",
            Measure::YesNo,
            "a yes/no indicator takes `= yes` or `= no`",
        ),
        ("!= yes", Measure::YesNo, "must start with a comparison"),
        (
            "> 100%",
            Measure::Percent,
            "no figure can ever meet the target «> 100%»",
        ),
        ("< 0%", Measure::Ratio, "no figure can ever meet"),
        ("< 0", Measure::Count, "no figure can ever meet"),
    ];
    for (text, measure, expected) in cases {
        let (message, help) = parse_target(text, measure)
            .expect_err(&format!("«{text}» as {measure} should be refused"));
        assert!(
            message.en.contains(expected),
            "«{text}»: «{}» lacks «{expected}»",
            message.en
        );
        assert!(looks_vietnamese(&message.vi), "{}", message.vi);
        assert!(!help.vi.is_empty() && !help.en.is_empty());
    }
    // The help for a missing % writes the rule out again.
    let (_, help) = parse_target(">= 80", Measure::Percent).unwrap_err();
    assert_eq!(help.en, "write `>= 80%`");
    assert_eq!(help.vi, "viết `>= 80%`");
}

// ---------------------------------------------------------------------------------------------
// Broken files

/// One mistake of each kind the checker finds past the TOML syntax.
const BROKEN: &str = r#"code = "cds-xa-2022"
version = 1
name = "Bộ chỉ tiêu"
name_en = "Indicators"
period = { start = 2022-01-01, end = 2022-12-31 }

[[groups]]
code = "nhan-thuc"
name = "Nhận thức số"
name_en = "Digital awareness"

[[groups]]
code = "nhan-thuc"
name = "Nhận thức số (lặp)"
name_en = "Digital awareness (again)"

[[indicators]]
code = "NT-01"
group = "nhan-thuc"
name = "Có Ban chỉ đạo"
name_en = "Steering committee"
measure = "yes_no"
target = ">= 1"

[[indicators]]
code = "NT-01"
group = "chinh-quyen"
name = "Hồ sơ trực tuyến"
name_en = "Online dossiers"
measure = "percent"
target = ">= abc%"

[[indicators]]
code = "NT-03"
group = "nhan-thuc"
name = "Hộ có cáp quang"
name_en = "Households with fibre"
measure = "ratio"
target = ">= 130%"
deadline = "31/12/2022"

[[indicators]]
code = "NT-04"
group = "nhan-thuc"
name = "Người dân được tuyên truyền"
name_en = "Residents reached"
measure = "percent"
target = ">= 80"
applies_to = ["phường", "ward"]

[[indicators]]
code = "NT-05"
group = "nhan-thuc"
name = "Số cuộc họp"
name_en = "Meetings"
measure = "count"
target = ">= 4%"

[[indicators]]
code = "NT-06"
group = "nhan-thuc"
name_en = "Wi-Fi points"
measure = "number"
target = ">= 1"
"#;

/// Where the `n`th (1-based) occurrence of `needle` starts.
fn locate_nth(source: &str, needle: &str, n: usize) -> (usize, usize) {
    let (offset, _) = source
        .match_indices(needle)
        .nth(n - 1)
        .unwrap_or_else(|| panic!("«{needle}» occurs fewer than {n} times"));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[test]
fn a_broken_file_reports_every_mistake_where_it_is() {
    let d = parse_err(BROKEN);
    let at = |needle: &str| locate(BROKEN, needle);
    let expected: Vec<((usize, usize), &str)> = vec![
        (
            locate_nth(BROKEN, "\"nhan-thuc\"", 2),
            "duplicate group code «nhan-thuc»",
        ),
        (
            at("\">= 1\""),
            "a yes/no indicator takes `= yes` or `= no`, not «>= 1»",
        ),
        (
            locate_nth(BROKEN, "\"NT-01\"", 2),
            "duplicate indicator code «NT-01»",
        ),
        (at("\"chinh-quyen\""), "unknown group «chinh-quyen»"),
        (
            at("\">= abc%\""),
            "«abc» in target rule «>= abc%» is not a number",
        ),
        (
            at("\">= 130%\""),
            "percentage target 130% lies outside 0–100%",
        ),
        (
            at("\"31/12/2022\""),
            "`deadline` must be a date (year-month-day)",
        ),
        (
            at("\">= 80\""),
            "a percentage target needs a % sign: «>= 80»",
        ),
        (at("\"phường\""), "unknown unit kind «phường»"),
        (at("\"ward\""), "unknown unit kind «ward»"),
        (at("\">= 4%\""), "a count target takes no % sign («>= 4%»)"),
        // A missing field is reported at the header of its table.
        (
            locate_nth(BROKEN, "[[indicators]]", 6),
            "missing field `name`",
        ),
        (at("\"number\""), "unknown measure «number»"),
    ];
    let got: Vec<((usize, usize), &str)> = d
        .iter()
        .map(|d| ((d.line, d.column), d.message.en.as_str()))
        .collect();
    assert_eq!(got, expected, "\n{}", render_all(&d));
    // Columns count characters, not bytes: «ward» follows «phường» on the same line (byte 29).
    assert_eq!(at("\"ward\"").1, 25);
    assert_bilingual(&d);
    for diagnostic in &d {
        assert!(
            diagnostic.help.is_some(),
            "no help for «{}»",
            diagnostic.message.en
        );
    }
    let help = |msg: &str| {
        d.iter()
            .find(|x| x.message.en.starts_with(msg))
            .and_then(|x| x.help.clone())
            .unwrap()
    };
    assert_eq!(
        help("unknown group").en,
        "use one of: nhan-thuc, or declare it in `[[groups]]`"
    );
    assert_eq!(
        help("unknown measure").en,
        "use one of: yes_no, count, percent, ratio"
    );
    assert_eq!(help("`deadline`").en, "e.g. `deadline = 2022-12-31`");
    assert_eq!(
        help("a count target").en,
        "write `>= 4`, or change `measure` to \"percent\""
    );
    assert!(
        help("unknown unit kind")
            .en
            .contains("phuong, xa, thi_tran, dac_khu")
    );
    assert_eq!(
        help("missing field `name`").en,
        "add `name = \"Tỷ lệ hồ sơ nộp trực tuyến\"`"
    );
}

#[test]
fn diagnostics_render_for_the_command_line() {
    let d = parse_err(&with_indicator(
        "measure = \"percent\"\ntarget = \">= 80\"\n",
    ));
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].render("f.toml"),
        "f.toml:18:10: lỗi: chỉ tiêu tỷ lệ cần dấu % trong mục tiêu «>= 80»\n\
         f.toml:18:10: error: a percentage target needs a % sign: «>= 80»\n    \
         gợi ý: viết `>= 80%`\n    \
         help: write `>= 80%`"
    );
    // Without help, two lines.
    let d = parse_err("code = \"x\"\nversion = \n");
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].render("khung.toml"),
        "khung.toml:2:11: lỗi: tệp TOML không hợp lệ (string values must be quoted, expected literal string)\n\
         khung.toml:2:11: error: string values must be quoted, expected literal string"
    );
}

#[test]
fn missing_required_fields_are_each_reported() {
    let d = parse_err("");
    let messages: Vec<&str> = d.iter().map(|d| d.message.en.as_str()).collect();
    assert_eq!(
        messages,
        [
            "missing field `code`",
            "missing field `version`",
            "missing field `name`",
            "missing field `name_en`",
            "missing field `period`",
            "the framework has no group",
            "the framework has no indicator",
        ]
    );
    assert!(d.iter().all(|d| (d.line, d.column) == (1, 1)));
    assert_bilingual(&d);

    // Every field of an indicator, reported at its `[[indicators]]` line.
    let source = format!("{HEADER}\n[[indicators]]\ncode = \"A\"\n");
    let d = parse_err(&source);
    assert_eq!(
        positions(&d),
        [
            (12, 1, "missing field `group`".to_string()),
            (12, 1, "missing field `name`".to_string()),
            (12, 1, "missing field `name_en`".to_string()),
            (12, 1, "missing field `measure`".to_string()),
            (12, 1, "missing field `target`".to_string()),
        ]
    );
    assert_eq!(
        d[0].help.as_ref().unwrap().en,
        "add `group = \"...\"` naming one of: nhan-thuc"
    );

    // A group without its names, and a period without its end.
    let source = "code = \"x\"\nversion = 1\nname = \"Bộ\"\nname_en = \"Set\"\n[period]\nstart = 2022-01-01\n\n[[groups]]\ncode = \"g\"\nname = \"  \"\n";
    let d = parse_err(source);
    assert_eq!(
        positions(&d),
        [
            (1, 1, "the framework has no indicator".to_string()),
            (5, 1, "`period` is missing `end`".to_string()),
            (8, 1, "missing field `name_en`".to_string()),
            (10, 8, "`name` must not be empty".to_string()),
        ]
    );
}

#[test]
fn other_mistakes_in_values() {
    let source = r#"code = "cds xa"
version = 0
name = "Bộ"
name_en = "Set"
period = { start = 2022-12-31, end = 2022-01-01 }
applies_to = []

[[groups]]
code = "g"
name = "Nhóm"
name_en = "Group"

[[indicators]]
code = "A"
group = "g"
name = "A"
name_en = "A"
measure = "percent"
target = ">= 80%"
count_unit = "hộ"
points = -1
applies_to = ["xa"]
"#;
    let d = parse_err(source);
    let at = |needle: &str| locate(source, needle);
    assert_eq!(
        d.iter()
            .map(|d| ((d.line, d.column), d.message.en.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                at("\"cds xa\""),
                "code «cds xa» may hold only ASCII letters, digits, `-`, `_` and `.`"
            ),
            (at("0\nname"), "`version` must be a positive whole number"),
            (
                at("{ start"),
                "the period starts (31/12/2022) after it ends (01/01/2022)"
            ),
            (at("[]"), "`applies_to` must not be empty"),
            (
                at("\"hộ\""),
                "`count_unit` is only for indicators with `measure = \"count\"`"
            ),
            (at("-1\n"), "`points` must be a number of at least 0"),
        ]
    );
    assert_bilingual(&d);
}

#[test]
fn a_deadline_before_the_period_is_reported_at_the_deadline() {
    let source =
        with_indicator("measure = \"yes_no\"\ntarget = \"= yes\"\ndeadline = 2021-12-31\n");
    let d = parse_err(&source);
    assert_eq!(
        positions(&d),
        [(
            locate(&source, "2021-12-31").0,
            locate(&source, "2021-12-31").1,
            "the deadline 31/12/2021 falls before the period starts (01/01/2022)".to_string()
        )]
    );
    assert_eq!(
        d[0].message.vi,
        "hạn 31/12/2021 trước khi kỳ bắt đầu (01/01/2022)"
    );

    // A framework-wide deadline before the period is reported once, where it is written.
    let source = with_indicator("measure = \"yes_no\"\ntarget = \"= yes\"\n").replacen(
        "period = {",
        "deadline = 2021-06-30\nperiod = {",
        1,
    ) + "\n[[indicators]]\ncode = \"NT-02\"\ngroup = \"nhan-thuc\"\nname = \"B\"\nname_en = \"B\"\nmeasure = \"yes_no\"\ntarget = \"= yes\"\n";
    let d = parse_err(&source);
    assert_eq!(d.len(), 1, "{}", render_all(&d));
    assert_eq!((d[0].line, d[0].column), locate(&source, "2021-06-30"));
}

#[test]
fn dates_may_be_toml_dates_or_quoted_iso_text_only() {
    for (value, ok) in [
        ("2022-06-30", true),
        ("\"2022-06-30\"", true),
        ("\"30/06/2022\"", false),
        ("\"2022-6-30\"", false),
        ("\"2022-02-30\"", false),
        ("2022-06-30T08:00:00", false),
        ("20220630", false),
    ] {
        let source = with_indicator(&format!(
            "measure = \"yes_no\"\ntarget = \"= yes\"\ndeadline = {value}\n"
        ));
        match parse_framework(&source) {
            Ok(f) => {
                assert!(ok, "{value} accepted");
                assert_eq!(f.indicators[0].deadline, date("2022-06-30"));
            }
            Err(d) => {
                assert!(!ok, "{value} refused: {}", render_all(&d));
                assert_eq!(d.len(), 1);
                assert_eq!(
                    d[0].message.en,
                    "`deadline` must be a date (year-month-day)"
                );
                assert_eq!((d[0].line, d[0].column), locate(&source, value));
            }
        }
    }
}

#[test]
fn toml_syntax_errors_have_a_position() {
    // An unquoted date in the Vietnamese form.
    let source =
        with_indicator("measure = \"yes_no\"\ntarget = \"= yes\"\ndeadline = 31/12/2022\n");
    let d = parse_err(&source);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].column), locate(&source, "31/12/2022"));
    assert!(d[0].message.vi.starts_with("tệp TOML không hợp lệ ("));
    assert_bilingual(&d);

    // An impossible TOML date is a syntax error too.
    let source =
        with_indicator("measure = \"yes_no\"\ntarget = \"= yes\"\ndeadline = 2022-02-30\n");
    let d = parse_err(&source);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, locate(&source, "2022-02-30").0);

    // A string left open.
    let source = "code = \"x\nversion = 1\n";
    let d = parse_err(source);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, 1);

    // A key written twice.
    let source = with_indicator("measure = \"yes_no\"\ntarget = \"= yes\"\ntarget = \"= no\"\n");
    let d = parse_err(&source);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, locate_nth(&source, "target", 2).0);
}

#[test]
fn unknown_keys_and_wrong_types_stop_at_the_first_with_its_position() {
    // Only serde's first error is known: the second unknown key is not reported.
    let source =
        with_indicator("measure = \"yes_no\"\ntarget = \"= yes\"\nhan = 2022-06-30\nweight = 3\n");
    let d = parse_err(&source);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].line, d[0].column), locate(&source, "han ="));
    assert!(
        d[0].message
            .en
            .starts_with("unknown field `han`, expected one of `code`, `group`"),
        "{}",
        d[0].message.en
    );
    assert!(
        d[0].message
            .vi
            .starts_with("trường không có trong định dạng (unknown field `han`"),
        "{}",
        d[0].message.vi
    );

    for (source, needle, vi_start) in [
        (
            HEADER.replace(
                "name_en = \"Digital awareness\"",
                "name_en = \"Digital awareness\"\nten = \"x\"",
            ),
            "ten =",
            "trường không có trong định dạng",
        ),
        (
            HEADER.replace("period = {", "periods = 1\nperiod = {"),
            "periods",
            "trường không có trong định dạng",
        ),
        (
            HEADER.replace("end = 2022-12-31 }", "end = 2022-12-31, ends = 1 }"),
            "ends",
            "trường không có trong định dạng",
        ),
        (
            HEADER.replace("version = 1", "version = \"1\""),
            "\"1\"",
            "sai kiểu giá trị",
        ),
        (
            with_indicator("measure = \"yes_no\"\ntarget = \"= yes\"\nmandatory = \"có\"\n"),
            "\"có\"",
            "sai kiểu giá trị",
        ),
        (
            with_indicator("measure = \"yes_no\"\ntarget = \"= yes\"\nevidence = \"Quyết định\"\n"),
            "\"Quyết định\"",
            "sai kiểu giá trị",
        ),
    ] {
        let d = parse_err(&source);
        assert_eq!(d.len(), 1, "{}", render_all(&d));
        assert_eq!(
            (d[0].line, d[0].column),
            locate(&source, needle),
            "{}",
            render_all(&d)
        );
        assert!(d[0].message.vi.starts_with(vi_start), "{}", d[0].message.vi);
    }
}

// ---------------------------------------------------------------------------------------------
// The example files and the documentation

const MINIMAL: &str = include_str!("../../../frameworks/examples/minimal.toml");
const BROKEN_EXAMPLE: &str = include_str!("../../../frameworks/examples/broken.toml");
const DOC: &str = include_str!("../../../docs/FRAMEWORK_FORMAT.md");

#[test]
fn the_minimal_example_is_valid_and_minimal() {
    assert!(
        MINIMAL.starts_with('#'),
        "the example starts with a comment"
    );
    let f = parse_ok(MINIMAL);
    assert_eq!((f.code.as_str(), f.version), ("vi-du-toi-thieu", 1));
    assert_eq!(f.groups.len(), 1);
    assert_eq!(f.indicators.len(), 2);
    // Every line that sets a key is needed: dropping any makes the file invalid.
    let lines: Vec<&str> = MINIMAL.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let without: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, l)| *l)
            .collect();
        assert!(
            parse_framework(&without.join("\n")).is_err(),
            "line {} («{t}») is not needed",
            i + 1
        );
    }
}

#[test]
fn the_documentation_starts_with_the_minimal_example() {
    let uncommented: String = MINIMAL
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let first_block = DOC
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("a toml block");
    assert_eq!(first_block.trim(), uncommented.trim());
}

#[test]
fn the_broken_example_shows_several_mistakes() {
    assert!(
        BROKEN_EXAMPLE.starts_with('#'),
        "the example starts with a comment"
    );
    let d = parse_err(BROKEN_EXAMPLE);
    assert!(d.len() >= 5, "{}", render_all(&d));
    assert_bilingual(&d);
}

/// The output of `tiendo framework check frameworks/examples/broken.toml`, as the
/// documentation shows it: each diagnostic rendered and followed by a blank line, then the count
/// (the form `check_framework` in `crates/tiendo/src/main.rs` prints).
fn broken_example_output() -> String {
    let file = "frameworks/examples/broken.toml";
    let diagnostics = parse_err(BROKEN_EXAMPLE);
    let mut out = String::new();
    for d in &diagnostics {
        out.push_str(&d.render(file));
        out.push_str("\n\n");
    }
    let n = diagnostics.len();
    out.push_str(&format!("{file}: {n} lỗi / {n} error(s)"));
    out
}

#[test]
fn the_documentation_shows_the_real_output_for_the_broken_example() {
    let output = broken_example_output();
    assert!(
        DOC.contains(&output),
        "docs/FRAMEWORK_FORMAT.md must show this output:\n\n{output}\n"
    );
}

#[test]
fn the_complete_example_in_the_documentation_is_valid() {
    // The first ```toml block after the heading "Complete example".
    let from = DOC
        .find("## Complete example")
        .expect("a «Complete example» section");
    let block = DOC[from..]
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("a toml block");
    let f = parse_ok(block);
    assert!(f.indicators.len() >= 4);
    let measures: Vec<Measure> = f.indicators.iter().map(|i| i.measure).collect();
    for m in Measure::ALL {
        assert!(
            measures.contains(&m),
            "the complete example lacks a {m} indicator"
        );
    }
}

#[test]
fn every_toml_block_in_the_documentation_parses_or_is_marked_broken() {
    // Blocks that show a fragment or a mistake are fenced as ```toml broken or ```toml fragment.
    for (i, block) in DOC.split("```toml\n").skip(1).enumerate() {
        let block = block.split("\n```").next().unwrap();
        if let Err(d) = parse_framework(block) {
            panic!(
                "toml block {} in the documentation does not parse:\n{block}\n{}",
                i + 1,
                render_all(&d)
            );
        }
    }
}

#[test]
fn evidence_has_an_english_text_for_each_item_or_none() {
    let f = parse_ok(&with_indicator(
        "measure = \"yes_no\"\ntarget = \"= yes\"\nevidence = [\"Biên bản họp\", \"Ảnh chụp\"]\nevidence_en = [\"Minutes\", \"A photograph\"]\n",
    ));
    let ind = &f.indicators[0];
    assert_eq!(
        ind.evidence_in(tiendo_domain::Lang::En),
        ["Minutes", "A photograph"]
    );
    assert_eq!(
        ind.evidence_in(tiendo_domain::Lang::Vi),
        ["Biên bản họp", "Ảnh chụp"]
    );
    // Without English, the Vietnamese is shown in English too.
    let f = parse_ok(&with_indicator(
        "measure = \"yes_no\"\ntarget = \"= yes\"\nevidence = [\"Biên bản họp\"]\n",
    ));
    assert_eq!(
        f.indicators[0].evidence_in(tiendo_domain::Lang::En),
        ["Biên bản họp"]
    );

    let source = with_indicator(
        "measure = \"yes_no\"\ntarget = \"= yes\"\nevidence = [\"Biên bản họp\", \"Ảnh chụp\"]\nevidence_en = [\"Minutes\"]\n",
    );
    let errors = parse_err(&source);
    assert_bilingual(&errors);
    let (line, column) = locate(&source, "[\"Minutes\"]");
    assert_eq!(
        positions(&errors),
        [(
            line,
            column,
            "`evidence_en` must have as many items as `evidence` (2), not 1: give one English text for each piece of evidence".to_string()
        )]
    );
}
