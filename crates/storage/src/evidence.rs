//! Evidence (minh chứng) attached to figures: files (by content hash), links, cited documents.

use std::collections::HashMap;

use tiendo_domain::Date;

use crate::accounts::{audit, utc_in};
use crate::conn::Conn;
use crate::units::parse_date;
use crate::{Actor, FrameworkRef, Result, StorageError, Store};

/// One piece of evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvidenceItem {
    /// A file in the file store, checked by content when it was uploaded.
    File {
        hash: String,
        media_type: String,
        size: i64,
        file_name: String,
        title: String,
    },
    Link {
        url: String,
        title: String,
    },
    /// A document cited by number, date and issuer, e.g. 15/QĐ-UBND of 20/01/2022 by UBND
    /// phường Bắc Sơn.
    Document {
        number: String,
        date: Date,
        issuer: String,
        title: String,
    },
}

/// Evidence as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub id: i64,
    pub observation_id: i64,
    pub item: EvidenceItem,
    pub created_at: String,
}

impl EvidenceItem {
    fn check(&self) -> Result<()> {
        let invalid = |vi: &str, en: &str| Err(StorageError::invalid(vi, en));
        match self {
            EvidenceItem::Link { url, .. } => {
                if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000
                {
                    return invalid(
                        "đường dẫn minh chứng phải bắt đầu bằng http:// hoặc https://",
                        "an evidence link must start with http:// or https://",
                    );
                }
            }
            EvidenceItem::Document { number, issuer, .. } => {
                if number.trim().is_empty() || issuer.trim().is_empty() {
                    return invalid(
                        "văn bản minh chứng cần số hiệu và cơ quan ban hành",
                        "a cited document needs its number and its issuer",
                    );
                }
            }
            EvidenceItem::File { hash, .. } => {
                if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return invalid(
                        "mã tệp minh chứng không hợp lệ",
                        "the evidence file id is not valid",
                    );
                }
            }
        }
        Ok(())
    }

    /// A short description for the audit log and lists.
    pub fn describe(&self) -> String {
        self.describe_in(tiendo_domain::Lang::Vi)
    }

    /// A short description in `lang`, for lists and reports.
    pub fn describe_in(&self, lang: tiendo_domain::Lang) -> String {
        match self {
            EvidenceItem::File {
                file_name,
                media_type,
                size,
                ..
            } => {
                format!("{file_name} ({media_type}, {size} B)")
            }
            EvidenceItem::Link { url, .. } => url.clone(),
            EvidenceItem::Document {
                number,
                date,
                issuer,
                ..
            } => {
                let dated = lang.pick("ngày", "of");
                format!("{number} {dated} {} — {issuer}", date.dmy())
            }
        }
    }

    pub fn title(&self) -> &str {
        match self {
            EvidenceItem::File { title, .. }
            | EvidenceItem::Link { title, .. }
            | EvidenceItem::Document { title, .. } => title,
        }
    }
}

