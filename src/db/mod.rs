//! The database: connection pool, migrations, the private PostgreSQL launcher and demo data.

pub mod address;
pub mod check;
pub mod local;
pub mod seed;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The pool: `pool_size` connections at most; a request waits `acquire_timeout` at most
/// for one (then it is answered `503`, whether the pool is busy or the database down).
pub async fn connect(
    url: &str,
    pool_size: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, sqlx::Error> {
    connect_with(PgConnectOptions::from_str(url)?, pool_size, acquire_timeout).await
}

pub async fn connect_with(
    options: PgConnectOptions,
    pool_size: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(pool_size)
        .acquire_timeout(acquire_timeout)
        .connect_with(
            options
                .application_name("caisse")
                // The statements of the sale path are prepared once per connection and run
                // with ever-different arrays; planning them anew each time (PostgreSQL's
                // default for the first runs of a statement) costs more than running them.
                .options([("plan_cache_mode", "force_generic_plan")]),
        )
        .await
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
        // 53: insufficient resources.
        sqlx::Error::Database(e) => e.code().is_some_and(|code| {
            code.starts_with("08") || code.starts_with("57P") || code.starts_with("53")
        }),
        _ => false,
    }
}

/// A deadlock or serialization failure: the transaction lost a race and may be replayed.
pub fn is_transient(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if matches!(e.code().as_deref(), Some("40P01" | "40001")))
}
