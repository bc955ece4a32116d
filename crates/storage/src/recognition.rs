//! Recognition (công nhận): a unit applies once it meets its framework's rule; the province's
//! appraisers accept or reject each indicator it applied with; a decision recognises the unit
//! (every item accepted) or refuses the application (some item rejected). Provinces plan how
//! many units they recognise each year.

use std::collections::{BTreeMap, HashMap};

use tiendo_domain::access::Role;
use tiendo_domain::scoring::IndicatorInput;
use tiendo_domain::{Date, Figure, Framework, Lang, Readiness, Standing, Status, UnitKind};

use crate::accounts::{audit, utc_in};
use crate::conn::Conn;
use crate::derive::{OBSERVATION_COLUMNS, ObservationRow};
use crate::notifications::{Notice, notify, users_with_roles_over};
use crate::units::parse_date;
use crate::{Actor, FrameworkRef, Result, StorageError, Store};

/// An application for recognition, with its items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub framework_id: i64,
    pub framework_code: String,
    pub applied_on: Date,
    pub applied_by: Option<String>,
    /// `submitted` (in appraisal), `recognised`, `refused` or `withdrawn`.
    pub state: String,
    pub note: String,
    /// For optimistic concurrency: pass it back to appraise or decide.
    pub version: i64,
    pub items: Vec<ApplicationItem>,
    pub recognition: Option<Recognition>,
}

impl Application {
    /// How many items are accepted, rejected and still pending.
    pub fn tally(&self) -> (usize, usize, usize) {
        let count = |d: &str| self.items.iter().filter(|i| i.decision == d).count();
        (count("accepted"), count("rejected"), count("pending"))
    }
}

/// One indicator of an application: what the unit applied with and the appraiser's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationItem {
    pub indicator_code: String,
    pub indicator_name: String,
    pub indicator_name_en: String,
    pub applied_status: Status,
    /// The figure in force on the day of application, as people read it (Vietnamese).
    pub applied_figure: String,
    /// `pending`, `accepted` or `rejected`.
    pub decision: String,
    pub reason: String,
    pub decided_by: Option<String>,
}

/// A recognition decision (quyết định công nhận).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recognition {
    pub application_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub framework_code: String,
    pub decision_number: String,
    pub decided_on: Date,
    pub signer: String,
    pub recognised_from: Date,
}

/// The appraiser's word on one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appraisal {
    Accept,
    /// Rejected, with why (must not be blank).
    Reject(String),
}

/// What a recognition decision says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub number: String,
    pub decided_on: Date,
    pub signer: String,
    pub recognised_from: Date,
}

/// One year of a province: its quota (if set) and the units recognised from a date in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecognitionYear {
    pub year: i32,
    pub quota: Option<i64>,
    pub recognised: Vec<Recognition>,
}

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    unit_code: String,
    unit_name: String,
    framework_id: i64,
    framework_code: String,
    applied_on: String,
    applied_by: Option<String>,
    state: String,
    note: String,
    version: i64,
}

const APPLICATION_SELECT: &str = "SELECT a.id, u.code AS unit_code, u.name AS unit_name, a.framework_id, f.code AS framework_code,
        a.applied_on, b.username AS applied_by, a.state, a.note, a.version
     FROM applications a JOIN units u ON u.id = a.unit_id JOIN frameworks f ON f.id = a.framework_id
     LEFT JOIN users b ON b.id = a.applied_by";

#[derive(sqlx::FromRow)]
struct RecognitionRow {
    application_id: i64,
    unit_code: String,
    unit_name: String,
    framework_code: String,
    decision_number: String,
    decided_on: String,
    signer: String,
    recognised_from: String,
}

const RECOGNITION_SELECT: &str = "SELECT r.application_id, u.code AS unit_code, u.name AS unit_name, f.code AS framework_code,
        r.decision_number, r.decided_on, r.signer, r.recognised_from
     FROM recognitions r JOIN units u ON u.id = r.unit_id JOIN frameworks f ON f.id = r.framework_id";

