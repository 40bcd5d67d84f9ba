//! Live push sockets (API-D1.md §6), the part both doors share: `/ws/boutique/<id>/` and
//! `/ws/notifications/<id>/` on the HTTP port, and what a socket does once open.
//!
//! Who may open which socket is each door's business, decided before the upgrade with the
//! door's own refusals: the tills' door ([`super::terminal::live`]) and the back-office's
//! ([`super::backoffice::live`]). Both serve `/ws/notifications/<id>/`: a request carrying
//! a back-office session cookie goes to the back-office, every other to the tills' gate.
//!
//! Once open, a socket ([`serve`]): sends `connection_established`; then each frame the hub
//! queues for it ([`crate::events::hub`]); answers `{"type": "ping"}` with `pong` and acts on
//! nothing else the client sends; closes when the client has been silent for the idle
//! timeout (`CAISSE_WS_IDLE_TIMEOUT`, 90 s: tills ping every 30 s), when a frame from the
//! client is larger than [`MAX_FRAME`] (close code 1009; past four times that, the connection
//! is dropped without reading the rest), when a frame to the client cannot be
//! written within the idle timeout either, when its owner opened too many others (1008),
//! and when the server stops (1001).

use super::AppState;
use crate::events::hub::{Closing, Delivery, Hub, Subscription};
use crate::events::{Channel, Event, Message};
use axum::Router;
use axum::extract::ws::{CloseFrame, Message as Frame, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use std::time::Duration;
use tokio::time::Instant;
use tower::ServiceExt;
use tracing::Instrument;

/// The sockets' paths, each also with a trailing slash.
pub const BOUTIQUE_PATH: &str = "/ws/boutique/{boutique_id}";
pub const NOTIFICATIONS_PATH: &str = "/ws/notifications/{boutique_id}";
pub const PATHS: [&str; 2] = [BOUTIQUE_PATH, NOTIFICATIONS_PATH];

/// The largest frame a client may send (a ping is 16 bytes); a larger one closes the socket.
pub const MAX_FRAME: usize = 4 * 1024;
/// Past this, the WebSocket layer itself drops the connection without reading further.
const HARD_LIMIT: usize = 4 * MAX_FRAME;
/// Sockets a till (or a back-office user) holds at once; one more closes its oldest.
pub const SOCKETS_PER_CALLER: usize = 4;

/// The live push as the HTTP layer holds it.
#[derive(Clone)]
pub struct Live {
    pub hub: Hub,
    /// A socket whose client sends nothing for this long is closed.
    pub idle_timeout: Duration,
}

/// Whether a request to a path several doors serve is a door's own.
pub type Claims = fn(&HeaderMap) -> bool;

/// A door's sockets: its routes, and which requests to a path it shares with another door
/// are its own.
pub struct Sockets {
    pub routes: Vec<(&'static str, MethodRouter<AppState>)>,
    pub claims: Claims,
}

/// The sockets' routes. On a path several doors serve, the first door that claims a request
/// answers it, and the last door any request no other claims.
pub fn router(doors: Vec<Sockets>) -> Router<AppState> {
    PATHS.iter().fold(Router::new(), |router, path| {
        let serving: Vec<(Claims, MethodRouter<AppState>)> = doors
            .iter()
            .flat_map(|door| {
                door.routes
                    .iter()
                    .filter(|(p, _)| p == path)
                    .map(|(_, route)| (door.claims, route.clone()))
            })
            .collect();
        let route = match serving.len() {
            0 => return router,
            1 => serving[0].1.clone(),
            _ => get(move |State(state): State<AppState>, request: Request| {
                let (_, route) = serving
                    .iter()
                    .find(|(claims, _)| claims(request.headers()))
                    .unwrap_or_else(|| serving.last().expect("two doors or more"));
                let route = route.clone().with_state(state);
                async move { route.oneshot(request).await.into_response() }
            }),
        };
        super::both(router, path, route)
    })
}

/// Answers the upgrade and serves the socket in a task of its own, within `span` (which
/// names the caller for the logs: a till's serial, never its key).
pub fn open(
    upgrade: WebSocketUpgrade,
    live: &Live,
    subscription: Subscription,
    channel: Channel,
    boutique_in_url: String,
    span: tracing::Span,
) -> Response {
    let idle = live.idle_timeout;
    let hello = Event::ConnectionEstablished {
        message: match channel {
            Channel::Boutique => {
                format!("Connecté aux mises à jour de la boutique {boutique_in_url}")
            }
            Channel::Notifications => {
                format!("Connecté aux notifications de la boutique {boutique_in_url}")
            }
        },
        boutique_id: boutique_in_url,
    };
    upgrade
        .max_message_size(HARD_LIMIT)
        .max_frame_size(HARD_LIMIT)
        .on_upgrade(move |socket| serve(socket, subscription, hello, idle).instrument(span))
}

/// Why a socket ended.
#[derive(Debug)]
enum End {
    ClientClosed,
    Idle,
    FrameTooLarge,
    Replaced,
    ShuttingDown,
    WriteFailed,
    ReadFailed,
}

async fn serve(mut socket: WebSocket, subscription: Subscription, hello: Event, idle: Duration) {
    tracing::debug!("live socket opened");
    let end = pump(&mut socket, &subscription, hello, idle).await;
    tracing::debug!(?end, "live socket closed");
}

async fn pump(
    socket: &mut WebSocket,
    subscription: &Subscription,
    hello: Event,
    idle: Duration,
) -> End {
    let zone = subscription.zone();
    let frame = |event: Event| Frame::text(Message::now(event).render(zone));
    if !write(socket, frame(hello), idle).await {
        return End::WriteFailed;
    }
    let silence = tokio::time::sleep(idle);
    tokio::pin!(silence);
    loop {
        tokio::select! {
            delivery = subscription.next() => match delivery {
                Delivery::Frame(text) => {
                    if !write(socket, Frame::text(text.as_ref()), idle).await {
                        return End::WriteFailed;
                    }
                }
                Delivery::Closed(Closing::Replaced) => {
                    close(socket, 1008, "Trop de connexions ouvertes : la plus ancienne est fermée", idle).await;
                    return End::Replaced;
                }
                Delivery::Closed(Closing::ShuttingDown) => {
                    close(socket, 1001, "Arrêt du serveur", idle).await;
                    return End::ShuttingDown;
                }
            },
            incoming = socket.recv() => match incoming {
                None | Some(Ok(Frame::Close(_))) => return End::ClientClosed,
                Some(Err(error)) => {
                    tracing::debug!(%error, "live socket unreadable");
                    return End::ReadFailed;
                }
                Some(Ok(received)) => {
                    silence.as_mut().reset(Instant::now() + idle);
                    let size = match &received {
                        Frame::Text(text) => text.len(),
                        Frame::Binary(data) => data.len(),
                        _ => 0,
                    };
                    if size > MAX_FRAME {
                        close(socket, 1009, "Message trop volumineux", idle).await;
                        return End::FrameTooLarge;
                    }
                    if let Frame::Text(text) = &received
                        && is_ping(text.as_str())
                        && !write(socket, frame(Event::Pong), idle).await
                    {
                        return End::WriteFailed;
                    }
                }
            },
            () = &mut silence => {
                close(socket, 1000, "Inactivité", idle).await;
                return End::Idle;
            }
        }
    }
}

/// `{"type": "ping"}`, the one thing a client may ask.
fn is_ping(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Asked {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    serde_json::from_str::<Asked>(text).is_ok_and(|asked| asked.kind.as_deref() == Some("ping"))
}

/// Writes `frame`, giving up after `limit`: a client that reads nothing is not waited on.
async fn write(socket: &mut WebSocket, frame: Frame, limit: Duration) -> bool {
    matches!(
        tokio::time::timeout(limit, socket.send(frame)).await,
        Ok(Ok(()))
    )
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str, limit: Duration) {
    let frame = Frame::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }));
    write(socket, frame, limit).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_ping_is_a_ping() {
        assert!(is_ping(r#"{"type": "ping"}"#));
        assert!(is_ping(r#"{"type":"ping","extra":1}"#));
        for other in [
            r#"{"type": "pong"}"#,
            r#"{"type": "subscribe", "boutique_id": 2}"#,
            r#"{"type": 1}"#,
            "ping",
            "{}",
            "",
        ] {
            assert!(!is_ping(other), "{other}");
        }
    }
}
