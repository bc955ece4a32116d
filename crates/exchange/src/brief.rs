//! The brief of a progress meeting: the notice of the chair's conclusions (thông báo kết luận)
//! in Vietnamese administrative form, built from the meeting's frozen snapshot, so it says what
//! the meeting saw whatever was entered afterwards.

use tiendo_documents::{
    Align, Block, Cell, Metadata, OfficialDocument, Paragraph, Row, Run, Signature, Table,
};
use tiendo_domain::report::{GroupGap, lower_first, place_and_date, standing_sentence};
use tiendo_domain::{Counts, Date, Lang, Status};
use tiendo_storage::{Meeting, SnapshotUnit, Store};

use crate::report::{
    committee_name, counts_cells, counts_columns, english_name, heading, place_name, total_cells,
};
use crate::{Format, Result, file_stem};

/// The brief of meeting `id` as a file (DOCX or PDF) and its name, e.g.
/// `thong-bao-ket-luan-2022-10-31.pdf`. `issued_on` defaults to the meeting day.
pub async fn brief_file(
    store: &Store,
    id: i64,
    lang: Lang,
    issued_on: Option<Date>,
    format: Format,
) -> Result<(Vec<u8>, String)> {
    let meeting = store.meeting(id).await?;
    let doc = meeting_brief(store, &meeting, lang, issued_on).await?;
    let name = format!(
        "{}-{}.{}",
        file_stem(&[lang.pick("thong bao ket luan", "meeting conclusions")]),
        meeting.held_on,
        format.extension()
    );
    let bytes = match format {
        Format::Docx => tiendo_documents::docx::to_docx(&doc)?,
        Format::Pdf => {
            tiendo_documents::pdf::to_pdf(&doc, tiendo_documents::fonts::Fonts::find()?)?
        }
        Format::Xlsx => {
            return Err(crate::ExchangeError::invalid(
                "thông báo kết luận chỉ có dạng docx hoặc pdf",
                "the brief comes as docx or pdf only",
            ));
        }
    };
    Ok((bytes, name))
}

/// A unit's standing as the meeting saw it: the sentence, then what is not achieved, in
/// progress or without figures, with the figures.
fn unit_blocks(unit: &SnapshotUnit, lang: Lang) -> Vec<Block> {
    let gaps: Vec<GroupGap> = unit
        .groups
        .iter()
        .map(|g| GroupGap {
            group_name: lower_first(lang.pick(&g.name, &g.name_en)),
            not_achieved: g.counts.not_achieved,
        })
        .collect();
    let mut blocks = vec![Block::Paragraph(Paragraph {
        runs: vec![Run::bold(standing_sentence(
            &unit.name,
            &unit.counts,
            &gaps,
            lang,
        ))],
        align: Align::Justify,
        indent_first_line: true,
    })];
    for status in [Status::NotAchieved, Status::InProgress, Status::NoData] {
        for i in unit.indicators.iter().filter(|i| i.status == status) {
            let figure = match (lang.pick_opt(&i.figure_vi, &i.figure_en), i.figure_on) {
                (Some(f), Some(on)) => match lang {
                    Lang::Vi => format!("; số liệu {f} ngày {}", on.dmy()),
                    Lang::En => format!("; figure {f} on {}", on.dmy()),
                },
                _ => String::new(),
            };
            blocks.push(Block::Paragraph(Paragraph {
                runs: vec![
                    Run::bold(format!("- {} {} ", i.code, lang.pick(&i.name, &i.name_en))),
                    Run::italic(format!("({})", status.label(lang).to_lowercase())),
                    Run::plain(format!(
                        ": {}{figure}; {} {}.",
                        lang.pick(&i.reason_vi, &i.reason_en).trim_end_matches('.'),
                        lang.pick("mục tiêu", "target"),
                        lang.pick(&i.target_vi, &i.target_en)
                    )),
                ],
                align: Align::Justify,
                indent_first_line: true,
            }));
        }
    }
    blocks
}

/// Picks between two optional texts by language.
trait PickOpt {
    fn pick_opt<'a>(self, vi: &'a Option<String>, en: &'a Option<String>) -> Option<&'a str>;
}

impl PickOpt for Lang {
    fn pick_opt<'a>(self, vi: &'a Option<String>, en: &'a Option<String>) -> Option<&'a str> {
        match self {
            Lang::Vi => vi.as_deref(),
            Lang::En => en.as_deref().or(vi.as_deref()),
        }
    }
}

