//! Following the primary among several PostgreSQL servers (the nodes of a pg_auto_failover
//! formation, say), without a restart when it moves.
//!
//! The pool opens its connections on one server at a time: the one found taking writes.
//! - Every new connection is asked whether its session is read-write before the pool hands
//!   it out, and closed if not (a server that became a standby must never get a sale).
//! - A watcher keeps a connection of its own to the server followed, and asks it every second
//!   whether it still takes writes. When it does not, or cannot be reached, the watcher asks
//!   every server at once and points the pool at the first of the list that takes writes;
//!   the connections the pool opened before are closed instead of being handed out.
//! - While no server takes writes, the pool keeps trying the last one: requests get their
//!   `503 DATABASE_UNAVAILABLE` after the acquire timeout, exactly as when a single database
//!   is down, and the tills retry.
//!
//! None of this exists for a single server: its pool is built as it always was, and nothing
//! is added to the path of a request.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How often the watcher asks the server followed whether it still takes writes.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// How often it looks for one while none takes writes.
const SEARCH_EVERY: Duration = Duration::from_millis(250);
/// Longest a server may take to accept a connection, or to answer the question.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The servers, and which of them the pool opens its connections on.
struct Follower {
    servers: Vec<PgConnectOptions>,
    current: AtomicUsize,
    /// When the pool was last pointed at another server, in nanoseconds since `epoch`: a
    /// connection older than that was opened on the server left behind.
    switched_at: AtomicU64,
    epoch: Instant,
    /// Rouses the watcher (a new connection found its server read-only).
    wake: Notify,
}

impl Follower {
    fn describe(&self, index: usize) -> String {
        describe(&self.servers[index])
    }

    /// Whether a connection `age` old was opened before the pool last changed servers.
    fn opened_before_switch(&self, age: Duration) -> bool {
        let opened = Instant::now().checked_sub(age).unwrap_or(self.epoch);
        let switched = self.epoch + Duration::from_nanos(self.switched_at.load(Ordering::Acquire));
        opened < switched
    }

    /// Points the pool's new connections at server `index`.
    fn follow(&self, index: usize, pool: &PgPool) {
        let previous = self.current.swap(index, Ordering::AcqRel);
        if previous == index {
            return;
        }
        pool.set_connect_options(self.servers[index].clone());
        let now = self.epoch.elapsed().as_nanos() as u64;
        self.switched_at.store(now, Ordering::Release);
        tracing::warn!(
            from = %self.describe(previous),
            to = %self.describe(index),
            "the primary moved: new connections go to the new one, the old ones are closed"
        );
    }
}

fn describe(server: &PgConnectOptions) -> String {
    format!("{}:{}", server.get_host(), server.get_port())
}

/// Whether the connection's session takes writes (not a standby, not read-only by default):
/// what libpq's `target_session_attrs=read-write` asks of a server.
async fn takes_writes(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    let read_only: String = sqlx::query_scalar("SHOW transaction_read_only")
        .fetch_one(conn)
        .await?;
    Ok(read_only == "off")
}

/// What became of asking one server.
enum Probe {
    TakesWrites(PgConnection),
    ReadOnly,
    Failed(String),
}

async fn probe(server: PgConnectOptions) -> Probe {
    let work = async {
        let mut conn = PgConnection::connect_with(&server).await?;
        if takes_writes(&mut conn).await? {
            Ok::<_, sqlx::Error>(Probe::TakesWrites(conn))
        } else {
            let _ = conn.close().await;
            Ok(Probe::ReadOnly)
        }
    };
    match tokio::time::timeout(PROBE_TIMEOUT, work).await {
        Ok(Ok(probe)) => probe,
        Ok(Err(e)) => Probe::Failed(e.to_string()),
        Err(_) => Probe::Failed(format!("no answer within {PROBE_TIMEOUT:?}")),
    }
}

