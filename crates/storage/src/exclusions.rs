//! Exclusion requests: an officer asks for an indicator to be marked not applicable to the unit,
//! with a reason; a reviewer approves or refuses. Counts change only on approval.

use crate::accounts::{audit, utc_in};
use crate::observations::apply_exclusion;
use crate::{Actor, FrameworkRef, Result, StorageError, Store};

/// A request as listed for reviewers and officers.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ExclusionRequest {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub indicator_code: String,
    pub reason: String,
    /// `pending`, `approved` or `refused`.
    pub state: String,
    pub requested_by: Option<String>,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    /// The framework the indicator belongs to.
    pub framework_id: i64,
}

const REQUEST_COLUMNS: &str = "r.id, u.code AS unit_code, u.name AS unit_name, i.code AS indicator_code, r.reason, r.state,
    requester.username AS requested_by, r.requested_at, decider.username AS decided_by, r.decided_at, r.decision_note, i.framework_id";
const REQUEST_JOINS: &str = "FROM exclusion_requests r JOIN units u ON u.id = r.unit_id
    JOIN indicators i ON i.id = r.indicator_id
    LEFT JOIN users requester ON requester.id = r.requested_by LEFT JOIN users decider ON decider.id = r.decided_by";

impl Store {
    /// Files a request; refused when the reason is blank, the unit is already excused, or a
    /// request for the same indicator is waiting.
    pub async fn request_exclusion(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        indicator_code: &str,
        reason: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StorageError::invalid(
                "cần ghi lý do đề nghị không áp dụng chỉ tiêu",
                "a request for an exclusion needs a reason",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let (unit_id, _) = Store::unit_with_id(&mut tx.conn(), unit_code).await?;
        crate::conn::lock_units(&mut tx.conn(), &[unit_id]).await?;
        let indicator_id = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM indicators WHERE framework_id = $1 AND code = $2",
            framework.id, indicator_code)?
        .ok_or_else(|| {
            StorageError::not_found(
                format!(
                    "khung {} không có chỉ tiêu «{indicator_code}»",
                    framework.code
                ),
                format!(
                    "framework {} has no indicator «{indicator_code}»",
                    framework.code
                ),
            )
        })?;
        let excused = sql!(tx.conn(), fetch_optional_scalar String,
            "SELECT reason FROM exclusions WHERE unit_id = $1 AND indicator_id = $2",
            unit_id, indicator_id)?;
        if excused.is_some() {
            return Err(StorageError::invalid(
                format!("đơn vị đã được miễn chỉ tiêu {indicator_code}"),
                format!("the unit is already excused from {indicator_code}"),
            ));
        }
        let waiting = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM exclusion_requests WHERE unit_id = $1 AND indicator_id = $2 AND state = 'pending'",
            unit_id, indicator_id)?;
        if waiting.is_some() {
            return Err(StorageError::invalid(
                format!("đã có đề nghị miễn chỉ tiêu {indicator_code} đang chờ xét"),
                format!("a request to excuse {indicator_code} is already waiting"),
            ));
        }
        let id = sql!(tx.conn(), fetch_one_scalar i64,
            "INSERT INTO exclusion_requests (unit_id, indicator_id, reason, state, requested_by, requested_at)
             VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING id",
            unit_id, indicator_id, reason, actor.user_id, utc_in(0))?;
        audit(
            &mut tx.conn(),
            actor,
            "exclusion.request",
            Some(unit_code),
            Some(indicator_code),
            Some(id),
            None,
            Some(reason.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The unit of a request, to check who may decide it.
    pub async fn exclusion_request(&self, id: i64) -> Result<ExclusionRequest> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), fetch_optional ExclusionRequest,
            &format!("SELECT {REQUEST_COLUMNS} {REQUEST_JOINS} WHERE r.id = $1"), id)?
        .ok_or_else(|| {
            StorageError::not_found(
                format!("không có đề nghị miễn chỉ tiêu số {id}"),
                format!("no exclusion request {id}"),
            )
        })
    }

    /// Approves (the exclusion takes effect and the counts change) or refuses a waiting request,
    /// in one transaction.
    pub async fn decide_exclusion(
        &self,
        id: i64,
        approve: bool,
        note: &str,
        actor: &Actor,
    ) -> Result<ExclusionRequest> {
        let request = self.exclusion_request(id).await?;
        // The request's own framework, whatever framework is in view.
        let framework = self
            .frameworks()
            .await?
            .into_iter()
            .find(|f| f.id == request.framework_id)
            .ok_or_else(|| {
                StorageError::Corrupt(format!("framework {} is gone", request.framework_id))
            })?;
        let framework = &framework;
        let rules = self.framework(framework).await?;
        let mut tx = self.pool.begin().await?;
        let state = if approve { "approved" } else { "refused" };
        let changed = sql!(tx.conn(), execute
            "UPDATE exclusion_requests SET state = $1, decided_by = $2, decided_at = $3, decision_note = $4
             WHERE id = $5 AND state = 'pending'",
            state, actor.user_id, utc_in(0), note.trim(), id)?;
        if changed == 0 {
            return Err(StorageError::Conflict {
                vi: format!("đề nghị số {id} đã được xét ({})", request.state),
                en: format!("request {id} has already been decided ({})", request.state),
            });
        }
        if approve {
            apply_exclusion(
                &mut tx.conn(),
                framework,
                &rules,
                &request.unit_code,
                &request.indicator_code,
                Some(&request.reason),
                actor,
            )
            .await?;
        }
        audit(
            &mut tx.conn(),
            actor,
            if approve {
                "exclusion.approve"
            } else {
                "exclusion.refuse"
            },
            Some(&request.unit_code),
            Some(&request.indicator_code),
            Some(id),
            Some(request.reason.clone()),
            Some(note.trim().to_string()),
        )
        .await?;
        tx.commit().await?;
        self.exclusion_request(id).await
    }

    /// Requests for the unit and every unit under it, newest first.
    pub async fn exclusion_requests(&self, unit_code: &str) -> Result<Vec<ExclusionRequest>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        Ok(sql!(c.conn(), fetch_all ExclusionRequest,
            &format!("SELECT {REQUEST_COLUMNS} {REQUEST_JOINS}
                      JOIN unit_ancestors a ON a.unit_id = r.unit_id
                      WHERE a.ancestor_id = $1 ORDER BY r.id DESC"),
            unit_id)?)
    }
}
