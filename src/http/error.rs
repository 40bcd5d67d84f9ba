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
}

impl ApiError {
    pub fn new(status: StatusCode, code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: Map::new(),
            challenge: false,
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
        response
    }
}
