//! The pieces of the OpenAPI document that every answer shares: money as a two-decimal
//! string, timestamps with the shop's offset, and the body of every refusal. Every other
//! shape is the type a handler answers with or reads, described where it is declared.

use crate::money::Money;
use serde_json::json;
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
    /// `CANCELLATION_TIMEOUT`: when the sale was made, minutes since, minutes a till has.
    #[schema(schema_with = nullable_timestamp)]
    pub date_vente: Option<String>,
    #[schema(example = 75)]
    pub temps_ecoule_minutes: Option<i64>,
    #[schema(example = 60)]
    pub delai_max_minutes: Option<i64>,
    /// `AMBIGUOUS_INVOICE`: the tills that each have a sale of the number.
    pub terminaux: Option<Vec<String>>,
    /// `POS_*` (`pos/status/`): `error` again, under the name the 2026 tills read.
    pub message: Option<String>,
    /// `NOTIFICATION_NOT_FOUND`: `error` again, where the 2026 tills read it. A refused
    /// `rapports-caisse/` whose `detail` is at fault: its messages (as `depense`, `devise`,
    /// `date_rapport` for theirs).
    #[schema(schema_with = text_or_messages)]
    pub detail: Option<String>,
    pub depense: Option<Vec<String>>,
    pub devise: Option<Vec<String>>,
    pub date_rapport: Option<Vec<String>>,
    /// A count session: the one already open (`ALREADY_EXISTS`), or the closed one and how
    /// it closed (`COUNT_CLOSED`: `APPLIQUE` or `ABANDONNE`).
    #[schema(example = 3)]
    pub comptage_id: Option<i64>,
    pub statut: Option<String>,
    /// `POS_BOUTIQUE_INACTIVE`: the till's boutique.
    #[schema(example = 1)]
    pub boutique_id: Option<i64>,
}

/// A text, or a list of messages.
pub fn text_or_messages() -> utoipa::openapi::schema::OneOfBuilder {
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(
            utoipa::openapi::schema::ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::String)),
        )
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
