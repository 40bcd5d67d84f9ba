//! The one error type of the HTTP layer: every refusal is `{"success": false, "error", "code", …}`
//! with a 4xx status, and faults of the server or its database are a 5xx of the same shape.

use crate::code::Code;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::borrow::Cow;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Code,
    pub message: Cow<'static, str>,
    /// Keys added beside `error` and `code` (e.g. `header_required`).
    pub extra: Map<String, Value>,
    /// Asks for a bearer token (`WWW-Authenticate`), for a `401`.
    pub challenge: bool,
    /// Seconds after which to try again (`Retry-After`), for a `429`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: Map::new(),
            challenge: false,
            retry_after: None,
        }
    }

    /// A `429`: try again in `wait` (rounded up to a whole second).
    pub fn too_many(message: impl Into<Cow<'static, str>>, wait: std::time::Duration) -> Self {
        ApiError {
            retry_after: Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                Code::TooManyRequests,
                message,
            )
        }
    }

    /// A `401` asking for a bearer token.
    pub fn unauthorized(code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            challenge: true,
            ..Self::new(StatusCode::UNAUTHORIZED, code, message)
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    pub fn bad_request(code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A body field that is missing or unusable, named.
    pub fn invalid_field(name: &str, expected: &str) -> Self {
        Self::bad_request(
            Code::InvalidFormat,
            format!("Champ '{name}' invalide : {expected}"),
        )
        .with("champ", name)
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            "Ressource introuvable",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::DatabaseUnavailable,
            "Base de données momentanément indisponible, réessayez plus tard",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::InternalError,
            "Erreur interne du serveur",
        )
    }
}

impl From<crate::field::Invalid> for ApiError {
    fn from(invalid: crate::field::Invalid) -> Self {
        ApiError::invalid_field(&invalid.field, &invalid.expected)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&error) {
            tracing::warn!(%error, "database unavailable");
            ApiError::unavailable()
        } else {
            tracing::error!(%error, "database error");
            ApiError::internal()
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = Map::with_capacity(3 + self.extra.len());
        body.insert("success".into(), Value::Bool(false));
        body.insert("error".into(), Value::String(self.message.into_owned()));
        body.insert("code".into(), Value::String(self.code.as_str().into()));
        body.extend(self.extra);
        let mut response = (self.status, axum::Json(Value::Object(body))).into_response();
        if self.challenge {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds.max(1)),
            );
        }
        response
    }
}

/// How the JSON APIs answer what the domain refuses. Not-found answers name what is
/// missing the same way whether it never existed or belongs to another boutique.
pub fn article_not_found(article_id: Option<i64>) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        Code::ArticleNotFound,
        "Article introuvable dans cette boutique",
    )
    .with("article_id", article_id)
}

/// `404 NOT_FOUND` saying what is missing.
pub fn missing(what: &'static str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound, what)
}

pub const BOUTIQUE_MISSING: &str = "Boutique introuvable";
pub const TERMINAL_MISSING: &str = "Terminal introuvable dans cette boutique";
pub const ARTICLE_MISSING: &str = "Article introuvable dans cette boutique";
pub const CATEGORY_MISSING: &str = "Catégorie introuvable dans cette boutique";
pub const SALE_MISSING: &str = "Vente introuvable";
pub const REJECTION_MISSING: &str = "Vente rejetée introuvable dans cette boutique";
pub const ALERT_MISSING: &str = "Alerte de stock introuvable dans cette boutique";

/// A unique value already used, naming the field.
fn duplicate(field: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        Code::AlreadyExists,
        format!("Champ '{field}' : cette valeur est déjà utilisée"),
    )
    .with("champ", field)
}

impl From<crate::stock::StockError> for ApiError {
    fn from(error: crate::stock::StockError) -> Self {
        use crate::stock::StockError;
        match error {
            StockError::ArticleNotFound(id) => article_not_found(Some(id)),
            StockError::OutOfRange { article_id } => ApiError::bad_request(
                Code::InvalidFormat,
                "Le stock ne peut pas devenir négatif ni dépasser la limite",
            )
            .with("article_id", article_id),
            StockError::Invalid(invalid) => invalid.into(),
            StockError::AlreadyReceived { reference, .. } => ApiError::new(
                StatusCode::CONFLICT,
                Code::AlreadyExists,
                format!("Le bon de livraison « {reference} » a déjà été reçu"),
            )
            .with("champ", "reference_document"),
            StockError::Database(e) => e.into(),
        }
    }
}

impl From<crate::stock::counts::CountError> for ApiError {
    fn from(error: crate::stock::counts::CountError) -> Self {
        use crate::stock::counts::CountError;
        match error {
            CountError::NotFound(_) => missing("Comptage introuvable dans cette boutique"),
            CountError::Closed { id, statut } => ApiError::new(
                StatusCode::CONFLICT,
                Code::CountClosed,
                match statut.as_str() {
                    "APPLIQUE" => "Ce comptage est déjà appliqué",
                    _ => "Ce comptage est abandonné",
                },
            )
            .with("comptage_id", id)
            .with("statut", statut),
            CountError::AlreadyOpen(id) => ApiError::new(
                StatusCode::CONFLICT,
                Code::AlreadyExists,
                "Un comptage est déjà ouvert dans cette boutique : comptez dans celui-ci",
            )
            .with("comptage_id", id),
            CountError::Empty => ApiError::bad_request(
                Code::EmptyData,
                "Aucun article n'a été compté dans ce comptage",
            ),
            CountError::Superseded(article_id) => ApiError::new(
                StatusCode::CONFLICT,
                Code::CountClosed,
                "Un comptage plus récent de cet article a déjà été appliqué",
            )
            .with("article_id", article_id),
            CountError::Stock(e) => e.into(),
        }
    }
}

