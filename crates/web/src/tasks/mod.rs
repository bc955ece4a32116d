//! Support tasks (pages and `/api/v1/tasks`), the one-click proposals on a ward's page, the
//! organisations that carry tasks out, and the notices page with its header badge.

mod api;
mod background;
mod notices;
mod organisations;
mod pages;

use std::collections::HashMap;

use axum::Router;
use tiendo_domain::access::{Action, TaskParties, may_update_task, permits};
use tiendo_storage::Task;

use crate::auth::Viewer;
use crate::{AppError, AppState};

pub use api::TasksApi;
pub use background::{Mailer, send_pending_emails, spawn_background, spawn_mailer};
pub(crate) use pages::{IndicatorTaskBlock, UnitTasks, indicator_tasks, unit_tasks};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(organisations::routes())
        .merge(notices::routes())
}

/// The lineages (root first, the unit last) of units, read once per unit per request.
#[derive(Default)]
pub(crate) struct Lineages(HashMap<String, Vec<String>>);

impl Lineages {
    pub(crate) async fn of(&mut self, state: &AppState, code: &str) -> Result<&[String], AppError> {
        if !self.0.contains_key(code) {
            let mut lineage: Vec<String> = state
                .store
                .ancestors(code)
                .await?
                .into_iter()
                .map(|u| u.code)
                .collect();
            lineage.push(code.to_string());
            self.0.insert(code.to_string(), lineage);
        }
        Ok(&self.0[code])
    }
}

fn grants(viewer: &Viewer) -> &[tiendo_domain::access::Grant] {
    viewer
        .user
        .as_ref()
        .map(|u| u.grants.as_slice())
        .unwrap_or_default()
}

/// What a viewer may do with tasks: read them, update them.
pub(crate) struct TaskRights {
    member_of: Vec<i64>,
    lineages: Lineages,
}

impl TaskRights {
    pub(crate) async fn of(state: &AppState, viewer: &Viewer) -> Result<TaskRights, AppError> {
        let member_of = match &viewer.user {
            Some(u) => state.store.member_organisations(u.id).await?,
            None => Vec::new(),
        };
        Ok(TaskRights {
            member_of,
            lineages: Lineages::default(),
        })
    }

    /// Whether the viewer may see the task: a member of its organisation, or someone who may
    /// read the data of a unit it serves or is assigned to.
    pub(crate) async fn may_read(
        &mut self,
        state: &AppState,
        viewer: &Viewer,
        task: &Task,
    ) -> Result<bool, AppError> {
        if viewer.user.is_none() {
            return Ok(false);
        }
        if task
            .organisation
            .as_ref()
            .is_some_and(|(id, ..)| self.member_of.contains(id))
        {
            return Ok(true);
        }
        let mut codes: Vec<&str> = task.units.iter().map(|u| u.code.as_str()).collect();
        if let Some(u) = &task.assignee_unit {
            codes.push(&u.code);
        }
        for code in codes {
            let lineage = self.lineages.of(state, code).await?;
            let lineage: Vec<&str> = lineage.iter().map(String::as_str).collect();
            if permits(grants(viewer), Action::ReadData, &lineage, false) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether the viewer may change the task's status and add notes
    /// ([`tiendo_domain::access::may_update_task`]).
    pub(crate) async fn may_update(
        &mut self,
        state: &AppState,
        viewer: &Viewer,
        task: &Task,
    ) -> Result<bool, AppError> {
        let mut serves: Vec<Vec<String>> = Vec::new();
        for u in &task.units {
            serves.push(self.lineages.of(state, &u.code).await?.to_vec());
        }
        let unit = match &task.assignee_unit {
            Some(u) => Some(self.lineages.of(state, &u.code).await?.to_vec()),
            None => None,
        };
        let serves: Vec<Vec<&str>> = serves
            .iter()
            .map(|l| l.iter().map(String::as_str).collect())
            .collect();
        let serves: Vec<&[&str]> = serves.iter().map(Vec::as_slice).collect();
        let unit: Option<Vec<&str>> = unit
            .as_ref()
            .map(|l| l.iter().map(String::as_str).collect());
        Ok(may_update_task(
            grants(viewer),
            &self.member_of,
            TaskParties {
                organisation: task.organisation.as_ref().map(|(id, ..)| *id),
                unit: unit.as_deref(),
                serves: &serves,
            },
        ))
    }
}

/// Refuses a task someone may not change: sign in first, or not theirs.
pub(crate) fn refuse_update(viewer: &Viewer) -> AppError {
    match &viewer.user {
        None => AppError::SignInRequired,
        Some(u) => AppError::Forbidden {
            vi: format!(
                "Tài khoản {} không được cập nhật nhiệm vụ này: chỉ tổ chức hoặc đơn vị được giao và ban chỉ đạo",
                u.username
            ),
            en: format!(
                "The account {} may not update this task: only the organisation or unit it is assigned to and the steering committee may",
                u.username
            ),
        },
    }
}

/// A task that does not exist, or that the viewer may not see (told apart only by signing in).
pub(crate) fn task_not_found(id: i64) -> AppError {
    AppError::NotFound {
        vi: format!("không có nhiệm vụ số {id}"),
        en: format!("no task has the number {id}"),
    }
}

pub(crate) use crate::input::nfc;
