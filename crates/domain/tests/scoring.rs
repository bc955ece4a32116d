//! A framework file that mixes every scoring rule and weighs its groups gives the expected unit
//! scores and ranking (ties included); every mistake in the scoring keys is reported at its place.

use std::collections::HashMap;

use tiendo_domain::framework_file::parse_framework;
use tiendo_domain::scoring::{self, IndicatorInput, rank_by_score, score_text, unit_score};
use tiendo_domain::{
    Decimal, Figure, Lang, Ratio, RecognitionRule, ScoreTier, Scoring, Status, UnitKind,
};

const MIXED: &str = r#"
code = "diem-thu"
version = 1
name = "Bộ chỉ tiêu chấm điểm thử"
name_en = "Scoring test framework"
period = { start = 2022-01-01, end = 2022-12-31 }
applies_to = ["phuong", "xa"]

[[groups]]
code = "nhan-thuc"
name = "Nhận thức số"
name_en = "Digital awareness"
weight = 40

[[groups]]
code = "chinh-quyen"
name = "Chính quyền số"
name_en = "Digital government"
weight = 60

[[indicators]]
code = "NT-01"
group = "nhan-thuc"
name = "Thành lập Ban chỉ đạo"
name_en = "Steering committee set up"
measure = "yes_no"
target = "= yes"
points = 10
scoring = "yes_no"

[[indicators]]
code = "NT-02"
group = "nhan-thuc"
name = "Số cuộc họp"
name_en = "Meetings"
measure = "count"
target = ">= 4"
tiers = [
  { at_least = 4, points = 20 },
  { at_least = 3, points = 15 },
  { at_least = 2, points = 10 },
  { at_least = 1, points = 5 },
]

[[indicators]]
code = "CQ-01"
group = "chinh-quyen"
name = "Hồ sơ trực tuyến"
name_en = "Dossiers online"
measure = "ratio"
target = ">= 80%"
points = 20
scoring = "proportional"

[[indicators]]
code = "CQ-02"
group = "chinh-quyen"
name = "Văn bản ký số"
name_en = "Documents signed"
measure = "percent"
target = ">= 80%"
points = 20
scoring = "proportional_to_target"

[[indicators]]
code = "CQ-03"
group = "chinh-quyen"
name = "Cổng thông tin"
name_en = "Portal"
measure = "percent"
target = ">= 50%"
points = 10
applies_to = ["phuong"]

[recognition]
rule = "score"
min_score = 0.8
"#;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn input(status: Status, figure: Option<Figure>) -> IndicatorInput {
    IndicatorInput { status, figure }
}

fn pct(s: &str) -> Option<Figure> {
    Some(Figure::Amount(d(s)))
}

fn of(n: i64, den: i64) -> Option<Figure> {
    Some(Figure::Ratio {
        numerator: n,
        denominator: den,
    })
}

#[test]
fn a_mixed_framework_reads_its_rules_weights_and_recognition() {
    let f = parse_framework(MIXED).expect("valid");
    assert_eq!(f.group("nhan-thuc").unwrap().weight, Some(d("40")));
    assert_eq!(f.indicator("NT-01").unwrap().scoring, Scoring::Answer);
    let tiers = &f.indicator("NT-02").unwrap().scoring;
    assert_eq!(
        *tiers,
        Scoring::Tiers(
            [("4", "20"), ("3", "15"), ("2", "10"), ("1", "5")]
                .map(|(a, p)| ScoreTier {
                    at_least: d(a),
                    points: d(p)
                })
                .to_vec()
        )
    );
    // Tiers without `points`: the indicator is worth its highest tier.
    assert_eq!(f.indicator("NT-02").unwrap().points, Some(d("20")));
    assert_eq!(f.indicator("CQ-03").unwrap().scoring, Scoring::Achieved);
    assert_eq!(
        f.recognition,
        RecognitionRule::ScoreAtLeast {
            min_score: d("0.8")
        }
    );
    assert!(scoring::describe(&f, Lang::Vi).contains("Nhận thức số 40; Chính quyền số 60"));
    assert!(
        scoring::describe(&f, Lang::En).contains("Digital awareness 40; Digital government 60")
    );
}

