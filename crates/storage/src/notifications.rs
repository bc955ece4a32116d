//! In-app notices: written in the same transaction as the change they announce (a submission
//! returned or accepted, a task assigned or overdue, an appraisal decided), read on the
//! notices page, and handed to the mailer when the installation has an SMTP server.

use tiendo_domain::Lang;
use tiendo_domain::access::Role;

use crate::accounts::utc_in;
use crate::conn::Conn;
use crate::{Result, Store};

/// What a notice says, in both languages, and where it leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// What happened, e.g. `submission.returned`, `task.assigned`, `task.overdue`,
    /// `appraisal.decided`.
    pub kind: String,
    pub title: String,
    pub title_en: String,
    pub body: String,
    pub body_en: String,
    /// A path in the application, e.g. `/tasks/12`.
    pub link: String,
}

/// A notice as one user has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    /// When it was written (UTC, RFC 3339).
    pub at: String,
    pub kind: String,
    pub title: String,
    pub title_en: String,
    pub body: String,
    pub body_en: String,
    pub link: String,
    pub read: bool,
}

impl Notification {
    pub fn title_in(&self, lang: Lang) -> &str {
        lang.pick(&self.title, &self.title_en)
    }
    pub fn body_in(&self, lang: Lang) -> &str {
        lang.pick(&self.body, &self.body_en)
    }
}

/// A notice waiting to be e-mailed, with its recipient's address and language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEmail {
    pub id: i64,
    pub email: String,
    pub lang: Lang,
    pub title: String,
    pub body: String,
    pub link: String,
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    at: String,
    kind: String,
    title: String,
    title_en: String,
    body: String,
    body_en: String,
    link: String,
    read_at: Option<String>,
}

impl From<NotificationRow> for Notification {
    fn from(r: NotificationRow) -> Self {
        Notification {
            id: r.id,
            at: r.at,
            kind: r.kind,
            title: r.title,
            title_en: r.title_en,
            body: r.body,
            body_en: r.body_en,
            link: r.link,
            read: r.read_at.is_some(),
        }
    }
}

/// Writes `notice` for each of `user_ids` (each once), inside the caller's transaction.
pub(crate) async fn notify(conn: &mut Conn<'_>, user_ids: &[i64], notice: &Notice) -> Result<()> {
    let mut ids = user_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let at = utc_in(0);
    for id in ids {
        sql!(&mut *conn, execute
            "INSERT INTO notifications (user_id, at, kind, title, title_en, body, body_en, link)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            id, at.as_str(), notice.kind.as_str(), notice.title.as_str(), notice.title_en.as_str(),
            notice.body.as_str(), notice.body_en.as_str(), notice.link.as_str())?;
    }
    Ok(())
}

/// The active users holding one of `roles` on the unit `unit_id` or on any unit above it (an
/// officer of the ward, the city's steering committee, the province's appraisers).
pub(crate) async fn users_with_roles_over(
    conn: &mut Conn<'_>,
    unit_id: i64,
    roles: &[Role],
) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    for role in roles {
        let found = sql!(&mut *conn, fetch_all_scalar i64,
            "SELECT DISTINCT r.user_id FROM user_roles r
             JOIN unit_ancestors a ON a.ancestor_id = r.unit_id
             JOIN users u ON u.id = r.user_id
             WHERE a.unit_id = $1 AND r.role = $2 AND u.active",
            unit_id, role.code())?;
        ids.extend(found);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The active members of an organisation.
pub(crate) async fn organisation_member_ids(
    conn: &mut Conn<'_>,
    organisation_id: i64,
) -> Result<Vec<i64>> {
    Ok(sql!(&mut *conn, fetch_all_scalar i64,
        "SELECT m.user_id FROM organisation_members m JOIN users u ON u.id = m.user_id
         WHERE m.organisation_id = $1 AND u.active ORDER BY m.user_id",
        organisation_id)?)
}

impl Store {
    /// A user's notices, newest first.
    pub async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        let mut c = self.pool.acquire().await?;
        let rows = sql!(c.conn(), fetch_all NotificationRow,
            "SELECT id, at, kind, title, title_en, body, body_en, link, read_at FROM notifications
             WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
            user_id, limit)?;
        Ok(rows.into_iter().map(Notification::from).collect())
    }

    /// How many of a user's notices are unread (the badge in the header).
    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        let mut c = self.pool.acquire().await?;
        Ok(sql!(c.conn(), fetch_one_scalar i64,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
            user_id)?)
    }

    /// Marks a user's notices read: the ones named, or all when `ids` is empty. Another
    /// user's notices are never touched.
    pub async fn mark_notifications_read(&self, user_id: i64, ids: &[i64]) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let at = utc_in(0);
        let mut changed = 0;
        if ids.is_empty() {
            changed = sql!(tx.conn(), execute
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
                at.as_str(), user_id)?;
        } else {
            for id in ids {
                changed += sql!(tx.conn(), execute
                    "UPDATE notifications SET read_at = $1
                     WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
                    at.as_str(), id, user_id)?;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Notices not yet e-mailed to users who have an address, oldest first.
    pub async fn pending_emails(&self, limit: i64) -> Result<Vec<PendingEmail>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            email: String,
            lang: String,
            title: String,
            title_en: String,
            body: String,
            body_en: String,
            link: String,
        }
        let mut c = self.pool.acquire().await?;
        let rows = sql!(c.conn(), fetch_all Row,
            "SELECT n.id, u.email, u.lang, n.title, n.title_en, n.body, n.body_en, n.link
             FROM notifications n JOIN users u ON u.id = n.user_id
             WHERE n.emailed_at IS NULL AND u.email IS NOT NULL AND u.email <> '' AND u.active
             ORDER BY n.id LIMIT $1",
            limit)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let lang = r.lang.parse().unwrap_or(Lang::Vi);
                PendingEmail {
                    id: r.id,
                    email: r.email,
                    lang,
                    title: if lang == Lang::En {
                        r.title_en
                    } else {
                        r.title
                    },
                    body: if lang == Lang::En { r.body_en } else { r.body },
                    link: r.link,
                }
            })
            .collect())
    }

    /// Records that a notice went out by e-mail.
    pub async fn mark_emailed(&self, id: i64) -> Result<()> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), execute
            "UPDATE notifications SET emailed_at = $1 WHERE id = $2", utc_in(0).as_str(), id)?;
        Ok(())
    }
}
