//! The demo tells the story of 31/10/2022 through the domain's status rules: these tests compute
//! every status from the figures, as the product does, and hold them to what the meeting heard.

use std::collections::{BTreeMap, BTreeSet};

use tiendo_demo::{
    BAC_SON_CODE, CITY_CODE, DemoFigure, MEETING_DAY, OCOP_INDICATOR, QUANG_TIEN_CODE, exclusions,
    figures, framework, meeting_day, units,
};
use tiendo_domain::{
    Assessment, Counts, Date, Framework, Measure, Observation, Reason, Rules, Status, Unit,
    UnitKind,
};

fn day(iso: &str) -> Date {
    iso.parse().unwrap()
}

/// The demo's data, loaded once per test.
struct Demo {
    framework: Framework,
    units: Vec<Unit>,
    /// Figures by (unit, indicator), in date order.
    histories: BTreeMap<(String, String), Vec<Observation>>,
    /// Exclusion reasons by (unit, indicator).
    excluded: BTreeMap<(String, String), String>,
}

impl Demo {
    fn load() -> Demo {
        let mut histories: BTreeMap<(String, String), Vec<Observation>> = BTreeMap::new();
        // The figures entered, and the one the November training writes when recorded.
        for f in figures()
            .into_iter()
            .chain([tiendo_demo::story::training_figure()])
        {
            histories
                .entry((f.unit_code, f.indicator_code))
                .or_default()
                .push(f.observation);
        }
        let excluded = exclusions()
            .into_iter()
            .map(|e| ((e.unit_code, e.indicator_code), e.reason))
            .collect();
        Demo {
            framework: framework(),
            units: units(),
            histories,
            excluded,
        }
    }

    fn unit(&self, code: &str) -> &Unit {
        self.units.iter().find(|u| u.code == code).unwrap()
    }

    fn communes(&self) -> impl Iterator<Item = &Unit> {
        self.units
            .iter()
            .filter(|u| u.parent_code.as_deref() == Some(CITY_CODE))
    }

    /// Every indicator's assessment for a unit on a date, by indicator code, through
    /// `Rules::assess` exactly as storage and the web will call it.
    fn assess(&self, unit_code: &str, as_of: Date) -> BTreeMap<String, Assessment> {
        let unit = self.unit(unit_code);
        self.framework
            .indicators
            .iter()
            .map(|indicator| {
                let key = (unit_code.to_string(), indicator.code.clone());
                let exclusion = self.excluded.get(&key).map(String::as_str);
                let applicability = indicator.applicability(unit.kind, exclusion);
                let rules = Rules {
                    indicator,
                    applicability: &applicability,
                    period_start: self.framework.period_start,
                };
                let history = self.histories.get(&key).map_or(&[][..], Vec::as_slice);
                (indicator.code.clone(), rules.assess(history, as_of))
            })
            .collect()
    }

    fn counts(&self, unit_code: &str, as_of: Date) -> Counts {
        self.assess(unit_code, as_of)
            .values()
            .map(|a| a.status)
            .collect()
    }

    fn codes_with(&self, unit_code: &str, as_of: Date, status: Status) -> Vec<String> {
        self.assess(unit_code, as_of)
            .into_iter()
            .filter(|(_, a)| a.status == status)
            .map(|(code, _)| code)
            .collect()
    }

    fn group_of(&self, indicator: &str) -> &str {
        &self.framework.indicator(indicator).unwrap().group
    }
}

fn counts(
    applicable: u32,
    achieved: u32,
    in_progress: u32,
    not_achieved: u32,
    not_applicable: u32,
) -> Counts {
    Counts {
        applicable,
        achieved,
        in_progress,
        not_achieved,
        no_data: 0,
        not_applicable,
    }
}

#[test]
fn the_meeting_day_is_31_october_2022() {
    assert_eq!(meeting_day(), day("2022-10-31"));
    assert_eq!(meeting_day().to_string(), MEETING_DAY);
}