impl RecognitionRow {
    fn into_recognition(self) -> Result<Recognition> {
        Ok(Recognition {
            decided_on: parse_date(&self.decided_on, "decided_on")?,
            recognised_from: parse_date(&self.recognised_from, "recognised_from")?,
            application_id: self.application_id,
            unit_code: self.unit_code,
            unit_name: self.unit_name,
            framework_code: self.framework_code,
            decision_number: self.decision_number,
            signer: self.signer,
        })
    }
}

/// An indicator's standing for a unit on a day, with its id and the figure in force.
struct Stood {
    indicator_id: i64,
    standing: Standing,
    /// The figure the status rests on, and how it reads.
    value: Option<Figure>,
    figure: String,
}

/// Every indicator of the framework for one unit on `day`, in framework order.
async fn standings(
    conn: &mut Conn<'_>,
    rules: &Framework,
    framework_id: i64,
    unit_id: i64,
    day: Date,
) -> Result<Vec<Stood>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        indicator_id: i64,
        code: String,
        status: String,
        observation_id: Option<i64>,
    }
    let day_text = day.to_string();
    let rows = sql!(&mut *conn, fetch_all Row,
        "SELECT s.indicator_id, i.code, s.status, s.observation_id
         FROM indicator_status s JOIN indicators i ON i.id = s.indicator_id
         WHERE s.unit_id = $3 AND s.framework_id = $1 AND s.valid_from <= $2 AND s.valid_until > $2",
        framework_id, day_text.as_str(), unit_id)?;
    let figures: HashMap<i64, tiendo_domain::Observation> = sql!(&mut *conn, fetch_all ObservationRow,
        &format!("SELECT {OBSERVATION_COLUMNS} FROM indicator_status s
                  JOIN observations o ON o.id = s.observation_id
                  WHERE s.unit_id = $3 AND s.framework_id = $1 AND s.valid_from <= $2 AND s.valid_until > $2"),
        framework_id, day_text.as_str(), unit_id)?
    .iter()
    .map(|r| Ok((r.id, r.to_observation()?)))
    .collect::<Result<_>>()?;
    let mut by_code: HashMap<String, Row> = rows.into_iter().map(|r| (r.code.clone(), r)).collect();
    let mut out = Vec::new();
    for indicator in &rules.indicators {
        let Some(row) = by_code.remove(&indicator.code) else {
            continue;
        };
        let observation = row.observation_id.and_then(|id| figures.get(&id));
        let figure = observation
            .map(|o| {
                format!(
                    "{} ({})",
                    o.figure.describe(
                        indicator.measure,
                        indicator.count_unit_in(Lang::Vi),
                        Lang::Vi
                    ),
                    o.observed_on.dmy()
                )
            })
            .unwrap_or_default();
        out.push(Stood {
            indicator_id: row.indicator_id,
            standing: Standing {
                code: indicator.code.clone(),
                mandatory: indicator.mandatory,
                status: row.status.parse().map_err(StorageError::Corrupt)?,
            },
            value: observation.map(|o| o.figure),
            figure,
        });
    }
    Ok(out)
}

/// Readiness under the framework's rule, from the standings [`standings`] read.
fn readiness_of(rules: &Framework, kind: UnitKind, stood: &[Stood]) -> Readiness {
    let inputs: HashMap<String, IndicatorInput> = stood
        .iter()
        .map(|s| {
            (
                s.standing.code.clone(),
                IndicatorInput {
                    status: s.standing.status,
                    figure: s.value,
                },
            )
        })
        .collect();
    tiendo_domain::unit_readiness(rules, kind, &inputs)
}

