//! The progress report (báo cáo tiến độ) of a unit, or of a city over its units, for a
//! framework and a date: what it says, as an [`OfficialDocument`] that `tiendo-documents`
//! writes as DOCX or PDF. A unit that is assessed itself (a ward) gets its indicators one by one;
//! a unit above (a city, a province) gets its units side by side.

use std::collections::HashMap;

use tiendo_documents::{
    Align, Block, Cell, Column, Metadata, OfficialDocument, Paragraph, Row, Run, Signature, Table,
    Tone,
};
use tiendo_domain::report::{
    GroupGap, lower_first, place_and_date, standing_sentence, units_sentence,
};
use tiendo_domain::{Counts, Date, Lang, Status, Tier, Unit, completion_ranks, percent_text};
use tiendo_storage::{EvidenceItem, FrameworkRef, IndicatorRow, Store, Summary};

use crate::{Format, Result, file_stem};

/// What the caller may set on the document; everything has a default taken from the unit.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    pub lang: Lang,
    /// The issuing body, e.g. "BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ"; by default the unit's people's
    /// committee ("UBND PHƯỜNG BẮC SƠN").
    pub issuer: Option<String>,
    /// The document number, e.g. "125/BC-UBND"; by default left blank to be filled in on issue.
    pub number: Option<String>,
    /// The signer's name; by default a blank line.
    pub signer: Option<String>,
    /// The signer's office, e.g. "PHÓ CHỦ TỊCH"; by default "CHỦ TỊCH" for the committee,
    /// "TRƯỞNG BAN" for a board (ban).
    pub office: Option<String>,
    /// The place in the date line; by default the unit's name without its kind ("Bắc Sơn").
    pub place: Option<String>,
    /// The date of issue; by default the as-of date (callers pass today).
    pub issued_on: Option<Date>,
}

/// The status's shading in documents.
pub fn tone(status: Status) -> Tone {
    match status {
        Status::Achieved => Tone::Good,
        Status::InProgress => Tone::Progress,
        Status::NotAchieved => Tone::Bad,
        Status::NoData | Status::NotApplicable => Tone::Muted,
    }
}

/// The unit's people's committee, written in full as the issuing body: "ỦY BAN NHÂN DÂN
/// PHƯỜNG BẮC SƠN", "PEOPLE'S COMMITTEE OF BẮC SƠN WARD".
pub(crate) fn committee_name(unit: &Unit, lang: Lang) -> String {
    match lang {
        // The line breaks where an official heading breaks it.
        Lang::Vi => format!("ỦY BAN NHÂN DÂN\n{}", unit.name.to_uppercase()),
        Lang::En => format!(
            "PEOPLE'S COMMITTEE OF\n{}",
            english_name(unit).to_uppercase()
        ),
    }
}

/// A unit's name in English order: "Bắc Sơn Ward", "Sầm Sơn City".
pub(crate) fn english_name(unit: &Unit) -> String {
    format!("{} {}", place_name(unit), unit.kind.label(Lang::En))
}

/// "Phường Bắc Sơn" → "Bắc Sơn": the name a place-and-date line uses.
pub(crate) fn place_name(unit: &Unit) -> String {
    let kind = unit.kind.label(Lang::Vi);
    unit.name
        .strip_prefix(kind)
        .map(str::trim)
        .filter(|rest| !rest.is_empty())
        .unwrap_or(&unit.name)
        .to_string()
}

/// The report as a file: its bytes and a file name such as
/// `bao-cao-phuong-bac-son-2022-10-31.docx`.
pub async fn report_file(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    options: &ReportOptions,
    format: Format,
) -> Result<(Vec<u8>, String)> {
    let unit = store.unit(unit_code).await?;
    let lang = options.lang;
    let name = format!(
        "{}-{as_of}.{}",
        file_stem(&[lang.pick("bao cao", "report"), &unit.name]),
        format.extension()
    );
    let bytes = match format {
        Format::Docx => {
            let doc = progress_report(store, unit_code, framework, as_of, options).await?;
            tiendo_documents::docx::to_docx(&doc)?
        }
        Format::Pdf => {
            let doc = progress_report(store, unit_code, framework, as_of, options).await?;
            tiendo_documents::pdf::to_pdf(&doc, tiendo_documents::fonts::Fonts::find()?)?
        }
        Format::Xlsx => {
            let book =
                crate::workbook::report_workbook(store, unit_code, framework, as_of, lang).await?;
            tiendo_documents::sheet::write_workbook(&book)?
        }
    };
    Ok((bytes, name))
}

