//! Puts the Sầm Sơn 2022 demo dataset (`tiendo-demo`) into a store.

use std::collections::HashMap;
use tiendo_domain::access::Role;

use tiendo_domain::Date;
use tiendo_domain::tasks::TaskStatus;
use tiendo_storage::{
    Actor, Appraisal, Decision, EvidenceItem, FrameworkRef, NewMeeting, NewObservation,
    NewOrganisation, NewTask, NewTraining, NewTrainingAttendee, NewUser, Period, Result, Store,
    grant, settings,
};

use crate::auth::hash_password;

/// The demo's password for every demo account. Demo only: never reuse it elsewhere.
pub const DEMO_PASSWORD: &str = "demo";

/// A demo account; every one has the password [`DEMO_PASSWORD`].
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub organisation: Option<&'static str>,
    pub role: Role,
    pub unit: Option<&'static str>,
}

/// The demo accounts, as the seed's meeting needs them.
pub const DEMO_ACCOUNTS: [DemoAccount; 8] = [
    DemoAccount {
        username: "admin",
        display_name: "Quản trị hệ thống",
        organisation: None,
        role: Role::Admin,
        unit: None,
    },
    DemoAccount {
        username: "samson",
        display_name: "Ban Chỉ đạo CĐS Thành phố Sầm Sơn",
        organisation: Some("Ban Chỉ đạo chuyển đổi số thành phố"),
        role: Role::Steering,
        unit: Some("382"),
    },
    DemoAccount {
        username: "bacson",
        display_name: "Công chức phụ trách CĐS Phường Bắc Sơn",
        organisation: None,
        role: Role::Officer,
        unit: Some("14833"),
    },
    DemoAccount {
        username: "quangtien",
        display_name: "Công chức phụ trách CĐS Phường Quảng Tiến",
        organisation: None,
        role: Role::Officer,
        unit: Some("14842"),
    },
    DemoAccount {
        username: "vhtt",
        display_name: "Phòng Văn hóa - Thông tin",
        organisation: Some("Phòng Văn hóa - Thông tin"),
        role: Role::Member,
        unit: Some("382"),
    },
    DemoAccount {
        username: "vinaphone",
        display_name: "VNPT VinaPhone Thanh Hóa",
        organisation: Some("VNPT VinaPhone"),
        role: Role::Member,
        unit: Some("382"),
    },
    DemoAccount {
        username: "viettel",
        display_name: "Viettel Thanh Hóa",
        organisation: Some("Viettel"),
        role: Role::Member,
        unit: Some("382"),
    },
    DemoAccount {
        username: "tinh",
        display_name: "Sở Thông tin và Truyền thông Thanh Hóa",
        organisation: Some("Sở Thông tin và Truyền thông"),
        role: Role::Appraiser,
        unit: Some("38"),
    },
];

/// Empties the store and loads the demo: units, the framework, the exclusion, a year of
/// figures; opens the read views to the public, on the meeting day, at the city.
pub async fn load(store: &Store) -> Result<LoadedDemo> {
    load_with(store, true).await
}

/// The demo's units, framework, figures, accounts and submissions without the story after the
/// figures (no organisations, meeting, tasks or training): for tests of those mechanisms that
/// start from an empty programme.
pub async fn load_figures(store: &Store) -> Result<LoadedDemo> {
    load_with(store, false).await
}