fn conflict() -> StorageError {
    StorageError::Conflict {
        vi: "hồ sơ đề nghị công nhận vừa được người khác cập nhật; hãy tải lại trang và xem lại"
            .into(),
        en: "the application was just changed by someone else; reload the page and check again"
            .into(),
    }
}

fn not_in_appraisal(state: &str) -> StorageError {
    StorageError::Conflict {
        vi: format!("hồ sơ không còn trong giai đoạn thẩm định (trạng thái «{state}»)"),
        en: format!("the application is no longer in appraisal (state «{state}»)"),
    }
}

/// Claims the application for a change: bumps its version if it is still `expected` and in
/// appraisal; returns (unit id, unit code, framework id).
async fn claim(
    conn: &mut Conn<'_>,
    application_id: i64,
    expected_version: i64,
) -> Result<(i64, String, i64)> {
    #[derive(sqlx::FromRow)]
    struct Row {
        unit_id: i64,
        code: String,
        framework_id: i64,
        state: String,
        version: i64,
    }
    let row = sql!(&mut *conn, fetch_optional Row,
        "SELECT a.unit_id, u.code, a.framework_id, a.state, a.version FROM applications a JOIN units u ON u.id = a.unit_id WHERE a.id = $1",
        application_id)?
    .ok_or_else(|| application_not_found(application_id))?;
    if row.state != "submitted" {
        return Err(not_in_appraisal(&row.state));
    }
    if row.version != expected_version {
        return Err(conflict());
    }
    let changed = sql!(&mut *conn, execute
        "UPDATE applications SET version = version + 1 WHERE id = $1 AND version = $2 AND state = 'submitted'",
        application_id, expected_version)?;
    if changed != 1 {
        return Err(conflict());
    }
    Ok((row.unit_id, row.code, row.framework_id))
}

fn application_not_found(id: i64) -> StorageError {
    StorageError::not_found(
        format!("không có hồ sơ đề nghị công nhận số {id}"),
        format!("no application for recognition has the number {id}"),
    )
}

impl Store {
    /// Whether the unit meets its framework's recognition rule on `as_of`, and what blocks it
    /// (for a score rule, the unit's score from the same standings).
    pub async fn readiness(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
    ) -> Result<Readiness> {
        let rules = self.framework(framework).await?;
        let mut c = self.pool.acquire().await?;
        let (unit_id, unit) = self.read_unit(&mut c.conn(), unit_code).await?;
        let stood = standings(&mut c.conn(), &rules, framework.id, unit_id, as_of).await?;
        Ok(readiness_of(&rules, unit.kind, &stood))
    }

    /// [`Store::readiness`] of every assessed unit under `unit_code` (the unit itself included
    /// when it is assessed; down to `max_depth` levels below it, when given), by unit code: one
    /// query whatever the tree.
    pub async fn readiness_under(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
        max_depth: Option<u32>,
    ) -> Result<HashMap<String, Readiness>> {
        let rules = self.framework(framework).await?;
        let figures_of = tiendo_domain::figures_for_readiness(&rules);
        let inputs = self
            .indicator_inputs_under(unit_code, framework, as_of, max_depth, &figures_of)
            .await?;
        Ok(inputs
            .into_iter()
            .map(|(unit, i)| {
                let ready = tiendo_domain::unit_readiness(&rules, i.kind, &i.indicators);
                (unit, ready)
            })
            .collect())
    }

