//! Support tasks: who does what for which units and indicators, by when, with progress notes;
//! notices to the assignee on creation and once when a task falls overdue.

use tiendo_domain::Date;
use tiendo_domain::tasks::TaskStatus;

use crate::accounts::{Actor, audit, utc_in};
use crate::conn::Conn;
use crate::frameworks::FrameworkRef;
use crate::notifications::{Notice, notify, organisation_member_ids};
use crate::units::parse_date;
use crate::{Result, StorageError, Store};

/// A task to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTask {
    pub framework: FrameworkRef,
    pub title: String,
    pub description: String,
    /// The units it serves (at least one).
    pub unit_codes: Vec<String>,
    /// The indicators it serves (none: the units as a whole).
    pub indicator_codes: Vec<String>,
    /// Who does it: an organisation (by code), else a unit (by code).
    pub assignee_organisation: Option<String>,
    pub assignee_unit: Option<String>,
    pub due_on: Date,
    /// The meeting conclusion it comes from, if any.
    pub conclusion_id: Option<i64>,
    /// The day it is created on (the as-of date of the page it was created from).
    pub created_on: Date,
}

/// A unit as a task names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskUnit {
    pub code: String,
    pub name: String,
}

/// A progress note, with the status the task had after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskNote {
    pub at: String,
    pub username: Option<String>,
    pub status: TaskStatus,
    pub note: String,
}

/// A support task as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: i64,
    pub framework_id: i64,
    pub title: String,
    pub description: String,
    /// The organisation it is assigned to: id, code, name, English name.
    pub organisation: Option<(i64, String, String, String)>,
    /// The unit it is assigned to.
    pub assignee_unit: Option<TaskUnit>,
    pub due_on: Date,
    pub status: TaskStatus,
    pub conclusion_id: Option<i64>,
    pub created_by: Option<String>,
    pub created_on: Date,
    pub version: i64,
    pub units: Vec<TaskUnit>,
    /// The codes of the indicators it serves.
    pub indicators: Vec<String>,
    /// Oldest first (filled by [`Store::task`] only; lists leave it empty).
    pub notes: Vec<TaskNote>,
}

impl Task {
    /// Still to be done and due before `today`.
    pub fn overdue(&self, today: Date) -> bool {
        tiendo_domain::tasks::is_overdue(self.status, self.due_on, today)
    }

    /// Who does it, in `lang`.
    pub fn assignee_name(&self, lang: tiendo_domain::Lang) -> String {
        match (&self.organisation, &self.assignee_unit) {
            (Some((_, _, vi, en)), _) => lang.pick(vi, en).to_string(),
            (None, Some(u)) => u.name.clone(),
            (None, None) => String::new(),
        }
    }
}

/// Which tasks a list shows; every field narrows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    /// Assigned to this organisation (code).
    pub organisation: Option<String>,
    /// Serving this unit (code) or a unit under it.
    pub unit: Option<String>,
    /// Serving this indicator (code).
    pub indicator: Option<String>,
    /// Only the ones overdue on this day.
    pub overdue_on: Option<Date>,
    /// "My tasks": assigned to one of these organisations (ids) or these units (codes).
    /// Both empty with `mine` set: nothing.
    pub mine: Option<(Vec<i64>, Vec<String>)>,
    pub conclusion_id: Option<i64>,
    /// This one task.
    pub id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: i64,
    framework_id: i64,
    title: String,
    description: String,
    org_id: Option<i64>,
    org_code: Option<String>,
    org_name: Option<String>,
    org_name_en: Option<String>,
    au_code: Option<String>,
    au_name: Option<String>,
    due_on: String,
    status: String,
    conclusion_id: Option<i64>,
    created_by: Option<String>,
    created_on: String,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    task_id: i64,
    code: String,
    name: String,
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    at: String,
    username: Option<String>,
    status: String,
    note: String,
}

fn status_of(s: &str) -> Result<TaskStatus> {
    s.parse().map_err(StorageError::Corrupt)
}

/// The bound values of a task list's WHERE clause, in the order of its `$n`.
struct Where {
    clause: String,
    texts: Vec<String>,
    ints: Vec<i64>,
}

