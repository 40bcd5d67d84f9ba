//! The whole benchmark: a PostgreSQL, the bench data, the server in release mode, each
//! scenario against its ceiling and the fixed reference, and one table.
//!
//! Every figure is a ratio between two measurements of the same run on the same machine:
//! the machine may be busy with other work, so absolute figures mean little from one run
//! to the next, ratios much more.

use crate::load::{self, LoadOptions, LoadReport, Workload};
use crate::pgbench::{Pgbench, PgbenchResult};
use crate::postgres::{self, Postgres};
use crate::server::Server;
use crate::setup::{self, BenchShop, ShopSpec};
use crate::verify;
use anyhow::{Context, Result, bail};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The server's release binary.
    pub server: PathBuf,
    /// The directory of the fixed reference (`reference-schema.sql`, `reference-sale.sql`).
    pub reference: PathBuf,
    /// How long each measurement lasts.
    pub duration: Duration,
    /// How long the server is warmed up before it is measured.
    pub warmup: Duration,
    /// Which scenarios to run, by letter (`abcde`).
    pub scenarios: String,
    /// How many times each throughput is measured, server and ceiling alternating; the
    /// best of each is kept (a busy machine only ever slows a measurement down).
    pub repeat: usize,
}

const DATABASE: &str = "caisse_bench";
const REFERENCE_DATABASE: &str = "caisse_reference";
/// The catalogue of (a), (b), (d), (e), and its tills (256 for (e)).
const ARTICLES: usize = 2_000;
const TERMINALS: usize = 256;
/// Stock that no run can exhaust.
const AMPLE_STOCK: i32 = 100_000_000;
/// (c): 64 tills sell 3 articles, one sale of 3 lines per request, until the stock runs
/// out: each article has this much, and the tills ask for about 1.3 times as much.
const CONTENTION_ARTICLES: usize = 3;
const CONTENTION_STOCK: i32 = 2_000;
const CONTENTION_REQUESTS: u64 = 2_560;

/// One row of the table.
struct Row {
    scenario: String,
    server: String,
    ceiling: String,
    ratio: Option<f64>,
    target: String,
    rss: String,
    verdict: Verdict,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Met,
    Missed,
    NotMeasured,
    /// The database does not hold what the server said: the figure is worthless.
    Failed,
}

impl Verdict {
    fn of(met: bool) -> Verdict {
        if met { Verdict::Met } else { Verdict::Missed }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "MISSED",
            Verdict::NotMeasured => "n/a",
            Verdict::Failed => "FAILED",
        }
    }
}

/// A server scenario's measurements.
struct ServerRun {
    report: LoadReport,
    /// The database holds what the server said, and the answers kept the API contract.
    verified: bool,
    peak_rss: Option<u64>,
    deadlocks: i64,
    server_errors: u64,
}

impl ServerRun {
    /// Of two repetitions: the figures of the faster one, and the worst of both for
    /// correctness and memory.
    fn best_of(self, other: ServerRun, speed: fn(&LoadReport) -> f64) -> ServerRun {
        let (mut kept, other) = if speed(&other.report) > speed(&self.report) {
            (other, self)
        } else {
            (self, other)
        };
        kept.verified &= other.verified;
        kept.peak_rss = kept.peak_rss.max(other.peak_rss);
        kept.deadlocks += other.deadlocks;
        kept.server_errors += other.server_errors;
        kept
    }

    fn rss(&self) -> String {
        self.peak_rss
            .map_or_else(|| "?".into(), |b| format!("{:.1} MiB", b as f64 / MIB))
    }
}

const MIB: f64 = 1024.0 * 1024.0;

struct Bench {
    options: RunOptions,
    pg: Postgres,
    pgbench: PathBuf,
    db: PgPool,
    shop: BenchShop,
    sale_script: PathBuf,
    catalogue_script: PathBuf,
    server_log: PathBuf,
    run_id: String,
}

