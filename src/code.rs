//! The machine-readable codes of the API: what a till switches on when a request or a
//! sale is refused. One vocabulary for the whole server.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    // Whole-request errors.
    InvalidJson,
    InvalidFormat,
    EmptyData,
    PayloadTooLarge,
    BatchTooLarge,
    MissingSerial,
    TerminalNotFound,
    BoutiqueInactive,
    BoutiqueMismatch,
    InvalidParameter,
    InvalidApiKey,
    MissingApiKey,
    /// Too many failed identifications from an address, or requests from a till.
    TooManyRequests,
    Unauthorized,
    AlreadyExists,
    InvalidIdempotencyKey,
    IdempotencyKeyReused,
    IdempotencyKeyInProgress,
    NotFound,
    MethodNotAllowed,
    DatabaseUnavailable,
    RequestTimeout,
    InternalError,
    /// A live push address asked for without a WebSocket upgrade.
    UpgradeRequired,
    // Sale-level refusals, as the till app already knows them.
    InsufficientStock,
    ArticleNotFound,
    Duplicate,
    EmptySale,
    InvoiceConflict,
    Other,
    // Giving back.
    SaleNotFound,
    SaleOfAnotherTerminal,
    AlreadyCancelled,
    CancelWindowExpired,
    ReturnExceedsSale,
    /// Two other tills of the shop each have a sale of the invoice number a till cancels.
    AmbiguousInvoice,
    // The 2026 tills' own codes (API-D1.md).
    CancellationTimeout,
    VenteNotFound,
    MissingNumeroFacture,
    MissingReference,
    MissingArticleId,
    MissingQuantite,
    MissingCodeArticle,
    MissingField,
    InvalidDateFormat,
    NotificationNotFound,
    PosUnknownBoutique,
    PosBoutiqueInactive,
    PosDisabled,
    PosOk,
    // Counts.
    CountClosed,
    TransferClosed,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidJson => "INVALID_JSON",
            Code::InvalidFormat => "INVALID_FORMAT",
            Code::EmptyData => "EMPTY_DATA",
            Code::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Code::BatchTooLarge => "BATCH_TOO_LARGE",
            Code::MissingSerial => "MISSING_SERIAL",
            Code::TerminalNotFound => "TERMINAL_NOT_FOUND",
            Code::BoutiqueInactive => "BOUTIQUE_INACTIVE",
            Code::BoutiqueMismatch => "BOUTIQUE_MISMATCH",
            Code::InvalidParameter => "INVALID_PARAMETER",
            Code::InvalidApiKey => "INVALID_API_KEY",
            Code::MissingApiKey => "MISSING_API_KEY",
            Code::TooManyRequests => "TOO_MANY_REQUESTS",
            Code::Unauthorized => "UNAUTHORIZED",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::InvalidIdempotencyKey => "INVALID_IDEMPOTENCY_KEY",
            Code::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Code::IdempotencyKeyInProgress => "IDEMPOTENCY_KEY_IN_PROGRESS",
            Code::NotFound => "NOT_FOUND",
            Code::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Code::DatabaseUnavailable => "DATABASE_UNAVAILABLE",
            Code::RequestTimeout => "REQUEST_TIMEOUT",
            Code::InternalError => "INTERNAL_ERROR",
            Code::UpgradeRequired => "UPGRADE_REQUIRED",
            Code::InsufficientStock => "INSUFFICIENT_STOCK",
            Code::ArticleNotFound => "ARTICLE_NOT_FOUND",
            Code::Duplicate => "DUPLICATE",
            Code::EmptySale => "EMPTY_SALE",
            Code::InvoiceConflict => "INVOICE_CONFLICT",
            Code::Other => "OTHER",
            Code::SaleNotFound => "SALE_NOT_FOUND",
            Code::SaleOfAnotherTerminal => "SALE_OF_ANOTHER_TERMINAL",
            Code::AlreadyCancelled => "ALREADY_CANCELLED",
            Code::CancelWindowExpired => "CANCEL_WINDOW_EXPIRED",
            Code::ReturnExceedsSale => "RETURN_EXCEEDS_SALE",
            Code::AmbiguousInvoice => "AMBIGUOUS_INVOICE",
            Code::CancellationTimeout => "CANCELLATION_TIMEOUT",
            Code::VenteNotFound => "VENTE_NOT_FOUND",
            Code::MissingNumeroFacture => "MISSING_NUMERO_FACTURE",
            Code::MissingReference => "MISSING_REFERENCE",
            Code::MissingArticleId => "MISSING_ARTICLE_ID",
            Code::MissingQuantite => "MISSING_QUANTITE",
            Code::MissingCodeArticle => "MISSING_CODE_ARTICLE",
            Code::MissingField => "MISSING_FIELD",
            Code::InvalidDateFormat => "INVALID_DATE_FORMAT",
            Code::NotificationNotFound => "NOTIFICATION_NOT_FOUND",
            Code::PosUnknownBoutique => "POS_UNKNOWN_BOUTIQUE",
            Code::PosBoutiqueInactive => "POS_BOUTIQUE_INACTIVE",
            Code::PosDisabled => "POS_DISABLED",
            Code::PosOk => "POS_OK",
            Code::CountClosed => "COUNT_CLOSED",
            Code::TransferClosed => "TRANSFER_CLOSED",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialised_as_written() {
        for code in [Code::InvalidJson, Code::InsufficientStock, Code::Other] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().into())
            );
        }
    }
}
