//! Losing the database server. A pg_auto_failover formation on loopback (a monitor and two
//! PostgreSQL nodes, commits acknowledged only once they are on both), `caisse` given both
//! nodes in one `DATABASE_URL` (the URI `pg_autoctl show uri` prints), eight tills syncing,
//! and the primary's machine lost mid-load: its pg_autoctl, postmaster and backends killed
//! with SIGKILL. The monitor promotes the standby, `caisse` follows it without a restart, and
//! the tills carry on. Then the killed node rejoins as a standby and the same happens the
//! other way. Every sale a till saw acknowledged must be on the last primary exactly once,
//! with the stock and the journal right.
//!
//! It needs `pg_autoctl` (Debian: `apt-get install postgresql-15-auto-failover`); without it
//! the test says so and passes, unless `CI` is set. As root, PostgreSQL and pg_autoctl run as
//! the `postgres` user. Everything it starts is stopped when it ends, whatever the outcome,
//! and every wait has a deadline.

use crate::common::sale;
use crate::common::server::{Server, caisse_check, free_address};
use serde_json::Value;
use sqlx::{Connection, PgConnection};
use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const TILLS: usize = 8;
/// The whole test, formation included, stops by then.
const WHOLE_TEST: Duration = Duration::from_secs(280);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn losing_the_primary_twice_loses_no_acknowledged_sale() {
    let Some(autoctl) = find_program("pg_autoctl") else {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        assert!(
            !ci,
            "pg_autoctl is not installed, and CI must run this test: \
             apt-get install postgresql-15-auto-failover"
        );
        eprintln!(
            "SKIPPED losing_the_primary_twice_loses_no_acknowledged_sale: pg_autoctl is not \
             installed (apt-get install postgresql-15-auto-failover); CI runs it"
        );
        return;
    };
    tokio::time::timeout(WHOLE_TEST, fail_over_and_back(autoctl))
        .await
        .expect("the failover test did not finish in time");
}

