//! A private PostgreSQL, for running `caisse` with nothing but the machine's PostgreSQL
//! binaries: created on first use under the data directory, kept across restarts,
//! listening on loopback only, stopped when the server stops.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::process::Command;

/// The cluster's superuser, and the database the server uses.
const ROLE: &str = "caisse";
const DATABASE: &str = "caisse";

pub struct LocalPostgres {
    bindir: PathBuf,
    cluster: PathBuf,
    /// PostgreSQL refuses to run as root: then it runs as the `postgres` system user.
    as_postgres_user: bool,
    pub url: String,
    port: u16,
    /// Whether this start created the cluster (so it holds no data yet).
    pub created: bool,
    /// Whether this process is to stop the cluster when it is done: it started it, or took
    /// it over (see [`LocalPostgres::take_over`]). A command run beside a serving server
    /// uses the server's cluster and leaves it running.
    owned: AtomicBool,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalPostgresError {
    #[error(
        "no PostgreSQL server binaries found (looked in PATH, `pg_config --bindir` and /usr/lib/postgresql/*/bin).\n\
         Install them:\n    apt-get install postgresql\n\
         or point caisse at an existing server:\n    DATABASE_URL=postgres://user:password@host:5432/caisse caisse serve"
    )]
    NotInstalled,
    #[error("private PostgreSQL: {0}")]
    Failed(String),
}

fn failed(what: impl std::fmt::Display) -> LocalPostgresError {
    LocalPostgresError::Failed(what.to_string())
}

impl LocalPostgres {
    /// Starts (creating it first if needed) the cluster under `data_dir/postgres`.
    pub async fn start(data_dir: &Path) -> Result<Self, LocalPostgresError> {
        let bindir = find_bindir().ok_or(LocalPostgresError::NotInstalled)?;
        let data_dir = std::path::absolute(data_dir).map_err(failed)?;
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| failed(format!("cannot create {}: {e}", data_dir.display())))?;
        let mut local = LocalPostgres {
            bindir,
            cluster: data_dir.join("postgres"),
            as_postgres_user: is_root(),
            url: String::new(),
            port: 0,
            created: false,
            owned: AtomicBool::new(false),
        };
        let password = local_password(&data_dir.join("postgres.password"))?;

