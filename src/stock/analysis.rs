//! A shop's stock and sales over a period, analysed (`GET analyse/mouvements`, API-D1.md
//! §3.7): revenue per currency, stock values, the movements by kind, what sales past zero
//! left to regularise, a health score and the advice that goes with it. Read only; every
//! query names the boutique. Revenue (in total and per article) counts sales not cancelled,
//! less what returns gave back, by when they were made; stock values count active articles
//! priced in CDF.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

/// Articles `top_articles_vendus` names at most.
const TOP: i64 = 10;

#[derive(Debug, Clone, Default)]
pub struct Revenue {
    pub cdf: Decimal,
    pub usd: Decimal,
    pub nb_ventes: i64,
    pub nb_lignes: i64,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub nb: i64,
    pub total_qte: i64,
}

/// Movements of the period by kind; `sorties` and `ventes` counted positive, `ajustements`
/// signed.
#[derive(Debug, Clone, Default)]
pub struct MovementSummary {
    pub entrees: Tally,
    pub sorties: Tally,
    pub ventes: Tally,
    pub retours: Tally,
    pub ajustements: Tally,
}

#[derive(Debug, Clone)]
pub struct NegativeArticle {
    pub id: i64,
    pub nom: String,
    pub code: String,
    pub quantite_stock: i32,
    pub prix_vente: Decimal,
    pub prix_achat: Decimal,
    pub devise: String,
}

