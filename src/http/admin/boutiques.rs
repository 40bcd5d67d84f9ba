//! Boutiques: `/api/admin/boutiques[/<id>]`, and `GET /api/v2/simple/boutiques/` (all of
//! them for an administrator, its own for a till).

use super::{Admin, Caller, conflict_on, not_found, path_id, touched};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::error::ApiError;
use crate::http::input::Input;
use crate::http::stock::invalid_field;
use crate::shop::{StockPolicy, timestamp};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BoutiqueView {
    pub id: i64,
    pub nom: String,
    pub code_boutique: String,
    pub type_commerce: String,
    pub ville: String,
    pub adresse: String,
    pub devise: String,
    pub alerte_stock_bas: i32,
    pub fuseau_horaire: String,
    pub politique_stock: String,
    pub est_active: bool,
    pub date_creation: String,
    /// Active tills and active articles.
    pub nb_terminaux: i64,
    pub nb_articles: i64,
}

/// All boutiques, or the one with `id`.
async fn boutiques(pool: &PgPool, id: Option<i64>) -> Result<Vec<BoutiqueView>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT b.id, b.nom, b.code_boutique, b.type_commerce, b.ville, b.adresse, b.devise,
                  b.alerte_stock_bas, b.fuseau_horaire, b.politique_stock, b.est_active,
                  b.date_creation,
                  (SELECT count(*) FROM terminaux t WHERE t.boutique_id = b.id AND t.est_actif)
                      AS "nb_terminaux!",
                  (SELECT count(*) FROM articles a WHERE a.boutique_id = b.id AND a.est_actif)
                      AS "nb_articles!"
           FROM boutiques b
           WHERE $1::int8 IS NULL OR b.id = $1
           ORDER BY b.id"#,
        id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|b| BoutiqueView {
        date_creation: timestamp(b.date_creation, crate::shop::time_zone(&b.fuseau_horaire)),
        id: b.id,
        nom: b.nom,
        code_boutique: b.code_boutique,
        type_commerce: b.type_commerce,
        ville: b.ville,
        adresse: b.adresse,
        devise: b.devise,
        alerte_stock_bas: b.alerte_stock_bas,
        fuseau_horaire: b.fuseau_horaire,
        politique_stock: b.politique_stock,
        est_active: b.est_active,
        nb_terminaux: b.nb_terminaux,
        nb_articles: b.nb_articles,
    })
    .collect())
}

async fn one(pool: &PgPool, id: i64) -> Result<BoutiqueView, ApiError> {
    boutiques(pool, Some(id))
        .await?
        .pop()
        .ok_or_else(|| not_found("Boutique introuvable"))
}

