//! The `tiendo` binary as a person runs it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn tiendo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tiendo"))
}

fn repo(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(path)
}

/// Evidence files of a test server, out of the source tree.
fn files_dir() -> String {
    std::env::temp_dir()
        .join(format!("tiendo-cli-{}-files", std::process::id()))
        .display()
        .to_string()
}

/// Runs `tiendo COMMAND --db URL` on a free port; returns the process and the URL it prints.
fn start_server(command: &str, url: &str) -> (std::process::Child, String) {
    let mut child = tiendo()
        .args([
            command,
            "--db",
            url,
            "--addr",
            "127.0.0.1:0",
            "--files",
            &files_dir(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("tiendo: ").map(str::to_string))
        .expect("the server prints its URL");
    (child, base)
}

fn temp_db(name: &str) -> (PathBuf, String) {
    let path = std::env::temp_dir().join(format!("tiendo-cli-{}-{name}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite://{}", path.display());
    (path, url)
}

#[test]
fn framework_check_reports_each_mistake_with_its_place() {
    let file = repo("frameworks/examples/broken.toml");
    let out = tiendo()
        .args(["framework", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let source = std::fs::read_to_string(&file).unwrap();
    let line = source.lines().position(|l| l.contains("130%")).unwrap() + 1;
    assert!(
        stderr.contains(&format!(
            "broken.toml:{line}:10: error: percentage target 130% lies outside 0–100%"
        )),
        "the threshold out of range is placed on line {line}:\n{stderr}"
    );
    for needle in [
        "lỗi:",
        "error:",
        "gợi ý:",
        "help:",
        "unknown group",
        "duplicate indicator code",
        "9 lỗi / 9 error(s)",
    ] {
        assert!(stderr.contains(needle), "{needle:?} in:\n{stderr}");
    }
}

#[test]
fn framework_check_places_a_target_that_is_not_a_number() {
    let minimal = std::fs::read_to_string(repo("frameworks/examples/minimal.toml")).unwrap();
    let rule = minimal
        .lines()
        .find(|l| l.starts_with("target = \">="))
        .expect("minimal.toml has a >= target");
    let broken = minimal.replacen(rule, "target = \">= abc%\"", 1);
    let line = broken.lines().position(|l| l.contains("abc")).unwrap() + 1;
    let file = std::env::temp_dir().join(format!("tiendo-cli-{}-abc.toml", std::process::id()));
    std::fs::write(&file, broken).unwrap();
    let out = tiendo()
        .args(["framework", "check"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "abc.toml:{line}:10: error: «abc» in target rule «>= abc%» is not a number"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("e.g. `target = \">= 80%\"`"), "{stderr}");
}

#[test]
fn framework_check_accepts_the_demo_framework() {
    let out = tiendo()
        .args(["framework", "check"])
        .arg(repo("frameworks/sam-son-2022.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("31 chỉ tiêu / indicators"), "{stdout}");
}

#[test]
fn framework_check_on_a_missing_file_says_so_in_both_languages() {
    let out = tiendo()
        .args(["framework", "check", "/no/such/file.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("không đọc được tệp") && stderr.contains("cannot read"),
        "{stderr}"
    );
}

#[test]
fn unsupported_database_urls_are_refused_naming_both_forms() {
    for db in ["mysql://root@localhost/x", "tiendo.db"] {
        let out = tiendo().args(["migrate", "--db", db]).output().unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("sqlite://") && stderr.contains("postgres://"),
            "{stderr}"
        );
    }
}

#[test]
fn migrate_creates_a_database() {
    let (path, url) = temp_db("migrate");
    let out = tiendo().args(["migrate", "--db", &url]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(path.exists());
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn demo_serves_the_meeting_day_summaries() {
    let (path, url) = temp_db("demo");
    let (mut child, base) = start_server("demo", &url);
    let summary = |code: &'static str| {
        let url = format!("{base}api/v1/units/{code}/summary?as_of=2022-10-31");
        async move {
            let body: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            let c = &body["counts"];
            [
                c["applicable"].clone(),
                c["achieved"].clone(),
                c["in_progress"].clone(),
                c["not_achieved"].clone(),
            ]
        }
    };
    let bac_son = summary("14833").await;
    let quang_tien = summary("14842").await;
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(bac_son, [31, 26, 4, 1].map(serde_json::Value::from));
    assert_eq!(quang_tien, [30, 27, 2, 1].map(serde_json::Value::from));
}

#[test]
fn demo_load_only_loads_and_exits() {
    let (path, url) = temp_db("load-only");
    let out = tiendo()
        .args(["demo", "--load-only", "--db", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("14 units, 31 indicators"), "{stdout}");
    // Loading again re-creates the same dataset rather than doubling it.
    let again = tiendo()
        .args(["demo", "--load-only", "--db", &url])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), stdout);
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn units_import_builds_the_tree_under_the_nation_and_serves_it() {
    let (path, url) = temp_db("units");
    let csv = std::env::temp_dir().join(format!("tiendo-cli-{}-units.csv", std::process::id()));
    std::fs::write(
        &csv,
        "code,name,kind,level,parent_code\n38,Tỉnh Thanh Hóa,tinh,1,\n382,Thành phố Sầm Sơn,thanh_pho,2,38\n14833,Phường Bắc Sơn,phuong,3,382\n16513,Xã Quảng Minh,xa,3,382\n",
    )
    .unwrap();
    let out = tiendo()
        .args(["units", "import"])
        .arg(&csv)
        .args(["--valid-until", "2025-07-01", "--db", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("imported 5 units")
    );
    for args in [
        vec![
            "framework",
            "load",
            "frameworks/sam-son-2022.toml",
            "--db",
            &url,
        ],
        vec!["public-dashboard", "on", "--db", &url],
    ] {
        let out = tiendo().current_dir(repo("")).args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let (mut child, base) = start_server("serve", &url);
    let body: serde_json::Value =
        reqwest::get(format!("{base}api/v1/units/VN/summary?as_of=2022-10-31"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&csv);
    assert_eq!(body["unit"]["name"], "Việt Nam");
    assert_eq!(body["children"][0]["unit"]["code"], "38");
    assert_eq!(
        body["counts"]["applicable"], 62,
        "two communes × 31 indicators, no figures yet"
    );
    assert_eq!(body["counts"]["no_data"], 62);
}

#[test]
fn units_import_refuses_a_bad_list_and_imports_nothing() {
    let (path, url) = temp_db("bad-units");
    let csv = std::env::temp_dir().join(format!("tiendo-cli-{}-bad.csv", std::process::id()));
    std::fs::write(
        &csv,
        "code,name,kind,parent_code\n38,Tỉnh Thanh Hóa,province,\n",
    )
    .unwrap();
    let out = tiendo()
        .args(["units", "import"])
        .arg(&csv)
        .args(["--db", &url])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&csv);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(":2 (kind): error: unknown unit kind «province»"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing imported"), "{stderr}");
    assert!(!path.exists(), "the database was not even opened");
}

#[tokio::test]
async fn users_tokens_and_periods_from_the_command_line() {
    let (path, url) = temp_db("users");
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = tiendo();
        cmd.current_dir(repo(""))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                input.write_all(text.as_bytes()).unwrap();
            }
        }
        child.wait_with_output().unwrap()
    };
    let out = run(&["demo", "--load-only", "--db", &url], None);
    assert!(out.status.success());
    let out = run(
        &[
            "user",
            "add",
            "--username",
            "thuy",
            "--role",
            "officer",
            "--unit",
            "14836",
            "--name",
            "Nguyễn Thị Thủy",
            "--db",
            &url,
        ],
        Some("mat-khau-dai-1\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &[
            "user",
            "add",
            "--username",
            "x",
            "--role",
            "boss",
            "--db",
            &url,
        ],
        Some("mat-khau-dai-1\n"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid role"));
    let out = run(
        &[
            "user",
            "add",
            "--username",
            "y",
            "--role",
            "officer",
            "--unit",
            "14836",
            "--db",
            &url,
        ],
        Some("short\n"),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("8 characters"));
    let out = run(
        &["user", "passwd", "thuy", "--db", &url],
        Some("mat-khau-moi-2\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &[
            "token",
            "create",
            "thuy",
            "--name",
            "bang-tinh",
            "--db",
            &url,
        ],
        None,
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim().rsplit(' ').next().unwrap().to_string();
    assert_eq!(token.len(), 64, "{stdout}");
    let out = run(
        &[
            "period",
            "set",
            "--framework",
            "cds-xa-phuong-2022",
            "--code",
            "2022-Q4",
            "--name",
            "Quý IV năm 2022",
            "--from",
            "2022-10-01",
            "--to",
            "2022-12-31",
            "--deadline",
            "2023-01-10",
            "--db",
            &url,
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(
        &[
            "user", "grant", "thuy", "--role", "viewer", "--unit", "382", "--db", &url,
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("officer@14836, viewer@382"));
    let out = run(
        &[
            "user", "revoke", "thuy", "--role", "viewer", "--unit", "382", "--db", &url,
        ],
        None,
    );
    assert!(out.status.success());
    let out = run(
        &[
            "user", "revoke", "thuy", "--role", "viewer", "--unit", "382", "--db", &url,
        ],
        None,
    );
    assert!(!out.status.success(), "nothing left to revoke");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not hold the role"));

    // The token works as a Bearer token for the new officer's ward, and only there.
    let (mut child, base) = start_server("serve", &url);
    let client = reqwest::Client::new();
    let figure =
        serde_json::json!({"indicator": "NT-01", "observed_on": "2022-10-31", "value": true});
    let own = client
        .post(format!("{base}api/v1/units/14836/observations"))
        .bearer_auth(&token)
        .json(&figure)
        .send()
        .await
        .unwrap()
        .status();
    let other = client
        .post(format!("{base}api/v1/units/14833/observations"))
        .bearer_auth(&token)
        .json(&figure)
        .send()
        .await
        .unwrap()
        .status();
    let out = run(
        &[
            "token",
            "revoke",
            "thuy",
            "--name",
            "bang-tinh",
            "--db",
            &url,
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let revoked = client
        .post(format!("{base}api/v1/units/14836/observations"))
        .bearer_auth(&token)
        .json(&figure)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(revoked.as_u16(), 401, "a revoked token opens nothing");
    let wrong = client
        .post(format!("{base}api/v1/units/14836/observations"))
        .bearer_auth("nope")
        .json(&figure)
        .send()
        .await
        .unwrap()
        .status();
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(own.as_u16(), 201);
    assert_eq!(other.as_u16(), 403);
    assert_eq!(wrong.as_u16(), 401);
}

/// Whether a program the tests read documents with is here; under CI it must be.
fn have(program: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var("CI").as_deref() != Ok("true"),
        "{program} is needed under CI (.ci/run installs it)"
    );
    found
}

fn run_ok(args: &[&str]) -> String {
    let out = tiendo().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "tiendo {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn counts(url: &str, unit: &str) -> tiendo_domain::Counts {
    let store = tiendo_storage::Store::open(&url.parse().unwrap())
        .await
        .unwrap();
    let day = "2022-10-31".parse().unwrap();
    let framework = store.framework_ref(None, Some(day)).await.unwrap();
    let counts = store.summary(unit, &framework, day).await.unwrap().counts;
    store.close().await;
    counts
}

#[tokio::test]
async fn reports_templates_and_imports_from_the_command_line() {
    let (path, url) = temp_db("documents");
    run_ok(&["demo", "--load-only", "--db", &url]);
    let dir = std::env::temp_dir().join(format!("tiendo-cli-{}-documents", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str| dir.join(name).display().to_string();

    let out = run_ok(&[
        "report",
        "--unit",
        "14833",
        "--as-of",
        "2022-10-31",
        "--format",
        "pdf",
        "--out",
        &file("bac-son.pdf"),
        "--db",
        &url,
    ]);
    assert!(out.contains("wrote the report"), "{out}");
    let pdf = std::fs::read(file("bac-son.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if have("pdftotext") {
        let text = Command::new("pdftotext")
            .arg(file("bac-son.pdf"))
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8(text.stdout)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains("Phường Bắc Sơn: 26/31 chỉ tiêu hoàn thành, 4 chỉ tiêu đang triển khai thực hiện, 1 chỉ tiêu thuộc nhóm chính quyền số chưa đạt."),
            "{text}"
        );
    }
    for format in ["docx", "xlsx"] {
        run_ok(&[
            "report",
            "--unit",
            "382",
            "--as-of",
            "2022-10-31",
            "--format",
            format,
            "--out",
            &file(&format!("sam-son.{format}")),
            "--db",
            &url,
        ]);
        assert!(
            std::fs::read(file(&format!("sam-son.{format}")))
                .unwrap()
                .starts_with(b"PK")
        );
    }
    let out = tiendo()
        .args([
            "report",
            "--unit",
            "14833",
            "--format",
            "odt",
            "--out",
            &file("x.odt"),
            "--db",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("không có định dạng «odt»") && err.contains("no format «odt»"),
        "{err}"
    );

    run_ok(&[
        "template",
        "--unit",
        "14833",
        "--as-of",
        "2022-10-31",
        "--format",
        "csv",
        "--out",
        &file("mau.csv"),
        "--db",
        &url,
    ]);
    let template = std::fs::read_to_string(file("mau.csv")).unwrap();
    assert!(template.contains("14833,CQ-05,"), "{template}");
    run_ok(&[
        "template",
        "--unit",
        "14833",
        "--as-of",
        "2022-10-31",
        "--out",
        &file("mau.xlsx"),
        "--db",
        &url,
    ]);
    assert!(std::fs::read(file("mau.xlsx")).unwrap().starts_with(b"PK"));

    // One new figure: previewed by --dry-run, then written.
    std::fs::write(
        file("so-lieu.csv"),
        "Mã đơn vị,Mã chỉ tiêu,Giá trị mới,Mẫu số mới,Ngày số liệu mới\n14833,CQ-05,270,332,31/10/2022\n",
    )
    .unwrap();
    let out = run_ok(&["import", &file("so-lieu.csv"), "--dry-run", "--db", &url]);
    assert!(
        out.contains("14833 CQ-05  58,1% (193/332) → 81,3% (270/332)"),
        "{out}"
    );
    assert_eq!(
        counts(&url, "14833").await.not_achieved,
        1,
        "a dry run writes nothing"
    );
    let out = run_ok(&["import", &file("so-lieu.csv"), "--db", &url]);
    assert!(out.contains("written: 1"), "{out}");
    assert_eq!(counts(&url, "14833").await.not_achieved, 0);

    // A file with mistakes writes nothing and names each place, in both languages.
    std::fs::write(
        file("sai.csv"),
        "Mã đơn vị,Mã chỉ tiêu,Giá trị mới\n14833,HT-04,130%\n14833,XX-01,1\n14833,HT-07,3\n",
    )
    .unwrap();
    let out = tiendo()
        .args(["import", &file("sai.csv"), "--db", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "trang «CSV», dòng 2, cột C: tỷ lệ phần trăm phải từ 0 đến 100, không phải 130",
        "sheet «CSV», row 2, column C: a percentage must lie between 0 and 100, not 130",
        "trang «CSV», dòng 3, cột B: bộ chỉ tiêu cds-xa-phuong-2022 không có chỉ tiêu mã «XX-01»",
    ] {
        assert!(err.contains(expected), "«{expected}» in {err}");
    }
    assert_eq!(
        counts(&url, "14833").await.achieved,
        27,
        "HT-07's good row was not written either"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn an_exported_dataset_imports_into_another_database_with_the_same_summaries() {
    let (path, url) = temp_db("export");
    run_ok(&["demo", "--load-only", "--db", &url]);
    let archive = std::env::temp_dir().join(format!(
        "tiendo-cli-{}-export.tiendo.zip",
        std::process::id()
    ));
    let archive = archive.display().to_string();
    let out = run_ok(&["export", "--out", &archive, "--db", &url]);
    assert!(out.contains("exported"), "{out}");
    // Into PostgreSQL when the tests have one, else into a second SQLite file.
    let target = tiendo_storage::testing::TestDb::postgres().await;
    let (target_url, second_path) = match &target {
        Some(db) => match &db.url {
            tiendo_storage::DatabaseUrl::Postgres(u) => (u.clone(), None),
            tiendo_storage::DatabaseUrl::Sqlite(_) => unreachable!(),
        },
        None => {
            let (p, u) = temp_db("export-target");
            (u, Some(p))
        }
    };
    let out = run_ok(&["import", &archive, "--db", &target_url]);
    assert!(out.contains("imported the archive"), "{out}");
    let source = tiendo_storage::Store::open(&url.parse().unwrap())
        .await
        .unwrap();
    let copy = tiendo_storage::Store::open(&target_url.parse().unwrap())
        .await
        .unwrap();
    let framework = source.framework_ref(None, None).await.unwrap();
    let copied_framework = copy.framework_ref(None, None).await.unwrap();
    for unit in source.units().await.unwrap() {
        for day in ["2022-06-30", "2022-10-31", "2022-12-31"] {
            let day = day.parse().unwrap();
            let a = source.summary(&unit.code, &framework, day).await.unwrap();
            let b = copy
                .summary(&unit.code, &copied_framework, day)
                .await
                .unwrap();
            assert_eq!(
                (a.counts, a.groups, a.children),
                (b.counts, b.groups, b.children),
                "{} on {day}",
                unit.code
            );
        }
    }
    // A database that holds data refuses an archive.
    let out = tiendo()
        .args(["import", &archive, "--db", &target_url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    source.close().await;
    copy.close().await;
    if let Some(db) = target {
        db.finish().await;
    }
    let _ = std::fs::remove_file(archive);
    let _ = std::fs::remove_file(path);
    if let Some(p) = second_path {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn a_framework_with_a_bad_scoring_rule_is_refused_with_its_place() {
    let file = repo("frameworks/examples/bad-scoring.toml");
    let out = tiendo()
        .args(["framework", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let source = std::fs::read_to_string(&file).unwrap();
    // The second tier is not below the first: reported at its `at_least` value.
    let (line, text) = source
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("{ at_least = 4"))
        .expect("bad-scoring.toml has a tier out of order");
    let column = text[..text.find("4").unwrap()].chars().count() + 1;
    let place = format!("bad-scoring.toml:{}:{column}:", line + 1);
    for needle in [
        format!(
            "{place} lỗi: các bậc phải xếp giảm dần: `at_least = 4` không nhỏ hơn bậc trước (2)"
        ),
        format!(
            "{place} error: tiers must be in descending order: `at_least = 4` is not below the tier before (2)"
        ),
        "gợi ý: viết bậc cao nhất trước".to_string(),
        "help: write the highest tier first".to_string(),
        "1 lỗi / 1 error(s)".to_string(),
    ] {
        assert!(stderr.contains(&needle), "{needle:?} in:\n{stderr}");
    }
}

#[test]
fn framework_check_accepts_the_dti_style_example() {
    let out = tiendo()
        .args(["framework", "check"])
        .arg(repo("frameworks/examples/dti-style.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("dti-style.toml: hợp lệ / valid: vi-du-dti-xa-2022 v1"),
        "{stdout}"
    );
}

#[tokio::test]
async fn bench_data_loads_the_city_scale_and_only_into_an_empty_database() {
    let (path, url) = temp_db("bench-data");
    let out = run_ok(&["bench-data", "--scale", "city", "--seed", "7", "--db", &url]);
    // 3 units above the city's 11 wards and communes, 11 × 40 × 12 figures.
    assert!(out.contains("loaded 14 units, 5280 figures"), "{out}");
    let store = tiendo_storage::Store::open(&url.parse().unwrap())
        .await
        .unwrap();
    let day = "2024-12-31".parse().unwrap();
    let framework = store.framework_ref(Some("bench-2024"), None).await.unwrap();
    let nation = store.summary("VN", &framework, day).await.unwrap();
    let city = store.summary("382", &framework, day).await.unwrap();
    assert_eq!(nation.counts, city.counts, "the nation holds only the city");
    assert_eq!(
        nation.counts.applicable + nation.counts.not_applicable,
        11 * 40
    );
    assert!(nation.counts.achieved > 0 && nation.counts.achieved < 11 * 40);
    store.close().await;

    let again = tiendo()
        .args(["bench-data", "--scale", "city", "--db", &url])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("cơ sở dữ liệu đã có dữ liệu") && err.contains("already holds data"),
        "{err}"
    );
    let _ = std::fs::remove_file(path);
}
