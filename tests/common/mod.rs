//! The test harness: the real server, on a random port, over a fresh database per test.
//!
//! `DATABASE_URL` names a PostgreSQL server (any database on it); `scripts/test` starts a
//! throwaway one and sets it. The first test to run builds a template database (migrated,
//! with the demo data) under an advisory lock; every test then gets its own copy of it.

#![allow(dead_code)]

pub mod contract;
pub mod server;

use caisse::config::Config;
use caisse::http::server::Application;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;

pub const DEMO_SERIAL: &str = "0a1badae951f8473";
pub const OTHER_SERIAL: &str = "TERM-B-001";
pub const INACTIVE_SERIAL: &str = "TERM-INACTIVE";

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    /// A pool of the test's own, on the server's database.
    pub pool: PgPool,
    pub client: reqwest::Client,
}

/// An article as the database holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: i64,
    pub boutique_id: i64,
    pub nom: String,
    pub stock: i32,
}

/// A response: its status and its body as JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl TestApp {
    /// The server with its default settings, over a database holding the demo data.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// The server with settings changed by `adjust`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        if std::env::var_os("CAISSE_TEST_LOG").is_some() {
            caisse::telemetry::init("info", caisse::config::LogFormat::Text);
        }
        let (database, _) = fresh_database().await;
        let mut config = test_config();
        adjust(&mut config);
        // The test's own queries use their own connections, not the server's.
        let pool = PgPool::connect_with(database)
            .await
            .expect("connect to the test database");
        Self::serve(config, pool).await
    }

    /// The server with its default settings over the database `options` names.
    pub async fn spawn_on(options: PgConnectOptions) -> TestApp {
        let config = test_config();
        let pool = PgPool::connect_with(options)
            .await
            .expect("connect to the test database");
        Self::serve(config, pool).await
    }

    /// Another server over the same database, with the same settings: a second instance
    /// of a deployment behind a load balancer.
    pub async fn another_instance(&self) -> TestApp {
        let config = test_config();
        let pool = PgPool::connect_with((*self.pool.connect_options()).clone())
            .await
            .expect("connect to the test database");
        Self::serve(config, pool).await
    }

    /// A server with its own pool over the database `pool` reaches, serving in the background.
    async fn serve(config: Config, pool: PgPool) -> TestApp {
        let server_pool = caisse::db::connect_with(
            (*pool.connect_options()).clone(),
            config.pool_size,
            config.acquire_timeout,
        )
        .await
        .expect("connect to the test database");
        let app = Application::bind(&config, server_pool).await.expect("bind");
        let address = format!("http://{}", app.local_addr().unwrap());
        tokio::spawn(app.serve(std::future::pending()));
        TestApp {
            address,
            pool,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `POST /api/v2/simple/ventes/sync` as the till `serial`.
    pub async fn sync(&self, serial: &str, body: &Value) -> Reply {
        self.sync_raw(Some(serial), body.to_string()).await
    }

    pub async fn sync_raw(&self, serial: Option<&str>, body: impl Into<reqwest::Body>) -> Reply {
        let mut request = self
            .client
            .post(self.url("/api/v2/simple/ventes/sync"))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(serial) = serial {
            request = request.header("X-Device-Serial", serial);
        }
        self.send(request).await
    }

    /// A request to `path`, as the till `serial` if given.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        serial: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match serial {
            Some(serial) => request.header("X-Device-Serial", serial),
            None => request,
        }
    }

    /// Sends `request`; its answer is checked against the OpenAPI document.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let (client, request) = request.build_split();
        let request = request.expect("request");
        let method = request.method().clone();
        Reply::read(
            Some(method.as_str()),
            client.execute(request).await.expect("request"),
        )
        .await
    }

    /// `POST path` with a JSON body, as the till `serial`.
    pub async fn post(&self, path: &str, serial: Option<&str>, body: &Value) -> Reply {
        self.send(self.request(reqwest::Method::POST, path, serial).json(body))
            .await
    }

    /// A new administration token.
    pub async fn admin_token(&self) -> String {
        caisse::accounts::create_admin_token(&self.pool, "tests")
            .await
            .expect("admin token")
    }

    /// A 30-day administration token of the merchant that owns the boutique `boutique_id`.
    pub async fn merchant_token(&self, boutique_id: i64) -> String {
        let merchant: i64 = sqlx::query_scalar("SELECT commercant_id FROM boutiques WHERE id = $1")
            .bind(boutique_id)
            .fetch_one(&self.pool)
            .await
            .expect("the boutique's merchant");
        caisse::accounts::create_scoped_admin_token(
            &self.pool,
            caisse::accounts::NewAdminToken {
                nom: "merchant",
                commercant_id: Some(merchant),
                days: Some(30),
            },
        )
        .await
        .expect("merchant token")
    }

    /// An administration request.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Reply {
        let request = self
            .request(method, path, None)
            .header("Authorization", format!("Bearer {token}"));
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        self.send(request).await
    }

    pub async fn get(&self, path: &str, serial: Option<&str>) -> Reply {
        let mut request = self.client.get(self.url(path));
        if let Some(serial) = serial {
            request = request.header("X-Device-Serial", serial);
        }
        self.send(request).await
    }

    /// The article `code` of the boutique `code_boutique`.
    pub async fn article(&self, code_boutique: &str, code: &str) -> Article {
        let (id, boutique_id, nom, stock): (i64, i64, String, i32) = sqlx::query_as(
            "SELECT a.id, a.boutique_id, a.nom, a.quantite_stock FROM articles a
             JOIN boutiques b ON b.id = a.boutique_id
             WHERE b.code_boutique = $1 AND a.code = $2",
        )
        .bind(code_boutique)
        .bind(code)
        .fetch_one(&self.pool)
        .await
        .unwrap_or_else(|e| panic!("article {code_boutique}/{code}: {e}"));
        Article {
            id,
            boutique_id,
            nom,
            stock,
        }
    }

    /// Adds a serial-only till to a boutique.
    pub async fn add_till(&self, boutique_id: i64, serial: &str, nom: &str) {
        sqlx::query(
            "INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash, cle_requise)
             VALUES ($1, $2, $3, 'x', false)",
        )
        .bind(boutique_id)
        .bind(serial)
        .bind(nom)
        .execute(&self.pool)
        .await
        .unwrap();
    }

    pub async fn stock(&self, article_id: i64) -> i32 {
        sqlx::query_scalar("SELECT quantite_stock FROM articles WHERE id = $1")
            .bind(article_id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// How many rows the sales tables and the stock journal hold, and the total stock: what a
    /// refused request must leave unchanged.
    pub async fn footprint(&self) -> (i64, i64, i64, i64) {
        sqlx::query_as(
            "SELECT (SELECT count(*) FROM ventes), (SELECT count(*) FROM lignes_vente),
                    (SELECT count(*) FROM mouvements_stock),
                    (SELECT sum(quantite_stock)::int8 FROM articles)",
        )
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// A digest of everything the shops hold (but a till's last activity, which any request
    /// may refresh): equal before and after means nothing was written.
    pub async fn fingerprint(&self) -> String {
        sqlx::query_scalar(
            "SELECT md5(concat_ws('|',
               (SELECT string_agg(b::text, ',' ORDER BY b.id) FROM boutiques b),
               (SELECT string_agg(concat_ws(';', t.id, t.boutique_id, t.numero_serie, t.nom_terminal,
                                            t.cle_api_hash, t.est_actif, t.version_app_maui), ','
                                  ORDER BY t.id) FROM terminaux t),
               (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM categories c),
               (SELECT string_agg(a::text, ',' ORDER BY a.id) FROM articles a),
               (SELECT string_agg(v::text, ',' ORDER BY v.id) FROM ventes v),
               (SELECT string_agg(l::text, ',' ORDER BY l.id) FROM lignes_vente l),
               (SELECT string_agg(m::text, ',' ORDER BY m.id) FROM mouvements_stock m),
               (SELECT string_agg(k::text, ',' ORDER BY k.id) FROM admin_tokens k)))",
        )
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// How many sales the till `serial` has under `numero_facture`.
    pub async fn sales_with_number(&self, serial: &str, numero_facture: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM ventes v JOIN terminaux t ON t.id = v.terminal_id
             WHERE t.numero_serie = $1 AND v.numero_facture = $2",
        )
        .bind(serial)
        .bind(numero_facture)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }

    /// Fails the test if any invariant of the stock journal or the sales is broken.
    pub async fn assert_invariants(&self) {
        let violations = caisse::db::check::check_invariants(&self.pool)
            .await
            .expect("check invariants");
        assert!(violations.is_empty(), "invariants broken: {violations:#?}");
    }
}

