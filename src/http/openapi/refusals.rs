//! The refusals each endpoint may answer, by status and code, as OpenAPI responses.
//!
//! Each endpoint names its own codes; the ones every endpoint of its kind shares (the till
//! gate, the administration token, a body too large or not JSON, the database away) are
//! added here, so that no endpoint can forget them. A response's schema pins `code` to the
//! codes listed for its status: the integration tests check every refusal they provoke
//! against it.

use super::schemas::ApiErrorBody;
use crate::code::Code;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

/// Who may call an endpoint, which decides the refusals it shares with its kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gate {
    /// Anyone.
    Open,
    /// A till, by its `X-Device-Serial` header.
    Terminal,
    /// A till named in the path (`…/terminal/<numero_serie>/`).
    PathTerminal,
    /// An administrator, by bearer token.
    Admin,
    /// A till by its serial, or an administrator.
    TerminalOrAdmin,
}

/// The error responses of an endpoint behind `gate`, with `specific` codes of its own by
/// status; `reads_body` for endpoints that read a JSON body.
pub fn responses(
    gate: Gate,
    reads_body: bool,
    specific: &[(u16, &[Code])],
) -> BTreeMap<String, RefOr<Response>> {
    let mut codes: BTreeMap<u16, Vec<Code>> = BTreeMap::new();
    let mut add = |status: u16, list: &[Code]| {
        let entry = codes.entry(status).or_default();
        for code in list {
            if !entry.contains(code) {
                entry.push(*code);
            }
        }
    };
    for (status, list) in specific {
        add(*status, list);
    }
    let till = [
        (401, &[Code::InvalidApiKey, Code::MissingApiKey][..]),
        (403, &[Code::BoutiqueInactive, Code::BoutiqueMismatch][..]),
        (404, &[Code::TerminalNotFound][..]),
        (429, &[Code::TooManyRequests][..]),
    ];
    match gate {
        Gate::Open => {}
        Gate::Terminal | Gate::TerminalOrAdmin => {
            add(400, &[Code::MissingSerial]);
            for (status, list) in till {
                add(status, list);
            }
            if gate == Gate::TerminalOrAdmin {
                add(401, &[Code::Unauthorized]);
            }
        }
        Gate::PathTerminal => {
            for (status, list) in till {
                add(status, list);
            }
        }
        Gate::Admin => add(401, &[Code::Unauthorized]),
    }
    if reads_body {
        add(400, &[Code::InvalidJson]);
        add(413, &[Code::PayloadTooLarge]);
    }
    add(500, &[Code::InternalError]);
    add(503, &[Code::DatabaseUnavailable, Code::RequestTimeout]);
    codes
        .into_iter()
        .map(|(status, list)| (status.to_string(), refusal(status, &list).into()))
        .collect()
}

/// One status's refusal: the error body, with `code` one of `codes`.
pub fn refusal(status: u16, codes: &[Code]) -> Response {
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let description = format!(
        "{}: {}",
        reason(status),
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(error_schema(&names)))
                .build(),
        )
        .build()
}

/// `ApiErrorBody` with `code` restricted to `codes`.
fn error_schema(codes: &[&str]) -> Schema {
    AllOfBuilder::new()
        .item(Ref::from_schema_name(ApiErrorBody::name()))
        .item(
            ObjectBuilder::new().property(
                "code",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(codes.iter().copied())),
            ),
        )
        .into()
}

/// Lets a status answer either `body` (a sync batch whose every sale was refused) or a
/// refusal of the whole request.
pub fn or_body(
    responses: &mut BTreeMap<String, RefOr<Response>>,
    status: u16,
    body: &str,
    description: &str,
) {
    let Some(RefOr::T(response)) = responses.get_mut(&status.to_string()) else {
        return;
    };
    let Some(RefOr::T(content)) = response.content.get_mut("application/json") else {
        return;
    };
    if let Some(refused) = content.schema.take() {
        content.schema = Some(
            OneOfBuilder::new()
                .item(Ref::from_schema_name(body))
                .item(refused)
                .into(),
        );
    }
    response.description = format!("{description}; or {}", response.description);
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Too large",
        422 => "Unprocessable",
        426 => "Upgrade required",
        500 => "Server fault",
        503 => "Unavailable, retry later",
        _ => "Refused",
    }
}

/// Declares the refusals of an endpoint: `refusals!(Name, Gate, reads_body, {status => [Code, …], …})`.
macro_rules! refusals {
    ($name:ident, $gate:ident, $body:literal, { $($status:literal => [$($code:ident),* $(,)?]),* $(,)? }) => {
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                responses(Gate::$gate, $body, &[$(($status, &[$(Code::$code),*])),*])
            }
        }
    };
}

/// `GET status/`: a database out of reach is a `503` with the status body.
pub struct Status;

impl utoipa::IntoResponses for Status {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = responses(Gate::Open, false, &[]);
        or_body(
            &mut all,
            503,
            &crate::http::terminal::status::StatusResponse::name(),
            "The database cannot be reached (`\"status\": \"degraded\"`)",
        );
        all
    }
}

