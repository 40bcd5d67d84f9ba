//! `GET analyse/mouvements`: the shop's stock and sales over a period, analysed, with a
//! health score and advice in French (API-D1.md §3.7). The figures are in
//! [`analysis`]; here, the period as the till names it and the answer it reads, amounts as
//! JSON numbers with two decimals.

use super::gate::Terminal;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Params, invalid};
use crate::http::views::ShopName;
use crate::stock::analysis::{self, Analysis, Tally, number};
use axum::Json;
use axum::extract::State;
use chrono::{Datelike, Utc};
use serde::Serialize;

/// Days one analysis may cover at most.
const MAX_DAYS: i64 = 366;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AnalysisResponse {
    #[schema(example = true)]
    success: bool,
    periode: AnalysedPeriod,
    boutique: ShopName,
    resume_financier: FinancialSummary,
    mouvements_resume: MovementsSummary,
    alertes_stock: StockAlertsView,
    analyse_ia: Advice,
    top_articles_vendus: Vec<TopView>,
    /// With `mode=complet` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail_par_article: Option<Vec<DetailView>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AnalysedPeriod {
    #[schema(example = "2026-11-01")]
    debut: String,
    #[schema(example = "2026-11-25")]
    fin: String,
    #[schema(example = 25)]
    nb_jours: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FinancialSummary {
    chiffre_affaires_cdf: f64,
    chiffre_affaires_usd: f64,
    valeur_stock_prix_vente_cdf: f64,
    valeur_stock_prix_cout_cdf: f64,
    marge_potentielle_cdf: f64,
    nb_ventes: i64,
    nb_lignes_vente: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TallyView {
    nb: i64,
    total_qte: i64,
}

impl From<Tally> for TallyView {
    fn from(t: Tally) -> Self {
        TallyView {
            nb: t.nb,
            total_qte: t.total_qte,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MovementsSummary {
    entrees: TallyView,
    /// Units out, positive.
    sorties: TallyView,
    /// Units sold, positive.
    ventes: TallyView,
    retours: TallyView,
    /// Signed.
    ajustements: TallyView,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StockAlertsView {
    /// Open stock alerts.
    total_en_attente: i64,
    articles_stock_negatif: Vec<NegativeView>,
    articles_a_regulariser: Vec<RegulariseView>,
    /// The cost of the units sales took beyond the stock (CDF articles, at `prix_achat`).
    pertes_estimees_cdf: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NegativeView {
    id: i64,
    nom: String,
    code: String,
    quantite_stock: i32,
    prix_vente: f64,
    prix_achat: f64,
    devise: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegulariseView {
    article_id: i64,
    nom: String,
    code: String,
    stock_actuel: i32,
    /// Units the open alerts left missing.
    qte_a_regulariser: i64,
    nb_alertes: i64,
    /// The invoice numbers of the sales concerned.
    ventes: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Advice {
    /// 0 to 100.
    score_sante_stock: i64,
    /// `EXCELLENT`, `BON`, `MOYEN` or `CRITIQUE`.
    #[schema(example = "BON")]
    niveau_sante: &'static str,
    rotation_stock_annuelle: f64,
    insights: Vec<Insight>,
    recommandations: Vec<Recommendation>,
    anomalies: Vec<Anomaly>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Insight {
    #[schema(example = "STOCK_NEGATIF")]
    r#type: &'static str,
    #[schema(example = "CRITIQUE")]
    niveau: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    valeur: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    articles: Option<Vec<NamedStock>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NamedStock {
    nom: String,
    stock: i32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    #[schema(example = "HAUTE")]
    priorite: &'static str,
    #[schema(example = "REGULARISER_STOCK")]
    action: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    articles: Option<Vec<String>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Anomaly {
    #[schema(example = "STOCK_NEGATIF")]
    r#type: &'static str,
    #[schema(example = "CRITIQUE")]
    niveau: &'static str,
    message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopView {
    article_id: i64,
    nom: String,
    code: String,
    /// The currency the lines were sold in (an article sold in both has two entries).
    devise: String,
    qte_vendue: i64,
    ca: f64,
    nb_ventes: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DetailView {
    id: i64,
    code: String,
    nom: String,
    categorie: Option<String>,
    devise: String,
    prix_vente: f64,
    prix_achat: f64,
    stock_actuel: i32,
    valeur_stock_vente: f64,
    valeur_stock_cout: f64,
    qte_vendue_periode: i64,
    /// In the currencies the lines were sold in, as sold.
    ca_periode: f64,
    qte_entree_periode: i64,
    qte_retour_periode: i64,
    nb_mouvements: i64,
    /// At or below the shop's low-stock threshold.
    alerte_stock: bool,
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/analyse/mouvements/",
    operation_id = "analyse_movements",
    tag = "Terminal",
    summary = "The shop's stock and sales over a period, analysed",
    description = "Revenue per currency (sales not cancelled), stock values (active CDF \
        articles), movements by kind, what sales past zero left to regularise, a health score \
        and advice. `debut`, `fin`: days in the shop's time zone (default: the month so far, \
        at most 366 days); `mode=complet` adds each article's figures.",
    params(
        ("debut" = Option<String>, Query, description = "First day, YYYY-MM-DD"),
        ("fin" = Option<String>, Query, description = "Last day, YYYY-MM-DD"),
        ("mode" = Option<String>, Query, description = "`resume` (default) or `complet`"),
    ),
    responses(
        (status = 200, description = "The analysis", body = AnalysisResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn analyse(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<AnalysisResponse>, ApiError> {
    let shop = &terminal.boutique;
    let today = Utc::now().with_timezone(&shop.time_zone).date_naive();
    let fin = params.day("fin")?.unwrap_or(today);
    let debut = params
        .day("debut")?
        .unwrap_or(fin.with_day(1).unwrap_or(fin));
    let nb_jours = (fin - debut).num_days() + 1;
    if nb_jours < 1 {
        return Err(invalid("fin", "elle doit suivre debut"));
    }
    if nb_jours > MAX_DAYS {
        return Err(invalid(
            "debut",
            "une période de 366 jours au plus est attendue",
        ));
    }
    let complet = match params.get("mode") {
        None | Some("resume") => false,
        Some("complet") => true,
        Some(_) => return Err(invalid("mode", "resume ou complet est attendu")),
    };
    let end = fin
        .succ_opt()
        .map_or_else(Utc::now, |next| shop.start_of(next));
    let found = analysis::analyse(
        &state.pool,
        shop.id,
        shop.alerte_stock_bas,
        (shop.start_of(debut), end),
        complet,
    )
    .await?;
    let advice = advice(&found, nb_jours);
    let pertes: rust_decimal::Decimal = found
        .to_regularise
        .iter()
        .filter_map(|r| {
            r.cout_cdf
                .map(|c| c * rust_decimal::Decimal::from(r.qte_a_regulariser))
        })
        .sum();
    let Analysis {
        revenue,
        valeur_vente_cdf,
        valeur_cout_cdf,
        movements,
        open_alerts,
        negative,
        to_regularise,
        top,
        details,
        ..
    } = found;
    Ok(Json(AnalysisResponse {
        success: true,
        periode: AnalysedPeriod {
            debut: debut.to_string(),
            fin: fin.to_string(),
            nb_jours,
        },
        boutique: ShopName::from(shop),
        resume_financier: FinancialSummary {
            chiffre_affaires_cdf: number(revenue.cdf),
            chiffre_affaires_usd: number(revenue.usd),
            valeur_stock_prix_vente_cdf: number(valeur_vente_cdf),
            valeur_stock_prix_cout_cdf: number(valeur_cout_cdf),
            marge_potentielle_cdf: number(valeur_vente_cdf - valeur_cout_cdf),
            nb_ventes: revenue.nb_ventes,
            nb_lignes_vente: revenue.nb_lignes,
        },
        mouvements_resume: MovementsSummary {
            entrees: movements.entrees.into(),
            sorties: movements.sorties.into(),
            ventes: movements.ventes.into(),
            retours: movements.retours.into(),
            ajustements: movements.ajustements.into(),
        },
        alertes_stock: StockAlertsView {
            total_en_attente: open_alerts,
            articles_stock_negatif: negative
                .into_iter()
                .map(|a| NegativeView {
                    id: a.id,
                    nom: a.nom,
                    code: a.code,
                    quantite_stock: a.quantite_stock,
                    prix_vente: number(a.prix_vente),
                    prix_achat: number(a.prix_achat),
                    devise: a.devise,
                })
                .collect(),
            articles_a_regulariser: to_regularise
                .into_iter()
                .map(|r| RegulariseView {
                    article_id: r.article_id,
                    nom: r.nom,
                    code: r.code,
                    stock_actuel: r.stock_actuel,
                    qte_a_regulariser: r.qte_a_regulariser,
                    nb_alertes: r.nb_alertes,
                    ventes: r.ventes,
                })
                .collect(),
            pertes_estimees_cdf: number(pertes),
        },
        analyse_ia: advice,
        top_articles_vendus: top
            .into_iter()
            .map(|t| TopView {
                article_id: t.article_id,
                nom: t.nom,
                code: t.code,
                devise: t.devise,
                qte_vendue: t.qte_vendue,
                ca: number(t.ca),
                nb_ventes: t.nb_ventes,
            })
            .collect(),
        detail_par_article: details.map(|details| {
            details
                .into_iter()
                .map(|d| {
                    let stock = rust_decimal::Decimal::from(d.stock_actuel.max(0));
                    DetailView {
                        id: d.id,
                        code: d.code,
                        nom: d.nom,
                        categorie: d.categorie,
                        devise: d.devise,
                        prix_vente: number(d.prix_vente),
                        prix_achat: number(d.prix_achat),
                        stock_actuel: d.stock_actuel,
                        valeur_stock_vente: number(stock * d.prix_vente),
                        valeur_stock_cout: number(stock * d.prix_achat),
                        qte_vendue_periode: d.qte_vendue_periode,
                        ca_periode: number(d.ca_periode),
                        qte_entree_periode: d.qte_entree_periode,
                        qte_retour_periode: d.qte_retour_periode,
                        nb_mouvements: d.nb_mouvements,
                        alerte_stock: d.alerte_stock,
                    }
                })
                .collect()
        }),
    }))
}

/// The score and the advice, in French, from the figures.
fn advice(found: &Analysis, days: i64) -> Advice {
    let health = found.health(days);
    let mut insights = Vec::new();
    let mut recommandations = Vec::new();
    let mut anomalies = Vec::new();
    let named = |list: &[(String, i32)]| {
        list.iter()
            .map(|(nom, stock)| NamedStock {
                nom: nom.clone(),
                stock: *stock,
            })
            .collect()
    };
    if !found.negative.is_empty() {
        let negative: Vec<(String, i32)> = found
            .negative
            .iter()
            .map(|a| (a.nom.clone(), a.quantite_stock))
            .collect();
        insights.push(Insight {
            r#type: "STOCK_NEGATIF",
            niveau: "CRITIQUE",
            message: format!(
                "{} article(s) en stock négatif ({:.1} % des articles actifs)",
                negative.len(),
                health.pct_negative
            ),
            valeur: Some(negative.len() as f64),
            articles: Some(named(&negative)),
        });
        anomalies.push(Anomaly {
            r#type: "STOCK_NEGATIF",
            niveau: "CRITIQUE",
            message: "Des ventes ont été enregistrées au-delà du stock : des entrées manquent"
                .to_owned(),
        });
    }
    if !found.low.is_empty() {
        insights.push(Insight {
            r#type: "STOCK_BAS",
            niveau: "ATTENTION",
            message: format!(
                "{} article(s) au seuil d'alerte ou en dessous",
                found.low.len()
            ),
            valeur: Some(found.low.len() as f64),
            articles: Some(named(&found.low)),
        });
        recommandations.push(Recommendation {
            priorite: "MOYENNE",
            action: "REAPPROVISIONNER",
            message: "Réapprovisionner les articles au seuil d'alerte".to_owned(),
            articles: Some(found.low.iter().map(|(nom, _)| nom.clone()).collect()),
        });
    }
    if !found.to_regularise.is_empty() {
        recommandations.push(Recommendation {
            priorite: "HAUTE",
            action: "REGULARISER_STOCK",
            message: "Saisir les entrées qui manquent pour les ventes faites au-delà du stock"
                .to_owned(),
            articles: Some(found.to_regularise.iter().map(|r| r.nom.clone()).collect()),
        });
    }
    if found.open_alerts > 0 {
        anomalies.push(Anomaly {
            r#type: "ALERTES_EN_ATTENTE",
            niveau: "ATTENTION",
            message: format!("{} alerte(s) de stock à traiter", found.open_alerts),
        });
    }
    insights.push(Insight {
        r#type: "ROTATION_STOCK",
        niveau: if health.rotation < 2.0 {
            "ATTENTION"
        } else {
            "INFO"
        },
        message: format!(
            "Le stock tourne {:.2} fois par an au rythme des ventes de la période",
            health.rotation
        ),
        valeur: Some(health.rotation),
        articles: None,
    });
    if health.rotation < 2.0 && found.valeur_vente_cdf > rust_decimal::Decimal::ZERO {
        recommandations.push(Recommendation {
            priorite: "BASSE",
            action: "REDUIRE_STOCK_DORMANT",
            message: "Le stock tourne lentement : limiter les commandes des articles peu vendus"
                .to_owned(),
            articles: None,
        });
    }
    insights.push(Insight {
        r#type: "CHIFFRE_AFFAIRES",
        niveau: "INFO",
        message: format!(
            "{} vente(s) sur la période, {:.2} CDF et {:.2} USD",
            found.revenue.nb_ventes,
            number(found.revenue.cdf),
            number(found.revenue.usd)
        ),
        valeur: Some(number(found.revenue.cdf)),
        articles: None,
    });
    Advice {
        score_sante_stock: health.score,
        niveau_sante: health.niveau,
        rotation_stock_annuelle: health.rotation,
        insights,
        recommandations,
        anomalies,
    }
}