/// The brief of `meeting` as an official document, in `lang`.
pub async fn meeting_brief(
    store: &Store,
    meeting: &Meeting,
    lang: Lang,
    issued_on: Option<Date>,
) -> Result<OfficialDocument> {
    let unit = &meeting.unit;
    let framework = store
        .frameworks()
        .await?
        .into_iter()
        .find(|f| f.id == meeting.framework_id);
    let framework_name = framework
        .as_ref()
        .map(|f| lang.pick(&f.name, &f.name_en).to_string())
        .unwrap_or_default();
    let snapshot = &meeting.snapshot;
    let as_of = snapshot.as_of;

    let mut body = vec![Block::Paragraph(Paragraph::body(match lang {
        Lang::Vi => format!(
            "Ngày {}, tại {}, {} chủ trì {}.",
            meeting.held_on.dmy(),
            if meeting.place.is_empty() {
                unit.name.clone()
            } else {
                meeting.place.clone()
            },
            meeting.chair,
            lower_first(&meeting.title)
        ),
        Lang::En => format!(
            "On {}, at {}, {} chaired the {}.",
            meeting.held_on.dmy(),
            if meeting.place.is_empty() {
                english_name(unit)
            } else {
                meeting.place.clone()
            },
            meeting.chair,
            meeting.title
        ),
    }))];
    let attendees = meeting.attendee_lines();
    if !attendees.is_empty() {
        body.push(Block::Paragraph(Paragraph::body(
            lang.pick("Tham dự hội nghị có:", "Attending:"),
        )));
        for a in attendees {
            body.push(Block::Paragraph(Paragraph::body(format!("- {a};"))));
        }
    }
    body.push(Block::Paragraph(Paragraph::body(match lang {
        Lang::Vi => format!(
            "Sau khi nghe báo cáo tiến độ thực hiện {} tính đến ngày {} và ý kiến của các đại biểu, {} kết luận như sau:",
            lower_first(&framework_name),
            as_of.dmy(),
            meeting.chair
        ),
        Lang::En => format!(
            "Having heard the progress reports on the {framework_name} as of {} and the participants' views, {} concluded as follows:",
            as_of.dmy(),
            meeting.chair
        ),
    })));

    body.push(heading(
        lang.pick("I. TÌNH HÌNH THỰC HIỆN", "I. PROGRESS OF THE UNITS"),
    ));
    let mut rows: Vec<Row> = Vec::new();
    let mut total = Counts::default();
    for (n, u) in snapshot.units.iter().enumerate() {
        let mut cells = vec![Cell::text((n + 1).to_string()), Cell::text(u.name.clone())];
        cells.extend(counts_cells(&u.counts, lang));
        rows.push(Row::Cells(cells));
        total.merge(&u.counts);
    }
    if snapshot.units.len() > 1 {
        rows.push(Row::Cells(total_cells(&total, lang)));
    }
    body.push(Block::Table(Table {
        columns: counts_columns(lang.pick("Đơn vị", "Unit"), lang),
        rows,
    }));
    for u in &snapshot.units {
        body.extend(unit_blocks(u, lang));
    }

    body.push(heading(lang.pick("II. KẾT LUẬN", "II. CONCLUSIONS")));
    if meeting.conclusions.is_empty() {
        body.push(Block::Paragraph(Paragraph::body(lang.pick(
            "Chưa ghi kết luận nào.",
            "No conclusion has been recorded.",
        ))));
    }
    for (n, k) in meeting.conclusions.iter().enumerate() {
        body.push(Block::Paragraph(Paragraph::body(format!(
            "{}. {}",
            n + 1,
            k.text
        ))));
    }
    body.push(Block::Paragraph(Paragraph::body(match lang {
        Lang::Vi => format!(
            "Ủy ban nhân dân {} thông báo để các cơ quan, đơn vị biết, thực hiện./.",
            lower_first(&unit.name)
        ),
        Lang::En => {
            "This notice is sent to the bodies and units concerned for their action.".to_string()
        }
    })));

    let mut recipients = vec![
        lang.pick("Như thành phần dự họp;", "The participants;")
            .to_string(),
    ];
    for u in &meeting.reviewed {
        recipients.push(match lang {
            Lang::Vi => format!("UBND {} (để thực hiện);", lower_first(&u.name)),
            Lang::En => format!("People's Committee of {} (for action);", english_name(u)),
        });
    }
    recipients.push(lang.pick("Lưu: VT.", "Filed: office records.").into());
    let number = match lang {
        Lang::Vi => format!("Số:{}/TB-UBND", "\u{a0}".repeat(8)),
        Lang::En => format!("No.:{}/TB-UBND", "\u{a0}".repeat(8)),
    };
    let title = match lang {
        Lang::Vi => format!("Kết luận của {} tại {}", meeting.chair, meeting.title),
        Lang::En => format!("Conclusions of {} at the {}", meeting.chair, meeting.title),
    };
    Ok(OfficialDocument {
        issuer_parent: None,
        issuer: committee_name(unit, lang),
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
        place_and_date: place_and_date(
            &place_name(unit),
            issued_on.unwrap_or(meeting.held_on),
            lang,
        ),
        kind: lang.pick("THÔNG BÁO", "NOTICE").into(),
        title: vec![title.clone()],
        body,
        recipients_label: lang.pick("Nơi nhận:", "Recipients:").into(),
        recipients,
        signature: Signature {
            on_behalf: Some(lang.pick("TL. CHỦ TỊCH", "FOR THE CHAIRPERSON").into()),
            office: lang.pick("CHÁNH VĂN PHÒNG", "CHIEF OF OFFICE").into(),
            name: String::new(),
        },
        metadata: Metadata {
            title,
            author: "tiendo".into(),
            subject: format!("{framework_name} — {} — {}", unit.name, as_of.dmy()),
            language: lang.code().into(),
        },
    })
}
