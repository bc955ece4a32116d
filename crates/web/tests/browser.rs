//! The interface in a real browser: headless Chromium driven through ChromeDriver (Debian's
//! `chromium` and `chromium-driver`), against the real server on 127.0.0.1:0 with the demo
//! loaded. Every page a test visits is saved as a screenshot under
//! `target/browser-screenshots/`, so a person can look at them.
//!
//! Without ChromeDriver on the machine these tests say so and pass; under CI (`CI=true`) a
//! missing browser is a failure. `TIENDO_CHROMEDRIVER` and `TIENDO_CHROMIUM` name other binaries.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tiendo_storage::testing::TestDb;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A browser on the demo server, for one test.
struct Browser {
    client: Client,
    name: &'static str,
    shots: u32,
    addr: SocketAddr,
}

/// ChromeDriver, stopped when dropped, so that even a failure while the browser starts leaves
/// no process behind.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a test's browser runs on, ended after the test whatever its outcome.
struct Session {
    driver: Driver,
    profile: PathBuf,
    db: TestDb,
}

impl Session {
    /// Closes the browser (ChromeDriver then quits Chromium), stops ChromeDriver and removes
    /// the profile and the database: no Chromium outlives its test.
    async fn end(self, client: Client) {
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        drop(self.driver);
        // Should the session have been lost, nothing else uses this profile.
        let _ = Command::new("pkill")
            .arg("-f")
            .arg("--")
            .arg(format!("--user-data-dir={}( |$)", self.profile.display()))
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
        self.db.finish().await;
    }
}

/// Runs `test` with a browser on the demo, then ends the browser whatever happened (a failed
/// test included) and reports the test's outcome.
async fn in_browser<F, Fut>(name: &'static str, screen: Screen, test: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some((browser, session)) = browser(name, screen).await else {
        return;
    };
    let client = browser.client.clone();
    let outcome = tokio::spawn(test(browser)).await;
    session.end(client).await;
    if let Err(failure) = outcome {
        match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(other) => panic!("{other}"),
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("browser-screenshots")
}

/// How the page is shown: a desktop window, or a 360-px phone.
enum Screen {
    Desktop,
    Phone,
}

