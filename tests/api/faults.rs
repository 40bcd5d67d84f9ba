//! Faults: the server killed mid-batch, its database restarted, slow and hostile clients, a
//! pool too small for the load, a shutdown with requests in flight. Each is bounded in time
//! and count and stops by itself; on loopback only.

use crate::common::server::*;
use crate::common::*;
use caisse::db::local::LocalPostgres;
use caisse::http::server::Application;
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn caisse_check_reports_an_article_whose_stock_does_not_match_its_journal() {
    let (_, url) = fresh_database().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let cable: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE code = 'CAB-001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(caisse_check(&url), (true, "all invariants hold\n".into()));
    sqlx::query("UPDATE articles SET quantite_stock = quantite_stock - 1 WHERE id = $1")
        .bind(cable)
        .execute(&pool)
        .await
        .unwrap();
    let (ok, report) = caisse_check(&url);
    assert!(!ok);
    assert!(
        report.contains(&format!(
            "article {cable} (CAB-001): stock 9999 but initial stock 10000"
        )),
        "{report}"
    );
}

/// Tills keep syncing overlapping batches, retrying whatever did not get an answer, while
/// the server is killed (SIGKILL) and restarted several times.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_mid_batch_the_server_loses_nothing_and_doubles_nothing() {
    const TILLS: usize = 6;
    const KILLS: usize = 5;
    let (options, url) = fresh_database().await;
    let pool = PgPool::connect_with(options).await.unwrap();
    let (shop, cable, initial): (i64, i64, i32) = sqlx::query_as(
        "SELECT boutique_id, id, quantite_stock FROM articles WHERE code = 'CAB-001'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    for t in 0..TILLS {
        sqlx::query(
            "INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash, cle_requise)
             VALUES ($1, $2, $2, 'x', false)",
        )
        .bind(shop)
        .bind(format!("CRASH-{t}"))
        .execute(&pool)
        .await
        .unwrap();
    }
    let address = free_address();
    let env = [
        ("DATABASE_URL", url.clone()),
        ("CAISSE_ADDR", address.clone()),
        ("CAISSE_DB_POOL_SIZE", "8".into()),
    ];
    let mut server = Server::start(&env).await;

    let quantity = |t: usize, i: usize| 1 + ((t + i) % 3) as i64;
    let sale_of =
        |t: usize, i: usize| sale(&format!("Z-{t}-{i}"), &[(cable, quantity(t, i), 5000.0)]);
    let deadline = Instant::now() + Duration::from_secs(120);
    let killing = std::sync::atomic::AtomicBool::new(true);
    let tills = (0..TILLS).map(|t| {
        let (address, killing) = (address.clone(), &killing);
        async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            let mut told_created: Vec<String> = Vec::new();
            let mut attempts = 0;
            // Windows of 6 sales, each overlapping the previous one by 2, for as long as the
            // server is being killed.
            let mut start = 0;
            while killing.load(std::sync::atomic::Ordering::Relaxed) || start < 24 {
                let batch: Vec<Value> = (start..start + 6).map(|i| sale_of(t, i)).collect();
                loop {
                    assert!(Instant::now() < deadline, "till {t} could not sync in time");
                    attempts += 1;
                    let mut request = client
                        .post(format!("http://{address}/api/v2/simple/ventes/sync"))
                        .header("X-Device-Serial", format!("CRASH-{t}"))
                        .json(&batch);
                    // Half the tills send keys; the others rely on invoice numbers alone.
                    if t % 2 == 0 {
                        request = request.header("Idempotency-Key", format!("crash-{t}-{start}"));
                    }
                    match request.send().await {
                        Ok(response) if response.status() == 201 => {
                            let body: Value = response.json().await.unwrap_or(Value::Null);
                            if let Some(created) = body["details"]["creees"].as_array() {
                                told_created.extend(
                                    created
                                        .iter()
                                        .map(|c| c["numero_facture"].as_str().unwrap().to_owned()),
                                );
                                break;
                            }
                        }
                        // In flight elsewhere, server down, database reconnecting: retry.
                        Ok(response)
                            if response.status() == 409 || response.status().is_server_error() => {}
                        Ok(response) => panic!(
                            "till {t}: unexpected {}: {}",
                            response.status(),
                            response.text().await.unwrap_or_default()
                        ),
                        Err(_) => {}
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                start += 4;
            }
            (t, start + 2, told_created, attempts)
        }
    });
    let killer = async {
        for kill in 0..KILLS {
            tokio::time::sleep(Duration::from_millis(150 + 100 * kill as u64)).await;
            server.signal("-KILL");
            server.exit_status(Duration::from_secs(10)).await;
            server = Server::start(&env).await;
        }
        killing.store(false, std::sync::atomic::Ordering::Relaxed);
        server
    };
    let (results, mut server) = futures::join!(join_all(tills), killer);

    let mut expected_stock = initial as i64;
    let mut requests = 0;
    let mut sales = 0;
    for (t, synced, told_created, attempts) in results {
        requests += attempts;
        sales += synced;
        for i in 0..synced {
            expected_stock -= quantity(t, i);
            let stored: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM ventes v JOIN terminaux x ON x.id = v.terminal_id
                 WHERE x.numero_serie = $1 AND v.numero_facture = $2",
            )
            .bind(format!("CRASH-{t}"))
            .bind(format!("Z-{t}-{i}"))
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!(stored, 1, "sale Z-{t}-{i}");
        }
        // No till was told "created" twice for a sale (it would have counted it twice).
        let mut seen = std::collections::HashSet::new();
        for number in &told_created {
            assert!(
                seen.insert(number),
                "till {t} told twice that {number} was created"
            );
        }
    }
    let stock: i32 = sqlx::query_scalar("SELECT quantite_stock FROM articles WHERE id = $1")
        .bind(cable)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(i64::from(stock), expected_stock);
    assert_eq!(caisse_check(&url), (true, "all invariants hold\n".into()));
    eprintln!("{KILLS} kills, {requests} requests from {TILLS} tills, {sales} sales");
    server.signal("-TERM");
    assert!(server.exit_status(Duration::from_secs(20)).await.success());
}

