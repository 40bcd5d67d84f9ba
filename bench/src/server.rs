//! The server under test, as a separate process: started from its release binary, watched
//! for memory, stopped with SIGTERM.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub struct Server {
    child: Child,
    pid: u32,
    /// `http://127.0.0.1:<port>`
    pub url: String,
}

impl Server {
    /// Starts `binary serve` on a free loopback port over `database_url`, its output
    /// appended to `log`, and waits until it answers `status/`.
    pub async fn start(binary: &Path, database_url: &str, log: &Path) -> Result<Server> {
        let port = crate::postgres::free_port()?;
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        let child = Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("CAISSE_ADDR", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Server {
            child,
            pid,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let status = format!("{}{}/status/", server.url, crate::load::TERMINAL_API);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(exit) = server.child.try_wait()? {
                let output = std::fs::read_to_string(log).unwrap_or_default();
                bail!(
                    "the server exited ({exit}):\n{}",
                    crate::postgres::tail(&output, 10)
                );
            }
            match client.get(&status).send().await {
                Ok(response) if response.status().is_success() => return Ok(server),
                _ if Instant::now() > deadline => bail!("the server did not answer in 60 s"),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// The most memory the process has held so far (VmHWM), in bytes.
    pub fn peak_rss(&self) -> Option<u64> {
        proc_status_kib(self.pid, "VmHWM:").map(|kib| kib * 1024)
    }

    /// Asks the server to stop (SIGTERM: it finishes what is in flight), and kills it if
    /// it has not stopped within 10 s.
    pub async fn stop(mut self) -> Result<()> {
        // SAFETY: kill has no memory-safety preconditions; the pid is our own child,
        // not yet reaped.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => {
                self.child.kill().await?;
                bail!("the server did not stop within 10 s of SIGTERM");
            }
        }
        Ok(())
    }
}

/// A `kB` field of `/proc/<pid>/status`.
fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_peak_memory() {
        // The peak is read second: it can only have grown since.
        let now = proc_status_kib(std::process::id(), "VmRSS:").unwrap();
        let peak = proc_status_kib(std::process::id(), "VmHWM:").unwrap();
        assert!(peak > 0 && peak >= now, "VmHWM {peak} kB, VmRSS {now} kB");
    }
}