/// The progress report of `unit_code` for `framework` on `as_of`.
pub async fn progress_report(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    options: &ReportOptions,
) -> Result<OfficialDocument> {
    let lang = options.lang;
    let unit = store.unit(unit_code).await?;
    let parent = match &unit.parent_code {
        Some(code) => Some(store.unit(code).await?),
        None => None,
    };
    let framework_name = lang.pick(&framework.name, &framework.name_en).to_string();
    // A commune-level unit reports its own indicators; a unit above reports its units.
    let (title, body) = if unit.kind.tier() == Tier::Commune {
        let rows = store.unit_indicators(unit_code, framework, as_of).await?;
        let evidence: HashMap<String, Vec<String>> = store
            .evidence_in_force(framework, unit_code, as_of)
            .await?
            .into_iter()
            .map(|(code, items)| (code, items.iter().map(|e| evidence_cell(&e.item)).collect()))
            .collect();
        (
            lang.pick(
                "Tiến độ thực hiện các chỉ tiêu",
                "Progress on the indicators",
            ),
            unit_body(&unit, framework, &rows, &evidence, as_of, lang),
        )
    } else {
        let summary = store.summary(unit_code, framework, as_of).await?;
        (
            lang.pick(
                "Tiến độ thực hiện các chỉ tiêu của các đơn vị",
                "Progress of the units on their indicators",
            ),
            units_body(store, &summary, framework, as_of, lang).await?,
        )
    };
    let committee = committee_name(&unit, lang);
    let issuer = options.issuer.clone().unwrap_or_else(|| committee.clone());
    // A body other than the committee (a steering committee, a department) issues under it:
    // the committee is then its parent line, and signs as that body.
    let (issuer_parent, on_behalf, office, suffix) = match &options.issuer {
        Some(body) => (
            Some(committee.replace('\n', " ")),
            lang.pick("TM. ", "ON BEHALF OF ").to_string() + &body.to_uppercase(),
            options.office.clone().unwrap_or_else(|| {
                if tiendo_domain::text::fold(body).starts_with("ban ") {
                    lang.pick("TRƯỞNG BAN", "HEAD").into()
                } else {
                    lang.pick("THỦ TRƯỞNG CƠ QUAN", "HEAD OF OFFICE").into()
                }
            }),
            "/BC",
        ),
        None => (
            None,
            lang.pick("TM. ỦY BAN NHÂN DÂN", "ON BEHALF OF THE PEOPLE'S COMMITTEE")
                .to_string(),
            options
                .office
                .clone()
                .unwrap_or_else(|| lang.pick("CHỦ TỊCH", "CHAIRPERSON").into()),
            "/BC-UBND",
        ),
    };
    let number = match (&options.number, lang) {
        (Some(n), Lang::Vi) => format!("Số: {n}"),
        (Some(n), Lang::En) => format!("No.: {n}"),
        // No-break spaces keep room to write the number in when the document is issued.
        (None, Lang::Vi) => format!("Số:{}{suffix}", "\u{a0}".repeat(8)),
        (None, Lang::En) => format!("No.:{}{suffix}", "\u{a0}".repeat(8)),
    };
    let place = options.place.clone().unwrap_or_else(|| place_name(&unit));
    let issued_on = options.issued_on.unwrap_or(as_of);
    let mut recipients = Vec::new();
    // A province reports to no people's committee above it: the nation has none.
    if let Some(parent) = parent
        .as_ref()
        .filter(|p| p.kind.tier() != tiendo_domain::Tier::Nation)
    {
        recipients.push(match lang {
            // Inside a line the unit's kind is written in lower case: "UBND thành phố Sầm Sơn".
            Lang::Vi => format!("UBND {} (để báo cáo);", lower_first(&parent.name)),
            Lang::En => format!(
                "People's Committee of {} (for its information);",
                english_name(parent)
            ),
        });
    }
    recipients.push(
        lang.pick(
            "Ban Chỉ đạo (để theo dõi);",
            "The steering committee (to follow up);",
        )
        .into(),
    );
    recipients.push(lang.pick("Lưu: VT.", "Filed: office records.").into());
    let subject = format!("{framework_name} — {} — {}", unit.name, as_of.dmy());
    Ok(OfficialDocument {
        issuer_parent,
        issuer,
        national_title: lang
            .pick(
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "SOCIALIST REPUBLIC OF VIETNAM",
            )
            .into(),
        national_motto: lang
            .pick(
                "Độc lập - Tự do - Hạnh phúc",
                "Independence - Freedom - Happiness",
            )
            .into(),
        number,
        place_and_date: place_and_date(&place, issued_on, lang),
        kind: lang.pick("BÁO CÁO", "REPORT").into(),
        title: vec![
            title.to_string(),
            framework_name.clone(),
            match lang {
                Lang::Vi => format!("tính đến ngày {}", as_of.dmy()),
                Lang::En => format!("as of {}", as_of.dmy()),
            },
        ],
        body,
        recipients_label: lang.pick("Nơi nhận:", "Recipients:").into(),
        recipients,
        signature: Signature {
            on_behalf: Some(on_behalf),
            office,
            name: options.signer.clone().unwrap_or_default(),
        },
        metadata: Metadata {
            title: format!("{} — {}", lang.pick("Báo cáo", "Report"), unit.name),
            author: "tiendo".into(),
            subject,
            language: lang.code().into(),
        },
    })
}