#[test]
fn unit_scores_and_ranking_ties_included() {
    let f = parse_framework(MIXED).expect("valid");
    let units: Vec<(&str, UnitKind, HashMap<String, IndicatorInput>)> = vec![
        // Awareness: 10 + 15 (3 meetings) of 30 = 5/6; government: 20 × 0,9 + 20 × (60 ÷ 80)
        // + 0 (CQ-03 not achieved) = 33 of 50. Score = (40 × 5/6 + 60 × 33/50) ÷ 100 = 0,7293…
        (
            "Quảng Tiến",
            UnitKind::Phuong,
            HashMap::from([
                (
                    "NT-01".into(),
                    input(Status::Achieved, Some(Figure::YesNo(true))),
                ),
                ("NT-02".into(), input(Status::InProgress, pct("3"))),
                ("CQ-01".into(), input(Status::Achieved, of(450, 500))),
                ("CQ-02".into(), input(Status::NotAchieved, pct("60"))),
                ("CQ-03".into(), input(Status::NotAchieved, pct("40"))),
            ]),
        ),
        // A commune: CQ-03 does not apply. Awareness 30/30 = 1 (9 meetings cap at the top
        // tier); government 20 × 0,5 + 20 × 1 (90% caps at the target) = 30 of 40 = 3/4.
        // Score = (40 + 60 × 3/4) ÷ 100 = 0,85.
        (
            "Đông Hải",
            UnitKind::Xa,
            HashMap::from([
                (
                    "NT-01".into(),
                    input(Status::Achieved, Some(Figure::YesNo(true))),
                ),
                ("NT-02".into(), input(Status::Achieved, pct("9"))),
                ("CQ-01".into(), input(Status::NotAchieved, of(1, 2))),
                ("CQ-02".into(), input(Status::Achieved, pct("90"))),
                ("CQ-03".into(), input(Status::NotApplicable, None)),
            ]),
        ),
        // The same standing as Đông Hải, reached another way: shares the place, listed first
        // in Vietnamese order (B before Đ).
        (
            "Bắc Sơn",
            UnitKind::Xa,
            HashMap::from([
                (
                    "NT-01".into(),
                    input(Status::Achieved, Some(Figure::YesNo(true))),
                ),
                ("NT-02".into(), input(Status::Achieved, pct("4"))),
                ("CQ-01".into(), input(Status::Achieved, of(250, 250))),
                ("CQ-02".into(), input(Status::NotAchieved, pct("40"))),
            ]),
        ),
        // Nothing reported: every indicator missing from the inputs is no data, 0 points.
        ("Trung Sơn", UnitKind::Phuong, HashMap::new()),
        // A kind the framework does not assess: no score, no place.
        ("Sầm Sơn", UnitKind::ThanhPho, HashMap::new()),
    ];
    let scored: Vec<(&str, tiendo_domain::scoring::UnitScore)> = units
        .iter()
        .map(|(name, kind, inputs)| (*name, unit_score(&f, *kind, inputs)))
        .collect();
    let value = |name: &str| scored.iter().find(|s| s.0 == name).unwrap().1.value;
    assert_eq!(
        value("Quảng Tiến"),
        Some(
            Ratio::new(40 * 5, 6)
                .add(Ratio::new(60 * 33, 50))
                .div(Ratio::from_int(100))
        )
    );
    assert_eq!(score_text(value("Quảng Tiến"), Lang::Vi), "0,729");
    assert_eq!(value("Đông Hải"), Some(Ratio::new(85, 100)));
    assert_eq!(value("Bắc Sơn"), Some(Ratio::new(85, 100)));
    assert_eq!(value("Trung Sơn"), Some(Ratio::from_int(0)));
    assert_eq!(value("Sầm Sơn"), None);
    let bac_son = &scored.iter().find(|s| s.0 == "Bắc Sơn").unwrap().1;
    assert_eq!(bac_son.possible, Ratio::from_int(70));
    assert_eq!(bac_son.groups[1].value, Some(Ratio::new(3, 4)));
    assert!(bac_son.at_least(d("0.85")) && !bac_son.at_least(d("0.851")));

    let ranked = rank_by_score(scored, |s| s.1.value, |s| s.0);
    let places: Vec<(Option<u32>, &str)> = ranked.iter().map(|(p, s)| (*p, s.0)).collect();
    assert_eq!(
        places,
        [
            (Some(1), "Bắc Sơn"),
            (Some(1), "Đông Hải"),
            (Some(3), "Quảng Tiến"),
            (Some(4), "Trung Sơn"),
            (None, "Sầm Sơn"),
        ]
    );
}

/// (line, column, English message) of every mistake in `source`.
fn mistakes(source: &str) -> Vec<(usize, usize, String)> {
    parse_framework(source)
        .expect_err("should be refused")
        .into_iter()
        .map(|d| {
            assert!(!d.message.vi.is_empty() && d.message.vi != d.message.en);
            (d.line, d.column, d.message.en)
        })
        .collect()
}

const HEAD: &str = r#"code = "x"
version = 1
name = "Thử"
name_en = "Test"
period = { start = 2022-01-01, end = 2022-12-31 }
"#;