async fn fail_over_and_back(autoctl: PathBuf) {
    let started = Instant::now();
    let formation = Formation::start(autoctl).await;
    let formed = started.elapsed();
    let url = formation.uri().await;
    eprintln!("formation up in {formed:.1?}; DATABASE_URL={url}");

    // The schema and demo data through the multi-host URL, as an operator would load them.
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new(env!("CARGO_BIN_EXE_caisse"))
            .arg("seed-demo")
            .env("DATABASE_URL", &url)
            .env("CAISSE_LOG", "warn")
            .output(),
    )
    .await
    .expect("caisse seed-demo in time")
    .expect("caisse seed-demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut primary = formation.connect(0).await;
    // A stock no run can exhaust, so that every sale is accepted; the journal's rule
    // (stock = initial stock + movements) still holds.
    let (shop, cable, initial): (i64, i64, i32) = sqlx::query_as(
        "UPDATE articles SET stock_initial = stock_initial + 1000000,
                             quantite_stock = quantite_stock + 1000000
         WHERE code = 'CAB-001' RETURNING boutique_id, id, quantite_stock",
    )
    .fetch_one(&mut primary)
    .await
    .unwrap();
    for t in 0..TILLS {
        sqlx::query(
            "INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash, cle_requise)
             VALUES ($1, $2, $2, 'x', false)",
        )
        .bind(shop)
        .bind(format!("HA-{t}"))
        .execute(&mut primary)
        .await
        .unwrap();
    }
    primary.close().await.ok();

    let address = free_address();
    let server = Server::start_logging(
        &[
            ("DATABASE_URL", url.clone()),
            ("CAISSE_ADDR", address.clone()),
            ("CAISSE_DB_POOL_SIZE", "8".into()),
            ("CAISSE_DB_ACQUIRE_TIMEOUT", "2s".into()),
        ],
        Some(&formation.dir.join("caisse.log")),
    )
    .await;

    let load = Arc::new(Load::default());
    load.running.store(true, Ordering::Relaxed);
    let tills: Vec<_> = (0..TILLS)
        .map(|t| tokio::spawn(till(t, address.clone(), cable, Arc::clone(&load))))
        .collect();

    let mut formation = formation;
    let mut failovers = Vec::new();
    let mut rejoined = None;
    for (victim, survivor) in [(0, 1), (1, 0)] {
        // The load runs on a healthy formation for a while before each loss.
        tokio::time::sleep(Duration::from_secs(3)).await;
        formation.assert_synchronous(survivor).await;
        let killed = Instant::now();
        formation.kill(victim).await;
        let promoted = formation.wait_promoted(survivor).await;
        let served = load
            .first_success_after(killed, Duration::from_secs(60))
            .await;
        // A few seconds of load on the new primary, then the killed node comes back as its
        // standby (the second time, it stays down: the test is over).
        tokio::time::sleep(Duration::from_secs(3)).await;
        let until = Instant::now();
        failovers.push(Failover {
            from: victim,
            to: survivor,
            killed,
            until,
            without_primary: promoted - killed,
            without_service: served - killed,
        });
        if victim == 0 {
            let rejoining = Instant::now();
            formation.rejoin(victim).await;
            rejoined = Some((rejoining, Instant::now()));
        }
    }
    load.running.store(false, Ordering::Relaxed);
    let mut results = Vec::new();
    for till in tills {
        results.push(till.await.expect("a till panicked"));
    }

    // Against the last primary itself.
    let mut primary = formation.connect(0).await;
    let in_recovery: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(&mut primary)
        .await
        .unwrap();
    assert!(!in_recovery, "node 1 should be the primary again");
    let mut expected_stock = i64::from(initial);
    let mut total_sales = 0;
    for result in &results {
        let stored: Vec<(String, i64)> = sqlx::query_as(
            "SELECT v.numero_facture, count(*) FROM ventes v JOIN terminaux t ON t.id = v.terminal_id
             WHERE t.numero_serie = $1 GROUP BY v.numero_facture",
        )
        .bind(format!("HA-{}", result.till))
        .fetch_all(&mut primary)
        .await
        .unwrap();
        let stored: HashMap<String, i64> = stored.into_iter().collect();
        for i in 0..result.acknowledged {
            let number = invoice(result.till, i);
            assert_eq!(
                stored.get(&number).copied(),
                Some(1),
                "sale {number}, acknowledged to till {}, is not stored exactly once",
                result.till
            );
            expected_stock -= quantity(result.till, i);
        }
        assert_eq!(
            stored.len(),
            result.acknowledged,
            "till {} has sales stored that it was never told about",
            result.till
        );
        total_sales += result.acknowledged;
    }
    let doubles: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM ventes GROUP BY terminal_id, numero_facture
                               HAVING count(*) > 1) d",
    )
    .fetch_one(&mut primary)
    .await
    .unwrap();
    assert_eq!(doubles, 0, "sales stored twice");
    let stock: i32 = sqlx::query_scalar("SELECT quantite_stock FROM articles WHERE id = $1")
        .bind(cable)
        .fetch_one(&mut primary)
        .await
        .unwrap();
    assert_eq!(
        i64::from(stock),
        expected_stock,
        "stock is not initial minus sales"
    );
    primary.close().await.ok();
    assert_eq!(caisse_check(&url), (true, "all invariants hold\n".into()));

    let events = load.events.lock().unwrap().clone();
    let unanswered = events.iter().filter(|e| e.status == 0).count();
    assert_eq!(unanswered, 0, "requests the server never answered");
    let longest = events
        .iter()
        .max_by_key(|e| e.took)
        .map(|e| (e.took, e.started - started))
        .unwrap_or_default();
    for (n, failover) in failovers.iter().enumerate() {
        let during: Vec<&Event> = events
            .iter()
            .filter(|e| e.started + e.took >= failover.killed && e.started < failover.until)
            .collect();
        let mut statuses: Vec<(u16, usize)> = during
            .iter()
            .fold(HashMap::new(), |mut by, e| {
                *by.entry(e.status).or_insert(0) += 1;
                by
            })
            .into_iter()
            .collect();
        statuses.sort();
        eprintln!(
            "failover {} (node {} killed {:.1} s into the run, node {} promoted): requests in \
             flight then or sent in the next {:.1} s: {} {statuses:?}, {} sales acknowledged; \
             {:.1} s without a primary, {:.1} s before a till was served again, longest \
             request {:.2} s",
            n + 1,
            failover.from + 1,
            (failover.killed - started).as_secs_f64(),
            failover.to + 1,
            (failover.until - failover.killed).as_secs_f64(),
            during.len(),
            during.iter().map(|e| e.acknowledged).sum::<usize>(),
            failover.without_primary.as_secs_f64(),
            failover.without_service.as_secs_f64(),
            during
                .iter()
                .map(|e| e.took)
                .max()
                .unwrap_or_default()
                .as_secs_f64(),
        );
        assert!(
            failover.without_service < Duration::from_secs(60),
            "the tills waited too long"
        );
    }
    if let Some((from, to)) = rejoined {
        eprintln!(
            "node 1 rejoined as standby from {:.1} s to {:.1} s into the run",
            (from - started).as_secs_f64(),
            (to - started).as_secs_f64()
        );
    }
    eprintln!(
        "whole run: {} requests from {TILLS} tills, {total_sales} sales, longest request \
         {:.2} s (sent {:.1} s into the run), {:.0?} in all",
        events.len(),
        longest.0.as_secs_f64(),
        longest.1.as_secs_f64(),
        started.elapsed()
    );
    // The server never hangs: a request waits at most its acquire timeout (2 s) at each of
    // the few steps that need a connection (claiming its key, recording, settling the key).
    assert!(
        longest.0 < Duration::from_secs(20),
        "a request took {:?}",
        longest.0
    );
    drop(server);
}

