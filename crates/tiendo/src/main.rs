//! `tiendo`: the command that composes the storage and web crates.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};
use tiendo_domain::access::Role;
use tiendo_domain::framework_file::parse_framework;
use tiendo_domain::unit_list::{parse_unit_list, under_nation};
use tiendo_domain::{Date, Lang};
use tiendo_exchange::ExchangeError;
use tiendo_storage::{
    Actor, ArchiveProgress, DatabaseUrl, FileStore, NewUser, Period, StorageError, Store, grant,
    settings,
};
use tiendo_web::auth::{hash_password, new_secret, secret_hash};
use unicode_normalization::UnicodeNormalization;

/// tiendo: indicator programmes (chương trình chỉ tiêu) across administrative units — figures
/// with evidence, statuses computed from the data, summaries for any date.
#[derive(Parser)]
#[command(name = "tiendo", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create (or re-create) the Sầm Sơn 2022 demo dataset and serve it.
    ///
    /// Thành phố Sầm Sơn and its 11 wards and communes (phường, xã) on an illustrative 2022
    /// digital-transformation (chuyển đổi số) framework; opens on the meeting day, 31/10/2022.
    Demo {
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Its data is replaced.
        #[arg(long, default_value = "sqlite://tiendo-demo.db")]
        db: String,
        /// Address to serve on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Load the demo and exit without serving.
        #[arg(long)]
        load_only: bool,
        /// Where evidence files live: a directory, or s3://BUCKET[/PREFIX] (with the `s3` feature).
        #[arg(long, default_value = "tiendo-demo-files")]
        files: String,
    },
    /// Serve an existing database.
    Serve {
        #[command(flatten)]
        db: Database,
        /// Address to serve on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Where evidence files live: a directory, or s3://BUCKET[/PREFIX] (with the `s3`
        /// feature) when several instances serve one database.
        #[arg(long, env = "TIENDO_FILES", default_value = "tiendo-files")]
        files: String,
        /// E-mail notices through this SMTP server, e.g. smtp://relay.local:25 (credentials
        /// may be in the URL; they are never logged). No e-mail when unset.
        #[arg(long, env = "TIENDO_SMTP_URL", hide_env_values = true)]
        smtp_url: Option<String>,
        /// The sender of those e-mails, e.g. "tiendo <tiendo@samson.gov.vn>".
        #[arg(long, env = "TIENDO_SMTP_FROM")]
        smtp_from: Option<String>,
        /// The address people open tiendo at, e.g. https://cds.samson.gov.vn: links in e-mails
        /// start with it.
        #[arg(long, env = "TIENDO_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Bring the database schema up to date.
    Migrate {
        #[command(flatten)]
        db: Database,
    },
    /// Work with framework files (bộ chỉ tiêu), see docs/FRAMEWORK_FORMAT.md.
    Framework {
        #[command(subcommand)]
        command: FrameworkCommand,
    },
    /// Work with administrative units (đơn vị hành chính).
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// Manage user accounts (tài khoản).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Reporting periods (kỳ báo cáo) of a framework, with their submission deadlines.
    Period {
        #[command(subcommand)]
        command: PeriodCommand,
    },
    /// Manage personal API tokens, sent as `Authorization: Bearer TOKEN`.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a unit's progress report (báo cáo tiến độ) for a date: a ward's indicators, or a
    /// city's units side by side, as an official document.
    Report {
        /// The unit code, e.g. 14833 (Phường Bắc Sơn) or 382 (Thành phố Sầm Sơn).
        #[arg(long)]
        unit: String,
        /// The as-of date (YYYY-MM-DD); the dataset's default, else today.
        #[arg(long)]
        as_of: Option<String>,
        /// docx (editable), pdf or xlsx.
        #[arg(long, default_value = "docx")]
        format: String,
        /// Where to write the document.
        #[arg(long)]
        out: PathBuf,
        /// The framework code; the one in force on the date when absent.
        #[arg(long)]
        framework: Option<String>,
        /// vi or en.
        #[arg(long, default_value = "vi", value_parser = ["vi", "en"])]
        lang: String,
        /// The issuing body, e.g. "BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ" (default: the unit's committee).
        #[arg(long)]
        issuer: Option<String>,
        /// The document number, e.g. 125/BC-UBND (default: left blank).
        #[arg(long)]
        number: Option<String>,
        /// The signer's name (default: a blank line).
        #[arg(long)]
        signer: Option<String>,
        /// The signer's office, e.g. "PHÓ CHỦ TỊCH" (default: CHỦ TỊCH, or TRƯỞNG BAN for a board).
        #[arg(long)]
        office: Option<String>,
        /// The place in the date line (default: the unit's name without its kind).
        #[arg(long)]
        place: Option<String>,
        /// The date of issue (YYYY-MM-DD; default: today).
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// Write a unit's data-entry template (mẫu nhập liệu), pre-filled with the figures in force.
    Template {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        as_of: Option<String>,
        /// xlsx (locked columns, drop-down lists, instructions) or csv.
        #[arg(long, default_value = "xlsx", value_parser = ["xlsx", "csv"])]
        format: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        framework: Option<String>,
        #[arg(long, default_value = "vi", value_parser = ["vi", "en"])]
        lang: String,
        #[command(flatten)]
        db: Database,
    },
    /// Export the whole dataset (units, frameworks, figures, evidence metadata, accounts,
    /// submissions, audit log) as an archive that `tiendo import` reads into any database.
    Export {
        /// The archive to write, e.g. data.tiendo.zip.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: Database,
    },
    /// Import a file: a data-entry template (.xlsx) or CSV of figures, checked whole and written
    /// all or nothing; or an archive from `tiendo export`, into an empty database.
    Import {
        file: PathBuf,
        /// For a CSV: the framework its figures are for (default: the latest).
        #[arg(long)]
        framework: Option<String>,
        /// Check and show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: Database,
    },
    /// Create the synthetic benchmark dataset in an empty database: Vietnam's units of
    /// 01/10/2022 under VN (63 provinces, 705 districts, 10,599 communes at national scale), a
    /// 40-indicator framework for 2024 and 12 monthly figures per commune and indicator, the same
    /// for the same seed. See docs/PERFORMANCE.md.
    BenchData {
        /// national (the country), province (Thanh Hóa) or city (Sầm Sơn).
        #[arg(long, default_value = "national", value_parser = ["national", "province", "city"])]
        scale: String,
        /// The seed of the figures.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        db: Database,
    },
    /// Open the read API and pages to everyone (public dashboard), or close them.
    PublicDashboard {
        /// `on` or `off`.
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with one role. The password is read from standard input (first line) or,
    /// when standard input is a terminal, generated and printed once.
    Add {
        #[arg(long)]
        username: String,
        /// admin, steering, officer, member, appraiser or viewer.
        #[arg(long)]
        role: String,
        /// The unit the role covers (with everything under it); not for admin.
        #[arg(long)]
        unit: Option<String>,
        /// The organisation (department, telecom operator) of a member.
        #[arg(long)]
        org: Option<String>,
        /// The name shown for the user.
        #[arg(long, default_value = "")]
        name: String,
        /// Where the user's notices are e-mailed (when the server has SMTP set up).
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// Give a user one more role.
    Grant {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// Take a role away from a user; ends the user's sessions.
    Revoke {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// Set a user's password (read from standard input, or generated and printed once); ends
    /// the user's sessions.
    Passwd {
        username: String,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
enum PeriodCommand {
    /// Add a reporting period, or change one (matched by framework and code).
    Set {
        /// The framework code.
        #[arg(long)]
        framework: String,
        /// The period's code, e.g. 2022 or 2022-Q3.
        #[arg(long)]
        code: String,
        /// Its name, e.g. "Quý III năm 2022".
        #[arg(long)]
        name: String,
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        to: String,
        /// Submission deadline (YYYY-MM-DD); later submissions are marked late.
        #[arg(long)]
        deadline: String,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Revoke a user's API tokens of this name.
    Revoke {
        username: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: Database,
    },
    /// Create a personal API token for a user; it is printed once and stored only as a hash.
    Create {
        username: String,
        /// What the token is for, e.g. the script or machine that uses it.
        #[arg(long, default_value = "api")]
        name: String,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Import (add or update) units from a CSV list with the columns code,name,kind,parent_code,
    /// as in the national reference tables. Provinces are placed under the nation, `VN`.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The first day the listed units exist (YYYY-MM-DD).
        #[arg(long)]
        valid_from: Option<String>,
        /// The first day the listed units no longer exist (YYYY-MM-DD), e.g. 2025-07-01 for
        /// the three-tier list of 2022.
        #[arg(long)]
        valid_until: Option<String>,
        #[command(flatten)]
        db: Database,
    },
}

/// Where the data lives, for every command that opens an existing database.
#[derive(clap::Args)]
struct Database {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(
        long = "db",
        env = "TIENDO_DATABASE_URL",
        default_value = "sqlite://tiendo.db"
    )]
    url: String,
}

#[derive(Subcommand)]
enum FrameworkCommand {
    /// Check a framework file and report every mistake with its line and column.
    Check {
        /// The framework file (TOML).
        file: PathBuf,
    },
    /// Load a framework file into the database and compute every unit's statuses.
    Load {
        /// The framework file (TOML).
        file: PathBuf,
        #[command(flatten)]
        db: Database,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("TIENDO_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // One JSON object a line for a log collector (`TIENDO_LOG_FORMAT=json`), else text.
    if std::env::var("TIENDO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lỗi: không khởi động được / error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error for the command line, in Vietnamese and English.
fn describe(e: &anyhow::Error) -> String {
    match e.downcast_ref::<StorageError>() {
        Some(StorageError::Invalid { vi, en } | StorageError::NotFound { vi, en }) => {
            format!("lỗi: {vi}\nerror: {en}")
        }
        Some(StorageError::BadUrl(_)) => format!("{}", e.root_cause()),
        _ => format!("lỗi / error: {e:#}"),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo {
            db,
            addr,
            load_only,
            files,
        } => {
            let store = open(&db).await?;
            let loaded = tiendo_web::demo::load(&store)
                .await
                .context("loading the demo")?;
            println!(
                "Đã nạp dữ liệu minh họa Sầm Sơn 2022 / loaded the Sầm Sơn 2022 demo: {} units, {} indicators, {} figures",
                loaded.units, loaded.indicators, loaded.figures
            );
            println!(
                "Tài khoản minh họa (chỉ dùng cho demo) / demo-only accounts, password «{}»:",
                tiendo_web::demo::DEMO_PASSWORD
            );
            for a in tiendo_web::demo::DEMO_ACCOUNTS {
                let unit = a.unit.map(|u| format!(" @ {u}")).unwrap_or_default();
                println!("  {:<10} {}{unit} — {}", a.username, a.role, a.display_name);
            }
            if !load_only {
                serve(store, &files, &addr).await?;
            }
        }
        Command::Serve {
            db,
            addr,
            files,
            smtp_url,
            smtp_from,
            public_url,
        } => {
            let mailer = match (smtp_url, smtp_from) {
                (Some(url), Some(from)) => {
                    let mailer = tiendo_web::Mailer::new(&url, &from).map_err(|e| anyhow!(e))?;
                    Some(match public_url {
                        Some(public) => mailer.with_public_url(&public).map_err(|e| anyhow!(e))?,
                        None => mailer,
                    })
                }
                (None, None) => None,
                _ => anyhow::bail!(
                    "cần cả --smtp-url và --smtp-from để gửi thư\n\
                     e-mail needs both --smtp-url and --smtp-from"
                ),
            };
            let store = open(&db.url).await?;
            if let Some(m) = mailer {
                tracing::info!(server = m.server(), "e-mailing notices");
                tiendo_web::spawn_mailer(store.clone(), m);
            }
            serve(store, &files, &addr).await?
        }
        Command::Migrate { db } => {
            let url = parse_url(&db.url)?;
            Store::open(&url).await?;
            println!("Cơ sở dữ liệu đã cập nhật / database is up to date: {url:?}");
        }
        Command::Framework {
            command: FrameworkCommand::Check { file },
        } => return check_framework(&file),
        Command::Framework {
            command: FrameworkCommand::Load { file, db },
        } => {
            let source = read(&file)?;
            let store = open(&db.url).await?;
            let f = store.load_framework(&source).await?;
            println!(
                "Đã nạp khung / loaded framework {} v{}: {}",
                f.code, f.version, f.name
            );
        }
        Command::Units {
            command:
                UnitsCommand::Import {
                    file,
                    valid_from,
                    valid_until,
                    db,
                },
        } => return import_units(&file, valid_from, valid_until, &db.url).await,
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    unit,
                    org,
                    name,
                    email,
                    db,
                },
        } => {
            let role: Role = role
                .parse()
                .map_err(|e: String| anyhow!("vai trò không hợp lệ: {e}\ninvalid role: {e}"))?;
            let (password, generated) = password_from_stdin()?;
            let store = open(&db.url).await?;
            let user = store
                .create_user(
                    &NewUser {
                        username,
                        display_name: name,
                        organisation: org,
                        password_hash: hash_password(&password),
                        grants: vec![grant(role, unit.as_deref())],
                    },
                    &Actor::system("cli"),
                )
                .await?;
            if email.is_some() {
                store
                    .set_user_email(user.id, email.as_deref(), &Actor::system("cli"))
                    .await?;
            }
            println!("Đã tạo tài khoản / created user {}", user.username);
            if generated {
                println!("Mật khẩu (chỉ hiện một lần) / password (shown once): {password}");
            }
        }
        Command::User {
            command:
                UserCommand::Grant {
                    username,
                    role,
                    unit,
                    db,
                },
        } => {
            let grant = grant(parse_role(&role)?, unit.as_deref());
            let user = open(&db.url)
                .await?
                .grant_role(&username, &grant, &Actor::system("cli"))
                .await?;
            println!("{}: {}", user.username, roles_of(&user));
        }
        Command::User {
            command:
                UserCommand::Revoke {
                    username,
                    role,
                    unit,
                    db,
                },
        } => {
            let grant = grant(parse_role(&role)?, unit.as_deref());
            let user = open(&db.url)
                .await?
                .revoke_role(&username, &grant, &Actor::system("cli"))
                .await?;
            println!("{}: {}", user.username, roles_of(&user));
        }
        Command::User {
            command: UserCommand::Passwd { username, db },
        } => {
            let (password, generated) = password_from_stdin()?;
            let store = open(&db.url).await?;
            store
                .set_password_hash(&username, &hash_password(&password), &Actor::system("cli"))
                .await?;
            println!("Đã đổi mật khẩu / password changed for {username}");
            if generated {
                println!("Mật khẩu (chỉ hiện một lần) / password (shown once): {password}");
            }
        }
        Command::Period {
            command:
                PeriodCommand::Set {
                    framework,
                    code,
                    name,
                    from,
                    to,
                    deadline,
                    db,
                },
        } => {
            let day = |flag: &str, v: String| -> anyhow::Result<Date> {
                parse_date_arg(flag, Some(v))?.ok_or_else(|| anyhow!("{flag}"))
            };
            let (from, to, deadline) = (
                day("--from", from)?,
                day("--to", to)?,
                day("--deadline", deadline)?,
            );
            let store = open(&db.url).await?;
            let fw = store.framework_ref(Some(&framework), None).await?;
            let period = store
                .put_period(
                    &fw,
                    &Period {
                        id: 0,
                        code,
                        name,
                        starts_on: from,
                        ends_on: to,
                        deadline,
                    },
                    &Actor::system("cli"),
                )
                .await?;
            println!(
                "Kỳ báo cáo / reporting period {} {}: {} – {}, hạn / due {}",
                fw.code,
                period.code,
                period.starts_on.dmy(),
                period.ends_on.dmy(),
                period.deadline.dmy()
            );
        }
        Command::Token {
            command: TokenCommand::Create { username, name, db },
        } => {
            let store = open(&db.url).await?;
            let token = new_secret();
            store
                .create_api_token(
                    &username,
                    &name,
                    &secret_hash(&token),
                    &Actor::system("cli"),
                )
                .await?;
            println!("Mã truy cập (chỉ hiện một lần) / token (shown once): {token}");
        }
        Command::Token {
            command: TokenCommand::Revoke { username, name, db },
        } => {
            let n = open(&db.url)
                .await?
                .revoke_api_tokens(&username, &name, &Actor::system("cli"))
                .await?;
            println!("Đã thu hồi / revoked {n} token(s) «{name}» of {username}");
        }
        Command::Report {
            unit,
            as_of,
            format,
            out,
            framework,
            lang,
            issuer,
            number,
            signer,
            office,
            place,
            date,
            db,
        } => {
            let store = open(&db.url).await?;
            let format: tiendo_exchange::Format = format.parse().map_err(exchange_error)?;
            let as_of = as_of_or_default(&store, as_of).await?;
            let framework = store
                .framework_ref(framework.as_deref(), Some(as_of))
                .await?;
            // What a person typed, composed (NFC) as every text tiendo keeps.
            let typed = |t: Option<String>| t.map(|t| t.trim().nfc().collect::<String>());
            let options = tiendo_exchange::ReportOptions {
                lang: parse_lang(&lang),
                issuer: typed(issuer),
                number: typed(number),
                signer: typed(signer),
                office: typed(office),
                place: typed(place),
                issued_on: Some(parse_date_arg("--date", date)?.unwrap_or_else(tiendo_web::today)),
            };
            let (bytes, _) = tiendo_exchange::report::report_file(
                &store, &unit, &framework, as_of, &options, format,
            )
            .await
            .map_err(exchange_error)?;
            write_file(&out, &bytes)?;
            println!(
                "Đã ghi báo cáo / wrote the report: {} ({} bytes, {}, {})",
                out.display(),
                bytes.len(),
                framework.code,
                as_of.dmy()
            );
        }
        Command::Template {
            unit,
            as_of,
            format,
            out,
            framework,
            lang,
            db,
        } => {
            let store = open(&db.url).await?;
            let as_of = as_of_or_default(&store, as_of).await?;
            let framework = store
                .framework_ref(framework.as_deref(), Some(as_of))
                .await?;
            let lang = parse_lang(&lang);
            let (bytes, _) = if format == "csv" {
                tiendo_exchange::template::template_csv(
                    &store,
                    &unit,
                    &framework,
                    as_of,
                    tiendo_web::today(),
                    lang,
                )
                .await
            } else {
                tiendo_exchange::template::template_xlsx(
                    &store,
                    &unit,
                    &framework,
                    as_of,
                    tiendo_web::today(),
                    lang,
                )
                .await
            }
            .map_err(exchange_error)?;
            write_file(&out, &bytes)?;
            println!(
                "Đã ghi mẫu nhập liệu / wrote the template: {} ({} bytes)",
                out.display(),
                bytes.len()
            );
        }
        Command::Export { out, db } => {
            let store = open(&db.url).await?;
            let file = std::fs::File::create(&out).map_err(|e| {
                anyhow!(
                    "không tạo được tệp {0}: {e}
cannot create {0}: {e}",
                    out.display()
                )
            })?;
            let summary = store.export_archive(std::io::BufWriter::new(file)).await?;
            println!(
                "Đã xuất {rows} dòng của {tables} bảng vào {file} / exported {rows} rows in {tables} tables to {file}",
                rows = summary.total_rows(),
                tables = summary.tables.len(),
                file = out.display()
            );
        }
        Command::Import {
            file,
            framework,
            dry_run,
            db,
        } => return import(&file, framework.as_deref(), dry_run, &db.url).await,
        Command::BenchData { scale, seed, db } => {
            let scale: tiendo_demo::bench::Scale = scale.parse().map_err(|e: String| anyhow!(e))?;
            let url = parse_url(&db.url)?;
            let store = Store::open_for_load(&url)
                .await
                .with_context(|| format!("opening {url:?}"))?;
            let units = tiendo_demo::bench::units(scale);
            let bar = progress_bar(units.len() as u64, "nạp / loading");
            let started = std::time::Instant::now();
            let report = store
                .load_dataset(
                    &units,
                    &tiendo_demo::bench::framework_toml(),
                    std::sync::Arc::new(move |unit| tiendo_demo::bench::figures(unit, seed)),
                    &mut |p| {
                        bar.set_position(p.units_done as u64);
                        bar.set_message(format!("{} số liệu / figures", p.figures_done));
                    },
                    &Actor::system("bench-data"),
                )
                .await?;
            bar.finish_and_clear();
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "Đã nạp {units} đơn vị, {figures} số liệu, {spans} khoảng trạng thái trong {seconds:.1} s / loaded {units} units, {figures} figures, {spans} status spans in {seconds:.1} s ({rate:.0} figures/s); framework {code}",
                units = report.units,
                figures = report.figures,
                spans = report.spans,
                rate = report.figures as f64 / seconds.max(0.001),
                code = report.framework.code,
            );
        }
        Command::PublicDashboard { state, db } => {
            let store = open(&db.url).await?;
            let on = state == "on";
            store
                .set_setting(
                    settings::PUBLIC_DASHBOARD,
                    if on { "true" } else { "false" },
                    &Actor::system("cli"),
                )
                .await?;
            if on {
                println!("Bảng tin công khai: bật / public dashboard: on");
            } else {
                println!("Bảng tin công khai: tắt / public dashboard: off");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_lang(code: &str) -> Lang {
    if code == "en" { Lang::En } else { Lang::Vi }
}

/// An error of the documents layer, in both languages.
fn exchange_error(e: ExchangeError) -> anyhow::Error {
    match e {
        ExchangeError::Storage(e) => e.into(),
        ExchangeError::Invalid { vi, en } => anyhow!("lỗi: {vi}\nerror: {en}"),
        ExchangeError::Document(e) => anyhow!("lỗi: {}\nerror: {e}", e.message_vi()),
    }
}

/// The date asked for, else the dataset's own (the demo's meeting day), else today.
async fn as_of_or_default(store: &Store, as_of: Option<String>) -> anyhow::Result<Date> {
    if let Some(day) = parse_date_arg("--as-of", as_of)? {
        return Ok(day);
    }
    let configured = store.setting(settings::DEFAULT_AS_OF).await?;
    Ok(configured
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(tiendo_web::today))
}

fn write_file(path: &PathBuf, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        anyhow!(
            "không ghi được tệp {0}: {e}\ncannot write {0}: {e}",
            path.display()
        )
    })
}

/// Whether a file is an archive from `tiendo export` rather than a template or a CSV: a zip
/// that is not named as a workbook (a workbook is a zip too).
fn is_archive(path: &std::path::Path) -> anyhow::Result<bool> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".xlsx") || name.ends_with(".csv") {
        return Ok(false);
    }
    let mut magic = [0u8; 2];
    let mut file = std::fs::File::open(path).map_err(|e| {
        anyhow!(
            "không đọc được tệp {0}: {e}\ncannot read {0}: {e}",
            path.display()
        )
    })?;
    use std::io::Read;
    Ok(file.read_exact(&mut magic).is_ok() && &magic == b"PK")
}

fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:28} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

async fn import(
    file: &PathBuf,
    framework: Option<&str>,
    dry_run: bool,
    db: &str,
) -> anyhow::Result<ExitCode> {
    let cannot_read = |e: std::io::Error| {
        anyhow!(
            "không đọc được tệp {0}: {e}\ncannot read {0}: {e}",
            file.display()
        )
    };
    let store = open(db).await?;
    let actor = Actor::system("cli");
    if is_archive(file)? {
        if dry_run {
            return Err(anyhow!(
                "--dry-run chỉ dùng cho mẫu nhập liệu và CSV\n--dry-run is for templates and CSV only"
            ));
        }
        // The archive is read as a stream: it may hold a whole country's figures.
        let input = std::io::BufReader::new(std::fs::File::open(file).map_err(cannot_read)?);
        let bar = progress_bar(0, "");
        let summary = store
            .import_archive(
                input,
                &|p: ArchiveProgress| {
                    bar.set_length(p.rows_total);
                    bar.set_position(p.rows_done);
                    bar.set_message(p.table.to_string());
                },
                &actor,
            )
            .await?;
        bar.finish_and_clear();
        println!(
            "Đã nhập kho dữ liệu: {rows} dòng của {tables} bảng / imported the archive: {rows} rows in {tables} tables",
            rows = summary.total_rows(),
            tables = summary.tables.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let bytes = std::fs::read(file).map_err(cannot_read)?;
    // A CSV names no framework: the one asked for, else the latest.
    let framework = store.framework_ref(framework, None).await?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let bar = progress_bar(0, "kiểm tra / checking");
    let plan = tiendo_exchange::import::plan_import(
        &store,
        &bytes,
        &file_name,
        Some(&framework),
        tiendo_web::today(),
        &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await
    .map_err(exchange_error)?;
    bar.finish_and_clear();
    if !plan.problems.is_empty() {
        eprintln!(
            "Tệp có {n} lỗi, không số liệu nào được ghi / the file has {n} mistakes; nothing was written:",
            n = plan.problems.len()
        );
        for p in &plan.problems {
            eprintln!("  {}\n    {}", p.describe(Lang::Vi), p.describe(Lang::En));
        }
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "{} số liệu mới, {} dòng không đổi / {} new figures, {} rows unchanged ({} {})",
        plan.changes.len(),
        plan.unchanged,
        plan.changes.len(),
        plan.unchanged,
        plan.framework.code,
        plan.framework.version
    );
    for c in plan.changes.iter().take(200) {
        println!(
            "  {}!{}  {} {}  {} → {}  ({})",
            c.sheet,
            c.row,
            c.unit_code,
            c.indicator_code,
            c.before.as_ref().map_or("–", |b| b.vi.as_str()),
            c.after.vi,
            c.observation.observed_on.dmy()
        );
    }
    if plan.changes.len() > 200 {
        println!(
            "  … {} more / {} nữa",
            plan.changes.len() - 200,
            plan.changes.len() - 200
        );
    }
    if dry_run || plan.changes.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    // The figures go in as one transaction, so its progress is not observable: a spinner.
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!(
        "ghi {n} số liệu / writing {n} figures",
        n = plan.changes.len()
    ));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let written = tiendo_exchange::import::apply_import(&store, &plan, &actor)
        .await
        .map_err(exchange_error)?;
    spinner.finish_and_clear();
    println!("Đã ghi / written: {written} số liệu / figures");
    Ok(ExitCode::SUCCESS)
}

fn parse_url(db: &str) -> anyhow::Result<DatabaseUrl> {
    Ok(db.parse::<DatabaseUrl>()?)
}

async fn open(db: &str) -> anyhow::Result<Store> {
    let url = parse_url(db)?;
    Store::open(&url)
        .await
        .with_context(|| format!("opening {url:?}"))
}

async fn serve(store: Store, files: &str, addr: &str) -> anyhow::Result<()> {
    let files = FileStore::open(files)?;
    let addr: SocketAddr = tokio::net::lookup_host(addr)
        .await
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            anyhow!(
                "địa chỉ «{addr}» không hợp lệ, hãy viết HOST:CỔNG (ví dụ 127.0.0.1:8080)\n\
                 «{addr}» is not an address: write HOST:PORT (e.g. 127.0.0.1:8080)"
            )
        })?;
    let (bound, server) = tiendo_web::bind(store, files, addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("tiendo: http://{bound}/");
    tracing::info!(%bound, "serving");
    server.await?;
    Ok(())
}

fn read(file: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(file).map_err(|e| {
        anyhow!(
            "không đọc được tệp {0}: {e}\ncannot read {0}: {e}",
            file.display()
        )
    })
}

fn check_framework(file: &PathBuf) -> anyhow::Result<ExitCode> {
    let source = read(file)?;
    let name = file.display().to_string();
    match parse_framework(&source) {
        Ok(f) => {
            println!(
                "{name}: hợp lệ / valid: {} v{}, {} nhóm / groups, {} chỉ tiêu / indicators",
                f.code,
                f.version,
                f.groups.len(),
                f.indicators.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            for d in &diagnostics {
                eprintln!("{}\n", d.render(&name));
            }
            eprintln!(
                "{name}: {} lỗi / {} error(s)",
                diagnostics.len(),
                diagnostics.len()
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

fn parse_date_arg(flag: &str, value: Option<String>) -> anyhow::Result<Option<Date>> {
    value
        .map(|v| {
            v.parse().map_err(|_| {
                anyhow!(
                    "{flag} «{v}» không phải ngày dạng YYYY-MM-DD\n{flag} «{v}» is not a date in the form YYYY-MM-DD"
                )
            })
        })
        .transpose()
}

async fn import_units(
    file: &PathBuf,
    valid_from: Option<String>,
    valid_until: Option<String>,
    db: &str,
) -> anyhow::Result<ExitCode> {
    let valid_from = parse_date_arg("--valid-from", valid_from)?;
    let valid_until = parse_date_arg("--valid-until", valid_until)?;
    let text = read(file)?;
    let name = file.display().to_string();
    let units = match parse_unit_list(&text, valid_from, valid_until) {
        Ok(units) => units,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}", e.render(&name));
            }
            eprintln!(
                "{name}: {0} lỗi, không nhập gì / {0} error(s), nothing imported",
                errors.len()
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let units = under_nation(units);
    let store = open(db).await?;
    store.put_units(&units).await?;
    println!("Đã nhập / imported {} units from {name}", units.len());
    Ok(ExitCode::SUCCESS)
}

/// The password on the first line of standard input, or, when standard input is a terminal,
/// a generated one (and `true`).
fn password_from_stdin() -> anyhow::Result<(String, bool)> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok((new_secret()[..20].to_string(), true));
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < 8 {
        anyhow::bail!("mật khẩu cần ít nhất 8 ký tự\nthe password needs at least 8 characters");
    }
    Ok((password, false))
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    role.parse()
        .map_err(|e: String| anyhow!("vai trò không hợp lệ: {e}\ninvalid role: {e}"))
}

fn roles_of(user: &tiendo_storage::User) -> String {
    user.grants
        .iter()
        .map(|g| match &g.unit_code {
            Some(u) => format!("{}@{u}", g.role),
            None => g.role.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
