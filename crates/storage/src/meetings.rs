//! Progress meetings (hội nghị nghe báo cáo tiến độ): who met when, the units reviewed, the
//! standing of each as it was on the as-of date, frozen into the meeting when it is recorded,
//! and the chair's conclusions in order, with the tasks made from each.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use tiendo_domain::{Counts, Date, Status, Unit};

use crate::accounts::{audit, utc_in};
use crate::conn::Conn;
use crate::counts::{COUNTS_IN_FORCE, SUMS, SummedRow};
use crate::derive::{OBSERVATION_COLUMNS, ObservationRow, in_list};
use crate::reads::IN_FORCE;
use crate::units::{UNIT_COLUMNS, UnitRow, parse_date};
use crate::{Actor, FrameworkRef, Result, StorageError, Store};

/// A meeting to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMeeting {
    /// The unit holding it (the city).
    pub unit_code: String,
    pub held_on: Date,
    pub title: String,
    /// E.g. "Phó Chủ tịch UBND thành phố Nguyễn Văn A".
    pub chair: String,
    pub place: String,
    /// One per line.
    pub attendees: String,
    /// The units reviewed, in the order the meeting took them.
    pub reviewed: Vec<String>,
    /// The day the standing is taken on; the meeting day when `None`.
    pub as_of: Option<Date>,
}

/// The standing of every unit reviewed, as it was on the as-of date: what the meeting shows,
/// whatever is entered afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingSnapshot {
    pub as_of: Date,
    pub units: Vec<SnapshotUnit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotUnit {
    pub code: String,
    pub name: String,
    /// Every indicator of the unit and of the units under it.
    pub counts: Counts,
    /// The same, per group, in framework order.
    pub groups: Vec<SnapshotGroup>,
    /// The unit's own applicable indicators, in framework order.
    pub indicators: Vec<SnapshotIndicator>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotGroup {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub counts: Counts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotIndicator {
    pub code: String,
    pub group: String,
    pub name: String,
    pub name_en: String,
    pub status: Status,
    pub reason_vi: String,
    pub reason_en: String,
    /// The figure the status rested on, as written for people, in each language.
    pub figure_vi: Option<String>,
    pub figure_en: Option<String>,
    pub figure_on: Option<Date>,
    pub target_vi: String,
    pub target_en: String,
}

/// A recorded meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    pub id: i64,
    pub unit: Unit,
    pub framework_id: i64,
    pub held_on: Date,
    pub title: String,
    pub chair: String,
    pub place: String,
    pub attendees: String,
    pub as_of: Date,
    pub reviewed: Vec<Unit>,
    pub snapshot: MeetingSnapshot,
    pub conclusions: Vec<Conclusion>,
    pub version: i64,
    pub created_at: String,
}

impl Meeting {
    /// The attendees, one per line, without blank lines.
    pub fn attendee_lines(&self) -> Vec<&str> {
        self.attendees
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

/// A meeting as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingItem {
    pub id: i64,
    pub held_on: Date,
    pub title: String,
    pub chair: String,
    /// The names of the units reviewed, in order.
    pub reviewed: Vec<String>,
    pub conclusions: i64,
}

/// One of the chair's conclusions, with what was made of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conclusion {
    pub id: i64,
    pub position: i64,
    pub text: String,
    pub tasks: Vec<ConclusionTask>,
    /// Trainings that carry it out: id and topic.
    pub trainings: Vec<(i64, String)>,
}

/// A task made from a conclusion.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ConclusionTask {
    pub id: i64,
    pub conclusion_id: i64,
    pub title: String,
    /// `open`, `in_progress`, `done` or `cancelled`.
    pub status: String,
    pub due_on: String,
    /// The organisation or unit it is assigned to.
    pub assignee: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: i64,
    unit_code: String,
    framework_id: i64,
    held_on: String,
    title: String,
    chair: String,
    place: String,
    attendees: String,
    as_of: String,
    snapshot: String,
    version: i64,
    created_at: String,
}

/// Trimmed (the web layer has already put form text in NFC).
pub(crate) fn clean(text: &str) -> String {
    text.trim().to_string()
}

