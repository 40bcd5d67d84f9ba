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
fn timestamp() -> ObjectBuilder {
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

// ---- Status and health -------------------------------------------------------------------

#[derive(ToSchema)]
pub struct StatusResponse {
    #[schema(example = "v2-simple")]
    pub api_version: String,
    #[schema(example = "0.1.0")]
    pub version: String,
    /// `ok`, or `degraded` when the database cannot be reached.
    #[schema(example = "ok")]
    pub status: String,
    #[schema(example = "API caisse opérationnelle")]
    pub message: String,
    #[schema(example = "En-tête X-Device-Serial (numéro de série du terminal)")]
    pub authentication: String,
    pub endpoints: StatusEndpoints,
    pub note: String,
    /// `ok` or `down`.
    #[schema(example = "ok")]
    pub database: String,
}

/// Where the main endpoints are.
#[derive(ToSchema)]
pub struct StatusEndpoints {
    #[schema(example = "/api/v2/simple/status/")]
    pub status: String,
    pub articles: String,
    pub categories: String,
    pub ventes: String,
    pub ventes_sync: String,
    pub ventes_historique: String,
    pub statistiques: String,
    pub mouvements_stock: String,
    pub boutiques: String,
    pub terminal_info: String,
}

#[derive(ToSchema)]
pub struct HealthLive {
    #[schema(example = "ok")]
    pub status: String,
}

#[derive(ToSchema)]
pub struct HealthReady {
    /// `ok` when the server can serve, else `unavailable`.
    #[schema(example = "ok")]
    pub status: String,
    /// `ok` or `down`.
    #[schema(example = "ok")]
    pub database: String,
    /// `ok` (every migration this server knows is applied), `pending`, or `unknown`
    /// (the database could not be asked).
    #[schema(example = "ok")]
    pub migrations: String,
    /// The versions of the migrations not applied yet, when some are missing.
    pub pending: Option<Vec<i64>>,
}

// ---- The terminal API --------------------------------------------------------------------

/// A till's own name and serial.
#[derive(ToSchema)]
pub struct TillRef {
    #[schema(example = "0a1badae951f8473")]
    pub numero_serie: String,
    #[schema(example = "Terminal MAUI")]
    pub nom_terminal: String,
}

#[derive(ToSchema)]
pub struct TerminalInfoResponse {
    #[schema(example = true)]
    pub success: bool,
    pub terminal: TerminalInfo,
    pub boutique: TerminalInfoBoutique,
}

#[derive(ToSchema)]
pub struct TerminalInfo {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "0a1badae951f8473")]
    pub numero_serie: String,
    #[schema(example = "Terminal MAUI")]
    pub nom_terminal: String,
    #[schema(example = true)]
    pub est_actif: bool,
    pub version_app_maui: Option<String>,
    /// The till's last request, at most a minute old.
    #[schema(schema_with = nullable_timestamp)]
    pub derniere_activite: Option<String>,
}

#[derive(ToSchema)]
pub struct TerminalInfoBoutique {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "Ma Boutique")]
    pub nom: String,
    #[schema(example = "BTQ-009")]
    pub code: String,
    #[schema(example = "Téléphonie et accessoires")]
    pub type_commerce: String,
    #[schema(example = "Kinshasa")]
    pub ville: String,
    #[schema(example = "CDF")]
    pub devise: String,
}

/// The shop's catalogue, or what changed in it since `since`.
#[derive(ToSchema)]
pub struct ArticlesResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 8)]
    pub count: i64,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    pub boutique_nom: String,
    pub articles: Vec<ArticleView>,
    /// Pass it as `since` to get only what changes from now on.
    #[schema(example = "742")]
    pub token: String,
    /// `true` for the whole catalogue, `false` for a delta.
    #[schema(example = true)]
    pub complet: bool,
    /// `articles/terminal/<numero_serie>/` only: the till named in the path.
    pub terminal: Option<TillRef>,
}

#[derive(ToSchema)]
pub struct CategoriesResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 2)]
    pub count: i64,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    pub boutique_nom: String,
    pub categories: Vec<CategoryView>,
    #[schema(example = "742")]
    pub token: String,
    #[schema(example = true)]
    pub complet: bool,
    /// With `since`: the ids of the categories deleted since.
    pub supprimees: Option<Vec<i64>>,
}

