//! Puts the Sầm Sơn 2022 demo dataset (`tiendo-demo`) into a store.

use tiendo_domain::access::Role;
use tiendo_storage::{Actor, NewObservation, NewUser, Result, Store, grant, settings};

use crate::auth::hash_password;

/// The demo's password for every demo account. Demo only: never reuse it elsewhere.
pub const DEMO_PASSWORD: &str = "demo";

/// The demo accounts: username, display name, organisation, role, unit.
pub const DEMO_ACCOUNTS: [(&str, &str, Option<&str>, Role, Option<&str>); 8] = [
    ("admin", "Quản trị hệ thống", None, Role::Admin, None),
    (
        "samson",
        "Ban Chỉ đạo CĐS Thành phố Sầm Sơn",
        Some("Ban Chỉ đạo chuyển đổi số thành phố"),
        Role::Steering,
        Some("382"),
    ),
    (
        "bacson",
        "Công chức phụ trách CĐS Phường Bắc Sơn",
        None,
        Role::Officer,
        Some("14833"),
    ),
    (
        "quangtien",
        "Công chức phụ trách CĐS Phường Quảng Tiến",
        None,
        Role::Officer,
        Some("14842"),
    ),
    (
        "vhtt",
        "Phòng Văn hóa - Thông tin",
        Some("Phòng Văn hóa - Thông tin"),
        Role::Member,
        Some("382"),
    ),
    (
        "vinaphone",
        "VNPT VinaPhone Thanh Hóa",
        Some("VNPT VinaPhone"),
        Role::Member,
        Some("382"),
    ),
    (
        "viettel",
        "Viettel Thanh Hóa",
        Some("Viettel"),
        Role::Member,
        Some("382"),
    ),
    (
        "tinh",
        "Sở Thông tin và Truyền thông Thanh Hóa",
        Some("Sở Thông tin và Truyền thông"),
        Role::Appraiser,
        Some("38"),
    ),
];

/// Empties the store and loads the demo: units, the framework, the exclusion, a year of
/// figures; opens the read views to the public, on the meeting day, at the city.
pub async fn load(store: &Store) -> Result<LoadedDemo> {
    let actor = Actor::system("demo");
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
    let recorded = store
        .record_observations(&framework, &figures, &actor)
        .await?;
    for (username, display_name, organisation, role, unit) in DEMO_ACCOUNTS {
        store
            .create_user(
                &NewUser {
                    username: username.into(),
                    display_name: display_name.into(),
                    organisation: organisation.map(Into::into),
                    password_hash: hash_password(DEMO_PASSWORD),
                    grants: vec![grant(role, unit)],
                },
                &actor,
            )
            .await?;
    }
    for (key, value) in [
        (settings::PUBLIC_DASHBOARD, "true"),
        (settings::ILLUSTRATIVE, "true"),
        (settings::DEFAULT_AS_OF, tiendo_demo::MEETING_DAY),
        (settings::HOME_UNIT, tiendo_demo::CITY_CODE),
    ] {
        store.set_setting(key, value).await?;
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
