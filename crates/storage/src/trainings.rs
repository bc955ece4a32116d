//! Trainings (tập huấn): who organised what, when, and which officials of which units attended.
//! Recording one writes, in the same transaction and through the one write path of figures, the
//! figure of the indicator it feeds (officials trained) for every unit trained, each citing the
//! training as evidence.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tiendo_domain::text::fold;
use tiendo_domain::{Date, Decimal, Figure, Framework, Indicator, Measure, Observation, Ratio};

use crate::accounts::{audit, utc_in};
use crate::derive::{OBSERVATION_COLUMNS, ObservationRow, in_list};
use crate::evidence::EvidenceItem;
use crate::meetings::clean;
use crate::observations::{NewObservation, unit_ids, write_observations_in};
use crate::units::parse_date;
use crate::{Actor, FrameworkRef, Result, StorageError, Store};

/// An official who attended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTrainingAttendee {
    pub unit_code: String,
    pub name: String,
    pub position: String,
}

/// A training to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTraining {
    /// The organisation that organised it, when one was chosen.
    pub organiser_organisation_id: Option<i64>,
    /// The organiser as written, e.g. "Sở Thông tin và Truyền thông".
    pub organiser: String,
    pub held_on: Date,
    pub topic: String,
    pub place: String,
    /// The indicator it feeds; the framework's officials-trained indicator when `None`.
    pub indicator_code: Option<String>,
    /// The conclusion of a meeting it carries out.
    pub conclusion_id: Option<i64>,
    pub attendees: Vec<NewTrainingAttendee>,
    /// The number of officials of a unit (by code), for a ratio or percent when the unit has no
    /// figure with a denominator yet; it overrides the latest denominator when given.
    pub officials: HashMap<String, i64>,
}

/// A recorded training.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Training {
    pub id: i64,
    pub framework_id: i64,
    pub organiser_organisation_id: Option<i64>,
    pub organiser: String,
    pub held_on: Date,
    pub topic: String,
    pub place: String,
    pub indicator_code: Option<String>,
    pub conclusion_id: Option<i64>,
    /// The meeting of that conclusion.
    pub meeting_id: Option<i64>,
    pub attendees: Vec<TrainingAttendee>,
    pub figures: Vec<TrainingFigure>,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TrainingAttendee {
    pub unit_code: String,
    pub unit_name: String,
    pub name: String,
    pub position: String,
}

/// A figure the training wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingFigure {
    pub unit_code: String,
    pub unit_name: String,
    pub indicator_code: String,
    pub observation_id: i64,
    pub observation: Observation,
}

/// A training as listed for a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingItem {
    pub id: i64,
    pub held_on: Date,
    pub topic: String,
    pub organiser: String,
    pub indicator_code: Option<String>,
    /// How many of its attendees belong to the unit listed for (or the units under it).
    pub attendees: i64,
}

/// The indicators a training may feed: those counted (a number, a ratio or a percentage).
pub fn training_indicator_choices(rules: &Framework) -> Vec<&Indicator> {
    rules
        .indicators
        .iter()
        .filter(|i| i.measure != Measure::YesNo)
        .collect()
}

/// The indicator of officials trained: a ratio or percentage whose name speaks of training
/// (tập huấn, bồi dưỡng, đào tạo), preferring the human-resources group (`nhan-luc`); else the
/// first ratio of that group; else none.
pub fn default_training_indicator(rules: &Framework) -> Option<&Indicator> {
    let human = |i: &&Indicator| {
        let g = fold(&i.group).replace('-', "_");
        g.contains("nhan_luc")
    };
    let about_training = |i: &&Indicator| {
        let name = fold(&i.name);
        ["tap huan", "boi duong", "dao tao"]
            .iter()
            .any(|w| name.contains(w))
            || fold(&i.name_en).contains("train")
    };
    let rated = |i: &&Indicator| matches!(i.measure, Measure::Ratio | Measure::Percent);
    let choices = training_indicator_choices(rules);
    choices
        .iter()
        .copied()
        .find(|i| human(i) && rated(i) && about_training(i))
        .or_else(|| {
            choices
                .iter()
                .copied()
                .find(|i| rated(i) && about_training(i))
        })
        .or_else(|| choices.iter().copied().find(|i| human(i) && rated(i)))
}

