//! Recording sales: the heart of the server.
//!
//! A till's sale arrives as JSON, is parsed into a [`SaleDraft`] at the edge (`parse`), and
//! is recorded by [`record::record_sales`], which stores it exactly once with its lines,
//! stock decrements and stock movements, or refuses it leaving nothing behind.

pub mod batcher;
pub mod figures;
pub mod give_back;
pub mod history;
pub mod parse;
pub mod pricing;
pub mod reconciliation;
pub mod record;
pub mod sale;

pub use parse::{ParseContext, named_articles, parse_sale, sent_invoice_number};
pub use record::{StockAlerts, StockUpdate, record_sales, stock_report};
pub use sale::*;