/// Without pg_auto_failover: a `DATABASE_URL` whose first host refuses connections. The
/// server, its commands and its requests use the second, and a watcher keeps an eye on it.
#[tokio::test]
async fn a_multi_host_url_skips_a_host_that_is_down() {
    let (options, url) = crate::common::fresh_database().await;
    let dead = free_port();
    let live = format!("127.0.0.1:{}", options.get_port());
    let several = url.replacen(&live, &format!("127.0.0.1:{dead},{live}"), 1);
    assert_ne!(several, url, "{url}");
    let config = caisse::config::Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(several.clone()),
        "CAISSE_ADDR" => Some("127.0.0.1:0".into()),
        _ => None,
    })
    .expect("a multi-host DATABASE_URL is valid configuration");
    let pool = caisse::db::connect(&several, 4, Duration::from_secs(5))
        .await
        .expect("connect through the second host");
    let app = caisse::http::server::Application::bind(&config, pool.clone())
        .await
        .unwrap();
    let address = format!("http://{}", app.local_addr().unwrap());
    tokio::spawn(app.serve(std::future::pending()));
    let cable: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE code = 'CAB-001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let reply = reqwest::Client::new()
        .post(format!("{address}/api/v2/simple/ventes/sync"))
        .header("X-Device-Serial", crate::common::DEMO_SERIAL)
        .json(&serde_json::json!([sale("MH-1", &[(cable, 1, 5000.0)])]))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    let watchers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE application_name = 'caisse-watcher' AND datname = current_database()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(watchers, 1, "the primary's watcher has its connection");
    assert_eq!(
        caisse_check(&several),
        (true, "all invariants hold\n".into())
    );
}

fn invoice(till: usize, i: usize) -> String {
    format!("HA-{till}-{i}")
}

fn quantity(till: usize, i: usize) -> i64 {
    1 + ((till + i) % 3) as i64
}

/// One request of a till.
#[derive(Clone)]
struct Event {
    started: Instant,
    took: Duration,
    /// The HTTP status; 0 when no answer came.
    status: u16,
    /// Sales the answer acknowledged for the first time.
    acknowledged: usize,
}

#[derive(Default)]
struct Load {
    running: AtomicBool,
    events: Mutex<Vec<Event>>,
}

