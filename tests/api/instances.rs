//! Several `caisse` instances on one database, as behind a load balancer: a till's requests
//! go to either, a retry often to the other one. Nothing a till is told depends on which
//! instance answered: sales are recorded once, an `Idempotency-Key` is honoured by every
//! instance, and group commit (per process: each instance groups the requests it receives)
//! keeps stock and journal exact while both record sales of the same shop.

use crate::common::server::{Server, caisse_check, free_address};
use crate::common::*;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Two instances, each killed (SIGKILL) and restarted in turn while tills sync overlapping
/// batches through both: every request goes to the instance after the one its previous
/// attempt went to, so a request cut off by a kill is retried on the other instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tills_switching_instances_lose_nothing_and_double_nothing() {
    const TILLS: usize = 6;
    const KILLS: usize = 4;
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
        .bind(format!("LB-{t}"))
        .execute(&pool)
        .await
        .unwrap();
    }
    let addresses = [free_address(), free_address()];
    let env = |i: usize| {
        [
            ("DATABASE_URL", url.clone()),
            ("CAISSE_ADDR", addresses[i].clone()),
            ("CAISSE_DB_POOL_SIZE", "6".into()),
        ]
    };
    let mut servers = [Server::start(&env(0)).await, Server::start(&env(1)).await];

    let quantity = |t: usize, i: usize| 1 + ((t + i) % 3) as i64;
    let sale_of =
        |t: usize, i: usize| sale(&format!("LB-{t}-{i}"), &[(cable, quantity(t, i), 5000.0)]);
    let deadline = Instant::now() + Duration::from_secs(120);
    let killing = AtomicBool::new(true);
    // Retries answered 201 by the other instance than the one the previous attempt reached.
    let landed_elsewhere = AtomicUsize::new(0);
    let tills = (0..TILLS).map(|t| {
        let (addresses, killing, landed_elsewhere) = (&addresses, &killing, &landed_elsewhere);
        async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            let mut told_created: Vec<String> = Vec::new();
            let mut attempts = 0;
            let mut instance = t % 2;
            let mut start = 0;
            while killing.load(Ordering::Relaxed) || start < 24 {
                let batch: Vec<Value> = (start..start + 6).map(|i| sale_of(t, i)).collect();
                let mut retry = false;
                loop {
                    assert!(Instant::now() < deadline, "till {t} could not sync in time");
                    attempts += 1;
                    let mut request = client
                        .post(format!(
                            "http://{}/api/v2/simple/ventes/sync",
                            addresses[instance]
                        ))
                        .header("X-Device-Serial", format!("LB-{t}"))
                        .json(&batch);
                    if t.is_multiple_of(2) {
                        request = request.header("Idempotency-Key", format!("lb-{t}-{start}"));
                    }
                    let answer = request.send().await;
                    // The next attempt, or the next request, goes to the other instance.
                    instance = 1 - instance;
                    match answer {
                        Ok(response) if response.status() == 201 => {
                            let body: Value = response.json().await.unwrap_or(Value::Null);
                            if let Some(created) = body["details"]["creees"].as_array() {
                                told_created.extend(
                                    created
                                        .iter()
                                        .map(|c| c["numero_facture"].as_str().unwrap().to_owned()),
                                );
                                if retry {
                                    landed_elsewhere.fetch_add(1, Ordering::Relaxed);
                                }
                                break;
                            }
                        }
                        // A request of this key still in flight on the killed instance, or
                        // the instance down: retry.
                        Ok(response)
                            if response.status() == 409 || response.status().is_server_error() => {}
                        Ok(response) => panic!(
                            "till {t}: unexpected {}: {}",
                            response.status(),
                            response.text().await.unwrap_or_default()
                        ),
                        Err(_) => {}
                    }
                    retry = true;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                start += 4;
            }
            (t, start + 2, told_created, attempts)
        }
    });
    let killer = async {
        for kill in 0..KILLS {
            tokio::time::sleep(Duration::from_millis(300 + 100 * kill as u64)).await;
            let victim = kill % 2;
            servers[victim].signal("-KILL");
            servers[victim].exit_status(Duration::from_secs(10)).await;
            // The other instance serves alone for a moment.
            tokio::time::sleep(Duration::from_millis(300)).await;
            servers[victim] = Server::start(&env(victim)).await;
        }
        killing.store(false, Ordering::Relaxed);
    };
    let (results, ()) = futures::join!(join_all(tills), killer);

    let mut expected_stock = i64::from(initial);
    let mut requests = 0;
    let mut sales = 0;
    for (t, synced, told_created, attempts) in results {
        requests += attempts;
        sales += synced;
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT v.numero_facture FROM ventes v JOIN terminaux x ON x.id = v.terminal_id
             WHERE x.numero_serie = $1",
        )
        .bind(format!("LB-{t}"))
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(stored.len(), synced, "till {t}: sales stored");
        let stored: HashSet<String> = stored.into_iter().collect();
        for i in 0..synced {
            assert!(stored.contains(&format!("LB-{t}-{i}")), "sale LB-{t}-{i}");
            expected_stock -= quantity(t, i);
        }
        let mut seen = HashSet::new();
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
    let elsewhere = landed_elsewhere.load(Ordering::Relaxed);
    eprintln!(
        "2 instances, {KILLS} kills, {requests} requests from {TILLS} tills, {sales} sales, \
         {elsewhere} retries answered by the other instance"
    );
    assert!(elsewhere > 0, "no retry was answered by the other instance");
    for server in &mut servers {
        server.signal("-TERM");
        assert!(server.exit_status(Duration::from_secs(20)).await.success());
    }
}