pub const TRANSFER_MISSING: &str = "Transfert introuvable dans cette boutique";

impl From<crate::stock::transfers::TransferError> for ApiError {
    fn from(error: crate::stock::transfers::TransferError) -> Self {
        use crate::stock::transfers::TransferError;
        match error {
            TransferError::NotFound => missing(TRANSFER_MISSING),
            TransferError::DestinationNotFound => missing(
                "Boutique destinataire introuvable parmi les boutiques actives du commerçant",
            )
            .with("champ", "boutique_destination_id"),
            TransferError::ArticleNotFound(id) => article_not_found(Some(id)),
            TransferError::InsufficientStock { article_id, asked } => ApiError::new(
                StatusCode::CONFLICT,
                Code::InsufficientStock,
                format!(
                    "Stock insuffisant pour envoyer {asked} unité(s) de l'article {article_id}"
                ),
            )
            .with("article_id", article_id)
            .with("stock_demande", i64::from(asked)),
            TransferError::Closed(id) => ApiError::new(
                StatusCode::CONFLICT,
                Code::TransferClosed,
                format!("Le transfert n° {id} n'a plus rien en transit"),
            ),
            TransferError::Invalid(invalid) => invalid.into(),
            TransferError::Database(e) => e.into(),
        }
    }
}

impl From<crate::catalogue::CatalogueError> for ApiError {
    fn from(error: crate::catalogue::CatalogueError) -> Self {
        use crate::catalogue::CatalogueError;
        match error {
            CatalogueError::ArticleNotFound => missing(ARTICLE_MISSING),
            CatalogueError::CategoryNotFound => missing(CATEGORY_MISSING),
            CatalogueError::VariantNotFound => missing("Variante introuvable pour cet article"),
            CatalogueError::Invalid(invalid) => invalid.into(),
            CatalogueError::Duplicate { field } => duplicate(field),
            CatalogueError::Database(e) => e.into(),
        }
    }
}

impl From<crate::boutiques::BoutiqueError> for ApiError {
    fn from(error: crate::boutiques::BoutiqueError) -> Self {
        use crate::boutiques::BoutiqueError;
        match error {
            BoutiqueError::NotFound => missing(BOUTIQUE_MISSING),
            BoutiqueError::Invalid(invalid) => invalid.into(),
            BoutiqueError::Duplicate { field } => duplicate(field),
            BoutiqueError::Database(e) => e.into(),
        }
    }
}

impl From<crate::terminals::TerminalError> for ApiError {
    fn from(error: crate::terminals::TerminalError) -> Self {
        use crate::terminals::TerminalError;
        match error {
            TerminalError::NotFound => missing(TERMINAL_MISSING),
            TerminalError::Invalid(invalid) => invalid.into(),
            TerminalError::Duplicate { field } => duplicate(field),
            TerminalError::Database(e) => e.into(),
        }
    }
}

impl From<crate::review::ReviewError> for ApiError {
    fn from(error: crate::review::ReviewError) -> Self {
        use crate::review::ReviewError;
        match error {
            ReviewError::RejectionNotFound => missing(REJECTION_MISSING),
            ReviewError::AlertNotFound => missing(ALERT_MISSING),
            ReviewError::Invalid(invalid) => invalid.into(),
            ReviewError::Database(e) => e.into(),
        }
    }
}

impl ApiError {
    /// A refused cancellation or return; times in `shop`'s zone.
    pub fn give_back(
        error: crate::sales::give_back::GiveBackError,
        shop: &crate::boutiques::Shop,
    ) -> Self {
        use crate::sales::give_back::GiveBackError;
        match error {
            GiveBackError::SaleNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, Code::SaleNotFound, SALE_MISSING)
            }
            GiveBackError::OtherTerminal => ApiError::new(
                StatusCode::FORBIDDEN,
                Code::SaleOfAnotherTerminal,
                "Cette vente a été faite par un autre terminal",
            ),
            GiveBackError::AlreadyCancelled { date_annulation } => ApiError::new(
                StatusCode::CONFLICT,
                Code::AlreadyCancelled,
                "Cette vente est déjà annulée",
            )
            .with(
                "date_annulation",
                date_annulation.map(|at| shop.timestamp(at)),
            ),
            GiveBackError::WindowExpired { .. } => ApiError::new(
                StatusCode::FORBIDDEN,
                Code::CancelWindowExpired,
                "Le délai d'annulation ou de retour depuis le terminal est dépassé : demandez à un gestionnaire",
            ),
            GiveBackError::Ambiguous { tills } => ApiError::new(
                StatusCode::CONFLICT,
                Code::AmbiguousInvoice,
                format!(
                    "Plusieurs terminaux ({}) ont une vente de ce numéro : annulez-la depuis le terminal qui l'a faite",
                    tills.join(", ")
                ),
            )
            .with("terminaux", tills),
            GiveBackError::TooMany {
                article_id,
                asked,
                returnable,
            } => ApiError::new(
                StatusCode::CONFLICT,
                Code::ReturnExceedsSale,
                format!(
                    "Article {article_id} : {asked} à retourner, mais {returnable} seulement vendu(s) et pas encore retourné(s)"
                ),
            )
            .with("article_id", article_id)
            .with("quantite_demandee", asked)
            .with("quantite_retournable", returnable),
            GiveBackError::Stock(e) => e.into(),
            GiveBackError::Database(e) => e.into(),
        }
    }
}
