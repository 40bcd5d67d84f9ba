//! Server configuration, read from the environment (and a `.env` file when present).
//!
//! Declared once, in [`Config`]: each setting's variable, default, meaning and parser are
//! its clap attributes. `caisse --help` lists them from there, and a test checks the
//! README's table and the compose file against them.

use clap::{CommandFactory, FromArgMatches, Parser};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Everything the server reads from its environment, parsed once at start-up.
#[derive(Debug, Clone, Parser)]
#[command(name = "caisse")]
pub struct Config {
    /// PostgreSQL to use (several hosts, libpq's way: the one that takes writes is used); unset: start a private one under CAISSE_DATA_DIR
    #[arg(long, env = "DATABASE_URL", value_parser = database_url)]
    pub database_url: Option<String>,
    /// listen address
    #[arg(long, env = "CAISSE_ADDR", default_value = "127.0.0.1:8000", value_parser = address)]
    pub addr: SocketAddr,
    /// largest request body (bytes, or with a KiB/MiB suffix)
    #[arg(long, env = "CAISSE_BODY_LIMIT", default_value = "8MiB", value_parser = size)]
    pub body_limit: usize,
    /// most sales in one sync request
    #[arg(long, env = "CAISSE_MAX_BATCH", default_value = "1000", value_parser = positive::<1_000_000>)]
    pub max_batch: usize,
    /// database connections
    #[arg(long, env = "CAISSE_DB_POOL_SIZE", default_value = "16", value_parser = positive_u32::<1_000>)]
    pub pool_size: u32,
    /// log filter (tracing syntax); RUST_LOG also works
    #[arg(long, env = "CAISSE_LOG", default_value = "info", value_parser = log_filter)]
    pub log_filter: String,
    /// data directory of the private PostgreSQL
    #[arg(long, env = "CAISSE_DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,
    /// true: every terminal request must carry its cle_api
    #[arg(long, env = "CAISSE_REQUIRE_TERMINAL_KEY", default_value = "false", value_parser = boolean, action = clap::ArgAction::Set)]
    pub require_terminal_key: bool,
    /// proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated)
    ///
    /// Behind a TLS proxy every client has the proxy's address: name it here, so that limits
    /// and logs use the real client's.
    #[arg(long, env = "CAISSE_TRUSTED_PROXIES", default_value = "", value_parser = trusted_proxies)]
    pub trusted_proxies: crate::http::brakes::TrustedProxies,
    /// failed till identifications (unknown serial, wrong key) an address may make in a minute, then 429
    #[arg(long, env = "CAISSE_IDENTIFICATION_FAILURES", default_value = "20", value_parser = positive_u32::<1_000_000>)]
    pub identification_failures: u32,
    /// requests a second one till may make on average (twice that at once), then 429
    ///
    /// The benchmark's busiest till makes about 55 a second; a till sending its backlog, a few.
    #[arg(long, env = "CAISSE_TILL_REQUESTS_PER_SECOND", default_value = "120", value_parser = positive_u32::<1_000_000>)]
    pub till_requests_per_second: u32,
    /// longest a request may take, body included
    ///
    /// Generous: a till on a poor mobile link may take a while to upload a day of sales.
    #[arg(long, env = "CAISSE_REQUEST_TIMEOUT", default_value = "120s", value_parser = duration)]
    pub request_timeout: Duration,
    /// longest a client may take to send its headers
    #[arg(long, env = "CAISSE_HEADER_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,
    /// connections served at once; more wait to be accepted
    #[arg(long, env = "CAISSE_MAX_CONNECTIONS", default_value = "1024", value_parser = positive::<1_000_000>)]
    pub max_connections: usize,
    /// longest a request waits for a database connection before a 503
    #[arg(long, env = "CAISSE_DB_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = duration)]
    pub acquire_timeout: Duration,
    /// on SIGTERM, longest the requests in flight are waited for
    #[arg(long, env = "CAISSE_SHUTDOWN_GRACE", default_value = "20s", value_parser = duration)]
    pub shutdown_grace: Duration,
    /// how long after receiving a sale its till may cancel it (admins: always)
    #[arg(long, env = "CAISSE_CANCEL_WINDOW", default_value = "60m", value_parser = duration)]
    pub cancel_window: Duration,
    /// true: the back-office is served over plain HTTP (development), its cookies lose Secure
    #[arg(long, env = "CAISSE_PLAIN_HTTP", default_value = "false", value_parser = boolean, action = clap::ArgAction::Set)]
    pub plain_http: bool,
    /// hours after which the back-office flags an active till as not seen
    ///
    /// The sales such a till holds offline are at risk.
    #[arg(long, env = "CAISSE_TERMINAL_SILENCE_HOURS", default_value = "24", value_parser = positive_u32::<8_760>)]
    pub terminal_silence_hours: u32,
    /// text: human-readable log lines; json: one JSON object per line
    #[arg(long, env = "LOG_FORMAT", default_value = "text", value_parser = log_format)]
    pub log_format: LogFormat,
    /// true: serve Prometheus metrics at /metrics on the main port
    #[arg(long, env = "CAISSE_METRICS", default_value = "false", value_parser = boolean, action = clap::ArgAction::Set)]
    pub metrics: bool,
    /// a live push socket whose client sends nothing for this long is closed
    ///
    /// Tills ping every 30 s.
    #[arg(long, env = "CAISSE_WS_IDLE_TIMEOUT", default_value = "90s", value_parser = duration)]
    pub ws_idle_timeout: Duration,
    /// taken off an instant a till asks the catalogue's changes since
    ///
    /// Longer than any transaction that writes an article lasts, so that a change stamped
    /// before the instant a till was given but committed after it still reaches that till.
    #[arg(long, env = "CAISSE_DELTA_MARGIN", default_value = "5min", value_parser = duration)]
    pub delta_margin: Duration,
    /// events waiting for one live push socket; past that it gets sync_required
    #[arg(long, env = "CAISSE_WS_QUEUE", default_value = "128", value_parser = positive::<100_000>)]
    pub ws_queue: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A configuration variable as `--help` and the README describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// As written in the declaration; `(unset)` when there is none.
    pub default: String,
    pub meaning: String,
}