        if !local.cluster.join("PG_VERSION").exists() {
            local.init(&data_dir, &password).await?;
            local.created = true;
        }
        let port = match local.running_port().await {
            Some(port) => port,
            None => {
                local.owned.store(true, Ordering::Relaxed);
                local.launch(free_port()?).await?
            }
        };
        local.port = port;
        local.url = format!("postgres://{ROLE}:{password}@127.0.0.1:{port}/{DATABASE}");
        local.create_database(port, &password).await?;
        Ok(local)
    }

    /// Makes this process responsible for stopping a cluster it found running (left behind
    /// by a server that was killed, say).
    pub fn take_over(&self) {
        self.owned.store(true, Ordering::Relaxed);
    }

    /// Stops the cluster if this process owns it, letting it finish what it is doing (a
    /// fast shutdown).
    pub async fn stop(&self) {
        if !self.owned.load(Ordering::Relaxed) {
            return;
        }
        let result = self
            .command("pg_ctl")
            .arg("stop")
            .arg("-D")
            .arg(&self.cluster)
            .args(["-m", "fast", "-w", "-t", "60"])
            .output()
            .await;
        match result {
            Ok(out) if out.status.success() => tracing::info!("private PostgreSQL stopped"),
            Ok(out) => tracing::warn!(
                "private PostgreSQL did not stop cleanly: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => tracing::warn!("private PostgreSQL did not stop cleanly: {e}"),
        }
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
        command
            .kill_on_drop(false)
            .stdin(std::process::Stdio::null());
        command
    }

    async fn run(&self, mut command: Command, what: &str) -> Result<(), LocalPostgresError> {
        let out = command
            .output()
            .await
            .map_err(|e| failed(format!("{what}: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(failed(format!(
                "{what} failed: {}{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                self.permission_hint()
            )))
        }
    }

    fn permission_hint(&self) -> String {
        if self.as_postgres_user {
            format!(
                "\n(running as root, PostgreSQL runs as the `postgres` user, which must be able to reach {}; \
                 set CAISSE_DATA_DIR to a directory it can reach, or DATABASE_URL)",
                self.cluster.display()
            )
        } else {
            String::new()
        }
    }

    async fn init(&self, data_dir: &Path, password: &str) -> Result<(), LocalPostgresError> {
        tracing::info!(path = %self.cluster.display(), "creating the private PostgreSQL cluster");
        std::fs::create_dir_all(&self.cluster).map_err(failed)?;
        std::fs::set_permissions(&self.cluster, std::fs::Permissions::from_mode(0o700))
            .map_err(failed)?;
        let pwfile = data_dir.join("postgres.initdb-password");
        write_private(&pwfile, password)?;
        if self.as_postgres_user {
            for path in [&self.cluster, &pwfile] {
                let mut chown = Command::new("chown");
                chown.arg("postgres:postgres").arg(path);
                self.run(chown, "chown").await?;
            }
        }
        let mut initdb = self.command("initdb");
        initdb
            .arg("-D")
            .arg(&self.cluster)
            .args(["-U", ROLE, "-E", "UTF8", "--locale=C"])
            .args(["--auth-host=scram-sha-256", "--auth-local=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.display()));
        let result = self.run(initdb, "initdb").await;
        let _ = std::fs::remove_file(&pwfile);
        result?;
        // Loopback only, and no Unix socket: nothing to clash with the machine's own server.
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(self.cluster.join("postgresql.conf"))
            .map_err(failed)?;
        writeln!(
            conf,
            "\n# caisse: private server\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''"
        )
        .map_err(failed)?;
        Ok(())
    }

    /// The port of the cluster when it is already running (left behind by a server that
    /// was killed, say).
    async fn running_port(&self) -> Option<u16> {
        let status = self
            .command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.cluster)
            .output()
            .await
            .ok()?;
        if !status.status.success() {
            return None;
        }
        // postmaster.pid: pid, data directory, start time, port, …
        let pid_file = std::fs::read_to_string(self.cluster.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    /// Starts the cluster again, on the port it had: after [`LocalPostgres::stop`], the same
    /// `url` reaches it again (what a database restart looks like to the server).
    pub async fn restart(&self) -> Result<(), LocalPostgresError> {
        self.owned.store(true, Ordering::Relaxed);
        self.launch(self.port).await.map(|_| ())
    }

    async fn launch(&self, port: u16) -> Result<u16, LocalPostgresError> {
        let log = self.cluster.join("server.log");
        let mut start = self.command("pg_ctl");
        start
            .arg("start")
            .arg("-D")
            .arg(&self.cluster)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o"])
            .arg(format!("-p {port}"));
        if let Err(e) = self.run(start, "pg_ctl start").await {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(failed(format!("{e}\n{}", tail.join("\n"))));
        }
        tracing::info!(port, "private PostgreSQL started");
        Ok(port)
    }

    async fn create_database(&self, port: u16, password: &str) -> Result<(), LocalPostgresError> {
        use sqlx::Connection;
        let url = format!("postgres://{ROLE}:{password}@127.0.0.1:{port}/postgres");
        let mut conn = sqlx::PgConnection::connect(&url).await.map_err(failed)?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(DATABASE)
                .fetch_one(&mut conn)
                .await
                .map_err(failed)?;
        if !exists {
            sqlx::query("CREATE DATABASE caisse")
                .execute(&mut conn)
                .await
                .map_err(failed)?;
        }
        conn.close().await.map_err(failed)
    }
}

/// The password of the `caisse` role, made on first use and kept beside the cluster.
fn local_password(path: &Path) -> Result<String, LocalPostgresError> {
    if let Ok(password) = std::fs::read_to_string(path)
        && !password.trim().is_empty()
    {
        return Ok(password.trim().to_owned());
    }
    let password = crate::secret::generate_key();
    write_private(path, &password)?;
    Ok(password)
}

fn write_private(path: &Path, contents: &str) -> Result<(), LocalPostgresError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| failed(format!("cannot write {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes()).map_err(failed)
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn free_port() -> Result<u16, LocalPostgresError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(failed)?;
    Ok(listener.local_addr().map_err(failed)?.port())
}

/// Where the server binaries are: on `PATH`, where `pg_config` says, or the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian and Ubuntu keep them there, off `PATH`).
pub fn find_bindir() -> Option<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|d| complete(d))
    {
        return Some(dir);
    }
    if let Ok(out) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    {
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