/// The database goes away under load and comes back: requests meanwhile get a quick 503,
/// the status says so, and the server serves again without being restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_server_rides_out_a_database_restart() {
    let dir = scratch_dir("outage");
    let database = LocalPostgres::start(&dir)
        .await
        .expect("private PostgreSQL");
    let pool = caisse::db::connect(&database.url, 4, Duration::from_secs(1))
        .await
        .unwrap();
    caisse::db::migrate(&pool).await.unwrap();
    caisse::db::seed::seed_demo(&pool).await.unwrap();
    let config = caisse::config::Config::from_lookup(|name| match name {
        "CAISSE_ADDR" => Some("127.0.0.1:0".into()),
        _ => None,
    })
    .unwrap();
    let app = Application::bind(&config, pool.clone()).await.unwrap();
    let address = format!("http://{}", app.local_addr().unwrap());
    tokio::spawn(app.serve(std::future::pending()));
    let client = reqwest::Client::new();
    let cable: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE code = 'CAB-001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let sync = |n: usize| {
        let (client, address) = (&client, &address);
        async move {
            let started = Instant::now();
            let response = client
                .post(format!("{address}/api/v2/simple/ventes/sync"))
                .header("X-Device-Serial", DEMO_SERIAL)
                .json(&json!([sale(&format!("O-{n}"), &[(cable, 1, 5000.0)])]))
                .send()
                .await
                .expect("the server answers");
            let status = response.status().as_u16();
            let body: Value = response.json().await.expect("a JSON answer");
            (status, body, started.elapsed())
        }
    };
    let mut created = 0;
    for reply in join_all((0..8).map(sync)).await {
        assert_eq!(reply.0, 201, "{:#}", reply.1);
        created += 1;
    }

    database.stop().await;
    let during = join_all((100..116).map(sync)).await;
    for (status, body, took) in &during {
        assert_eq!(*status, 503, "{body:#}");
        assert_eq!(body["code"], "DATABASE_UNAVAILABLE");
        assert!(
            *took < Duration::from_secs(8),
            "a request hung for {took:?}"
        );
    }
    let status = client
        .get(format!("{address}/api/v2/simple/status/"))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 503);
    let status: Value = status.json().await.unwrap();
    assert_eq!(
        (status["status"].as_str(), status["database"].as_str()),
        (Some("degraded"), Some("down"))
    );

    database.restart().await.expect("restart");
    let back = Instant::now();
    let mut n = 200;
    loop {
        let (code, body, _) = sync(n).await;
        n += 1;
        if code == 201 {
            created += 1;
            break;
        }
        assert_eq!(code, 503, "{body:#}");
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "still failing after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for reply in join_all((300..308).map(sync)).await {
        assert_eq!(reply.0, 201, "{:#}", reply.1);
        created += 1;
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM ventes").await, created);
    let violations = caisse::db::check::check_invariants(&pool).await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
    pool.close().await;
    database.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// More requests than database connections: they wait a moment, then get a 503; the
/// server is fine once the load goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_exhausted_pool_answers_503_after_a_short_wait() {
    let app = TestApp::spawn_with(|c| {
        c.pool_size = 2;
        c.acquire_timeout = Duration::from_millis(500);
    })
    .await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let water = app.article("BTQ-010", "EAU-150").await;
    // The test's own connection holds an article of each shop, so a sale in each shop keeps
    // one of the server's two connections while it waits.
    let mut blocker = app.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM articles WHERE id = ANY($1) FOR UPDATE")
        .bind(vec![cable.id, water.id])
        .execute(&mut *blocker)
        .await
        .unwrap();
    let stuck = join_all([(DEMO_SERIAL, cable.id), (OTHER_SERIAL, water.id)].map(
        |(till, article)| {
            let app = &app;
            async move {
                let body = json!([sale("X-1", &[(article, 1, 1000.0)])]);
                app.sync(till, &body).await
            }
        },
    ));
    let crowd = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let replies =
            join_all((0..6).map(|_| app.get("/api/v2/simple/categories/", Some(DEMO_SERIAL))))
                .await;
        blocker.rollback().await.unwrap();
        replies
    };
    let (stuck, crowd) = futures::join!(stuck, crowd);
    for reply in &crowd {
        reply.assert_error(503, "DATABASE_UNAVAILABLE");
    }
    for reply in &stuck {
        assert_eq!(reply.status, 201, "{:#}", reply.body);
    }
    assert_eq!(
        app.get("/api/v2/simple/categories/", Some(DEMO_SERIAL))
            .await
            .status,
        200
    );
}

