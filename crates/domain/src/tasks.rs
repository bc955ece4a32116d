//! Support tasks: their statuses, when one is overdue, and the one-click proposal of a task
//! for an indicator a unit has not met yet. Pure: the caller gives the date.

use std::fmt;
use std::str::FromStr;

use crate::{Date, Indicator, Lang, Status};

/// Where a support task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    Open,
    InProgress,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::Open,
        TaskStatus::InProgress,
        TaskStatus::Done,
        TaskStatus::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            TaskStatus::Open => lang.pick("Mới giao", "Open"),
            TaskStatus::InProgress => lang.pick("Đang thực hiện", "In progress"),
            TaskStatus::Done => lang.pick("Đã xong", "Done"),
            TaskStatus::Cancelled => lang.pick("Đã hủy", "Cancelled"),
        }
    }

    /// Still to be done: open or in progress.
    pub fn is_active(self) -> bool {
        matches!(self, TaskStatus::Open | TaskStatus::InProgress)
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for TaskStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TaskStatus::ALL
            .into_iter()
            .find(|t| t.code() == s)
            .ok_or_else(|| {
                format!("unknown task status «{s}»; statuses: open, in_progress, done, cancelled")
            })
    }
}

/// Whether a task due on `due_on` with `status` is overdue on `today`: still to be done and
/// due before today.
pub fn is_overdue(status: TaskStatus, due_on: Date, today: Date) -> bool {
    status.is_active() && due_on < today
}

/// An organisation as a proposal needs it: its id, its names and the groups it supports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Supporter {
    pub id: i64,
    pub name: String,
    pub name_en: String,
    pub supports: Vec<String>,
}

/// Who a proposed task goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposedAssignee {
    /// The first organisation (in the order given) supporting the indicator's group.
    Organisation(i64),
    /// No organisation supports the group: the unit itself.
    Unit,
}

/// A support task tiendo proposes for one indicator of a unit, ready to be created in one click.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub indicator: String,
    pub title: String,
    pub title_en: String,
    pub description: String,
    pub description_en: String,
    pub assignee: ProposedAssignee,
    pub due_on: Date,
}

/// How many days a proposed task gets when the indicator's deadline has passed.
pub const DEFAULT_TASK_DAYS: i64 = 30;

