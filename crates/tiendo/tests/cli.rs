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