/// Evidence as short as a table cell allows: a document by number and date, a file by name,
/// a link by its title.
fn evidence_cell(item: &EvidenceItem) -> String {
    match item {
        EvidenceItem::Document { number, date, .. } => format!("{number} ({})", date.dmy()),
        EvidenceItem::File { file_name, .. } => file_name.clone(),
        EvidenceItem::Link { title, url } if title.trim().is_empty() => url.clone(),
        EvidenceItem::Link { title, .. } => title.clone(),
    }
}

pub(crate) fn heading(text: &str) -> Block {
    Block::Heading(text.to_string())
}

pub(crate) fn counts_cells(counts: &Counts, lang: Lang) -> Vec<Cell> {
    // Only counts above zero are shaded, so that the eye goes to where the indicators are.
    let count =
        |n: u32, tone: Tone| Cell::toned(n.to_string(), if n > 0 { tone } else { Tone::None });
    vec![
        Cell::text(counts.applicable.to_string()),
        count(counts.achieved, Tone::Good),
        count(counts.in_progress, Tone::Progress),
        count(counts.not_achieved, Tone::Bad),
        count(counts.no_data, Tone::Muted),
        Cell::text(percent_text(counts.completion(), lang)),
    ]
}

/// The bold "Total" row under a table of counts: no number, the label, then the counts.
pub(crate) fn total_cells(counts: &Counts, lang: Lang) -> Vec<Cell> {
    let mut cells = vec![Cell::text(""), Cell::text(lang.pick("Tổng cộng", "Total"))];
    cells.extend(counts_cells(counts, lang));
    cells
        .into_iter()
        .map(|c| Cell { bold: true, ..c })
        .collect()
}

pub(crate) fn counts_columns(first: &str, lang: Lang) -> Vec<Column> {
    let col = |header: &str, weight, align| Column {
        header: header.to_string(),
        weight,
        align,
    };
    vec![
        col(lang.pick("STT", "No."), 8, Align::Center),
        col(first, 27, Align::Left),
        col(lang.pick("Số chỉ tiêu", "Indicators"), 9, Align::Center),
        col(lang.pick("Hoàn thành", "Achieved"), 10, Align::Center),
        col(
            lang.pick("Đang triển khai", "In progress"),
            11,
            Align::Center,
        ),
        col(lang.pick("Chưa đạt", "Not achieved"), 9, Align::Center),
        col(lang.pick("Chưa có số liệu", "No data"), 10, Align::Center),
        col(
            lang.pick("Tỷ lệ hoàn thành", "Completion"),
            11,
            Align::Center,
        ),
    ]
}

