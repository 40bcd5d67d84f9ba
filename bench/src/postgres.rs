//! A throwaway PostgreSQL for a benchmark run: created in a temporary directory, listening
//! on loopback only, durable as in production (fsync and synchronous commit on), removed
//! when dropped.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cluster's superuser (trusted on loopback: the cluster lives for one run).
pub const USER: &str = "caisse";

pub struct Postgres {
    bindir: PathBuf,
    dir: PathBuf,
    pub port: u16,
    /// PostgreSQL refuses to run as root: then it runs as the `postgres` system user.
    as_postgres_user: bool,
}

impl Postgres {
    /// Creates and starts the cluster.
    pub fn start() -> Result<Self> {
        let bindir = find_bindir().context(
            "no PostgreSQL server binaries found (PATH, `pg_config --bindir`, /usr/lib/postgresql/*/bin); \
             install them: apt-get install postgresql",
        )?;
        let dir = std::env::temp_dir().join(format!(
            "caisse-bench-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis()
        ));
        std::fs::create_dir_all(&dir)?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let as_postgres_user = unsafe { libc::geteuid() } == 0;
        let mut pg = Postgres {
            bindir,
            dir,
            port: 0,
            as_postgres_user,
        };
        if as_postgres_user {
            run(Command::new("chown").arg("postgres:postgres").arg(&pg.dir))?;
        }
        run(pg.command("initdb").arg("-D").arg(pg.data()).args([
            "-U",
            USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]))?;
        let mut last_error = None;
        for _ in 0..5 {
            pg.port = free_port()?;
            // Durable as in production: fsync, synchronous commit and full page writes
            // stay on. Checkpoints are spaced out so that the run triggers them between
            // measurements (CHECKPOINT) rather than in the middle of one.
            let options = format!(
                "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
                 -c fsync=on -c synchronous_commit=on -c full_page_writes=on \
                 -c max_connections=400 -c shared_buffers=256MB \
                 -c checkpoint_timeout=30min -c max_wal_size=4GB",
                pg.port,
                pg.dir.display()
            );
            let started = run(pg
                .command("pg_ctl")
                .arg("start")
                .arg("-D")
                .arg(pg.data())
                .arg("-l")
                .arg(pg.log())
                .args(["-w", "-t", "60", "-o", &options]));
            match started {
                Ok(()) => return Ok(pg),
                Err(e) => last_error = Some(e),
            }
        }
        let log = std::fs::read_to_string(pg.log()).unwrap_or_default();
        bail!(
            "PostgreSQL did not start: {}\n{}",
            last_error.map(|e| e.to_string()).unwrap_or_default(),
            tail(&log, 10)
        )
    }

    /// The URL of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// A PostgreSQL client program (pgbench) of the same installation.
    pub fn program(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    /// A directory for the run's files (scripts, logs), removed with the cluster.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bindir.join(program);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.stdin(Stdio::null());
        command
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("stop")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command) -> Result<()> {
    let out = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !out.status.success() {
        bail!(
            "{:?} failed: {}",
            command.get_program(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A port free right now on loopback.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Where the server binaries are: on `PATH`, where `pg_config` says, or the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian and Ubuntu keep them there, off `PATH`).
pub fn find_bindir() -> Option<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres", "pgbench"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|d| complete(d))
    {
        return Some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && complete(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| complete(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}