/// Runs everything and prints the table. `Ok(false)` when a verification failed.
pub async fn run(options: RunOptions) -> Result<bool> {
    let started = Instant::now();
    let header = header();
    println!("{header}");
    let pg = Postgres::start()?;
    println!(
        "PostgreSQL on 127.0.0.1:{} (fsync on), files in {}",
        pg.port,
        pg.dir().display()
    );
    let admin = connect(&pg.url("postgres")).await?;
    for database in [DATABASE, REFERENCE_DATABASE] {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .execute(&admin)
            .await?;
    }
    admin.close().await;

    let server_log = pg.dir().join("server.log");
    migrate(&options.server, &pg.url(DATABASE), &server_log).await?;
    let db = connect(&pg.url(DATABASE)).await?;
    let shop = setup::setup(
        &db,
        &ShopSpec {
            code: "BENCH".into(),
            terminals: TERMINALS,
            articles: ARTICLES,
            stock: AMPLE_STOCK,
        },
    )
    .await?;
    sqlx::query("VACUUM ANALYZE").execute(&db).await?;
    let sale_script = pg.dir().join("ceiling-sale.sql");
    std::fs::write(&sale_script, include_str!("../ceiling/sale.sql"))?;
    let catalogue_script = pg.dir().join("ceiling-catalogue.sql");
    std::fs::write(&catalogue_script, include_str!("../ceiling/catalogue.sql"))?;

    let bench = Bench {
        run_id: format!(
            "B{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs()
        ),
        options,
        pgbench: pg.program("pgbench"),
        pg,
        db,
        shop,
        sale_script,
        catalogue_script,
        server_log,
    };
    let mut rows = Vec::new();
    let mut verified = true;
    let wants = |letter: char| bench.options.scenarios.contains(letter);

    // The fixed reference first: its figures are the yardstick of (a) and (b).
    let reference = bench.reference().await?;

    if wants('a') {
        verified &= bench.scenario_a(&reference, &mut rows).await?;
    }
    if wants('b') {
        verified &= bench.scenario_b(&reference, &mut rows).await?;
    }
    if wants('c') {
        verified &= bench.scenario_c(&mut rows).await?;
    }
    if wants('d') {
        verified &= bench.scenario_d(&mut rows).await?;
    }
    if wants('e') {
        verified &= bench.scenario_e(&mut rows).await?;
    }
    for (clients, result) in &reference {
        rows.push(Row {
            scenario: format!("fixed reference, {clients} clients (naive six-statement sale)"),
            server: "—".into(),
            ceiling: result
                .as_ref()
                .map_or_else(|e| e.clone(), |r| format!("{:.0} sales/s", r.tps)),
            ratio: None,
            target: "—".into(),
            rss: "—".into(),
            verdict: Verdict::NotMeasured,
        });
    }

    let check = bench.check_invariants().await?;
    println!("\n{check}");
    verified &= check.ends_with("all invariants hold");

    println!("\n{header}");
    println!("load average at the end: {}", load_average());
    println!(
        "total time {:.0} s\n",
        started.elapsed().as_secs_f64().ceil()
    );
    print!("{}", table(&rows));
    if !verified {
        println!("\nVERIFICATION FAILED: see the details above; the figures above are not valid.");
    }
    Ok(verified)
}

