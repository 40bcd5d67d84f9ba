//! The database: connection pool, migrations, the private PostgreSQL launcher and demo data.

pub mod address;
pub mod check;
pub mod idempotency_keys;
pub mod local;
pub mod primary;
pub mod seed;

use address::Servers;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The pool: `pool_size` connections at most; a request waits `acquire_timeout` at most
/// for one (then it is answered `503`, whether the pool is busy or the database down).
///
/// `url` names one server, or several (libpq's multi-host forms, see [`address`]): then the
/// pool follows the one that takes writes (see [`primary`]).
pub async fn connect(
    url: &str,
    pool_size: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, sqlx::Error> {
    match address::parse(url).map_err(|e| sqlx::Error::Configuration(e.into()))? {
        Servers::One(options) => connect_with(*options, pool_size, acquire_timeout).await,
        Servers::Several(servers) => {
            let servers = servers.into_iter().map(session).collect();
            primary::connect(servers, pool_options(pool_size, acquire_timeout)).await
        }
    }
}

pub async fn connect_with(
    options: PgConnectOptions,
    pool_size: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, sqlx::Error> {
    pool_options(pool_size, acquire_timeout)
        .connect_with(session(options))
        .await
}

fn pool_options(pool_size: u32, acquire_timeout: Duration) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(pool_size)
        .acquire_timeout(acquire_timeout)
}

/// The settings of every session of the pool.
fn session(options: PgConnectOptions) -> PgConnectOptions {
    options
        .application_name("caisse")
        // The statements of the sale path are prepared once per connection and run
        // with ever-different arrays; planning them anew each time (PostgreSQL's
        // default for the first runs of a statement) costs more than running them.
        .options([("plan_cache_mode", "force_generic_plan")])
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Whether an error means "the database cannot be reached right now" (the request may be
/// retried later) rather than a fault in what was asked of it.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        // 08: connection exception; 57P01-03: shutting down, cannot connect now;
        // 53: insufficient resources; 25006: a write refused by a server that became a
        // standby (the primary moved): the retry will find the new one.
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("53")
                || code == "25006"
        }),
        _ => false,
    }
}

/// The unique constraint a statement broke, if that is why it failed.
pub fn unique_violation(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => db.constraint(),
        _ => None,
    }
}

/// Whether the database answers, within `timeout`.
pub async fn answers(pool: &PgPool, timeout: Duration) -> bool {
    let check = sqlx::query_scalar!("SELECT 1 AS \"one!\"").fetch_one(pool);
    matches!(tokio::time::timeout(timeout, check).await, Ok(Ok(_)))
}

/// The migrations this build knows that the database does not hold (with the same
/// checksum); `None` when the database does not answer within `timeout`.
pub async fn pending_migrations(pool: &PgPool, timeout: Duration) -> Option<Vec<i64>> {
    let applied = sqlx::query!(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version"
    )
    .fetch_all(pool);
    let applied: std::collections::HashMap<i64, Vec<u8>> =
        match tokio::time::timeout(timeout, applied).await {
            Ok(Ok(rows)) => rows.into_iter().map(|r| (r.version, r.checksum)).collect(),
            // No migration table yet is a reachable database with every migration pending.
            Ok(Err(sqlx::Error::Database(e))) if e.code().as_deref() == Some("42P01") => {
                Default::default()
            }
            _ => return None,
        };
    Some(
        MIGRATOR
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .filter(|m| applied.get(&m.version) != Some(&m.checksum.to_vec()))
            .map(|m| m.version)
            .collect(),
    )
}

/// A deadlock or serialization failure: the transaction lost a race and may be replayed.
pub fn is_transient(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if matches!(e.code().as_deref(), Some("40P01" | "40001")))
}