fn conflict(meeting_id: i64, version: i64) -> StorageError {
    StorageError::Conflict {
        vi: format!(
            "Người khác đã sửa hội nghị số {meeting_id} trước (phiên bản hiện tại {version}); không có gì bị ghi đè. Hãy tải lại trang rồi sửa lại."
        ),
        en: format!(
            "Someone else changed meeting {meeting_id} first (now version {version}); nothing was overwritten. Reload the page and make the change again."
        ),
    }
}

/// The standing of `units` (id and unit) on `as_of`, read on the caller's connection from the
/// derived spans: three queries, whatever the number of units and indicators.
pub(crate) async fn take_snapshot(
    conn: &mut Conn<'_>,
    framework: &FrameworkRef,
    rules: &tiendo_domain::Framework,
    units: &[(i64, Unit)],
    as_of: Date,
) -> Result<MeetingSnapshot> {
    let day = as_of.to_string();
    let ids: Vec<i64> = units.iter().map(|(id, _)| *id).collect();
    let mut snapshot = MeetingSnapshot {
        as_of,
        units: Vec::new(),
    };
    if ids.is_empty() {
        return Ok(snapshot);
    }
    #[derive(sqlx::FromRow)]
    struct CountRow {
        group_code: String,
        #[sqlx(flatten)]
        sums: SummedRow,
    }
    let q = format!(
        "SELECT c.unit_id AS key, g.code AS group_code, {SUMS}
         FROM status_counts c JOIN framework_groups g ON g.id = c.group_id
         WHERE {COUNTS_IN_FORCE} AND c.unit_id IN ({})
         GROUP BY c.unit_id, g.code",
        in_list(3, ids.len())
    );
    let counts = sql!(&mut *conn, fetch_all_with CountRow, &q, |q| {
        let mut q = q.bind(framework.id).bind(day.as_str());
        for id in &ids {
            q = q.bind(*id);
        }
        q
    })?;
    #[derive(sqlx::FromRow)]
    struct SpanRow {
        unit_id: i64,
        code: String,
        status: String,
        reason_vi: String,
        reason_en: String,
        observation_id: Option<i64>,
    }
    let q = format!(
        "SELECT s.unit_id, i.code, s.status, s.reason_vi, s.reason_en, s.observation_id
         FROM indicator_status s JOIN indicators i ON i.id = s.indicator_id
         WHERE {IN_FORCE} AND s.unit_id IN ({})",
        in_list(3, ids.len())
    );
    let spans = sql!(&mut *conn, fetch_all_with SpanRow, &q, |q| {
        let mut q = q.bind(framework.id).bind(day.as_str());
        for id in &ids {
            q = q.bind(*id);
        }
        q
    })?;
    let q = format!(
        "SELECT {OBSERVATION_COLUMNS} FROM indicator_status s
         JOIN observations o ON o.id = s.observation_id
         WHERE {IN_FORCE} AND s.unit_id IN ({})",
        in_list(3, ids.len())
    );
    let figures: HashMap<i64, tiendo_domain::Observation> =
        sql!(&mut *conn, fetch_all_with ObservationRow, &q, |q| {
            let mut q = q.bind(framework.id).bind(day.as_str());
            for id in &ids {
                q = q.bind(*id);
            }
            q
        })?
        .iter()
        .map(|r| Ok((r.id, r.to_observation()?)))
        .collect::<Result<_>>()?;
    let status_of = |t: &str| -> Result<Status> { t.parse().map_err(StorageError::Corrupt) };

    for (id, unit) in units {
        let mut total = Counts::default();
        let mut by_group: HashMap<&str, Counts> = HashMap::new();
        for row in counts.iter().filter(|r| r.sums.key == *id) {
            let row_counts = row.sums.counts()?;
            total.merge(&row_counts);
            by_group
                .entry(row.group_code.as_str())
                .or_default()
                .merge(&row_counts);
        }
        let own: HashMap<&str, &SpanRow> = spans
            .iter()
            .filter(|s| s.unit_id == *id)
            .map(|s| (s.code.as_str(), s))
            .collect();
        let mut indicators = Vec::new();
        for group in &rules.groups {
            for indicator in rules.indicators.iter().filter(|i| i.group == group.code) {
                let Some(span) = own.get(indicator.code.as_str()) else {
                    continue;
                };
                let status = status_of(&span.status)?;
                if status == Status::NotApplicable {
                    continue;
                }
                let figure = span.observation_id.and_then(|o| figures.get(&o));
                let describe = |lang| {
                    figure.map(|o| {
                        o.figure
                            .describe(indicator.measure, indicator.count_unit_in(lang), lang)
                    })
                };
                indicators.push(SnapshotIndicator {
                    code: indicator.code.clone(),
                    group: group.code.clone(),
                    name: indicator.name.clone(),
                    name_en: indicator.name_en.clone(),
                    status,
                    reason_vi: span.reason_vi.clone(),
                    reason_en: span.reason_en.clone(),
                    figure_vi: describe(tiendo_domain::Lang::Vi),
                    figure_en: describe(tiendo_domain::Lang::En),
                    figure_on: figure.map(|o| o.observed_on),
                    target_vi: indicator
                        .target
                        .describe(indicator.measure, tiendo_domain::Lang::Vi),
                    target_en: indicator
                        .target
                        .describe(indicator.measure, tiendo_domain::Lang::En),
                });
            }
        }
        snapshot.units.push(SnapshotUnit {
            code: unit.code.clone(),
            name: unit.name.clone(),
            counts: total,
            groups: rules
                .groups
                .iter()
                .map(|g| SnapshotGroup {
                    code: g.code.clone(),
                    name: g.name.clone(),
                    name_en: g.name_en.clone(),
                    counts: by_group.get(g.code.as_str()).copied().unwrap_or_default(),
                })
                .collect(),
            indicators,
        });
    }
    Ok(snapshot)
}

