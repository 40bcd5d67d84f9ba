//! Nothing refused is lost: every sale the server refuses is kept with exactly what the
//! till sent, the code and the message, for a manager to review and resolve. The same
//! payload refused again from the same till, while unresolved, counts as another attempt
//! of the same rejection rather than a new one.

use super::Refusal;
use crate::secret::sha256_hex;
use serde_json::json;
use sqlx::PgPool;
use std::collections::HashMap;

/// One refused sale of a request.
#[derive(Debug)]
pub struct Rejection<'a> {
    /// The invoice number as sent, if any.
    pub numero_facture: Option<String>,
    /// The sale's JSON exactly as it arrived.
    pub payload: &'a str,
    pub refusal: &'a Refusal,
}

pub async fn record_rejections(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    rejections: &[Rejection<'_>],
) -> Result<(), sqlx::Error> {
    if rejections.is_empty() {
        return Ok(());
    }
    // One row per distinct payload (a statement may not update a row twice).
    let mut rows: Vec<(&Rejection, String, i32)> = Vec::with_capacity(rejections.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for rejection in rejections {
        let empreinte = sha256_hex(rejection.payload.as_bytes());
        match seen.get(&empreinte) {
            Some(&i) => rows[i].2 += 1,
            None => {
                seen.insert(empreinte.clone(), rows.len());
                rows.push((rejection, empreinte, 1));
            }
        }
    }
    let mut numeros = Vec::with_capacity(rows.len());
    let mut codes = Vec::with_capacity(rows.len());
    let mut messages = Vec::with_capacity(rows.len());
    let mut payloads = Vec::with_capacity(rows.len());
    let mut empreintes = Vec::with_capacity(rows.len());
    let mut articles = Vec::with_capacity(rows.len());
    let mut details = Vec::with_capacity(rows.len());
    let mut attempts = Vec::with_capacity(rows.len());
    for (rejection, empreinte, count) in rows {
        let refusal = rejection.refusal;
        numeros.push(rejection.numero_facture.clone().unwrap_or_default());
        codes.push(refusal.code.as_str().to_owned());
        messages.push(refusal.message.clone());
        payloads.push(rejection.payload.to_owned());
        empreintes.push(empreinte);
        articles.push(refusal.article_id.unwrap_or(0));
        details.push(
            refusal
                .shortage
                .as_ref()
                .map(|s| {
                    json!({
                        "article_nom": s.article_nom,
                        "stock_disponible": s.stock_disponible,
                        "stock_demande": s.stock_demande,
                    })
                    .to_string()
                })
                .unwrap_or_default(),
        );
        attempts.push(count);
    }
    sqlx::query!(
        r#"INSERT INTO ventes_rejetees (boutique_id, terminal_id, numero_facture, code, message,
                                       payload, empreinte, article_id, details, tentatives)
           SELECT $1, $2, NULLIF(r.numero, ''), r.code, r.message, r.payload, r.empreinte,
                  NULLIF(r.article_id, 0), NULLIF(r.details, '')::jsonb, r.tentatives
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int8[],
                       $9::text[], $10::int4[])
                AS r(numero, code, message, payload, empreinte, article_id, details, tentatives)
           ON CONFLICT (boutique_id, terminal_id, empreinte) WHERE NOT resolue DO UPDATE SET
               tentatives = ventes_rejetees.tentatives + EXCLUDED.tentatives,
               date_derniere_tentative = now(),
               code = EXCLUDED.code,
               message = EXCLUDED.message,
               article_id = EXCLUDED.article_id,
               details = EXCLUDED.details"#,
        boutique_id,
        terminal_id,
        &numeros,
        &codes,
        &messages,
        &payloads,
        &empreintes,
        &articles,
        &details,
        &attempts
    )
    .execute(pool)
    .await?;
    Ok(())
}