/// The task proposed for `indicator` of the unit named `unit_name`, whose status on `as_of` is
/// `status`, or `None` when it needs none (achieved, not applicable, no figure yet, or a task
/// still open for it: `has_open_task`). It goes to the first of `organisations` whose
/// `supports` lists the indicator's group (one task, not one per organisation; the others can
/// be added by hand), else to the unit itself; it is due on the indicator's deadline if that is
/// still ahead, else [`DEFAULT_TASK_DAYS`] after `as_of`.
pub fn propose(
    unit_name: &str,
    indicator: &Indicator,
    status: Status,
    has_open_task: bool,
    organisations: &[Supporter],
    as_of: Date,
) -> Option<Proposal> {
    if has_open_task || !matches!(status, Status::NotAchieved | Status::InProgress) {
        return None;
    }
    let supporter = organisations
        .iter()
        .find(|o| o.supports.contains(&indicator.group));
    let due_on = if indicator.deadline > as_of {
        indicator.deadline
    } else {
        as_of.add_days(DEFAULT_TASK_DAYS)
    };
    let (state_vi, state_en) = match status {
        Status::NotAchieved => ("chưa đạt", "not achieved"),
        _ => ("đang thực hiện", "in progress"),
    };
    Some(Proposal {
        indicator: indicator.code.clone(),
        title: format!(
            "Hỗ trợ {unit_name} hoàn thành chỉ tiêu {} {}",
            indicator.code, indicator.name
        ),
        title_en: format!(
            "Help {unit_name} meet indicator {} {}",
            indicator.code, indicator.name_en
        ),
        description: format!(
            "Ngày {}, chỉ tiêu {} của {unit_name} {state_vi}; hạn hoàn thành {}.",
            as_of.dmy(),
            indicator.code,
            indicator.deadline.dmy()
        ),
        description_en: format!(
            "On {}, indicator {} of {unit_name} is {state_en}; its deadline is {}.",
            as_of.dmy(),
            indicator.code,
            indicator.deadline.dmy()
        ),
        assignee: match supporter {
            Some(o) => ProposedAssignee::Organisation(o.id),
            None => ProposedAssignee::Unit,
        },
        due_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Measure, Target, UnitKind};

    fn indicator(group: &str, deadline: &str) -> Indicator {
        Indicator {
            code: "HT-03".into(),
            group: group.into(),
            name: "Tỷ lệ hộ gia đình có cáp quang".into(),
            name_en: "Households with fibre".into(),
            measure: Measure::YesNo,
            target: Target::Answer(true),
            deadline: deadline.parse().unwrap(),
            applies_to: vec![UnitKind::Phuong],
            mandatory: true,
            points: None,
            scoring: crate::framework::Scoring::default(),
            evidence: vec![],
            evidence_en: vec![],
            count_unit: None,
            count_unit_en: None,
        }
    }

    fn supporter(id: i64, groups: &[&str]) -> Supporter {
        Supporter {
            id,
            name: format!("Tổ chức {id}"),
            name_en: format!("Organisation {id}"),
            supports: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn proposals_go_to_the_first_supporter_of_the_group_else_the_unit() {
        let as_of: Date = "2022-10-31".parse().unwrap();
        let orgs = [
            supporter(1, &["nhan-thuc"]),
            supporter(2, &["ha-tang"]),
            supporter(3, &["ha-tang"]),
        ];
        let p = propose(
            "Phường Bắc Sơn",
            &indicator("ha-tang", "2022-12-31"),
            Status::NotAchieved,
            false,
            &orgs,
            as_of,
        )
        .unwrap();
        assert_eq!(p.assignee, ProposedAssignee::Organisation(2));
        assert_eq!(
            p.due_on.to_string(),
            "2022-12-31",
            "the deadline is still ahead"
        );
        assert_eq!(
            p.title,
            "Hỗ trợ Phường Bắc Sơn hoàn thành chỉ tiêu HT-03 Tỷ lệ hộ gia đình có cáp quang"
        );
        let p = propose(
            "Phường Bắc Sơn",
            &indicator("kinh-te", "2022-06-30"),
            Status::InProgress,
            false,
            &orgs,
            as_of,
        )
        .unwrap();
        assert_eq!(p.assignee, ProposedAssignee::Unit);
        assert_eq!(
            p.due_on.to_string(),
            "2022-11-30",
            "30 days after a passed deadline"
        );
        for status in [Status::Achieved, Status::NoData, Status::NotApplicable] {
            assert!(
                propose(
                    "P",
                    &indicator("ha-tang", "2022-12-31"),
                    status,
                    false,
                    &orgs,
                    as_of
                )
                .is_none()
            );
        }
        assert!(
            propose(
                "P",
                &indicator("ha-tang", "2022-12-31"),
                Status::NotAchieved,
                true,
                &orgs,
                as_of
            )
            .is_none()
        );
    }

    #[test]
    fn overdue_means_still_to_do_and_past_due() {
        let due: Date = "2022-11-30".parse().unwrap();
        assert!(!is_overdue(TaskStatus::Open, due, due));
        assert!(is_overdue(TaskStatus::InProgress, due, due.next_day()));
        assert!(!is_overdue(TaskStatus::Done, due, due.next_day()));
        assert!(!is_overdue(TaskStatus::Cancelled, due, due.next_day()));
        for s in TaskStatus::ALL {
            assert_eq!(s.code().parse::<TaskStatus>(), Ok(s));
        }
        assert!("late".parse::<TaskStatus>().is_err());
    }
}
