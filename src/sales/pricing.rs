//! What a sale costs, in CDF and USD.
//!
//! A sale is paid in one currency (the shop's unless the till says), each of its lines in
//! its own (the sale's unless the till says). A line's unit price is what was charged **in
//! the line's currency**, whatever the till sent it as: a USD line takes the USD price the
//! till sent, else its plain price, else the article's USD price, else its CDF price at the
//! rate; a CDF line takes the price the till sent (0 is a price), else the article's CDF
//! price (a USD article's at the rate). The sale's total is in its currency: a line in the
//! other one is converted at the sale's rate (the rate in force at the sale's date, stored
//! with it), never added raw. The totals the till computed are kept when they differ, never
//! trusted.

use super::sale::{LineDraft, RecordedLine, Refusal, SaleDraft};
use crate::money::{Currency, Money, Rate};
use rust_decimal::Decimal;

/// An article as pricing needs it.
#[derive(Debug, Clone)]
pub struct CatalogueEntry {
    pub nom: String,
    pub code: String,
    pub devise: Currency,
    pub prix_vente: Money,
    pub prix_vente_usd: Option<Money>,
}

impl CatalogueEntry {
    /// The catalogue price in `currency`: its own price, its stored USD price, or the
    /// other price at `rate`.
    fn price_in(&self, currency: Currency, rate: Rate) -> Money {
        match (self.devise, currency) {
            (own, wanted) if own == wanted => self.prix_vente,
            (Currency::Cdf, Currency::Usd) => self
                .prix_vente_usd
                .unwrap_or_else(|| rate.convert(self.prix_vente, Currency::Cdf, Currency::Usd)),
            _ => rate.convert(self.prix_vente, self.devise, currency),
        }
    }

    /// Its USD price as kept in the catalogue, if any (not computed from a rate).
    fn stored_usd(&self) -> Option<Money> {
        match self.devise {
            Currency::Usd => Some(self.prix_vente),
            Currency::Cdf => self.prix_vente_usd,
        }
    }
}

/// A sale's prices and totals.
#[derive(Debug, Clone)]
pub struct PricedSale {
    pub devise: Currency,
    pub taux_dollar: Rate,
    pub total: Money,
    pub total_usd: Option<Money>,
    /// The till's own total, when it differs from `total` by more than 0.01.
    pub total_declare: Option<Money>,
    pub lines: Vec<RecordedLine>,
}

/// Prices `draft` in a shop selling in `shop_currency`, at `rate`. `article` gives the
/// boutique's active articles; `variant_of` the parent of an active variant. A sale naming
/// an article that is not there is refused (`ARTICLE_NOT_FOUND`); so is one whose total no
/// longer fits (`INVALID_FORMAT`).
pub fn price_sale<'a>(
    draft: &SaleDraft,
    shop_currency: Currency,
    rate: Rate,
    article: impl Fn(i64) -> Option<&'a CatalogueEntry>,
    variant_of: impl Fn(i64) -> Option<i64>,
) -> Result<PricedSale, Refusal> {
    let devise = draft.devise.unwrap_or(shop_currency);
    let too_large = || Refusal::invalid("Le montant total de la vente dépasse la limite autorisée");
    let mut lines = Vec::with_capacity(draft.lines.len());
    let mut total = Money::ZERO;
    let mut total_usd = Some(Money::ZERO);
    for line in &draft.lines {
        let entry = article(line.article_id).ok_or_else(|| {
            let asked = draft
                .lines
                .iter()
                .filter(|l| l.article_id == line.article_id)
                .map(|l| i64::from(l.quantite))
                .sum();
            Refusal::article_not_found(line.article_id, asked)
        })?;
        let priced = price_line(line, entry, devise, rate, &variant_of);
        let sous_total = priced
            .prix_unitaire
            .times(line.quantite)
            .ok_or_else(too_large)?;
        let in_sale_currency = rate.convert(sous_total, priced.devise, devise);
        total = total
            .checked_add(in_sale_currency)
            .filter(|t| t.fits_total())
            .ok_or_else(too_large)?;
        total_usd = match (total_usd, priced.prix_unitaire_usd) {
            (Some(sum), Some(usd)) => usd.times(line.quantite).and_then(|s| sum.checked_add(s)),
            _ => None,
        };
        lines.push(RecordedLine {
            sous_total,
            ..priced
        });
    }
    let total_usd = match devise {
        Currency::Usd => Some(total),
        Currency::Cdf => total_usd.filter(|t| t.fits_total()),
    };
    let declared = match devise {
        Currency::Usd => draft.total_usd_declare.or(draft.total_declare),
        Currency::Cdf => draft.total_declare,
    };
    let total_declare = declared
        .filter(|d| (d.amount() - total.amount()).abs() > Decimal::new(1, 2))
        .filter(|d| d.fits_total());
    Ok(PricedSale {
        devise,
        taux_dollar: rate,
        total,
        total_usd,
        total_declare,
        lines,
    })
}

