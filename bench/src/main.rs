//! `caisse-bench`: bench data, the load generator, and the whole benchmark run.

use anyhow::{Context, Result};
use caisse_bench::load::{self, LoadOptions, Workload};
use caisse_bench::run::{self, RunOptions};
use caisse_bench::setup::{self, ShopSpec};
use caisse_bench::verify;
use clap::{Parser, Subcommand};
use sqlx::postgres::PgPoolOptions;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "caisse-bench",
    version,
    about = "Load generator, bench data and benchmark runner for caisse"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a bench boutique with its tills and articles in DATABASE_URL (migrated),
    /// replacing a boutique of the same code.
    Setup {
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// code_boutique of the bench boutique.
        #[arg(long, default_value = "BENCH")]
        boutique: String,
        #[arg(long, default_value_t = 64)]
        terminals: usize,
        #[arg(long, default_value_t = 2000)]
        articles: usize,
        /// Initial stock of every article: high for throughput, low for contention.
        #[arg(long, default_value_t = 100_000_000)]
        stock: i32,
    },
    /// Load a running server with tills posting sales (or reading the catalogue), report
    /// throughput and latency, then check the database: exit status 1 if it does not hold
    /// exactly what the server acknowledged.
    Load {
        /// The server, e.g. http://127.0.0.1:8000.
        #[arg(long)]
        url: String,
        /// The server's database, for the bench data and the verification.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// The bench boutique (made by `setup`).
        #[arg(long, default_value = "BENCH")]
        boutique: String,
        /// Tills, each with its own serial and connection.
        #[arg(long, default_value_t = 64)]
        tills: usize,
        /// Sales per request.
        #[arg(long, default_value_t = 1)]
        sales: usize,
        /// Lines per sale.
        #[arg(long, default_value_t = 1)]
        lines: usize,
        /// Units per line are drawn from 1 to this.
        #[arg(long, default_value_t = 1)]
        max_quantity: u32,
        /// Seconds of measured load (after the warm-up).
        #[arg(long, value_parser = seconds, required_unless_present = "requests")]
        duration: Option<Duration>,
        /// Requests to send in all (with --duration too, whichever ends first).
        #[arg(long)]
        requests: Option<u64>,
        /// Seconds of unmeasured load first.
        #[arg(long, value_parser = seconds, default_value = "0")]
        warmup: Duration,
        /// Seconds every till stays idle, connection open, after a first request.
        #[arg(long, value_parser = seconds, default_value = "0")]
        idle: Duration,
        /// Draw articles from the first K of the boutique (default: all).
        #[arg(long)]
        articles_pool: Option<usize>,
        /// GET articles/ instead of posting sales.
        #[arg(long)]
        catalogue: bool,
    },
    /// The whole benchmark: start a PostgreSQL (fsync on) and the server's release build,
    /// run the scenarios (a)–(e) against their pgbench ceilings and the fixed reference,
    /// print the table. Exit status 1 if any verification fails.
    Run {
        /// The server's release binary.
        #[arg(long, default_value = "target/release/caisse")]
        server: PathBuf,
        /// The fixed reference (reference-schema.sql, reference-sale.sql).
        #[arg(long, default_value = "../shared/bench")]
        reference: PathBuf,
        /// Seconds each measurement lasts.
        #[arg(long, value_parser = seconds, default_value = "10")]
        duration: Duration,
        /// Seconds of warm-up before the server is measured.
        #[arg(long, value_parser = seconds, default_value = "2")]
        warmup: Duration,
        /// Which scenarios to run.
        #[arg(long, default_value = "abcde")]
        scenarios: String,
        /// Measure each throughput this many times, server and ceiling alternating, and
        /// keep the best of each: steadier ratios on a busy machine, longer runs.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
        repeat: u32,
    },
}

fn seconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("expected a number of seconds, got {value:?}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // On Ctrl-C the work is dropped: the server and the PostgreSQL it started are stopped
    // and their files removed.
    let result = tokio::select! {
        result = execute(cli.command) => result,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("caisse-bench: interrupted");
            return ExitCode::from(130);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("caisse-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `Ok(false)` when the database does not hold what the server said.
async fn execute(command: Command) -> Result<bool> {
    match command {
        Command::Setup {
            database_url,
            boutique,
            terminals,
            articles,
            stock,
        } => {
            let pool = connect(&database_url).await?;
            let shop = setup::setup(
                &pool,
                &ShopSpec {
                    code: boutique,
                    terminals,
                    articles,
                    stock,
                },
            )
            .await?;
            println!(
                "boutique {} (id {}): {} tills {}…{}, {} articles ids {}…{}, stock {stock} each",
                shop.code,
                shop.boutique_id,
                shop.terminals.len(),
                shop.terminals[0].1,
                shop.terminals[shop.terminals.len() - 1].1,
                shop.articles.len(),
                shop.articles[0],
                shop.articles[shop.articles.len() - 1],
            );
            Ok(true)
        }
        Command::Load {
            url,
            database_url,
            boutique,
            tills,
            sales,
            lines,
            max_quantity,
            duration,
            requests,
            warmup,
            idle,
            articles_pool,
            catalogue,
        } => {
            let pool = connect(&database_url).await?;
            let shop = setup::find(&pool, &boutique).await?;
            let workload = if catalogue {
                Workload::Catalogue {
                    expected: shop.articles.len(),
                }
            } else {
                Workload::Sync {
                    sales,
                    lines,
                    max_quantity,
                }
            };
            let options = LoadOptions {
                url: url.trim_end_matches('/').to_owned(),
                tills,
                workload,
                duration,
                requests,
                warmup,
                idle,
                articles_pool: articles_pool.unwrap_or(shop.articles.len()),
                timeout: Duration::from_secs(60),
                run_id: format!(
                    "L{}",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)?
                        .as_secs()
                ),
            };
            let before = verify::stock(&pool, &shop).await?;
            let report = load::run(&options, &shop).await?;
            print!("{report}");
            let mut passed = report.anomalies.is_empty();
            if !catalogue {
                let verification =
                    verify::verify(&pool, &shop, &options.run_id, &before, &report.records).await?;
                println!("{verification}");
                passed &= verification.passed();
            }
            Ok(passed)
        }
        Command::Run {
            server,
            reference,
            duration,
            warmup,
            scenarios,
            repeat,
        } => {
            let server = std::path::absolute(&server)?;
            anyhow::ensure!(
                server.is_file(),
                "no server binary at {}: build it first (bench/run does)",
                server.display()
            );
            run::run(RunOptions {
                server,
                reference,
                duration,
                warmup,
                scenarios,
                repeat: repeat as usize,
            })
            .await
        }
    }
}

async fn connect(url: &str) -> Result<sqlx::PgPool> {
    PgPoolOptions::new()
        .max_connections(4)
        .connect(url)
        .await
        .context("cannot connect to DATABASE_URL")
}