impl Reply {
    /// The answer to a request, checked against the OpenAPI document when its route has a
    /// single operation.
    pub async fn from(response: reqwest::Response) -> Reply {
        Self::read(None, response).await
    }

    /// The answer to a `method` request, checked against the OpenAPI document.
    pub async fn read(method: Option<&str>, response: reqwest::Response) -> Reply {
        let status = response.status();
        let path = response.url().path().to_owned();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("response is not JSON ({e}): {status} {text:?}"));
        contract::check(method, &path, status.as_u16(), &body);
        Reply { status, body }
    }

    /// Asserts a batch read whole with no sale stored, its first refusal being `code`: a
    /// `201` the tills read (`success`, the refusals in `rejected` and `details.erreurs`).
    pub fn assert_all_refused(&self, code: &str) {
        assert_eq!(self.status.as_u16(), 201, "{:#}", self.body);
        assert_eq!(self.body["success"], true, "{:#}", self.body);
        assert_eq!(self.body["ventes_creees"], 0, "{:#}", self.body);
        assert_eq!(
            self.body["accepted"],
            serde_json::json!([]),
            "{:#}",
            self.body
        );
        assert_eq!(
            self.body["details"]["erreurs"][0]["code"], code,
            "{:#}",
            self.body
        );
        assert_eq!(self.body["rejected"][0]["reason"], code, "{:#}", self.body);
        assert!(self.body.get("error").is_none(), "{:#}", self.body);
    }

    /// Asserts a refused request: `status`, a JSON error with `code` and a French message.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(self.body["code"], code, "{:#}", self.body);
        assert!(
            self.body["error"].as_str().is_some_and(|m| !m.is_empty()),
            "no error message: {:#}",
            self.body
        );
    }
}