impl TaskFilter {
    /// The WHERE clause over `tasks t`: text parameters first, then integers.
    fn clause(&self) -> Where {
        let mut parts: Vec<String> = vec!["1 = 1".into()];
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Texts are numbered first; integers are renumbered after them below.
        let text = |v: String, texts: &mut Vec<String>| {
            texts.push(v);
            format!("$T{}", texts.len())
        };
        if let Some(s) = self.status {
            let p = text(s.code().into(), &mut texts);
            parts.push(format!("t.status = {p}"));
        }
        if let Some(o) = &self.organisation {
            let p = text(o.clone(), &mut texts);
            parts.push(format!(
                "t.assignee_organisation_id IN (SELECT id FROM organisations WHERE code = {p})"
            ));
        }
        if let Some(u) = &self.unit {
            let p = text(u.clone(), &mut texts);
            parts.push(format!(
                "t.id IN (SELECT tu.task_id FROM task_units tu JOIN unit_ancestors a ON a.unit_id = tu.unit_id
                          JOIN units w ON w.id = a.ancestor_id WHERE w.code = {p})"
            ));
        }
        if let Some(i) = &self.indicator {
            let p = text(i.clone(), &mut texts);
            parts.push(format!(
                "t.id IN (SELECT ti.task_id FROM task_indicators ti JOIN indicators i ON i.id = ti.indicator_id WHERE i.code = {p})"
            ));
        }
        if let Some(d) = self.overdue_on {
            let p = text(d.to_string(), &mut texts);
            parts.push(format!(
                "t.status IN ('open', 'in_progress') AND t.due_on < {p}"
            ));
        }
        let mut int_parts: Vec<String> = Vec::new();
        if let Some((orgs, units)) = &self.mine {
            let mut any: Vec<String> = vec!["1 = 0".into()];
            for o in orgs {
                ints.push(*o);
                any.push(format!("t.assignee_organisation_id = $I{}", ints.len()));
            }
            for u in units {
                let p = text(u.clone(), &mut texts);
                any.push(format!(
                    "t.assignee_unit_id IN (SELECT id FROM units WHERE code = {p})"
                ));
            }
            int_parts.push(format!("({})", any.join(" OR ")));
        }
        if let Some(c) = self.conclusion_id {
            ints.push(c);
            int_parts.push(format!("t.conclusion_id = $I{}", ints.len()));
        }
        if let Some(id) = self.id {
            ints.push(id);
            int_parts.push(format!("t.id = $I{}", ints.len()));
        }
        parts.extend(int_parts);
        let mut clause = parts.join(" AND ");
        // Highest numbers first, so that $T1 does not eat the start of $T12.
        for n in (1..=ints.len()).rev() {
            clause = clause.replace(&format!("$I{n}"), &format!("${}", texts.len() + n));
        }
        for n in (1..=texts.len()).rev() {
            clause = clause.replace(&format!("$T{n}"), &format!("${n}"));
        }
        Where {
            clause,
            texts,
            ints,
        }
    }
}

const TASK_SELECT: &str = "SELECT t.id, t.framework_id, t.title, t.description,
        o.id AS org_id, o.code AS org_code, o.name AS org_name, o.name_en AS org_name_en,
        au.code AS au_code, au.name AS au_name, t.due_on, t.status, t.conclusion_id,
        cb.username AS created_by, t.created_on, t.version
    FROM tasks t
    LEFT JOIN organisations o ON o.id = t.assignee_organisation_id
    LEFT JOIN units au ON au.id = t.assignee_unit_id
    LEFT JOIN users cb ON cb.id = t.created_by";