/// `GET /api/v2/simple/boutiques/`.
#[utoipa::path(
    get,
    path = "/api/v2/simple/boutiques/",
    operation_id = "boutiques_for_caller",
    tag = "Terminal",
    summary = "The shops the caller may see",
    description = "With an administration token, every shop; with a till's serial, its own.",
    responses(
        (status = 200, description = "The shops", body = crate::http::openapi::schemas::BoutiquesResponse),
        crate::http::openapi::refusals::BoutiquesForCaller,
    ),
    security(("X-Device-Serial" = []), ("admin_token" = []))
)]
pub async fn for_caller(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let list = match caller {
        Caller::Admin(_) => boutiques(&state.pool, None).await?,
        Caller::Terminal(terminal) => boutiques(&state.pool, Some(terminal.boutique.id)).await?,
    };
    Ok(Json(
        json!({"success": true, "count": list.len(), "boutiques": list}),
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques",
    operation_id = "admin_list_boutiques",
    tag = "Administration",
    summary = "Every shop",
    responses(
        (status = 200, description = "The shops", body = crate::http::openapi::schemas::BoutiquesResponse),
        crate::http::openapi::refusals::AdminList,
    ),
    security(("admin_token" = []))
)]
pub async fn list(State(state): State<AppState>, _: Admin) -> Result<Json<Value>, ApiError> {
    let list = boutiques(&state.pool, None).await?;
    Ok(Json(
        json!({"success": true, "count": list.len(), "boutiques": list}),
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}",
    operation_id = "admin_show_boutique",
    tag = "Administration",
    summary = "A shop",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The shop", body = crate::http::openapi::schemas::BoutiqueResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id, "Boutique introuvable")?;
    Ok(Json(
        json!({"success": true, "boutique": one(&state.pool, id).await?}),
    ))
}

const FIELDS: &[&str] = &[
    "nom",
    "code_boutique",
    "type_commerce",
    "ville",
    "adresse",
    "devise",
    "alerte_stock_bas",
    "fuseau_horaire",
    "politique_stock",
    "est_active",
];
const UNIQUE: &[(&str, &str)] = &[("boutiques_code_boutique_key", "code_boutique")];

/// The fields of a boutique that a request sets, checked.
struct BoutiqueFields {
    nom: Option<String>,
    code_boutique: Option<String>,
    type_commerce: Option<String>,
    ville: Option<String>,
    adresse: Option<String>,
    devise: Option<String>,
    alerte_stock_bas: Option<i32>,
    fuseau_horaire: Option<String>,
    politique_stock: Option<String>,
    est_active: Option<bool>,
}

fn fields(input: &Input) -> Result<BoutiqueFields, ApiError> {
    let fuseau_horaire = input.text("fuseau_horaire", 64)?;
    if let Some(zone) = &fuseau_horaire
        && zone.parse::<chrono_tz::Tz>().is_err()
    {
        return Err(invalid_field(
            "fuseau_horaire",
            "un fuseau horaire IANA est attendu (ex. Africa/Kinshasa)",
        ));
    }
    let devise = input.text("devise", 10)?;
    let politique_stock = input.text("politique_stock", 32)?;
    if let Some(policy) = &politique_stock
        && !StockPolicy::ALL.contains(&policy.as_str())
    {
        return Err(invalid_field(
            "politique_stock",
            "STRICT (refuser une vente sans stock) ou AUTORISER_NEGATIF (l'enregistrer et alerter)",
        ));
    }
    Ok(BoutiqueFields {
        nom: input.text("nom", 200)?,
        code_boutique: input.text("code_boutique", 50)?,
        type_commerce: input.free_text("type_commerce", 200)?,
        ville: input.free_text("ville", 200)?,
        adresse: input.free_text("adresse", 500)?,
        devise: devise.map(|d| d.to_uppercase()),
        alerte_stock_bas: input
            .int("alerte_stock_bas", 0, 1_000_000)?
            .map(|n| n as i32),
        fuseau_horaire,
        politique_stock,
        est_active: input.boolean("est_active")?,
    })
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques",
    operation_id = "admin_create_boutique",
    tag = "Administration",
    summary = "Create a shop",
    request_body = crate::http::openapi::schemas::BoutiqueCreate,
    responses(
        (status = 201, description = "Created", body = crate::http::openapi::schemas::BoutiqueResponse),
        crate::http::openapi::refusals::AdminCreateShop,
    ),
    security(("admin_token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    _: Admin,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = Input::new(body, FIELDS)?;
    input.required_text("nom", 200)?;
    input.required_text("code_boutique", 50)?;
    let f = fields(&input)?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO boutiques (nom, code_boutique, type_commerce, ville, adresse, devise,
                                  alerte_stock_bas, fuseau_horaire, est_active, politique_stock)
           VALUES ($1, $2, COALESCE($3, ''), COALESCE($4, ''), COALESCE($5, ''),
                   COALESCE($6, 'CDF'), COALESCE($7, 5), COALESCE($8, 'Africa/Kinshasa'),
                   COALESCE($9, TRUE), COALESCE($10, 'STRICT'))
           RETURNING id"#,
        f.nom,
        f.code_boutique,
        f.type_commerce,
        f.ville,
        f.adresse,
        f.devise,
        f.alerte_stock_bas,
        f.fuseau_horaire,
        f.est_active,
        f.politique_stock
    )
    .fetch_one(&state.pool)
    .await
    .map_err(|e| conflict_on(e, UNIQUE))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"success": true, "boutique": one(&state.pool, id).await?})),
    ))
}

#[utoipa::path(
    patch,
    path = "/api/admin/boutiques/{boutique_id}",
    operation_id = "admin_update_boutique",
    tag = "Administration",
    summary = "Change a shop",
    description = "Only the fields sent change.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = crate::http::openapi::schemas::BoutiqueUpdate,
    responses(
        (status = 200, description = "Changed", body = crate::http::openapi::schemas::BoutiqueResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id, "Boutique introuvable")?;
    let f = fields(&Input::new(body, FIELDS)?)?;
    let updated = sqlx::query!(
        r#"UPDATE boutiques SET
               nom = COALESCE($2, nom),
               code_boutique = COALESCE($3, code_boutique),
               type_commerce = COALESCE($4, type_commerce),
               ville = COALESCE($5, ville),
               adresse = COALESCE($6, adresse),
               devise = COALESCE($7, devise),
               alerte_stock_bas = COALESCE($8, alerte_stock_bas),
               fuseau_horaire = COALESCE($9, fuseau_horaire),
               est_active = COALESCE($10, est_active),
               politique_stock = COALESCE($11, politique_stock)
           WHERE id = $1"#,
        id,
        f.nom,
        f.code_boutique,
        f.type_commerce,
        f.ville,
        f.adresse,
        f.devise,
        f.alerte_stock_bas,
        f.fuseau_horaire,
        f.est_active,
        f.politique_stock
    )
    .execute(&state.pool)
    .await
    .map_err(|e| conflict_on(e, UNIQUE))?;
    touched(updated, "Boutique introuvable")?;
    Ok(Json(
        json!({"success": true, "boutique": one(&state.pool, id).await?}),
    ))
}

/// Deactivates the boutique: its tills are refused from their next request. Nothing is
/// deleted; it can be reactivated with `"est_active": true`.
#[utoipa::path(
    delete,
    path = "/api/admin/boutiques/{boutique_id}",
    operation_id = "admin_deactivate_boutique",
    tag = "Administration",
    summary = "Deactivate a shop",
    description = "Its tills are refused from their next request; nothing is deleted.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "Deactivated", body = crate::http::openapi::schemas::BoutiqueResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn deactivate(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id, "Boutique introuvable")?;
    let updated = sqlx::query!("UPDATE boutiques SET est_active = FALSE WHERE id = $1", id)
        .execute(&state.pool)
        .await?;
    touched(updated, "Boutique introuvable")?;
    Ok(Json(
        json!({"success": true, "boutique": one(&state.pool, id).await?}),
    ))
}
