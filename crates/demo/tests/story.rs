//! The story after the figures names only what the demo holds: real units, the framework's
//! indicators and groups, the demo's accounts, and conclusions the meeting recorded.

use std::collections::BTreeSet;

use tiendo_demo::story::{Assignee, MEETING, ORGANISATIONS, QUOTAS, RECOGNITIONS, TASKS, TRAINING};
use tiendo_demo::{BAC_SON_CODE, framework, units};

const ACCOUNTS: [&str; 8] = [
    "admin",
    "samson",
    "bacson",
    "quangtien",
    "vhtt",
    "vinaphone",
    "viettel",
    "tinh",
];

#[test]
fn the_meeting_records_the_sources_five_conclusions_for_the_two_wards() {
    assert_eq!(MEETING.held_on, tiendo_demo::MEETING_DAY);
    assert_eq!(MEETING.conclusions.len(), 5);
    assert_eq!(
        MEETING.units,
        [tiendo_demo::BAC_SON_CODE, tiendo_demo::QUANG_TIEN_CODE]
    );
    assert!(MEETING.chair.contains("Bùi Quốc Đạt"));
    assert!(MEETING.conclusions[2].contains("Văn hóa - Thông tin"));
    assert!(
        MEETING.conclusions[3].contains("VinaPhone") && MEETING.conclusions[3].contains("Viettel")
    );
}

#[test]
fn every_task_names_a_conclusion_units_indicators_and_an_assignee_that_exist() {
    let framework = framework();
    let unit_codes: BTreeSet<String> = units().into_iter().map(|u| u.code).collect();
    let organisations: BTreeSet<&str> = ORGANISATIONS.iter().map(|o| o.code).collect();
    for task in &TASKS {
        assert!(
            (1..=MEETING.conclusions.len()).contains(&task.conclusion),
            "{}",
            task.title
        );
        assert!(!task.units.is_empty(), "{}", task.title);
        for unit in task.units {
            assert!(unit_codes.contains(*unit), "{unit}");
        }
        for code in task.indicators {
            assert!(framework.indicator(code).is_some(), "{code}");
        }
        match task.assignee {
            Assignee::Organisation(code) => assert!(organisations.contains(code), "{code}"),
            Assignee::Unit(code) => assert!(unit_codes.contains(code), "{code}"),
        }
        for note in task.notes {
            assert!(ACCOUNTS.contains(&note.by), "{}", note.by);
            assert!(["open", "in_progress", "done", "cancelled"].contains(&note.status));
        }
    }
    // Every conclusion became at least one task.
    let served: BTreeSet<usize> = TASKS.iter().map(|t| t.conclusion).collect();
    assert_eq!(served, (1..=5).collect());
}

#[test]
fn organisations_support_groups_of_the_framework_and_their_members_are_demo_accounts() {
    let framework = framework();
    for org in &ORGANISATIONS {
        for group in org.supports {
            assert!(framework.group(group).is_some(), "{group}");
        }
        for member in org.members {
            assert!(ACCOUNTS.contains(member), "{member}");
        }
    }
}

#[test]
fn the_training_completes_bac_sons_officials_trained() {
    let framework = framework();
    let indicator = framework.indicator(TRAINING.indicator).expect("NL-01");
    assert_eq!(indicator.group, "nhan-luc");
    assert_eq!(TRAINING.conclusion, 3);
    // Bắc Sơn's latest figure before the training: 17 of its 22 officials.
    let before = tiendo_demo::figures()
        .into_iter()
        .filter(|f| f.unit_code == BAC_SON_CODE && f.indicator_code == TRAINING.indicator)
        .rfind(|f| f.observation.observed_on < TRAINING.held_on.parse().unwrap())
        .expect("a figure before the training");
    let tiendo_domain::Figure::Ratio {
        numerator,
        denominator,
    } = before.observation.figure
    else {
        panic!("NL-01 is a ratio")
    };
    let trained = TRAINING
        .attendees
        .iter()
        .filter(|a| a.unit == BAC_SON_CODE)
        .count() as i64;
    assert_eq!((numerator, denominator), (17, 22));
    assert_eq!(numerator + trained, denominator);
}

#[test]
fn both_wards_apply_after_the_year_and_the_province_sets_four_quotas() {
    for r in &RECOGNITIONS {
        assert!(r.applied_on > "2022-12-31" && r.applied_on < r.appraised_on);
        assert!(r.appraised_on <= r.decided_on);
        assert!(ACCOUNTS.contains(&r.applied_by));
    }
    assert_eq!(QUOTAS.map(|q| q.1), [94, 132, 133, 118]);
}