impl Store {
    /// Records a meeting and, in the same transaction, the frozen standing of every unit it
    /// reviews on its as-of date. Every reviewed unit must lie under the meeting's unit.
    pub async fn create_meeting(
        &self,
        framework: &FrameworkRef,
        new: &NewMeeting,
        actor: &Actor,
    ) -> Result<i64> {
        let title = clean(&new.title);
        let chair = clean(&new.chair);
        if title.is_empty() || chair.is_empty() {
            return Err(StorageError::invalid(
                "hội nghị cần tên và người chủ trì",
                "a meeting needs a title and a chair",
            ));
        }
        let mut seen = BTreeSet::new();
        let reviewed: Vec<&str> = new
            .reviewed
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty() && seen.insert(*c))
            .collect();
        if reviewed.is_empty() {
            return Err(StorageError::invalid(
                "hãy chọn ít nhất một đơn vị được nghe báo cáo",
                "choose at least one unit to review",
            ));
        }
        let as_of = new.as_of.unwrap_or(new.held_on);
        let rules = self.framework(framework).await?;
        let mut tx = self.pool.begin().await?;
        let (unit_id, unit) = Store::unit_with_id(&mut tx.conn(), &new.unit_code).await?;
        let mut units = Vec::with_capacity(reviewed.len());
        for code in &reviewed {
            let (id, u) = Store::unit_with_id(&mut tx.conn(), code).await?;
            let under = sql!(tx.conn(), fetch_optional_scalar i64,
                "SELECT unit_id FROM unit_ancestors WHERE ancestor_id = $1 AND unit_id = $2",
                unit_id, id)?;
            if under.is_none() {
                return Err(StorageError::invalid(
                    format!("{} không thuộc {}", u.name, unit.name),
                    format!("{} is not under {}", u.name, unit.name),
                ));
            }
            units.push((id, u));
        }
        let snapshot = take_snapshot(&mut tx.conn(), framework, &rules, &units, as_of).await?;
        let json = serde_json::to_string(&snapshot)
            .map_err(|e| StorageError::Corrupt(format!("snapshot: {e}")))?;
        let attendees = clean(&new.attendees);
        let id = sql!(tx.conn(), fetch_one_scalar i64,
            "INSERT INTO meetings (unit_id, framework_id, held_on, title, chair, place, attendees, as_of, snapshot, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            unit_id, framework.id, new.held_on.to_string(), title.as_str(), chair.as_str(),
            clean(&new.place), attendees.as_str(), as_of.to_string(), json.as_str(), actor.user_id,
            utc_in(0))?;
        for (position, (reviewed_id, _)) in units.iter().enumerate() {
            sql!(tx.conn(), execute
                "INSERT INTO meeting_units (meeting_id, unit_id, position) VALUES ($1, $2, $3)",
                id, *reviewed_id, position as i32)?;
        }
        let record = serde_json::json!({
            "held_on": new.held_on.to_string(),
            "title": title,
            "chair": chair,
            "as_of": as_of.to_string(),
            "units": reviewed,
        });
        audit(
            &mut tx.conn(),
            actor,
            "meeting.create",
            Some(&unit.code),
            None,
            Some(id),
            None,
            Some(record.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The meetings `unit_code` held, newest first.
    pub async fn meetings_of(&self, unit_code: &str) -> Result<Vec<MeetingItem>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            held_on: String,
            title: String,
            chair: String,
            conclusions: i64,
        }
        let rows = sql!(c.conn(), fetch_all Row,
            "SELECT m.id, m.held_on, m.title, m.chair,
                    (SELECT COUNT(*) FROM conclusions k WHERE k.meeting_id = m.id) AS conclusions
             FROM meetings m WHERE m.unit_id = $1 ORDER BY m.held_on DESC, m.id DESC",
            unit_id)?;
        #[derive(sqlx::FromRow)]
        struct Reviewed {
            meeting_id: i64,
            name: String,
        }
        let reviewed = sql!(c.conn(), fetch_all Reviewed,
            "SELECT mu.meeting_id, u.name FROM meeting_units mu
             JOIN meetings m ON m.id = mu.meeting_id JOIN units u ON u.id = mu.unit_id
             WHERE m.unit_id = $1 ORDER BY mu.meeting_id, mu.position",
            unit_id)?;
        rows.into_iter()
            .map(|r| {
                Ok(MeetingItem {
                    held_on: parse_date(&r.held_on, "held_on")?,
                    reviewed: reviewed
                        .iter()
                        .filter(|u| u.meeting_id == r.id)
                        .map(|u| u.name.clone())
                        .collect(),
                    id: r.id,
                    title: r.title,
                    chair: r.chair,
                    conclusions: r.conclusions,
                })
            })
            .collect()
    }

