//! The request body as JSON, with the API's own errors for what is not JSON or too large.

use super::error::ApiError;
use crate::code::Code;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::Value;

/// A body parsed as any JSON value. Its shape is the handler's business.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Code::PayloadTooLarge,
                    "Corps de la requête trop volumineux",
                )
            } else {
                ApiError::bad_request(Code::InvalidJson, "Corps de la requête illisible")
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiError::bad_request(
                Code::InvalidJson,
                format!("Le corps de la requête n'est pas du JSON valide ({e})"),
            )
        })
    }
}