async fn load_with(store: &Store, with_story: bool) -> Result<LoadedDemo> {
    let actor = Actor::system("demo");
    // Re-creating the demo empties the database: never one that holds real data.
    let holds_data = !store.units().await?.is_empty();
    let is_demo = store.setting(settings::ILLUSTRATIVE).await?.as_deref() == Some("true");
    if holds_data && !is_demo {
        return Err(tiendo_storage::StorageError::Invalid {
            vi: "cơ sở dữ liệu này có dữ liệu không phải dữ liệu minh họa; hãy dùng một cơ sở dữ liệu trống cho demo".into(),
            en: "this database holds data that is not the demo's; use an empty database for the demo".into(),
        });
    }
    store.clear().await?;
    let units = tiendo_demo::units();
    store.put_units(&units).await?;
    let framework = store.load_framework(tiendo_demo::FRAMEWORK_TOML).await?;
    for e in tiendo_demo::exclusions() {
        store
            .set_exclusion(
                &framework,
                &e.unit_code,
                &e.indicator_code,
                Some(&e.reason),
                &actor,
            )
            .await?;
    }
    let figures: Vec<NewObservation> = tiendo_demo::figures()
        .into_iter()
        .map(|f| NewObservation {
            unit_code: f.unit_code,
            indicator_code: f.indicator_code,
            observation: f.observation,
        })
        .collect();
    // The two wards that reported to the meeting cite the ward's report for each figure.
    let units = tiendo_demo::units();
    let evidence: Vec<Vec<EvidenceItem>> = figures
        .iter()
        .enumerate()
        .map(|(n, f)| {
            let ward = [tiendo_demo::BAC_SON_CODE, tiendo_demo::QUANG_TIEN_CODE]
                .contains(&f.unit_code.as_str());
            let name = units
                .iter()
                .find(|u| u.code == f.unit_code)
                .map(|u| u.name.as_str());
            match (ward, name) {
                (true, Some(name)) => vec![EvidenceItem::Document {
                    number: format!("{}/BC-UBND", 100 + n % 400),
                    date: f.observation.observed_on,
                    issuer: format!("UBND {name}"),
                    title: "Báo cáo kết quả thực hiện chỉ tiêu chuyển đổi số".into(),
                }],
                _ => Vec::new(),
            }
        })
        .collect();
    let recorded = store
        .record_observations_with_evidence(&framework, &figures, &evidence, &actor)
        .await?;
    let mut actors = HashMap::new();
    for account in DEMO_ACCOUNTS {
        let user = store
            .create_user(
                &NewUser {
                    username: account.username.into(),
                    display_name: account.display_name.into(),
                    organisation: account.organisation.map(Into::into),
                    password_hash: hash_password(DEMO_PASSWORD),
                    grants: vec![grant(account.role, account.unit)],
                },
                &actor,
            )
            .await?;
        actors.insert(account.username, user.actor(None));
    }
    // Both wards submitted before the meeting; the city returned one of Bắc Sơn's indicators
    // asking for concrete figures (the chair's first conclusion). Quảng Tiến's waits for review.
    let day = |s: &str| s.parse::<tiendo_domain::Date>().expect("a demo date");
    let year = store.periods(&framework).await?.remove(0);
    let year = store
        .put_period(
            &framework,
            &Period {
                name: "Năm 2022".into(),
                deadline: day("2022-10-25"),
                ..year
            },
            &actor,
        )
        .await?;
    for (ward, officer) in [
        (tiendo_demo::BAC_SON_CODE, "bacson"),
        (tiendo_demo::QUANG_TIEN_CODE, "quangtien"),
    ] {
        store
            .submit(&framework, ward, &year, day("2022-10-24"), &actors[officer])
            .await?;
    }
    store
        .return_submission(
            tiendo_demo::BAC_SON_CODE,
            &year,
            &[(
                "CQ-05".into(),
                "Đề nghị báo cáo số hồ sơ trực tuyến cụ thể theo từng tháng và giải pháp nâng tỷ lệ lên 80%".into(),
            )],
            &actors["samson"],
        )
        .await?;
    let story = if with_story {
        tell_the_story(store, &framework, &actors).await?
    } else {
        Story { tasks: 0 }
    };
    for (key, value) in [
        (settings::PUBLIC_DASHBOARD, "true"),
        (settings::ILLUSTRATIVE, "true"),
        (settings::DEFAULT_AS_OF, tiendo_demo::MEETING_DAY),
        (settings::HOME_UNIT, tiendo_demo::CITY_CODE),
    ] {
        store.set_setting(key, value, &actor).await?;
    }
    Ok(LoadedDemo {
        units: units.len(),
        indicators: tiendo_demo::framework().indicators.len(),
        figures: recorded.len(),
        tasks: story.tasks,
    })
}

/// What [`tell_the_story`] put in.
struct Story {
    tasks: usize,
}

