//! Logging, set up once per process.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: human-readable lines on stderr, filtered by `filter`
/// (already validated by the configuration). The database driver's per-statement logs
/// stay quiet unless asked for by name.
pub fn init(filter: &str) {
    let filter = if filter.contains("sqlx") {
        filter.to_owned()
    } else {
        format!("{filter},sqlx=warn")
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}
