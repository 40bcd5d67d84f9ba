//! The boutique dashboard's pictures: over the last 30 days of the shop (today included),
//! what its sales brought in per day and per payment mode, its best sold articles and what
//! its stock was worth; and per till, when it was last heard from and what it sold today.
//! Each chart ([`super::chart`]) is followed by its numbers as a table. Revenue is what it is
//! everywhere: net of returns, cancelled sales left out, CDF and USD never added together.

use super::chart::{self, Point};
use super::format::{ago, amount, date_time, number};
use crate::boutiques::{Period, Shop};
use crate::money::Money;
use crate::sales::figures;
use crate::stock::value_journal;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sqlx::PgPool;

/// How many days the charts cover, today included.
pub const DAYS: u64 = 30;
/// How many articles the best-sold chart ranks.
pub const TOP_ARTICLES: i64 = 10;

fn value(m: Money) -> f64 {
    m.to_f64()
}

/// A section of charts, each followed by its table (folded: a phone shows the picture first).
fn panel(title: &str, pictures: Markup, numbers: Markup) -> Markup {
    html! {
        section {
            h3 { (title) }
            (pictures)
            details.numbers {
                summary { "Les chiffres" }
                (numbers)
            }
        }
    }
}

/// The charts of `shop` at `now`.
pub async fn charts(pool: &PgPool, shop: &Shop, now: DateTime<Utc>) -> Result<Markup, sqlx::Error> {
    let today = now.with_timezone(&shop.time_zone).date_naive();
    let first = today - chrono::Days::new(DAYS - 1);
    let period = Period {
        start: shop.start_of(first),
        end: shop.start_of(today.succ_opt().unwrap_or(today)),
    };
    let (today_period, _) = shop.today_and_month(now);
    let days = figures::per_day(pool, shop, (first, today)).await?;
    let modes = figures::per_payment_mode(pool, shop.id, period).await?;
    let top = figures::top_articles(pool, shop.id, period, TOP_ARTICLES).await?;
    let tills = figures::per_till(pool, shop.id, today_period).await?;
    let journal =
        value_journal::journal(pool, shop, (first, today), today, DAYS as usize + 1).await?;

    let label = |d: chrono::NaiveDate| d.format("%d/%m").to_string();

    // Sales per day, one chart per currency (their scales differ by thousands).
    let per_day = |devise: &str, of: fn(&figures::DaySales) -> Money| -> Vec<Point> {
        days.iter()
            .map(|d| Point {
                label: label(d.date),
                value: value(of(d)),
                shown: amount(of(d).amount(), devise),
            })
            .collect()
    };
    let cdf_days = per_day("CDF", |d| d.cdf);
    let usd_days = per_day("USD", |d| d.usd);
    let any_usd = days.iter().any(|d| d.usd != Money::ZERO);
    let daily = panel(
        "Ventes par jour (30 derniers jours)",
        html! {
            (chart::columns("Ventes par jour en CDF", "cdf", &cdf_days, "Aucune vente en CDF ces 30 derniers jours."))
            @if any_usd {
                (chart::columns("Ventes par jour en USD", "usd", &usd_days, ""))
            }
        },
        chart::table(
            "Ventes par jour, nettes des retours et annulations",
            &[
                ("Jour", false),
                ("Ventes", true),
                ("CDF", true),
                ("USD", true),
            ],
            &days
                .iter()
                .rev()
                .map(|d| {
                    vec![
                        d.date.format("%d/%m/%Y").to_string(),
                        number(d.count),
                        amount(d.cdf.amount(), "CDF"),
                        amount(d.usd.amount(), "USD"),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    );

    // Per payment mode, per currency.
    let mode_points = |devise: &str| -> Vec<Point> {
        modes
            .iter()
            .filter(|m| m.devise == devise)
            .map(|m| Point {
                label: m.mode_paiement.clone(),
                value: value(m.amount),
                shown: amount(m.amount.amount(), devise),
            })
            .collect()
    };
    let by_mode = panel(
        "Par mode de paiement (30 derniers jours)",
        html! {
            @if modes.is_empty() {
                p.muted.chart-empty { "Aucune vente ces 30 derniers jours." }
            }
            @for devise in ["CDF", "USD"] {
                @let points = mode_points(devise);
                @if !points.is_empty() {
                    (chart::bars(&format!("Ventes en {devise} par mode de paiement"), &devise.to_lowercase(), &points, ""))
                }
            }
        },
        chart::table(
            "Ventes par mode de paiement et devise",
            &[
                ("Mode de paiement", false),
                ("Devise", false),
                ("Ventes", true),
                ("Montant", true),
            ],
            &modes
                .iter()
                .map(|m| {
                    vec![
                        m.mode_paiement.clone(),
                        m.devise.clone(),
                        number(m.count),
                        amount(m.amount.amount(), &m.devise),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    );

    // Best sold articles, by units kept.
    let best = panel(
        "Articles les plus vendus (30 derniers jours)",
        chart::bars(
            "Articles les plus vendus, en unités",
            "cdf",
            &top.iter()
                .map(|a| Point {
                    label: a.nom.clone(),
                    value: a.quantite as f64,
                    shown: format!("{} u.", number(a.quantite)),
                })
                .collect::<Vec<_>>(),
            "Aucun article vendu ces 30 derniers jours.",
        ),
        chart::table(
            "Articles les plus vendus, nets des retours",
            &[
                ("Article", false),
                ("Code", false),
                ("Unités", true),
                ("CDF", true),
                ("USD", true),
            ],
            &top.iter()
                .map(|a| {
                    vec![
                        a.nom.clone(),
                        a.code.clone(),
                        number(a.quantite),
                        amount(a.cdf.amount(), "CDF"),
                        amount(a.usd.amount(), "USD"),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    );

    // The stock's value at each day's end: the journal lists the days something moved it;
    // a day without a row kept the value of the day before it.
    let mut stock_days: Vec<(chrono::NaiveDate, Decimal)> = Vec::with_capacity(DAYS as usize);
    let mut oldest = journal.iter().rev();
    let mut next = oldest.next();
    let mut level = next.map(|d| d.precedent).unwrap_or_default();
    for date in first.iter_days().take_while(|d| *d <= today) {
        while let Some(day) = next.filter(|d| d.date <= date) {
            level = day.reel;
            next = oldest.next();
        }
        stock_days.push((date, level));
    }
    let stock = panel(
        "Valeur du stock (prix de vente, articles en CDF)",
        chart::line(
            "Valeur du stock en fin de journée, en CDF",
            "cdf",
            &stock_days
                .iter()
                .map(|(d, v)| Point {
                    label: label(*d),
                    value: v.to_f64().unwrap_or(0.0),
                    shown: amount(*v, "CDF"),
                })
                .collect::<Vec<_>>(),
            "Aucun stock valorisé en CDF.",
        ),
        chart::table(
            "Valeur du stock en fin de journée",
            &[("Jour", false), ("Valeur", true)],
            &stock_days
                .iter()
                .rev()
                .map(|(d, v)| vec![d.format("%d/%m/%Y").to_string(), amount(*v, "CDF")])
                .collect::<Vec<_>>(),
        ),
    );

    // Per till: last contact, and today's sales.
    let per_till = panel(
        "Terminaux : dernier contact et ventes du jour",
        chart::bars(
            "Ventes du jour par terminal",
            "cdf",
            &tills
                .iter()
                .map(|t| Point {
                    label: t.nom_terminal.clone(),
                    value: t.count as f64,
                    shown: format!("{} vente(s)", number(t.count)),
                })
                .collect::<Vec<_>>(),
            "Aucune vente aujourd'hui.",
        ),
        chart::table(
            "Terminaux : dernier contact et ventes du jour",
            &[
                ("Terminal", false),
                ("Dernier contact", false),
                ("Ventes du jour", true),
                ("CDF", true),
                ("USD", true),
            ],
            &tills
                .iter()
                .map(|t| {
                    vec![
                        if t.est_actif {
                            t.nom_terminal.clone()
                        } else {
                            format!("{} (inactif)", t.nom_terminal)
                        },
                        match t.derniere_activite {
                            Some(at) => {
                                format!("{} ({})", date_time(at, shop.time_zone), ago(at, now))
                            }
                            None => "jamais".to_owned(),
                        },
                        number(t.count),
                        amount(t.cdf.amount(), "CDF"),
                        amount(t.usd.amount(), "USD"),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    );

    Ok(html! {
        h2 { "En images" }
        p.muted { "Chiffre d'affaires net : retours déduits, ventes annulées exclues ; \
                   CDF et USD comptés à part." }
        div.charts {
            (daily) (by_mode) (best) (stock) (per_till)
        }
    })
}