async fn read_tasks(conn: &mut Conn<'_>, filter: &TaskFilter) -> Result<Vec<Task>> {
    let w = filter.clause();
    let query = format!("{TASK_SELECT} WHERE {} ORDER BY t.due_on, t.id", w.clause);
    let rows = sql!(&mut *conn, fetch_all_with TaskRow, &query,
    |q| {
        let mut q = q;
        for t in &w.texts { q = q.bind(t.as_str()); }
        for i in &w.ints { q = q.bind(*i); }
        q
    })?;
    // Most units' pages have no task: then there are no links to read either.
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let query = format!(
        "SELECT tu.task_id, u.code, u.name FROM task_units tu JOIN units u ON u.id = tu.unit_id
                  WHERE tu.task_id IN (SELECT t.id FROM tasks t WHERE {}) ORDER BY u.code",
        w.clause
    );
    let units = sql!(&mut *conn, fetch_all_with LinkRow, &query,
    |q| {
        let mut q = q;
        for t in &w.texts { q = q.bind(t.as_str()); }
        for i in &w.ints { q = q.bind(*i); }
        q
    })?;
    let query = format!("SELECT ti.task_id, i.code, i.name FROM task_indicators ti JOIN indicators i ON i.id = ti.indicator_id
                  WHERE ti.task_id IN (SELECT t.id FROM tasks t WHERE {}) ORDER BY i.position", w.clause);
    let indicators = sql!(&mut *conn, fetch_all_with LinkRow, &query,
    |q| {
        let mut q = q;
        for t in &w.texts { q = q.bind(t.as_str()); }
        for i in &w.ints { q = q.bind(*i); }
        q
    })?;
    rows.into_iter()
        .map(|r| {
            Ok(Task {
                units: units
                    .iter()
                    .filter(|u| u.task_id == r.id)
                    .map(|u| TaskUnit {
                        code: u.code.clone(),
                        name: u.name.clone(),
                    })
                    .collect(),
                indicators: indicators
                    .iter()
                    .filter(|i| i.task_id == r.id)
                    .map(|i| i.code.clone())
                    .collect(),
                id: r.id,
                framework_id: r.framework_id,
                title: r.title,
                description: r.description,
                organisation: match (r.org_id, r.org_code, r.org_name, r.org_name_en) {
                    (Some(id), Some(c), Some(n), Some(e)) => Some((id, c, n, e)),
                    _ => None,
                },
                assignee_unit: match (r.au_code, r.au_name) {
                    (Some(code), Some(name)) => Some(TaskUnit { code, name }),
                    _ => None,
                },
                due_on: parse_date(&r.due_on, "due_on")?,
                status: status_of(&r.status)?,
                conclusion_id: r.conclusion_id,
                created_by: r.created_by,
                created_on: parse_date(&r.created_on, "created_on")?,
                version: r.version,
                notes: Vec::new(),
            })
        })
        .collect()
}

/// Who is told about a task: the members of the organisation it is assigned to, or the
/// officers of the unit it is assigned to.
async fn task_recipients(conn: &mut Conn<'_>, task_id: i64) -> Result<Vec<i64>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        assignee_organisation_id: Option<i64>,
        assignee_unit_id: Option<i64>,
    }
    let row = sql!(&mut *conn, fetch_one Row,
        "SELECT assignee_organisation_id, assignee_unit_id FROM tasks WHERE id = $1", task_id)?;
    match (row.assignee_organisation_id, row.assignee_unit_id) {
        (Some(org), _) => organisation_member_ids(conn, org).await,
        (None, Some(unit)) => officers_of(conn, unit).await,
        (None, None) => Ok(Vec::new()),
    }
}

/// The officers of exactly `unit_id` (not those of units under or above it).
async fn officers_of(conn: &mut Conn<'_>, unit_id: i64) -> Result<Vec<i64>> {
    Ok(sql!(&mut *conn, fetch_all_scalar i64,
        "SELECT DISTINCT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id
         WHERE r.unit_id = $1 AND r.role = 'officer' AND u.active ORDER BY r.user_id",
        unit_id)?)
}