#[test]
fn bac_son_on_the_meeting_day_26_of_31_achieved_4_in_progress_1_not_achieved() {
    let demo = Demo::load();
    let as_of = meeting_day();
    assert_eq!(demo.counts(BAC_SON_CODE, as_of), counts(31, 26, 4, 1, 0));

    assert_eq!(
        demo.codes_with(BAC_SON_CODE, as_of, Status::InProgress),
        ["CQ-08", "HT-03", "KT-01", "NL-01"]
    );
    let not_achieved = demo.codes_with(BAC_SON_CODE, as_of, Status::NotAchieved);
    assert_eq!(not_achieved, ["CQ-05"]);
    assert_eq!(
        demo.group_of(&not_achieved[0]),
        "chinh-quyen",
        "in digital government"
    );

    // Dossiers submitted online: 58% against 80%, and the pace since Q2 falls short.
    let assessments = demo.assess(BAC_SON_CODE, as_of);
    let reason = &assessments["CQ-05"].reason;
    assert!(matches!(reason, Reason::OffPace { .. }), "{reason:?}");
    // The figures the reason quotes (its wording belongs to the domain crate).
    let text = reason.text(tiendo_domain::Lang::Vi);
    for part in [
        "58,1% (193/332)",
        "≥ 80%",
        "30/06/2022",
        "61,6%",
        "31/12/2022",
    ] {
        assert!(text.contains(part), "«{part}» in «{text}»");
    }
    // The online meeting room is in progress because of a dated plan, not a trend.
    assert!(matches!(
        assessments["CQ-08"].reason,
        Reason::Planned { .. }
    ));
    for code in ["HT-03", "KT-01", "NL-01"] {
        assert!(
            matches!(assessments[code].reason, Reason::OnPace { .. }),
            "{code}: {:?}",
            assessments[code].reason
        );
    }
}

#[test]
fn quang_tien_on_the_meeting_day_27_of_30_achieved_2_in_progress_1_not_achieved() {
    let demo = Demo::load();
    let as_of = meeting_day();
    assert_eq!(demo.counts(QUANG_TIEN_CODE, as_of), counts(30, 27, 2, 1, 1));

    assert_eq!(
        demo.codes_with(QUANG_TIEN_CODE, as_of, Status::NotApplicable),
        [OCOP_INDICATOR]
    );
    let assessments = demo.assess(QUANG_TIEN_CODE, as_of);
    assert!(matches!(
        &assessments[OCOP_INDICATOR].reason,
        Reason::Excluded(why) if why.contains("OCOP")
    ));
    assert_eq!(
        demo.codes_with(QUANG_TIEN_CODE, as_of, Status::InProgress),
        ["NT-02", "XH-03"]
    );
    assert_eq!(
        demo.codes_with(QUANG_TIEN_CODE, as_of, Status::NotAchieved),
        ["XH-02"]
    );
    // Three committee meetings of four, the pace of one a quarter reaching four by 31/12.
    assert!(matches!(assessments["NT-02"].reason, Reason::OnPace { .. }));
    assert!(matches!(
        assessments["XH-02"].reason,
        Reason::OffPace { .. }
    ));
}

#[test]
fn by_the_end_of_2022_both_wards_meet_every_applicable_target() {
    let demo = Demo::load();
    let year_end = day("2022-12-31");
    assert_eq!(demo.counts(BAC_SON_CODE, year_end), counts(31, 31, 0, 0, 0));
    assert_eq!(
        demo.counts(QUANG_TIEN_CODE, year_end),
        counts(30, 30, 0, 0, 1)
    );
    // ...and not before: the last gaps close in the weeks after the meeting.
    assert!(demo.counts(BAC_SON_CODE, day("2022-11-29")).achieved < 31);
    assert!(demo.counts(QUANG_TIEN_CODE, day("2022-11-29")).achieved < 30);
}

#[test]
fn the_timeline_agrees_with_assess_on_the_meeting_day() {
    // Storage caches `Rules::timeline`; the demo must read the same through it.
    let demo = Demo::load();
    for unit in demo.communes() {
        let direct = demo.assess(&unit.code, meeting_day());
        for indicator in &demo.framework.indicators {
            let key = (unit.code.clone(), indicator.code.clone());
            let exclusion = demo.excluded.get(&key).map(String::as_str);
            let applicability = indicator.applicability(unit.kind, exclusion);
            let rules = Rules {
                indicator,
                applicability: &applicability,
                period_start: demo.framework.period_start,
            };
            let history = demo.histories.get(&key).map_or(&[][..], Vec::as_slice);
            let span = rules
                .timeline(history)
                .into_iter()
                .find(|s| s.from <= meeting_day() && meeting_day() < s.until)
                .unwrap();
            assert_eq!(span.assessment, direct[&indicator.code], "{key:?}");
        }
    }
}

