//! The store keeps what every request asks again (summaries, tokens, units and their ancestors,
//! settings, the frameworks) only while the database says nothing under it has changed. The
//! changes here are made by a second store on the same database, as another process would,
//! so no cache of the first can have been told.

use tiendo_domain::Status;
use tiendo_domain::access::Role;
use tiendo_storage::testing::TestDb;
use tiendo_storage::{Actor, NewObservation, NewUser, Store, grant};

const CITY: &str = tiendo_demo::CITY_CODE;

async fn caches_follow_changes_made_by_another_process(db: &TestDb) {
    let here = &db.store;
    let elsewhere = Store::open(&db.url).await.unwrap();
    let actor = Actor::system("test");
    here.put_units(&tiendo_demo::units()).await.unwrap();
    let fw = here
        .load_framework(tiendo_demo::FRAMEWORK_TOML)
        .await
        .unwrap();
    let figures: Vec<NewObservation> = tiendo_demo::figures()
        .into_iter()
        .map(|f| NewObservation {
            unit_code: f.unit_code,
            indicator_code: f.indicator_code,
            observation: f.observation,
        })
        .collect();
    here.record_observations(&fw, &figures, &actor)
        .await
        .unwrap();
    let day = tiendo_demo::meeting_day();

    // A summary read twice is the same; then another process excludes an indicator.
    let before = here.summary(CITY, &fw, day).await.unwrap();
    assert_eq!(here.summary(CITY, &fw, day).await.unwrap(), before);
    let ward = &before.children[0].unit.code;
    let assessed = here
        .unit_indicators(ward, &fw, day)
        .await
        .unwrap()
        .into_iter()
        .find(|row| row.status != Status::NotApplicable)
        .expect("an assessed indicator");
    elsewhere
        .set_exclusion(
            &fw,
            ward,
            &assessed.indicator.code,
            Some("Không có đối tượng"),
            &actor,
        )
        .await
        .unwrap();
    let after = here.summary(CITY, &fw, day).await.unwrap();
    assert_eq!(
        after.counts.not_applicable,
        before.counts.not_applicable + 1,
        "the excluded indicator is counted out at once"
    );
    let fresh = Store::open(&db.url).await.unwrap();
    assert_eq!(after, fresh.summary(CITY, &fw, day).await.unwrap());

    // A renamed ward: its access lineage and the city's summary follow.
    let (_, lineage) = here.unit_and_ancestors(ward).await.unwrap();
    assert_eq!(
        lineage.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
        ["VN", "38", CITY]
    );
    let mut units = tiendo_demo::units();
    let renamed = units.iter_mut().find(|u| &u.code == ward).unwrap();
    renamed.name = format!("{} (mới)", renamed.name);
    let new_name = renamed.name.clone();
    elsewhere.put_units(&units).await.unwrap();
    assert_eq!(
        here.unit_and_ancestors(ward).await.unwrap().0.name,
        new_name
    );
    assert_eq!(
        here.summary(CITY, &fw, day).await.unwrap().children[0]
            .unit
            .name,
        new_name
    );

    // A token stops working as soon as it is revoked.
    let user = NewUser {
        username: "bacson".into(),
        display_name: "Cán bộ Bắc Sơn".into(),
        organisation: None,
        password_hash: "$argon2id$fake".into(),
        grants: vec![grant(Role::Officer, Some(ward.as_str()))],
    };
    here.create_user(&user, &actor).await.unwrap();
    here.create_api_token("bacson", "script", "hash-1", &actor)
        .await
        .unwrap();
    assert_eq!(
        here.api_token_user("hash-1")
            .await
            .unwrap()
            .unwrap()
            .username,
        "bacson"
    );
    assert!(here.api_token_user("hash-1").await.unwrap().is_some());
    elsewhere
        .revoke_api_tokens("bacson", "script", &actor)
        .await
        .unwrap();
    assert!(
        here.api_token_user("hash-1").await.unwrap().is_none(),
        "a revoked token is refused at once"
    );

    // A setting and a new framework, written elsewhere, are read here.
    assert_eq!(here.setting("public_dashboard").await.unwrap(), None);
    elsewhere
        .set_setting("public_dashboard", "true", &actor)
        .await
        .unwrap();
    assert_eq!(
        here.setting("public_dashboard").await.unwrap().as_deref(),
        Some("true")
    );
    let frameworks = here.frameworks().await.unwrap().len();
    let mut next = tiendo_demo::FRAMEWORK_TOML.replacen("version = 1", "version = 2", 1);
    next.push('\n');
    elsewhere.load_framework(&next).await.unwrap();
    assert_eq!(here.frameworks().await.unwrap().len(), frameworks + 1);

    elsewhere.close().await;
    fresh.close().await;
}

#[tokio::test]
async fn sqlite_caches_follow_changes_made_by_another_process() {
    let db = TestDb::sqlite().await;
    caches_follow_changes_made_by_another_process(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn postgres_caches_follow_changes_made_by_another_process() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    caches_follow_changes_made_by_another_process(&db).await;
    db.finish().await;
}

/// Within one request's revision, a commit of the request's own is read back at once.
async fn a_request_reads_its_own_commit(db: &TestDb) {
    let store = &db.store;
    let actor = Actor::system("test");
    store.put_units(&tiendo_demo::units()).await.unwrap();
    let fw = store
        .load_framework(tiendo_demo::FRAMEWORK_TOML)
        .await
        .unwrap();
    let day = tiendo_demo::meeting_day();
    tiendo_storage::at_one_revision(async {
        let before = store.summary(CITY, &fw, day).await.unwrap();
        assert_eq!(before.counts.not_applicable, 0);
        store
            .set_exclusion(&fw, "14833", "HT-01", Some("Không có đối tượng"), &actor)
            .await
            .unwrap();
        let after = store.summary(CITY, &fw, day).await.unwrap();
        assert_eq!(after.counts.not_applicable, 1, "read anew after the commit");
        assert_eq!(
            store.summary(CITY, &fw, day).await.unwrap(),
            after,
            "and kept"
        );
    })
    .await;
}

#[tokio::test]
async fn sqlite_a_request_reads_its_own_commit() {
    let db = TestDb::sqlite().await;
    a_request_reads_its_own_commit(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn postgres_a_request_reads_its_own_commit() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    a_request_reads_its_own_commit(&db).await;
    db.finish().await;
}
