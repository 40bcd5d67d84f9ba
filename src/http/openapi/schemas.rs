//! The shapes of the request and response bodies that handlers build with `json!` or read
//! field by field, for the OpenAPI document. They are never built: the integration tests
//! check every response of the suite against the document, so a handler whose answer
//! drifts from its shape here fails them. Examples are the demo data's.

use crate::http::admin::terminals::TerminalView;
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

/// Any JSON value.
fn any_value() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
}

/// [`timestamp`], or `null`.
pub fn nullable_timestamp() -> ObjectBuilder {
    timestamp().schema_type(utoipa::openapi::schema::SchemaType::from_iter([
        Type::String,
        Type::Null,
    ]))
}

fn required_timestamp() -> ObjectBuilder {
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

// ---- The administration API -------------------------------------------------------------

#[derive(ToSchema)]
pub struct BoutiqueCreate {
    #[schema(example = "Boutique de Goma")]
    pub nom: String,
    #[schema(example = "BTQ-100")]
    pub code_boutique: String,
    pub type_commerce: Option<String>,
    #[schema(example = "Goma")]
    pub ville: Option<String>,
    pub adresse: Option<String>,
    /// Default `CDF`.
    pub devise: Option<String>,
    /// Default 5.
    pub alerte_stock_bas: Option<i32>,
    /// An IANA time zone; default `Africa/Kinshasa`.
    pub fuseau_horaire: Option<String>,
    /// `STRICT` (default) or `AUTORISER_NEGATIF`.
    pub politique_stock: Option<String>,
    pub est_active: Option<bool>,
}

#[derive(ToSchema)]
pub struct BoutiqueUpdate {
    pub nom: Option<String>,
    pub code_boutique: Option<String>,
    pub type_commerce: Option<String>,
    #[schema(example = "Kinshasa")]
    pub ville: Option<String>,
    pub adresse: Option<String>,
    pub devise: Option<String>,
    #[schema(example = 5)]
    pub alerte_stock_bas: Option<i32>,
    pub fuseau_horaire: Option<String>,
    pub politique_stock: Option<String>,
    pub est_active: Option<bool>,
}

#[derive(ToSchema)]
pub struct BoutiqueResponse {
    #[schema(example = true)]
    pub success: bool,
    pub boutique: BoutiqueView,
}

#[derive(ToSchema)]
pub struct TerminalsResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = 2)]
    pub count: i64,
    pub terminaux: Vec<TerminalView>,
}

#[derive(ToSchema)]
pub struct TerminalCreate {
    #[schema(example = "TILL-GOMA-1")]
    pub numero_serie: String,
    #[schema(example = "Caisse 1")]
    pub nom_terminal: String,
}

#[derive(ToSchema)]
pub struct TerminalUpdate {
    #[schema(example = "Caisse principale")]
    pub nom_terminal: Option<String>,
    pub est_actif: Option<bool>,
}

#[derive(ToSchema)]
pub struct TerminalResponse {
    #[schema(example = true)]
    pub success: bool,
    pub terminal: TerminalView,
}

/// A till with its new key, shown only in this answer.
#[derive(ToSchema)]
pub struct TerminalKeyResponse {
    #[schema(example = true)]
    pub success: bool,
    pub terminal: TerminalView,
    #[schema(example = "33e4b1c2d5f6…")]
    pub cle_api: String,
    pub avertissement: String,
}

#[derive(ToSchema)]
pub struct AdminCategory {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "Accessoires")]
    pub nom: String,
    #[schema(example = "Chargeurs, câbles, écouteurs, coques")]
    pub description: String,
    #[schema(schema_with = required_timestamp)]
    pub date_creation: String,
    #[schema(example = 1)]
    pub boutique: i64,
    #[schema(example = 6)]
    pub nb_articles: i64,
}

#[derive(ToSchema)]
pub struct AdminCategoriesResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = 2)]
    pub count: i64,
    pub categories: Vec<AdminCategory>,
}

