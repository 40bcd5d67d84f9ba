//! Server configuration, read from the environment (and a `.env` file when present).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Everything the server reads from its environment, parsed once at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`. When absent, `caisse` runs its own private PostgreSQL.
    pub database_url: Option<String>,
    /// `CAISSE_ADDR`: where the HTTP server listens.
    pub addr: SocketAddr,
    /// `CAISSE_BODY_LIMIT`: largest request body accepted, in bytes.
    pub body_limit: usize,
    /// `CAISSE_MAX_BATCH`: most sales accepted in one sync request.
    pub max_batch: usize,
    /// `CAISSE_DB_POOL_SIZE`: database connections kept by the server.
    pub pool_size: u32,
    /// `CAISSE_LOG` (or `RUST_LOG`): a `tracing` filter such as `info` or `caisse=debug`.
    pub log_filter: String,
    /// `CAISSE_DATA_DIR`: where the private PostgreSQL keeps its data.
    pub data_dir: PathBuf,
    /// `CAISSE_REQUIRE_TERMINAL_KEY`: refuse terminal requests that carry no `cle_api`.
    pub require_terminal_key: bool,
    /// `CAISSE_REQUEST_TIMEOUT`: longest a request may take, body included (generous: a
    /// till on a poor mobile link may take a while to upload a day of sales).
    pub request_timeout: Duration,
    /// `CAISSE_HEADER_TIMEOUT`: longest a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// `CAISSE_MAX_CONNECTIONS`: open connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// `CAISSE_DB_ACQUIRE_TIMEOUT`: longest a request waits for a database connection.
    pub acquire_timeout: Duration,
    /// `CAISSE_SHUTDOWN_GRACE`: on SIGTERM, longest the requests in flight are waited for.
    pub shutdown_grace: Duration,
    /// `CAISSE_CANCEL_WINDOW`: how long after receiving a sale its till may cancel it.
    pub cancel_window: Duration,
    /// `CAISSE_PLAIN_HTTP`: the back-office is reached over plain HTTP (development, or
    /// tests), so its cookies cannot be marked `Secure`.
    pub plain_http: bool,
    /// `CAISSE_TERMINAL_SILENCE_HOURS`: an active till not seen for longer is flagged in the
    /// back-office: the sales it holds offline are at risk.
    pub terminal_silence_hours: u32,
    /// `LOG_FORMAT`: human-readable lines, or one JSON object per line for log collectors.
    pub log_format: LogFormat,
    /// `CAISSE_METRICS`: serve Prometheus metrics at `/metrics`.
    pub metrics: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The variables, their defaults and meaning; the README's configuration table mirrors it.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    (
        "DATABASE_URL",
        "(unset)",
        "PostgreSQL to use (several hosts, libpq's way: the one that takes writes is used); \
         unset: start a private one under CAISSE_DATA_DIR",
    ),
    ("CAISSE_ADDR", "127.0.0.1:8000", "listen address"),
    (
        "CAISSE_BODY_LIMIT",
        "8MiB",
        "largest request body (bytes, or with a KiB/MiB suffix)",
    ),
    ("CAISSE_MAX_BATCH", "1000", "most sales in one sync request"),
    ("CAISSE_DB_POOL_SIZE", "16", "database connections"),
    (
        "CAISSE_LOG",
        "info",
        "log filter (tracing syntax); RUST_LOG also works",
    ),
    (
        "CAISSE_DATA_DIR",
        ".data",
        "data directory of the private PostgreSQL",
    ),
    (
        "CAISSE_REQUIRE_TERMINAL_KEY",
        "false",
        "true: every terminal request must carry its cle_api",
    ),
    (
        "CAISSE_REQUEST_TIMEOUT",
        "120s",
        "longest a request may take, body included",
    ),
    (
        "CAISSE_HEADER_TIMEOUT",
        "10s",
        "longest a client may take to send its headers",
    ),
    (
        "CAISSE_MAX_CONNECTIONS",
        "1024",
        "connections served at once; more wait to be accepted",
    ),
    (
        "CAISSE_DB_ACQUIRE_TIMEOUT",
        "3s",
        "longest a request waits for a database connection before a 503",
    ),
    (
        "CAISSE_SHUTDOWN_GRACE",
        "20s",
        "on SIGTERM, longest the requests in flight are waited for",
    ),
    (
        "CAISSE_CANCEL_WINDOW",
        "60m",
        "how long after receiving a sale its till may cancel it (admins: always)",
    ),
    (
        "CAISSE_PLAIN_HTTP",
        "false",
        "true: the back-office is served over plain HTTP (development), its cookies lose Secure",
    ),
    (
        "CAISSE_TERMINAL_SILENCE_HOURS",
        "24",
        "hours after which the back-office flags an active till as not seen",
    ),
    (
        "LOG_FORMAT",
        "text",
        "text: human-readable log lines; json: one JSON object per line",
    ),
    (
        "CAISSE_METRICS",
        "false",
        "true: serve Prometheus metrics at /metrics on the main port",
    ),
];