#[derive(ToSchema)]
pub struct CategoryView {
    #[schema(example = 2)]
    pub id: i64,
    #[schema(example = "Accessoires")]
    pub nom: String,
    #[schema(example = "Chargeurs, câbles, écouteurs, coques")]
    pub description: String,
    #[schema(schema_with = required_timestamp)]
    pub date_creation: String,
    /// The boutique's id.
    #[schema(example = 1)]
    pub boutique: i64,
}

#[derive(ToSchema)]
pub struct StockCountRequest {
    /// The stock counted.
    #[schema(example = 50, minimum = 0, maximum = 1_000_000_000)]
    pub quantite_stock: i64,
    /// Why (also accepted as `motif`); default "Inventaire depuis le terminal".
    #[schema(example = "Inventaire du soir")]
    pub commentaire: Option<String>,
    /// If sent, the till's own boutique; another is refused (`403 BOUTIQUE_MISMATCH`).
    pub boutique_id: Option<i64>,
}

#[derive(ToSchema)]
pub struct StockCountResponse {
    #[schema(example = true)]
    pub success: bool,
    pub article: StockCountArticle,
    #[schema(example = 1)]
    pub boutique_id: i64,
}

#[derive(ToSchema)]
pub struct StockCountArticle {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "Chargeur USB-C 25 W")]
    pub nom: String,
    #[schema(example = "CHG-001")]
    pub code: String,
    #[schema(example = 100)]
    pub ancienne_quantite: i32,
    #[schema(example = 50)]
    pub nouvelle_quantite: i32,
    #[schema(example = -50)]
    pub difference: i32,
}

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
            .item(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                SyncEnvelope::name(),
            )))
            .item(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
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

/// `POST ventes/`: the sale as stored, amounts as JSON numbers.
#[derive(ToSchema)]
pub struct OnlineSaleResponse {
    #[schema(example = true)]
    pub success: bool,
    pub vente: OnlineSale,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = 1)]
    pub terminal_id: i64,
    /// `already_exists` when the till had already sent this invoice number (status 200).
    #[schema(example = "already_exists")]
    pub status: Option<String>,
    #[schema(example = "Vente déjà existante")]
    pub message: Option<String>,
    /// Articles the sale took below zero (shops that allow it).
    pub alertes_stock: Option<Vec<NegativeStockView>>,
}

#[derive(ToSchema)]
pub struct OnlineSale {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "WEB-0001")]
    pub numero_facture: String,
    #[schema(example = 50000.0)]
    pub montant_total: f64,
    #[schema(example = "CASH")]
    pub mode_paiement: String,
    #[schema(example = true)]
    pub paye: bool,
    #[schema(schema_with = required_timestamp)]
    pub date_vente: String,
    pub lignes: Vec<OnlineSaleLine>,
}

#[derive(ToSchema)]
pub struct OnlineSaleLine {
    #[schema(example = 1)]
    pub article_id: i64,
    #[schema(example = "Chargeur USB-C 25 W")]
    pub article_nom: String,
    #[schema(example = 2)]
    pub quantite: i32,
    #[schema(example = 25000.0)]
    pub prix_unitaire: f64,
    #[schema(example = 50000.0)]
    pub sous_total: f64,
}

#[derive(ToSchema)]
pub struct NegativeStockView {
    pub article_id: i64,
    /// Units sold beyond the stock.
    pub manque: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
}

#[derive(ToSchema)]
pub struct CancelRequest {
    /// The till's invoice number of the sale (or give `id`).
    #[schema(example = "WEB-0001")]
    pub numero_facture: Option<String>,
    pub id: Option<i64>,
    #[schema(example = "Erreur de saisie")]
    pub motif: Option<String>,
}

#[derive(ToSchema)]
pub struct ReturnRequest {
    #[schema(example = "FAC-20241104-001")]
    pub numero_facture: Option<String>,
    pub id: Option<i64>,
    pub lignes: Vec<ReturnLine>,
    #[schema(example = "Article défectueux")]
    pub motif: Option<String>,
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
pub struct ReconciliationRequest {
    /// The period the invoice numbers cover (a day `YYYY-MM-DD`, or ISO 8601).
    #[schema(example = "2026-11-25")]
    pub date_debut: Option<String>,
    #[schema(example = "2026-11-25")]
    pub date_fin: Option<String>,
    /// The invoice numbers the till believes synced (at most 20,000).
    #[schema(example = json!(["FAC-20241104-001", "FAC-20241104-002"]))]
    pub numeros_factures: Vec<String>,
}

#[derive(ToSchema)]
pub struct ReconciliationResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    pub terminal: TillRef,
    pub periode: Period,
    pub totaux: ReconciliationTotals,
    /// Stored.
    pub presentes: Vec<ReconciledSale>,
    /// Not stored and not refused: to send again.
    pub manquantes: Vec<String>,
    /// Refused, with why.
    pub rejetees: Vec<ReconciledRefusal>,
    /// Stored for this till in the period, but not in its list.
    pub inconnues: Vec<UnlistedSale>,
}