#[derive(ToSchema)]
pub struct CategoryCreate {
    #[schema(example = "Jus")]
    pub nom: String,
    pub description: Option<String>,
}

#[derive(ToSchema)]
pub struct CategoryUpdate {
    #[schema(example = "Jus de fruits")]
    pub nom: Option<String>,
    pub description: Option<String>,
}

#[derive(ToSchema)]
pub struct CategoryResponse {
    #[schema(example = true)]
    pub success: bool,
    pub categorie: AdminCategory,
}

#[derive(ToSchema)]
pub struct DeletedResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 5)]
    pub id: i64,
}

#[derive(ToSchema)]
pub struct AdminArticlesResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = 9)]
    pub count: i64,
    pub articles: Vec<ArticleView>,
}

#[derive(ToSchema)]
pub struct ArticleCreate {
    #[schema(example = "JUS-1")]
    pub code: String,
    #[schema(example = "Jus d orange 1 L")]
    pub nom: String,
    /// A number or a numeric string.
    #[schema(value_type = f64, example = 1500)]
    pub prix_vente: Value,
    pub description: Option<String>,
    #[schema(value_type = Option<f64>)]
    pub prix_achat: Option<Value>,
    pub categorie_id: Option<i64>,
    pub est_actif: Option<bool>,
    /// The stock the article starts with (default 0); later only movements change it.
    #[schema(example = 24)]
    pub quantite_stock: Option<i64>,
}

#[derive(ToSchema)]
pub struct ArticleUpdate {
    pub code: Option<String>,
    pub nom: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<f64>, example = 26000)]
    pub prix_vente: Option<Value>,
    #[schema(value_type = Option<f64>)]
    pub prix_achat: Option<Value>,
    /// `null` leaves the article uncategorised.
    pub categorie_id: Option<i64>,
    pub est_actif: Option<bool>,
}

#[derive(ToSchema)]
pub struct ArticleResponse {
    #[schema(example = true)]
    pub success: bool,
    pub article: ArticleView,
}

#[derive(ToSchema)]
pub struct DeliveryRequest {
    /// The delivery note.
    #[schema(example = "BL-2026-001")]
    pub reference_document: String,
    pub commentaire: Option<String>,
    pub lignes: Vec<DeliveryLine>,
}

#[derive(ToSchema)]
pub struct DeliveryLine {
    #[schema(example = 1)]
    pub article_id: i64,
    #[schema(example = 24, minimum = 1, maximum = 1_000_000)]
    pub quantite: i64,
}

#[derive(ToSchema)]
pub struct DeliveryResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = "BL-2026-001")]
    pub reference_document: String,
    pub mouvements: Vec<AppliedMovement>,
}

#[derive(ToSchema)]
pub struct AdjustmentRequest {
    #[schema(example = 1)]
    pub article_id: i64,
    /// The stock counted.
    #[schema(example = 97, minimum = 0, maximum = 1_000_000_000)]
    pub quantite_stock: i64,
    #[schema(example = "Inventaire")]
    pub motif: String,
    pub reference_document: Option<String>,
}

#[derive(ToSchema)]
pub struct AdjustmentResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    pub mouvements: Vec<AppliedMovement>,
}

#[derive(ToSchema)]
pub struct AdminSalesResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    /// Sales matching the filters (cancelled ones left out), all pages.
    #[schema(example = 1)]
    pub total: i64,
    pub chiffre_affaires: Money,
    #[schema(example = 50)]
    pub limit: i64,
    #[schema(example = 0)]
    pub offset: i64,
    #[schema(example = 1)]
    pub count: i64,
    pub ventes: Vec<SaleView>,
}

#[derive(ToSchema)]
pub struct AdminCancelRequest {
    #[schema(example = "Erreur de caisse")]
    pub motif: Option<String>,
}