/// A variable that is set to something the server cannot use.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}={value:?}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub value: String,
    pub reason: String,
}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => {
                return Err(ConfigError {
                    variable: ".env",
                    value: String::new(),
                    reason: e.to_string(),
                });
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any source of variables (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let log_filter = match get("CAISSE_LOG").map(|v| ("CAISSE_LOG", v)) {
            Some(found) => Some(found),
            None => get("RUST_LOG").map(|v| ("RUST_LOG", v)),
        };
        let log_filter = match log_filter {
            Some((variable, value)) => {
                if let Err(e) = tracing_subscriber::EnvFilter::try_new(&value) {
                    return Err(ConfigError {
                        variable,
                        value,
                        reason: e.to_string(),
                    });
                }
                value
            }
            None => "info".to_owned(),
        };
        let database_url = get("DATABASE_URL");
        if let Some(url) = &database_url {
            crate::db::address::parse(url).map_err(|e| ConfigError {
                variable: "DATABASE_URL",
                value: crate::db::address::redacted(url),
                reason: e.to_string(),
            })?;
        }
        Ok(Config {
            database_url,
            addr: parse(&get, "CAISSE_ADDR", "127.0.0.1:8000", |v| {
                SocketAddr::from_str(v).map_err(|e| e.to_string())
            })?,
            body_limit: parse(&get, "CAISSE_BODY_LIMIT", "8MiB", parse_size)?,
            max_batch: parse(&get, "CAISSE_MAX_BATCH", "1000", |v| positive(v, 1_000_000))?,
            pool_size: parse(&get, "CAISSE_DB_POOL_SIZE", "16", |v| {
                positive(v, 1_000).map(|n| n as u32)
            })?,
            log_filter,
            data_dir: PathBuf::from(get("CAISSE_DATA_DIR").unwrap_or_else(|| ".data".into())),
            require_terminal_key: parse(&get, "CAISSE_REQUIRE_TERMINAL_KEY", "false", boolean)?,
            request_timeout: parse(&get, "CAISSE_REQUEST_TIMEOUT", "120s", duration)?,
            header_timeout: parse(&get, "CAISSE_HEADER_TIMEOUT", "10s", duration)?,
            max_connections: parse(&get, "CAISSE_MAX_CONNECTIONS", "1024", |v| {
                positive(v, 1_000_000)
            })?,
            acquire_timeout: parse(&get, "CAISSE_DB_ACQUIRE_TIMEOUT", "3s", duration)?,
            shutdown_grace: parse(&get, "CAISSE_SHUTDOWN_GRACE", "20s", duration)?,
            cancel_window: parse(&get, "CAISSE_CANCEL_WINDOW", "60m", duration)?,
            plain_http: parse(&get, "CAISSE_PLAIN_HTTP", "false", boolean)?,
            terminal_silence_hours: parse(&get, "CAISSE_TERMINAL_SILENCE_HOURS", "24", |v| {
                positive(v, 24 * 365).map(|n| n as u32)
            })?,
            log_format: parse(&get, "LOG_FORMAT", "text", log_format)?,
            metrics: parse(&get, "CAISSE_METRICS", "false", boolean)?,
        })
    }
}

fn parse<T>(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let value = get(variable).unwrap_or_else(|| default.to_owned());
    parse(value.trim()).map_err(|reason| ConfigError {
        variable,
        value,
        reason,
    })
}

/// `30s`, `500ms`, `2m`, or a number of seconds; from 1 ms to 1 hour.
fn duration(value: &str) -> Result<Duration, String> {
    let expected = || "expected a duration such as 30s, 500ms or 2m".to_owned();
    let lower = value.to_ascii_lowercase();
    let (number, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), "s"),
    };
    let n: u64 = number.parse().map_err(|_| expected())?;
    let duration = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" | "min" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(expected()),
    };
    if duration < Duration::from_millis(1) || duration > Duration::from_secs(3600) {
        return Err("expected a duration from 1ms to 1 hour".into());
    }
    Ok(duration)
}

