//! Puts the Sầm Sơn 2022 demo dataset (`tiendo-demo`) into a store.

use tiendo_storage::{Actor, NewObservation, Result, Store, settings};

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
        figures: recorded,
    })
}

/// What [`load`] put in, for the command line to report.
#[derive(Debug, Clone, Copy)]
pub struct LoadedDemo {
    pub units: usize,
    pub indicators: usize,
    pub figures: usize,
}
