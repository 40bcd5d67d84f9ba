//! An article's variants (API-D1.md §3.1): barcodes a till scans for one article (a colour,
//! a size…). A variant has no stock, price or currency of its own: a sale of it is a sale of
//! its article. Managed by the administration API; withdrawn rather than deleted, since sale
//! lines name them. Every change bumps the article's `version` (by the database) and is
//! pushed to the shop's tills as `article_updated`.

use super::{CatalogueError, live};
use crate::field::{self, Invalid};
use sqlx::PgPool;

/// The kinds of variant the tills know.
pub const TYPES: [&str; 7] = [
    "COULEUR", "TAILLE", "PARFUM", "POIDS", "VOLUME", "MODELE", "AUTRE",
];

/// What a new variant is, or what a change sets (`None`: as it is).
#[derive(Debug, Clone, Default)]
pub struct VariantFields {
    pub code_barre: Option<String>,
    pub nom_variante: Option<String>,
    pub type_attribut: Option<String>,
    /// `Some(None)` clears it.
    pub image_url: Option<Option<String>>,
    pub est_actif: Option<bool>,
}

struct Checked {
    code_barre: Option<String>,
    nom_variante: Option<String>,
    type_attribut: Option<String>,
    image_url: Option<Option<String>>,
}

fn check(fields: &VariantFields) -> Result<Checked, Invalid> {
    let type_attribut = fields
        .type_attribut
        .as_deref()
        .map(|t| {
            let upper = t.trim().to_uppercase();
            TYPES
                .contains(&upper.as_str())
                .then_some(upper)
                .ok_or_else(|| Invalid::new("type_attribut", TYPES.join(", ")))
        })
        .transpose()?;
    let image_url = match &fields.image_url {
        None => None,
        Some(None) => Some(None),
        Some(Some(url)) => Some(field::optional_text("image_url", Some(url), 500)?),
    };
    Ok(Checked {
        code_barre: field::optional_text("code_barre", fields.code_barre.as_deref(), 64)?,
        nom_variante: field::optional_text("nom_variante", fields.nom_variante.as_deref(), 200)?,
        type_attribut,
        image_url,
    })
}

/// Adds a variant to the article `article_id` of the boutique; returns its id.
pub async fn create(
    pool: &PgPool,
    boutique_id: i64,
    article_id: i64,
    fields: &VariantFields,
) -> Result<i64, CatalogueError> {
    let checked = check(fields)?;
    let code_barre = checked
        .code_barre
        .ok_or_else(|| Invalid::new("code_barre", "champ obligatoire"))?;
    let nom_variante = checked
        .nom_variante
        .ok_or_else(|| Invalid::new("nom_variante", "champ obligatoire"))?;
    let mut tx = pool.begin().await?;
    let before = live::before(&mut tx, boutique_id, article_id)
        .await?
        .ok_or(CatalogueError::ArticleNotFound)?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO variantes_articles (boutique_id, article_parent_id, code_barre, nom_variante,
                                          type_attribut, image_url, est_actif)
           VALUES ($1, $2, $3, $4, COALESCE($5, 'AUTRE'), $6, COALESCE($7, TRUE))
           RETURNING id"#,
        boutique_id,
        article_id,
        code_barre,
        nom_variante,
        checked.type_attribut,
        checked.image_url.flatten(),
        fields.est_actif
    )
    .fetch_one(&mut *tx)
    .await?;
    live::changed(&mut tx, boutique_id, article_id, Some(&before)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes the variant `id` of the article `article_id` (withdraws it with `est_actif:
/// false`).
pub async fn change(
    pool: &PgPool,
    boutique_id: i64,
    article_id: i64,
    id: i64,
    fields: &VariantFields,
) -> Result<(), CatalogueError> {
    let checked = check(fields)?;
    let mut tx = pool.begin().await?;
    let before = live::before(&mut tx, boutique_id, article_id)
        .await?
        .ok_or(CatalogueError::ArticleNotFound)?;
    let updated = sqlx::query!(
        r#"UPDATE variantes_articles SET
               code_barre = COALESCE($4, code_barre),
               nom_variante = COALESCE($5, nom_variante),
               type_attribut = COALESCE($6, type_attribut),
               image_url = CASE WHEN $7 THEN $8 ELSE image_url END,
               est_actif = COALESCE($9, est_actif),
               date_mise_a_jour = now()
           WHERE boutique_id = $1 AND article_parent_id = $2 AND id = $3"#,
        boutique_id,
        article_id,
        id,
        checked.code_barre,
        checked.nom_variante,
        checked.type_attribut,
        checked.image_url.is_some(),
        checked.image_url.flatten(),
        fields.est_actif
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(CatalogueError::VariantNotFound);
    }
    live::changed(&mut tx, boutique_id, article_id, Some(&before)).await?;
    tx.commit().await?;
    Ok(())
}
