//! Building and running the HTTP server, the same way in production and in tests.
//!
//! The accept loop is ours rather than `axum::serve` so that a slow or hostile client
//! cannot hold resources the tills need: headers must arrive within a time limit, the
//! number of connections served at once is capped (more wait in the listen backlog), and
//! on shutdown the requests in flight get a bounded time to finish.
//!
//! Connections may be upgraded to WebSockets (the live push): an upgraded connection leaves
//! the count of connections served, its socket is the hub's to close on shutdown.

use super::AppState;
use crate::config::Config;
use crate::events::hub::{self, Hub};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

pub struct Application {
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    max_connections: usize,
    shutdown_grace: Duration,
    hub: Hub,
}

impl Application {
    /// Binds the listening socket (port 0 picks a free one) and builds the router.
    pub async fn bind(config: &Config, pool: PgPool) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.addr).await?;
        crate::db::idempotency_keys::spawn_purge(pool.clone());
        let hub = Hub::start(
            &pool,
            hub::Settings {
                queue: config.ws_queue,
                per_owner: super::live::SOCKETS_PER_CALLER,
            },
        )
        .await;
        let router = super::router(AppState::new(pool, config, hub.clone()));
        Ok(Application {
            listener,
            router,
            header_timeout: config.header_timeout,
            max_connections: config.max_connections,
            shutdown_grace: config.shutdown_grace,
            hub,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes; then stops accepting, lets the requests in flight
    /// finish (for the shutdown grace at most) and returns.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let slots = Arc::new(Semaphore::new(self.max_connections));
        // Tells every connection to finish its request in flight and close.
        let (closing, closed) = tokio::sync::watch::channel(false);
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout)
            .keep_alive(true);
        tokio::pin!(shutdown);
        loop {
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors, say: wait a moment rather than spin.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let router = self.router.clone();
            let service = TowerToHyperService::new(router.map_request(
                move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                },
            ));
            let connection = http
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut closed = closed.clone();
            tokio::spawn(async move {
                tokio::pin!(connection);
                let served = tokio::select! {
                    served = connection.as_mut() => served,
                    () = async { drop(closed.wait_for(|closed| *closed).await) } => {
                        connection.as_mut().graceful_shutdown();
                        connection.await
                    }
                };
                if let Err(error) = served {
                    tracing::debug!(%error, %peer, "connection closed with an error");
                }
                drop(slot);
            });
        }
        drop(self.listener);
        tracing::info!("no longer accepting connections; finishing requests in flight");
        closing.send_replace(true);
        self.hub.stop();
        // Every connection gives its slot back when it ends.
        let all = u32::try_from(self.max_connections).unwrap_or(u32::MAX);
        if tokio::time::timeout(self.shutdown_grace, slots.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!(
                grace = ?self.shutdown_grace,
                "requests still in flight after the shutdown grace; stopping anyway"
            );
        }
        Ok(())
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