#[test]
fn the_framework_parses_with_31_indicators_in_8_groups() {
    let framework = framework();
    assert_eq!(framework.code, "cds-xa-phuong-2022");
    assert_eq!(framework.version, 1);
    assert!(framework.name.contains("minh họa"), "{}", framework.name);
    assert_eq!(
        (framework.period_start, framework.period_end),
        (day("2022-01-01"), day("2022-12-31"))
    );
    let groups: Vec<&str> = framework.groups.iter().map(|g| g.code.as_str()).collect();
    assert_eq!(
        groups,
        [
            "nhan-thuc",
            "the-che",
            "ha-tang",
            "nhan-luc",
            "an-toan",
            "chinh-quyen",
            "kinh-te",
            "xa-hoi"
        ]
    );
    let sizes: Vec<usize> = groups
        .iter()
        .map(|g| {
            framework
                .indicators
                .iter()
                .filter(|i| i.group == *g)
                .count()
        })
        .collect();
    assert_eq!(sizes, [4, 1, 7, 2, 1, 8, 4, 4]);
    assert_eq!(framework.indicators.len(), 31);
    for indicator in &framework.indicators {
        assert_eq!(
            indicator.applies_to,
            [UnitKind::Phuong, UnitKind::Xa, UnitKind::ThiTran],
            "{}",
            indicator.code
        );
        assert!(
            !indicator.evidence.is_empty(),
            "{} lists its evidence",
            indicator.code
        );
        assert_eq!(
            indicator.count_unit.is_some(),
            indicator.measure == Measure::Count,
            "{}",
            indicator.code
        );
    }
    assert_eq!(
        framework.indicator("NT-02").unwrap().count_unit.as_deref(),
        Some("cuộc họp")
    );
}

