//! `POST ventes/notifier-rejet`: a 2026 till gives up a sale the server refused (or one it
//! could never send). The refusal stays open for the manager, marked as given up by the
//! till with its reason; when the server has no refusal of that number, the abandonment is
//! kept as one, so that nothing a till dropped goes unseen. No stock moves, no sale is made,
//! nobody is notified; the answer shows the till the stock now of the articles it names.

use super::gate::Terminal;
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::review::{self, Abandon};
use crate::sales::parse::simple_field as get;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Articles one notice may name.
const MAX_ARTICLES: usize = 500;

/// The body, for the OpenAPI document only (read by hand: snake_case or PascalCase keys).
#[derive(utoipa::ToSchema)]
pub struct AbandonRequest {
    /// The invoice number of the sale given up.
    #[schema(example = "FAC-20261125-001")]
    pub reference: String,
    /// Default "Rejet inconnu".
    #[schema(example = "INSUFFICIENT_STOCK")]
    pub motif_rejet: Option<String>,
    /// What the sale tried to sell (at most 500).
    pub articles: Option<Vec<AbandonedArticle>>,
}

#[derive(utoipa::ToSchema)]
pub struct AbandonedArticle {
    pub article_id: i64,
    pub quantite: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AbandonResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = "Rejet enregistré : la vente reste à examiner par le gérant")]
    message: &'static str,
    reference: String,
    motif_rejet: String,
    /// One per article of the shop the notice names (others are skipped).
    traces: Vec<Trace>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Trace {
    article_id: i64,
    nom: String,
    quantite_tentee: i64,
    stock_actuel: i32,
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/notifier-rejet/",
    operation_id = "abandon_refused_sale",
    tag = "Terminal",
    summary = "The till gives up a refused sale",
    description = "The refusal stays open for the manager, marked as given up; no stock moves. \
        Sent again, it marks the same refusal.",
    request_body = AbandonRequest,
    responses(
        (status = 200, description = "Recorded", body = AbandonResponse),
        crate::http::openapi::refusals::Abandon,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn abandon(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(body): Body<Map<String, Value>>,
) -> Result<Json<AbandonResponse>, ApiError> {
    let reference = match get(&body, "reference") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ApiError::bad_request(
                Code::MissingReference,
                "Champ 'reference' obligatoire : le numéro de facture de la vente abandonnée",
            )
            .with("champ", "reference"));
        }
    };
    if reference.chars().count() > 100 {
        return Err(ApiError::invalid_field(
            "reference",
            "un numéro de 100 caractères au plus est attendu",
        ));
    }
    let motif = match get(&body, "motifrejet") {
        None => "Rejet inconnu".to_owned(),
        Some(Value::String(s)) if s.trim().chars().count() <= 500 => Some(s.trim())
            .filter(|s| !s.is_empty())
            .unwrap_or("Rejet inconnu")
            .to_owned(),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "motif_rejet",
                "un texte de 500 caractères au plus est attendu",
            ));
        }
    };
    let listed = match get(&body, "articles") {
        None => Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_ARTICLES => items
            .iter()
            .map(|item| {
                let item = item.as_object()?;
                let id = get(item, "articleid")?.as_i64()?;
                let quantite = get(item, "quantite").and_then(Value::as_i64).unwrap_or(0);
                Some((id, quantite))
            })
            .collect::<Option<Vec<(i64, i64)>>>()
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "articles",
                    "une liste de {article_id, quantite} est attendue",
                )
            })?,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "articles",
                "une liste de 500 {article_id, quantite} au plus est attendue",
            ));
        }
    };
    // Kept as read, bounded: not whatever else the body carried.
    let payload = json!({
        "reference": reference,
        "motif_rejet": motif,
        "articles": listed.iter().map(|(id, q)| json!({"article_id": id, "quantite": q})).collect::<Vec<_>>(),
    })
    .to_string();
    let shop = &terminal.boutique;
    review::abandon(
        &state.pool,
        shop.id,
        terminal.id,
        &Abandon {
            reference: &reference,
            motif: &motif,
            payload: &payload,
        },
    )
    .await?;
    let ids: Vec<i64> = listed.iter().map(|(id, _)| *id).collect();
    let stock = crate::catalogue::stock_of(&state.pool, shop.id, &ids).await?;
    let traces = listed
        .iter()
        .filter_map(|(id, quantite)| {
            stock.get(id).map(|(nom, stock)| Trace {
                article_id: *id,
                nom: nom.clone(),
                quantite_tentee: *quantite,
                stock_actuel: *stock,
            })
        })
        .collect();
    Ok(Json(AbandonResponse {
        success: true,
        message: "Rejet enregistré : la vente reste à examiner par le gérant",
        reference,
        motif_rejet: motif,
        traces,
    }))
}
