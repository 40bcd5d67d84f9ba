//! Turning one element of a sync batch (or the body of an online sale) into a [`SaleDraft`].
//!
//! The tills send loosely typed JSON; every field is checked here, once, with a French
//! message that names it. A sale that does not parse is refused on its own: the other
//! sales of the batch go on.

use super::sale::{LineDraft, MAX_LINES_PER_SALE, MAX_QUANTITY, Refusal, SaleDraft};
use crate::boutiques::parse_date;
use crate::code::Code;
use crate::money::{Currency, Money};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A till clock more than this far ahead of the server is wrong.
const FUTURE_TOLERANCE_MINUTES: i64 = 30;
/// Longest invoice number, payment mode and app version kept.
const MAX_TEXT: usize = 100;

/// What parsing needs to know about the request.
#[derive(Debug, Clone)]
pub struct ParseContext {
    /// The terminal's boutique: a sale naming another one is refused.
    pub boutique_id: i64,
    /// The boutique's time zone, for dates sent without an offset.
    pub time_zone: Tz,
    pub now: DateTime<Utc>,
    /// The app version from the request headers, when the sale does not give one.
    pub version_app: Option<String>,
}

/// A JSON object's fields under their canonical names. The tills write them in snake_case
/// (`numero_facture`); the MAUI app also posts PascalCase (`VenteUid`, `Items`,
/// `ArticleId`…). A field spelled exactly as its canonical name wins over an alias.
type Fields<'a> = HashMap<&'static str, &'a Value>;

/// A key as the tills' bodies are matched: lowercase, without underscores, so that
/// `numero_facture`, `NumeroFacture` and `numeroFacture` are one key.
pub fn simple_key(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The value of a field by its simple name ([`simple_key`]), if present and not `null`.
pub fn simple_field<'a>(object: &'a Map<String, Value>, simple: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| simple_key(k) == simple)
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn fields<'a>(
    object: &'a Map<String, Value>,
    name: fn(&str) -> Option<&'static str>,
) -> Fields<'a> {
    let mut fields = HashMap::with_capacity(object.len());
    for (key, value) in object {
        if let Some(canonical) = name(&simple_key(key)) {
            if key == canonical {
                fields.insert(canonical, value);
            } else {
                fields.entry(canonical).or_insert(value);
            }
        }
    }
    fields
}

fn sale_field(simple: &str) -> Option<&'static str> {
    Some(match simple {
        "numerofacture" | "venteuid" => "numero_facture",
        "datevente" | "date" => "date_vente",
        "modepaiement" => "mode_paiement",
        "paye" => "paye",
        "lignes" | "items" => "lignes",
        "boutiqueid" => "boutique_id",
        "versionappmaui" => "version_app_maui",
        "devise" => "devise",
        "total" | "montanttotal" => "total",
        "totalusd" | "montanttotalusd" => "total_usd",
        _ => return None,
    })
}

fn line_field(simple: &str) -> Option<&'static str> {
    Some(match simple {
        "articleid" => "article_id",
        "quantite" => "quantite",
        "prixunitaire" => "prix_unitaire",
        "prixunitaireusd" => "prix_unitaire_usd",
        "devise" => "devise",
        "varianteid" => "variante_id",
        "prixoriginal" => "prix_original",
        "estnegocie" => "est_negocie",
        "motifreduction" => "motif_reduction",
        _ => return None,
    })
}

