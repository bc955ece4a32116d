//! Submission and review per unit and reporting period: draft → submitted → accepted, or
//! submitted → returned (with a reason on each indicator that needs work) → submitted again.
//! Accepted figures are locked; a reviewer may unlock one indicator, with a reason.

use std::collections::{BTreeMap, HashMap};

use tiendo_domain::{Date, Framework, Lang};

use crate::accounts::{audit, utc_in};
use crate::conn::Conn;
use crate::derive::{OBSERVATION_COLUMNS, ObservationRow};
use crate::units::parse_date;
use crate::{Actor, FrameworkRef, Result, StorageError, Store};

/// A reporting period of a framework, with the deadline for submissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub deadline: Date,
}

/// What changed for one indicator between two submissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub indicator_code: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A unit's submission for a period (a draft when nothing was ever submitted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    pub id: Option<i64>,
    pub unit_code: String,
    pub period: Period,
    /// `draft`, `submitted`, `returned` or `accepted`.
    pub state: String,
    pub submitted_on: Option<Date>,
    pub submitted_by: Option<String>,
    /// Submitted after the period's deadline.
    pub late: bool,
    pub decided_by: Option<String>,
    /// Indicator code → why it was returned.
    pub returns: BTreeMap<String, String>,
    /// Indicator code → why it was unlocked after acceptance.
    pub unlocked: BTreeMap<String, String>,
    /// What changed since the previous submission (for the reviewer).
    pub changes: Vec<Change>,
}

#[derive(sqlx::FromRow)]
struct PeriodRow {
    id: i64,
    code: String,
    name: String,
    starts_on: String,
    ends_on: String,
    deadline: String,
}

