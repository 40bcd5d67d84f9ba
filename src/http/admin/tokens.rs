//! Administration tokens: `/api/admin/jetons[/<id>]`, listed (never the token itself) and
//! revoked. A token of one merchant sees and revokes that merchant's tokens only. Tokens are
//! created from the command line (`caisse create-admin-token`), which prints them once.

use super::Admin;
use crate::accounts::{self, ListedAdminToken};
use crate::http::AppState;
use crate::http::error::{ApiError, missing};
use crate::http::openapi::schemas::{nullable_timestamp, required_timestamp};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

const TOKEN_MISSING: &str = "Jeton d'administration introuvable";

/// An administration token, without the token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    id: i64,
    #[schema(example = "ops")]
    nom: String,
    /// The one merchant whose shops it reaches; `null`: every merchant's.
    commercant_id: Option<i64>,
    commercant_nom: Option<String>,
    #[schema(schema_with = required_timestamp)]
    date_creation: String,
    /// When it stops working by itself; `null`: never.
    #[schema(schema_with = nullable_timestamp)]
    date_expiration: Option<String>,
    #[schema(schema_with = nullable_timestamp)]
    date_revocation: Option<String>,
    /// Neither revoked nor expired.
    valide: bool,
}

fn utc(at: DateTime<Utc>) -> String {
    crate::boutiques::timestamp(at, chrono_tz::UTC)
}

impl From<ListedAdminToken> for TokenView {
    fn from(t: ListedAdminToken) -> Self {
        TokenView {
            id: t.id,
            nom: t.nom,
            commercant_id: t.commercant_id,
            commercant_nom: t.commercant_nom,
            date_creation: utc(t.date_creation),
            date_expiration: t.date_expiration.map(utc),
            date_revocation: t.date_revocation.map(utc),
            valide: t.valide,
        }
    }
}

/// The tokens the caller may see, newest first.
#[derive(Serialize, ToSchema)]
pub struct TokensResponse {
    #[schema(example = true)]
    success: bool,
    count: usize,
    jetons: Vec<TokenView>,
}

/// A token as it is now.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    #[schema(example = true)]
    success: bool,
    jeton: TokenView,
}

#[utoipa::path(
    get,
    path = "/api/admin/jetons",
    operation_id = "admin_list_tokens",
    tag = "Administration",
    summary = "The administration tokens",
    description = "Never the tokens themselves. A merchant's token sees that merchant's tokens.",
    responses(
        (status = 200, description = "The tokens", body = TokensResponse),
        crate::http::openapi::refusals::AdminList,
    ),
    security(("admin_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
) -> Result<Json<TokensResponse>, ApiError> {
    let jetons: Vec<TokenView> = accounts::list_admin_tokens(&state.pool, admin.commercant_id)
        .await?
        .into_iter()
        .map(TokenView::from)
        .collect();
    Ok(Json(TokensResponse {
        success: true,
        count: jetons.len(),
        jetons,
    }))
}

#[utoipa::path(
    delete,
    path = "/api/admin/jetons/{jeton_id}",
    operation_id = "admin_revoke_token",
    tag = "Administration",
    summary = "Revoke an administration token",
    description = "It stops working at once (the caller's own too). A merchant's token revokes \
        that merchant's tokens only.",
    params(("jeton_id" = i64, Path, description = "The token's id, as listed")),
    responses(
        (status = 200, description = "Revoked", body = TokenResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<TokenResponse>, ApiError> {
    let id = super::path_id(&id, TOKEN_MISSING)?;
    if !accounts::revoke_admin_token(&state.pool, id, admin.commercant_id).await? {
        return Err(missing(TOKEN_MISSING));
    }
    let jeton = accounts::list_admin_tokens(&state.pool, admin.commercant_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .map(TokenView::from)
        .ok_or_else(|| missing(TOKEN_MISSING))?;
    Ok(Json(TokenResponse {
        success: true,
        jeton,
    }))
}
