//! The load generator: N tills, each with its own serial and its own keep-alive connection,
//! posting batches of sales (or reading the catalogue) as fast as the server answers.
//!
//! Every sale sent is remembered with what the server said of it, so that the database can
//! be checked afterwards ([`crate::verify`]): a fast server that loses or doubles sales
//! must fail, not win.

use crate::setup::BenchShop;
use anyhow::{Result, ensure};
use hdrhistogram::Histogram;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

/// The terminal API, as the deployed tills call it.
pub const TERMINAL_API: &str = "/api/v2/simple";

/// What each till does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `POST ventes/sync` with `sales` sales of `lines` lines each, `1..=max_quantity` units
    /// per line.
    Sync {
        sales: usize,
        lines: usize,
        max_quantity: u32,
    },
    /// `GET articles/`; every answer must list `expected` articles.
    Catalogue { expected: usize },
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// `http://host:port`, without the API prefix.
    pub url: String,
    pub tills: usize,
    pub workload: Workload,
    /// How long the measured phase lasts (after warm-up). With `requests` too, whichever
    /// ends first.
    pub duration: Option<Duration>,
    /// How many requests to send in all, warm-up included.
    pub requests: Option<u64>,
    /// Requests sent during this first phase warm the server and the database up and are
    /// verified, but not measured.
    pub warmup: Duration,
    /// When non-zero, each till first sends one request to open its connection, then all
    /// stay idle this long with their connections open, then all get busy at once.
    pub idle: Duration,
    /// The lines draw their articles from the first `articles_pool` articles of the shop.
    pub articles_pool: usize,
    pub timeout: Duration,
    /// Prefix of every invoice number of this run, so runs never collide and the
    /// verification finds exactly this run's sales.
    pub run_id: String,
}

/// What became of one sale, as the server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created {
        id: i64,
    },
    Duplicate {
        id: Option<i64>,
    },
    Refused {
        code: String,
        article_id: Option<i64>,
        stock_demande: Option<i64>,
    },
    /// No usable answer (timeout, connection lost, 5xx, or the sale missing from the
    /// answer): the sale may or may not be stored.
    InDoubt,
}

/// One sale sent, and its outcome.
#[derive(Debug, Clone)]
pub struct SaleRecord {
    /// Index of the till in [`BenchShop::terminals`].
    pub till: usize,
    pub numero_facture: String,
    /// (article id, quantity) in the order sent.
    pub lines: Vec<(i64, i32)>,
    pub outcome: Outcome,
}

/// What the load generator saw.
#[derive(Debug)]
pub struct LoadReport {
    /// Requests answered in the measured phase.
    pub requests: u64,
    /// Sales created by the requests of the measured phase.
    pub sales: u64,
    /// From the start of the measured phase to the last answer of it.
    pub window: Duration,
    /// Latency of the requests of the measured phase, in microseconds.
    pub latency: Histogram<u64>,
    /// Every request (warm-up included) by HTTP status, or by transport failure.
    pub statuses: BTreeMap<String, u64>,
    /// Every refusal by its code: sale-level codes and whole-request codes.
    pub codes: BTreeMap<String, u64>,
    /// Every sale sent.
    pub records: Vec<SaleRecord>,
    /// Answers that break the API contract (a sale missing from the answer, a wrong
    /// catalogue…).
    pub anomalies: Vec<String>,
}

impl LoadReport {
    pub fn requests_per_second(&self) -> f64 {
        per_second(self.requests, self.window)
    }

    pub fn sales_per_second(&self) -> f64 {
        per_second(self.sales, self.window)
    }