impl Store {
    /// Records a training, all in one transaction: the training and its attendees; for each
    /// unit trained, a figure of the indicator it feeds on the training day (a count of the
    /// unit's distinct officials trained for it within the framework period, or that count over
    /// the unit's number of officials), written through the same path as the entry form (status
    /// spans rewritten, submitted periods refused, audited), with a cited document as evidence.
    pub async fn record_training(
        &self,
        framework: &FrameworkRef,
        new: &NewTraining,
        actor: &Actor,
    ) -> Result<i64> {
        let rules = self.framework(framework).await?;
        let indicator = match &new.indicator_code {
            Some(code) => rules.indicator(code).ok_or_else(|| {
                StorageError::not_found(
                    format!("khung {} không có chỉ tiêu «{code}»", framework.code),
                    format!("framework {} has no indicator «{code}»", framework.code),
                )
            })?,
            None => default_training_indicator(&rules).ok_or_else(|| {
                StorageError::invalid(
                    "khung chỉ tiêu không có chỉ tiêu về cán bộ được tập huấn: hãy chọn chỉ tiêu",
                    "the framework has no indicator of officials trained: choose one",
                )
            })?,
        };
        if indicator.measure == Measure::YesNo {
            return Err(StorageError::invalid(
                format!(
                    "chỉ tiêu {} là chỉ tiêu có/không, không đếm được người tập huấn",
                    indicator.code
                ),
                format!(
                    "indicator {} is yes/no: it cannot count officials trained",
                    indicator.code
                ),
            ));
        }
        let topic = clean(&new.topic);
        let organiser = clean(&new.organiser);
        if topic.is_empty() || organiser.is_empty() {
            return Err(StorageError::invalid(
                "lớp tập huấn cần nội dung và đơn vị tổ chức",
                "a training needs a topic and an organiser",
            ));
        }
        if new.held_on < framework.period_start || new.held_on > framework.period_end {
            return Err(StorageError::invalid(
                format!(
                    "ngày tập huấn {} ngoài kỳ của khung chỉ tiêu ({} – {})",
                    new.held_on.dmy(),
                    framework.period_start.dmy(),
                    framework.period_end.dmy()
                ),
                format!(
                    "the training day {} is outside the framework period ({} – {})",
                    new.held_on.dmy(),
                    framework.period_start.dmy(),
                    framework.period_end.dmy()
                ),
            ));
        }
        let attendees: Vec<NewTrainingAttendee> = new
            .attendees
            .iter()
            .map(|a| NewTrainingAttendee {
                unit_code: a.unit_code.trim().to_string(),
                name: clean(&a.name),
                position: clean(&a.position),
            })
            .filter(|a| !a.name.is_empty())
            .collect();
        if attendees.is_empty() {
            return Err(StorageError::invalid(
                "hãy ghi ít nhất một người được tập huấn",
                "list at least one official trained",
            ));
        }
        let codes: BTreeSet<&str> = attendees.iter().map(|a| a.unit_code.as_str()).collect();

        let mut tx = self.pool.begin().await?;
        let units = unit_ids(&mut tx.conn(), &codes).await?;
        if let Some(missing) = codes.iter().find(|c| !units.contains_key(**c)) {
            return Err(StorageError::not_found(
                format!("không có đơn vị mã «{missing}»"),
                format!("no unit has the code «{missing}»"),
            ));
        }
        let indicator_id = sql!(tx.conn(), fetch_one_scalar i64,
            "SELECT id FROM indicators WHERE framework_id = $1 AND code = $2",
            framework.id, indicator.code.as_str())?;
        if let Some(conclusion) = new.conclusion_id {
            let found = sql!(tx.conn(), fetch_optional_scalar i64,
                "SELECT id FROM conclusions WHERE id = $1", conclusion)?;
            if found.is_none() {
                return Err(StorageError::not_found(
                    format!("không có kết luận số {conclusion}"),
                    format!("no conclusion {conclusion}"),
                ));
            }
        }
        let id = sql!(tx.conn(), fetch_one_scalar i64,
            "INSERT INTO trainings (framework_id, organiser_organisation_id, organiser, held_on, topic, place, indicator_id, conclusion_id, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            framework.id, new.organiser_organisation_id, organiser.as_str(),
            new.held_on.to_string(), topic.as_str(), clean(&new.place), indicator_id,
            new.conclusion_id, actor.user_id, utc_in(0))?;
        for a in &attendees {
            sql!(tx.conn(), execute
                "INSERT INTO training_attendees (training_id, unit_id, name, position) VALUES ($1, $2, $3, $4)",
                id, units[&a.unit_code].0, a.name.as_str(), a.position.as_str())?;
        }

        // Who of each unit earlier recorded trainings for this indicator already trained in the
        // period: they are in the unit's figures already, so only the others add to them.
        let ids: Vec<i64> = codes.iter().map(|c| units[*c].0).collect();
        #[derive(sqlx::FromRow)]
        struct Trained {
            unit_id: i64,
            name: String,
        }
        let q = format!(
            "SELECT DISTINCT ta.unit_id, ta.name FROM training_attendees ta
             JOIN trainings t ON t.id = ta.training_id
             WHERE t.framework_id = $1 AND t.indicator_id = $2 AND t.held_on >= $3 AND t.held_on <= $4
               AND t.id <> $5 AND ta.unit_id IN ({})",
            in_list(6, ids.len())
        );
        let earlier = sql!(tx.conn(), fetch_all_with Trained, &q, |q| {
            let mut q = q
                .bind(framework.id)
                .bind(indicator_id)
                .bind(framework.period_start.to_string())
                .bind(new.held_on.to_string())
                .bind(id);
            for i in &ids {
                q = q.bind(*i);
            }
            q
        })?;
        // The same person written twice with different case or spacing is one official.
        let person = |name: &str| fold(name).split_whitespace().collect::<Vec<_>>().join(" ");
        let mut already: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for t in earlier {
            already
                .entry(t.unit_id)
                .or_default()
                .insert(person(&t.name));
        }
        let mut newly: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for a in &attendees {
            let unit_id = units[&a.unit_code].0;
            let name = person(&a.name);
            if !already.get(&unit_id).is_some_and(|s| s.contains(&name)) {
                newly.entry(unit_id).or_default().insert(name);
            }
        }
        // Each unit's figure in force on the training day: what the training adds to.
        let q = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations o
             WHERE o.indicator_id = $1 AND o.observed_on <= $2
               AND o.unit_id IN ({}) ORDER BY o.unit_id, o.observed_on, o.id",
            in_list(3, ids.len())
        );
        let mut latest: HashMap<i64, Figure> = HashMap::new();
        for row in sql!(tx.conn(), fetch_all_with ObservationRow, &q, |q| {
            let mut q = q.bind(indicator_id).bind(new.held_on.to_string());
            for i in &ids {
                q = q.bind(*i);
            }
            q
        })? {
            latest.insert(row.unit_id, row.to_observation()?.figure);
        }

