//! Group commit: the sales of concurrent requests of one boutique share transactions.
//!
//! A request hands its sales to the boutique's queue and waits. While fewer than
//! `leaders_per_shop` transactions of that boutique are running, a leader task takes
//! everything queued and records it in one transaction ([`record_sales`]: the articles of
//! all those sales locked up front in ascending id order, each sale still all-or-nothing),
//! then answers every request it took. Under light load a request is recorded at once, on
//! its own; under heavy load requests queue while a transaction runs and the next one takes
//! them all: the busier the shop, the more sales each commit carries.
//!
//! The leader also reads the boutique's stock alerts and the stock of the articles the
//! requests named once per batch, after the commit, instead of once per request; from them
//! it hands the batch's live events to the [`Publisher`] (the stock of each article sold,
//! low-stock alerts, refused sales), which publishes them outside the sales' transactions.

use super::record::{StockAlerts, StockUpdate, record_sales, stock_report};
use super::sale::{PendingSale, SaleOutcome};
use crate::boutiques::Shop;
use crate::events::publisher::Publisher;
use crate::events::{Channel, Event};
use sqlx::PgPool;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// How often a shop's figures are pushed at most.
const FIGURES_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// What a request gets back: its sales' outcomes, in order, and the stock as it is after
/// the batch (the boutique's alert counts, and the articles the request named).
pub struct Recorded {
    pub outcomes: Vec<SaleOutcome>,
    pub alerts: StockAlerts,
    pub stock_updates: Vec<StockUpdate>,
}

/// The database could not be reached: nothing may be assumed about the request's sales.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(String);

struct Job {
    shop: Shop,
    sales: Vec<PendingSale>,
    named_articles: Vec<i64>,
    reply: oneshot::Sender<Result<Recorded, Unavailable>>,
}

#[derive(Default)]
struct ShopQueue {
    jobs: VecDeque<Job>,
    leaders: usize,
}

pub struct Batcher {
    pool: PgPool,
    events: Publisher,
    /// Shops whose figures will be pushed (`dashboard_stats_updated`) within the second.
    figures_due: Arc<Mutex<std::collections::HashSet<i64>>>,
    queues: Mutex<HashMap<i64, ShopQueue>>,
    leaders_per_shop: usize,
    /// A leader stops taking requests once its batch holds this many sales.
    max_batch_sales: usize,
}

impl Batcher {
    pub fn new(
        pool: PgPool,
        events: Publisher,
        leaders_per_shop: usize,
        max_batch_sales: usize,
    ) -> Arc<Self> {
        Arc::new(Batcher {
            pool,
            events,
            figures_due: Arc::default(),
            queues: Mutex::new(HashMap::new()),
            leaders_per_shop: leaders_per_shop.max(1),
            max_batch_sales: max_batch_sales.max(1),
        })
    }

    /// Records `sales` (all of `shop`), with the current stock of `named_articles`.
    pub async fn record(
        self: &Arc<Self>,
        shop: &Shop,
        sales: Vec<PendingSale>,
        named_articles: Vec<i64>,
    ) -> Result<Recorded, Unavailable> {
        let (reply, answer) = oneshot::channel();
        let lead = {
            let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
            let queue = queues.entry(shop.id).or_default();
            queue.jobs.push_back(Job {
                shop: shop.clone(),
                sales,
                named_articles,
                reply,
            });
            let lead = queue.leaders < self.leaders_per_shop;
            if lead {
                queue.leaders += 1;
            }
            lead
        };
        if lead {
            tokio::spawn(Arc::clone(self).lead(shop.id));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(Unavailable("the batch was abandoned".into())))
    }

    /// Records the boutique's queued requests, batch after batch, until none is left.
    async fn lead(self: Arc<Self>, shop_id: i64) {
        loop {
            let batch = {
                let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
                let Some(queue) = queues.get_mut(&shop_id) else {
                    return;
                };
                if queue.jobs.is_empty() {
                    queue.leaders -= 1;
                    if queue.leaders == 0 {
                        queues.remove(&shop_id);
                    }
                    return;
                }
                let mut batch = Vec::new();
                let mut sales = 0;
                while let Some(job) = queue.jobs.pop_front() {
                    sales += job.sales.len();
                    batch.push(job);
                    if sales >= self.max_batch_sales {
                        break;
                    }
                }
                batch
            };
            self.record_batch(batch).await;
        }
    }

