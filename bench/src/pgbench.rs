//! Running pgbench and reading its figures.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::time::Duration;

/// How a pgbench run is asked for.
#[derive(Debug, Clone)]
pub struct Pgbench<'a> {
    pub program: &'a Path,
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub database: &'a str,
    pub script: &'a Path,
    pub clients: usize,
    pub duration: Duration,
    /// `-D name=value` variables of the script.
    pub variables: Vec<(&'static str, String)>,
}

/// What pgbench measured.
#[derive(Debug, Clone, PartialEq)]
pub struct PgbenchResult {
    /// Transactions per second, without the initial connection time.
    pub tps: f64,
    pub transactions: u64,
    /// Average latency of a transaction, in milliseconds.
    pub latency_ms: Option<f64>,
}

impl Pgbench<'_> {
    /// Runs the script with prepared statements, `-j 2` threads as on the reference
    /// machine (fewer with fewer clients).
    pub async fn run(&self) -> Result<PgbenchResult> {
        let mut command = tokio::process::Command::new(self.program);
        command
            .args([
                "-h",
                self.host,
                "-p",
                &self.port.to_string(),
                "-U",
                self.user,
            ])
            .args(["-n", "-M", "prepared"])
            .arg("-c")
            .arg(self.clients.to_string())
            .arg("-j")
            .arg(self.clients.min(2).to_string())
            .arg("-T")
            .arg(self.duration.as_secs().max(1).to_string())
            .arg("-f")
            .arg(self.script);
        for (name, value) in &self.variables {
            command.arg("-D").arg(format!("{name}={value}"));
        }
        command.arg(self.database).kill_on_drop(true);
        let out = command
            .output()
            .await
            .with_context(|| format!("cannot run {}", self.program.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            bail!(
                "pgbench {} failed ({}):\n{}\n{}",
                self.script.display(),
                out.status,
                crate::postgres::tail(&stdout, 10),
                crate::postgres::tail(&stderr, 10)
            );
        }
        parse(&stdout).with_context(|| format!("pgbench output not understood:\n{stdout}"))
    }
}

/// Reads the summary pgbench prints.
pub fn parse(output: &str) -> Option<PgbenchResult> {
    let mut tps = None;
    let mut transactions = None;
    let mut latency_ms = None;
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("tps = ") {
            tps = rest.split_whitespace().next()?.parse().ok();
        } else if let Some(rest) = line.strip_prefix("number of transactions actually processed: ")
        {
            transactions = rest.split(['/', ' ']).next()?.parse().ok();
        } else if let Some(rest) = line.strip_prefix("latency average = ") {
            latency_ms = rest.split_whitespace().next()?.parse().ok();
        }
    }
    Some(PgbenchResult {
        tps: tps?,
        transactions: transactions?,
        latency_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_summary_of_pgbench_15() {
        let output = "\
pgbench (15.14 (Debian 15.14-0+deb12u1))
transaction type: ceiling.sql
scaling factor: 1
query mode: prepared
number of clients: 64
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 14233
number of failed transactions: 0 (0.000%)
latency average = 44.905 ms
initial connection time = 73.151 ms
tps = 1425.224987 (without initial connection time)
";
        assert_eq!(
            parse(output),
            Some(PgbenchResult {
                tps: 1425.224987,
                transactions: 14233,
                latency_ms: Some(44.905)
            })
        );
        assert_eq!(parse("pgbench: error: connection refused"), None);
    }
}
