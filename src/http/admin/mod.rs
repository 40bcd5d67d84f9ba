//! The administration API under `/api/admin/`: shops, tills, catalogue, stock, sales and
//! the stock journal of any boutique, behind `Authorization: Bearer <admin token>`.

pub mod boutiques;
pub mod catalogue;
pub mod journal;
pub mod review;
pub mod terminals;

use super::AppState;
use super::error::ApiError;
use super::terminal::{Terminal, header_serial};
use crate::code::Code;
use crate::secret::hash_key;
use crate::shop::{Shop, StockPolicy, time_zone};
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::{get, post};
use sqlx::PgPool;

/// A request made with a valid administration token.
#[derive(Debug, Clone)]
pub struct Admin {
    pub id: i64,
    pub nom: String,
}

impl Admin {
    /// How an administrator's actions are signed in the stock journal.
    pub fn signature(&self) -> String {
        format!("admin:{}", self.nom)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    Code::Unauthorized,
                    "Authentification requise : Authorization: Bearer <jeton administrateur>",
                )
            })?;
        // The token is looked up by its hash: the database never sees the token itself.
        sqlx::query_as!(
            Admin,
            "SELECT id, nom FROM admin_tokens WHERE token_hash = $1 AND est_actif",
            hash_key(token)
        )
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(|| ApiError::unauthorized(Code::Unauthorized, "Jeton administrateur invalide"))
    }
}

/// Who is calling an endpoint open to both: a till (by its serial) or an administrator.
pub enum Caller {
    Admin(Admin),
    Terminal(Box<Terminal>),
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if header_serial(&parts.headers).is_some() {
            Ok(Caller::Terminal(Box::new(
                Terminal::from_request_parts(parts, state).await?,
            )))
        } else {
            Ok(Caller::Admin(
                Admin::from_request_parts(parts, state).await?,
            ))
        }
    }
}

/// Creates an administration token; the token is returned once and only its hash is kept.
pub async fn create_token(pool: &PgPool, nom: &str) -> Result<String, sqlx::Error> {
    let token = crate::secret::generate_key();
    sqlx::query!(
        "INSERT INTO admin_tokens (nom, token_hash) VALUES ($1, $2)",
        nom,
        hash_key(&token)
    )
    .execute(pool)
    .await?;
    Ok(token)
}

pub fn not_found(what: &'static str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound, what)
}

/// `Ok` if the statement touched a row, else `404` with `what`.
pub fn touched(result: sqlx::postgres::PgQueryResult, what: &'static str) -> Result<(), ApiError> {
    if result.rows_affected() == 0 {
        Err(not_found(what))
    } else {
        Ok(())
    }
}

/// An id from the path: anything but a positive whole number names nothing.
pub fn path_id(raw: &str, what: &'static str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| not_found(what))
}

/// The boutique `raw_id`, active or not.
pub async fn shop(pool: &PgPool, raw_id: &str) -> Result<Shop, ApiError> {
    const MISSING: &str = "Boutique introuvable";
    let id = path_id(raw_id, MISSING)?;
    let row = sqlx::query!(
        r#"SELECT id, nom, code_boutique, type_commerce, ville, devise, alerte_stock_bas,
                  fuseau_horaire, politique_stock
           FROM boutiques WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| not_found(MISSING))?;
    Ok(Shop {
        id: row.id,
        nom: row.nom,
        code: row.code_boutique,
        type_commerce: row.type_commerce,
        ville: row.ville,
        devise: row.devise,
        alerte_stock_bas: row.alerte_stock_bas,
        time_zone: time_zone(&row.fuseau_horaire),
        stock_policy: StockPolicy::parse(&row.politique_stock),
    })
}

/// A unique key the request would break, as a `409` naming the field; other errors as usual.
pub fn conflict_on(error: sqlx::Error, constraints: &[(&str, &str)]) -> ApiError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
        && let Some((_, field)) = constraints
            .iter()
            .find(|(name, _)| db.constraint() == Some(*name))
    {
        return ApiError::new(
            StatusCode::CONFLICT,
            Code::AlreadyExists,
            format!("Champ '{field}' : cette valeur est déjà utilisée"),
        )
        .with("champ", *field);
    }
    error.into()
}

/// The administration API's routes, under `/api/admin`, each also with a trailing slash.
/// The router is built from this list, and a test checks that the OpenAPI document
/// describes every route in it.
pub fn routes() -> Vec<(&'static str, axum::routing::MethodRouter<AppState>)> {
    vec![
        ("/boutiques", get(boutiques::list).post(boutiques::create)),
        (
            "/boutiques/{boutique_id}",
            get(boutiques::show)
                .patch(boutiques::update)
                .delete(boutiques::deactivate),
        ),
        (
            "/boutiques/{boutique_id}/terminaux",
            get(terminals::list).post(terminals::create),
        ),
        (
            "/boutiques/{boutique_id}/terminaux/{terminal_id}",
            get(terminals::show)
                .patch(terminals::update)
                .delete(terminals::deactivate),
        ),
        (
            "/boutiques/{boutique_id}/terminaux/{terminal_id}/cle",
            post(terminals::rotate_key),
        ),
        (
            "/boutiques/{boutique_id}/categories",
            get(catalogue::list_categories).post(catalogue::create_category),
        ),
        (
            "/boutiques/{boutique_id}/categories/{categorie_id}",
            axum::routing::patch(catalogue::update_category).delete(catalogue::delete_category),
        ),
        (
            "/boutiques/{boutique_id}/articles",
            get(catalogue::list_articles).post(catalogue::create_article),
        ),
        (
            "/boutiques/{boutique_id}/articles/{article_id}",
            get(catalogue::show_article)
                .patch(catalogue::update_article)
                .delete(catalogue::deactivate_article),
        ),
        ("/boutiques/{boutique_id}/entrees", post(journal::receive)),
        (
            "/boutiques/{boutique_id}/ajustements",
            post(journal::adjust),
        ),
        ("/boutiques/{boutique_id}/ventes", get(journal::sales)),
        (
            "/boutiques/{boutique_id}/ventes/{vente_id}/annuler",
            post(crate::http::give_back::admin_cancel),
        ),
        (
            "/boutiques/{boutique_id}/ventes/{vente_id}/retour",
            post(crate::http::give_back::admin_return),
        ),
        (
            "/boutiques/{boutique_id}/mouvements-stock",
            get(journal::movements),
        ),
        ("/ventes-rejetees", get(review::list_rejections)),
        (
            "/boutiques/{boutique_id}/ventes-rejetees/{id}/resoudre",
            post(review::resolve_rejection),
        ),
        ("/alertes-stock", get(review::list_stock_alerts)),
        (
            "/boutiques/{boutique_id}/alertes-stock/{id}/fermer",
            post(review::close_stock_alert),
        ),
    ]
}

pub fn router() -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            super::both(router, path, route)
        })
}