refusals!(TerminalInfo, PathTerminal, false, {});
refusals!(PosStatus, Terminal, false, {
    403 => [PosBoutiqueInactive],
    404 => [PosUnknownBoutique],
});
refusals!(Catalogue, Terminal, false, { 400 => [InvalidParameter] });
refusals!(CatalogueOfTerminal, PathTerminal, false, { 400 => [InvalidParameter] });
refusals!(Abandon, Terminal, true, {
    400 => [InvalidFormat, MissingReference, InvalidIdempotencyKey],
    409 => [IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused],
});
refusals!(Regularise, Terminal, true, {
    400 => [InvalidFormat, InvalidIdempotencyKey],
    404 => [ArticleNotFound],
    409 => [IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused],
});
refusals!(Pending, Terminal, false, {});
refusals!(CashReport, Terminal, true, {
    400 => [InvalidFormat, InvalidIdempotencyKey],
    409 => [IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused],
});
refusals!(CashReports, Terminal, false, { 400 => [InvalidDateFormat] });
refusals!(ConfirmSending, Terminal, true, {
    400 => [InvalidFormat, MissingArticleId, MissingQuantite, InvalidIdempotencyKey],
    404 => [ArticleNotFound],
    409 => [IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused],
});
refusals!(RefuseSending, Terminal, true, {
    400 => [InvalidFormat, MissingArticleId, InvalidIdempotencyKey],
    404 => [ArticleNotFound],
    409 => [IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused],
});
refusals!(SetStock, Terminal, true, {
    400 => [InvalidFormat],
    404 => [ArticleNotFound],
});
refusals!(OnlineSale, Terminal, true, {
    400 => [InvalidFormat, EmptySale, InvalidIdempotencyKey],
    403 => [BoutiqueMismatch],
    404 => [ArticleNotFound],
    409 => [InsufficientStock, InvoiceConflict, IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused, Other],
});
refusals!(Cancel, Terminal, true, {
    400 => [InvalidFormat, MissingNumeroFacture, AlreadyCancelled, CancellationTimeout, InvalidIdempotencyKey],
    404 => [VenteNotFound],
    409 => [AmbiguousInvoice, IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused],
});
refusals!(Return, Terminal, true, {
    400 => [InvalidFormat, InvalidIdempotencyKey],
    403 => [SaleOfAnotherTerminal, CancelWindowExpired],
    404 => [SaleNotFound, ArticleNotFound],
    409 => [ReturnExceedsSale, AlreadyCancelled, IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused],
});
refusals!(Reconcile, Terminal, true, { 400 => [InvalidFormat] });
refusals!(Listing, Terminal, false, { 400 => [InvalidParameter] });
refusals!(Notification, Terminal, false, { 404 => [NotificationNotFound] });
refusals!(TillRecord, Terminal, true, {
    400 => [InvalidFormat, MissingCodeArticle, MissingField, InvalidIdempotencyKey],
    409 => [IdempotencyKeyInProgress],
    422 => [IdempotencyKeyReused],
});
refusals!(Statistics, Terminal, false, {});
refusals!(BoutiquesForCaller, TerminalOrAdmin, false, {});

// `POST ventes/sync/`: a sale refused is in the batch's `201` answer, every sale refused
// included; only what is wrong with the request itself is refused.
refusals!(Sync, Terminal, true, {
    400 => [InvalidFormat, EmptyData, InvalidIdempotencyKey],
    409 => [IdempotencyKeyInProgress],
    413 => [BatchTooLarge],
    422 => [IdempotencyKeyReused],
});

// The administration API.
refusals!(AdminRead, Admin, false, { 404 => [NotFound] });
refusals!(AdminList, Admin, false, { 400 => [InvalidParameter] });
refusals!(AdminShopList, Admin, false, { 400 => [InvalidParameter], 404 => [NotFound] });
refusals!(AdminCreateShop, Admin, true, {
    400 => [InvalidFormat],
    409 => [AlreadyExists],
});
refusals!(AdminWrite, Admin, true, {
    400 => [InvalidFormat],
    404 => [NotFound],
    409 => [AlreadyExists],
});
refusals!(AdminStock, Admin, true, {
    400 => [InvalidFormat],
    404 => [NotFound, ArticleNotFound],
});
refusals!(AdminCount, Admin, true, {
    400 => [InvalidFormat, EmptyData],
    404 => [NotFound, ArticleNotFound],
    409 => [AlreadyExists, CountClosed],
});
refusals!(AdminTransfer, Admin, true, {
    400 => [InvalidFormat],
    404 => [NotFound, ArticleNotFound],
    409 => [InsufficientStock, TransferClosed],
});
refusals!(AdminGiveBack, Admin, true, {
    400 => [InvalidFormat],
    404 => [NotFound, SaleNotFound, ArticleNotFound],
    409 => [AlreadyCancelled, ReturnExceedsSale],
});
refusals!(AdminReview, Admin, true, {
    400 => [InvalidFormat],
    404 => [NotFound],
});

/// `GET /health/ready`: not ready is a `503` with the readiness body.
pub struct Ready;

impl utoipa::IntoResponses for Ready {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = responses(Gate::Open, false, &[]);
        or_body(
            &mut all,
            503,
            &crate::http::monitoring::HealthReady::name(),
            "Not ready: the database is down or migrations are pending",
        );
        all
    }
}

refusals!(Live, Open, false, {});