/// SIGTERM: no new connections, the request in flight finishes, exit status 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_the_requests_in_flight_finish() {
    let (options, url) = fresh_database().await;
    let pool = PgPool::connect_with(options).await.unwrap();
    let cable: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE code = 'CAB-001'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let address = free_address();
    let mut server =
        Server::start(&[("DATABASE_URL", url), ("CAISSE_ADDR", address.clone())]).await;

    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM articles WHERE id = $1 FOR UPDATE")
        .bind(cable)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let in_flight = tokio::spawn({
        let address = address.clone();
        async move {
            reqwest::Client::new()
                .post(format!("http://{address}/api/v2/simple/ventes/sync"))
                .header("X-Device-Serial", DEMO_SERIAL)
                .json(&json!([sale("SIG-1", &[(cable, 1, 5000.0)])]))
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    // Until the sale waits on the lock.
    for _ in 0..200 {
        let waiting = count(
            &pool,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'caisse' AND wait_event_type = 'Lock'",
        )
        .await;
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    server.signal("-TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        TcpStream::connect(&address).await.is_err(),
        "still accepting connections after SIGTERM"
    );
    blocker.rollback().await.unwrap();
    assert_eq!(in_flight.await.unwrap().expect("an answer"), 201);
    assert!(server.exit_status(Duration::from_secs(20)).await.success());
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM ventes WHERE numero_facture = 'SIG-1'"
        )
        .await,
        1
    );
}

/// The private PostgreSQL is stopped with the server.
#[tokio::test]
async fn sigterm_stops_the_private_postgresql_too() {
    let dir = scratch_dir("embedded");
    let address = free_address();
    let mut server = Server::start(&[
        ("CAISSE_ADDR", address.clone()),
        ("CAISSE_DATA_DIR", dir.display().to_string()),
    ])
    .await;
    let reply = reqwest::get(format!(
        "http://{address}/api/v2/simple/articles/terminal/{DEMO_SERIAL}/"
    ))
    .await
    .unwrap();
    assert_eq!(reply.status(), 200, "the demo data is loaded on first run");
    assert!(dir.join("postgres/postmaster.pid").exists());
    server.signal("-TERM");
    assert!(server.exit_status(Duration::from_secs(60)).await.success());
    assert!(
        !dir.join("postgres/postmaster.pid").exists(),
        "the private PostgreSQL is still running"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Slow-loris connections and a 100 MB body do not keep the other tills from being served.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_greedy_clients_do_not_hurt_the_tills() {
    let app = TestApp::spawn_with(|c| c.header_timeout = Duration::from_secs(1)).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let cable = app.article("BTQ-009", "CAB-001").await;

    // Fifty clients that send their headers a byte at a time, and never finish.
    let loris: Vec<TcpStream> = join_all((0..50).map(|_| TcpStream::connect(&address)))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let dripping = tokio::spawn(async move {
        let mut loris = loris;
        let started = Instant::now();
        let mut closed = vec![false; loris.len()];
        while started.elapsed() < Duration::from_secs(6) && closed.iter().any(|c| !c) {
            for (socket, closed) in loris.iter_mut().zip(closed.iter_mut()) {
                if !*closed && socket.write_all(b"X").await.is_err() {
                    *closed = true;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        closed.iter().filter(|c| **c).count()
    });

    // One client that posts 100 MB.
    let greedy = {
        let address = address.clone();
        tokio::spawn(async move {
            let mut socket = TcpStream::connect(&address).await.unwrap();
            let size = 100 * 1024 * 1024;
            let head = format!(
                "POST /api/v2/simple/ventes/sync HTTP/1.1\r\nHost: x\r\nX-Device-Serial: {DEMO_SERIAL}\r\n\
                 Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
            );
            socket.write_all(head.as_bytes()).await.unwrap();
            let chunk = vec![b'['; 1024 * 1024];
            let (mut reader, mut writer) = socket.into_split();
            let writing = tokio::spawn(async move {
                let mut sent = 0usize;
                while sent < size {
                    if writer.write_all(&chunk).await.is_err() {
                        break;
                    }
                    sent += chunk.len();
                }
                sent
            });
            let mut answer = vec![0u8; 4096];
            let n = reader.read(&mut answer).await.unwrap_or(0);
            let sent = writing.await.unwrap();
            (String::from_utf8_lossy(&answer[..n]).into_owned(), sent)
        })
    };

    // Meanwhile the tills sell.
    for i in 0..10 {
        let started = Instant::now();
        let reply = app
            .sync(
                DEMO_SERIAL,
                &json!([sale(&format!("SL-{i}"), &[(cable.id, 1, 5000.0)])]),
            )
            .await;
        assert_eq!(reply.status, 201);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "a till waited {:?}",
            started.elapsed()
        );
    }
    let (answer, sent) = greedy.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("PAYLOAD_TOO_LARGE"), "{answer}");
    assert!(sent < 100 * 1024 * 1024, "the server read the whole 100 MB");
    let closed = dripping.await.unwrap();
    assert_eq!(closed, 50, "slow header senders were not cut off");
    assert_eq!(app.stock(cable.id).await, cable.stock - 10);
}

/// Random and hostile bodies on the sync endpoint: never a 5xx, and a refused request writes
/// no sale, line, movement or stock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sync_bodies_never_get_a_5xx_or_write_when_refused() {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    let app = TestApp::spawn().await;
    let article_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM articles ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let id = prop::sample::select(article_ids);

    let key = prop_oneof![
        Just("numero_facture".to_owned()),
        Just("lignes".to_owned()),
        Just("article_id".to_owned()),
        Just("quantite".to_owned()),
        Just("prix_unitaire".to_owned()),
        Just("date_vente".to_owned()),
        Just("boutique_id".to_owned()),
        Just("mode_paiement".to_owned()),
        Just("paye".to_owned()),
        Just("VenteUid".to_owned()),
        Just("Items".to_owned()),
        Just("ventes".to_owned()),
        "\\PC{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-3i64..12).prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        Just(json!(u64::MAX)),
        Just(json!(1e308)),
        Just(json!(-0.0)),
        "\\PC{0,24}".prop_map(Value::String),
        "[0-9]{1,30}(\\.[0-9]{1,30})?".prop_map(Value::String),
        "[\u{0}-\u{1f}\u{202e}\u{feff}\u{1f600}é]{0,8}".prop_map(Value::String),
        id.clone().prop_map(|id| json!(id)),
    ];
    let json_value = leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    });
    // Sale-shaped bodies, with real article ids and wild values, reach deeper than random JSON.
    let line = (id, any::<i8>(), prop::option::of(-10.0f64..1e12)).prop_map(|(id, q, p)| {
        let mut line = json!({"article_id": id, "quantite": q});
        if let Some(p) = p {
            line["prix_unitaire"] = json!(p);
        }
        line
    });
    let sale_shaped = prop::collection::vec(
        (
            "[A-Z]{1,3}-[0-9]{1,3}",
            prop::collection::vec(line, 0..4),
            prop::option::of("\\PC{0,30}"),
        )
            .prop_map(|(number, lines, date)| {
                json!({"numero_facture": number, "lignes": lines, "date_vente": date})
            }),
        1..5,
    )
    .prop_map(Value::Array);
    let body = prop_oneof![
        json_value.prop_map(|v| v.to_string()),
        sale_shaped.prop_map(|v| v.to_string())
    ];

    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut bodies: Vec<String> = (0..300)
        .map(|_| body.new_tree(&mut runner).unwrap().current())
        .collect();
    // And the classics.
    bodies.extend([
        "[".repeat(100_000),
        format!("{}{}", "[".repeat(5000), "]".repeat(5000)),
        r#"[{"numero_facture":"D","numero_facture":{"x":1},"lignes":[{"article_id":1,"article_id":"x"}]}]"#.into(),
        r#"[{"lignes":[{"article_id":1,"quantite":1e999999}]}]"#.into(),
        r#"[{"lignes":[{"article_id":18446744073709551616}]}]"#.into(),
        r#"[{"numero_facture":"\ud800","lignes":[{"article_id":1}]}]"#.into(),
        "[{\"numero_facture\":\"\u{0}\u{202e}\",\"lignes\":[{\"article_id\":1}]}]".into(),
        r#"{"Ventes":{"VenteUid":"x"}}"#.into(),
        "\u{feff}[]".into(),
        "null".into(),
    ]);
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for body in bodies {
        let before = app.footprint().await;
        let reply = app
            .send(
                app.request(
                    Method::POST,
                    "/api/v2/simple/ventes/sync",
                    Some(DEMO_SERIAL),
                )
                .body(body.clone()),
            )
            .await;
        *statuses.entry(reply.status.as_u16()).or_default() += 1;
        assert!(
            reply.status.is_success() || reply.status.is_client_error(),
            "{} for {body:.300}: {:#}",
            reply.status,
            reply.body
        );
        if reply.status.is_client_error() {
            assert_eq!(
                app.footprint().await,
                before,
                "a refused request wrote: {body:.300}"
            );
        }
    }
    // Invalid UTF-8 is not JSON either.
    let reply = app
        .send(
            app.request(
                Method::POST,
                "/api/v2/simple/ventes/sync",
                Some(DEMO_SERIAL),
            )
            .body(vec![b'[', 0xff, 0xfe, b']']),
        )
        .await;
    reply.assert_error(400, "INVALID_JSON");
    app.assert_invariants().await;
    eprintln!("hostile bodies by status: {statuses:?}");
    assert!(
        statuses.contains_key(&201),
        "no body got a sale through: {statuses:?}"
    );
}
