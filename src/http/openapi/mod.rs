//! The OpenAPI 3.1 description of the whole HTTP API, built from the handlers'
//! `#[utoipa::path]` attributes and the types their bodies are made of; served at
//! `/api/openapi.json`, with Swagger UI at `/api/docs`.
//!
//! Drift is caught by the tests: one fails if the router has a route the document does not
//! describe, and every response of the integration tests is checked against the document
//! (status, `code` of a refusal, and every key and JSON type of the body).

pub mod examples;
pub mod refusals;
pub mod schemas;

use super::AppState;
use axum::Router;
use examples::Examples;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";
/// Where Swagger UI is served.
pub const UI_PATH: &str = "/api/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "caisse",
        description = "The server that the point-of-sale tills of a chain of shops sync their \
                       sales to.\n\n\
                       * **Terminal API** (`/api/v2/simple/…`): what the tills call. A till \
                       identifies itself with `X-Device-Serial` (the demo till is \
                       `0a1badae951f8473`); click *Authorize* and enter it to try the \
                       endpoints. Every path works with and without its trailing slash.\n\
                       * **Administration API** (`/api/admin/…`): shops, tills, catalogue, \
                       stock, sales, refused sales and stock alerts, behind \
                       `Authorization: Bearer <token>` (`caisse create-admin-token`).\n\n\
                       Field names are French, as the deployed tills expect them. Money is a \
                       string with two decimals (`\"25000.00\"`), except in the answer to \
                       `POST ventes/`, whose amounts are JSON numbers. Timestamps are ISO 8601 \
                       with the shop's offset. Every refusal is \
                       `{\"success\": false, \"error\": \"<message en français>\", \"code\": \"<CODE>\", …}`.",
        license(name = "MIT"),
    ),
    paths(
        super::terminal::status::status,
        super::terminal::info::terminal_info,
        super::terminal::catalogue::articles,
        super::terminal::catalogue::articles_of_terminal,
        super::terminal::stock::set_stock,
        super::terminal::catalogue::categories,
        super::terminal::catalogue::deleted_articles,
        super::terminal::catalogue::variants,
        super::terminal::pos::pos_status,
        super::terminal::sales::create_sale,
        super::terminal::sync::sync,
        super::terminal::sync::sync_ventes,
        super::terminal::negotiations::negotiations,
        super::terminal::stock::regularise,
        super::terminal::abandon::abandon,
        super::terminal::records::record_negotiation,
        super::terminal::records::record_return,
        super::terminal::records::negotiation_history,
        super::terminal::records::return_history,
        super::terminal::notifications::list,
        super::terminal::notifications::recent,
        super::terminal::notifications::unread,
        super::terminal::notifications::count_unread,
        super::terminal::notifications::detail,
        super::terminal::notifications::mark_as_read,
        super::terminal::notifications::mark_all_as_read,
        super::terminal::analysis::analyse,
        super::terminal::value_journal::journal,
        super::terminal::cash_reports::record,
        super::terminal::cash_reports::list,
        super::terminal::sendings::pending,
        super::terminal::sendings::confirm,
        super::terminal::sendings::refuse,
        super::terminal::give_back::cancel,
        super::terminal::give_back::return_articles,
        super::terminal::reconciliation::reconcile,
        super::terminal::history::history,
        super::terminal::statistics::statistics,
        super::terminal::stock::movements,
        super::terminal::boutiques::for_caller,
        super::terminal::live::boutique,
        super::terminal::live::notifications,
        super::admin::boutiques::list,
        super::admin::boutiques::create,
        super::admin::boutiques::show,
        super::admin::boutiques::update,
        super::admin::rates::show,
        super::admin::rates::set_for_shop,
        super::admin::rates::set_for_merchant,
        super::admin::boutiques::deactivate,
        super::admin::terminals::list,
        super::admin::terminals::create,
        super::admin::terminals::show,
        super::admin::terminals::update,
        super::admin::terminals::deactivate,
        super::admin::terminals::rotate_key,
        super::admin::catalogue::list_categories,
        super::admin::catalogue::create_category,
        super::admin::catalogue::update_category,
        super::admin::catalogue::delete_category,
        super::admin::catalogue::list_articles,
        super::admin::catalogue::create_article,
        super::admin::catalogue::show_article,
        super::admin::catalogue::update_article,
        super::admin::catalogue::deactivate_article,
        super::admin::stock::receive,
        super::admin::stock::send,
        super::admin::transfers::send,
        super::admin::transfers::list,
        super::admin::transfers::show,
        super::admin::transfers::receive,
        super::admin::transfers::refuse,
        super::admin::variants::create,
        super::admin::variants::update,
        super::admin::variants::withdraw,
        super::admin::stock::adjust,
        super::admin::counts::open,
        super::admin::counts::list,
        super::admin::counts::show,
        super::admin::counts::record,
        super::admin::counts::apply,
        super::admin::counts::abandon,
        super::admin::sales::list,
        super::admin::sales::cancel,
        super::admin::sales::return_articles,
        super::admin::sessions::open,
        super::admin::sessions::close,
        super::admin::sessions::list,
        super::admin::sessions::report,
        super::admin::stock::movements,
        super::admin::review::list_rejections,
        super::admin::review::resolve_rejection,
        super::admin::review::list_stock_alerts,
        super::admin::review::close_stock_alert,
        super::admin::tokens::list,
        super::admin::tokens::revoke,
        super::monitoring::live,
        super::monitoring::ready,
        super::monitoring::scrape,
    ),
    components(schemas(schemas::ApiErrorBody, crate::code::Code)),
    modifiers(&Security, &Examples),
    tags(
        (name = "Terminal", description = "What the tills call, under `/api/v2/simple/`"),
        (name = "Administration", description = "Managing the shops, under `/api/admin/`"),
        (name = "Operations", description = "Health checks and metrics"),
        (name = "Live push", description = "WebSockets a shop's tills (and back-office pages) are told of changes on, as they commit"),
    ),
)]
pub struct ApiDoc;

/// The ways a caller proves who it is.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut serial = ApiKeyValue::new("X-Device-Serial");
        serial.description = Some(
            "The till's serial (`0a1badae951f8473` for the demo till). Old apps send \
             `Device-Serial` or `Serial-Number`, which work too."
                .into(),
        );
        components.add_security_scheme(
            "X-Device-Serial",
            SecurityScheme::ApiKey(ApiKey::Header(serial)),
        );
        components.add_security_scheme(
            "cle_api",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The till's own key (`Authorization: Bearer <cle_api>`, or \
                         `X-Api-Key`). Optional unless the server sets \
                         `CAISSE_REQUIRE_TERMINAL_KEY=true`; a key that is sent is always \
                         checked. The demo till's key is `demo-cle-0a1badae951f8473`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An administration token, made by `caisse create-admin-token` (shown \
                         once, stored hashed).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

/// `/api/openapi.json` and Swagger UI under `/api/docs`.
pub fn router() -> Router<AppState> {
    SwaggerUi::new(UI_PATH)
        .url(DOCUMENT_PATH, document().clone())
        .into()
}
