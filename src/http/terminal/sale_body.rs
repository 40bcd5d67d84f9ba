//! The bodies tills send their sales in (`POST ventes/` and `POST ventes/sync/`), for the
//! OpenAPI document only: these types are never built. The sale parser
//! ([`crate::sales::parse`]) reads the bodies by hand, because the legacy formats (numbers
//! as strings, three shapes of batch, PascalCase) need it and a refused sale must name its
//! fault in the till's vocabulary; whoever changes what the parser accepts changes this
//! description with it.

use serde_json::Value;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// One sale, as a till sends it (in a sync batch, or alone to `POST ventes/`).
#[derive(ToSchema)]
pub struct SaleRequest {
    /// The till's invoice number: one sale per till and number. Generated when missing,
    /// but such a sale cannot be recognised when the till retries it.
    #[schema(example = "FAC-20241104-001")]
    pub numero_facture: Option<String>,
    /// Default `CASH`.
    #[schema(example = "CASH")]
    pub mode_paiement: Option<String>,
    /// Default `true`.
    #[schema(example = true)]
    pub paye: Option<bool>,
    /// When the sale was made (ISO 8601; without an offset, the shop's local time).
    /// Missing, unreadable, before 2020 or more than 30 minutes ahead: the server's time.
    #[schema(example = "2026-11-25T14:03:00+01:00")]
    pub date_vente: Option<String>,
    /// If given, it must be the till's own shop (else `BOUTIQUE_MISMATCH`).
    #[schema(example = 1)]
    pub boutique_id: Option<i64>,
    pub version_app_maui: Option<String>,
    pub lignes: Vec<SaleLineRequest>,
}

#[derive(ToSchema)]
pub struct SaleLineRequest {
    #[schema(example = 1)]
    pub article_id: i64,
    /// A whole number from 1 to 1,000,000; default 1.
    #[schema(example = 2, minimum = 1, maximum = 1_000_000)]
    pub quantite: Option<i64>,
    /// A number or a numeric string, rounded half-up to two decimals; default the
    /// article's price.
    #[schema(value_type = Option<f64>, example = 25000.00)]
    pub prix_unitaire: Option<Value>,
}

/// A sync batch: an array of sales, or one of the MAUI app's envelopes.
pub struct SyncRequest;

impl PartialSchema for SyncRequest {
    fn schema() -> RefOr<Schema> {
        utoipa::openapi::schema::OneOfBuilder::new()
            .item(<Vec<SaleRequest>>::schema())
            .item(RefOr::Ref(Ref::from_schema_name(
                SyncEnvelope::name(),
            )))
            .item(RefOr::Ref(Ref::from_schema_name(
                MauiEnvelope::name(),
            )))
            .description(Some(
                "An array of sales; or `{\"pos_id\", \"ventes\": [...]}`; or the MAUI app's PascalCase `{\"PosId\", \"Ventes\": [...]}`",
            ))
            .into()
    }
}

impl ToSchema for SyncRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for (name, schema) in [
            (SaleRequest::name(), SaleRequest::schema()),
            (SaleLineRequest::name(), SaleLineRequest::schema()),
            (SyncEnvelope::name(), SyncEnvelope::schema()),
            (MauiEnvelope::name(), MauiEnvelope::schema()),
            (MauiSale::name(), MauiSale::schema()),
            (MauiItem::name(), MauiItem::schema()),
        ] {
            schemas.push((name.into_owned(), schema));
        }
    }
}

#[derive(ToSchema)]
pub struct SyncEnvelope {
    #[schema(example = "0a1badae951f8473")]
    pub pos_id: Option<String>,
    pub ventes: Vec<SaleRequest>,
}

/// The MAUI app's PascalCase batch.
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct MauiEnvelope {
    pub PosId: Option<String>,
    pub Ventes: Vec<MauiSale>,
}

#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct MauiSale {
    #[schema(example = "FAC-20241104-001")]
    pub VenteUid: Option<String>,
    pub Date: Option<String>,
    pub ModePaiement: Option<String>,
    pub Paye: Option<bool>,
    pub Items: Vec<MauiItem>,
}

#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct MauiItem {
    pub ArticleId: i64,
    pub Quantite: Option<i64>,
    #[schema(value_type = Option<f64>)]
    pub PrixUnitaire: Option<Value>,
}