/// The invoice number as the till sent it, for reporting a refusal.
pub fn sent_invoice_number(sale: &Value) -> Option<String> {
    let Value::Object(sale) = sale else {
        return None;
    };
    match fields(sale, sale_field).get("numero_facture")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The article ids a sale names, as far as they can be read (also from a sale that does
/// not parse), so the till can be told their current stock.
pub fn named_articles(sale: &Value) -> Vec<i64> {
    let Value::Object(sale) = sale else {
        return Vec::new();
    };
    let Some(Value::Array(lines)) = fields(sale, sale_field).get("lignes").copied() else {
        return Vec::new();
    };
    lines
        .iter()
        .filter_map(|line| match line {
            Value::Object(line) => fields(line, line_field).get("article_id")?.as_i64(),
            _ => None,
        })
        .filter(|id| *id > 0)
        .collect()
}

pub fn parse_sale(sale: &Value, ctx: &ParseContext) -> Result<SaleDraft, Refusal> {
    let Value::Object(sale) = sale else {
        return Err(Refusal::invalid(
            "Vente invalide : un objet JSON est attendu",
        ));
    };
    let sale = fields(sale, sale_field);

    check_boutique(&sale, ctx.boutique_id)?;

    let lines = match sale.get("lignes").copied() {
        None | Some(Value::Null) => return Err(empty_sale()),
        Some(Value::Array(lines)) if lines.is_empty() => return Err(empty_sale()),
        Some(Value::Array(lines)) => lines,
        Some(_) => {
            return Err(Refusal::invalid(
                "Le champ 'lignes' doit être une liste de lignes",
            ));
        }
    };
    if lines.len() > MAX_LINES_PER_SALE {
        return Err(Refusal::invalid(format!(
            "La vente contient trop de lignes (au plus {MAX_LINES_PER_SALE})"
        )));
    }
    let lines = lines
        .iter()
        .enumerate()
        .map(|(i, line)| parse_line(line, i + 1))
        .collect::<Result<Vec<_>, _>>()?;

    let numero_facture = match sale.get("numero_facture").copied() {
        None | Some(Value::Null) => generated_invoice_number(ctx.now),
        Some(Value::String(s)) if s.trim().is_empty() => generated_invoice_number(ctx.now),
        Some(Value::String(s)) if s.trim().chars().count() <= MAX_TEXT => s.trim().to_owned(),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        Some(_) => {
            return Err(Refusal::invalid(format!(
                "'numero_facture' doit être une chaîne de 1 à {MAX_TEXT} caractères"
            )));
        }
    };

    let mode_paiement = match sale.get("mode_paiement").copied() {
        None | Some(Value::Null) => "CASH".to_owned(),
        Some(Value::String(s)) if s.trim().is_empty() => "CASH".to_owned(),
        Some(Value::String(s)) if s.trim().chars().count() <= MAX_TEXT => s.trim().to_owned(),
        Some(_) => {
            return Err(Refusal::invalid(format!(
                "'mode_paiement' doit être une chaîne d'au plus {MAX_TEXT} caractères"
            )));
        }
    };

    let paye = match sale.get("paye").copied() {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(Refusal::invalid("'paye' doit être true ou false")),
    };

    let version_app = match sale.get("version_app_maui").copied() {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            Some(s.trim().chars().take(MAX_TEXT).collect())
        }
        _ => ctx.version_app.clone(),
    };

    let (date_vente, date_vente_terminal, date_correction) = match sale.get("date_vente").copied() {
        None | Some(Value::Null) => (ctx.now, None, None),
        Some(Value::String(raw)) => {
            let raw = raw.trim();
            let kept = Some(raw.chars().take(MAX_TEXT).collect::<String>());
            match parse_date(raw, ctx.time_zone) {
                None => (ctx.now, kept, Some(DATE_UNREADABLE)),
                Some(date)
                    if date - ctx.now > chrono::Duration::minutes(FUTURE_TOLERANCE_MINUTES) =>
                {
                    (ctx.now, kept, Some(DATE_IN_FUTURE))
                }
                Some(date) if date < earliest_plausible_date() => {
                    (ctx.now, kept, Some(DATE_TOO_OLD))
                }
                Some(date) => (date, kept, None),
            }
        }
        Some(_) => {
            return Err(Refusal::invalid(
                "'date_vente' doit être une date ISO 8601 (ex. 2024-11-04T10:30:00+01:00)",
            ));
        }
    };

    let devise = currency(sale.get("devise").copied(), "la vente")?;
    let total_declare = declared(sale.get("total").copied());
    let total_usd_declare = declared(sale.get("total_usd").copied());
    let empreinte = fingerprint(&lines, devise);
    Ok(SaleDraft {
        empreinte,
        devise,
        total_declare,
        total_usd_declare,
        numero_facture,
        date_vente,
        date_vente_terminal,
        date_correction,
        mode_paiement,
        paye,
        version_app,
        lines,
    })
}

pub const DATE_IN_FUTURE: &str =
    "Date de vente dans le futur (horloge du terminal) : remplacée par l'heure du serveur";
pub const DATE_TOO_OLD: &str =
    "Date de vente invraisemblable (horloge du terminal) : remplacée par l'heure du serveur";
pub const DATE_UNREADABLE: &str = "Date de vente illisible : remplacée par l'heure du serveur";

fn empty_sale() -> Refusal {
    Refusal::new(Code::EmptySale, "La vente ne contient aucune ligne")
}

/// An id as tills send it: a JSON whole number, or one written as a string.
pub fn sent_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

fn check_boutique(sale: &Fields, boutique_id: i64) -> Result<(), Refusal> {
    let sent = match sale.get("boutique_id").copied() {
        None | Some(Value::Null) => return Ok(()),
        Some(value) => sent_id(value),
    };
    match sent {
        Some(id) if id == boutique_id => Ok(()),
        Some(_) => Err(Refusal::new(
            Code::BoutiqueMismatch,
            "Cette vente est adressée à une autre boutique que celle du terminal",
        )),
        None => Err(Refusal::invalid("'boutique_id' doit être un entier")),
    }
}

fn parse_line(line: &Value, n: usize) -> Result<LineDraft, Refusal> {
    let Value::Object(line) = line else {
        return Err(Refusal::invalid(format!(
            "Ligne {n} : un objet JSON est attendu"
        )));
    };
    let line = fields(line, line_field);
    let article_id = match line.get("article_id").copied() {
        Some(Value::Number(id)) => id.as_i64().filter(|id| *id > 0),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok().filter(|id| *id > 0),
        _ => None,
    }
    .ok_or_else(|| {
        Refusal::invalid(format!(
            "Ligne {n} : 'article_id' doit être un entier positif"
        ))
    })?;
    let quantite = match line.get("quantite").copied() {
        None => Some(1),
        Some(Value::Number(q)) => q.as_i64().filter(|q| (1..=MAX_QUANTITY).contains(q)),
        Some(_) => None,
    }
    .ok_or_else(|| {
        Refusal::invalid(format!(
            "Ligne {n} : 'quantite' doit être un entier de 1 à {MAX_QUANTITY}"
        ))
    })? as i32;
    let prix_unitaire = match line.get("prix_unitaire").copied() {
        None | Some(Value::Null) => None,
        Some(price) => Some(Money::parse_price(price).ok_or_else(|| {
            Refusal::invalid(format!(
                "Ligne {n} : 'prix_unitaire' doit être un montant positif ou nul, inférieur à 10000000000"
            ))
        })?),
    };
    let price = |name: &str| -> Result<Option<Money>, Refusal> {
        match line.get(name).copied() {
            None | Some(Value::Null) => Ok(None),
            Some(price) => Money::parse_price(price).map(Some).ok_or_else(|| {
                Refusal::invalid(format!(
                    "Ligne {n} : '{name}' doit être un montant positif ou nul, inférieur à 10000000000"
                ))
            }),
        }
    };
    let prix_unitaire_usd = price("prix_unitaire_usd")?;
    let prix_original = price("prix_original")?;
    let est_negocie = match line.get("est_negocie").copied() {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    let motif_reduction = match line.get("motif_reduction").copied() {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            Some(s.trim().chars().take(MAX_TEXT * 5).collect())
        }
        _ => None,
    };
    Ok(LineDraft {
        article_id,
        quantite,
        prix_unitaire,
        devise: currency(line.get("devise").copied(), &format!("la ligne {n}"))?,
        prix_unitaire_usd,
        // Anything but an id names no variant: the parent is sold.
        variante_id: line
            .get("variante_id")
            .copied()
            .and_then(sent_id)
            .filter(|id| *id > 0),
        prix_original,
        est_negocie,
        motif_reduction,
    })
}

/// `CDF` or `USD` (any case); absent or null: the default of the level above.
fn currency(value: Option<&Value>, of: &str) -> Result<Option<Currency>, Refusal> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Currency::parse(s).map(Some).ok_or_else(|| {
            Refusal::invalid(format!("Devise de {of} inconnue : CDF ou USD est attendu"))
        }),
        Some(_) => Err(Refusal::invalid(format!(
            "Devise de {of} : CDF ou USD est attendu"
        ))),
    }
}