impl Load {
    /// When the first request sent after `after` was answered `201`.
    async fn first_success_after(&self, after: Instant, within: Duration) -> Instant {
        let deadline = Instant::now() + within;
        loop {
            let found = self
                .events
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.started > after && e.status == 201)
                .map(|e| e.started + e.took)
                .min();
            if let Some(at) = found {
                return at;
            }
            assert!(
                Instant::now() < deadline,
                "no till was served within {within:?} of the primary's loss"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What a till ends with.
struct TillResult {
    till: usize,
    /// Its sales `0..acknowledged` were all acknowledged.
    acknowledged: usize,
}

/// A till: windows of six sales, each overlapping the previous one by two, each sent until
/// it is answered `201` (the same invoice numbers, and half the tills the same
/// `Idempotency-Key`, on every retry), for as long as the load runs.
async fn till(t: usize, address: String, cable: i64, load: Arc<Load>) -> TillResult {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut told_created = HashSet::new();
    let mut start = 0;
    let mut acknowledged = 0;
    while load.running.load(Ordering::Relaxed) || start < 12 {
        let batch: Vec<Value> = (start..start + 6)
            .map(|i| sale(&invoice(t, i), &[(cable, quantity(t, i), 5000.0)]))
            .collect();
        loop {
            let mut request = client
                .post(format!("http://{address}/api/v2/simple/ventes/sync"))
                .header("X-Device-Serial", format!("HA-{t}"))
                .json(&batch);
            if t.is_multiple_of(2) {
                request = request.header("Idempotency-Key", format!("ha-{t}-{start}"));
            }
            let sent = Instant::now();
            let answer = request.send().await;
            let status = answer.as_ref().map_or(0, |r| r.status().as_u16());
            let body: Value = match answer {
                Ok(response) => response.json().await.unwrap_or(Value::Null),
                Err(_) => Value::Null,
            };
            let mut event = Event {
                started: sent,
                took: sent.elapsed(),
                status,
                acknowledged: 0,
            };
            match status {
                201 => {
                    let accepted: HashSet<&str> = body["accepted"]
                        .as_array()
                        .expect("accepted")
                        .iter()
                        .filter_map(Value::as_str)
                        .collect();
                    for i in start..start + 6 {
                        assert!(
                            accepted.contains(invoice(t, i).as_str()),
                            "till {t}: {} not accepted: {body:#}",
                            invoice(t, i)
                        );
                    }
                    for created in body["details"]["creees"].as_array().expect("creees") {
                        let number = created["numero_facture"].as_str().unwrap().to_owned();
                        assert!(
                            told_created.insert(number.clone()),
                            "till {t} told twice that {number} was created"
                        );
                    }
                    event.acknowledged = start + 6 - acknowledged;
                    acknowledged = start + 6;
                    load.events.lock().unwrap().push(event);
                    break;
                }
                // The database is changing hands; a request of this key still holds it.
                503 => assert_eq!(body["code"], "DATABASE_UNAVAILABLE", "{body:#}"),
                409 => assert_eq!(body["code"], "IDEMPOTENCY_KEY_IN_PROGRESS", "{body:#}"),
                0 => {}
                other => panic!("till {t}: unexpected {other}: {body:#}"),
            }
            load.events.lock().unwrap().push(event);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        start += 4;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    TillResult {
        till: t,
        acknowledged,
    }
}

struct Failover {
    from: usize,
    to: usize,
    killed: Instant,
    until: Instant,
    without_primary: Duration,
    without_service: Duration,
}

/// A pg_auto_failover monitor and two nodes on loopback, in a directory of their own.
struct Formation {
    dir: PathBuf,
    autoctl: PathBuf,
    bindir: PathBuf,
    /// As root, everything runs as the `postgres` user (PostgreSQL refuses root).
    as_postgres: bool,
    monitor_port: u16,
    monitor: Option<Child>,
    nodes: Vec<Node>,
}

struct Node {
    port: u16,
    service: Option<Child>,
}

impl Formation {
    async fn start(autoctl: PathBuf) -> Formation {
        // The directory of all the server's programs (pg_autoctl runs pg_controldata,
        // pg_basebackup, pg_rewind…), not a directory of links to some of them.
        let pg_ctl = caisse::db::local::find_bindir()
            .expect("PostgreSQL server binaries")
            .join("pg_ctl");
        let bindir = std::fs::canonicalize(pg_ctl)
            .expect("pg_ctl")
            .parent()
            .unwrap()
            .to_owned();
        let dir =
            std::env::temp_dir().join(format!("caisse-failover-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let as_postgres = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if as_postgres {
            let status = std::process::Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let mut formation = Formation {
            dir,
            autoctl,
            bindir,
            as_postgres,
            monitor_port: free_port(),
            monitor: None,
            nodes: Vec::new(),
        };
        let pgdata = formation.pgdata("monitor");
        let port = formation.monitor_port.to_string();
        let pg_ctl = formation.bindir.join("pg_ctl").display().to_string();
        formation.monitor = Some(formation.service(
            "monitor",
            &[
                "create",
                "monitor",
                "--pgdata",
                &pgdata,
                "--pgport",
                &port,
                "--hostname",
                "127.0.0.1",
                "--listen",
                "127.0.0.1",
                "--auth",
                "trust",
                "--no-ssl",
                "--pgctl",
                &pg_ctl,
                "--run",
            ],
        ));
        let mut monitor = formation
            .wait_connect(formation.monitor_port, "pg_auto_failover")
            .await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while sqlx::query("SELECT 1 FROM pgautofailover.formation")
            .execute(&mut monitor)
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "the monitor is not ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Quick to decide, for a test: the defaults take about a minute to declare a primary
        // lost. `primary_demote_timeout` gives a primary that lost the monitor time to stop
        // itself before its standby takes over; the primary here is known dead.
        for (setting, value) in [
            ("health_check_period", 1000),
            ("health_check_timeout", 1000),
            ("health_check_max_retries", 1),
            ("health_check_retry_delay", 500),
            ("node_considered_unhealthy_timeout", 3000),
            ("primary_demote_timeout", 3000),
            ("startup_grace_period", 1000),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "ALTER SYSTEM SET pgautofailover.{setting} = {value}"
            )))
            .execute(&mut monitor)
            .await
            .unwrap();
        }
        no_fsync(&mut monitor).await;
        monitor.close().await.ok();

        for (n, first_state) in [(0, "single"), (1, "secondary")] {
            let port = free_port();
            let (name, pgdata) = (
                format!("node{}", n + 1),
                formation.pgdata(&format!("node{}", n + 1)),
            );
            let monitor = formation.monitor_url();
            let service = formation.service(
                &name,
                &[
                    "create",
                    "postgres",
                    "--pgdata",
                    &pgdata,
                    "--pgport",
                    &port.to_string(),
                    "--listen",
                    "127.0.0.1",
                    "--hostname",
                    "127.0.0.1",
                    "--name",
                    &name,
                    "--dbname",
                    "caisse",
                    "--auth",
                    "trust",
                    "--no-ssl",
                    "--monitor",
                    &monitor,
                    "--pgctl",
                    &pg_ctl,
                    "--run",
                ],
            );
            formation.nodes.push(Node {
                port,
                service: Some(service),
            });
            formation
                .wait_states(Duration::from_secs(120), &[(n, first_state)])
                .await;
            if n == 0 {
                // The standby is copied from the primary, this setting included. The copy
                // starts with a checkpoint that pg_basebackup spreads over time, writing
                // what is dirty a little at a time: a checkpoint now leaves it nothing.
                let mut primary = formation.connect(0).await;
                no_fsync(&mut primary).await;
                sqlx::query("CHECKPOINT")
                    .execute(&mut primary)
                    .await
                    .unwrap();
                primary.close().await.ok();
            }
        }
        formation
            .wait_states(Duration::from_secs(60), &[(0, "primary"), (1, "secondary")])
            .await;
        formation
    }

    fn pgdata(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn monitor_url(&self) -> String {
        format!(
            "postgres://autoctl_node@127.0.0.1:{}/pg_auto_failover?sslmode=prefer",
            self.monitor_port
        )
    }

    /// `pg_autoctl args…`, as the `postgres` user when root, with everything it keeps in the
    /// formation's directory.
    fn autoctl(&self, args: &[&str]) -> Command {
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", "env"]);
            command
        } else {
            Command::new("env")
        };
        let dir = self.dir.display();
        command
            .arg(format!("PATH={}:/usr/bin:/bin", self.bindir.display()))
            .arg(format!("HOME={dir}"))
            .arg(format!("XDG_CONFIG_HOME={dir}/config"))
            .arg(format!("XDG_DATA_HOME={dir}/share"))
            .arg(format!("XDG_RUNTIME_DIR={dir}/run"))
            .arg(&self.autoctl)
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .kill_on_drop(false);
        command
    }

    /// A long-running `pg_autoctl` (a node's or the monitor's service), in a process group of
    /// its own so that it and its PostgreSQL can be killed together; its output in
    /// `<name>.log`.
    fn service(&self, name: &str, args: &[&str]) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.log")))
            .unwrap();
        self.autoctl(args)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start pg_autoctl")
    }

    /// The formation's URI as `pg_autoctl show uri` prints it, with the user to connect as.
    async fn uri(&self) -> String {
        let out = tokio::time::timeout(
            Duration::from_secs(30),
            self.autoctl(&[
                "show",
                "uri",
                "--formation",
                "default",
                "--monitor",
                &self.monitor_url(),
            ])
            .output(),
        )
        .await
        .expect("pg_autoctl show uri in time")
        .expect("pg_autoctl show uri");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let uri = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        for node in &self.nodes {
            assert!(uri.contains(&format!("127.0.0.1:{}", node.port)), "{uri}");
        }
        assert!(uri.contains("target_session_attrs=read-write"), "{uri}");
        uri.replacen("postgres://", "postgres://postgres@", 1)
    }

    async fn wait_connect(&self, port: u16, database: &str) -> PgConnection {
        let url = format!("postgres://postgres@127.0.0.1:{port}/{database}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Ok(conn)) =
                tokio::time::timeout(Duration::from_secs(2), PgConnection::connect(&url)).await
            {
                return conn;
            }
            assert!(Instant::now() < deadline, "{url} never answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A connection to node `n`'s database.
    async fn connect(&self, n: usize) -> PgConnection {
        self.wait_connect(self.nodes[n].port, "caisse").await
    }

    /// Each node's state as the monitor reports it, and the one it assigned.
    async fn states(&self) -> Option<Vec<(String, String)>> {
        let url = format!(
            "postgres://postgres@127.0.0.1:{}/pg_auto_failover",
            self.monitor_port
        );
        let work = async {
            let mut conn = PgConnection::connect(&url).await?;
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT reportedstate::text, goalstate::text FROM pgautofailover.node
                 ORDER BY nodeid",
            )
            .fetch_all(&mut conn)
            .await?;
            conn.close().await.ok();
            Ok::<_, sqlx::Error>(rows)
        };
        tokio::time::timeout(Duration::from_secs(3), work)
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// Until each node `n` has reached `state` (reported, and assigned by the monitor).
    async fn wait_states(&self, within: Duration, wanted: &[(usize, &str)]) {
        let deadline = Instant::now() + within;
        loop {
            let states = self.states().await.unwrap_or_default();
            if wanted.iter().all(|(n, state)| {
                states
                    .get(*n)
                    .is_some_and(|(reported, goal)| reported == state && goal == state)
            }) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nodes not in {wanted:?} within {within:?}: {states:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The primary `n` acknowledges a commit only once its standby has it.
    async fn assert_synchronous(&self, n: usize) {
        let mut conn = self.connect(1 - n).await;
        let names: String = sqlx::query_scalar("SHOW synchronous_standby_names")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let sync: Vec<String> = sqlx::query_scalar("SELECT sync_state FROM pg_stat_replication")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert!(
            !names.is_empty() && sync.iter().any(|s| s == "sync" || s == "quorum"),
            "replication is not synchronous: synchronous_standby_names={names:?}, {sync:?}"
        );
        conn.close().await.ok();
    }

    /// The machine of node `n` is lost: its pg_autoctl, postmaster and backends, SIGKILL.
    async fn kill(&mut self, n: usize) {
        let postmaster = self.postmaster_pid(n).expect("node's postmaster running");
        let mut service = self.nodes[n].service.take().expect("node running");
        kill_group(&service);
        tokio::time::timeout(Duration::from_secs(10), service.wait())
            .await
            .expect("the node's pg_autoctl did not die")
            .ok();
        wait_until(
            Duration::from_secs(10),
            "the postmaster's death",
            move || async move { !Path::new(&format!("/proc/{postmaster}")).exists() },
        )
        .await;
    }

    fn postmaster_pid(&self, n: usize) -> Option<u32> {
        let pid =
            std::fs::read_to_string(self.dir.join(format!("node{}/postmaster.pid", n + 1))).ok()?;
        pid.lines().next()?.trim().parse().ok()
    }

    /// Until node `n` takes writes and the monitor has made it the primary; when it did.
    async fn wait_promoted(&self, n: usize) -> Instant {
        let url = format!(
            "postgres://postgres@127.0.0.1:{}/caisse",
            self.nodes[n].port
        );
        let deadline = Instant::now() + Duration::from_secs(90);
        let writable = loop {
            let answer = tokio::time::timeout(Duration::from_secs(2), async {
                let mut conn = PgConnection::connect(&url).await?;
                let read_only: String = sqlx::query_scalar("SHOW transaction_read_only")
                    .fetch_one(&mut conn)
                    .await?;
                conn.close().await.ok();
                Ok::<_, sqlx::Error>(read_only == "off")
            })
            .await;
            if matches!(answer, Ok(Ok(true))) {
                break Instant::now();
            }
            assert!(Instant::now() < deadline, "node {} never promoted", n + 1);
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let states = self.states().await.unwrap_or_default();
            if states
                .get(n)
                .is_some_and(|(r, g)| r == g && (r == "wait_primary" || r == "primary"))
            {
                return writable;
            }
            assert!(Instant::now() < deadline, "monitor states: {states:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Node `n` started again: it rejoins as the standby of the other.
    async fn rejoin(&mut self, n: usize) {
        // Should it copy the primary afresh (pg_basebackup), its spread checkpoint finds
        // nothing left to write.
        let mut primary = self.connect(1 - n).await;
        sqlx::query("CHECKPOINT")
            .execute(&mut primary)
            .await
            .unwrap();
        primary.close().await.ok();
        let name = format!("node{}", n + 1);
        let pgdata = self.pgdata(&name);
        let service = self.service(&name, &["run", "--pgdata", &pgdata]);
        self.nodes[n].service = Some(service);
        self.wait_states(
            Duration::from_secs(120),
            &[(n, "secondary"), (1 - n, "primary")],
        )
        .await;
    }
}

impl Drop for Formation {
    /// Stops everything the formation started, whether the test passed or not.
    fn drop(&mut self) {
        let services = self
            .nodes
            .iter_mut()
            .filter_map(|node| node.service.take())
            .chain(self.monitor.take());
        for service in services {
            kill_group(&service);
        }
        // Killed, PostgreSQL leaves its small System V segment behind: remove it.
        std::thread::sleep(Duration::from_millis(500));
        for name in ["monitor", "node1", "node2"] {
            let pid_file = std::fs::read_to_string(self.dir.join(name).join("postmaster.pid"));
            let segment = pid_file.ok().and_then(|text| {
                let line = text.lines().nth(6)?.to_owned();
                line.split_whitespace().nth(1).map(str::to_owned)
            });
            if let Some(id) = segment {
                let _ = std::process::Command::new("ipcrm")
                    .args(["-m", &id])
                    .stderr(Stdio::null())
                    .status();
            }
        }
        if std::thread::panicking() {
            eprintln!("the formation's logs are kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The test kills processes, never the machine: what a server wrote is in the kernel's
/// page cache and survives them without being flushed to disk. Not flushing spares minutes
/// on a busy disk (pg_basebackup's checkpoint, every commit) and changes nothing to what is
/// tested: a commit is still acknowledged only once the standby has it.
async fn no_fsync(conn: &mut PgConnection) {
    sqlx::query("ALTER SYSTEM SET fsync = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SELECT pg_reload_conf()")
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// SIGKILL to a service's whole process group: pg_autoctl, its PostgreSQL and backends.
fn kill_group(service: &Child) {
    if let Some(pid) = service.id() {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `name` on `PATH`, or where Debian puts it.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

async fn wait_until<F, Fut>(within: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !condition().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