/// The story after the figures (`tiendo_demo::story`): the organisations, the meeting of
/// 31/10/2022 with its five conclusions, the tasks they became and their progress, the training
/// of November, through the same store functions the pages call.
async fn tell_the_story(
    store: &Store,
    framework: &FrameworkRef,
    actors: &HashMap<&str, Actor>,
) -> Result<Story> {
    use tiendo_demo::story::{self, Assignee};
    let actor = Actor::system("demo");
    let day = |s: &str| s.parse::<Date>().expect("a demo date");
    let mut organisation_ids = HashMap::new();
    for org in &story::ORGANISATIONS {
        let created = store
            .create_organisation(
                &NewOrganisation {
                    code: org.code.into(),
                    name: org.name.into(),
                    name_en: org.name_en.into(),
                    kind: org.kind.into(),
                    unit_code: org.unit.into(),
                    supports: org.supports.iter().map(|g| g.to_string()).collect(),
                },
                &actor,
            )
            .await?;
        organisation_ids.insert(org.code, created.id);
        for member in org.members {
            store
                .add_organisation_member(org.code, member, &actor)
                .await?;
        }
    }

    let m = &story::MEETING;
    let meeting = store
        .create_meeting(
            framework,
            &NewMeeting {
                unit_code: m.unit.into(),
                held_on: day(m.held_on),
                title: m.title.into(),
                chair: m.chair.into(),
                place: m.place.into(),
                attendees: m.attendees.join("\n"),
                reviewed: m.units.iter().map(|u| u.to_string()).collect(),
                as_of: None,
            },
            &actors[m.recorded_by],
        )
        .await?;
    let mut version = 1;
    let mut conclusions = Vec::new();
    for text in m.conclusions {
        let (id, next) = store
            .add_conclusion(meeting, version, text, &actors[m.recorded_by])
            .await?;
        conclusions.push(id);
        version = next;
    }

    for task in &story::TASKS {
        let (organisation, unit) = match task.assignee {
            Assignee::Organisation(code) => (Some(code.to_string()), None),
            Assignee::Unit(code) => (None, Some(code.to_string())),
        };
        let created = store
            .create_task(
                &NewTask {
                    framework: framework.clone(),
                    title: task.title.into(),
                    description: m.conclusions[task.conclusion - 1].into(),
                    unit_codes: task.units.iter().map(|u| u.to_string()).collect(),
                    indicator_codes: task.indicators.iter().map(|i| i.to_string()).collect(),
                    assignee_organisation: organisation,
                    assignee_unit: unit,
                    due_on: day(task.due_on),
                    conclusion_id: Some(conclusions[task.conclusion - 1]),
                    created_on: day(m.held_on),
                },
                &actors[m.recorded_by],
            )
            .await?;
        let mut version = created.version;
        for note in task.notes {
            let status: TaskStatus = note.status.parse().expect("a demo task status");
            let text = format!("{}: {}", day(note.on).dmy(), note.note);
            version = store
                .update_task(created.id, version, status, &text, &actors[note.by])
                .await?
                .version;
        }
    }

    let t = &story::TRAINING;
    store
        .record_training(
            framework,
            &NewTraining {
                organiser_organisation_id: organisation_ids.get(t.organiser).copied(),
                organiser: story::ORGANISATIONS
                    .iter()
                    .find(|o| o.code == t.organiser)
                    .map_or(t.organiser, |o| o.name)
                    .into(),
                held_on: day(t.held_on),
                topic: t.topic.into(),
                place: t.place.into(),
                indicator_code: Some(t.indicator.into()),
                conclusion_id: Some(conclusions[t.conclusion - 1]),
                attendees: t
                    .attendees
                    .iter()
                    .map(|a| NewTrainingAttendee {
                        unit_code: a.unit.into(),
                        name: a.name.into(),
                        position: a.position.into(),
                    })
                    .collect(),
                officials: HashMap::new(),
            },
            &actors[t.recorded_by],
        )
        .await?;

    // Both wards apply in January 2023; the province's appraiser accepts every indicator and
    // the province recognises them; Thanh Hóa's yearly quotas.
    for r in &story::RECOGNITIONS {
        let mut application = store
            .apply(
                framework,
                r.unit,
                day(r.applied_on),
                "",
                &actors[r.applied_by],
            )
            .await?;
        let codes: Vec<String> = application
            .items
            .iter()
            .map(|i| i.indicator_code.clone())
            .collect();
        for code in &codes {
            application = store
                .appraise_item(
                    application.id,
                    code,
                    &Appraisal::Accept,
                    application.version,
                    &actors[story::APPRAISER],
                )
                .await?;
        }
        store
            .decide_application(
                application.id,
                &Decision {
                    number: r.decision_number.into(),
                    decided_on: day(r.decided_on),
                    signer: r.signer.into(),
                    recognised_from: day(r.decided_on),
                },
                application.version,
                &actors[story::APPRAISER],
            )
            .await?;
    }
    for (year, quota) in story::QUOTAS {
        store
            .set_quota(story::PROVINCE_CODE, year, quota, &actors[story::APPRAISER])
            .await?;
    }
    Ok(Story {
        tasks: story::TASKS.len(),
    })
}

/// What [`load`] put in, for the command line to report.
#[derive(Debug, Clone, Copy)]
pub struct LoadedDemo {
    pub units: usize,
    pub indicators: usize,
    pub figures: usize,
    pub tasks: usize,
}