#[derive(ToSchema)]
pub struct AdminReturnRequest {
    pub lignes: Vec<ReturnLine>,
    pub motif: Option<String>,
}

#[derive(ToSchema)]
pub struct AdminMovementsResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = 1)]
    pub total: i64,
    #[schema(example = 100)]
    pub limit: i64,
    #[schema(example = 0)]
    pub offset: i64,
    #[schema(example = 1)]
    pub count: i64,
    pub mouvements: Vec<MovementView>,
}

#[derive(ToSchema)]
pub struct RejectionsResponse {
    #[schema(example = true)]
    pub success: bool,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub count: i64,
    pub ventes_rejetees: Vec<RejectionView>,
}

/// A sale the server refused, kept for review.
#[derive(ToSchema)]
pub struct RejectionView {
    pub id: i64,
    pub boutique_id: i64,
    pub terminal_id: i64,
    pub terminal: TillRef,
    pub numero_facture: Option<String>,
    #[schema(example = "INSUFFICIENT_STOCK")]
    pub code: String,
    pub message: String,
    /// The sale exactly as the till sent it (as JSON when it is JSON).
    #[schema(schema_with = any_value)]
    pub payload: Value,
    pub article_id: Option<i64>,
    #[schema(schema_with = any_value)]
    pub details: Option<Value>,
    /// How many times the till sent it.
    pub tentatives: i32,
    #[schema(schema_with = required_timestamp)]
    pub date_rejet: String,
    #[schema(schema_with = required_timestamp)]
    pub date_derniere_tentative: String,
    pub resolue: bool,
    #[schema(schema_with = nullable_timestamp)]
    pub date_resolution: Option<String>,
    pub resolu_par: Option<String>,
    pub commentaire_resolution: Option<String>,
    /// The corrected sale, once recorded.
    pub vente_id: Option<i64>,
}

#[derive(ToSchema)]
pub struct ResolveRequest {
    #[schema(example = "Stock recompté, vente saisie à nouveau")]
    pub commentaire: String,
}

#[derive(ToSchema)]
pub struct ResolveResponse {
    #[schema(example = true)]
    pub success: bool,
    pub vente_rejetee: ResolvedRejection,
}

#[derive(ToSchema)]
pub struct ResolvedRejection {
    pub id: i64,
    pub boutique_id: i64,
    pub resolue: bool,
    #[schema(schema_with = nullable_timestamp)]
    pub date_resolution: Option<String>,
    pub resolu_par: Option<String>,
    pub commentaire_resolution: Option<String>,
}

#[derive(ToSchema)]
pub struct StockAlertsResponse {
    #[schema(example = true)]
    pub success: bool,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub count: i64,
    pub alertes_stock: Vec<StockAlertView>,
}

/// A sale recorded beyond the stock (shops set to `AUTORISER_NEGATIF`).
#[derive(ToSchema)]
pub struct StockAlertView {
    pub id: i64,
    pub boutique_id: i64,
    pub article: AlertArticle,
    pub vente: AlertSale,
    pub manque: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
    #[schema(schema_with = required_timestamp)]
    pub date_alerte: String,
    pub fermee: bool,
    #[schema(schema_with = nullable_timestamp)]
    pub date_fermeture: Option<String>,
    pub fermee_par: Option<String>,
    pub commentaire: Option<String>,
}

#[derive(ToSchema)]
pub struct AlertArticle {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub stock_actuel: i32,
}

#[derive(ToSchema)]
pub struct AlertSale {
    pub id: i64,
    pub numero_facture: String,
}

#[derive(ToSchema)]
pub struct CloseAlertRequest {
    #[schema(example = "Livraison saisie")]
    pub commentaire: Option<String>,
}

#[derive(ToSchema)]
pub struct CloseAlertResponse {
    #[schema(example = true)]
    pub success: bool,
    pub id: i64,
    #[schema(example = true)]
    pub fermee: bool,
}
