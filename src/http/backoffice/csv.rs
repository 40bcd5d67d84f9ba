//! CSV exports, made for the spreadsheets the shops open them in: fields separated by `;`
//! and amounts with a decimal comma (what a spreadsheet set to French reads as numbers),
//! UTF-8 with a byte-order mark (or accents come out garbled), CRLF line ends, and fields
//! quoted when they must be; named after what they hold, the boutique and the days.

use super::error::PageError;
use super::format::number;
use crate::boutiques::Shop;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::HashMap;

/// Most rows of one export: a longer period is refused with a request to narrow it.
pub const MAX_EXPORT: i64 = 50_000;

/// Refuses an export of `total` `rows` (`ventes`, `mouvements`) past [`MAX_EXPORT`].
pub fn within_limit(total: i64, rows: &str) -> Result<(), PageError> {
    if total <= MAX_EXPORT {
        return Ok(());
    }
    Err(PageError::message(
        StatusCode::BAD_REQUEST,
        format!(
            "{} {rows} : c'est plus que les {} d'un export. Choisissez une période plus courte.",
            number(total),
            number(MAX_EXPORT)
        ),
    ))
}

pub struct Csv(String);

impl Csv {
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Csv(String::from("\u{feff}"));
        csv.row(header.iter().copied());
        csv
    }

    pub fn row<S: AsRef<str>>(&mut self, fields: impl IntoIterator<Item = S>) {
        for (i, value) in fields.into_iter().enumerate() {
            if i > 0 {
                self.0.push(';');
            }
            self.0.push_str(&field(value.as_ref()));
        }
        self.0.push_str("\r\n");
    }

    /// The document as a download named `filename`.
    pub fn download(self, filename: &str) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            self.0,
        )
            .into_response()
    }
}

/// The file name of an export: what, which boutique, which days.
pub fn export_name(what: &str, shop: &Shop, query: &HashMap<String, String>) -> String {
    let day = |name: &str| {
        query
            .get(name)
            .map(|d| {
                d.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .take(10)
                    .collect::<String>()
            })
            .filter(|d| !d.is_empty())
    };
    let code: String = shop
        .code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    match (day("date_debut"), day("date_fin")) {
        (None, None) => format!("{what}-{code}.csv"),
        (start, end) => format!(
            "{what}-{code}-{}_{}.csv",
            start.as_deref().unwrap_or("debut"),
            end.as_deref().unwrap_or("fin")
        ),
    }
}

/// An amount as a spreadsheet set to French reads it: `50000,00`.
pub fn decimal(value: Decimal) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// One field, as RFC 4180 quotes it: between double quotes (doubled inside) when it holds
/// either common separator (`;` or `,`), a quote or a line end. Text that a spreadsheet could
/// run as a formula — starting, after any spaces, with `=`, `+`, `@`, a tab, a line end, or
/// `-` not followed by a number — is prefixed with `'`: a comment typed at a till is data,
/// never a formula, whatever separator the spreadsheet is set to.
fn field(value: &str) -> Cow<'_, str> {
    let start = value.trim_start_matches(' ');
    let formula = match start.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r' | '\n') => true,
        Some('-') => start[1..].trim().parse::<f64>().is_err(),
        _ => false,
    };
    let value: Cow<'_, str> = if formula {
        format!("'{value}").into()
    } else {
        value.into()
    };
    if value.contains([';', ',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\"")).into()
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_needed() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(["simple", "avec ; point-virgule"]);
        csv.row(["dit \"bonjour\"", "deux\nlignes"]);
        csv.row(["=SOMME(A1)", "-5"]);
        csv.row(["-x", "+33"]);
        csv.row(["  =1+1", "1,5"]);
        csv.row(["\t=1", " -2"]);
        assert_eq!(
            csv.0,
            "\u{feff}a;b\r\n\
             simple;\"avec ; point-virgule\"\r\n\
             \"dit \"\"bonjour\"\"\";\"deux\nlignes\"\r\n\
             '=SOMME(A1);-5\r\n\
             '-x;'+33\r\n\
             '  =1+1;\"1,5\"\r\n\
             '\t=1; -2\r\n"
        );
    }

    #[test]
    fn amounts_with_a_decimal_comma() {
        assert_eq!(decimal("50000".parse().unwrap()), "50000,00");
        assert_eq!(decimal("1250.5".parse().unwrap()), "1250,50");
    }
}
