//! Puts the Sầm Sơn 2022 demo dataset (`tiendo-demo`) into a store.

use tiendo_domain::access::Role;
use tiendo_storage::{
    Actor, EvidenceItem, NewObservation, NewUser, Period, Result, Store, grant, settings,
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
    let mut actors = std::collections::HashMap::new();
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
    })
}

/// What [`load`] put in, for the command line to report.
#[derive(Debug, Clone, Copy)]
pub struct LoadedDemo {
    pub units: usize,
    pub indicators: usize,
    pub figures: usize,
}