impl PeriodRow {
    fn into_period(self) -> Result<Period> {
        Ok(Period {
            starts_on: parse_date(&self.starts_on, "starts_on")?,
            ends_on: parse_date(&self.ends_on, "ends_on")?,
            deadline: parse_date(&self.deadline, "deadline")?,
            id: self.id,
            code: self.code,
            name: self.name,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    id: i64,
    state: String,
    submitted_on: Option<String>,
    submitted_by: Option<String>,
    late: bool,
    decided_by: Option<String>,
    snapshot: Option<String>,
    previous_snapshot: Option<String>,
}

type Snapshot = BTreeMap<String, String>;

fn read_snapshot(text: Option<&str>) -> Snapshot {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// The figure in force at the end of the period for each indicator, as people read it.
async fn snapshot(
    conn: &mut Conn<'_>,
    framework: &FrameworkRef,
    rules: &Framework,
    unit_id: i64,
    period: &Period,
) -> Result<Snapshot> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        row: ObservationRow,
        code: String,
    }
    let rows = sql!(&mut *conn, fetch_all Row,
        &format!("SELECT {OBSERVATION_COLUMNS}, i.code FROM observations o JOIN indicators i ON i.id = o.indicator_id
                  WHERE o.unit_id = $1 AND i.framework_id = $2 AND o.observed_on >= $3 AND o.observed_on <= $4
                  ORDER BY i.code, o.observed_on, o.id"),
        unit_id, framework.id, period.starts_on.to_string(), period.ends_on.to_string())?;
    let mut out = Snapshot::new();
    for r in rows {
        let Some(indicator) = rules.indicator(&r.code) else {
            continue;
        };
        let o = r.row.to_observation()?;
        out.insert(
            r.code,
            format!(
                "{} ({})",
                o.figure.describe(
                    indicator.measure,
                    indicator.count_unit_in(Lang::Vi),
                    Lang::Vi
                ),
                o.observed_on.dmy()
            ),
        );
    }
    Ok(out)
}

/// Refuses writes to figures that a submission holds: while it waits for review (the reviewer
/// must see what was submitted) and once accepted, unless the indicator was unlocked.
/// `writes` holds (unit id, indicator code, date of the figure).
pub(crate) async fn check_unlocked(
    conn: &mut Conn<'_>,
    framework_id: i64,
    writes: &[(i64, &str, Date)],
) -> Result<()> {
    match lock_reasons(conn, framework_id, writes)
        .await?
        .into_iter()
        .flatten()
        .next()
    {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

/// For each write (unit id, indicator code, date), why a submission's lock refuses it, if it
/// does. Two queries, plus one per accepted submission for its unlocks.
async fn lock_reasons(
    conn: &mut Conn<'_>,
    framework_id: i64,
    writes: &[(i64, &str, Date)],
) -> Result<Vec<Option<StorageError>>> {
    #[derive(sqlx::FromRow)]
    struct Lock {
        id: i64,
        unit_id: i64,
        state: String,
        name: String,
        starts_on: String,
        ends_on: String,
    }
    let mut unit_ids: Vec<i64> = writes.iter().map(|w| w.0).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let mut locks = Vec::new();
    for chunk in unit_ids.chunks(crate::conn::CHUNK_ROWS) {
        let q = format!(
            "SELECT s.id, s.unit_id, s.state, p.name, p.starts_on, p.ends_on FROM submissions s JOIN periods p ON p.id = s.period_id
             WHERE p.framework_id = $1 AND s.state IN ('submitted', 'accepted') AND s.unit_id IN ({})",
            crate::derive::in_list(2, chunk.len())
        );
        locks.extend(sql!(&mut *conn, fetch_all_with Lock, q.as_str(), |q| {
            let mut q = q.bind(framework_id);
            for id in chunk {
                q = q.bind(*id);
            }
            q
        })?);
    }
    if locks.is_empty() {
        return Ok(writes.iter().map(|_| None).collect());
    }
    #[derive(sqlx::FromRow)]
    struct Unlock {
        submission_id: i64,
        indicator_code: String,
    }
    let mut unlocked: Vec<Unlock> = Vec::new();
    for lock in locks.iter().filter(|l| l.state == "accepted") {
        unlocked.extend(sql!(&mut *conn, fetch_all Unlock,
            "SELECT submission_id, indicator_code FROM unlocks WHERE submission_id = $1", lock.id)?);
    }
    let mut reasons = Vec::with_capacity(writes.len());
    for &(unit_id, code, day) in writes {
        let day = day.to_string();
        let mut reason = None;
        for lock in locks.iter().filter(|l| l.unit_id == unit_id) {
            let inside = lock.starts_on <= day && day <= lock.ends_on;
            let open = unlocked
                .iter()
                .any(|u| u.submission_id == lock.id && u.indicator_code == code);
            if !inside || open {
                continue;
            }
            reason = Some(if lock.state == "submitted" {
                StorageError::invalid(
                    format!(
                        "hồ sơ kỳ {} đã gửi và đang chờ xét, nên số liệu chỉ tiêu {code} chưa sửa được; nếu cần sửa, Ban chỉ đạo trả lại hồ sơ",
                        lock.name
                    ),
                    format!(
                        "the submission for {} is waiting for review, so figures of {code} cannot change; to correct them, the steering committee returns it",
                        lock.name
                    ),
                )
            } else {
                StorageError::invalid(
                    format!(
                        "số liệu chỉ tiêu {code} kỳ {} đã được chấp nhận và khóa; cần Ban chỉ đạo mở khóa chỉ tiêu này trước khi sửa",
                        lock.name
                    ),
                    format!(
                        "figures of {code} for {} were accepted and are locked; the steering committee must unlock this indicator first",
                        lock.name
                    ),
                )
            });
            break;
        }
        reasons.push(reason);
    }
    Ok(reasons)
}

impl Store {
    /// For each figure that would be written (unit code, indicator code, date), why a
    /// submission's lock refuses it, if it does: for reporting every refusal of a batch with
    /// its place before anything is written.
    pub async fn lock_refusals(
        &self,
        framework: &FrameworkRef,
        writes: &[(&str, &str, Date)],
    ) -> Result<Vec<Option<StorageError>>> {
        let mut c = self.pool.acquire().await?;
        let codes: std::collections::BTreeSet<&str> = writes.iter().map(|w| w.0).collect();
        let ids = crate::observations::unit_ids(&mut c.conn(), &codes).await?;
        let known: Vec<(i64, &str, Date)> = writes
            .iter()
            .filter_map(|(unit, code, day)| ids.get(*unit).map(|(id, _)| (*id, *code, *day)))
            .collect();
        let mut found = lock_reasons(&mut c.conn(), framework.id, &known)
            .await?
            .into_iter();
        // Units not found are refused elsewhere with their own message.
        Ok(writes
            .iter()
            .map(|(unit, _, _)| {
                if ids.contains_key(*unit) {
                    found.next().flatten()
                } else {
                    None
                }
            })
            .collect())
    }

    /// Adds or updates a reporting period of a framework.
    pub async fn put_period(
        &self,
        framework: &FrameworkRef,
        period: &Period,
        actor: &Actor,
    ) -> Result<Period> {
        if period.starts_on > period.ends_on || period.code.trim().is_empty() {
            return Err(StorageError::invalid(
                "kỳ báo cáo cần mã, và ngày bắt đầu không sau ngày kết thúc",
                "a reporting period needs a code, and must not start after it ends",
            ));
        }
        let mut tx = self.pool.begin().await?;
        sql!(tx.conn(), execute
            "INSERT INTO periods (framework_id, code, name, starts_on, ends_on, deadline) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (framework_id, code) DO UPDATE SET name = excluded.name, starts_on = excluded.starts_on,
                 ends_on = excluded.ends_on, deadline = excluded.deadline",
            framework.id, period.code.trim(), period.name.as_str(), period.starts_on.to_string(),
            period.ends_on.to_string(), period.deadline.to_string())?;
        audit(
            &mut tx.conn(),
            actor,
            "period.put",
            None,
            None,
            None,
            None,
            Some(format!(
                "{} {}: {} – {}, hạn {}",
                framework.code,
                period.code,
                period.starts_on.dmy(),
                period.ends_on.dmy(),
                period.deadline.dmy()
            )),
        )
        .await?;
        tx.commit().await?;
        self.period(framework, &period.code).await
    }

    pub async fn periods(&self, framework: &FrameworkRef) -> Result<Vec<Period>> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), fetch_all PeriodRow,
            "SELECT id, code, name, starts_on, ends_on, deadline FROM periods WHERE framework_id = $1 ORDER BY starts_on, code",
            framework.id)?
        .into_iter()
        .map(PeriodRow::into_period)
        .collect()
    }

    pub async fn period(&self, framework: &FrameworkRef, code: &str) -> Result<Period> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), fetch_optional PeriodRow,
            "SELECT id, code, name, starts_on, ends_on, deadline FROM periods WHERE framework_id = $1 AND code = $2",
            framework.id, code)?
        .ok_or_else(|| StorageError::not_found(
            format!("khung {} không có kỳ báo cáo «{code}»", framework.code),
            format!("framework {} has no reporting period «{code}»", framework.code),
        ))?
        .into_period()
    }

    /// The unit's submission for the period, with returns, unlocks and changes since the
    /// previous submission.
    pub async fn submission(&self, unit_code: &str, period: &Period) -> Result<Submission> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        let row = sql!(c.conn(), fetch_optional SubmissionRow,
            "SELECT s.id, s.state, s.submitted_on, sb.username AS submitted_by, s.late, db.username AS decided_by, s.snapshot, s.previous_snapshot
             FROM submissions s LEFT JOIN users sb ON sb.id = s.submitted_by LEFT JOIN users db ON db.id = s.decided_by
             WHERE s.unit_id = $1 AND s.period_id = $2",
            unit_id, period.id)?;
        let Some(row) = row else {
            return Ok(Submission {
                id: None,
                unit_code: unit_code.to_string(),
                period: period.clone(),
                state: "draft".into(),
                submitted_on: None,
                submitted_by: None,
                late: false,
                decided_by: None,
                returns: BTreeMap::new(),
                unlocked: BTreeMap::new(),
                changes: Vec::new(),
            });
        };
        #[derive(sqlx::FromRow)]
        struct Reason {
            indicator_code: String,
            reason: String,
        }
        let returns = sql!(c.conn(), fetch_all Reason,
            "SELECT indicator_code, reason FROM submission_returns WHERE submission_id = $1", row.id)?;
        let unlocked = sql!(c.conn(), fetch_all Reason,
            "SELECT indicator_code, reason FROM unlocks WHERE submission_id = $1", row.id)?;
        let (now, before) = (
            read_snapshot(row.snapshot.as_deref()),
            read_snapshot(row.previous_snapshot.as_deref()),
        );
        let changes = if row.previous_snapshot.is_none() {
            Vec::new()
        } else {
            now.keys()
                .chain(before.keys())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter(|k| now.get(*k) != before.get(*k))
                .map(|k| Change {
                    indicator_code: k.clone(),
                    before: before.get(k).cloned(),
                    after: now.get(k).cloned(),
                })
                .collect()
        };
        Ok(Submission {
            id: Some(row.id),
            unit_code: unit_code.to_string(),
            period: period.clone(),
            state: row.state,
            submitted_on: row
                .submitted_on
                .as_deref()
                .map(|d| parse_date(d, "submitted_on"))
                .transpose()?,
            submitted_by: row.submitted_by,
            late: row.late,
            decided_by: row.decided_by,
            returns: returns
                .into_iter()
                .map(|r| (r.indicator_code, r.reason))
                .collect(),
            unlocked: unlocked
                .into_iter()
                .map(|r| (r.indicator_code, r.reason))
                .collect(),
            changes,
        })
    }

    /// Submits the unit's figures for the period on `on` (late if after the deadline). A draft
    /// or returned submission may be submitted; a submitted or accepted one may not.
    pub async fn submit(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        period: &Period,
        on: Date,
        actor: &Actor,
    ) -> Result<Submission> {
        let rules = self.framework(framework).await?;
        let mut tx = self.pool.begin().await?;
        let (unit_id, _) = Store::unit_with_id(&mut tx.conn(), unit_code).await?;
        crate::conn::lock_units(&mut tx.conn(), &[unit_id]).await?;
        let current = snapshot(&mut tx.conn(), framework, &rules, unit_id, period).await?;
        let current = serde_json::to_string(&current).expect("a map of strings serialises");
        let late = on > period.deadline;
        #[derive(sqlx::FromRow)]
        struct Existing {
            id: i64,
            state: String,
        }
        let existing = sql!(tx.conn(), fetch_optional Existing,
            "SELECT id, state FROM submissions WHERE unit_id = $1 AND period_id = $2",
            unit_id, period.id)?;
        match existing {
            None => {
                sql!(tx.conn(), execute
                    "INSERT INTO submissions (unit_id, period_id, state, submitted_on, submitted_by, late, snapshot)
                     VALUES ($1, $2, 'submitted', $3, $4, $5, $6)",
                    unit_id, period.id, on.to_string(), actor.user_id, late, current.as_str())?;
            }
            // A correction after an unlock is submitted again, and locked again once accepted.
            Some(s)
                if s.state == "draft"
                    || s.state == "returned"
                    || (s.state == "accepted" && has_unlocks(&mut tx.conn(), s.id).await?) =>
            {
                let changed = sql!(tx.conn(), execute
                    "UPDATE submissions SET state = 'submitted', submitted_on = $1, submitted_by = $2, late = $3,
                         previous_snapshot = snapshot, snapshot = $4, decided_at = NULL, decided_by = NULL
                     WHERE id = $5 AND state = $6",
                    on.to_string(), actor.user_id, late, current.as_str(), s.id, s.state.as_str())?;
                if changed == 0 {
                    return Err(state_conflict(&s.state));
                }
                sql!(tx.conn(), execute "DELETE FROM submission_returns WHERE submission_id = $1", s.id)?;
                sql!(tx.conn(), execute "DELETE FROM unlocks WHERE submission_id = $1", s.id)?;
            }
            Some(s) => return Err(state_conflict(&s.state)),
        }
        audit(
            &mut tx.conn(),
            actor,
            "submission.submit",
            Some(unit_code),
            None,
            None,
            None,
            Some(format!(
                "{}{}",
                period.code,
                if late { " (trễ hạn)" } else { "" }
            )),
        )
        .await?;
        tx.commit().await?;
        self.submission(unit_code, period).await
    }

    /// Accepts a submitted submission: its figures are locked.
    pub async fn accept_submission(
        &self,
        unit_code: &str,
        period: &Period,
        actor: &Actor,
    ) -> Result<Submission> {
        self.decide(unit_code, period, "accepted", &[], actor).await
    }

    /// Returns a submitted submission with a reason on each indicator that needs work.
    pub async fn return_submission(
        &self,
        unit_code: &str,
        period: &Period,
        reasons: &[(String, String)],
        actor: &Actor,
    ) -> Result<Submission> {
        if reasons.is_empty() || reasons.iter().any(|(_, r)| r.trim().is_empty()) {
            return Err(StorageError::invalid(
                "trả lại cần ít nhất một chỉ tiêu, mỗi chỉ tiêu kèm lý do",
                "returning needs at least one indicator, each with a reason",
            ));
        }
        self.decide(unit_code, period, "returned", reasons, actor)
            .await
    }

    async fn decide(
        &self,
        unit_code: &str,
        period: &Period,
        state: &str,
        reasons: &[(String, String)],
        actor: &Actor,
    ) -> Result<Submission> {
        let mut tx = self.pool.begin().await?;
        let (unit_id, unit) = Store::unit_with_id(&mut tx.conn(), unit_code).await?;
        crate::conn::lock_units(&mut tx.conn(), &[unit_id]).await?;
        let id = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM submissions WHERE unit_id = $1 AND period_id = $2", unit_id, period.id)?;
        let changed = match id {
            Some(id) => sql!(tx.conn(), execute
                "UPDATE submissions SET state = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND state = 'submitted'",
                state, utc_in(0), actor.user_id, id)?,
            None => 0,
        };
        let Some(id) = id.filter(|_| changed == 1) else {
            let now = self.submission(unit_code, period).await?;
            return Err(StorageError::Conflict {
                vi: format!(
                    "chỉ xét được hồ sơ đã gửi; hồ sơ này đang ở trạng thái «{}»",
                    now.state
                ),
                en: format!(
                    "only a submitted submission can be reviewed; this one is «{}»",
                    now.state
                ),
            });
        };
        for (indicator, reason) in reasons {
            sql!(tx.conn(), execute
                "INSERT INTO submission_returns (submission_id, indicator_code, reason) VALUES ($1, $2, $3)
                 ON CONFLICT (submission_id, indicator_code) DO UPDATE SET reason = excluded.reason",
                id, indicator.as_str(), reason.trim())?;
            audit(
                &mut tx.conn(),
                actor,
                "submission.return_indicator",
                Some(unit_code),
                Some(indicator),
                Some(id),
                None,
                Some(reason.trim().to_string()),
            )
            .await?;
        }
        // --- notices (issue 6): the unit's officers and the submitter hear of the decision.
        let submitter = sql!(tx.conn(), fetch_optional_scalar Option<i64>,
            "SELECT submitted_by FROM submissions WHERE id = $1", id)?
        .flatten();
        let mut recipients = crate::notifications::users_with_roles_over(
            &mut tx.conn(),
            unit_id,
            &[tiendo_domain::access::Role::Officer],
        )
        .await?;
        recipients.extend(submitter);
        let notice = if state == "accepted" {
            crate::notifications::Notice {
                kind: "submission.accepted".into(),
                title: format!(
                    "Số liệu kỳ {} của {} đã được chấp nhận",
                    period.code, unit.name
                ),
                title_en: format!("The {} figures of {} were accepted", period.code, unit.name),
                body: String::new(),
                body_en: String::new(),
                link: format!("/units/{unit_code}"),
            }
        } else {
            let list = reasons
                .iter()
                .map(|(i, r)| format!("{i}: {}", r.trim()))
                .collect::<Vec<_>>()
                .join("; ");
            crate::notifications::Notice {
                kind: "submission.returned".into(),
                title: format!("Số liệu kỳ {} của {} bị trả lại", period.code, unit.name),
                title_en: format!("The {} figures of {} were returned", period.code, unit.name),
                body: list.clone(),
                body_en: list,
                link: format!("/units/{unit_code}"),
            }
        };
        crate::notifications::notify(&mut tx.conn(), &recipients, &notice).await?;
        // --- end of notices
        audit(
            &mut tx.conn(),
            actor,
            &format!(
                "submission.{}",
                if state == "accepted" {
                    "accept"
                } else {
                    "return"
                }
            ),
            Some(unit_code),
            None,
            Some(id),
            Some("submitted".into()),
            Some(state.into()),
        )
        .await?;
        tx.commit().await?;
        self.submission(unit_code, period).await
    }

    /// Unlocks one indicator of an accepted submission, with a reason, so its figures can be
    /// corrected.
    pub async fn unlock_indicator(
        &self,
        unit_code: &str,
        period: &Period,
        indicator_code: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<Submission> {
        if reason.trim().is_empty() {
            return Err(StorageError::invalid(
                "mở khóa cần ghi lý do",
                "unlocking needs a reason",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let (unit_id, _) = Store::unit_with_id(&mut tx.conn(), unit_code).await?;
        let id = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM submissions WHERE unit_id = $1 AND period_id = $2 AND state = 'accepted'",
            unit_id, period.id)?
        .ok_or_else(|| StorageError::invalid(
            "chỉ mở khóa được hồ sơ đã được chấp nhận",
            "only an accepted submission can be unlocked",
        ))?;
        sql!(tx.conn(), execute
            "INSERT INTO unlocks (submission_id, indicator_code, reason, unlocked_by, unlocked_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (submission_id, indicator_code) DO UPDATE SET reason = excluded.reason",
            id, indicator_code, reason.trim(), actor.user_id, utc_in(0))?;
        audit(
            &mut tx.conn(),
            actor,
            "submission.unlock",
            Some(unit_code),
            Some(indicator_code),
            Some(id),
            None,
            Some(reason.trim().to_string()),
        )
        .await?;
        tx.commit().await?;
        self.submission(unit_code, period).await
    }

    /// Every submission of the units under `unit_code` for the period, by unit code.
    pub async fn submissions_under(
        &self,
        unit_code: &str,
        period: &Period,
    ) -> Result<HashMap<String, String>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            state: String,
        }
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        Ok(sql!(c.conn(), fetch_all Row,
            "SELECT u.code, s.state FROM submissions s JOIN units u ON u.id = s.unit_id
             JOIN unit_ancestors a ON a.unit_id = s.unit_id WHERE a.ancestor_id = $1 AND s.period_id = $2",
            unit_id, period.id)?
        .into_iter()
        .map(|r| (r.code, r.state))
        .collect())
    }
}

fn state_conflict(state: &str) -> StorageError {
    StorageError::Conflict {
        vi: format!("hồ sơ đang ở trạng thái «{state}», không gửi lại được"),
        en: format!("the submission is «{state}» and cannot be submitted again"),
    }
}

async fn has_unlocks(conn: &mut Conn<'_>, submission_id: i64) -> Result<bool> {
    Ok(sql!(&mut *conn, fetch_one_scalar i64,
        "SELECT COUNT(*) FROM unlocks WHERE submission_id = $1", submission_id)?
        > 0)
}