/// Starts the demo server and a browser for the test called `name`, or `None` (after saying
/// why) when ChromeDriver is not installed and this is not CI.
async fn browser(name: &'static str, screen: Screen) -> Option<(Browser, Session)> {
    let driver_path = std::env::var("TIENDO_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
    let chromium = std::env::var("TIENDO_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
    if !Path::new(&driver_path).exists() || !Path::new(&chromium).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs Chromium and ChromeDriver ({chromium}, {driver_path}): apt-get install chromium chromium-driver"
        );
        eprintln!("SKIPPED in a browser: install chromium and chromium-driver to run {name}");
        return None;
    }
    let db = TestDb::sqlite().await;
    tiendo_web::demo::load(&db.store)
        .await
        .expect("load the demo");
    let files = tiendo_storage::FileStore::local(&std::env::temp_dir().join(format!(
        "tiendo-browser-files-{}-{name}",
        std::process::id()
    )))
    .unwrap();
    let (addr, server) = tiendo_web::bind(db.store.clone(), files, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("bind");
    tokio::spawn(server);

    std::fs::create_dir_all(screenshot_dir()).unwrap();
    let port = free_port();
    let driver = Driver(
        Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let profile =
        std::env::temp_dir().join(format!("tiendo-chromium-{}-{name}", std::process::id()));
    let mut options = json!({
        "binary": chromium,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic", "--hide-scrollbars",
            "--window-size=1280,1000",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    if let Screen::Phone = screen {
        options["mobileEmulation"] =
            json!({"deviceMetrics": {"width": 360, "height": 780, "pixelRatio": 2.0}});
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => break client,
            Err(e) if Instant::now() > deadline => panic!("chromedriver did not answer: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    Some((
        Browser {
            client,
            name,
            shots: 0,
            addr,
        },
        Session {
            driver,
            profile,
            db,
        },
    ))
}

impl Browser {
    async fn open(&mut self, path: &str) {
        self.client
            .goto(&format!("http://{}{path}", self.addr))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
        self.shot(path).await;
    }

    /// Saves what the browser shows, named after the test, the step and the page.
    async fn shot(&mut self, what: &str) {
        self.shots += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let what: String = what
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let file = screenshot_dir().join(format!("{}-{:02}-{what}.png", self.name, self.shots));
        std::fs::write(&file, png).unwrap();
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no «{css}» on the page: {e}"))
    }

    async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap()
            .trim()
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    async fn script(&self, js: &str) -> Value {
        self.client.execute(js, vec![]).await.unwrap()
    }

    /// Waits until the text of `css` is `want` (the page may still be updating it, or still be
    /// navigating: an element of the page being left is read again on the next).
    async fn wait_for_text(&self, css: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = match self.find(css).await.text().await {
                Ok(text) => text.trim().to_string(),
                Err(_) => String::new(),
            };
            if got == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "«{css}» reads «{got}», not «{want}»"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn sign_in(&mut self, username: &str, then: &str) {
        self.open(&format!("/login?next={then}")).await;
        self.type_into("input[name=username]", username).await;
        self.type_into("input[name=password]", "demo").await;
        self.click("form.login button[type=submit]").await;
        self.find("header .who").await;
        self.shot(&format!("signed-in-{username}")).await;
    }
}

/// The officer of Bắc Sơn enters the figure that completes fibre to households (HT-03): the
/// row turns achieved in place, the ward's count goes from 26 to 27, and the ward page agrees.
#[tokio::test]
async fn an_officer_completes_an_indicator_and_the_count_moves() {
    in_browser("officer", Screen::Desktop, |mut b| async move {
        b.sign_in("bacson", "/units/14833/entry").await;
        assert_eq!(b.text("#unit-counts [data-count=achieved]").await, "26");
        assert_eq!(
            b.find("#row-HT-03")
                .await
                .attr("data-status")
                .await
                .unwrap()
                .as_deref(),
            Some("in_progress")
        );

        // A mistake is shown beside its field as soon as it is made, in Vietnamese.
        b.type_into("#v-NT-04", "130").await;
        b.click("#note-NT-04").await;
        let error = b.find("#err-NT-04").await;
        assert!(error.is_displayed().await.unwrap());
        assert!(error.text().await.unwrap().contains("từ 0 đến 100"));
        b.shot("inline-error").await;
        b.type_into("#v-NT-04", "").await;
        b.click("#note-NT-04").await;

        b.type_into("#n-HT-03", "1800").await;
        b.type_into("#m-HT-03", "2146").await;
        b.type_into("#note-HT-03", "Theo báo cáo của VNPT").await;
        b.click(".sticky-save button[type=submit]").await;
        b.wait_for_text("#unit-counts [data-count=achieved]", "27")
            .await;
        b.shot("saved").await;
        let row = b.find("#row-HT-03").await;
        assert_eq!(
            row.attr("data-status").await.unwrap().as_deref(),
            Some("achieved")
        );
        assert!(b.text("#row-HT-03 .chip").await.contains("Hoàn thành"));
        assert!(b.text("#row-HT-03 .figure").await.contains("83,9%"));
        assert!(b.text("#entry-status").await.contains("Đã lưu 1 số liệu"));
        assert_eq!(
            b.script("return location.pathname").await,
            "/units/14833/entry",
            "the form stayed"
        );
        assert_eq!(
            b.find("#n-HT-03")
                .await
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some("")
        );

        b.open("/units/14833").await;
        assert_eq!(b.text("#unit-counts [data-count=achieved]").await, "27");
        assert_eq!(b.text("#unit-counts [data-count=in_progress]").await, "3");
        assert!(
            b.text("tr[data-indicator=HT-03] .chip")
                .await
                .contains("Hoàn thành")
        );
    })
    .await;
}

/// The city's steering committee returns one of Quảng Tiến's indicators with a reason.
#[tokio::test]
async fn the_steering_committee_returns_an_indicator_with_a_reason() {
    in_browser("steering", Screen::Desktop, |mut b| async move {
        b.sign_in("samson", "/units/14842").await;
        assert_eq!(
            b.find("section.submission")
                .await
                .attr("data-state")
                .await
                .unwrap()
                .as_deref(),
            Some("submitted")
        );
        b.click("details.return summary").await;
        b.type_into("#ret-KT-01", "Cần danh sách hộ kinh doanh kèm số tài khoản")
            .await;
        b.shot("return-form").await;
        b.click("details.return button[type=submit]").await;
        b.find("section.submission[data-state=returned]").await;
        b.shot("returned").await;
        let returned = b.text("section.submission .flash.error").await;
        assert!(returned.contains("KT-01"), "{returned}");
        assert!(returned.contains("Cần danh sách hộ kinh doanh kèm số tài khoản"));
        assert!(
            b.text("tr[data-indicator=KT-01] .reason")
                .await
                .contains("Bị trả lại")
        );
    })
    .await;
}

/// Search ignores diacritics: "quang tien" finds Phường Quảng Tiến, and the result opens it.
#[tokio::test]
async fn search_without_diacritics_finds_the_ward() {
    in_browser("search", Screen::Desktop, |mut b| async move {
        b.open("/units/382").await;
        b.type_into("#site-q", "quang tien").await;
        b.click("form.search button[type=submit]").await;
        let first = b.find("ul.results.units li a").await;
        assert_eq!(first.text().await.unwrap(), "Phường Quảng Tiến");
        b.shot("results").await;
        first.click().await.unwrap();
        b.wait_for_text("nav.crumbs [aria-current=page]", "Phường Quảng Tiến")
            .await;
        b.shot("opened").await;
    })
    .await;
}

/// The language switch turns every page English, and the choice is remembered.
#[tokio::test]
async fn switching_to_english_is_remembered() {
    in_browser("english", Screen::Desktop, |mut b| async move {
        b.open("/units/382").await;
        assert_eq!(b.text("#totals-h").await, "Tổng hợp");
        b.click("form.lang-switch button").await;
        b.wait_for_text("#totals-h", "Totals").await;
        b.shot("english-city").await;
        assert_eq!(b.script("return document.documentElement.lang").await, "en");
        assert!(b.text("#children-h").await.starts_with("Units"));
        // Another page, opened without asking for English, stays English.
        b.open("/units/14833").await;
        assert_eq!(b.text("#totals-h").await, "Results");
        assert_eq!(
            b.text("#unit-counts [data-count=completion]").await,
            "83.9%"
        );
        b.click("form.lang-switch button").await;
        b.wait_for_text("#totals-h", "Kết quả").await;
        assert_eq!(
            b.text("#unit-counts [data-count=completion]").await,
            "83,9%"
        );
    })
    .await;
}

/// On a 360-px phone the overview, a ward and the matrix fit the width: nothing but the wide
/// tables scroll sideways, inside their own box.
#[tokio::test]
async fn the_overview_fits_a_phone() {
    in_browser("phone", Screen::Phone, |mut b| async move {
        for page in [
            "/units/382",
            "/units/14833",
            "/units/382/matrix",
            "/search?q=cap+quang",
        ] {
            b.open(page).await;
            let width = b.script("return window.innerWidth").await;
            assert_eq!(width, 360, "{page}: a phone's width");
            let overflow = b
                .script("return document.documentElement.scrollWidth - window.innerWidth")
                .await;
            assert!(
                overflow.as_i64().unwrap() <= 0,
                "{page} is wider than the phone by {overflow} px"
            );
        }
        b.open("/units/382").await;
        // The unit list is still there to read and to open.
        assert_eq!(
            b.script("return document.querySelectorAll('table.children tbody tr').length")
                .await,
            11
        );
        b.click("table.children tbody tr th a").await;
        b.find("table.indicators").await;
        b.shot("ward-on-a-phone").await;
    })
    .await;
}

/// A matrix cell opens that unit's indicator.
#[tokio::test]
async fn a_matrix_cell_opens_the_units_indicator() {
    in_browser("matrix", Screen::Desktop, |mut b| async move {
        b.open("/units/382/matrix").await;
        let cells = b
            .script("return document.querySelectorAll('table.matrix td.cell').length")
            .await;
        assert_eq!(cells, 11 * 31);
        b.click("table.matrix tbody tr:nth-child(2) td.cell[data-status] a")
            .await;
        b.find("section.standing").await;
        b.shot("cell-opened").await;
        let path = b.script("return location.pathname").await;
        assert!(
            path.as_str()
                .unwrap()
                .starts_with("/units/14833/indicators/"),
            "{path}"
        );
    })
    .await;
}

/// The keyboard alone: the first Tab reaches "skip to the content", a sort header opens with
/// Enter, and focus is always shown.
#[tokio::test]
async fn the_pages_work_from_the_keyboard() {
    in_browser("keyboard", Screen::Desktop, |mut b| async move {
        let client = b.client.clone();
        let press = |key: fantoccini::key::Key| {
            let client = client.clone();
            async move {
                client
                    .active_element()
                    .await
                    .unwrap()
                    .send_keys(&char::from(key).to_string())
                    .await
                    .unwrap();
            }
        };
        b.open("/units/382").await;
        press(fantoccini::key::Key::Tab).await;
        assert_eq!(
            b.script("return document.activeElement.className").await,
            "skip"
        );
        b.shot("skip-link-focused").await;
        // Focus is drawn: the focused link has an outline.
        let outline = b
            .script("return getComputedStyle(document.activeElement).outlineStyle")
            .await;
        assert_ne!(outline, "none", "focus is visible");
        press(fantoccini::key::Key::Enter).await;
        assert_eq!(b.script("return location.hash").await, "#main");

        // Sort the units by name from the keyboard.
        b.script(
            "document.querySelector('table.children thead th:nth-child(2) a').focus(); return null",
        )
        .await;
        press(fantoccini::key::Key::Enter).await;
        b.find("table.children thead th[aria-sort=ascending]").await;
        b.shot("sorted-by-name").await;
        let first = b.text("table.children tbody tr th a").await;
        assert_eq!(first, "Phường Bắc Sơn");
    })
    .await;
}

/// On a phone, an officer uploads a CSV of figures: the page previews the change, then writes
/// it on confirmation, and the ward's count moves.
#[tokio::test]
async fn an_officer_imports_figures_from_a_file_on_a_phone() {
    in_browser("import", Screen::Phone, |mut b| async move {
        let file = std::env::temp_dir().join(format!("tiendo-import-{}.csv", std::process::id()));
        std::fs::write(
            &file,
            "Mã đơn vị,Mã chỉ tiêu,Giá trị mới,Mẫu số mới,Ngày số liệu mới\n14833,CQ-05,270,332,31/10/2022\n",
        )
        .unwrap();
        b.sign_in("bacson", "/units/14833/import").await;
        b.find("#import-file")
            .await
            .send_keys(&file.display().to_string())
            .await
            .unwrap();
        b.click("#import-upload button[type=submit]").await;
        let preview = b.text("#import-preview tbody tr").await;
        assert!(preview.contains("CQ-05"), "{preview}");
        assert!(preview.contains("58,1% (193/332)") && preview.contains("81,3% (270/332)"), "{preview}");
        let overflow = b
            .script("return document.documentElement.scrollWidth - window.innerWidth")
            .await;
        assert!(overflow.as_i64().unwrap() <= 0, "the preview is wider than the phone by {overflow} px");
        b.shot("preview").await;
        b.click("#import-confirm button[type=submit]").await;
        assert!(b.text("#import-applied").await.contains("Đã ghi 1 số liệu"));
        b.shot("applied").await;
        b.open("/units/14833?as_of=2022-10-31").await;
        assert_eq!(b.text("#unit-counts [data-count=achieved]").await, "27");
        let _ = std::fs::remove_file(file);
    })
    .await;
}