#[test]
fn units_are_the_real_sam_son_units_parents_first() {
    let units = units();
    let mut seen = BTreeSet::new();
    for unit in &units {
        if let Some(parent) = &unit.parent_code {
            assert!(
                seen.contains(parent),
                "{} comes after its parent {parent}",
                unit.code
            );
        } else {
            assert_eq!((unit.code.as_str(), unit.kind), ("VN", UnitKind::Nation));
        }
        assert!(
            seen.insert(unit.code.clone()),
            "{} is listed twice",
            unit.code
        );
    }
    let expected = [
        ("VN", "Việt Nam", UnitKind::Nation, None),
        ("38", "Tỉnh Thanh Hóa", UnitKind::Tinh, Some("VN")),
        ("382", "Thành phố Sầm Sơn", UnitKind::ThanhPho, Some("38")),
        ("14830", "Phường Trung Sơn", UnitKind::Phuong, Some("382")),
        ("14833", "Phường Bắc Sơn", UnitKind::Phuong, Some("382")),
        ("14836", "Phường Trường Sơn", UnitKind::Phuong, Some("382")),
        ("14839", "Phường Quảng Cư", UnitKind::Phuong, Some("382")),
        ("14842", "Phường Quảng Tiến", UnitKind::Phuong, Some("382")),
        ("16513", "Xã Quảng Minh", UnitKind::Xa, Some("382")),
        ("16516", "Xã Quảng Hùng", UnitKind::Xa, Some("382")),
        ("16528", "Phường Quảng Thọ", UnitKind::Phuong, Some("382")),
        ("16531", "Phường Quảng Châu", UnitKind::Phuong, Some("382")),
        ("16534", "Phường Quảng Vinh", UnitKind::Phuong, Some("382")),
        ("16537", "Xã Quảng Đại", UnitKind::Xa, Some("382")),
    ];
    let actual: Vec<_> = units
        .iter()
        .map(|u| {
            (
                u.code.as_str(),
                u.name.as_str(),
                u.kind,
                u.parent_code.as_deref(),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    // The city and its wards and communes existed on the meeting day and ended with the 2025
    // reform; the province and the nation go on.
    let reform = day("2025-07-01");
    for unit in &units {
        assert!(unit.exists_on(meeting_day()), "{}", unit.code);
        let ends = unit.kind.tier() >= tiendo_domain::Tier::District;
        assert_eq!(unit.valid_until, ends.then_some(reform), "{}", unit.code);
    }
}

#[test]
fn every_figure_fits_its_indicator_and_the_year() {
    let framework = framework();
    let units = units();
    let figures = figures();
    assert!(figures.len() > 1_000, "{} figures", figures.len());
    for DemoFigure {
        unit_code,
        indicator_code,
        observation,
    } in &figures
    {
        let indicator = framework.indicator(indicator_code).unwrap();
        let unit = units.iter().find(|u| &u.code == unit_code).unwrap();
        assert_eq!(unit.kind.tier(), tiendo_domain::Tier::Commune);
        if let Err(e) = observation.figure.check(indicator.measure) {
            panic!("{unit_code} {indicator_code} {observation:?}: {e}");
        }
        let on = observation.observed_on;
        assert!(
            day("2022-01-15") <= on && on <= day("2022-12-20"),
            "{unit_code} {indicator_code} dated {on}"
        );
        if observation.planned_by.is_some() {
            assert_eq!(
                observation.figure,
                tiendo_domain::Figure::YesNo(false),
                "only an unmet yes/no carries a plan: {unit_code} {indicator_code}"
            );
        }
    }
}

#[test]
fn every_ward_and_commune_reports_every_indicator_it_is_not_excused_from() {
    let demo = Demo::load();
    assert_eq!(demo.communes().count(), 11);
    for unit in demo.communes() {
        for indicator in &demo.framework.indicators {
            let key = (unit.code.clone(), indicator.code.clone());
            let reported = demo.histories.contains_key(&key);
            let excused = demo.excluded.contains_key(&key);
            assert!(
                reported != excused,
                "{key:?}: reported {reported}, excused {excused}"
            );
        }
    }
    assert_eq!(
        demo.histories.len(),
        11 * demo.framework.indicators.len() - exclusions().len()
    );
    // Figures for the wards and communes only, and after the meeting day too, so that replaying
    // the year shows change.
    assert!(
        demo.histories
            .keys()
            .all(|(unit, _)| demo.unit(unit).parent_code.as_deref() == Some(CITY_CODE))
    );
    assert!(
        figures()
            .iter()
            .any(|f| f.observation.observed_on > meeting_day())
    );
}

#[test]
fn figures_are_sorted_and_the_same_on_every_call() {
    let first = figures();
    assert_eq!(first, figures());
    assert!(first.is_sorted_by_key(|f| (
        f.unit_code.clone(),
        f.indicator_code.clone(),
        f.observation.observed_on
    )));
    assert_eq!(exclusions(), exclusions());
    assert_eq!(units(), units());
}

#[test]
fn the_other_nine_units_stand_in_varied_places_behind_the_two_wards() {
    let demo = Demo::load();
    let others: Vec<(&str, Counts)> = demo
        .communes()
        .filter(|u| u.code != BAC_SON_CODE && u.code != QUANG_TIEN_CODE)
        .map(|u| (u.code.as_str(), demo.counts(&u.code, meeting_day())))
        .collect();
    assert_eq!(others.len(), 9);
    for (code, c) in &others {
        assert_eq!(c.applicable, 31, "{code}");
        assert!(c.achieved < 26, "{code} should trail Bắc Sơn: {c:?}");
        assert!(c.achieved > 0, "{code}: {c:?}");
    }
    let achieved: BTreeSet<u32> = others.iter().map(|(_, c)| c.achieved).collect();
    assert!(achieved.len() >= 5, "standings vary: {others:?}");
    assert!(
        others.iter().any(|(_, c)| c.no_data > 0),
        "some report late: {others:?}"
    );
    assert!(others.iter().any(|(_, c)| c.in_progress > 0));
    assert!(others.iter().any(|(_, c)| c.not_achieved >= 5));
    assert!(
        others
            .iter()
            .all(|(_, c)| c.achieved + c.in_progress + c.not_achieved + c.no_data == 31)
    );
}
