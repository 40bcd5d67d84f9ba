//! A till's live push sockets: `/ws/boutique/<id>/` and `/ws/notifications/<id>/`
//! (API-D1.md §6). The till passes the [`gate`](super::gate) as for every other call (its
//! serial, its key when it has one or keys are required), and **subscribes only to its own
//! shop, on both paths**: another shop's id is `403 BOUTIQUE_MISMATCH`, before any upgrade.
//! What an open socket does is [`crate::http::live`]'s.

use super::gate::{Terminal, boutique_mismatch};
use crate::code::Code;
use crate::events::Channel;
use crate::events::hub::Owner;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::live::{self, BOUTIQUE_PATH, NOTIFICATIONS_PATH, Sockets};
use crate::http::openapi::refusals::{Gate, responses};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::BTreeMap;
use utoipa::openapi::{RefOr, Response as Documented};

/// The tills' sockets; on the path they share with the back-office, every request the
/// back-office does not claim.
pub fn sockets() -> Sockets {
    Sockets {
        routes: vec![
            (BOUTIQUE_PATH, get(boutique)),
            (NOTIFICATIONS_PATH, get(notifications)),
        ],
        claims: |_| true,
    }
}

#[utoipa::path(
    get,
    path = "/ws/boutique/{boutique_id}/",
    operation_id = "live_boutique",
    tag = "Live push",
    summary = "A till's socket for its shop's catalogue and stock (WebSocket)",
    description = "Upgraded to a WebSocket once the till passes the gate and names its own \
                   shop. JSON text frames, each with `type` and `timestamp` (the shop's \
                   offset): `connection_established` (`boutique_id` as a string, `message`), \
                   `pong` (the answer to `{\"type\": \"ping\"}`), `article_created`, \
                   `article_updated`, `article_deleted`, `stock_updated`, `price_updated`, \
                   `category_updated`, `sync_required` (`reason`: reload the catalogue and \
                   stock). A socket silent for 90 s is closed; frames over 4 KiB close it.",
    params(("boutique_id" = i64, Path, description = "The till's own shop", example = 1)),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        Refusals,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn boutique(
    State(state): State<AppState>,
    terminal: Terminal,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    open(state, terminal, path, upgrade, Channel::Boutique)
}

#[utoipa::path(
    get,
    path = "/ws/notifications/{boutique_id}/",
    operation_id = "live_notifications",
    tag = "Live push",
    summary = "A socket for its shop's alerts and figures (WebSocket)",
    description = "For a till of the shop, as `/ws/boutique/{boutique_id}/`; also for a \
                   back-office session (its cookie) of a user who may see the boutique, \
                   others being answered as the back-office's pages answer them. JSON text \
                   frames, each with `type` and `timestamp`: `connection_established`, `pong`, \
                   `stock_alert`, `vente_rejected`, `dashboard_stats_updated`, \
                   `sync_required`.",
    params(("boutique_id" = i64, Path, description = "The till's own shop", example = 1)),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        Refusals,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn notifications(
    State(state): State<AppState>,
    terminal: Terminal,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    open(state, terminal, path, upgrade, Channel::Notifications)
}

/// The gate has passed: the path must name the till's shop, and the request be an upgrade.
fn open(
    state: AppState,
    terminal: Terminal,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    channel: Channel,
) -> Response {
    let shop = &terminal.boutique;
    let Ok(Path(asked)) = path else {
        return boutique_mismatch().into_response();
    };
    if asked.parse::<i64>().ok() != Some(shop.id) {
        return boutique_mismatch().into_response();
    }
    let Ok(upgrade) = upgrade else {
        let mut refused = ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            Code::UpgradeRequired,
            "Cette adresse attend une connexion WebSocket",
        )
        .into_response();
        refused
            .headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        return refused;
    };
    let subscription = state.live.hub.subscribe(
        shop.id,
        channel,
        Owner::Terminal(terminal.id),
        shop.time_zone,
    );
    let span = tracing::debug_span!(
        "live",
        serial = %terminal.numero_serie,
        boutique_id = shop.id,
        channel = ?channel,
    );
    live::open(upgrade, &state.live, subscription, channel, asked, span)
}

/// The refusals of a till's socket: the gate's, and a request that is no upgrade.
pub struct Refusals;

impl utoipa::IntoResponses for Refusals {
    fn responses() -> BTreeMap<String, RefOr<Documented>> {
        responses(Gate::Terminal, false, &[(426, &[Code::UpgradeRequired])])
    }
}
