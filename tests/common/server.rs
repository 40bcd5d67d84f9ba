//! The `caisse` binary run as a process of its own (to be killed, signalled, restarted),
//! and the operator's `caisse check` against a database.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// The `caisse` binary, serving, as a process of its own.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    pub async fn start(env: &[(&str, String)]) -> Server {
        Self::start_logging(env, None).await
    }

    /// The server, its warnings and errors written to `log` (appended) if given.
    pub async fn start_logging(env: &[(&str, String)], log: Option<&Path>) -> Server {
        let address = env
            .iter()
            .find(|(k, _)| *k == "CAISSE_ADDR")
            .map(|(_, v)| v.clone())
            .expect("CAISSE_ADDR");
        let mut command = Command::new(env!("CARGO_BIN_EXE_caisse"));
        command
            .arg("serve")
            .env_remove("DATABASE_URL")
            .env("CAISSE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(match log {
                Some(path) => std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map(Stdio::from)
                    .expect("the server's log file"),
                None => Stdio::null(),
            })
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("start the server");
        let server = Server { child, address };
        server.wait_ready().await;
        server
    }

    pub async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let ready = client
                .get(format!("http://{}/api/v2/simple/status/", self.address))
                .timeout(Duration::from_secs(1))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ready {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become ready");
    }

    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    pub async fn exit_status(&mut self, within: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(within, self.child.wait())
            .await
            .expect("the server did not exit in time")
            .expect("wait")
    }
}

pub fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// A directory the `postgres` system user can reach (when the tests run as root).
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("caisse-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The invariants, checked by the operator's own command against the database at `url`.
pub fn caisse_check(url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caisse"))
        .arg("check")
        .env("DATABASE_URL", url)
        .env("CAISSE_LOG", "error")
        .output()
        .expect("caisse check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}