/// A request sent with an `Idempotency-Key` to one instance: while it runs, the other
/// instance says it is in progress; once done, the other replays its stored answer, and
/// refuses the key for another request.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idempotency_key_is_honoured_by_every_instance() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let cable = first.article("BTQ-009", "CAB-001").await;
    let body = json!([sale("IK-1", &[(cable.id, 2, 5000.0)])]);
    let send = |app: &TestApp, body: &Value| {
        app.client
            .post(app.url("/api/v2/simple/ventes/sync"))
            .header("X-Device-Serial", DEMO_SERIAL)
            .header("Idempotency-Key", "across-instances-1")
            .json(body)
            .send()
    };

    // The article locked by the test: the first request waits in its transaction.
    let mut blocker = first.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM articles WHERE id = $1 FOR UPDATE")
        .bind(cable.id)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let running = tokio::spawn(send(&first, &body));
    let mut waited = 0;
    while waited < 100 {
        let claimed: i64 =
            sqlx::query_scalar("SELECT count(*) FROM idempotency_keys WHERE cle = $1")
                .bind("across-instances-1")
                .fetch_one(&first.pool)
                .await
                .unwrap();
        if claimed > 0 {
            break;
        }
        waited += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let meanwhile = Reply::from(send(&second, &body).await.unwrap()).await;
    meanwhile.assert_error(409, "IDEMPOTENCY_KEY_IN_PROGRESS");
    blocker.rollback().await.unwrap();

    let original = running.await.unwrap().unwrap();
    assert_eq!(original.status(), StatusCode::CREATED);
    assert!(original.headers().get("idempotent-replayed").is_none());
    let original: Value = original.json().await.unwrap();

    let replayed = send(&second, &body).await.unwrap();
    assert_eq!(replayed.status(), StatusCode::CREATED);
    assert_eq!(
        replayed
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let replayed: Value = replayed.json().await.unwrap();
    assert_eq!(
        replayed, original,
        "the other instance replays the stored answer"
    );
    assert_eq!(original["details"]["creees"][0]["numero_facture"], "IK-1");

    let other = json!([sale("IK-2", &[(cable.id, 1, 5000.0)])]);
    Reply::from(send(&second, &other).await.unwrap())
        .await
        .assert_error(422, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(first.sales_with_number(DEMO_SERIAL, "IK-1").await, 1);
    assert_eq!(first.sales_with_number(DEMO_SERIAL, "IK-2").await, 0);
    assert_eq!(first.stock(cable.id).await, cable.stock - 2);
    first.assert_invariants().await;
}

/// Both instances group the concurrent requests they receive into shared transactions, each
/// on its own: two groups of the same shop, on the same article, at the same time. The
/// article lock orders them; stock and journal stay exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_commit_in_two_instances_keeps_stock_exact() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let cable = first.article("BTQ-009", "CAB-001").await;
    let requests = (0..40usize).map(|n| {
        let app = if n.is_multiple_of(2) { &first } else { &second };
        async move {
            let body = json!([
                sale(&format!("GC-{n}-a"), &[(cable.id, 1, 5000.0)]),
                sale(&format!("GC-{n}-b"), &[(cable.id, 2, 5000.0)]),
            ]);
            app.sync(DEMO_SERIAL, &body).await
        }
    });
    for reply in join_all(requests).await {
        assert_eq!(reply.status, 201, "{:#}", reply.body);
        assert_eq!(reply.body["ventes_creees"], 2, "{:#}", reply.body);
    }
    assert_eq!(first.stock(cable.id).await, cable.stock - 40 * 3);
    let movements: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM mouvements_stock WHERE article_id = $1 AND type_mouvement = 'VENTE'",
    )
    .bind(cable.id)
    .fetch_one(&first.pool)
    .await
    .unwrap();
    assert_eq!(movements, 80);
    first.assert_invariants().await;
}
