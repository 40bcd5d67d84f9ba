//! The shapes of the request and response bodies that handlers build with `json!` or read
//! field by field, for the OpenAPI document. They are never built: the integration tests
//! check every response of the suite against the document, so a handler whose answer
//! drifts from its shape here fails them. Examples are the demo data's.

use crate::http::views::{ArticleView, BoutiqueView, MovementView, SaleView};
use crate::money::Money;
use serde_json::{Value, json};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^-?[0-9]+\.[0-9]{2}$"))
            .description(Some(
                "A money amount: a string with exactly two decimals, as Django REST framework writes it",
            ))
            .examples([json!("25000.00")])
            .into()
    }
}

impl ToSchema for Money {}

/// A timestamp's schema, for fields held as text: ISO 8601 with the shop's offset.
pub fn timestamp() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::DateTime,
        )))
        .examples([json!("2026-11-25T14:03:00+01:00")])
}

/// Every refusal: `{"success": false, "error", "code", …}`, with the keys below added when
/// they say more about it.
#[derive(ToSchema)]
pub struct ApiErrorBody {
    #[schema(example = false)]
    pub success: bool,
    /// What went wrong, in French, for a person.
    #[schema(example = "Stock insuffisant pour Écouteurs Bluetooth : disponible 10, demandé 50")]
    pub error: String,
    /// What a program switches on.
    pub code: crate::code::Code,
    /// The body field at fault (`INVALID_FORMAT`, `ALREADY_EXISTS`).
    #[schema(example = "quantite_stock")]
    pub champ: Option<String>,
    /// The query parameter at fault (`INVALID_PARAMETER`).
    #[schema(example = "limit")]
    pub parametre: Option<String>,
    /// The header a till must send (`MISSING_SERIAL`).
    #[schema(example = "X-Device-Serial")]
    pub header_required: Option<String>,
    /// The serial named in the path (`TERMINAL_NOT_FOUND`).
    #[schema(example = "0a1badae951f8473")]
    pub numero_serie: Option<String>,
    /// The article at fault; `null` when the path names no article at all.
    #[schema(example = 2)]
    pub article_id: Option<i64>,
    /// `INSUFFICIENT_STOCK`: the article's name, its stock and what the sale asked.
    #[schema(example = "Écouteurs Bluetooth")]
    pub article_nom: Option<String>,
    #[schema(example = 10)]
    pub stock_disponible: Option<i32>,
    #[schema(example = 50)]
    pub stock_demande: Option<i64>,
    /// `BATCH_TOO_LARGE`: most sales one sync request may carry.
    #[schema(example = 1000)]
    pub max_ventes: Option<i64>,
    /// `RETURN_EXCEEDS_SALE`: units asked back, and units that can still be.
    pub quantite_demandee: Option<i64>,
    pub quantite_retournable: Option<i64>,
    /// `ALREADY_CANCELLED`: when the sale was cancelled.
    #[schema(schema_with = nullable_timestamp)]
    pub date_annulation: Option<String>,
}

/// For `#[schema(schema_with = …)]` on an `Option<String>` timestamp.
pub fn nullable_timestamp() -> ObjectBuilder {
    timestamp().schema_type(utoipa::openapi::schema::SchemaType::from_iter([
        Type::String,
        Type::Null,
    ]))
}

/// For `#[schema(schema_with = …)]` on a `String` timestamp.
pub fn required_timestamp() -> ObjectBuilder {
    timestamp()
}

// ---- Shapes of the administration API that the terminal API answered with too ------------

/// A till's own name and serial.
#[derive(ToSchema)]
pub struct TillRef {
    #[schema(example = "0a1badae951f8473")]
    pub numero_serie: String,
    #[schema(example = "Terminal MAUI")]
    pub nom_terminal: String,
}

#[derive(ToSchema)]
pub struct ReturnLine {
    #[schema(example = 1)]
    pub article_id: i64,
    /// Default 1.
    #[schema(example = 1, minimum = 1, maximum = 1_000_000)]
    pub quantite: Option<i64>,
}

/// A cancellation or a return: the sale now, and the stock given back.
#[derive(ToSchema)]
pub struct GiveBackResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    pub vente: GiveBackSale,
    pub mouvements: Vec<AppliedMovement>,
}

#[derive(ToSchema)]
pub struct GiveBackSale {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "WEB-0001")]
    pub numero_facture: String,
    pub montant_total: Money,
    #[schema(example = true)]
    pub annulee: bool,
    #[schema(schema_with = nullable_timestamp)]
    pub date_annulation: Option<String>,
}

/// A stock movement just written.
#[derive(ToSchema)]
pub struct AppliedMovement {
    #[schema(example = 12)]
    pub mouvement_id: i64,
    #[schema(example = 1)]
    pub article_id: i64,
    #[schema(example = "Chargeur USB-C 25 W")]
    pub article_nom: String,
    #[schema(example = "CHG-001")]
    pub article_code: String,
    /// Signed: negative is out of stock.
    #[schema(example = 2)]
    pub quantite: i32,
    #[schema(example = 98)]
    pub stock_avant: i32,
    #[schema(example = 100)]
    pub stock_apres: i32,
}

#[derive(ToSchema)]
pub struct BoutiquesResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub count: i64,
    pub boutiques: Vec<BoutiqueView>,
}