    /// Latency at `quantile` (0–1), in milliseconds.
    pub fn latency_ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }

    pub fn max_latency_ms(&self) -> f64 {
        self.latency.max() as f64 / 1000.0
    }

    /// Answers with a 5xx status.
    pub fn server_errors(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(status, _)| status.starts_with('5'))
            .map(|(_, n)| n)
            .sum()
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} requests in {:.1} s: {:.1} requests/s, {:.1} sales/s",
            self.requests,
            self.window.as_secs_f64(),
            self.requests_per_second(),
            self.sales_per_second()
        )?;
        writeln!(
            f,
            "latency ms: p50 {:.2}, p95 {:.2}, p99 {:.2}, max {:.2}",
            self.latency_ms(0.50),
            self.latency_ms(0.95),
            self.latency_ms(0.99),
            self.max_latency_ms()
        )?;
        writeln!(f, "answers by status: {}", join_counts(&self.statuses))?;
        if !self.codes.is_empty() {
            writeln!(f, "refusals by code: {}", join_counts(&self.codes))?;
        }
        for anomaly in self.anomalies.iter().take(10) {
            writeln!(f, "anomaly: {anomaly}")?;
        }
        if self.anomalies.len() > 10 {
            writeln!(f, "… and {} more anomalies", self.anomalies.len() - 10)?;
        }
        Ok(())
    }
}

