//! Who may do what on which unit: the one place where access is decided. Every endpoint and page
//! asks [`permits`]; none decides on its own.

use std::fmt;
use std::str::FromStr;

use crate::Lang;

/// The roles of the programme. A user may hold several, each scoped to a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the installation: users, frameworks, settings; may do everything.
    Admin,
    /// A city or province steering committee (Ban chỉ đạo): reads everything under its unit,
    /// reviews submissions, approves exclusions, unlocks accepted data.
    Steering,
    /// The officer (công chức) who enters the figures of one commune-level unit.
    Officer,
    /// A member of an organisation (department, telecom operator) supporting the units under
    /// its unit: reads them.
    Member,
    /// A province appraiser (thẩm định): reads the units under its province.
    Appraiser,
    /// Reads the units under its unit.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Steering,
        Role::Officer,
        Role::Member,
        Role::Appraiser,
        Role::Viewer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Steering => "steering",
            Role::Officer => "officer",
            Role::Member => "member",
            Role::Appraiser => "appraiser",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::Admin => lang.pick("Quản trị", "Administrator"),
            Role::Steering => lang.pick("Ban chỉ đạo", "Steering committee"),
            Role::Officer => lang.pick("Cán bộ nhập liệu", "Officer"),
            Role::Member => lang.pick("Thành viên tổ chức", "Organisation member"),
            Role::Appraiser => lang.pick("Thẩm định", "Appraiser"),
            Role::Viewer => lang.pick("Người xem", "Viewer"),
        }
    }

    /// Whether a grant of this role must name a unit.
    pub fn needs_unit(self) -> bool {
        self != Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role «{s}»; roles: {}",
                    Role::ALL.map(Role::code).join(", ")
                )
            })
    }
}

/// A role held over a unit and everything under it (no unit for an administrator).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Grant {
    pub role: Role,
    pub unit_code: Option<String>,
}

/// What someone wants to do with a unit's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Statuses and summaries: what a public dashboard shows.
    ReadSummary,
    /// The figures themselves, their history, evidence, submissions and audit trail.
    ReadData,
    /// Enter figures and evidence, ask for exclusions, submit.
    EnterData,
    /// Accept or return submissions, decide on exclusions, unlock accepted data.
    Review,
    /// Manage users and settings.
    Administer,
    /// Hold progress meetings and record their conclusions, create and assign support tasks:
    /// the steering committee over the unit.
    Coordinate,
    /// Record a training for the units under a unit: the steering committee, or a member of an
    /// organisation supporting them (a department organises trainings).
    RecordTraining,
    /// Apply for recognition: the unit's own officer, or the steering committee above it.
    Apply,
    /// Appraise applications indicator by indicator, record recognition decisions and set the
    /// yearly quotas: the province's appraisers only (an administrator grants itself the role
    /// to do it, so that every decision is an appraiser's).
    Appraise,
}

/// Whether someone holding `grants` may do `action` on the unit whose ancestry (root first,
/// the unit itself last) is `lineage`. `public` says whether the dashboard is open to all.
pub fn permits(grants: &[Grant], action: Action, lineage: &[&str], public: bool) -> bool {
    if action == Action::ReadSummary && public {
        return true;
    }
    let unit = lineage.last().copied();
    grants.iter().any(|g| {
        let covers = g
            .unit_code
            .as_deref()
            .is_some_and(|scope| lineage.contains(&scope));
        let is_unit = g
            .unit_code
            .as_deref()
            .is_some_and(|scope| Some(scope) == unit);
        match (g.role, action) {
            (Role::Admin, Action::Appraise) => false,
            (Role::Admin, _) => true,
            (_, Action::Administer) => false,
            (Role::Steering, Action::Coordinate | Action::RecordTraining | Action::Apply) => covers,
            (Role::Member, Action::RecordTraining) => covers,
            (Role::Officer, Action::Apply) => is_unit,
            (Role::Appraiser, Action::Appraise) => covers,
            (Role::Steering, Action::ReadSummary | Action::ReadData | Action::Review) => covers,
            (Role::Officer, Action::ReadSummary | Action::ReadData | Action::EnterData) => is_unit,
            (
                Role::Member | Role::Appraiser | Role::Viewer,
                Action::ReadSummary | Action::ReadData,
            ) => covers,
            _ => false,
        }
    })
}

/// Who a support task is for, as [`may_update_task`] needs it.
#[derive(Clone, Copy, Debug)]
pub struct TaskParties<'a> {
    /// The organisation it is assigned to, if any.
    pub organisation: Option<i64>,
    /// The lineage of the unit it is assigned to, if any (root first).
    pub unit: Option<&'a [&'a str]>,
    /// The lineages of the units it serves.
    pub serves: &'a [&'a [&'a str]],
}