        let unit_names: BTreeMap<&str, String> = {
            let mut m = BTreeMap::new();
            for code in &codes {
                let (_, u) = Store::unit_with_id(&mut tx.conn(), code).await?;
                m.insert(*code, u.name);
            }
            m
        };
        let note = format!("Tập huấn: {topic} ({})", new.held_on.dmy());
        let mut items = Vec::with_capacity(codes.len());
        let mut evidence = Vec::with_capacity(codes.len());
        for code in &codes {
            let (unit_id, _) = units[*code];
            let added = newly.get(&unit_id).map_or(0, |p| p.len()) as i64;
            let before = latest.get(&unit_id).copied();
            let officials = new
                .officials
                .get(*code)
                .copied()
                .filter(|o| *o > 0)
                .or(match before {
                    Some(Figure::Ratio { denominator, .. }) => Some(denominator),
                    _ => None,
                });
            let figure = match indicator.measure {
                Measure::Count => {
                    let had = match before {
                        Some(Figure::Amount(a)) => a.thousandths() / Decimal::SCALE,
                        _ => 0,
                    };
                    Figure::Amount(Decimal::from_int(had + added))
                }
                Measure::Ratio | Measure::Percent => {
                    let Some(officials) = officials else {
                        let name = &unit_names[*code];
                        return Err(StorageError::invalid(
                            format!(
                                "{name} chưa có số cán bộ, công chức (mẫu số) của chỉ tiêu {}: hãy ghi số cán bộ, công chức của đơn vị",
                                indicator.code
                            ),
                            format!(
                                "{name} has no number of officials (the denominator of indicator {}) yet: give the unit's number of officials",
                                indicator.code
                            ),
                        ));
                    };
                    // Officials trained before: the figure's numerator, or its percentage of
                    // the unit's officials.
                    let had = match before {
                        Some(Figure::Ratio { numerator, .. }) => numerator,
                        Some(Figure::Amount(pct)) => {
                            (i128::from(pct.thousandths()) * i128::from(officials)
                                / (100 * i128::from(Decimal::SCALE)))
                                as i64
                        }
                        _ => 0,
                    };
                    let numerator = (had + added).min(officials);
                    if indicator.measure == Measure::Ratio {
                        Figure::Ratio {
                            numerator,
                            denominator: officials,
                        }
                    } else {
                        Figure::Amount(
                            Ratio::new(i128::from(numerator) * 100, i128::from(officials))
                                .round_to(1),
                        )
                    }
                }
                Measure::YesNo => unreachable!("refused above"),
            };
            // A unit whose figure the training does not change (all its officials were
            // trained already) gets no new figure.
            if before == Some(figure) {
                continue;
            }
            items.push(NewObservation {
                unit_code: code.to_string(),
                indicator_code: indicator.code.clone(),
                observation: Observation {
                    observed_on: new.held_on,
                    figure,
                    planned_by: None,
                    note: note.clone(),
                },
            });
            evidence.push(vec![EvidenceItem::Document {
                number: format!("TH-{id}"),
                date: new.held_on,
                issuer: organiser.clone(),
                title: format!("Tập huấn: {topic}"),
            }]);
        }
        let written = if items.is_empty() {
            Vec::new()
        } else {
            write_observations_in(
                &mut tx.conn(),
                framework,
                &rules,
                self.indicator_ids(framework.id).await?.as_ref(),
                &items,
                &evidence,
                actor,
                None,
            )
            .await?
        };
        for observation_id in &written {
            sql!(tx.conn(), execute
                "INSERT INTO training_observations (training_id, observation_id) VALUES ($1, $2)",
                id, *observation_id)?;
        }
        let record = serde_json::json!({
            "held_on": new.held_on.to_string(),
            "topic": topic,
            "organiser": organiser,
            "indicator": indicator.code,
            "attendees": attendees.len(),
            "units": codes,
            "figures": written,
        });
        audit(
            &mut tx.conn(),
            actor,
            "training.create",
            (codes.len() == 1).then(|| *codes.first().expect("one unit")),
            Some(&indicator.code),
            Some(id),
            None,
            Some(record.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A training with its attendees and the figures it wrote.
    pub async fn training(&self, id: i64) -> Result<Training> {
        let mut c = self.pool.acquire().await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            framework_id: i64,
            organiser_organisation_id: Option<i64>,
            organiser: String,
            held_on: String,
            topic: String,
            place: String,
            indicator_code: Option<String>,
            conclusion_id: Option<i64>,
            meeting_id: Option<i64>,
            created_at: String,
        }
        let row = sql!(c.conn(), fetch_optional Row,
            "SELECT t.id, t.framework_id, t.organiser_organisation_id, t.organiser, t.held_on, t.topic,
                    t.place, i.code AS indicator_code, t.conclusion_id, k.meeting_id, t.created_at
             FROM trainings t LEFT JOIN indicators i ON i.id = t.indicator_id
             LEFT JOIN conclusions k ON k.id = t.conclusion_id WHERE t.id = $1",
            id)?
        .ok_or_else(|| {
            StorageError::not_found(
                format!("không có lớp tập huấn số {id}"),
                format!("no training {id}"),
            )
        })?;
        let attendees = sql!(c.conn(), fetch_all TrainingAttendee,
            "SELECT u.code AS unit_code, u.name AS unit_name, ta.name, ta.position
             FROM training_attendees ta JOIN units u ON u.id = ta.unit_id
             WHERE ta.training_id = $1 ORDER BY u.code, ta.id",
            id)?;
        #[derive(sqlx::FromRow)]
        struct FigureRow {
            #[sqlx(flatten)]
            row: ObservationRow,
            unit_code: String,
            unit_name: String,
            indicator_code: String,
        }
        let figures = sql!(c.conn(), fetch_all FigureRow,
            &format!("SELECT {OBSERVATION_COLUMNS}, u.code AS unit_code, u.name AS unit_name,
                             i.code AS indicator_code
                      FROM training_observations x JOIN observations o ON o.id = x.observation_id
                      JOIN units u ON u.id = o.unit_id JOIN indicators i ON i.id = o.indicator_id
                      WHERE x.training_id = $1 ORDER BY u.code"),
            id)?
        .into_iter()
        .map(|f| {
            Ok(TrainingFigure {
                observation: f.row.to_observation()?,
                observation_id: f.row.id,
                unit_code: f.unit_code,
                unit_name: f.unit_name,
                indicator_code: f.indicator_code,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Training {
            held_on: parse_date(&row.held_on, "held_on")?,
            id: row.id,
            framework_id: row.framework_id,
            organiser_organisation_id: row.organiser_organisation_id,
            organiser: row.organiser,
            topic: row.topic,
            place: row.place,
            indicator_code: row.indicator_code,
            conclusion_id: row.conclusion_id,
            meeting_id: row.meeting_id,
            attendees,
            figures,
            created_at: row.created_at,
        })
    }

    /// The trainings that trained officials of `unit_code` or of the units under it, newest
    /// first.
    pub async fn trainings_for(&self, unit_code: &str) -> Result<Vec<TrainingItem>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            held_on: String,
            topic: String,
            organiser: String,
            indicator_code: Option<String>,
            attendees: i64,
        }
        let rows = sql!(c.conn(), fetch_all Row,
            "SELECT t.id, t.held_on, t.topic, t.organiser, i.code AS indicator_code,
                    COUNT(*) AS attendees
             FROM trainings t
             JOIN training_attendees ta ON ta.training_id = t.id
             JOIN unit_ancestors a ON a.unit_id = ta.unit_id
             LEFT JOIN indicators i ON i.id = t.indicator_id
             WHERE a.ancestor_id = $1
             GROUP BY t.id, t.held_on, t.topic, t.organiser, i.code
             ORDER BY t.held_on DESC, t.id DESC",
            unit_id)?;
        rows.into_iter()
            .map(|r| {
                Ok(TrainingItem {
                    held_on: parse_date(&r.held_on, "held_on")?,
                    id: r.id,
                    topic: r.topic,
                    organiser: r.organiser,
                    indicator_code: r.indicator_code,
                    attendees: r.attendees,
                })
            })
            .collect()
    }

    /// The organisations that support units under (or at) `unit_code`'s lineage, for choosing
    /// an organiser: id and name.
    pub async fn organisations_over(&self, unit_code: &str) -> Result<Vec<(i64, String)>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
        }
        Ok(sql!(c.conn(), fetch_all Row,
            "SELECT o.id, o.name FROM organisations o
             JOIN unit_ancestors a ON a.ancestor_id = o.unit_id
             WHERE a.unit_id = $1 ORDER BY o.name",
            unit_id)?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
    }
}
