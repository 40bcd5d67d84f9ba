//! What operators rely on: health checks, request ids, metrics and JSON logs.

use crate::common::*;
use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

#[tokio::test]
async fn health_checks() {
    let app = TestApp::spawn().await;
    let live = app.get("/health/live", None).await;
    assert_eq!(
        (live.status.as_u16(), live.body),
        (200, json!({"status": "ok"}))
    );
    let ready = app.get("/health/ready", None).await;
    assert_eq!(
        (ready.status.as_u16(), ready.body),
        (
            200,
            json!({"status": "ok", "database": "ok", "migrations": "ok"})
        )
    );

    // A database behind this build: the missing migration is named, and no traffic is due.
    let last: i64 = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(last)
        .execute(&app.pool)
        .await
        .unwrap();
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.body["migrations"], "pending");
    assert_eq!(ready.body["pending"], json!([last]));
    // Alive all the same.
    assert_eq!(app.get("/health/live", None).await.status, 200);
}

#[tokio::test]
async fn health_when_the_database_is_gone() {
    let app = TestApp::spawn_with(|c| c.acquire_timeout = Duration::from_millis(300)).await;
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // The server's connections are cut and new ones refused.
    let options = PgConnectOptions::from_str(&std::env::var("DATABASE_URL").unwrap()).unwrap();
    let mut admin = PgConnection::connect_with(&options.database("postgres"))
        .await
        .unwrap();
    // The name is the test's own database's, made by the harness.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&mut admin)
        .await
        .unwrap();
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, 503, "{:#}", ready.body);
    assert_eq!(ready.body["database"], "down");
    assert_eq!(app.get("/health/live", None).await.status, 200);
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let id = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let first = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    let second = app.client.get(app.url("/nowhere")).send().await.unwrap();
    let (first, second) = (id(&first).unwrap(), id(&second).unwrap());
    assert_eq!(first.len(), 36, "{first}");
    assert_ne!(first, second);

    // A proxy's id is kept; one that is not a sane token is replaced.
    let kept = app
        .client
        .get(app.url("/api/v2/simple/status/"))
        .header("X-Request-Id", "lb-7f3a:42")
        .send()
        .await
        .unwrap();
    assert_eq!(id(&kept).as_deref(), Some("lb-7f3a:42"));
    let replaced = app
        .client
        .get(app.url("/api/v2/simple/status/"))
        .header("X-Request-Id", "a b {}")
        .send()
        .await
        .unwrap();
    assert_eq!(id(&replaced).unwrap().len(), 36);
}

/// A sample of the Prometheus text: the value of the series `name{labels}` (0 if absent).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().unwrap())
        })
        .unwrap_or(0.0)
}

async fn metrics(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_move_when_sales_are_synced() {
    let app = TestApp::spawn_with(|c| c.metrics = true).await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let earphones = app.article("BTQ-009", "ECO-001").await;
    let before = metrics(&app).await;

    let batch = json!([
        sale("M-1", &[(charger.id, 2, 25000.0)]),
        sale("M-2", &[(charger.id, 1, 25000.0)]),
        sale("M-3", &[(earphones.id, 500, 75000.0)]),
    ]);
    let reply = app.sync(DEMO_SERIAL, &batch).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let again = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("M-1", &[(charger.id, 2, 25000.0)])]),
        )
        .await;
    assert_eq!(again.status, 201);
    let after = metrics(&app).await;

    let moved = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(moved("caisse_sales_recorded_total"), 2.0, "{after}");
    assert_eq!(moved("caisse_sales_duplicate_total"), 1.0);
    assert_eq!(
        moved(r#"caisse_sales_refused_total{code="INSUFFICIENT_STOCK"}"#),
        1.0
    );
    assert_eq!(
        moved(
            r#"caisse_http_requests_total{method="POST",route="/api/v2/simple/ventes/sync",status="201"}"#
        ),
        2.0
    );
    assert!(
        moved(
            r#"caisse_http_request_duration_seconds_count{method="POST",route="/api/v2/simple/ventes/sync"}"#
        ) >= 2.0
    );
    assert_eq!(sample(&after, "caisse_db_pool_max_connections"), 8.0);
    assert!(after.contains(r#"caisse_db_pool_connections{state="idle"}"#));
    // Raw paths never become labels.
    assert!(!after.contains(DEMO_SERIAL));
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

/// The real binary with `LOG_FORMAT=json`: one JSON object per line on stderr, and the
/// lines of a request carry its id.
#[tokio::test]
async fn json_logs_carry_the_request_id() {
    let (_, database_url) = fresh_database().await;
    let mut server = Command::new(env!("CARGO_BIN_EXE_caisse"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("CAISSE_ADDR", "127.0.0.1:0")
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start caisse");
    // Read to the end, so that the server never writes to a closed pipe.
    let stdout = BufReader::new(server.stdout.take().unwrap());
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving on ").nth(1) {
                let _ = found.send(rest.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
    });
    let address = address
        .recv_timeout(Duration::from_secs(30))
        .expect("the server says where it serves");
    let response = reqwest::Client::new()
        .get(format!("{address}/api/v2/simple/articles/"))
        .header("X-Device-Serial", DEMO_SERIAL)
        .header("X-Request-Id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
    // SIGTERM: the server stops and its log ends.
    Command::new("kill")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    let stderr = BufReader::new(server.stderr.take().unwrap());
    let lines: Vec<Value> = stderr
        .lines()
        .map_while(Result::ok)
        .map(|line| serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    server.wait().unwrap();
    let request_line = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "trace-me-42")
        .unwrap_or_else(|| panic!("no line of the request: {lines:#?}"));
    assert_eq!(request_line["span"]["serial"], DEMO_SERIAL);
    assert_eq!(request_line["level"], "INFO");
}

/// `caisse --help` names every command and ends with every configuration variable, its
/// default and meaning, so an operator needs nothing else to configure it.
#[test]
fn help_lists_the_commands_and_every_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_caisse"))
        .arg("--help")
        .output()
        .expect("run caisse --help");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for command in [
        "serve",
        "migrate",
        "seed-demo",
        "check",
        "create-admin-token",
    ] {
        assert!(
            help.contains(&format!("  {command}")),
            "{command} missing:\n{help}"
        );
    }
    let variables = help
        .split("Configuration (environment variables):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no configuration section:\n{help}"));
    for v in caisse::config::Config::variables() {
        let line = variables
            .lines()
            .find(|line| line.split_whitespace().next() == Some(v.name.as_str()))
            .unwrap_or_else(|| panic!("{} missing:\n{variables}", v.name));
        assert!(line.contains(&v.meaning), "{line}");
        assert!(
            line.ends_with(&format!("[default: {}]", v.default)),
            "{line}"
        );
    }
}

/// The README's configuration table names every variable the server reads, with its
/// default as declared, and no other.
#[test]
fn the_readme_lists_every_variable_with_its_default() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let table = readme
        .split("## Configuration")
        .nth(1)
        .expect("a Configuration section");
    let rows: Vec<(String, String)> = table
        .lines()
        .skip_while(|line| !line.starts_with("| variable"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (
                cells[1].trim_matches('`').to_owned(),
                cells[2].trim_matches('`').to_owned(),
            )
        })
        .collect();
    let declared: Vec<(String, String)> = caisse::config::Config::variables()
        .into_iter()
        .map(|v| (v.name, v.default))
        .collect();
    for variable in &declared {
        assert!(
            rows.contains(variable),
            "README lacks {variable:?}: {rows:?}"
        );
    }
    for row in &rows {
        assert!(declared.contains(row), "README has {row:?}, not declared");
    }
}