    /// A meeting with its frozen snapshot, its conclusions and the tasks made from each.
    pub async fn meeting(&self, id: i64) -> Result<Meeting> {
        let mut c = self.pool.acquire().await?;
        let row = sql!(c.conn(), fetch_optional MeetingRow,
            "SELECT m.id, u.code AS unit_code, m.framework_id, m.held_on, m.title, m.chair, m.place,
                    m.attendees, m.as_of, m.snapshot, m.version, m.created_at
             FROM meetings m JOIN units u ON u.id = m.unit_id WHERE m.id = $1",
            id)?
        .ok_or_else(|| {
            StorageError::not_found(
                format!("không có hội nghị số {id}"),
                format!("no meeting {id}"),
            )
        })?;
        let (_, unit) = self.read_unit(&mut c.conn(), &row.unit_code).await?;
        let reviewed = sql!(c.conn(), fetch_all UnitRow,
            &format!("SELECT {UNIT_COLUMNS} FROM meeting_units mu JOIN units u ON u.id = mu.unit_id
                      LEFT JOIN units p ON p.id = u.parent_id
                      WHERE mu.meeting_id = $1 ORDER BY mu.position"),
            id)?
        .into_iter()
        .map(|r| r.into_unit().map(|(_, u)| u))
        .collect::<Result<Vec<_>>>()?;
        #[derive(sqlx::FromRow)]
        struct ConclusionRow {
            id: i64,
            position: i64,
            text: String,
        }
        let conclusions = sql!(c.conn(), fetch_all ConclusionRow,
            "SELECT id, CAST(position AS BIGINT) AS position, text FROM conclusions
             WHERE meeting_id = $1 ORDER BY position",
            id)?;
        let tasks = sql!(c.conn(), fetch_all ConclusionTask,
            "SELECT t.id, t.conclusion_id, t.title, t.status, t.due_on,
                    COALESCE(o.name, au.name) AS assignee
             FROM tasks t JOIN conclusions k ON k.id = t.conclusion_id
             LEFT JOIN organisations o ON o.id = t.assignee_organisation_id
             LEFT JOIN units au ON au.id = t.assignee_unit_id
             WHERE k.meeting_id = $1 ORDER BY t.due_on, t.id",
            id)?;
        #[derive(sqlx::FromRow)]
        struct TrainingRow {
            id: i64,
            conclusion_id: i64,
            topic: String,
        }
        let trainings = sql!(c.conn(), fetch_all TrainingRow,
            "SELECT t.id, t.conclusion_id, t.topic FROM trainings t
             JOIN conclusions k ON k.id = t.conclusion_id
             WHERE k.meeting_id = $1 ORDER BY t.held_on, t.id",
            id)?;
        let snapshot: MeetingSnapshot = serde_json::from_str(&row.snapshot)
            .map_err(|e| StorageError::Corrupt(format!("meeting {id} snapshot: {e}")))?;
        Ok(Meeting {
            id: row.id,
            unit,
            framework_id: row.framework_id,
            held_on: parse_date(&row.held_on, "held_on")?,
            title: row.title,
            chair: row.chair,
            place: row.place,
            attendees: row.attendees,
            as_of: parse_date(&row.as_of, "as_of")?,
            reviewed,
            snapshot,
            conclusions: conclusions
                .into_iter()
                .map(|k| Conclusion {
                    tasks: tasks
                        .iter()
                        .filter(|t| t.conclusion_id == k.id)
                        .cloned()
                        .collect(),
                    trainings: trainings
                        .iter()
                        .filter(|t| t.conclusion_id == k.id)
                        .map(|t| (t.id, t.topic.clone()))
                        .collect(),
                    id: k.id,
                    position: k.position,
                    text: k.text,
                })
                .collect(),
            version: row.version,
            created_at: row.created_at,
        })
    }

    /// The meeting a conclusion belongs to, for authorising a change to it.
    pub async fn conclusion_meeting(&self, conclusion_id: i64) -> Result<i64> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), fetch_optional_scalar i64,
            "SELECT meeting_id FROM conclusions WHERE id = $1", conclusion_id)?
        .ok_or_else(|| {
            StorageError::not_found(
                format!("không có kết luận số {conclusion_id}"),
                format!("no conclusion {conclusion_id}"),
            )
        })
    }

    /// Adds a conclusion at the end. `expected_version` is the meeting's version the editor
    /// saw; the meeting's version goes up by one. Returns the conclusion's id and the new version.
    pub async fn add_conclusion(
        &self,
        meeting_id: i64,
        expected_version: i64,
        text: &str,
        actor: &Actor,
    ) -> Result<(i64, i64)> {
        let text = conclusion_text(text)?;
        let mut tx = self.pool.begin().await?;
        let unit_code = bump_version(&mut tx.conn(), meeting_id, expected_version).await?;
        let position = sql!(tx.conn(), fetch_one_scalar i64,
            "SELECT CAST(COALESCE(MAX(position), 0) + 1 AS BIGINT) FROM conclusions WHERE meeting_id = $1",
            meeting_id)?;
        let id = sql!(tx.conn(), fetch_one_scalar i64,
            "INSERT INTO conclusions (meeting_id, position, text) VALUES ($1, $2, $3) RETURNING id",
            meeting_id, position as i32, text.as_str())?;
        audit(
            &mut tx.conn(),
            actor,
            "conclusion.create",
            Some(&unit_code),
            None,
            Some(id),
            None,
            Some(text),
        )
        .await?;
        tx.commit().await?;
        Ok((id, expected_version + 1))
    }

    /// Rewrites a conclusion's text, under the meeting's version as [`Store::add_conclusion`].
    pub async fn edit_conclusion(
        &self,
        conclusion_id: i64,
        expected_version: i64,
        text: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let text = conclusion_text(text)?;
        let meeting_id = self.conclusion_meeting(conclusion_id).await?;
        let mut tx = self.pool.begin().await?;
        let unit_code = bump_version(&mut tx.conn(), meeting_id, expected_version).await?;
        let old = sql!(tx.conn(), fetch_one_scalar String,
            "SELECT text FROM conclusions WHERE id = $1", conclusion_id)?;
        sql!(tx.conn(), execute
            "UPDATE conclusions SET text = $1 WHERE id = $2", text.as_str(), conclusion_id)?;
        audit(
            &mut tx.conn(),
            actor,
            "conclusion.update",
            Some(&unit_code),
            None,
            Some(conclusion_id),
            Some(old),
            Some(text),
        )
        .await?;
        tx.commit().await?;
        Ok(expected_version + 1)
    }

    /// Deletes a conclusion no task or training refers to; the later ones move up.
    pub async fn delete_conclusion(
        &self,
        conclusion_id: i64,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<i64> {
        let meeting_id = self.conclusion_meeting(conclusion_id).await?;
        let mut tx = self.pool.begin().await?;
        let unit_code = bump_version(&mut tx.conn(), meeting_id, expected_version).await?;
        let used = sql!(tx.conn(), fetch_one_scalar i64,
            "SELECT (SELECT COUNT(*) FROM tasks WHERE conclusion_id = $1)
                  + (SELECT COUNT(*) FROM trainings WHERE conclusion_id = $1)",
            conclusion_id)?;
        if used > 0 {
            return Err(StorageError::invalid(
                format!(
                    "không xóa được kết luận này: đã có {used} nhiệm vụ hoặc lớp tập huấn thực hiện nó"
                ),
                format!(
                    "this conclusion cannot be deleted: {used} task(s) or training(s) carry it out"
                ),
            ));
        }
        #[derive(sqlx::FromRow)]
        struct Row {
            position: i64,
            text: String,
        }
        let old = sql!(tx.conn(), fetch_one Row,
            "SELECT CAST(position AS BIGINT) AS position, text FROM conclusions WHERE id = $1",
            conclusion_id)?;
        sql!(tx.conn(), execute "DELETE FROM conclusions WHERE id = $1", conclusion_id)?;
        // One at a time, in order, so that the unique position never collides.
        let later = sql!(tx.conn(), fetch_all_scalar i64,
            "SELECT id FROM conclusions WHERE meeting_id = $1 AND position > $2 ORDER BY position",
            meeting_id, old.position as i32)?;
        for id in later {
            sql!(tx.conn(), execute
                "UPDATE conclusions SET position = position - 1 WHERE id = $1", id)?;
        }
        audit(
            &mut tx.conn(),
            actor,
            "conclusion.delete",
            Some(&unit_code),
            None,
            Some(conclusion_id),
            Some(old.text),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(expected_version + 1)
    }
}

fn conclusion_text(text: &str) -> Result<String> {
    let text = clean(text);
    if text.is_empty() {
        return Err(StorageError::invalid(
            "kết luận không được để trống",
            "a conclusion cannot be empty",
        ));
    }
    Ok(text)
}

/// Moves the meeting to its next version if it is still at `expected`; returns the code of the
/// unit that held it. A stale version writes nothing and is a conflict.
async fn bump_version(conn: &mut Conn<'_>, meeting_id: i64, expected: i64) -> Result<String> {
    let changed = sql!(&mut *conn, execute
        "UPDATE meetings SET version = version + 1 WHERE id = $1 AND version = $2",
        meeting_id, expected)?;
    let current = sql!(&mut *conn, fetch_optional_scalar i64,
        "SELECT version FROM meetings WHERE id = $1", meeting_id)?;
    match (changed, current) {
        (_, None) => Err(StorageError::not_found(
            format!("không có hội nghị số {meeting_id}"),
            format!("no meeting {meeting_id}"),
        )),
        (0, Some(v)) => Err(conflict(meeting_id, v)),
        _ => Ok(sql!(&mut *conn, fetch_one_scalar String,
            "SELECT u.code FROM meetings m JOIN units u ON u.id = m.unit_id WHERE m.id = $1",
            meeting_id)?),
    }
}
