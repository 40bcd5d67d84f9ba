//! `caisse import-django`: brings a chain across from the Django backend its tills used, with
//! the ids the tills hold (articles, tills, shops, sales), so that their queued sales sync into
//! caisse as they would have into Django.
//!
//! Four steps, each one transaction, each safe to run again (an interrupted import resumes):
//! 1. **read**: every row of Django's tables, read in one snapshot, is kept as Django wrote it in
//!    `django_lignes` (its secrets left out); a row that did not change since the last import
//!    is not applied again;
//! 2. **structure**: merchants, shops, tills, categories, articles, variants — new rows created
//!    with their Django ids, changed ones updated (never their stock); caisse's own sequences
//!    moved above Django's ids with room for what Django still creates before the switch;
//! 3. **history**: sales, lines, movements, alerts and refused sales, marked as imported
//!    (`reprise`); each article's stock put in caisse's journal (an opening `AJUSTEMENT` where
//!    Django's stock is not where its movements lead, later a movement for what Django received
//!    since the previous import); a sale caisse already holds under the same till and invoice
//!    number (a till that retried across the switch) is stored once;
//! 4. **report**: every inconsistency found in Django's data, with its ids and what caisse did,
//!    kept with the import (`reprises_django`) and listed by `caisse check` as inherited.
//!
//! `--dry-run` runs the same steps in one transaction that is rolled back: no row is written
//! (PostgreSQL does not roll sequences back, so ids may be skipped).

mod findings;
mod steps;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Acquire, PgConnection, PgPool, Row};

pub use findings::Finding;

/// Django's tables that are read, in the order they are applied. The last three have no
/// counterpart in caisse yet: they are kept as Django rows.
const TABLES: &[&str] = &[
    "inventory_commercant",
    "inventory_boutique",
    "inventory_client",
    "inventory_categorie",
    "inventory_article",
    "inventory_variantearticle",
    "inventory_vente",
    "inventory_lignevente",
    "inventory_mouvementstock",
    "inventory_alertestock",
    "inventory_venterejetee",
    "inventory_transfertstock",
    "inventory_notificationstock",
    "inventory_journalvaleurstock",
];

/// Columns holding Django's secrets (the tills' and shops' API keys): never copied. Imported
/// tills get a new random key that nobody knows; they identify by serial until given one.
const SECRET_COLUMNS: &[&str] = &["cle_api", "cle_api_boutique"];

/// Rows read and written per statement.
const CHUNK: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the Django database: {0}")]
    Source(sqlx::Error),
    #[error("the Django database has no inventory_article table: not the tills' Django backend")]
    NotDjango,
    #[error(
        "this database already holds shops or merchants that were not imported from Django; \
         import into a new, empty database"
    )]
    NotEmpty,
    #[error("another import is running on this database")]
    Busy,
    #[error("database: {0}")]
    Target(#[from] sqlx::Error),
}

/// What an import did and found, printed and kept with the import.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Which Django backend wrote the database: `2025-11` or `2026-07`.
    pub schema: String,
    pub dry_run: bool,
    /// Django's rows read, per table.
    pub read: Vec<Count>,
    /// Rows created or changed in caisse, per kind.
    pub brought: Vec<Count>,
    /// Every inconsistency found, kept as imported.
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Count {
    pub what: String,
    pub count: i64,
}

impl Report {
    /// How many rows of `what` were brought (0 if none).
    pub fn brought(&self, what: &str) -> i64 {
        self.brought
            .iter()
            .find(|c| c.what == what)
            .map_or(0, |c| c.count)
    }

    /// The finding `code`, if any.
    pub fn finding(&self, code: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.code == code)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Django database of the {} backend{}",
            self.schema,
            if self.dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        )?;
        let list = |counts: &[Count]| {
            counts
                .iter()
                .map(|c| format!("{} {}", c.what, c.count))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(f, "read: {}", list(&self.read))?;
        let brought: Vec<Count> = self
            .brought
            .iter()
            .filter(|c| c.count > 0)
            .cloned()
            .collect();
        if brought.is_empty() {
            writeln!(f, "brought: nothing new since the last import")?;
        } else {
            writeln!(f, "brought: {}", list(&brought))?;
        }
        if self.findings.is_empty() {
            writeln!(f, "no inconsistency found")?;
        } else {
            writeln!(
                f,
                "{} kind(s) of inconsistency found, kept as imported:",
                self.findings.len()
            )?;
            for finding in &self.findings {
                writeln!(f, "  - {finding}")?;
            }
        }
        Ok(())
    }
}

/// The rows of one Django table: `(id, row as JSON)`.
struct Table {
    name: &'static str,
    rows: Vec<serde_json::Value>,
}