/// Whether someone may change a support task (its status, its progress notes): the steering
/// committee over a unit the task serves or is assigned to, a member of the organisation it is
/// assigned to (and of no other), the officer of the unit it is assigned to.
/// `organisations` are the ids of the organisations the person is a member of.
pub fn may_update_task(grants: &[Grant], organisations: &[i64], task: TaskParties<'_>) -> bool {
    if task
        .organisation
        .is_some_and(|org| organisations.contains(&org))
    {
        return true;
    }
    let coordinates = |lineage: &[&str]| permits(grants, Action::Coordinate, lineage, false);
    if task.serves.iter().any(|l| coordinates(l)) || task.unit.is_some_and(coordinates) {
        return true;
    }
    task.unit.is_some_and(|lineage| {
        grants
            .iter()
            .any(|g| g.role == Role::Officer && g.unit_code.as_deref() == lineage.last().copied())
    })
}

/// Where someone may read summaries, as a search can ask a database for it: everywhere, or
/// within the subtrees of some units and at some units alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadScope {
    Everywhere,
    Within {
        /// Units whose every descendant (and themselves) may be read.
        subtrees: Vec<String>,
        /// Units that may be read, but not what is under them.
        units: Vec<String>,
    },
}

/// The units whose summaries someone holding `grants` may read: exactly those [`permits`]
/// allows `Action::ReadSummary` on, written as a scope a query can filter by.
pub fn summary_scope(grants: &[Grant], public: bool) -> ReadScope {
    if public || grants.iter().any(|g| g.role == Role::Admin) {
        return ReadScope::Everywhere;
    }
    let (mut subtrees, mut units) = (Vec::new(), Vec::new());
    for g in grants {
        let Some(code) = &g.unit_code else { continue };
        match g.role {
            Role::Officer => units.push(code.clone()),
            Role::Steering | Role::Member | Role::Appraiser | Role::Viewer => {
                subtrees.push(code.clone())
            }
            Role::Admin => {}
        }
    }
    ReadScope::Within { subtrees, units }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, unit: &str) -> Grant {
        Grant {
            role,
            unit_code: Some(unit.into()),
        }
    }

    const BAC_SON: [&str; 4] = ["VN", "38", "382", "14833"];
    const QUANG_TIEN: [&str; 4] = ["VN", "38", "382", "14842"];
    const CITY: [&str; 3] = ["VN", "38", "382"];

    #[test]
    fn an_officer_works_on_its_own_unit_only() {
        let g = [grant(Role::Officer, "14833")];
        assert!(permits(&g, Action::EnterData, &BAC_SON, false));
        assert!(permits(&g, Action::ReadData, &BAC_SON, false));
        assert!(!permits(&g, Action::EnterData, &QUANG_TIEN, false));
        assert!(!permits(&g, Action::ReadData, &QUANG_TIEN, false));
        assert!(!permits(&g, Action::ReadSummary, &CITY, false));
        assert!(!permits(&g, Action::Review, &BAC_SON, false));
    }

    #[test]
    fn steering_reads_and_reviews_below_its_unit_but_enters_nothing() {
        let g = [grant(Role::Steering, "382")];
        for unit in [&BAC_SON[..], &QUANG_TIEN[..], &CITY[..]] {
            assert!(permits(&g, Action::Review, unit, false));
            assert!(permits(&g, Action::ReadData, unit, false));
            assert!(!permits(&g, Action::EnterData, unit, false));
        }
        assert!(
            !permits(&g, Action::ReadData, &["VN", "38"], false),
            "not above its unit"
        );
        assert!(!permits(&g, Action::Administer, &CITY, false));
    }

    #[test]
    fn readers_read_and_the_public_sees_summaries_only_when_open() {
        for role in [Role::Member, Role::Appraiser, Role::Viewer] {
            let g = [grant(role, "38")];
            assert!(permits(&g, Action::ReadData, &BAC_SON, false));
            assert!(!permits(&g, Action::EnterData, &BAC_SON, false));
            assert!(!permits(&g, Action::Review, &BAC_SON, false));
        }
        assert!(permits(&[], Action::ReadSummary, &BAC_SON, true));
        assert!(!permits(&[], Action::ReadSummary, &BAC_SON, false));
        assert!(!permits(&[], Action::ReadData, &BAC_SON, true));
        let admin = [Grant {
            role: Role::Admin,
            unit_code: None,
        }];
        assert!(permits(&admin, Action::Administer, &[], false));
        assert!(permits(&admin, Action::EnterData, &BAC_SON, false));
    }

    #[test]
    fn only_the_province_appraisers_appraise() {
        let appraiser = [grant(Role::Appraiser, "38")];
        assert!(permits(&appraiser, Action::Appraise, &BAC_SON, false));
        assert!(!permits(
            &appraiser,
            Action::Appraise,
            &["VN", "40", "401", "16000"],
            false
        ));
        assert!(!permits(&appraiser, Action::Apply, &BAC_SON, false));
        for other in [Role::Steering, Role::Officer, Role::Member, Role::Viewer] {
            let g = [grant(other, "38")];
            assert!(!permits(&g, Action::Appraise, &BAC_SON, false), "{other:?}");
        }
        let admin = [Grant {
            role: Role::Admin,
            unit_code: None,
        }];
        assert!(!permits(&admin, Action::Appraise, &BAC_SON, false));
        assert!(permits(&admin, Action::Coordinate, &BAC_SON, false));
    }

    #[test]
    fn a_unit_applies_itself_or_through_its_city() {
        assert!(permits(
            &[grant(Role::Officer, "14833")],
            Action::Apply,
            &BAC_SON,
            false
        ));
        assert!(!permits(
            &[grant(Role::Officer, "14842")],
            Action::Apply,
            &BAC_SON,
            false
        ));
        assert!(permits(
            &[grant(Role::Steering, "382")],
            Action::Apply,
            &BAC_SON,
            false
        ));
        assert!(!permits(
            &[grant(Role::Member, "382")],
            Action::Apply,
            &BAC_SON,
            false
        ));
    }

    #[test]
    fn coordination_is_the_steering_committees_and_trainings_also_the_members() {
        let steering = [grant(Role::Steering, "382")];
        let member = [grant(Role::Member, "382")];
        let officer = [grant(Role::Officer, "14833")];
        assert!(permits(&steering, Action::Coordinate, &CITY, false));
        assert!(permits(&steering, Action::RecordTraining, &BAC_SON, false));
        assert!(!permits(&member, Action::Coordinate, &CITY, false));
        assert!(permits(&member, Action::RecordTraining, &BAC_SON, false));
        assert!(!permits(&officer, Action::Coordinate, &BAC_SON, false));
        assert!(!permits(&officer, Action::RecordTraining, &BAC_SON, false));
    }

    #[test]
    fn members_update_only_their_organisations_tasks() {
        let serves: [&[&str]; 1] = [&BAC_SON];
        let task = TaskParties {
            organisation: Some(7),
            unit: None,
            serves: &serves,
        };
        let member = [grant(Role::Member, "382")];
        assert!(may_update_task(&member, &[7], task));
        assert!(
            !may_update_task(&member, &[8], task),
            "another organisation"
        );
        assert!(!may_update_task(&member, &[], task));
        assert!(may_update_task(&[grant(Role::Steering, "382")], &[], task));
        assert!(!may_update_task(&[grant(Role::Steering, "383")], &[], task));
        assert!(!may_update_task(
            &[grant(Role::Officer, "14833")],
            &[],
            task
        ));
        let for_ward = TaskParties {
            organisation: None,
            unit: Some(&BAC_SON),
            serves: &serves,
        };
        assert!(may_update_task(
            &[grant(Role::Officer, "14833")],
            &[],
            for_ward
        ));
        assert!(!may_update_task(
            &[grant(Role::Officer, "14842")],
            &[],
            for_ward
        ));
    }

    #[test]
    fn the_summary_scope_is_what_permits_allows() {
        let lineages: [&[&str]; 5] = [
            &["VN"],
            &["VN", "38"],
            &["VN", "38", "382"],
            &BAC_SON,
            &QUANG_TIEN,
        ];
        let within = |scope: &ReadScope, lineage: &[&str]| match scope {
            ReadScope::Everywhere => true,
            ReadScope::Within { subtrees, units } => {
                lineage.iter().any(|c| subtrees.iter().any(|s| s == c))
                    || units.iter().any(|u| lineage.last() == Some(&u.as_str()))
            }
        };
        let grant_sets: Vec<Vec<Grant>> = vec![
            vec![],
            vec![grant(Role::Officer, "14833")],
            vec![grant(Role::Officer, "382")],
            vec![grant(Role::Steering, "382")],
            vec![grant(Role::Viewer, "38"), grant(Role::Officer, "14842")],
            vec![Grant {
                role: Role::Admin,
                unit_code: None,
            }],
        ];
        for grants in &grant_sets {
            for public in [false, true] {
                let scope = summary_scope(grants, public);
                for lineage in lineages {
                    assert_eq!(
                        within(&scope, lineage),
                        permits(grants, Action::ReadSummary, lineage, public),
                        "{grants:?} public={public} on {lineage:?}"
                    );
                }
            }
        }
    }
}
