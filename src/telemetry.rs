//! Logging, set up once per process.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber on stderr, filtered by `filter` (already validated by the
/// configuration): human-readable lines, or one JSON object per line for a log collector.
/// Each line written while a request is served carries the request's span, and so its
/// `request_id`. The database driver's per-statement logs stay quiet unless asked for by
/// name.
pub fn init(filter: &str, format: LogFormat) {
    let filter = if filter.contains("sqlx") {
        filter.to_owned()
    } else {
        format!("{filter},sqlx=warn")
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