#[derive(ToSchema)]
pub struct Period {
    #[schema(schema_with = nullable_timestamp)]
    pub date_debut: Option<String>,
    #[schema(schema_with = nullable_timestamp)]
    pub date_fin: Option<String>,
}

#[derive(ToSchema)]
pub struct ReconciliationTotals {
    pub envoyees: i64,
    pub presentes: i64,
    /// Cancelled sales left out.
    pub montant_presentes: Money,
    pub manquantes: i64,
    pub rejetees: i64,
    pub inconnues: i64,
}

#[derive(ToSchema)]
pub struct ReconciledSale {
    #[schema(example = "FAC-20241104-001")]
    pub numero_facture: String,
    pub id: i64,
    pub montant_total: Money,
    #[schema(schema_with = required_timestamp)]
    pub date_vente: String,
    pub annulee: bool,
}

#[derive(ToSchema)]
pub struct ReconciledRefusal {
    pub numero_facture: String,
    #[schema(example = "INSUFFICIENT_STOCK")]
    pub code: String,
    pub message: String,
    #[schema(schema_with = required_timestamp)]
    pub date_rejet: String,
    /// Whether a manager resolved it.
    pub resolue: bool,
}

#[derive(ToSchema)]
pub struct UnlistedSale {
    pub numero_facture: String,
    pub id: i64,
    pub montant_total: Money,
    #[schema(schema_with = required_timestamp)]
    pub date_vente: String,
}

#[derive(ToSchema)]
pub struct HistoryResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    pub boutique_nom: String,
    /// Over the whole period, cancelled sales left out.
    pub statistiques: HistoryTotals,
    #[schema(example = 1)]
    pub count: i64,
    /// Newest first, at most `limit`.
    pub ventes: Vec<SaleView>,
}

#[derive(ToSchema)]
pub struct HistoryTotals {
    #[schema(example = 1)]
    pub total_ventes: i64,
    pub chiffre_affaires: Money,
}

#[derive(ToSchema)]
pub struct StatisticsResponse {
    #[schema(example = true)]
    pub success: bool,
    pub boutique: StatisticsBoutique,
    pub statistiques: ShopStatistics,
}

#[derive(ToSchema)]
pub struct StatisticsBoutique {
    #[schema(example = 1)]
    pub id: i64,
    #[schema(example = "Ma Boutique")]
    pub nom: String,
    /// The boutique's `type_commerce`.
    #[schema(example = "Téléphonie et accessoires")]
    pub r#type: String,
    #[schema(example = "Kinshasa")]
    pub ville: String,
}

#[derive(ToSchema)]
pub struct ShopStatistics {
    pub articles: ArticleCounts,
    pub categories: CategoryCounts,
    /// Today, in the shop's time zone, by when the sales were made.
    pub ventes_jour: PeriodSales,
    pub ventes_mois: PeriodSales,
}

#[derive(ToSchema)]
pub struct ArticleCounts {
    #[schema(example = 8)]
    pub total: i64,
    /// Active articles at or below the shop's low-stock threshold.
    #[schema(example = 3)]
    pub stock_bas: i64,
}

#[derive(ToSchema)]
pub struct CategoryCounts {
    #[schema(example = 2)]
    pub total: i64,
}

#[derive(ToSchema)]
pub struct PeriodSales {
    #[schema(example = 1)]
    pub nombre: i64,
    pub chiffre_affaires: Money,
}

#[derive(ToSchema)]
pub struct MovementsResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    pub boutique_nom: String,
    #[schema(example = 1)]
    pub count: i64,
    pub mouvements: Vec<MovementView>,
}

#[derive(ToSchema)]
pub struct BoutiquesResponse {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 1)]
    pub count: i64,
    pub boutiques: Vec<BoutiqueView>,
}