fn log_format(value: &str) -> Result<LogFormat, String> {
    match value.to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err("expected text or json".into()),
    }
}

fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

fn positive(value: &str, max: usize) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {max}")),
    }
}

/// `1048576`, `512KiB`, `8MiB` (also `k`/`K`/`KB`, `m`/`M`/`MB`, all binary).
fn parse_size(value: &str) -> Result<usize, String> {
    let lower = value.to_ascii_lowercase();
    let (digits, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), ""),
    };
    let multiplier = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return Err("expected a size in bytes, e.g. 1048576, 512KiB or 8MiB".into()),
    };
    match digits.parse::<usize>() {
        Ok(n) if n > 0 => n
            .checked_mul(multiplier)
            .filter(|n| *n <= 1024 * 1024 * 1024)
            .ok_or_else(|| "at most 1GiB".to_owned()),
        _ => Err("expected a size in bytes, e.g. 1048576, 512KiB or 8MiB".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:8000");
        assert_eq!(c.max_batch, 1000);
        assert_eq!(c.body_limit, 8 * 1024 * 1024);
        assert_eq!(c.pool_size, 16);
        assert_eq!(c.log_filter, "info");
        assert!(c.database_url.is_none());
        assert!(!c.require_terminal_key);
        assert!(!c.plain_http);
        assert_eq!(c.terminal_silence_hours, 24);
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(!c.metrics);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("2m"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("5GiB").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("7"), Ok(Duration::from_secs(7)));
        assert!(duration("0s").is_err());
        assert!(duration("soon").is_err());
        assert!(duration("2h").is_err());
    }

    #[test]
    fn errors_name_the_variable() {
        let e = config(&[("CAISSE_ADDR", "nowhere")]).unwrap_err();
        assert_eq!(e.variable, "CAISSE_ADDR");
        assert!(
            e.to_string()
                .starts_with("invalid configuration: CAISSE_ADDR=")
        );
        assert_eq!(
            config(&[("CAISSE_MAX_BATCH", "0")]).unwrap_err().variable,
            "CAISSE_MAX_BATCH"
        );
        assert_eq!(
            config(&[("CAISSE_DB_POOL_SIZE", "x")])
                .unwrap_err()
                .variable,
            "CAISSE_DB_POOL_SIZE"
        );
        assert_eq!(
            config(&[("CAISSE_LOG", "=[")]).unwrap_err().variable,
            "CAISSE_LOG"
        );
        assert_eq!(
            config(&[("CAISSE_REQUIRE_TERMINAL_KEY", "maybe")])
                .unwrap_err()
                .variable,
            "CAISSE_REQUIRE_TERMINAL_KEY"
        );
        assert!(
            config(&[("CAISSE_REQUIRE_TERMINAL_KEY", "yes")])
                .unwrap()
                .require_terminal_key
        );
        assert_eq!(
            config(&[("CAISSE_TERMINAL_SILENCE_HOURS", "0")])
                .unwrap_err()
                .variable,
            "CAISSE_TERMINAL_SILENCE_HOURS"
        );
        assert_eq!(
            config(&[("CAISSE_TERMINAL_SILENCE_HOURS", "48")])
                .unwrap()
                .terminal_silence_hours,
            48
        );
        assert_eq!(
            config(&[("LOG_FORMAT", "xml")]).unwrap_err().variable,
            "LOG_FORMAT"
        );
        assert_eq!(
            config(&[("LOG_FORMAT", "JSON")]).unwrap().log_format,
            LogFormat::Json
        );
        let e = config(&[(
            "DATABASE_URL",
            "postgres://caisse:hunter2@db1,db2/caisse?target_session_attrs=standby",
        )])
        .unwrap_err();
        assert_eq!(e.variable, "DATABASE_URL");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(
            config(&[("DATABASE_URL", "postgres://caisse@db1:5432,db2:5432/caisse")])
                .unwrap()
                .database_url
                .is_some()
        );
        assert_eq!(
            config(&[("CAISSE_METRICS", "sometimes")])
                .unwrap_err()
                .variable,
            "CAISSE_METRICS"
        );
    }
}
