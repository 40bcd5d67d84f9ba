//! A sale as it goes through the server: as the till described it ([`SaleDraft`], checked
//! for form), waiting to be recorded ([`PendingSale`]), and what became of it
//! ([`SaleOutcome`]: recorded, already there, or refused with a [`Refusal`] in the till's
//! vocabulary).

use crate::code::Code;
use crate::money::{Currency, Money, Rate};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Most lines one sale may carry.
pub const MAX_LINES_PER_SALE: usize = 1_000;
/// Most units of one article on one line.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// A sale as the till described it, checked for form but not yet against the database.
#[derive(Debug, Clone)]
pub struct SaleDraft {
    pub numero_facture: String,
    pub date_vente: DateTime<Utc>,
    /// The date exactly as the till sent it.
    pub date_vente_terminal: Option<String>,
    /// Why the till's date was replaced by the server's time, when it was.
    pub date_correction: Option<&'static str>,
    pub mode_paiement: String,
    pub paye: bool,
    pub version_app: Option<String>,
    /// The currency paid; `None`: the shop's.
    pub devise: Option<Currency>,
    /// The totals the till computed (`Total`, `TotalUsd`): kept, never trusted.
    pub total_declare: Option<Money>,
    pub total_usd_declare: Option<Money>,
    pub lines: Vec<LineDraft>,
    /// What the sale contains, as the till sent it: a repeat of its invoice number with
    /// another fingerprint is a different sale (`INVOICE_CONFLICT`), not a retry.
    pub empreinte: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineDraft {
    pub article_id: i64,
    pub quantite: i32,
    /// `None`: the article's current selling price.
    pub prix_unitaire: Option<Money>,
    /// The line's currency; `None`: the sale's.
    pub devise: Option<Currency>,
    /// The unit price in USD the till shows, if it sent one.
    pub prix_unitaire_usd: Option<Money>,
    /// The variant scanned, if any (ignored unless an active variant of the article).
    pub variante_id: Option<i64>,
    /// The catalogue price before the cashier negotiated, if the till says.
    pub prix_original: Option<Money>,
    pub est_negocie: Option<bool>,
    pub motif_reduction: Option<String>,
}

/// Who sells: the till and what the request says about it. Sales of one call to
/// [`record_sales`] all belong to one boutique but may come from several of its tills.
#[derive(Debug, Clone)]
pub struct Seller {
    pub terminal_id: i64,
    pub nom_terminal: String,
    pub adresse_ip: Option<String>,
}

/// One sale waiting to be recorded.
#[derive(Debug, Clone)]
pub struct PendingSale {
    pub seller: Arc<Seller>,
    pub draft: SaleDraft,
}

/// What became of one sale.
#[derive(Debug, Clone)]
pub enum SaleOutcome {
    Created(RecordedSale),
    /// The till had already sent this invoice number; nothing was touched.
    Duplicate {
        id: i64,
    },
    Refused(Refusal),
}

#[derive(Debug, Clone)]
pub struct RecordedSale {
    pub id: i64,
    pub numero_facture: String,
    pub date_vente: DateTime<Utc>,
    pub date_correction: Option<&'static str>,
    pub date_vente_terminal: Option<String>,
    pub montant_total: Money,
    pub mode_paiement: String,
    pub paye: bool,
    pub devise: Currency,
    /// The rate in force at the sale's date, stored with it.
    pub taux_dollar: Rate,
    /// The total in USD: the total of a USD sale; for a CDF sale, the lines' USD prices
    /// when every line has one.
    pub montant_total_usd: Option<Money>,
    /// The total the till declared, when it differs from the lines' by more than 0.01.
    pub montant_total_declare: Option<Money>,
    pub lines: Vec<RecordedLine>,
    /// Articles this sale took below what was in stock (boutiques that allow it).
    pub stock_alerts: Vec<NegativeStock>,
}

/// A sale recorded although the stock did not cover it.
#[derive(Debug, Clone, PartialEq)]
pub struct NegativeStock {
    pub article_id: i64,
    /// Units sold beyond the stock.
    pub manque: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
}

#[derive(Debug, Clone)]
pub struct RecordedLine {
    pub article_id: i64,
    pub article_nom: String,
    pub article_code: String,
    pub quantite: i32,
    /// The unit price charged, in the line's currency.
    pub prix_unitaire: Money,
    /// `quantite × prix_unitaire`, in the line's currency.
    pub sous_total: Money,
    pub devise: Currency,
    pub prix_unitaire_usd: Option<Money>,
    pub variante_id: Option<i64>,
    /// The catalogue price in the line's currency, and whether the cashier negotiated.
    pub prix_original: Money,
    pub est_negocie: bool,
    pub motif_reduction: Option<String>,
}

/// Why a sale was refused, in the till's vocabulary, with a French message.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub code: Code,
    pub message: String,
    pub article_id: Option<i64>,
    pub shortage: Option<Shortage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Shortage {
    pub article_nom: String,
    pub stock_disponible: i32,
    pub stock_demande: i64,
}

impl Refusal {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
            article_id: None,
            shortage: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Refusal::new(Code::InvalidFormat, message)
    }

    /// `asked`: the units of that article the sale asked for. The till is told them with a
    /// name and a stock of nothing, the same whether the id is another shop's or nobody's.
    pub fn article_not_found(article_id: i64, asked: i64) -> Self {
        Refusal {
            article_id: Some(article_id),
            shortage: Some(Shortage {
                article_nom: String::new(),
                stock_disponible: 0,
                stock_demande: asked,
            }),
            ..Refusal::new(
                Code::ArticleNotFound,
                format!("Article {article_id} introuvable ou inactif dans cette boutique"),
            )
        }
    }

    pub fn invoice_conflict(numero_facture: &str) -> Self {
        Refusal::new(
            Code::InvoiceConflict,
            format!(
                "Le numéro de facture {numero_facture} a déjà été utilisé par ce terminal pour une vente différente"
            ),
        )
    }

    pub fn insufficient_stock(
        article_id: i64,
        article_nom: &str,
        stock_disponible: i32,
        stock_demande: i64,
    ) -> Self {
        Refusal {
            article_id: Some(article_id),
            shortage: Some(Shortage {
                article_nom: article_nom.to_owned(),
                stock_disponible,
                stock_demande,
            }),
            ..Refusal::new(
                Code::InsufficientStock,
                format!(
                    "Stock insuffisant pour {article_nom} : disponible {stock_disponible}, demandé {stock_demande}"
                ),
            )
        }
    }
}