/// Imports the Django database at `source_url` into the caisse database `target` (migrated).
pub async fn import(
    target: &PgPool,
    source_url: &str,
    dry_run: bool,
) -> Result<Report, ImportError> {
    let (schema, tables) = read_django(source_url).await?;
    let mut conn = target.acquire().await?;
    let locked: bool = sqlx::query_scalar!(r#"SELECT pg_try_advisory_lock(727275) AS "l!""#)
        .fetch_one(&mut *conn)
        .await?;
    if !locked {
        return Err(ImportError::Busy);
    }
    let result = if dry_run {
        let mut outer = conn.begin().await?;
        let report = run(&mut outer, schema, &tables, true).await;
        outer.rollback().await?;
        report
    } else {
        run(&mut conn, schema, &tables, false).await
    };
    sqlx::query_scalar!("SELECT pg_advisory_unlock(727275)")
        .fetch_one(&mut *conn)
        .await?;
    result
}

/// The steps; inside an outer transaction (a dry run) each step's transaction is a savepoint.
async fn run(
    conn: &mut PgConnection,
    schema: &'static str,
    tables: &[Table],
    dry_run: bool,
) -> Result<Report, ImportError> {
    let state = sqlx::query!(
        r#"SELECT NOT EXISTS (SELECT 1 FROM django_lignes) AS "first!",
                  (EXISTS (SELECT 1 FROM boutiques) OR EXISTS (SELECT 1 FROM commercants)) AS "used!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    if state.first && state.used {
        return Err(ImportError::NotEmpty);
    }

    let mut tx = conn.begin().await?;
    let run_id = sqlx::query_scalar!(
        "INSERT INTO reprises_django (schema_django) VALUES ($1) RETURNING id",
        schema
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut read = Vec::with_capacity(tables.len());
    let mut gone = Vec::new();
    for table in tables {
        for chunk in table.rows.chunks(CHUNK) {
            steps::stage(&mut tx, table.name, chunk).await?;
        }
        read.push(Count {
            what: table.name.trim_start_matches("inventory_").to_owned(),
            count: table.rows.len() as i64,
        });
        gone.extend(steps::gone(&mut tx, table.name).await?);
    }
    steps::refresh_statistics(&mut tx).await?;
    tx.commit().await?;

    let mut brought = Vec::new();
    let mut tx = conn.begin().await?;
    steps::settings(&mut tx).await?;
    steps::sequences(&mut tx).await?;
    steps::structure(&mut tx, schema == D1, &mut brought).await?;
    steps::refresh_statistics(&mut tx).await?;
    tx.commit().await?;

    let mut tx = conn.begin().await?;
    steps::settings(&mut tx).await?;
    let both = steps::history(&mut tx, &mut brought).await?;
    tx.commit().await?;

    let mut tx = conn.begin().await?;
    steps::settings(&mut tx).await?;
    let mut found = findings::collect(&mut tx).await?;
    if !both.is_empty() {
        found.push(findings::both_servers(both));
    }
    if !gone.is_empty() {
        found.push(findings::gone(gone));
    }
    let report = Report {
        schema: schema.to_owned(),
        dry_run,
        read,
        brought,
        findings: found,
    };
    sqlx::query!(
        "UPDATE reprises_django SET date_fin = now(), rapport = $2 WHERE id = $1",
        run_id,
        serde_json::to_value(&report).expect("a report is JSON")
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The Django backend of July 2026 (multi-currency, variants) and that of November 2025.
const D1: &str = "2026-07";
const D0: &str = "2025-11";

/// Every table of the Django database, read in one repeatable-read snapshot so that a Django
/// still serving during the import gives a consistent picture.
async fn read_django(url: &str) -> Result<(&'static str, Vec<Table>), ImportError> {
    let source = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .map_err(ImportError::Source)?;
    let result = read_snapshot(&source).await;
    source.close().await;
    result
}

async fn read_snapshot(source: &PgPool) -> Result<(&'static str, Vec<Table>), ImportError> {
    let mut tx = source.begin().await.map_err(ImportError::Source)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(ImportError::Source)?;
    let present: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name LIKE 'inventory\\_%'",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(ImportError::Source)?;
    if !present.iter().any(|t| t == "inventory_article") {
        return Err(ImportError::NotDjango);
    }
    let multi_currency: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = current_schema() AND table_name = 'inventory_vente'
                          AND column_name = 'devise')",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(ImportError::Source)?;
    let secrets = SECRET_COLUMNS
        .iter()
        .map(|c| format!(" - '{c}'"))
        .collect::<String>();
    let mut tables = Vec::new();
    for &name in TABLES {
        if !present.iter().any(|t| t == name) {
            continue;
        }
        // `name` is one of the constants above, never input.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT to_jsonb(t){secrets} AS row FROM {name} t ORDER BY t.id"
        )))
        .fetch_all(&mut *tx)
        .await
        .map_err(ImportError::Source)?
        .into_iter()
        .map(|r| r.try_get::<serde_json::Value, _>("row"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ImportError::Source)?;
        tables.push(Table { name, rows });
    }
    tx.commit().await.map_err(ImportError::Source)?;
    Ok((if multi_currency { D1 } else { D0 }, tables))
}

/// The report of the last finished import, if there was one.
pub async fn last_report(pool: &PgPool) -> Result<Option<Report>, sqlx::Error> {
    let report = sqlx::query_scalar!(
        "SELECT rapport FROM reprises_django WHERE date_fin IS NOT NULL ORDER BY id DESC LIMIT 1"
    )
    .fetch_optional(pool)
    .await?
    .flatten();
    Ok(report.and_then(|r| serde_json::from_value(r).ok()))
}