    async fn record_batch(&self, batch: Vec<Job>) {
        let shop = batch[0].shop.clone();
        let mut sizes = Vec::with_capacity(batch.len());
        let mut sales = Vec::new();
        let mut named = BTreeSet::new();
        let mut replies = Vec::with_capacity(batch.len());
        for job in batch {
            sizes.push(job.sales.len());
            sales.extend(job.sales);
            named.extend(job.named_articles.iter().copied());
            replies.push((job.reply, job.named_articles));
        }
        let named: Vec<i64> = named.into_iter().collect();
        let result = async {
            let outcomes = record_sales(&self.pool, &shop, &sales).await?;
            let (alerts, updates) = stock_report(&self.pool, &shop, &named).await?;
            Ok::<_, sqlx::Error>((outcomes, alerts, updates))
        }
        .await;
        match result {
            Ok((outcomes, alerts, updates)) => {
                self.publish(&shop, &sales, &outcomes, &updates);
                if outcomes
                    .iter()
                    .any(|o| matches!(o, SaleOutcome::Created(_)))
                {
                    self.figures_changed(&shop);
                }
                let mut outcomes = outcomes.into_iter();
                for ((reply, named), size) in replies.into_iter().zip(sizes) {
                    let stock_updates = updates
                        .iter()
                        .filter(|u| named.contains(&u.article_id))
                        .cloned()
                        .collect();
                    let _ = reply.send(Ok(Recorded {
                        outcomes: outcomes.by_ref().take(size).collect(),
                        alerts,
                        stock_updates,
                    }));
                }
            }
            Err(error) => {
                tracing::warn!(%error, "batch of sales not recorded");
                for (reply, _) in replies {
                    let _ = reply.send(Err(Unavailable(error.to_string())));
                }
            }
        }
    }

    /// The live events of a committed batch: each article sold, its new stock (one
    /// `sync_required` past 50 articles) and an alert when it is at or below the shop's
    /// threshold; each sale refused but a duplicate.
    fn publish(
        &self,
        shop: &Shop,
        sales: &[PendingSale],
        outcomes: &[SaleOutcome],
        updates: &[StockUpdate],
    ) {
        let mut sold = BTreeSet::new();
        for (sale, outcome) in sales.iter().zip(outcomes) {
            match outcome {
                SaleOutcome::Created(created) => {
                    sold.extend(created.lines.iter().map(|l| l.article_id));
                }
                SaleOutcome::Refused(refusal) => self.events.send(
                    shop.id,
                    Channel::Notifications,
                    Event::VenteRejected {
                        vente_uid: sale.draft.numero_facture.clone(),
                        raison: refusal.code.as_str().to_owned(),
                    },
                ),
                SaleOutcome::Duplicate { .. } => {}
            }
        }
        // A batch that moved many articles (a till back online with its day) is one reload
        // for the tills rather than an event per article (API-D1.md §6).
        let bulk = sold.len() > crate::events::MAX_ARTICLE_EVENTS;
        if bulk {
            let reload = Event::SyncRequired {
                reason: crate::events::SyncReason::BulkChange,
            };
            self.events.send(shop.id, Channel::Boutique, reload);
        }
        for update in updates.iter().filter(|u| sold.contains(&u.article_id)) {
            if !bulk {
                let event = Event::StockUpdated {
                    article_id: update.article_id,
                    new_stock: update.stock_actuel.into(),
                };
                self.events.send(shop.id, Channel::Boutique, event);
            }
            if update.est_actif && update.stock_actuel <= shop.alerte_stock_bas {
                self.events.send(
                    shop.id,
                    Channel::Notifications,
                    Event::StockAlert {
                        article_id: update.article_id,
                        article_nom: update.nom.clone(),
                        stock_actuel: update.stock_actuel.into(),
                        seuil_alerte: shop.alerte_stock_bas.into(),
                    },
                );
            }
        }
    }

    /// The shop's figures changed (a sale stored or cancelled): they are pushed to its
    /// notifications sockets within the second, once for all the changes of that second, so
    /// that a busy shop reads its month's sales once a second at most.
    pub fn figures_changed(&self, shop: &Shop) {
        let due = Arc::clone(&self.figures_due);
        if !due
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(shop.id)
        {
            return;
        }
        let (pool, events, shop) = (self.pool.clone(), self.events.clone(), shop.clone());
        tokio::spawn(async move {
            tokio::time::sleep(FIGURES_EVERY).await;
            // Cleared before reading: a change committed from now on is read again.
            due.lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&shop.id);
            match super::history::dashboard_figures(&pool, &shop, chrono::Utc::now()).await {
                Ok(stats) => events.send(
                    shop.id,
                    Channel::Notifications,
                    Event::DashboardStatsUpdated { stats },
                ),
                Err(error) => tracing::warn!(%error, boutique_id = shop.id, "figures not pushed"),
            }
        });
    }
}