impl Bench {
    /// The fixed reference at 64 and 8 clients, on its own database, its files unchanged.
    async fn reference(&self) -> Result<Vec<(usize, Result<PgbenchResult, String>)>> {
        let schema = self.options.reference.join("reference-schema.sql");
        let script = self.options.reference.join("reference-sale.sql");
        if !schema.is_file() || !script.is_file() {
            let missing = format!("n/a (no {})", self.options.reference.display());
            println!("\n== fixed reference: {missing}");
            return Ok(vec![(64, Err(missing.clone())), (8, Err(missing))]);
        }
        let sql = std::fs::read_to_string(&schema)?;
        let db = connect(&self.pg.url(REFERENCE_DATABASE)).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&db).await?;
        sqlx::query("VACUUM ANALYZE").execute(&db).await?;
        let mut results = Vec::new();
        for clients in [64, 8] {
            let mut best: Option<PgbenchResult> = None;
            for _ in 0..self.options.repeat {
                sqlx::query("CHECKPOINT").execute(&db).await?;
                println!("\n== fixed reference, {clients} clients");
                let result = Pgbench {
                    script: &script,
                    database: REFERENCE_DATABASE,
                    clients,
                    variables: Vec::new(),
                    ..self.pgbench()
                }
                .run()
                .await?;
                println!("{:.1} sales/s", result.tps);
                best = Some(faster(best, result));
            }
            results.push((clients, best.ok_or_else(|| "no measurement".to_owned())));
        }
        db.close().await;
        Ok(results)
    }

    /// Measures the server under `load` and its ceiling, `repeat` times alternating, and
    /// keeps the best of each.
    async fn server_and_ceiling(
        &self,
        name: &str,
        shop: &BenchShop,
        load: LoadOptions,
        speed: fn(&LoadReport) -> f64,
        ceiling: impl AsyncFn() -> Result<PgbenchResult>,
    ) -> Result<(ServerRun, PgbenchResult)> {
        let mut best: Option<(ServerRun, PgbenchResult)> = None;
        for repetition in 0..self.options.repeat {
            let load = LoadOptions {
                run_id: format!("{}{repetition}", load.run_id),
                ..load.clone()
            };
            let run = self.measure(name, shop, load).await?;
            let result = ceiling().await?;
            best = Some(match best {
                None => (run, result),
                Some((best_run, best_result)) => (
                    best_run.best_of(run, speed),
                    faster(Some(best_result), result),
                ),
            });
        }
        best.context("--repeat must be at least 1")
    }

    async fn scenario_a(
        &self,
        reference: &[(usize, Result<PgbenchResult, String>)],
        rows: &mut Vec<Row>,
    ) -> Result<bool> {
        let name = "(a) 64 tills, 1 sale × 1 line per request";
        let (run, ceiling) = self
            .server_and_ceiling(
                name,
                &self.shop,
                self.sync_load("a", 64, 1, 1, ARTICLES),
                LoadReport::sales_per_second,
                async || self.sale_ceiling(&self.shop, 64, 1, 1, ARTICLES).await,
            )
            .await?;
        let ok = run.verified;
        let server = run.report.sales_per_second();
        let ratio = server / ceiling.tps;
        rows.push(Row {
            scenario: name.into(),
            server: format!("{server:.0} sales/s"),
            ceiling: format!("{:.0} sales/s", ceiling.tps),
            ratio: Some(ratio),
            target: "≥ 0.70".into(),
            rss: run.rss(),
            verdict: verdict(ok, ratio >= 0.7),
        });
        let (p50, p99) = (run.report.latency_ms(0.5), run.report.latency_ms(0.99));
        rows.push(Row {
            scenario: "(a) latency".into(),
            server: format!("p50 {p50:.1} ms, p99 {p99:.1} ms"),
            ceiling: ceiling
                .latency_ms
                .map_or_else(|| "—".into(), |l| format!("mean {l:.1} ms")),
            ratio: Some(p99 / p50),
            target: "p99/p50 ≤ 3".into(),
            rss: String::new(),
            verdict: verdict(ok, p99 <= 3.0 * p50),
        });
        rows.push(versus_reference(
            "(a) against the fixed reference, 64 clients",
            server,
            reference,
            64,
            1.0,
            ok,
        ));
        Ok(ok)
    }

    async fn scenario_b(
        &self,
        reference: &[(usize, Result<PgbenchResult, String>)],
        rows: &mut Vec<Row>,
    ) -> Result<bool> {
        let name = "(b) 8 tills, 100 sales × 3 lines per request";
        let (run, ceiling) = self
            .server_and_ceiling(
                name,
                &self.shop,
                self.sync_load("b", 8, 100, 3, ARTICLES),
                LoadReport::sales_per_second,
                async || self.sale_ceiling(&self.shop, 8, 100, 3, ARTICLES).await,
            )
            .await?;
        let ok = run.verified;
        let server = run.report.sales_per_second();
        let ceiling_sales = ceiling.tps * 100.0;
        let ratio = server / ceiling_sales;
        rows.push(Row {
            scenario: name.into(),
            server: format!("{server:.0} sales/s"),
            ceiling: format!("{ceiling_sales:.0} sales/s"),
            ratio: Some(ratio),
            target: "≥ 0.80".into(),
            rss: run.rss(),
            verdict: verdict(ok, ratio >= 0.8),
        });
        rows.push(versus_reference(
            "(b) against the fixed reference, 8 clients",
            server,
            reference,
            8,
            3.0,
            ok,
        ));
        Ok(ok)
    }

    async fn scenario_c(&self, rows: &mut Vec<Row>) -> Result<bool> {
        let name = "(c) contention: 64 tills, the same 3 articles";
        let mut best: Option<(ServerRun, PgbenchResult)> = None;
        for repetition in 0..self.options.repeat {
            // Every repetition starts from the same low stock.
            let shop = setup::setup(
                &self.db,
                &ShopSpec {
                    code: "BENCH-C".into(),
                    terminals: 64,
                    articles: CONTENTION_ARTICLES,
                    stock: CONTENTION_STOCK,
                },
            )
            .await?;
            let mut load = self.sync_load(&format!("c{repetition}"), 64, 1, 3, CONTENTION_ARTICLES);
            // A fixed number of requests, asking more than the stock: the run ends with
            // the stock exhausted and the rest refused. The duration only bounds a slow run.
            load.requests = Some(CONTENTION_REQUESTS);
            load.duration = Some(self.options.duration * 6);
            load.warmup = Duration::ZERO;
            let run = self.measure(name, &shop, load).await?;
            let result = self
                .sale_ceiling(&shop, 64, 1, 3, CONTENTION_ARTICLES)
                .await?;
            best = Some(match best {
                None => (run, result),
                Some((best_run, best_result)) => (
                    best_run.best_of(run, LoadReport::requests_per_second),
                    faster(Some(best_result), result),
                ),
            });
        }
        let (run, ceiling) = best.context("--repeat must be at least 1")?;
        let server = run.report.requests_per_second();
        let correct = run.deadlocks == 0 && run.server_errors == 0;
        rows.push(Row {
            scenario: name.into(),
            server: format!(
                "{server:.0} sales handled/s; {} deadlocks, {} 5xx, stock {}",
                run.deadlocks,
                run.server_errors,
                if run.verified { "exact" } else { "WRONG" }
            ),
            ceiling: format!("{:.0} sales/s", ceiling.tps),
            ratio: Some(server / ceiling.tps),
            target: "0 deadlocks, 0 5xx, stock exact".into(),
            rss: run.rss(),
            verdict: verdict(run.verified, correct),
        });
        Ok(run.verified && correct)
    }

    async fn scenario_d(&self, rows: &mut Vec<Row>) -> Result<bool> {
        let name = "(d) catalogue, 2,000 articles, 32 clients";
        let ceiling = async || {
            sqlx::query("CHECKPOINT").execute(&self.db).await?;
            println!("-- ceiling: the catalogue SELECT, 32 clients");
            let result = Pgbench {
                script: &self.catalogue_script,
                clients: 32,
                variables: vec![("boutique", self.shop.boutique_id.to_string())],
                ..self.pgbench()
            }
            .run()
            .await?;
            println!("{:.1} queries/s", result.tps);
            anyhow::Ok(result)
        };
        if !self.catalogue_exists().await? {
            println!("\n== {name}: the server has no GET articles/ (404): not measured");
            let ceiling = ceiling().await?;
            rows.push(Row {
                scenario: name.into(),
                server: "n/a (endpoint missing)".into(),
                ceiling: format!("{:.0} requests/s", ceiling.tps),
                ratio: None,
                target: "≥ 0.50".into(),
                rss: "—".into(),
                verdict: Verdict::NotMeasured,
            });
            return Ok(true);
        }
        let load = LoadOptions {
            workload: Workload::Catalogue { expected: ARTICLES },
            ..self.sync_load("d", 32, 1, 1, ARTICLES)
        };
        let (run, ceiling) = self
            .server_and_ceiling(
                name,
                &self.shop,
                load,
                LoadReport::requests_per_second,
                ceiling,
            )
            .await?;
        let ok = run.verified;
        let server = run.report.requests_per_second();
        let ratio = server / ceiling.tps;
        rows.push(Row {
            scenario: name.into(),
            server: format!("{server:.0} requests/s"),
            ceiling: format!("{:.0} requests/s", ceiling.tps),
            ratio: Some(ratio),
            target: "≥ 0.50".into(),
            rss: run.rss(),
            verdict: verdict(ok, ratio >= 0.5),
        });
        Ok(ok)
    }

    async fn scenario_e(&self, rows: &mut Vec<Row>) -> Result<bool> {
        let name = "(e) 256 connections, idle then busy (10 sales × 3 lines)";
        let load = LoadOptions {
            idle: Duration::from_secs(3),
            ..self.sync_load("e", 256, 10, 3, ARTICLES)
        };
        let run = self.measure(name, &self.shop, load).await?;
        let peak = run.peak_rss.map(|b| b as f64 / MIB);
        rows.push(Row {
            scenario: name.into(),
            server: format!(
                "{:.0} sales/s, p99 {:.0} ms, {} 5xx",
                run.report.sales_per_second(),
                run.report.latency_ms(0.99),
                run.server_errors
            ),
            ceiling: "—".into(),
            ratio: None,
            target: "peak RSS < 100 MiB".into(),
            rss: run.rss(),
            verdict: verdict(run.verified, peak.is_some_and(|p| p < 100.0)),
        });
        Ok(run.verified)
    }

    fn sync_load(
        &self,
        scenario: &str,
        tills: usize,
        sales: usize,
        lines: usize,
        pool: usize,
    ) -> LoadOptions {
        LoadOptions {
            url: String::new(),
            tills,
            workload: Workload::Sync {
                sales,
                lines,
                max_quantity: 1,
            },
            duration: Some(self.options.duration),
            requests: None,
            warmup: self.options.warmup,
            idle: Duration::ZERO,
            articles_pool: pool,
            timeout: Duration::from_secs(60),
            run_id: format!("{}{scenario}", self.run_id),
        }
    }

    /// Starts a fresh server (so its peak memory is this scenario's), runs `load` against
    /// it, stops it, and verifies the database.
    async fn measure(&self, name: &str, shop: &BenchShop, load: LoadOptions) -> Result<ServerRun> {
        println!("\n== {name}");
        sqlx::query("CHECKPOINT").execute(&self.db).await?;
        let deadlocks_before = self.deadlocks().await?;
        let before = verify::stock(&self.db, shop).await?;
        let server = Server::start(
            &self.options.server,
            &self.pg.url(DATABASE),
            &self.server_log,
        )
        .await?;
        let load = LoadOptions {
            url: server.url.clone(),
            ..load
        };
        let report = load::run(&load, shop).await;
        let peak_rss = server.peak_rss();
        server.stop().await?;
        let report = report?;
        print!("{report}");
        let server_errors = report.server_errors();
        // Counted once the server's connections have closed: a backend reports its
        // statistics when it goes away.
        let deadlocks = self.deadlocks().await? - deadlocks_before;
        let verified = match load.workload {
            Workload::Sync { .. } => {
                let v =
                    verify::verify(&self.db, shop, &load.run_id, &before, &report.records).await?;
                println!("{v}");
                v.passed()
            }
            Workload::Catalogue { .. } => true,
        } && report.anomalies.is_empty();
        if let Some(rss) = peak_rss {
            println!(
                "server peak RSS {:.1} MiB, deadlocks {deadlocks}",
                rss as f64 / MIB
            );
        }
        Ok(ServerRun {
            report,
            verified,
            peak_rss,
            deadlocks,
            server_errors,
        })
    }

    async fn sale_ceiling(
        &self,
        shop: &BenchShop,
        clients: usize,
        sales: usize,
        per_sale: usize,
        pool: usize,
    ) -> Result<PgbenchResult> {
        sqlx::query("CHECKPOINT").execute(&self.db).await?;
        println!(
            "-- ceiling: the server's statements in pgbench, {clients} clients, {sales} × {per_sale}"
        );
        let result = Pgbench {
            script: &self.sale_script,
            clients,
            variables: vec![
                ("boutique", shop.boutique_id.to_string()),
                ("t0", shop.terminals[0].0.to_string()),
                ("a0", shop.articles[0].to_string()),
                ("na", pool.to_string()),
                ("sales", sales.to_string()),
                ("per_sale", per_sale.to_string()),
            ],
            ..self.pgbench()
        }
        .run()
        .await?;
        println!(
            "{:.1} transactions/s ({:.1} sales/s)",
            result.tps,
            result.tps * sales as f64
        );
        Ok(result)
    }

    fn pgbench(&self) -> Pgbench<'_> {
        Pgbench {
            program: &self.pgbench,
            host: "127.0.0.1",
            port: self.pg.port,
            user: postgres::USER,
            database: DATABASE,
            script: &self.sale_script,
            clients: 1,
            duration: self.options.duration,
            variables: Vec::new(),
        }
    }

    /// Whether the server has `GET articles/`: a 404 that is not about the till means the
    /// route does not exist (yet).
    async fn catalogue_exists(&self) -> Result<bool> {
        let server = Server::start(
            &self.options.server,
            &self.pg.url(DATABASE),
            &self.server_log,
        )
        .await?;
        let response = reqwest::Client::new()
            .get(format!("{}{}/articles/", server.url, load::TERMINAL_API))
            .header("X-Device-Serial", &self.shop.terminals[0].1)
            .send()
            .await;
        server.stop().await?;
        let response = response?;
        let status = response.status().as_u16();
        let body: serde_json::Value =
            serde_json::from_slice(&response.bytes().await?).unwrap_or_default();
        Ok(!(status == 404 && body["code"] != "TERMINAL_NOT_FOUND"))
    }

    async fn deadlocks(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
        )
        .fetch_one(&self.db)
        .await?)
    }

    /// `caisse check` over the whole bench database: the server's own invariants, which the
    /// ceiling scripts must keep too (they write the same rows).
    async fn check_invariants(&self) -> Result<String> {
        let out = tokio::process::Command::new(&self.options.server)
            .arg("check")
            .env("DATABASE_URL", self.pg.url(DATABASE))
            .env("CAISSE_LOG", "warn")
            .output()
            .await?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        Ok(format!(
            "invariants over the whole bench database (caisse check, after the server and the ceilings): {}",
            postgres::tail(stdout.trim(), 20)
        ))
    }
}