/// An article whose open stock alerts say units were sold that the shelf did not hold.
#[derive(Debug, Clone)]
pub struct ToRegularise {
    pub article_id: i64,
    pub nom: String,
    pub code: String,
    pub stock_actuel: i32,
    pub qte_a_regulariser: i64,
    pub nb_alertes: i64,
    pub ventes: Vec<String>,
    /// Its cost, when the article is priced in CDF.
    pub cout_cdf: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct TopArticle {
    pub article_id: i64,
    pub nom: String,
    pub code: String,
    pub devise: String,
    pub qte_vendue: i64,
    pub ca: Decimal,
    pub nb_ventes: i64,
}

#[derive(Debug, Clone)]
pub struct ArticleDetail {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub categorie: Option<String>,
    pub devise: String,
    pub prix_vente: Decimal,
    pub prix_achat: Decimal,
    pub stock_actuel: i32,
    pub qte_vendue_periode: i64,
    pub ca_periode: Decimal,
    pub qte_entree_periode: i64,
    pub qte_retour_periode: i64,
    pub nb_mouvements: i64,
    pub alerte_stock: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub revenue: Revenue,
    /// Active CDF articles: Σ stock × price, Σ stock × cost (stock below zero counts 0).
    pub valeur_vente_cdf: Decimal,
    pub valeur_cout_cdf: Decimal,
    pub movements: MovementSummary,
    pub open_alerts: i64,
    pub active_articles: i64,
    pub negative: Vec<NegativeArticle>,
    pub to_regularise: Vec<ToRegularise>,
    /// Active articles at or below the shop's low-stock threshold (and above zero).
    pub low: Vec<(String, i32)>,
    pub top: Vec<TopArticle>,
    /// Only when asked (`mode=complet`).
    pub details: Option<Vec<ArticleDetail>>,
}

/// Analyses the boutique over `[start, end)`.
pub async fn analyse(
    pool: &PgPool,
    boutique_id: i64,
    low_stock: i32,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    complet: bool,
) -> Result<Analysis, sqlx::Error> {
    let mut analysis = Analysis::default();
    let revenue = sqlx::query!(
        r#"SELECT COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'CDF'), 0) AS "cdf!",
                  COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'USD'), 0) AS "usd!",
                  count(*) AS "nb_ventes!",
                  COALESCE(sum((SELECT count(*) FROM lignes_vente l
                                 WHERE l.boutique_id = v.boutique_id AND l.vente_id = v.id)), 0)::int8
                      AS "nb_lignes!"
           FROM ventes v
           WHERE v.boutique_id = $1 AND NOT v.annulee AND v.date_vente >= $2 AND v.date_vente < $3"#,
        boutique_id,
        start,
        end
    )
    .fetch_one(pool)
    .await?;
    analysis.revenue = Revenue {
        cdf: revenue.cdf,
        usd: revenue.usd,
        nb_ventes: revenue.nb_ventes,
        nb_lignes: revenue.nb_lignes,
    };

    let stock = sqlx::query!(
        r#"SELECT COALESCE(sum(GREATEST(quantite_stock, 0) * prix_vente)
                           FILTER (WHERE devise = 'CDF'), 0) AS "vente!",
                  COALESCE(sum(GREATEST(quantite_stock, 0) * prix_achat)
                           FILTER (WHERE devise = 'CDF'), 0) AS "cout!",
                  count(*) AS "actifs!",
                  (SELECT count(*) FROM alertes_stock s
                    WHERE s.boutique_id = $1 AND NOT s.fermee) AS "alertes!"
           FROM articles WHERE boutique_id = $1 AND est_actif"#,
        boutique_id
    )
    .fetch_one(pool)
    .await?;
    analysis.valeur_vente_cdf = stock.vente;
    analysis.valeur_cout_cdf = stock.cout;
    analysis.active_articles = stock.actifs;
    analysis.open_alerts = stock.alertes;

    for row in sqlx::query!(
        r#"SELECT type_mouvement, count(*) AS "nb!", COALESCE(sum(quantite), 0)::int8 AS "qte!"
           FROM mouvements_stock
           WHERE boutique_id = $1 AND date_mouvement >= $2 AND date_mouvement < $3
           GROUP BY type_mouvement"#,
        boutique_id,
        start,
        end
    )
    .fetch_all(pool)
    .await?
    {
        let tally = Tally {
            nb: row.nb,
            total_qte: row.qte,
        };
        let positive = Tally {
            total_qte: -row.qte,
            ..tally
        };
        let m = &mut analysis.movements;
        match row.type_mouvement.as_str() {
            "ENTREE" => m.entrees = tally,
            "SORTIE" => m.sorties = positive,
            "VENTE" => m.ventes = positive,
            "RETOUR" => m.retours = tally,
            _ => m.ajustements = tally,
        }
    }

    analysis.negative = sqlx::query_as!(
        NegativeArticle,
        r#"SELECT id, nom, code, quantite_stock, prix_vente, prix_achat, devise FROM articles
           WHERE boutique_id = $1 AND est_actif AND quantite_stock < 0
           ORDER BY quantite_stock, id LIMIT 100"#,
        boutique_id
    )
    .fetch_all(pool)
    .await?;

    analysis.to_regularise = sqlx::query!(
        r#"SELECT a.id, a.nom, a.code, a.quantite_stock, a.devise, a.prix_achat,
                  sum(s.manque)::int8 AS "manque!", count(*) AS "nb!",
                  array_agg(DISTINCT v.numero_facture) AS "ventes!"
           FROM alertes_stock s
           JOIN articles a ON a.boutique_id = s.boutique_id AND a.id = s.article_id
           JOIN ventes v ON v.boutique_id = s.boutique_id AND v.id = s.vente_id
           WHERE s.boutique_id = $1 AND NOT s.fermee
           GROUP BY a.boutique_id, a.id
           ORDER BY sum(s.manque) DESC, a.id
           LIMIT 100"#,
        boutique_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| ToRegularise {
        article_id: r.id,
        nom: r.nom,
        code: r.code,
        stock_actuel: r.quantite_stock,
        qte_a_regulariser: r.manque,
        nb_alertes: r.nb,
        ventes: r.ventes,
        cout_cdf: (r.devise == "CDF").then_some(r.prix_achat),
    })
    .collect();

    analysis.low = sqlx::query!(
        r#"SELECT nom, quantite_stock FROM articles
           WHERE boutique_id = $1 AND est_actif AND quantite_stock > 0 AND quantite_stock <= $2
           ORDER BY quantite_stock, nom LIMIT 10"#,
        boutique_id,
        low_stock
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.nom, r.quantite_stock))
    .collect();

    analysis.top = sqlx::query_as!(
        TopArticle,
        r#"SELECT a.id AS article_id, a.nom, a.code, l.devise,
                  sum(l.quantite)::int8 AS "qte_vendue!",
                  sum((l.quantite - l.quantite_retournee) * l.prix_unitaire) AS "ca!",
                  count(DISTINCT v.id) AS "nb_ventes!"
           FROM lignes_vente l
           JOIN ventes v ON v.boutique_id = l.boutique_id AND v.id = l.vente_id
           JOIN articles a ON a.boutique_id = l.boutique_id AND a.id = l.article_id
           WHERE l.boutique_id = $1 AND NOT v.annulee AND v.date_vente >= $2 AND v.date_vente < $3
           GROUP BY a.boutique_id, a.id, l.devise
           ORDER BY sum(l.quantite) DESC, a.id
           LIMIT $4"#,
        boutique_id,
        start,
        end,
        TOP
    )
    .fetch_all(pool)
    .await?;

    if complet {
        analysis.details = Some(
            sqlx::query_as!(
                ArticleDetail,
                r#"SELECT a.id, a.code, a.nom, c.nom AS "categorie?", a.devise, a.prix_vente,
                          a.prix_achat, a.quantite_stock AS stock_actuel,
                          COALESCE(s.qte, 0)::int8 AS "qte_vendue_periode!",
                          COALESCE(s.ca, 0) AS "ca_periode!",
                          COALESCE(m.entrees, 0)::int8 AS "qte_entree_periode!",
                          COALESCE(m.retours, 0)::int8 AS "qte_retour_periode!",
                          COALESCE(m.nb, 0)::int8 AS "nb_mouvements!",
                          (a.quantite_stock <= $4) AS "alerte_stock!"
                   FROM articles a
                   LEFT JOIN categories c ON c.id = a.categorie_id
                   LEFT JOIN (
                       SELECT l.article_id, sum(l.quantite) AS qte,
                              sum((l.quantite - l.quantite_retournee) * l.prix_unitaire) AS ca
                       FROM lignes_vente l
                       JOIN ventes v ON v.boutique_id = l.boutique_id AND v.id = l.vente_id
                       WHERE l.boutique_id = $1 AND NOT v.annulee
                         AND v.date_vente >= $2 AND v.date_vente < $3
                       GROUP BY l.article_id
                   ) s ON s.article_id = a.id
                   LEFT JOIN (
                       SELECT article_id, count(*) AS nb,
                              sum(quantite) FILTER (WHERE type_mouvement = 'ENTREE') AS entrees,
                              sum(quantite) FILTER (WHERE type_mouvement = 'RETOUR') AS retours
                       FROM mouvements_stock
                       WHERE boutique_id = $1 AND date_mouvement >= $2 AND date_mouvement < $3
                       GROUP BY article_id
                   ) m ON m.article_id = a.id
                   WHERE a.boutique_id = $1 AND a.est_actif
                   ORDER BY a.nom, a.id"#,
                boutique_id,
                start,
                end,
                low_stock
            )
            .fetch_all(pool)
            .await?,
        );
    }
    Ok(analysis)
}