/// A total the till computed: kept when readable, never trusted nor refused.
fn declared(value: Option<&Value>) -> Option<Money> {
    value.and_then(Money::parse_price)
}

/// What a sale contains, independent of the order of its lines: a retry of the sale has
/// the same fingerprint, another sale under the same number (almost surely) not.
///
/// A currency is part of it only when it is USD, so that sales stored before the tills sent
/// currencies keep their fingerprint.
fn fingerprint(lines: &[LineDraft], devise: Option<Currency>) -> String {
    let mut parts: Vec<String> = lines
        .iter()
        .map(|l| {
            let price = l.prix_unitaire.map(|p| p.to_string()).unwrap_or_default();
            let usd = match l.devise.or(devise) {
                Some(Currency::Usd) => ":USD",
                _ => "",
            };
            format!("{}:{}:{price}{usd}", l.article_id, l.quantite)
        })
        .collect();
    parts.sort_unstable();
    crate::secret::sha256_hex(parts.join("|").as_bytes())
}

/// An invoice number for a sale the till sent without one: unique without relying on the
/// clock (two tills, or one till twice in the same instant, never get the same one).
fn generated_invoice_number(now: DateTime<Utc>) -> String {
    format!(
        "AUTO-{}-{}",
        now.format("%Y%m%d"),
        uuid::Uuid::new_v4().simple()
    )
}