/// Asks every server at once; the first of the list that takes writes, with a connection to
/// it, or what each one said.
async fn find_primary(servers: &[PgConnectOptions]) -> Result<(usize, PgConnection), String> {
    let mut probes = tokio::task::JoinSet::new();
    for (index, server) in servers.iter().enumerate() {
        let server = watcher_session(server.clone());
        probes.spawn(async move { (index, probe(server).await) });
    }
    let mut answers: Vec<(usize, Probe)> = Vec::with_capacity(servers.len());
    while let Some(answer) = probes.join_next().await {
        if let Ok(answer) = answer {
            answers.push(answer);
        }
    }
    answers.sort_by_key(|(index, _)| *index);
    let writable = answers
        .iter()
        .filter(|(_, p)| matches!(p, Probe::TakesWrites(_)))
        .count();
    if writable > 1 {
        tracing::warn!(
            "{writable} servers of DATABASE_URL take writes at once; following the first listed"
        );
    }
    let mut report = Vec::new();
    let mut found = None;
    for (index, answer) in answers {
        match answer {
            Probe::TakesWrites(conn) if found.is_none() => found = Some((index, conn)),
            Probe::TakesWrites(conn) => {
                let _ = conn.close().await;
            }
            Probe::ReadOnly => report.push(format!("{}: read-only", describe(&servers[index]))),
            Probe::Failed(e) => report.push(format!("{}: {e}", describe(&servers[index]))),
        }
    }
    found.ok_or_else(|| report.join("; "))
}

/// The watcher's own sessions are told apart from the pool's in `pg_stat_activity`.
fn watcher_session(server: PgConnectOptions) -> PgConnectOptions {
    server.application_name("caisse-watcher")
}

/// The pool over `servers` (each with the session settings of the pool's connections),
/// opened on the first that takes writes, and the watcher that keeps it there.
pub async fn connect(
    servers: Vec<PgConnectOptions>,
    pool: PgPoolOptions,
) -> Result<PgPool, sqlx::Error> {
    // As long as a single server's pool would wait for its server at start-up.
    let deadline = Instant::now() + pool.get_acquire_timeout();
    let (index, watch) = loop {
        match find_primary(&servers).await {
            Ok(found) => break found,
            Err(report) if Instant::now() >= deadline => {
                return Err(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::NotConnected,
                    format!("no server of DATABASE_URL takes writes ({report})"),
                )));
            }
            Err(_) => tokio::time::sleep(SEARCH_EVERY).await,
        }
    };
    let follower = Arc::new(Follower {
        current: AtomicUsize::new(index),
        switched_at: AtomicU64::new(0),
        epoch: Instant::now(),
        wake: Notify::new(),
        servers,
    });
    tracing::info!(primary = %follower.describe(index), "following the primary");
    let on_connect = Arc::clone(&follower);
    let on_acquire = Arc::clone(&follower);
    let pool = pool
        .after_connect(move |conn, _| {
            let follower = Arc::clone(&on_connect);
            Box::pin(async move {
                if takes_writes(conn).await? {
                    return Ok(());
                }
                follower.wake.notify_one();
                Err(sqlx::Error::Protocol(
                    "the server takes no writes (a standby now?): looking for the primary".into(),
                ))
            })
        })
        .before_acquire(move |_, meta| {
            let fresh = !on_acquire.opened_before_switch(meta.age);
            Box::pin(async move { Ok(fresh) })
        })
        .connect_with(follower.servers[index].clone())
        .await?;
    tokio::spawn(watch_primary(follower, pool.clone(), watch));
    Ok(pool)
}

/// Keeps the pool on the server that takes writes, until the pool is closed.
async fn watch_primary(follower: Arc<Follower>, pool: PgPool, conn: PgConnection) {
    let mut conn = Some(conn);
    let mut lost: Option<Instant> = None;
    let closed = pool.close_event();
    tokio::pin!(closed);
    loop {
        let pause = if lost.is_some() {
            SEARCH_EVERY
        } else {
            CHECK_EVERY
        };
        tokio::select! {
            () = &mut closed => return,
            () = tokio::time::sleep(pause) => {}
            () = follower.wake.notified() => {}
        }
        if let Some(current) = conn.as_mut() {
            let answer = tokio::time::timeout(PROBE_TIMEOUT, takes_writes(current)).await;
            if matches!(answer, Ok(Ok(true))) {
                continue;
            }
        }
        conn = None;
        match find_primary(&follower.servers).await {
            Ok((index, found)) => {
                conn = Some(found);
                follower.follow(index, &pool);
                if let Some(since) = lost.take() {
                    tracing::warn!(
                        primary = %follower.describe(index),
                        after = ?since.elapsed(),
                        "a server takes writes again"
                    );
                }
            }
            Err(report) => {
                if lost.is_none() {
                    tracing::warn!(
                        %report,
                        "no server of DATABASE_URL takes writes: requests get 503 until one does"
                    );
                    lost = Some(Instant::now());
                }
            }
        }
    }
}