/// Money as the analysis writes it: a JSON number with two decimals, rounded as every
/// amount is.
pub fn number(amount: Decimal) -> f64 {
    crate::money::Money::new(amount).to_f64()
}

/// The health figures of an analysis over `days` days.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub score: i64,
    pub niveau: &'static str,
    /// CDF revenue over the CDF stock value, per year.
    pub rotation: f64,
    pub pct_negative: f64,
}

impl Analysis {
    /// Score = 100 - min(40, round(2 × % of active articles below zero)) - min(20,
    /// round(open alerts / 2)) - 10 if the yearly rotation is under 2, within 0–100.
    pub fn health(&self, days: i64) -> Health {
        let pct_negative = if self.active_articles == 0 {
            0.0
        } else {
            self.negative.len() as f64 * 100.0 / self.active_articles as f64
        };
        let value = number(self.valeur_vente_cdf);
        let rotation = if value > 0.0 && days > 0 {
            number(self.revenue.cdf) / value * 365.0 / days as f64
        } else {
            0.0
        };
        // Rounded half to even, as the 2026 backend's Python did.
        let score = 100
            - ((2.0 * pct_negative).round_ties_even() as i64).min(40)
            - ((self.open_alerts as f64 / 2.0).round_ties_even() as i64).min(20)
            - if rotation < 2.0 { 10 } else { 0 };
        let score = score.clamp(0, 100);
        let niveau = match score {
            85.. => "EXCELLENT",
            70.. => "BON",
            50.. => "MOYEN",
            _ => "CRITIQUE",
        };
        Health {
            score,
            niveau,
            rotation: (rotation * 100.0).round() / 100.0,
            pct_negative,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(active: i64, negative: usize, alerts: i64, revenue: i64, value: i64) -> Analysis {
        let article = NegativeArticle {
            id: 1,
            nom: "x".into(),
            code: "x".into(),
            quantite_stock: -1,
            prix_vente: Decimal::ONE,
            prix_achat: Decimal::ONE,
            devise: "CDF".into(),
        };
        Analysis {
            active_articles: active,
            negative: vec![article; negative],
            open_alerts: alerts,
            revenue: Revenue {
                cdf: Decimal::from(revenue),
                ..Revenue::default()
            },
            valeur_vente_cdf: Decimal::from(value),
            ..Analysis::default()
        }
    }

    #[test]
    fn the_score_follows_the_contract() {
        // Nothing wrong, stock turning over 3.65 times a year.
        let healthy = with(10, 0, 0, 10_000, 10_000).health(100);
        assert_eq!(
            (healthy.score, healthy.niveau, healthy.rotation),
            (100, "EXCELLENT", 3.65)
        );
        // 10 % below zero (-20), 7 open alerts (-4, 3.5 rounded), slow stock (-10).
        let poor = with(10, 1, 7, 10, 10_000).health(30);
        assert_eq!((poor.score, poor.niveau), (66, "MOYEN"));
        // The penalties are capped: -40, -20, -10.
        let worst = with(2, 2, 100, 0, 0).health(30);
        assert_eq!((worst.score, worst.niveau), (30, "CRITIQUE"));
        assert_eq!(with(0, 0, 0, 0, 0).health(1).score, 90);
        let slow = with(10, 1, 0, 0, 0).health(10);
        assert_eq!((slow.score, slow.niveau), (70, "BON"));
    }
}