/// Attaches evidence to figure `observation_id` on the caller's transaction, audited.
pub(crate) async fn insert(
    conn: &mut Conn<'_>,
    observation_id: i64,
    unit_code: &str,
    indicator_code: &str,
    items: &[EvidenceItem],
    actor: &Actor,
) -> Result<()> {
    for item in items {
        item.check()?;
        let (mut url, mut hash, mut media, mut size, mut name, mut number, mut date, mut issuer) =
            (None, None, None, None, None, None, None, None);
        let kind = match item {
            EvidenceItem::File {
                hash: h,
                media_type,
                size: s,
                file_name,
                ..
            } => {
                (hash, media, size, name) = (
                    Some(h.clone()),
                    Some(media_type.clone()),
                    Some(*s),
                    Some(file_name.clone()),
                );
                "file"
            }
            EvidenceItem::Link { url: u, .. } => {
                url = Some(u.clone());
                "link"
            }
            EvidenceItem::Document {
                number: n,
                date: d,
                issuer: i,
                ..
            } => {
                (number, date, issuer) = (Some(n.clone()), Some(d.to_string()), Some(i.clone()));
                "document"
            }
        };
        sql!(&mut *conn, execute
            "INSERT INTO evidence (observation_id, kind, title, url, content_hash, media_type, size_bytes, file_name, doc_number, doc_date, issuer, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            observation_id, kind, item.title(), url, hash, media, size, name, number, date, issuer,
            utc_in(0), actor.user_id)?;
        audit(
            &mut *conn,
            actor,
            "evidence.add",
            Some(unit_code),
            Some(indicator_code),
            Some(observation_id),
            None,
            Some(item.describe()),
        )
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EvidenceRow {
    id: i64,
    observation_id: i64,
    kind: String,
    title: String,
    url: Option<String>,
    content_hash: Option<String>,
    media_type: Option<String>,
    size_bytes: Option<i64>,
    file_name: Option<String>,
    doc_number: Option<String>,
    doc_date: Option<String>,
    issuer: Option<String>,
    created_at: String,
}

impl EvidenceRow {
    fn into_evidence(self) -> Result<Evidence> {
        let item = match self.kind.as_str() {
            "file" => EvidenceItem::File {
                hash: self.content_hash.unwrap_or_default(),
                media_type: self.media_type.unwrap_or_default(),
                size: self.size_bytes.unwrap_or_default(),
                file_name: self.file_name.unwrap_or_default(),
                title: self.title,
            },
            "link" => EvidenceItem::Link {
                url: self.url.unwrap_or_default(),
                title: self.title,
            },
            _ => EvidenceItem::Document {
                number: self.doc_number.unwrap_or_default(),
                date: parse_date(self.doc_date.as_deref().unwrap_or(""), "doc_date")?,
                issuer: self.issuer.unwrap_or_default(),
                title: self.title,
            },
        };
        Ok(Evidence {
            id: self.id,
            observation_id: self.observation_id,
            item,
            created_at: self.created_at,
        })
    }
}

const EVIDENCE_COLUMNS: &str = "e.id, e.observation_id, e.kind, e.title, e.url, e.content_hash, e.media_type, e.size_bytes, e.file_name, e.doc_number, e.doc_date, e.issuer, e.created_at";

impl Store {
    /// Attaches evidence to a recorded figure of `unit_code` and `indicator_code`.
    pub async fn add_evidence(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        indicator_code: &str,
        observation_id: i64,
        items: &[EvidenceItem],
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        #[derive(sqlx::FromRow)]
        struct Belongs {
            unit_id: i64,
            observed_on: String,
        }
        let belongs = sql!(tx.conn(), fetch_optional Belongs,
            "SELECT o.unit_id, o.observed_on FROM observations o JOIN units u ON u.id = o.unit_id JOIN indicators i ON i.id = o.indicator_id
             WHERE o.id = $1 AND u.code = $2 AND i.code = $3 AND i.framework_id = $4",
            observation_id, unit_code, indicator_code, framework.id)?
        .ok_or_else(|| {
            StorageError::not_found(
                format!("không có số liệu số {observation_id} của chỉ tiêu {indicator_code} tại đơn vị {unit_code}"),
                format!("no figure {observation_id} of indicator {indicator_code} at unit {unit_code}"),
            )
        })?;
        // Evidence is part of what a submission holds: the same lock applies.
        let day = parse_date(&belongs.observed_on, "observed_on")?;
        crate::conn::lock_units(&mut tx.conn(), &[belongs.unit_id]).await?;
        crate::submissions::check_unlocked(
            &mut tx.conn(),
            framework.id,
            &[(belongs.unit_id, indicator_code, day)],
        )
        .await?;
        insert(
            &mut tx.conn(),
            observation_id,
            unit_code,
            indicator_code,
            items,
            actor,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every piece of evidence of a unit's figures for one indicator.
    pub async fn evidence(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        indicator_code: &str,
    ) -> Result<Vec<Evidence>> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), fetch_all EvidenceRow,
            &format!("SELECT {EVIDENCE_COLUMNS} FROM evidence e
                      JOIN observations o ON o.id = e.observation_id
                      JOIN units u ON u.id = o.unit_id JOIN indicators i ON i.id = o.indicator_id
                      WHERE u.code = $1 AND i.code = $2 AND i.framework_id = $3 ORDER BY e.id"),
            unit_code, indicator_code, framework.id)?
        .into_iter()
        .map(EvidenceRow::into_evidence)
        .collect()
    }

    /// The evidence of the figure in force on `as_of` for each of the unit's indicators, by
    /// indicator code, in the order it was attached. One query.
    pub async fn evidence_in_force(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        as_of: Date,
    ) -> Result<HashMap<String, Vec<Evidence>>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            #[sqlx(flatten)]
            evidence: EvidenceRow,
        }
        let mut c = self.pool.acquire().await?;
        let rows = sql!(c.conn(), fetch_all Row,
            &format!("SELECT i.code, {EVIDENCE_COLUMNS} FROM indicator_status s
                      JOIN units u ON u.id = s.unit_id JOIN indicators i ON i.id = s.indicator_id
                      JOIN evidence e ON e.observation_id = s.observation_id
                      WHERE u.code = $1 AND s.framework_id = $2 AND s.valid_from <= $3 AND s.valid_until > $3
                      ORDER BY e.id"),
            unit_code, framework.id, as_of.to_string())?;
        let mut out: HashMap<String, Vec<Evidence>> = HashMap::new();
        for row in rows {
            out.entry(row.code)
                .or_default()
                .push(row.evidence.into_evidence()?);
        }
        Ok(out)
    }

    /// The media type and name of a file if it is evidence of one of the unit's figures.
    pub async fn unit_file(&self, unit_code: &str, hash: &str) -> Result<Option<(String, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            media_type: Option<String>,
            file_name: Option<String>,
        }
        let mut c = self.pool.acquire().await?;
        Ok(sql!(c.conn(), fetch_optional Row,
            "SELECT e.media_type, e.file_name FROM evidence e
             JOIN observations o ON o.id = e.observation_id JOIN units u ON u.id = o.unit_id
             WHERE u.code = $1 AND e.content_hash = $2 LIMIT 1",
            unit_code, hash)?
        .map(|r| {
            (
                r.media_type.unwrap_or_default(),
                r.file_name.unwrap_or_default(),
            )
        }))
    }
}