/// A variable that is set to something the server cannot use.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}={value:?}: {reason}")]
pub struct ConfigError {
    pub variable: String,
    pub value: String,
    pub reason: String,
}

impl Config {
    /// The variables, their defaults and meaning, from the declaration.
    pub fn variables() -> Vec<Variable> {
        Config::command()
            .get_arguments()
            .filter_map(|arg| {
                let name = arg.get_env()?.to_string_lossy().into_owned();
                let default = arg.get_default_values().first().map_or_else(
                    || "(unset)".to_owned(),
                    |d| d.to_string_lossy().into_owned(),
                );
                let meaning = arg.get_help().map(ToString::to_string).unwrap_or_default();
                Some(Variable {
                    name,
                    default,
                    meaning,
                })
            })
            .collect()
    }

    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => {
                return Err(ConfigError {
                    variable: ".env".into(),
                    value: String::new(),
                    reason: e.to_string(),
                });
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any source of variables (the environment, or a map in
    /// tests): each variable set (and not blank) is given to the declaration's parser as if
    /// on a command line, so that the process environment plays no part unless `lookup`
    /// reads it.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let command = Config::command().mut_args(|arg| arg.env(None::<&str>));
        let mut argv = vec!["caisse".to_owned()];
        let mut given = Vec::new();
        for arg in Config::command().get_arguments() {
            let (Some(env), Some(long)) = (arg.get_env(), arg.get_long()) else {
                continue;
            };
            let name = env.to_string_lossy().into_owned();
            // RUST_LOG is read when CAISSE_LOG is not set.
            let value =
                get(&name).or_else(|| (name == "CAISSE_LOG").then(|| get("RUST_LOG")).flatten());
            if let Some(value) = value {
                argv.push(format!("--{long}={}", value.trim()));
                given.push((long.to_owned(), name, value));
            }
        }
        let matches = command.try_get_matches_from(argv).map_err(|e| {
            let culprit = e
                .get(clap::error::ContextKind::InvalidArg)
                .map(ToString::to_string)
                .unwrap_or_default();
            let found = given
                .iter()
                .find(|(long, ..)| culprit.starts_with(&format!("--{long}")));
            let reason = std::error::Error::source(&e)
                .map(ToString::to_string)
                .unwrap_or_else(|| e.kind().to_string());
            match found {
                Some((_, variable, value)) => ConfigError {
                    variable: variable.clone(),
                    // A database address may hold a password: never repeat it.
                    value: if variable == "DATABASE_URL" {
                        crate::db::address::redacted(value)
                    } else {
                        value.clone()
                    },
                    reason,
                },
                None => ConfigError {
                    variable: culprit,
                    value: String::new(),
                    reason: e.to_string(),
                },
            }
        })?;
        Config::from_arg_matches(&matches).map_err(|e| ConfigError {
            variable: String::new(),
            value: String::new(),
            reason: e.to_string(),
        })
    }
}

fn database_url(value: &str) -> Result<String, String> {
    crate::db::address::parse(value)
        .map(|_| value.to_owned())
        .map_err(|e| e.to_string())
}

fn address(value: &str) -> Result<SocketAddr, String> {
    SocketAddr::from_str(value).map_err(|e| e.to_string())
}

fn log_filter(value: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(value)
        .map(|_| value.to_owned())
        .map_err(|e| e.to_string())
}

fn positive<const MAX: usize>(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=MAX).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {MAX}")),
    }
}

fn positive_u32<const MAX: usize>(value: &str) -> Result<u32, String> {
    positive::<MAX>(value).map(|n| n as u32)
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

fn trusted_proxies(value: &str) -> Result<crate::http::brakes::TrustedProxies, String> {
    value.parse()
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

/// `1048576`, `512KiB`, `8MiB` (also `k`/`K`/`KB`, `m`/`M`/`MB`, all binary).
fn size(value: &str) -> Result<usize, String> {
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
        assert_eq!(c.ws_idle_timeout, Duration::from_secs(90));
        assert_eq!(c.ws_queue, 128);
    }

    #[test]
    fn sizes() {
        assert_eq!(size("512KiB"), Ok(512 * 1024));
        assert_eq!(size("2m"), Ok(2 * 1024 * 1024));
        assert_eq!(size("100"), Ok(100));
        assert!(size("lots").is_err());
        assert!(size("0").is_err());
        assert!(size("5GiB").is_err());
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
        assert_eq!(
            e.to_string(),
            "invalid configuration: CAISSE_ADDR=\"nowhere\": invalid socket address syntax"
        );
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