fn join_counts(counts: &BTreeMap<String, u64>) -> String {
    counts
        .iter()
        .map(|(k, n)| format!("{k} × {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn per_second(count: u64, window: Duration) -> f64 {
    if window.is_zero() {
        0.0
    } else {
        count as f64 / window.as_secs_f64()
    }
}

/// Runs the load described by `options` against the tills and articles of `shop`.
pub async fn run(options: &LoadOptions, shop: &BenchShop) -> Result<LoadReport> {
    ensure!(options.tills > 0, "at least one till is needed");
    ensure!(
        options.tills <= shop.terminals.len(),
        "{} tills asked but the boutique {} has {} terminals",
        options.tills,
        shop.code,
        shop.terminals.len()
    );
    ensure!(
        options.duration.is_some() || options.requests.is_some(),
        "give a duration or a number of requests"
    );
    ensure!(
        (1..=shop.articles.len()).contains(&options.articles_pool),
        "the articles pool must be between 1 and the {} articles of the boutique",
        shop.articles.len()
    );
    if let Workload::Sync {
        sales,
        lines,
        max_quantity,
    } = options.workload
    {
        ensure!(
            sales > 0 && lines > 0 && max_quantity > 0,
            "sales, lines and quantity must be positive"
        );
    }

    let shared = Arc::new(Shared {
        options: options.clone(),
        articles: shop.articles[..options.articles_pool].to_vec(),
        barrier: Barrier::new(options.tills),
        origin: OnceLock::new(),
        issued: AtomicU64::new(0),
    });
    let tills: Vec<_> = (0..options.tills)
        .map(|till| {
            let shared = Arc::clone(&shared);
            let serial = shop.terminals[till].1.clone();
            tokio::spawn(async move { Till::new(till, serial, &shared)?.run(&shared).await })
        })
        .collect();

    let mut report = LoadReport {
        requests: 0,
        sales: 0,
        window: Duration::ZERO,
        latency: new_histogram(),
        statuses: BTreeMap::new(),
        codes: BTreeMap::new(),
        records: Vec::new(),
        anomalies: Vec::new(),
    };
    let mut last_answer: Option<Instant> = None;
    for till in tills {
        let result = till.await??;
        report.requests += result.requests;
        report.sales += result.sales;
        report.latency.add(&result.latency)?;
        merge(&mut report.statuses, result.statuses);
        merge(&mut report.codes, result.codes);
        report.records.extend(result.records);
        report.anomalies.extend(result.anomalies);
        last_answer = last_answer.max(result.last_answer);
    }
    if let (Some(origin), Some(last)) = (shared.origin.get(), last_answer) {
        let measure_start = *origin + options.idle + options.warmup;
        report.window = last.saturating_duration_since(measure_start);
    }
    Ok(report)
}

fn merge(into: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
    for (k, n) in from {
        *into.entry(k).or_default() += n;
    }
}

fn new_histogram() -> Histogram<u64> {
    // 1 µs to 10 min, three significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

struct Shared {
    options: LoadOptions,
    articles: Vec<i64>,
    /// All tills start together, after each has opened its connection when `idle` is set.
    barrier: Barrier,
    /// When the tills started together.
    origin: OnceLock<Instant>,
    /// Requests started so far, for `requests`.
    issued: AtomicU64,
}

struct Till {
    index: usize,
    serial: String,
    client: reqwest::Client,
    rng: SplitMix64,
    next_invoice: u64,
    result: TillResult,
}

struct TillResult {
    requests: u64,
    sales: u64,
    latency: Histogram<u64>,
    last_answer: Option<Instant>,
    statuses: BTreeMap<String, u64>,
    codes: BTreeMap<String, u64>,
    records: Vec<SaleRecord>,
    anomalies: Vec<String>,
}

/// A request's sales, before the answer.
struct Sent {
    numero_facture: String,
    lines: Vec<(i64, i32)>,
}

impl Till {
    fn new(index: usize, serial: String, shared: &Shared) -> Result<Self> {
        // One client per till: each till is its own device with its own connection.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(None)
            .tcp_nodelay(true)
            .timeout(shared.options.timeout)
            .build()?;
        Ok(Till {
            index,
            serial,
            client,
            rng: SplitMix64(0x5eed_0000_0000 + index as u64),
            next_invoice: 0,
            result: TillResult {
                requests: 0,
                sales: 0,
                latency: new_histogram(),
                last_answer: None,
                statuses: BTreeMap::new(),
                codes: BTreeMap::new(),
                records: Vec::new(),
                anomalies: Vec::new(),
            },
        })
    }

    async fn run(mut self, shared: &Shared) -> Result<TillResult> {
        let options = &shared.options;
        if !options.idle.is_zero() && shared.take_request() {
            self.request(shared, false).await;
        }
        shared.barrier.wait().await;
        let origin = *shared.origin.get_or_init(Instant::now);
        tokio::time::sleep_until((origin + options.idle).into()).await;
        let measure_start = origin + options.idle + options.warmup;
        let measure_end = options.duration.map(|d| measure_start + d);
        while measure_end.is_none_or(|end| Instant::now() < end) && shared.take_request() {
            let measured = Instant::now() >= measure_start;
            self.request(shared, measured).await;
        }
        Ok(self.result)
    }

    async fn request(&mut self, shared: &Shared, measured: bool) {
        let started = Instant::now();
        let created = match shared.options.workload {
            Workload::Sync {
                sales,
                lines,
                max_quantity,
            } => {
                let sent = self.draw_sales(shared, sales, lines, max_quantity);
                self.sync(shared, sent).await
            }
            Workload::Catalogue { expected } => {
                self.catalogue(shared, expected).await;
                0
            }
        };
        let done = Instant::now();
        if measured {
            self.result.requests += 1;
            self.result.sales += created;
            self.result.last_answer = Some(done);
            let micros = (done - started).as_micros().max(1) as u64;
            self.result.latency.saturating_record(micros);
        }
    }

    fn draw_sales(
        &mut self,
        shared: &Shared,
        sales: usize,
        lines: usize,
        max_quantity: u32,
    ) -> Vec<Sent> {
        (0..sales)
            .map(|_| {
                self.next_invoice += 1;
                let numero_facture = format!(
                    "{}-{:03}-{:07}",
                    shared.options.run_id, self.index, self.next_invoice
                );
                let lines = (0..lines)
                    .map(|_| {
                        let article = shared.articles[self.rng.below(shared.articles.len())];
                        let quantity = 1 + self.rng.below(max_quantity as usize) as i32;
                        (article, quantity)
                    })
                    .collect();
                Sent {
                    numero_facture,
                    lines,
                }
            })
            .collect()
    }

    /// Posts `sent`, records what became of each sale, and says how many were created.
    async fn sync(&mut self, shared: &Shared, sent: Vec<Sent>) -> u64 {
        let url = format!("{}{TERMINAL_API}/ventes/sync", shared.options.url);
        let response = self
            .client
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-Device-Serial", &self.serial)
            .body(sync_body(&sent))
            .send()
            .await;
        let (status, body) = match response {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(body) => (Some(status), Some(body)),
                    Err(_) => (Some(status), None),
                }
            }
            Err(_) => (None, None),
        };
        self.count_status(status, body.is_some());
        let reply = match (status, &body) {
            (Some(status), Some(body)) if status < 500 => {
                serde_json::from_slice::<SyncReply>(body).ok()
            }
            _ => None,
        };
        let mut outcomes: HashMap<String, Outcome> = HashMap::new();
        let mut whole_request_refusal = None;
        match reply {
            Some(SyncReply {
                details: Some(details),
                ..
            }) => {
                for created in details.creees {
                    outcomes.insert(created.numero_facture, Outcome::Created { id: created.id });
                }
                for error in details.erreurs {
                    *self.result.codes.entry(error.code.clone()).or_default() += 1;
                    let outcome = if error.code == "DUPLICATE" {
                        Outcome::Duplicate { id: error.id }
                    } else {
                        Outcome::Refused {
                            code: error.code,
                            article_id: error.article_id,
                            stock_demande: error.stock_demande,
                        }
                    };
                    if let Some(numero) = error.numero_facture {
                        outcomes.insert(numero, outcome);
                    }
                }
            }
            Some(SyncReply {
                details: None,
                code,
            }) => {
                // The whole request was refused: none of its sales was stored.
                let code = code.unwrap_or_else(|| format!("HTTP {}", status.unwrap_or(0)));
                *self.result.codes.entry(code.clone()).or_default() += 1;
                whole_request_refusal = Some(code);
            }
            None => {}
        }
        let answered = status.is_some_and(|s| s < 500) && body.is_some();
        let mut created = 0;
        for sale in sent {
            let outcome = match (
                &whole_request_refusal,
                outcomes.remove(&sale.numero_facture),
            ) {
                (Some(code), _) => Outcome::Refused {
                    code: code.clone(),
                    article_id: None,
                    stock_demande: None,
                },
                (None, Some(outcome)) => outcome,
                (None, None) => {
                    if answered {
                        self.result.anomalies.push(format!(
                            "the answer ({}) says nothing of sale {}",
                            status.unwrap_or(0),
                            sale.numero_facture
                        ));
                    }
                    Outcome::InDoubt
                }
            };
            if matches!(outcome, Outcome::Created { .. }) {
                created += 1;
            }
            self.result.records.push(SaleRecord {
                till: self.index,
                numero_facture: sale.numero_facture,
                lines: sale.lines,
                outcome,
            });
        }
        for numero in outcomes.into_keys() {
            self.result.anomalies.push(format!(
                "the answer names sale {numero}, which was not sent"
            ));
        }
        created
    }

    async fn catalogue(&mut self, shared: &Shared, expected: usize) {
        let url = format!("{}{TERMINAL_API}/articles/", shared.options.url);
        let response = self
            .client
            .get(url)
            .header("X-Device-Serial", &self.serial)
            .send()
            .await;
        let (status, body) = match response {
            Ok(response) => {
                let status = response.status().as_u16();
                (Some(status), response.bytes().await.ok())
            }
            Err(_) => (None, None),
        };
        self.count_status(status, body.is_some());
        if status != Some(200) {
            return;
        }
        let Some(body) = body else { return };
        match serde_json::from_slice::<CatalogueReply>(&body) {
            Ok(reply) if reply.count == expected && reply.articles.0 == expected => {}
            Ok(reply) => self.result.anomalies.push(format!(
                "the catalogue says count {} and lists {} articles; the boutique has {expected}",
                reply.count, reply.articles.0
            )),
            Err(e) => self
                .result
                .anomalies
                .push(format!("the catalogue is not the expected JSON: {e}")),
        }
    }

    fn count_status(&mut self, status: Option<u16>, body_read: bool) {
        let key = match (status, body_read) {
            (Some(status), true) => status.to_string(),
            (Some(status), false) => format!("{status} (body lost)"),
            (None, _) => "no answer".to_owned(),
        };
        *self.result.statuses.entry(key).or_default() += 1;
    }
}

impl Shared {
    /// Takes one request from the budget, if there is a budget.
    fn take_request(&self) -> bool {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        self.options.requests.is_none_or(|budget| n < budget)
    }
}

/// The JSON array the tills post, written directly: the generator shares the machine with
/// the server, so it spends as little as it can.
fn sync_body(sales: &[Sent]) -> String {
    let mut body = String::with_capacity(64 + sales.len() * 160);
    body.push('[');
    for (i, sale) in sales.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        let _ = write!(
            body,
            r#"{{"numero_facture":"{}","mode_paiement":"CASH","paye":true,"lignes":["#,
            sale.numero_facture
        );
        for (j, (article, quantity)) in sale.lines.iter().enumerate() {
            if j > 0 {
                body.push(',');
            }
            let _ = write!(
                body,
                r#"{{"article_id":{article},"quantite":{quantity},"prix_unitaire":250.00}}"#
            );
        }
        body.push_str("]}");
    }
    body.push(']');
    body
}