fn faster(best: Option<PgbenchResult>, result: PgbenchResult) -> PgbenchResult {
    match best {
        Some(best) if best.tps >= result.tps => best,
        _ => result,
    }
}

fn verdict(verified: bool, met: bool) -> Verdict {
    if verified {
        Verdict::of(met)
    } else {
        Verdict::Failed
    }
}

fn versus_reference(
    scenario: &str,
    server: f64,
    reference: &[(usize, Result<PgbenchResult, String>)],
    clients: usize,
    target: f64,
    verified: bool,
) -> Row {
    let found = reference.iter().find(|(c, _)| *c == clients);
    let (ceiling, ratio) = match found {
        Some((_, Ok(r))) => (format!("{:.0} sales/s", r.tps), Some(server / r.tps)),
        Some((_, Err(e))) => (e.clone(), None),
        None => ("n/a".into(), None),
    };
    Row {
        scenario: scenario.into(),
        server: format!("{server:.0} sales/s"),
        ceiling,
        ratio,
        target: format!("≥ {target:.1}"),
        rss: String::new(),
        verdict: match ratio {
            Some(ratio) => verdict(verified, ratio >= target),
            None => Verdict::NotMeasured,
        },
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| scenario | server | ceiling | ratio | target | server peak RSS | verdict |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.scenario,
            row.server,
            row.ceiling,
            row.ratio.map_or_else(|| "—".into(), |r| format!("{r:.2}")),
            row.target,
            row.rss,
            row.verdict.label()
        );
    }
    out
}

/// What was measured, on what.
fn header() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "caisse benchmark: commit {commit}{}, {cores} cores, load average at the start: {}",
        if dirty {
            " (with uncommitted changes)"
        } else {
            ""
        },
        load_average()
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

async fn connect(url: &str) -> Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(4)
        .connect(url)
        .await
        .with_context(|| format!("cannot connect to {url}"))
}

/// `caisse migrate` over `database_url`.
async fn migrate(server: &Path, database_url: &str, log: &Path) -> Result<()> {
    let out = tokio::process::Command::new(server)
        .arg("migrate")
        .env("DATABASE_URL", database_url)
        .output()
        .await
        .with_context(|| format!("cannot run {}", server.display()))?;
    std::fs::write(log, &out.stderr)?;
    if !out.status.success() {
        bail!(
            "{} migrate failed: {}",
            server.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