    /// Files the unit's application for recognition on `applied_on`, with one item per
    /// applicable indicator (its status and figure that day), pending appraisal. Refused when
    /// the unit is not ready that day (naming what blocks it), or already has an application in
    /// appraisal or a recognition under the framework. The province's appraisers are notified.
    pub async fn apply(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        applied_on: Date,
        note: &str,
        actor: &Actor,
    ) -> Result<Application> {
        let rules = self.framework(framework).await?;
        let mut tx = self.pool.begin().await?;
        let (unit_id, unit) = Store::unit_with_id(&mut tx.conn(), unit_code).await?;
        crate::conn::lock_units(&mut tx.conn(), &[unit_id]).await?;
        let open = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM applications WHERE unit_id = $1 AND framework_id = $2 AND state IN ('submitted', 'recognised')
             ORDER BY id LIMIT 1",
            unit_id, framework.id)?;
        if let Some(id) = open {
            return Err(StorageError::invalid(
                format!(
                    "{} đã có hồ sơ đề nghị công nhận số {id} đang thẩm định hoặc đã được công nhận theo bộ chỉ tiêu này",
                    unit.name
                ),
                format!(
                    "{} already has application {id} in appraisal or recognised under this framework",
                    unit.name
                ),
            ));
        }
        let stood = standings(&mut tx.conn(), &rules, framework.id, unit_id, applied_on).await?;
        let ready = readiness_of(&rules, unit.kind, &stood);
        if !ready.ready {
            return Err(StorageError::invalid(
                format!(
                    "{} chưa đủ điều kiện đề nghị công nhận ngày {}. {}",
                    unit.name,
                    applied_on.dmy(),
                    ready.sentence.vi
                ),
                format!(
                    "{} is not ready to apply for recognition on {}. {}",
                    unit.name,
                    applied_on.dmy(),
                    ready.sentence.en
                ),
            ));
        }
        let note: String = unicode_nfc(note.trim());
        let id = sql!(tx.conn(), fetch_one_scalar i64,
            "INSERT INTO applications (unit_id, framework_id, applied_on, applied_by, state, note, created_at)
             VALUES ($1, $2, $3, $4, 'submitted', $5, $6) RETURNING id",
            unit_id, framework.id, applied_on.to_string(), actor.user_id, note.as_str(), utc_in(0))?;
        for s in stood
            .iter()
            .filter(|s| s.standing.status != Status::NotApplicable)
        {
            sql!(tx.conn(), execute
                "INSERT INTO application_items (application_id, indicator_id, applied_status, applied_figure)
                 VALUES ($1, $2, $3, $4)",
                id, s.indicator_id, s.standing.status.code(), s.figure.as_str())?;
        }
        audit(
            &mut tx.conn(),
            actor,
            "recognition.apply",
            Some(unit_code),
            None,
            Some(id),
            None,
            Some(format!("{} {}", framework.code, applied_on.dmy())),
        )
        .await?;
        let appraisers = users_with_roles_over(&mut tx.conn(), unit_id, &[Role::Appraiser]).await?;
        notify(
            &mut tx.conn(),
            &appraisers,
            &Notice {
                kind: "application.submitted".into(),
                title: format!("{} đề nghị công nhận", unit.name),
                title_en: format!("{} applies for recognition", unit.name),
                body: format!(
                    "Hồ sơ nộp ngày {}, chờ thẩm định từng chỉ tiêu.",
                    applied_on.dmy()
                ),
                body_en: format!(
                    "Applied on {}, waiting for appraisal indicator by indicator.",
                    applied_on.dmy()
                ),
                link: format!("/applications/{id}"),
            },
        )
        .await?;
        tx.commit().await?;
        self.application(id).await
    }

    /// An application with its items and, once decided, its recognition.
    pub async fn application(&self, id: i64) -> Result<Application> {
        let mut c = self.pool.acquire().await?;
        let row = sql!(c.conn(), fetch_optional ApplicationRow,
            &format!("{APPLICATION_SELECT} WHERE a.id = $1"), id)?
        .ok_or_else(|| application_not_found(id))?;
        let rules = self
            .framework_by_id(&mut c.conn(), row.framework_id)
            .await?;
        #[derive(sqlx::FromRow)]
        struct ItemRow {
            code: String,
            applied_status: String,
            applied_figure: String,
            decision: String,
            reason: String,
            decided_by: Option<String>,
        }
        let items = sql!(c.conn(), fetch_all ItemRow,
            "SELECT i.code, t.applied_status, t.applied_figure, t.decision, t.reason, d.username AS decided_by
             FROM application_items t JOIN indicators i ON i.id = t.indicator_id
             LEFT JOIN users d ON d.id = t.decided_by WHERE t.application_id = $1",
            id)?;
        let mut by_code: BTreeMap<String, ItemRow> =
            items.into_iter().map(|i| (i.code.clone(), i)).collect();
        let mut ordered = Vec::new();
        for indicator in &rules.indicators {
            if let Some(i) = by_code.remove(&indicator.code) {
                ordered.push(ApplicationItem {
                    indicator_code: i.code,
                    indicator_name: indicator.name.clone(),
                    indicator_name_en: indicator.name_en.clone(),
                    applied_status: i.applied_status.parse().map_err(StorageError::Corrupt)?,
                    applied_figure: i.applied_figure,
                    decision: i.decision,
                    reason: i.reason,
                    decided_by: i.decided_by,
                });
            }
        }
        let recognition = sql!(c.conn(), fetch_optional RecognitionRow,
            &format!("{RECOGNITION_SELECT} WHERE r.application_id = $1"), id)?
        .map(RecognitionRow::into_recognition)
        .transpose()?;
        Ok(Application {
            applied_on: parse_date(&row.applied_on, "applied_on")?,
            id: row.id,
            unit_code: row.unit_code,
            unit_name: row.unit_name,
            framework_id: row.framework_id,
            framework_code: row.framework_code,
            applied_by: row.applied_by,
            state: row.state,
            note: row.note,
            version: row.version,
            items: ordered,
            recognition,
        })
    }

    /// The unit's applications under the framework, newest first.
    pub async fn applications(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
    ) -> Result<Vec<Application>> {
        let ids = {
            let mut c = self.pool.acquire().await?;
            let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
            sql!(c.conn(), fetch_all_scalar i64,
                "SELECT id FROM applications WHERE unit_id = $1 AND framework_id = $2 ORDER BY applied_on DESC, id DESC",
                unit_id, framework.id)?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.application(id).await?);
        }
        Ok(out)
    }

    /// Accepts or rejects (with a reason) one indicator of an application in appraisal, if the
    /// application is still at `expected_version`.
    pub async fn appraise_item(
        &self,
        application_id: i64,
        indicator_code: &str,
        appraisal: &Appraisal,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<Application> {
        let (decision, reason) = match appraisal {
            Appraisal::Accept => ("accepted", String::new()),
            Appraisal::Reject(why) => {
                let why = unicode_nfc(why.trim());
                if why.is_empty() {
                    return Err(StorageError::invalid(
                        "không chấp nhận một chỉ tiêu cần ghi lý do",
                        "rejecting an indicator needs a reason",
                    ));
                }
                ("rejected", why)
            }
        };
        let mut tx = self.pool.begin().await?;
        let (_, unit_code, framework_id) =
            claim(&mut tx.conn(), application_id, expected_version).await?;
        let changed = sql!(tx.conn(), execute
            "UPDATE application_items SET decision = $1, reason = $2, decided_by = $3, decided_at = $4
             WHERE application_id = $5 AND indicator_id = (SELECT id FROM indicators WHERE framework_id = $6 AND code = $7)",
            decision, reason.as_str(), actor.user_id, utc_in(0), application_id, framework_id, indicator_code)?;
        if changed != 1 {
            return Err(StorageError::not_found(
                format!("hồ sơ số {application_id} không có chỉ tiêu «{indicator_code}»"),
                format!("application {application_id} has no indicator «{indicator_code}»"),
            ));
        }
        audit(
            &mut tx.conn(),
            actor,
            "recognition.appraise",
            Some(&unit_code),
            Some(indicator_code),
            Some(application_id),
            None,
            Some(if reason.is_empty() {
                decision.to_string()
            } else {
                format!("{decision}: {reason}")
            }),
        )
        .await?;
        tx.commit().await?;
        self.application(application_id).await
    }

    /// Records the recognition decision on an application whose every item is accepted.
    /// Refused while any item is rejected (refuse the application instead) or still pending.
    /// The unit's officers and the steering committee above it are notified.
    pub async fn decide_application(
        &self,
        application_id: i64,
        decision: &Decision,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<Application> {
        let number = unicode_nfc(decision.number.trim());
        let signer = unicode_nfc(decision.signer.trim());
        if number.is_empty() || signer.is_empty() {
            return Err(StorageError::invalid(
                "quyết định công nhận cần số quyết định và người ký",
                "a recognition decision needs its number and signer",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let (unit_id, unit_code, framework_id) =
            claim(&mut tx.conn(), application_id, expected_version).await?;
        let rejected = item_codes(&mut tx.conn(), application_id, "rejected").await?;
        if !rejected.is_empty() {
            return Err(StorageError::invalid(
                format!(
                    "không thể quyết định công nhận: chỉ tiêu {} không được chấp nhận khi thẩm định; hãy từ chối hồ sơ",
                    rejected.join(", ")
                ),
                format!(
                    "a recognition cannot be decided: indicator(s) {} were rejected in appraisal; refuse the application instead",
                    rejected.join(", ")
                ),
            ));
        }
        let pending = item_codes(&mut tx.conn(), application_id, "pending").await?;
        if !pending.is_empty() {
            return Err(StorageError::invalid(
                format!(
                    "chưa thẩm định xong: còn chỉ tiêu {} chưa xét",
                    pending.join(", ")
                ),
                format!(
                    "the appraisal is not finished: {} still pending",
                    pending.join(", ")
                ),
            ));
        }
        sql!(tx.conn(), execute
            "UPDATE applications SET state = 'recognised' WHERE id = $1", application_id)?;
        sql!(tx.conn(), execute
            "INSERT INTO recognitions (application_id, unit_id, framework_id, decision_number, decided_on, signer, recognised_from, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            application_id, unit_id, framework_id, number.as_str(), decision.decided_on.to_string(),
            signer.as_str(), decision.recognised_from.to_string(), actor.user_id, utc_in(0))?;
        audit(
            &mut tx.conn(),
            actor,
            "recognition.decide",
            Some(&unit_code),
            None,
            Some(application_id),
            Some("submitted".into()),
            Some(format!(
                "recognised: QĐ {number} ngày {}, từ {}",
                decision.decided_on.dmy(),
                decision.recognised_from.dmy()
            )),
        )
        .await?;
        let (_, unit) = Store::unit_with_id(&mut tx.conn(), &unit_code).await?;
        decided_notice(
            &mut tx.conn(),
            unit_id,
            application_id,
            format!(
                "{} được công nhận từ {} (QĐ số {number})",
                unit.name,
                decision.recognised_from.dmy()
            ),
            format!(
                "{} recognised from {} (decision no. {number})",
                unit.name,
                decision.recognised_from.dmy()
            ),
        )
        .await?;
        tx.commit().await?;
        self.application(application_id).await
    }

    /// Closes an application that has a rejected item, with a reason.
    pub async fn refuse_application(
        &self,
        application_id: i64,
        reason: &str,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<Application> {
        let reason = unicode_nfc(reason.trim());
        if reason.is_empty() {
            return Err(StorageError::invalid(
                "từ chối hồ sơ cần ghi lý do",
                "refusing an application needs a reason",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let (unit_id, unit_code, _) =
            claim(&mut tx.conn(), application_id, expected_version).await?;
        if item_codes(&mut tx.conn(), application_id, "rejected")
            .await?
            .is_empty()
        {
            return Err(StorageError::invalid(
                "chỉ từ chối được hồ sơ có chỉ tiêu không được chấp nhận khi thẩm định",
                "only an application with an indicator rejected in appraisal can be refused",
            ));
        }
        sql!(tx.conn(), execute
            "UPDATE applications SET state = 'refused' WHERE id = $1", application_id)?;
        audit(
            &mut tx.conn(),
            actor,
            "recognition.refuse",
            Some(&unit_code),
            None,
            Some(application_id),
            Some("submitted".into()),
            Some(format!("refused: {reason}")),
        )
        .await?;
        let (_, unit) = Store::unit_with_id(&mut tx.conn(), &unit_code).await?;
        decided_notice(
            &mut tx.conn(),
            unit_id,
            application_id,
            format!(
                "Hồ sơ đề nghị công nhận {} không được chấp thuận",
                unit.name
            ),
            format!(
                "The application of {} for recognition was refused",
                unit.name
            ),
        )
        .await?;
        tx.commit().await?;
        self.application(application_id).await
    }

    /// Withdraws an application still in appraisal (the applicant's side: the unit, or the
    /// committee above it, found something to correct). The items and their appraisal stay on
    /// record; the unit may apply again. The province's appraisers are told.
    pub async fn withdraw_application(
        &self,
        application_id: i64,
        reason: &str,
        expected_version: i64,
        actor: &Actor,
    ) -> Result<Application> {
        let reason = unicode_nfc(reason.trim());
        if reason.is_empty() {
            return Err(StorageError::invalid(
                "rút hồ sơ cần ghi lý do",
                "withdrawing an application needs a reason",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let (unit_id, unit_code, _) =
            claim(&mut tx.conn(), application_id, expected_version).await?;
        sql!(tx.conn(), execute
            "UPDATE applications SET state = 'withdrawn' WHERE id = $1", application_id)?;
        audit(
            &mut tx.conn(),
            actor,
            "recognition.withdraw",
            Some(&unit_code),
            None,
            Some(application_id),
            Some("submitted".into()),
            Some(format!("withdrawn: {reason}")),
        )
        .await?;
        let (_, unit) = Store::unit_with_id(&mut tx.conn(), &unit_code).await?;
        let appraisers = users_with_roles_over(&mut tx.conn(), unit_id, &[Role::Appraiser]).await?;
        notify(
            &mut tx.conn(),
            &appraisers,
            &Notice {
                kind: "application.withdrawn".into(),
                title: format!("{} rút hồ sơ đề nghị công nhận", unit.name),
                title_en: format!("{} withdrew its application for recognition", unit.name),
                body: format!("Lý do: {reason}"),
                body_en: format!("Reason: {reason}"),
                link: format!("/applications/{application_id}"),
            },
        )
        .await?;
        tx.commit().await?;
        self.application(application_id).await
    }

    /// The unit's recognition under the framework, if it was recognised.
    pub async fn recognition(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
    ) -> Result<Option<Recognition>> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), fetch_optional RecognitionRow,
            &format!("{RECOGNITION_SELECT} WHERE u.code = $1 AND r.framework_id = $2"),
            unit_code, framework.id)?
        .map(RecognitionRow::into_recognition)
        .transpose()
    }

    /// The recognitions of every unit under `unit_code` (itself included) under the framework,
    /// by unit code: one query, for overviews.
    pub async fn recognitions_under(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
    ) -> Result<HashMap<String, Recognition>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        sql!(c.conn(), fetch_all RecognitionRow,
            &format!("{RECOGNITION_SELECT} JOIN unit_ancestors x ON x.unit_id = r.unit_id
                      WHERE x.ancestor_id = $1 AND r.framework_id = $2 ORDER BY r.recognised_from, u.code"),
            unit_id, framework.id)?
        .into_iter()
        .map(|r| r.into_recognition().map(|r| (r.unit_code.clone(), r)))
        .collect()
    }

    /// Sets how many units the province plans to recognise in `year`.
    pub async fn set_quota(
        &self,
        province_code: &str,
        year: i32,
        quota: i64,
        actor: &Actor,
    ) -> Result<()> {
        if !(0..=i64::from(i32::MAX)).contains(&quota) || !(2000..=2100).contains(&year) {
            return Err(StorageError::invalid(
                "chỉ tiêu công nhận là một số không âm, cho một năm từ 2000 đến 2100",
                "a quota is a number of units, not negative, for a year from 2000 to 2100",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let (unit_id, _) = Store::unit_with_id(&mut tx.conn(), province_code).await?;
        let before = sql!(tx.conn(), fetch_optional_scalar i32,
            "SELECT quota FROM recognition_quotas WHERE unit_id = $1 AND year = $2", unit_id, year)?;
        sql!(tx.conn(), execute
            "INSERT INTO recognition_quotas (unit_id, year, quota) VALUES ($1, $2, $3)
             ON CONFLICT (unit_id, year) DO UPDATE SET quota = excluded.quota",
            unit_id, year, quota as i32)?;
        audit(
            &mut tx.conn(),
            actor,
            "recognition.quota",
            Some(province_code),
            None,
            None,
            before.map(|b| format!("{year}: {b}")),
            Some(format!("{year}: {quota}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Per year, the province's quota and the units under it recognised from a date in that
    /// year, oldest year first: every year that has either.
    pub async fn recognitions_by_year(
        &self,
        province_code: &str,
        framework: &FrameworkRef,
    ) -> Result<Vec<RecognitionYear>> {
        #[derive(sqlx::FromRow)]
        struct QuotaRow {
            year: i32,
            quota: i32,
        }
        let recognised = self.recognitions_under(province_code, framework).await?;
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), province_code).await?;
        let quotas = sql!(c.conn(), fetch_all QuotaRow,
            "SELECT year, quota FROM recognition_quotas WHERE unit_id = $1 ORDER BY year", unit_id)?;
        let mut years: BTreeMap<i32, RecognitionYear> = quotas
            .into_iter()
            .map(|q| {
                (
                    q.year,
                    RecognitionYear {
                        year: q.year,
                        quota: Some(i64::from(q.quota)),
                        recognised: Vec::new(),
                    },
                )
            })
            .collect();
        let mut all: Vec<Recognition> = recognised.into_values().collect();
        all.sort_by(|a, b| {
            (a.recognised_from, &a.unit_code).cmp(&(b.recognised_from, &b.unit_code))
        });
        for r in all {
            let year = r.recognised_from.year();
            years
                .entry(year)
                .or_insert_with(|| RecognitionYear {
                    year,
                    quota: None,
                    recognised: Vec::new(),
                })
                .recognised
                .push(r);
        }
        Ok(years.into_values().collect())
    }
}

async fn item_codes(
    conn: &mut Conn<'_>,
    application_id: i64,
    decision: &str,
) -> Result<Vec<String>> {
    Ok(sql!(&mut *conn, fetch_all_scalar String,
        "SELECT i.code FROM application_items t JOIN indicators i ON i.id = t.indicator_id
         WHERE t.application_id = $1 AND t.decision = $2 ORDER BY i.code",
        application_id, decision)?)
}

/// Tells the unit's officers and the steering committee above it that the appraisal is decided.
async fn decided_notice(
    conn: &mut Conn<'_>,
    unit_id: i64,
    application_id: i64,
    title: String,
    title_en: String,
) -> Result<()> {
    let people =
        users_with_roles_over(&mut *conn, unit_id, &[Role::Officer, Role::Steering]).await?;
    notify(
        &mut *conn,
        &people,
        &Notice {
            kind: "appraisal.decided".into(),
            body: title.clone(),
            body_en: title_en.clone(),
            title,
            title_en,
            link: format!("/applications/{application_id}"),
        },
    )
    .await
}

/// Texts arrive normalised (NFC) from the web layer; storage only trims them.
fn unicode_nfc(text: &str) -> String {
    text.to_string()
}