/// One line, its subtotal not yet computed.
fn price_line(
    line: &LineDraft,
    entry: &CatalogueEntry,
    sale_currency: Currency,
    rate: Rate,
    variant_of: impl Fn(i64) -> Option<i64>,
) -> RecordedLine {
    let devise = line.devise.unwrap_or(sale_currency);
    let positive = |price: Option<Money>| price.filter(|p| p.amount() > Decimal::ZERO);
    let prix_unitaire = match devise {
        Currency::Usd => positive(line.prix_unitaire_usd)
            .or(positive(line.prix_unitaire))
            .unwrap_or_else(|| entry.price_in(Currency::Usd, rate)),
        Currency::Cdf => line
            .prix_unitaire
            .unwrap_or_else(|| entry.price_in(Currency::Cdf, rate)),
    };
    let prix_unitaire_usd = match devise {
        Currency::Usd => Some(prix_unitaire),
        Currency::Cdf => line.prix_unitaire_usd.or_else(|| entry.stored_usd()),
    };
    let prix_original = line
        .prix_original
        .unwrap_or_else(|| entry.price_in(devise, rate));
    let est_negocie = line.est_negocie == Some(true)
        || (prix_original.amount() - prix_unitaire.amount()).abs() > Decimal::new(1, 2);
    RecordedLine {
        article_id: line.article_id,
        article_nom: entry.nom.clone(),
        article_code: entry.code.clone(),
        quantite: line.quantite,
        prix_unitaire,
        sous_total: Money::ZERO,
        devise,
        prix_unitaire_usd,
        variante_id: line
            .variante_id
            .filter(|v| variant_of(*v) == Some(line.article_id)),
        prix_original,
        est_negocie,
        motif_reduction: line.motif_reduction.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::collections::HashMap;

    fn money(text: &str) -> Money {
        Money::new(text.parse().unwrap())
    }

    fn catalogue() -> HashMap<i64, CatalogueEntry> {
        let entry = |devise, prix: &str, usd: Option<&str>| CatalogueEntry {
            nom: "x".into(),
            code: "x".into(),
            devise,
            prix_vente: money(prix),
            prix_vente_usd: usd.map(money),
        };
        HashMap::from([
            // A CDF charger with a USD price set by the manager.
            (1, entry(Currency::Cdf, "28000", Some("10.00"))),
            // A CDF cable with no USD price.
            (2, entry(Currency::Cdf, "5600", None)),
            // A USD phone.
            (3, entry(Currency::Usd, "120", None)),
        ])
    }

    fn sale(devise: Option<Currency>, lines: Vec<LineDraft>) -> SaleDraft {
        SaleDraft {
            numero_facture: "F".into(),
            date_vente: Utc::now(),
            date_vente_terminal: None,
            date_correction: None,
            mode_paiement: "CASH".into(),
            paye: true,
            version_app: None,
            devise,
            total_declare: None,
            total_usd_declare: None,
            lines,
            empreinte: String::new(),
        }
    }

    fn line(article_id: i64, quantite: i32) -> LineDraft {
        LineDraft {
            article_id,
            quantite,
            ..LineDraft::default()
        }
    }

    fn priced(draft: &SaleDraft) -> PricedSale {
        let catalogue = catalogue();
        let rate = Rate::new(Decimal::from(2800)).unwrap();
        price_sale(
            draft,
            Currency::Cdf,
            rate,
            |id| catalogue.get(&id),
            |v| (v == 7).then_some(1),
        )
        .unwrap()
    }

    #[test]
    fn a_cdf_sale_of_cdf_articles_is_priced_from_the_catalogue() {
        let p = priced(&sale(None, vec![line(1, 2), line(2, 1)]));
        assert_eq!(p.devise, Currency::Cdf);
        assert_eq!(p.total, money("61600"));
        // The cable has no USD price: no USD total.
        assert_eq!(p.total_usd, None);
        assert_eq!(p.lines[0].prix_unitaire_usd, Some(money("10.00")));
        assert!(!p.lines[0].est_negocie);
    }

    #[test]
    fn a_usd_sale_is_totalled_in_usd_and_a_cdf_line_converted_at_the_rate() {
        let mut cdf_line = line(2, 1);
        cdf_line.devise = Some(Currency::Cdf);
        let p = priced(&sale(
            Some(Currency::Usd),
            vec![line(3, 1), line(1, 1), cdf_line],
        ));
        // 120 (phone) + 10 (charger's USD price) + 5600 CDF / 2800 = 2.
        assert_eq!(p.total, money("132.00"));
        assert_eq!(p.total_usd, Some(money("132.00")));
        assert_eq!(p.lines[1].prix_unitaire, money("10.00"));
        assert_eq!(p.lines[2].prix_unitaire, money("5600"));
        assert_eq!(p.lines[2].devise, Currency::Cdf);
    }

    #[test]
    fn usd_prices_sent_by_the_till_win_and_zero_means_none() {
        let mut sent = line(2, 3);
        sent.prix_unitaire_usd = Some(money("2.50"));
        let mut zero = line(2, 1);
        zero.prix_unitaire_usd = Some(Money::ZERO);
        zero.prix_unitaire = Some(Money::ZERO);
        let p = priced(&sale(Some(Currency::Usd), vec![sent, zero]));
        assert_eq!(p.lines[0].prix_unitaire, money("2.50"));
        assert_eq!(p.lines[0].sous_total, money("7.50"));
        // Neither price above zero: the cable's CDF price at the rate.
        assert_eq!(p.lines[1].prix_unitaire, money("2.00"));
        // Both lines are cheaper than the catalogue for the first, not for the second.
        assert!(p.lines[0].est_negocie);
        assert!(!p.lines[1].est_negocie);
    }

    #[test]
    fn a_cdf_line_of_a_usd_article_takes_its_price_at_the_rate() {
        let p = priced(&sale(None, vec![line(3, 1)]));
        assert_eq!(p.lines[0].prix_unitaire, money("336000"));
        assert_eq!(p.lines[0].prix_unitaire_usd, Some(money("120")));
        assert_eq!(p.total_usd, Some(money("120")));
    }

    #[test]
    fn a_price_given_at_zero_in_cdf_is_kept_and_noted_as_negotiated() {
        let mut free = line(1, 1);
        free.prix_unitaire = Some(Money::ZERO);
        let p = priced(&sale(None, vec![free]));
        assert_eq!(p.total, Money::ZERO);
        assert!(p.lines[0].est_negocie);
        assert_eq!(p.lines[0].prix_original, money("28000"));
    }

    #[test]
    fn declared_totals_are_kept_only_when_they_differ() {
        let mut draft = sale(None, vec![line(1, 1)]);
        draft.total_declare = Some(money("28000.01"));
        assert_eq!(priced(&draft).total_declare, None);
        draft.total_declare = Some(money("27000"));
        assert_eq!(priced(&draft).total_declare, Some(money("27000")));
    }

    #[test]
    fn a_variant_is_kept_only_when_it_belongs_to_the_article() {
        let mut of_charger = line(1, 1);
        of_charger.variante_id = Some(7);
        let mut of_cable = line(2, 1);
        of_cable.variante_id = Some(7);
        let p = priced(&sale(None, vec![of_charger, of_cable]));
        assert_eq!(p.lines[0].variante_id, Some(7));
        assert_eq!(p.lines[1].variante_id, None);
    }

    #[test]
    fn an_unknown_article_refuses_the_sale() {
        let catalogue = catalogue();
        let refusal = price_sale(
            &sale(None, vec![line(99, 1)]),
            Currency::Cdf,
            Rate::DEFAULT,
            |id| catalogue.get(&id),
            |_| None,
        )
        .unwrap_err();
        assert_eq!(refusal.code, crate::code::Code::ArticleNotFound);
    }
}