impl Store {
    /// Creates a task, tells its assignee (the organisation's members, or the unit's officers)
    /// and audits it, all in one transaction.
    pub async fn create_task(&self, new: &NewTask, actor: &Actor) -> Result<Task> {
        let title = new.title.trim();
        if title.is_empty() {
            return Err(StorageError::invalid(
                "nhiệm vụ cần tiêu đề",
                "a task needs a title",
            ));
        }
        if new.unit_codes.is_empty() {
            return Err(StorageError::invalid(
                "nhiệm vụ cần ít nhất một đơn vị được hỗ trợ",
                "a task needs at least one unit it serves",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let org_id = match new
            .assignee_organisation
            .as_deref()
            .filter(|c| !c.is_empty())
        {
            Some(code) => Some(
                sql!(tx.conn(), fetch_optional_scalar i64,
                    "SELECT id FROM organisations WHERE code = $1", code)?
                .ok_or_else(|| {
                    StorageError::not_found(
                        format!("không có tổ chức mã «{code}»"),
                        format!("no organisation has the code «{code}»"),
                    )
                })?,
            ),
            None => None,
        };
        let unit_id = match new.assignee_unit.as_deref().filter(|c| !c.is_empty()) {
            Some(code) if org_id.is_none() => {
                Some(Store::unit_with_id(&mut tx.conn(), code).await?.0)
            }
            _ => None,
        };
        if org_id.is_none() && unit_id.is_none() {
            return Err(StorageError::invalid(
                "nhiệm vụ cần người thực hiện: một tổ chức hoặc một đơn vị",
                "a task needs an assignee: an organisation or a unit",
            ));
        }
        if let Some(c) = new.conclusion_id {
            let found = sql!(tx.conn(), fetch_optional_scalar i64,
                "SELECT id FROM conclusions WHERE id = $1", c)?;
            if found.is_none() {
                return Err(StorageError::not_found(
                    format!("không có kết luận số {c}"),
                    format!("no meeting conclusion has the number {c}"),
                ));
            }
        }
        let now = utc_in(0);
        let id = sql!(tx.conn(), fetch_one_scalar i64,
            "INSERT INTO tasks (framework_id, title, description, assignee_organisation_id, assignee_unit_id,
                 due_on, status, conclusion_id, created_by, created_on, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10, $10) RETURNING id",
            new.framework.id, title, new.description.trim(), org_id, unit_id,
            new.due_on.to_string(), new.conclusion_id, actor.user_id,
            new.created_on.to_string(), now.as_str())?;
        let mut units = new.unit_codes.clone();
        units.sort();
        units.dedup();
        for code in &units {
            let (uid, _) = Store::unit_with_id(&mut tx.conn(), code).await?;
            sql!(tx.conn(), execute
                "INSERT INTO task_units (task_id, unit_id) VALUES ($1, $2)", id, uid)?;
        }
        let mut indicators = new.indicator_codes.clone();
        indicators.sort();
        indicators.dedup();
        for code in &indicators {
            let iid = sql!(tx.conn(), fetch_optional_scalar i64,
                "SELECT id FROM indicators WHERE framework_id = $1 AND code = $2",
                new.framework.id, code.as_str())?
            .ok_or_else(|| {
                StorageError::not_found(
                    format!("khung chỉ tiêu không có chỉ tiêu «{code}»"),
                    format!("the framework has no indicator «{code}»"),
                )
            })?;
            sql!(tx.conn(), execute
                "INSERT INTO task_indicators (task_id, indicator_id) VALUES ($1, $2)", id, iid)?;
        }
        sql!(tx.conn(), execute
            "INSERT INTO task_notes (task_id, at, user_id, status, note) VALUES ($1, $2, $3, 'open', $4)",
            id, now.as_str(), actor.user_id, "Giao nhiệm vụ")?;
        let recipients = match (org_id, unit_id) {
            (Some(org), _) => organisation_member_ids(&mut tx.conn(), org).await?,
            (None, Some(unit)) => officers_of(&mut tx.conn(), unit).await?,
            (None, None) => Vec::new(),
        };
        notify(
            &mut tx.conn(),
            &recipients,
            &Notice {
                kind: "task.assigned".into(),
                title: format!("Nhiệm vụ mới: {title}"),
                title_en: format!("New task: {title}"),
                body: format!("Hạn hoàn thành {}.", new.due_on.dmy()),
                body_en: format!("Due on {}.", new.due_on.dmy()),
                link: format!("/tasks/{id}"),
            },
        )
        .await?;
        audit(
            &mut tx.conn(),
            actor,
            "task.create",
            units.first().map(String::as_str),
            indicators.first().map(String::as_str),
            Some(id),
            None,
            Some(format!("{title} (hạn {})", new.due_on.dmy())),
        )
        .await?;
        tx.commit().await?;
        self.task(id).await
    }

    /// One task, with its progress notes.
    pub async fn task(&self, id: i64) -> Result<Task> {
        let mut c = self.pool.acquire().await?;
        let mut c = c.conn();
        let mut found = read_tasks(
            &mut c,
            &TaskFilter {
                id: Some(id),
                ..TaskFilter::default()
            },
        )
        .await?;
        let Some(mut task) = found.pop() else {
            return Err(StorageError::not_found(
                format!("không có nhiệm vụ số {id}"),
                format!("no task has the number {id}"),
            ));
        };
        let notes = sql!(&mut c, fetch_all NoteRow,
            "SELECT n.at, u.username, n.status, n.note FROM task_notes n
             LEFT JOIN users u ON u.id = n.user_id WHERE n.task_id = $1 ORDER BY n.at, n.id", id)?;
        task.notes = notes
            .into_iter()
            .map(|n| {
                Ok(TaskNote {
                    at: n.at,
                    username: n.username,
                    status: status_of(&n.status)?,
                    note: n.note,
                })
            })
            .collect::<Result<_>>()?;
        Ok(task)
    }

    /// The tasks `filter` lets through, soonest due first, with their units and indicators
    /// (three statements whatever their number).
    pub async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        let mut c = self.pool.acquire().await?;
        read_tasks(&mut c.conn(), filter).await
    }

    /// Records progress on a task: its new status and a note, if the task is still at
    /// `expected_version` (else a conflict, and nothing is written); audited.
    pub async fn update_task(
        &self,
        id: i64,
        expected_version: i64,
        status: TaskStatus,
        note: &str,
        actor: &Actor,
    ) -> Result<Task> {
        let before = self.task(id).await?;
        let mut tx = self.pool.begin().await?;
        let now = utc_in(0);
        let changed = sql!(tx.conn(), execute
            "UPDATE tasks SET status = $1, updated_at = $2, version = version + 1
             WHERE id = $3 AND version = $4",
            status.code(), now.as_str(), id, expected_version)?;
        if changed == 0 {
            let current = sql!(tx.conn(), fetch_optional_scalar i64,
                "SELECT version FROM tasks WHERE id = $1", id)?;
            return Err(StorageError::Conflict {
                vi: format!(
                    "nhiệm vụ đã được người khác cập nhật (phiên bản {} thay vì {expected_version}); hãy tải lại trang, xem thay đổi rồi cập nhật lại",
                    current.unwrap_or(0)
                ),
                en: format!(
                    "someone else updated this task first (version {} instead of {expected_version}); reload it, look at the change and update again",
                    current.unwrap_or(0)
                ),
            });
        }
        sql!(tx.conn(), execute
            "INSERT INTO task_notes (task_id, at, user_id, status, note) VALUES ($1, $2, $3, $4, $5)",
            id, now.as_str(), actor.user_id, status.code(), note.trim())?;
        audit(
            &mut tx.conn(),
            actor,
            "task.update",
            before.units.first().map(|u| u.code.as_str()),
            before.indicators.first().map(String::as_str),
            Some(id),
            Some(before.status.code().to_string()),
            Some(if note.trim().is_empty() {
                status.code().to_string()
            } else {
                format!("{}: {}", status.code(), note.trim())
            }),
        )
        .await?;
        tx.commit().await?;
        self.task(id).await
    }

    /// Tells the assignee of every task overdue on `today`, once per task (the sweep is
    /// audited per task, and a task already swept is skipped); returns how many were swept.
    pub async fn sweep_overdue_tasks(&self, today: Date) -> Result<usize> {
        #[derive(sqlx::FromRow)]
        struct Due {
            id: i64,
            title: String,
            due_on: String,
        }
        let mut tx = self.pool.begin().await?;
        let due = sql!(tx.conn(), fetch_all Due,
            "SELECT t.id, t.title, t.due_on FROM tasks t
             WHERE t.status IN ('open', 'in_progress') AND t.due_on < $1
               AND NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.action = 'task.overdue' AND l.entity_id = t.id)
             ORDER BY t.id",
            today.to_string())?;
        let actor = Actor::system("overdue-sweep");
        for t in &due {
            let due_on = parse_date(&t.due_on, "due_on")?;
            let recipients = task_recipients(&mut tx.conn(), t.id).await?;
            notify(
                &mut tx.conn(),
                &recipients,
                &Notice {
                    kind: "task.overdue".into(),
                    title: format!("Nhiệm vụ quá hạn: {}", t.title),
                    title_en: format!("Task overdue: {}", t.title),
                    body: format!("Hạn hoàn thành là {}.", due_on.dmy()),
                    body_en: format!("It was due on {}.", due_on.dmy()),
                    link: format!("/tasks/{}", t.id),
                },
            )
            .await?;
            audit(
                &mut tx.conn(),
                &actor,
                "task.overdue",
                None,
                None,
                Some(t.id),
                None,
                Some(due_on.to_string()),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}