/// A ward's body: the sentence, the counts per group, every indicator, then what is unmet.
fn unit_body(
    unit: &Unit,
    framework: &FrameworkRef,
    rows: &[IndicatorRow],
    evidence: &HashMap<String, Vec<String>>,
    as_of: Date,
    lang: Lang,
) -> Vec<Block> {
    let mut counts = Counts::default();
    let mut groups: Vec<(String, Counts)> = Vec::new();
    for row in rows {
        counts.add(row.status, 1);
        let name = lang.pick(&row.group.name, &row.group.name_en).to_string();
        match groups.last_mut() {
            Some((last, c)) if *last == name => c.add(row.status, 1),
            _ => {
                let mut c = Counts::default();
                c.add(row.status, 1);
                groups.push((name, c));
            }
        }
    }
    let gaps: Vec<GroupGap> = groups
        .iter()
        .map(|(name, c)| GroupGap {
            group_name: name.clone(),
            not_achieved: c.not_achieved,
        })
        .collect();
    let framework_name = lang.pick(&framework.name, &framework.name_en);
    let mut body = vec![
        heading(lang.pick("I. KẾT QUẢ CHUNG", "I. OVERALL RESULT")),
        Block::Paragraph(Paragraph::body(match lang {
            Lang::Vi => format!(
                "Thực hiện {framework_name}, {} báo cáo tiến độ thực hiện các chỉ tiêu tính đến ngày {} như sau:",
                unit.name,
                as_of.dmy()
            ),
            Lang::En => format!(
                "Under the {framework_name}, {} reports its progress on the indicators as of {}:",
                unit.name,
                as_of.dmy()
            ),
        })),
        Block::Paragraph(Paragraph {
            runs: vec![Run::bold(standing_sentence(
                &unit.name, &counts, &gaps, lang,
            ))],
            align: Align::Justify,
            indent_first_line: true,
        }),
    ];
    let mut group_rows: Vec<Row> = groups
        .iter()
        .enumerate()
        .map(|(i, (name, c))| {
            let mut cells = vec![Cell::text((i + 1).to_string()), Cell::text(name.clone())];
            cells.extend(counts_cells(c, lang));
            Row::Cells(cells)
        })
        .collect();
    group_rows.push(Row::Cells(total_cells(&counts, lang)));
    body.push(Block::Table(Table {
        columns: counts_columns(lang.pick("Nhóm chỉ tiêu", "Group"), lang),
        rows: group_rows,
    }));

    body.push(heading(lang.pick(
        "II. KẾT QUẢ THEO TỪNG CHỈ TIÊU",
        "II. RESULT BY INDICATOR",
    )));
    let col = |header: &str, weight, align| Column {
        header: header.to_string(),
        weight,
        align,
    };
    let mut table_rows = Vec::new();
    let mut current_group = None;
    for (i, row) in rows.iter().enumerate() {
        if current_group != Some(&row.group.code) {
            current_group = Some(&row.group.code);
            table_rows.push(Row::Section(
                lang.pick(&row.group.name, &row.group.name_en).to_string(),
            ));
        }
        let indicator = &row.indicator;
        let (value, date) = match &row.latest {
            Some(o) => (
                o.figure
                    .describe(indicator.measure, indicator.count_unit_in(lang), lang),
                o.observed_on.dmy(),
            ),
            None => ("–".into(), "–".into()),
        };
        let evidence_text = evidence
            .get(&indicator.code)
            .map(|items| items.join("; "))
            .unwrap_or_else(|| "–".into());
        table_rows.push(Row::Cells(vec![
            Cell::text((i + 1).to_string()),
            Cell::text(format!(
                "{}. {}",
                indicator.code,
                lang.pick(&indicator.name, &indicator.name_en)
            )),
            Cell::text(indicator.target.describe(indicator.measure, lang)),
            Cell::text(value),
            Cell::text(date),
            Cell::toned(row.status.label(lang), tone(row.status)),
            Cell::text(evidence_text),
        ]));
    }
    body.push(Block::Table(Table {
        columns: vec![
            // Weights fit "STT" and a dd/mm/yyyy date on one line at the tables' size.
            col(lang.pick("STT", "No."), 8, Align::Center),
            col(lang.pick("Chỉ tiêu", "Indicator"), 24, Align::Left),
            col(lang.pick("Mục tiêu", "Target"), 10, Align::Center),
            col(lang.pick("Kết quả", "Value"), 15, Align::Center),
            col(lang.pick("Ngày số liệu", "Date"), 14, Align::Center),
            col(lang.pick("Tình trạng", "Status"), 11, Align::Center),
            col(lang.pick("Minh chứng", "Evidence"), 18, Align::Left),
        ],
        rows: table_rows,
    }));

    body.push(heading(lang.pick(
        "III. CÁC CHỈ TIÊU CHƯA HOÀN THÀNH",
        "III. INDICATORS NOT YET ACHIEVED",
    )));
    let unmet: Vec<&IndicatorRow> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                Status::NotAchieved | Status::InProgress | Status::NoData
            )
        })
        .collect();
    if unmet.is_empty() {
        body.push(Block::Paragraph(Paragraph::body(lang.pick(
            "Tất cả các chỉ tiêu áp dụng đã hoàn thành.",
            "Every applicable indicator is achieved.",
        ))));
    }
    // Not achieved first, then in progress, then without figures: the order of urgency.
    for status in [Status::NotAchieved, Status::InProgress, Status::NoData] {
        for row in unmet.iter().filter(|r| r.status == status) {
            let indicator = &row.indicator;
            body.push(Block::Paragraph(Paragraph {
                runs: vec![
                    Run::bold(format!(
                        "- {} {} ",
                        indicator.code,
                        lang.pick(&indicator.name, &indicator.name_en)
                    )),
                    Run::italic(format!("({})", row.status.label(lang).to_lowercase())),
                    Run::plain(format!(": {}", lang.pick(&row.reason.vi, &row.reason.en))),
                ],
                align: Align::Justify,
                indent_first_line: true,
            }));
        }
    }
    body
}

