//! The catalogue a till downloads: `GET articles/`, `GET articles/terminal/<serial>/`,
//! `GET categories/`. Always the calling till's own boutique.

use super::AppState;
use super::error::ApiError;
use super::terminal::{PathTerminal, Terminal};
use crate::money::Money;
use crate::shop::Shop;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;

/// An article as the tills read it.
#[derive(Debug, Serialize)]
pub struct ArticleView {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub description: String,
    pub prix_vente: Money,
    pub prix_achat: Money,
    pub categorie_id: Option<i64>,
    pub categorie_nom: Option<String>,
    pub categorie: Option<CategoryRef>,
    pub quantite_stock: i32,
    pub est_actif: bool,
    pub qr_code_url: Option<String>,
    pub image_url: Option<String>,
    pub full_details: FullDetails,
}

#[derive(Debug, Serialize)]
pub struct CategoryRef {
    pub id: i64,
    pub nom: String,
}

#[derive(Debug, Serialize)]
pub struct FullDetails {
    pub nom_complet: String,
    pub prix_vente_formate: String,
    pub stock_disponible: i32,
    pub categorie: String,
}

/// The columns an [`ArticleView`] is made of.
pub struct ArticleRow {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub description: String,
    pub prix_vente: rust_decimal::Decimal,
    pub prix_achat: rust_decimal::Decimal,
    pub categorie_id: Option<i64>,
    pub categorie_nom: Option<String>,
    pub quantite_stock: i32,
    pub est_actif: bool,
}

impl ArticleView {
    pub fn new(row: ArticleRow, devise: &str) -> Self {
        let prix_vente = Money::from(row.prix_vente);
        ArticleView {
            full_details: FullDetails {
                nom_complet: format!("{} ({})", row.nom, row.code),
                prix_vente_formate: format!("{prix_vente} {devise}"),
                stock_disponible: row.quantite_stock,
                categorie: row
                    .categorie_nom
                    .clone()
                    .unwrap_or_else(|| "Non catégorisé".to_owned()),
            },
            categorie: row
                .categorie_id
                .zip(row.categorie_nom.clone())
                .map(|(id, nom)| CategoryRef { id, nom }),
            id: row.id,
            code: row.code,
            nom: row.nom,
            description: row.description,
            prix_vente,
            prix_achat: Money::from(row.prix_achat),
            categorie_id: row.categorie_id,
            categorie_nom: row.categorie_nom,
            quantite_stock: row.quantite_stock,
            est_actif: row.est_actif,
            qr_code_url: None,
            image_url: None,
        }
    }
}

/// The boutique's active articles, by name.
async fn active_articles(pool: &PgPool, shop: &Shop) -> Result<Vec<ArticleView>, sqlx::Error> {
    let rows = sqlx::query_as!(
        ArticleRow,
        r#"SELECT a.id, a.code, a.nom, a.description, a.prix_vente, a.prix_achat, a.categorie_id,
                  c.nom AS "categorie_nom?", a.quantite_stock, a.est_actif
           FROM articles a
           LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
           WHERE a.boutique_id = $1 AND a.est_actif
           ORDER BY a.nom, a.id"#,
        shop.id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ArticleView::new(row, &shop.devise))
        .collect())
}

/// The till's catalogue, as `GET articles/` answers it.
async fn catalogue(pool: &PgPool, shop: &Shop) -> Result<Value, ApiError> {
    let articles = active_articles(pool, shop).await?;
    Ok(json!({
        "success": true,
        "count": articles.len(),
        "boutique_id": shop.id,
        "boutique_nom": shop.nom,
        "articles": articles,
    }))
}

pub async fn articles(
    State(state): State<AppState>,
    terminal: Terminal,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(catalogue(&state.pool, &terminal.boutique).await?))
}

/// The same, for the till named in the path, which it also names in the answer.
pub async fn articles_of_terminal(
    State(state): State<AppState>,
    PathTerminal(terminal): PathTerminal,
) -> Result<Json<Value>, ApiError> {
    let mut body = catalogue(&state.pool, &terminal.boutique).await?;
    body["terminal"] = json!({
        "numero_serie": terminal.numero_serie,
        "nom_terminal": terminal.nom_terminal,
    });
    Ok(Json(body))
}

pub async fn categories(
    State(state): State<AppState>,
    terminal: Terminal,
) -> Result<Json<Value>, ApiError> {
    let shop = &terminal.boutique;
    let categories: Vec<Value> = sqlx::query!(
        r#"SELECT id, nom, description, date_creation FROM categories
           WHERE boutique_id = $1 ORDER BY nom, id"#,
        shop.id
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|c| {
        json!({
            "id": c.id,
            "nom": c.nom,
            "description": c.description,
            "date_creation": shop.timestamp(c.date_creation),
            "boutique": shop.id,
        })
    })
    .collect();
    Ok(Json(json!({
        "success": true,
        "count": categories.len(),
        "boutique_id": shop.id,
        "boutique_nom": shop.nom,
        "categories": categories,
    })))
}