fn earliest_plausible_date() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> ParseContext {
        ParseContext {
            boutique_id: 9,
            time_zone: chrono_tz::Africa::Kinshasa,
            now: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
            version_app: None,
        }
    }

    fn refusal(sale: Value) -> Refusal {
        parse_sale(&sale, &ctx()).unwrap_err()
    }

    #[test]
    fn the_founding_example() {
        let sale = json!({"numero_facture": "FAC-20241104-001", "mode_paiement": "CASH", "paye": true,
            "lignes": [{"article_id": 15, "quantite": 2, "prix_unitaire": 25000.00}]});
        let draft = parse_sale(&sale, &ctx()).unwrap();
        assert_eq!(draft.numero_facture, "FAC-20241104-001");
        assert_eq!(draft.mode_paiement, "CASH");
        assert!(draft.paye);
        assert_eq!(draft.date_vente, ctx().now);
        assert_eq!(
            draft.lines,
            vec![LineDraft {
                article_id: 15,
                quantite: 2,
                prix_unitaire: Money::parse_price(&json!(25000)),
                ..LineDraft::default()
            }]
        );
    }

    #[test]
    fn the_2026_tills_pascal_case_with_currencies() {
        let sale = json!({"VenteUid": "V-1", "Date": "2026-07-01T10:00:00", "Total": 10.5,
            "TotalUsd": "10.50", "Devise": "usd", "ModePaiement": "CASH",
            "Items": [{"ArticleId": 3, "VarianteId": 9, "Quantite": 1, "PrixUnitaire": 1000.00,
                       "PrixUnitaireUsd": 10.5, "Devise": "USD", "PrixOriginal": 12,
                       "EstNegocie": true, "MotifReduction": " fidèle "}]});
        let draft = parse_sale(&sale, &ctx()).unwrap();
        assert_eq!(draft.devise, Some(Currency::Usd));
        assert_eq!(
            draft.total_declare.map(|m| m.to_string()).as_deref(),
            Some("10.50")
        );
        assert_eq!(draft.total_usd_declare, draft.total_declare);
        let line = &draft.lines[0];
        assert_eq!(line.devise, Some(Currency::Usd));
        assert_eq!(line.variante_id, Some(9));
        assert_eq!(
            line.prix_unitaire_usd.map(|m| m.to_string()).as_deref(),
            Some("10.50")
        );
        assert_eq!(
            line.prix_original.map(|m| m.to_string()).as_deref(),
            Some("12.00")
        );
        assert_eq!(line.est_negocie, Some(true));
        assert_eq!(line.motif_reduction.as_deref(), Some("fidèle"));
    }

    #[test]
    fn an_unknown_currency_refuses_the_sale_and_a_bad_variant_is_ignored() {
        let refused = refusal(json!({"devise": "EUR", "lignes": [{"article_id": 1}]}));
        assert_eq!(refused.code, Code::InvalidFormat);
        let draft = parse_sale(
            &json!({"lignes": [{"article_id": 1, "variante_id": "abc"}]}),
            &ctx(),
        )
        .unwrap();
        assert_eq!(draft.lines[0].variante_id, None);
    }

    #[test]
    fn usd_enters_the_fingerprint_and_cdf_leaves_it_as_it_was() {
        let plain = parse_sale(&json!({"lignes": [{"article_id": 1}]}), &ctx()).unwrap();
        let cdf = parse_sale(
            &json!({"devise": "CDF", "lignes": [{"article_id": 1}]}),
            &ctx(),
        )
        .unwrap();
        let usd = parse_sale(
            &json!({"devise": "USD", "lignes": [{"article_id": 1}]}),
            &ctx(),
        )
        .unwrap();
        assert_eq!(plain.empreinte, cdf.empreinte);
        assert_ne!(plain.empreinte, usd.empreinte);
    }

    #[test]
    fn defaults() {
        let draft = parse_sale(&json!({"lignes": [{"article_id": 3}]}), &ctx()).unwrap();
        assert!(draft.numero_facture.starts_with("AUTO-20261125-"));
        assert_eq!(draft.mode_paiement, "CASH");
        assert!(draft.paye);
        assert_eq!(draft.lines[0].quantite, 1);
        assert_eq!(draft.lines[0].prix_unitaire, None);
        let other = parse_sale(&json!({"lignes": [{"article_id": 3}]}), &ctx()).unwrap();
        assert_ne!(draft.numero_facture, other.numero_facture);
    }

    #[test]
    fn bad_quantities() {
        for q in [
            json!(0),
            json!(-1),
            json!(1.5),
            json!("abc"),
            json!(null),
            json!(1_000_000_000_000i64),
            json!(2.0),
        ] {
            let r = refusal(json!({"lignes": [{"article_id": 3, "quantite": q}]}));
            assert_eq!(r.code, Code::InvalidFormat, "{q}");
            assert!(r.message.contains("quantite"), "{}", r.message);
        }
    }

    #[test]
    fn empty_and_malformed_sales() {
        assert_eq!(refusal(json!({})).code, Code::EmptySale);
        assert_eq!(refusal(json!({"lignes": []})).code, Code::EmptySale);
        assert_eq!(refusal(json!({"lignes": "x"})).code, Code::InvalidFormat);
        assert_eq!(refusal(json!([1])).code, Code::InvalidFormat);
        assert_eq!(refusal(json!({"lignes": [7]})).code, Code::InvalidFormat);
        assert_eq!(refusal(json!({"lignes": [{}]})).code, Code::InvalidFormat);
        assert_eq!(
            refusal(json!({"lignes": [{"article_id": 1, "prix_unitaire": -5}]})).code,
            Code::InvalidFormat
        );
        assert_eq!(
            refusal(json!({"paye": "oui", "lignes": [{"article_id": 1}]})).code,
            Code::InvalidFormat
        );
        assert_eq!(
            refusal(json!({"date_vente": 5, "lignes": [{"article_id": 1}]})).code,
            Code::InvalidFormat
        );
    }

    #[test]
    fn another_boutique() {
        let r = refusal(json!({"boutique_id": 10, "lignes": [{"article_id": 1}]}));
        assert_eq!(r.code, Code::BoutiqueMismatch);
        assert!(
            parse_sale(
                &json!({"boutique_id": 9, "lignes": [{"article_id": 1}]}),
                &ctx()
            )
            .is_ok()
        );
        assert!(
            parse_sale(
                &json!({"boutique_id": "9", "lignes": [{"article_id": 1}]}),
                &ctx()
            )
            .is_ok()
        );
    }

    #[test]
    fn dates() {
        let kin = chrono_tz::Africa::Kinshasa;
        // Without an offset: the boutique's local time (Kinshasa is UTC+1).
        assert_eq!(
            parse_date("2026-11-24T10:30:00", kin).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0).unwrap()
        );
        assert_eq!(
            parse_date("2026-11-24T10:30:00.1234567", kin)
                .unwrap()
                .timestamp(),
            Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0)
                .unwrap()
                .timestamp()
        );
        assert_eq!(
            parse_date("2026-11-24T10:30:00Z", kin).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 24, 10, 30, 0).unwrap()
        );
        assert!(parse_date("hier", kin).is_none());

        let sale = |d: &str| {
            parse_sale(
                &json!({"date_vente": d, "lignes": [{"article_id": 1}]}),
                &ctx(),
            )
            .unwrap()
        };
        let yesterday = sale("2026-11-24T18:00:00+01:00");
        assert_eq!(
            yesterday.date_vente,
            Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).unwrap()
        );
        assert_eq!(yesterday.date_correction, None);
        let future = sale("2026-11-25T13:00:00Z");
        assert_eq!(future.date_vente, ctx().now);
        assert_eq!(future.date_correction, Some(DATE_IN_FUTURE));
        assert_eq!(
            future.date_vente_terminal.as_deref(),
            Some("2026-11-25T13:00:00Z")
        );
        // Within the tolerance, the till's time is kept.
        assert_eq!(sale("2026-11-25T12:20:00Z").date_correction, None);
        assert_eq!(
            sale("n'importe quoi").date_correction,
            Some(DATE_UNREADABLE)
        );
        assert_eq!(
            sale("1970-01-01T00:00:00Z").date_correction,
            Some(DATE_TOO_OLD)
        );
    }

    #[test]
    fn pascal_case_is_the_same_sale() {
        let snake = json!({"numero_facture": "P-1", "date_vente": "2026-11-24T10:00:00",
            "mode_paiement": "MOBILE", "paye": false,
            "lignes": [{"article_id": 3, "quantite": 2, "prix_unitaire": 100}]});
        let pascal = json!({"VenteUid": "P-1", "Date": "2026-11-24T10:00:00",
            "ModePaiement": "MOBILE", "Paye": false,
            "Items": [{"ArticleId": 3, "Quantite": 2, "PrixUnitaire": 100}]});
        let (a, b) = (
            parse_sale(&snake, &ctx()).unwrap(),
            parse_sale(&pascal, &ctx()).unwrap(),
        );
        assert_eq!(
            (
                &a.numero_facture,
                a.date_vente,
                &a.mode_paiement,
                a.paye,
                &a.lines,
                &a.empreinte
            ),
            (
                &b.numero_facture,
                b.date_vente,
                &b.mode_paiement,
                b.paye,
                &b.lines,
                &b.empreinte
            )
        );
        assert_eq!(sent_invoice_number(&pascal).as_deref(), Some("P-1"));
        assert_eq!(named_articles(&pascal), vec![3]);
    }

    #[test]
    fn fingerprints_ignore_line_order_but_not_content() {
        let sale = |lines: Value| {
            parse_sale(&json!({"lignes": lines}), &ctx())
                .unwrap()
                .empreinte
        };
        let a = sale(json!([{"article_id": 1, "quantite": 2}, {"article_id": 2}]));
        assert_eq!(
            a,
            sale(json!([{"article_id": 2}, {"article_id": 1, "quantite": 2}]))
        );
        assert_ne!(
            a,
            sale(json!([{"article_id": 1, "quantite": 3}, {"article_id": 2}]))
        );
        assert_ne!(
            a,
            sale(json!([{"article_id": 1, "quantite": 2, "prix_unitaire": 5}, {"article_id": 2}]))
        );
    }
}