/// A city's body: its units side by side, by count and by group, then each unit's gaps.
async fn units_body(
    store: &Store,
    summary: &Summary,
    framework: &FrameworkRef,
    as_of: Date,
    lang: Lang,
) -> Result<Vec<Block>> {
    let unit = &summary.unit;
    let children = &summary.children;
    let complete = children
        .iter()
        .filter(|c| c.counts.applicable > 0 && c.counts.achieved == c.counts.applicable)
        .count();
    let assessed: Vec<_> = children
        .iter()
        .filter(|c| c.counts.applicable > 0)
        .collect();
    let framework_name = lang.pick(&framework.name, &framework.name_en);
    let rules = store.framework(framework).await?;

    // Each group's counts for every unit: one summary per group, whatever the number of units.
    let mut by_group: Vec<(String, HashMap<String, Counts>)> = Vec::new();
    for group in &rules.groups {
        let s = store
            .summary_in_group(&unit.code, framework, as_of, Some(&group.code))
            .await?;
        let per_unit = s
            .children
            .into_iter()
            .map(|c| (c.unit.code, c.counts))
            .collect();
        by_group.push((lang.pick(&group.name, &group.name_en).to_string(), per_unit));
    }

    let mut body = vec![
        heading(lang.pick("I. KẾT QUẢ CHUNG", "I. OVERALL RESULT")),
        Block::Paragraph(Paragraph::body(match lang {
            Lang::Vi => format!(
                "Thực hiện {framework_name}, {} báo cáo tiến độ thực hiện các chỉ tiêu của các đơn vị trực thuộc tính đến ngày {} như sau:",
                unit.name,
                as_of.dmy()
            ),
            Lang::En => format!(
                "Under the {framework_name}, {} reports the progress of its units on the indicators as of {}:",
                unit.name,
                as_of.dmy()
            ),
        })),
        Block::Paragraph(Paragraph {
            runs: vec![Run::bold(units_sentence(
                &unit.name,
                complete,
                assessed.len(),
                lang,
            ))],
            align: Align::Justify,
            indent_first_line: true,
        }),
    ];
    let counts: Vec<Counts> = assessed.iter().map(|c| c.counts).collect();
    let ranks = completion_ranks(&counts);
    let mut columns = counts_columns(lang.pick("Đơn vị", "Unit"), lang);
    columns.push(Column {
        header: lang.pick("Xếp hạng", "Rank").into(),
        weight: 8,
        align: Align::Center,
    });
    let mut rows: Vec<Row> = assessed
        .iter()
        .zip(&ranks)
        .enumerate()
        .map(|(i, (child, rank))| {
            let mut cells = vec![
                Cell::text((i + 1).to_string()),
                Cell::text(child.unit.name.clone()),
            ];
            cells.extend(counts_cells(&child.counts, lang));
            cells.push(Cell::text(rank.map_or("–".into(), |r| r.to_string())));
            Row::Cells(cells)
        })
        .collect();
    let mut total = total_cells(&summary.counts, lang);
    total.push(Cell::text(""));
    rows.push(Row::Cells(total));
    body.push(Block::Table(Table { columns, rows }));
    body.push(Block::Paragraph(Paragraph::body(
        lang.pick("Cụ thể:", "In detail:"),
    )));
    for child in &assessed {
        let gaps: Vec<GroupGap> = by_group
            .iter()
            .map(|(name, per_unit)| GroupGap {
                group_name: name.clone(),
                not_achieved: per_unit.get(&child.unit.code).map_or(0, |c| c.not_achieved),
            })
            .collect();
        body.push(Block::Paragraph(Paragraph::body(format!(
            "- {}",
            standing_sentence(&child.unit.name, &child.counts, &gaps, lang)
        ))));
    }

    body.push(heading(lang.pick(
        "II. SO SÁNH THEO NHÓM CHỈ TIÊU",
        "II. COMPARISON BY GROUP",
    )));
    body.push(Block::Paragraph(Paragraph::body(lang.pick(
        "Mỗi ô ghi số chỉ tiêu hoàn thành trên số chỉ tiêu áp dụng của nhóm.",
        "Each cell gives the indicators achieved out of those that apply in the group.",
    ))));
    let mut columns = vec![Column {
        header: lang.pick("Đơn vị", "Unit").into(),
        weight: 20,
        align: Align::Left,
    }];
    let weight = (80 / by_group.len().max(1)) as u16;
    for (name, _) in &by_group {
        columns.push(Column {
            header: name.clone(),
            weight: weight.max(6),
            align: Align::Center,
        });
    }
    let rows = assessed
        .iter()
        .map(|child| {
            let mut cells = vec![Cell::text(child.unit.name.clone())];
            for (_, per_unit) in &by_group {
                let c = per_unit.get(&child.unit.code).copied().unwrap_or_default();
                let tone = if c.applicable == 0 {
                    Tone::Muted
                } else if c.achieved == c.applicable {
                    Tone::Good
                } else if c.not_achieved > 0 {
                    Tone::Bad
                } else {
                    Tone::Progress
                };
                let text = if c.applicable == 0 {
                    "–".to_string()
                } else {
                    format!("{}/{}", c.achieved, c.applicable)
                };
                cells.push(Cell::toned(text, tone));
            }
            Row::Cells(cells)
        })
        .collect();
    body.push(Block::Table(Table { columns, rows }));

    body.push(heading(lang.pick(
        "III. CÁC CHỈ TIÊU CHƯA HOÀN THÀNH THEO ĐƠN VỊ",
        "III. INDICATORS NOT YET ACHIEVED, BY UNIT",
    )));
    let matrix = store
        .status_matrix(&unit.code, framework, as_of, 0, 100_000)
        .await?;
    let mut any = false;
    for (u, _) in &matrix.units {
        let Some(cells) = matrix.cells.get(&u.code) else {
            continue;
        };
        let mut parts = Vec::new();
        for status in [Status::NotAchieved, Status::InProgress, Status::NoData] {
            let codes: Vec<&str> = rules
                .indicators
                .iter()
                .filter(|i| cells.get(&i.code) == Some(&status))
                .map(|i| i.code.as_str())
                .collect();
            if !codes.is_empty() {
                parts.push(format!(
                    "{} ({})",
                    status.label(lang).to_lowercase(),
                    codes.join(", ")
                ));
            }
        }
        if parts.is_empty() {
            continue;
        }
        any = true;
        body.push(Block::Paragraph(Paragraph {
            runs: vec![
                Run::bold(format!("- {}: ", u.name)),
                Run::plain(format!("{}.", parts.join("; "))),
            ],
            align: Align::Justify,
            indent_first_line: true,
        }));
    }
    if !any {
        body.push(Block::Paragraph(Paragraph::body(lang.pick(
            "Tất cả các đơn vị đã hoàn thành mọi chỉ tiêu áp dụng.",
            "Every unit has achieved every applicable indicator.",
        ))));
    }
    Ok(body)
}