/// A new database, copied from the template (built once per server and schema): its
/// connect options, and its URL for a server run as a separate process.
pub async fn fresh_database() -> (PgConnectOptions, String) {
    let base = std::env::var("DATABASE_URL").expect(
        "DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL",
    );
    let options = PgConnectOptions::from_str(&base).expect("DATABASE_URL");
    let mut admin = PgConnection::connect_with(&options.clone().database("postgres"))
        .await
        .expect("connect to PostgreSQL");

    let template = format!("caisse_template_{}", template_fingerprint());
    sqlx::query("SELECT pg_advisory_lock(727274)")
        .execute(&mut admin)
        .await
        .unwrap();
    if !database_exists(&mut admin, &template).await {
        let building = format!("{template}_building");
        execute(
            &mut admin,
            &format!("DROP DATABASE IF EXISTS \"{building}\""),
        )
        .await;
        execute(&mut admin, &format!("CREATE DATABASE \"{building}\"")).await;
        let pool = PgPool::connect_with(options.clone().database(&building))
            .await
            .unwrap();
        caisse::db::migrate(&pool).await.expect("migrate");
        caisse::db::seed::seed_demo(&pool).await.expect("seed");
        pool.close().await;
        execute(
            &mut admin,
            &format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\""),
        )
        .await;
    }
    sqlx::query("SELECT pg_advisory_unlock(727274)")
        .execute(&mut admin)
        .await
        .unwrap();

    let name = format!("caisse_test_{}", uuid::Uuid::new_v4().simple());
    execute(
        &mut admin,
        &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
    )
    .await;
    admin.close().await.ok();
    (options.database(&name), database_url(&base, &name))
}

/// The tests' settings: a random port, a small pool, and brakes loose enough for tests of
/// other subjects, which fire many requests and many bad serials from one address (the
/// brakes are tested with their limits by `security`).
fn test_config() -> Config {
    Config::from_lookup(|name| match name {
        "CAISSE_ADDR" => Some("127.0.0.1:0".into()),
        "CAISSE_DB_POOL_SIZE" => Some("8".into()),
        "CAISSE_IDENTIFICATION_FAILURES" | "CAISSE_TILL_REQUESTS_PER_SECOND" => {
            Some("1000000".into())
        }
        _ => None,
    })
    .expect("test configuration")
}

/// The URL of the database `pool` reaches, for the operator's commands.
pub fn url_of(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    )
}

/// A new, empty database on the test server, named `<prefix>_<random>`: its options and URL.
pub async fn empty_database(prefix: &str) -> (PgConnectOptions, String) {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let options = PgConnectOptions::from_str(&base).expect("DATABASE_URL");
    let mut admin = PgConnection::connect_with(&options.clone().database("postgres"))
        .await
        .expect("connect to PostgreSQL");
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    execute(&mut admin, &format!("CREATE DATABASE \"{name}\"")).await;
    admin.close().await.ok();
    (options.database(&name), database_url(&base, &name))
}

/// `base` (a PostgreSQL URL) naming the database `name` instead.
fn database_url(base: &str, name: &str) -> String {
    let (address, query) = base.split_once('?').unwrap_or((base, ""));
    let (scheme, rest) = address.split_once("://").expect("a URL");
    let server = rest.split_once('/').map_or(rest, |(server, _)| server);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{scheme}://{server}/{name}{query}")
}

/// Changes with the migrations and the demo data, so a stale template is never used.
fn template_fingerprint() -> String {
    let mut hash = Sha256::new();
    for migration in caisse::db::MIGRATOR.iter() {
        hash.update(&migration.checksum);
    }
    hash.update(include_str!("../../src/db/seed.rs"));
    hash.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
        .unwrap()
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A sale of the founding document's shape.
pub fn sale(numero: &str, lines: &[(i64, i64, f64)]) -> Value {
    serde_json::json!({
        "numero_facture": numero,
        "mode_paiement": "CASH",
        "paye": true,
        "lignes": lines
            .iter()
            .map(|(article_id, quantite, prix)| serde_json::json!({
                "article_id": article_id, "quantite": quantite, "prix_unitaire": prix
            }))
            .collect::<Vec<_>>(),
    })
}