fn with(groups: &str, indicator: &str, tail: &str) -> String {
    format!(
        "{HEAD}\n[[groups]]\ncode = \"g\"\nname = \"Nhóm\"\nname_en = \"Group\"\n{groups}\n[[indicators]]\ncode = \"I-01\"\ngroup = \"g\"\nname = \"Chỉ tiêu\"\nname_en = \"Indicator\"\n{indicator}\n{tail}"
    )
}

#[test]
fn every_scoring_mistake_is_reported_at_its_place() {
    // Line 17 is the first line after `name_en = "Indicator"`.
    let count = "measure = \"count\"\ntarget = \">= 4\"\n";
    let cases: Vec<(String, (usize, usize), &str)> = vec![
        (
            with("", &format!("{count}points = 5\nscoring = \"bac\""), ""),
            (20, 11),
            "unknown scoring rule «bac»",
        ),
        (
            with(
                "",
                &format!(
                    "{count}tiers = [{{ at_least = 2, points = 10 }}, {{ at_least = 3, points = 5 }}]"
                ),
                "",
            ),
            (19, 54),
            "tiers must be in descending order",
        ),
        (
            with(
                "",
                &format!(
                    "{count}tiers = [{{ at_least = 3, points = 10 }}, {{ at_least = 2, points = 15 }}]"
                ),
                "",
            ),
            (19, 66),
            "a lower tier cannot earn more points",
        ),
        (
            with(
                "",
                "measure = \"yes_no\"\ntarget = \"= yes\"\ntiers = [{ at_least = 1, points = 10 }]",
                "",
            ),
            (19, 9),
            "a yes/no indicator takes no tiers",
        ),
        (
            with(
                "",
                "measure = \"percent\"\ntarget = \">= 80%\"\nscoring = \"proportional\"",
                "",
            ),
            (19, 11),
            "scoring rule «proportional» needs `points`",
        ),
        (
            with(
                "",
                &format!("{count}points = 5\nscoring = \"proportional\""),
                "",
            ),
            (20, 11),
            "scoring rule «proportional» is only for percentages",
        ),
        (
            with(
                "",
                "measure = \"percent\"\ntarget = \"<= 10%\"\npoints = 5\nscoring = \"proportional\"",
                "",
            ),
            (20, 11),
            "does not fit a target where lower is better",
        ),
        (
            with(
                "",
                "measure = \"percent\"\ntarget = \">= 80%\"\ntiers = [{ at_least = 120, points = 10 }]",
                "",
            ),
            (19, 23),
            "tier 120% lies outside 0–100%",
        ),
        (
            with(
                "",
                &format!("{count}points = 15\ntiers = [{{ at_least = 4, points = 20 }}]"),
                "",
            ),
            (19, 10),
            "`points = 15` differs from the highest tier's points (20)",
        ),
        (
            with("weight = -1", count, ""),
            (11, 10),
            "`weight` must be a number of at least 0",
        ),
        (
            with("", count, "[recognition]\nrule = \"tat_ca\""),
            (21, 8),
            "unknown recognition rule «tat_ca»",
        ),
        (
            with(
                "",
                count,
                "[recognition]\nrule = \"mandatory_and_optional\"\noptional_percent = 130",
            ),
            (22, 20),
            "`optional_percent = 130` is above 100",
        ),
        (
            with("", count, "[recognition]\nrule = \"score\"\nmin_score = 80"),
            (22, 13),
            "`min_score` must be a number from 0 to 1",
        ),
        (
            with("", count, "[recognition]\nrule = \"score\""),
            (21, 8),
            "`rule = \"score\"` needs `min_score`",
        ),
        (
            with(
                "",
                count,
                "[recognition]\nrule = \"all_applicable\"\nmin_score = 0.5",
            ),
            (22, 13),
            "`min_score` does not go with `rule = \"all_applicable\"`",
        ),
    ];
    let mut wrong = Vec::new();
    for (source, (line, column), message) in cases {
        let found = mistakes(&source);
        if found.len() != 1
            || (found[0].0, found[0].1) != (line, column)
            || !found[0].2.contains(message)
        {
            wrong.push(format!(
                "expected «{message}» at {line}:{column}, got {found:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn weights_go_on_every_group_or_none() {
    let source = format!(
        "{HEAD}\n[[groups]]\ncode = \"a\"\nname = \"A\"\nname_en = \"A\"\nweight = 1\n\n[[groups]]\ncode = \"b\"\nname = \"B\"\nname_en = \"B\"\n\n[[indicators]]\ncode = \"I\"\ngroup = \"a\"\nname = \"I\"\nname_en = \"I\"\nmeasure = \"count\"\ntarget = \">= 1\"\n"
    );
    assert_eq!(
        mistakes(&source),
        [(
            13,
            1,
            "this group has no `weight`: when one group has a weight, every group needs one"
                .to_string()
        )]
    );
}