/// What the generator reads of a sync answer (API §3).
#[derive(Deserialize)]
struct SyncReply {
    details: Option<Details>,
    code: Option<String>,
}

#[derive(Deserialize)]
struct Details {
    creees: Vec<CreatedEntry>,
    erreurs: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct CreatedEntry {
    numero_facture: String,
    id: i64,
}

#[derive(Deserialize)]
struct ErrorEntry {
    numero_facture: Option<String>,
    code: String,
    id: Option<i64>,
    article_id: Option<i64>,
    stock_demande: Option<i64>,
}

/// What the generator reads of a catalogue answer: the count, and how many articles are
/// listed (without keeping them).
#[derive(Deserialize)]
struct CatalogueReply {
    count: usize,
    articles: Counted,
}

struct Counted(usize);

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Counted;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Counted, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Counted(n))
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
}

/// A small, fast, seedable generator: each till draws its own reproducible sequence.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the bias of the modulo is negligible for these n.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_json_the_tills_send() {
        let body = sync_body(&[
            Sent {
                numero_facture: "R-001-0000001".into(),
                lines: vec![(7, 2), (9, 1)],
            },
            Sent {
                numero_facture: "R-001-0000002".into(),
                lines: vec![(8, 1)],
            },
        ]);
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!([
                {"numero_facture": "R-001-0000001", "mode_paiement": "CASH", "paye": true,
                 "lignes": [{"article_id": 7, "quantite": 2, "prix_unitaire": 250.0},
                            {"article_id": 9, "quantite": 1, "prix_unitaire": 250.0}]},
                {"numero_facture": "R-001-0000002", "mode_paiement": "CASH", "paye": true,
                 "lignes": [{"article_id": 8, "quantite": 1, "prix_unitaire": 250.0}]}
            ])
        );
    }

    #[test]
    fn draws_cover_the_range_and_stay_in_it() {
        let mut rng = SplitMix64(1);
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            seen[rng.below(3)] += 1;
        }
        assert!(seen.iter().all(|&n| n > 800), "{seen:?}");
    }

    #[test]
    fn the_catalogue_reply_is_counted_without_being_kept() {
        let reply: CatalogueReply =
            serde_json::from_str(r#"{"count": 2, "articles": [{"id": 1}, {"id": 2}], "x": 1}"#)
                .unwrap();
        assert_eq!((reply.count, reply.articles.0), (2, 2));
    }
}
