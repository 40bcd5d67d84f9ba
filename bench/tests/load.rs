//! The load generator against the real server and against wrong ones, and the ceiling
//! scripts against the server's invariants. Each test takes a second or two of loopback
//! load, over its own database on the PostgreSQL of `DATABASE_URL` (`scripts/test`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use caisse_bench::load::{self, LoadOptions, LoadReport, Workload};
use caisse_bench::pgbench::Pgbench;
use caisse_bench::setup::{self, BenchShop, ShopSpec};
use caisse_bench::verify::{self, Verification};
use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// A new, migrated database, holding one bench boutique.
async fn database(spec: ShopSpec) -> (PgPool, PgConnectOptions, BenchShop) {
    let base = std::env::var("DATABASE_URL").expect(
        "DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL",
    );
    let options = PgConnectOptions::from_str(&base).expect("DATABASE_URL");
    let mut admin = PgConnection::connect_with(&options.clone().database("postgres"))
        .await
        .expect("connect to PostgreSQL");
    let name = format!(
        "caisse_bench_test_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.ok();
    let options = options.database(&name);
    let pool = PgPool::connect_with(options.clone()).await.unwrap();
    caisse::db::migrate(&pool).await.expect("migrate");
    let shop = setup::setup(&pool, &spec).await.expect("setup");
    (pool, options, shop)
}

/// The real server over `options`, on a random loopback port.
async fn spawn_server(options: PgConnectOptions) -> String {
    let config = caisse::config::Config::from_lookup(|name| match name {
        "CAISSE_ADDR" => Some("127.0.0.1:0".into()),
        "CAISSE_DB_POOL_SIZE" => Some("8".into()),
        _ => None,
    })
    .unwrap();
    let pool = caisse::db::connect_with(options, config.pool_size, config.acquire_timeout)
        .await
        .unwrap();
    let app = caisse::http::server::Application::bind(&config, pool)
        .await
        .unwrap();
    let url = format!("http://{}", app.local_addr().unwrap());
    tokio::spawn(app.serve(std::future::pending()));
    url
}

fn sync_load(url: &str, tills: usize, sales: usize, lines: usize, pool: usize) -> LoadOptions {
    LoadOptions {
        url: url.to_owned(),
        tills,
        workload: Workload::Sync {
            sales,
            lines,
            max_quantity: 3,
        },
        duration: Some(Duration::from_millis(1500)),
        requests: None,
        warmup: Duration::ZERO,
        idle: Duration::ZERO,
        articles_pool: pool,
        timeout: Duration::from_secs(30),
        run_id: "T1".into(),
    }
}

/// Runs `load`, then checks the database.
async fn load_and_verify(
    pool: &PgPool,
    shop: &BenchShop,
    load: &LoadOptions,
) -> (LoadReport, Verification) {
    let before = verify::stock(pool, shop).await.unwrap();
    let report = load::run(load, shop).await.expect("load");
    let verification = verify::verify(pool, shop, &load.run_id, &before, &report.records)
        .await
        .expect("verify");
    (report, verification)
}

fn spec(terminals: usize, articles: usize, stock: i32) -> ShopSpec {
    ShopSpec {
        code: "BENCH-TEST".into(),
        terminals,
        articles,
        stock,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_server_passes_the_verification() {
    let (pool, options, shop) = database(spec(4, 50, 100_000)).await;
    let url = spawn_server(options).await;

    let (report, verification) = load_and_verify(&pool, &shop, &sync_load(&url, 4, 3, 2, 50)).await;

    assert!(verification.passed(), "{verification}");
    assert!(report.anomalies.is_empty(), "{report}");
    assert!(
        report.requests > 0 && report.sales == report.requests * 3,
        "{report}"
    );
    assert_eq!(
        report.statuses.keys().collect::<Vec<_>>(),
        ["201"],
        "{report}"
    );
    assert_eq!(verification.stored, verification.acknowledged);
    assert!(verification.units_sold >= verification.stored as i64 * 2);
    // The stock was taken: what the verification compared is not zero everywhere.
    let left: i64 = sqlx::query_scalar("SELECT sum(quantite_stock)::int8 FROM articles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 50 * 100_000 - verification.units_sold);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_server_passes_the_verification_when_the_stock_runs_out() {
    let (pool, options, shop) = database(spec(8, 2, 60)).await;
    let url = spawn_server(options).await;
    let load = LoadOptions {
        requests: Some(80),
        ..sync_load(&url, 8, 1, 2, 2)
    };

    let (report, verification) = load_and_verify(&pool, &shop, &load).await;

    assert!(verification.passed(), "{verification}");
    assert!(report.anomalies.is_empty(), "{report}");
    assert!(
        report.codes.get("INSUFFICIENT_STOCK").copied().unwrap_or(0) > 0,
        "80 sales of up to 6 units cannot all fit in 120: {report}"
    );
    assert_eq!(report.server_errors(), 0, "{report}");
}

/// A server that answers every sale `created` and stores nothing.
async fn acknowledges_without_storing(Json(sales): Json<Vec<Value>>) -> (StatusCode, Json<Value>) {
    let creees: Vec<Value> = sales
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"numero_facture": s["numero_facture"], "status": "created", "id": i + 1}))
        .collect();
    (
        StatusCode::CREATED,
        Json(json!({"success": true, "details": {"creees": creees, "erreurs": []}})),
    )
}

/// A server that stores every sale, its lines and a consistent stock journal, but takes
/// twice the quantity sold out of stock: every invariant of the journal holds, the stock
/// is still wrong.
async fn sells_twice(
    State(pool): State<PgPool>,
    Json(sales): Json<Vec<Value>>,
) -> (StatusCode, Json<Value>) {
    let mut creees = Vec::new();
    for sale in sales {
        let mut tx = pool.begin().await.unwrap();
        let numero = sale["numero_facture"].as_str().unwrap().to_owned();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ventes (boutique_id, terminal_id, numero_facture, date_vente, montant_total,
                                 mode_paiement, paye)
             SELECT boutique_id, id, $1, now(), $2, 'CASH', true FROM terminaux ORDER BY id LIMIT 1
             RETURNING id",
        )
        .bind(&numero)
        .bind(
            sale["lignes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["quantite"].as_i64().unwrap() * 250)
                .sum::<i64>(),
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        for line in sale["lignes"].as_array().unwrap() {
            let (article, quantity) = (line["article_id"].as_i64(), line["quantite"].as_i64());
            sqlx::query(
                "WITH line AS (
                     INSERT INTO lignes_vente (boutique_id, vente_id, article_id, quantite, prix_unitaire)
                     SELECT boutique_id, $1, $2, $3, 250 FROM ventes WHERE id = $1
                 ), stock AS (
                     UPDATE articles SET quantite_stock = quantite_stock - 2 * $3
                     WHERE id = $2 RETURNING boutique_id, quantite_stock
                 )
                 INSERT INTO mouvements_stock (boutique_id, article_id, vente_id, type_mouvement,
                                               quantite, stock_avant, stock_apres)
                 SELECT boutique_id, $2, $1, 'VENTE', -2 * $3, quantite_stock + 2 * $3, quantite_stock
                 FROM stock",
            )
            .bind(id)
            .bind(article)
            .bind(quantity.map(|q| q as i32))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        creees.push(json!({"numero_facture": numero, "status": "created", "id": id}));
    }
    (
        StatusCode::CREATED,
        Json(json!({"success": true, "details": {"creees": creees, "erreurs": []}})),
    )
}

async fn spawn_wrong_server(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_acknowledges_without_storing_fails_the_verification() {
    let (pool, _, shop) = database(spec(2, 10, 1_000)).await;
    let url = spawn_wrong_server(axum::Router::new().route(
        "/api/v2/simple/ventes/sync",
        axum::routing::post(acknowledges_without_storing),
    ))
    .await;

    let (report, verification) = load_and_verify(&pool, &shop, &sync_load(&url, 2, 2, 1, 10)).await;

    assert!(report.sales > 0, "{report}");
    assert!(!verification.passed());
    assert!(
        verification
            .problems
            .iter()
            .any(|p| p.contains("acknowledged") && p.contains("not stored")),
        "{verification}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_sells_twice_fails_the_verification() {
    // One till: the wrong server stores every sale under the first till.
    let (pool, _, shop) = database(spec(1, 10, 1_000_000)).await;
    let url = spawn_wrong_server(
        axum::Router::new()
            .route(
                "/api/v2/simple/ventes/sync",
                axum::routing::post(sells_twice),
            )
            .with_state(pool.clone()),
    )
    .await;

    let (report, verification) = load_and_verify(&pool, &shop, &sync_load(&url, 1, 2, 2, 10)).await;

    assert!(report.sales > 0, "{report}");
    assert_eq!(verification.stored, verification.acknowledged);
    // The journal is consistent (the server's own check is fooled)…
    let violations = caisse::db::check::check_invariants(&pool).await.unwrap();
    assert!(
        violations
            .iter()
            .all(|v| !v.what.contains("plus movements")),
        "{violations:?}"
    );
    // …the verification is not.
    assert!(
        verification
            .problems
            .iter()
            .any(|p| p.contains("before the run minus")),
        "{verification}"
    );
}

/// pgbench, next to the PostgreSQL of the tests.
fn pgbench_program() -> std::path::PathBuf {
    caisse_bench::postgres::find_bindir()
        .expect("PostgreSQL binaries with pgbench")
        .join("pgbench")
}

#[tokio::test]
async fn the_sale_ceiling_writes_what_the_server_writes() {
    let (pool, options, shop) = database(spec(4, 20, 1_000_000)).await;
    let script = std::env::temp_dir().join(format!("caisse-ceiling-{}.sql", std::process::id()));
    std::fs::write(&script, include_str!("../ceiling/sale.sql")).unwrap();
    let program = pgbench_program();

    let result = Pgbench {
        program: &program,
        host: options.get_host(),
        port: options.get_port(),
        user: options.get_username(),
        database: options.get_database().unwrap(),
        script: &script,
        clients: 4,
        duration: Duration::from_secs(1),
        variables: vec![
            ("boutique", shop.boutique_id.to_string()),
            ("t0", shop.terminals[0].0.to_string()),
            ("a0", shop.articles[0].to_string()),
            ("na", "20".into()),
            ("sales", "3".into()),
            ("per_sale", "4".into()),
        ],
    }
    .run()
    .await;
    std::fs::remove_file(&script).ok();
    let result = result.expect("the ceiling script runs");

    let (sales, lines, movements, terminals): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM ventes), (SELECT count(*) FROM lignes_vente),
                (SELECT count(*) FROM mouvements_stock WHERE type_mouvement = 'VENTE'),
                (SELECT count(DISTINCT terminal_id) FROM ventes)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(result.transactions > 0);
    assert_eq!(sales, result.transactions as i64 * 3);
    assert_eq!((lines, movements), (sales * 4, sales * 4));
    assert_eq!(terminals, 4, "each client is its own till");
    // Totals, stock and the chained journal as the server keeps them, under concurrency
    // and with several lines of one article in a transaction.
    let violations = caisse::db::check::check_invariants(&pool).await.unwrap();
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test]
async fn the_catalogue_ceiling_runs() {
    let (_pool, options, shop) = database(spec(1, 30, 10)).await;
    let script = std::env::temp_dir().join(format!("caisse-catalogue-{}.sql", std::process::id()));
    std::fs::write(&script, include_str!("../ceiling/catalogue.sql")).unwrap();
    let program = pgbench_program();

    let result = Pgbench {
        program: &program,
        host: options.get_host(),
        port: options.get_port(),
        user: options.get_username(),
        database: options.get_database().unwrap(),
        script: &script,
        clients: 1,
        duration: Duration::from_secs(1),
        variables: vec![("boutique", shop.boutique_id.to_string())],
    }
    .run()
    .await;
    std::fs::remove_file(&script).ok();

    assert!(result.expect("the catalogue script runs").transactions > 0);
}
