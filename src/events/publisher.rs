//! Events of the sale path, published after their transaction committed, by one task per
//! server instance.
//!
//! A transaction that notifies takes PostgreSQL's notification lock at commit and holds it
//! until its commit is flushed: every notifying commit of the database waits its turn. The
//! sales' transactions must not queue behind each other for that, so the batcher hands the
//! events of a committed batch to [`Publisher::send`] (which never waits) and this task sends
//! whatever has gathered in one statement, in one transaction of its own that does not wait
//! for the disk (`synchronous_commit = off`: an event lost in a crash is what `sync_required`
//! covers). Events keep the order they were handed in (of several `stock_updated` of one
//! article gathered together, only the last is sent). Were the queue ever full (the database
//! unreachable for long), events are dropped and each shop concerned gets one
//! `sync_required` once the queue drains.

use super::{Channel, Event, Message, PG_CHANNEL, Published, SyncReason};
use sqlx::PgPool;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Events waiting to be published, at most.
const QUEUE: usize = 50_000;
/// Events one statement publishes, at most.
const PER_STATEMENT: usize = 500;
/// How long the task lets events gather after the first, so that a busy chain's events go
/// in a few statements a second rather than one per sale.
const GATHER: std::time::Duration = std::time::Duration::from_millis(10);

/// The sending side; cheap to clone. The task stops when every clone is dropped.
#[derive(Clone)]
pub struct Publisher {
    queue: mpsc::Sender<Published>,
    /// Shops whose events were dropped since the queue was last drained.
    dropped: Arc<Mutex<BTreeSet<i64>>>,
}

impl Publisher {
    /// Starts the task that publishes on `pool`.
    pub fn start(pool: PgPool) -> Publisher {
        let (queue, events) = mpsc::channel(QUEUE);
        let dropped = Arc::new(Mutex::new(BTreeSet::new()));
        tokio::spawn(run(pool, events, Arc::clone(&dropped)));
        Publisher { queue, dropped }
    }

    /// Queues `event` for the `channel` sockets of `boutique_id`; never waits.
    pub fn send(&self, boutique_id: i64, channel: Channel, event: Event) {
        let published = Published {
            boutique_id,
            canal: channel,
            message: Message::now(event),
        };
        if self.queue.try_send(published).is_err() {
            let mut dropped = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
            if dropped.insert(boutique_id) {
                tracing::warn!(boutique_id, "live events dropped: the queue is full");
            }
        }
    }
}

async fn run(
    pool: PgPool,
    mut events: mpsc::Receiver<Published>,
    dropped: Arc<Mutex<BTreeSet<i64>>>,
) {
    let mut batch = Vec::with_capacity(PER_STATEMENT);
    while events.recv_many(&mut batch, PER_STATEMENT).await > 0 {
        if batch.len() < PER_STATEMENT {
            tokio::time::sleep(GATHER).await;
            while batch.len() < PER_STATEMENT {
                match events.try_recv() {
                    Ok(event) => batch.push(event),
                    Err(_) => break,
                }
            }
        }
        let lost = std::mem::take(&mut *dropped.lock().unwrap_or_else(|e| e.into_inner()));
        for boutique_id in lost {
            for canal in [Channel::Boutique, Channel::Notifications] {
                batch.push(Published {
                    boutique_id,
                    canal,
                    message: Message::now(Event::SyncRequired {
                        reason: SyncReason::QueueOverflow,
                    }),
                });
            }
        }
        latest_stock_only(&mut batch);
        let payloads: Vec<String> = batch.drain(..).map(|p| p.payload()).collect();
        if let Err(error) = notify(&pool, &payloads).await {
            tracing::warn!(%error, events = payloads.len(), "live events not published");
        }
    }
}

/// One statement, its own transaction: `set_config(…, true)` lasts until its commit, which
/// then does not wait for the disk.
/// Of several `stock_updated` of one article in a drain, only the last says something: the
/// others are dropped, the order of the rest kept.
fn latest_stock_only(batch: &mut Vec<Published>) {
    let mut seen = std::collections::HashSet::new();
    let mut keep: Vec<bool> = batch
        .iter()
        .rev()
        .map(|p| match p.message.event {
            Event::StockUpdated { article_id, .. } => seen.insert((p.boutique_id, article_id)),
            _ => true,
        })
        .collect();
    keep.reverse();
    let mut flags = keep.into_iter();
    batch.retain(|_| flags.next().unwrap_or(true));
}

async fn notify(pool: &PgPool, payloads: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"SELECT FROM set_config('synchronous_commit', 'off', true),
                       unnest($2::text[]) AS e(p), LATERAL pg_notify($1, e.p)"#,
        PG_CHANNEL,
        payloads
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock(boutique_id: i64, article_id: i64, new_stock: i64) -> Published {
        Published {
            boutique_id,
            canal: Channel::Boutique,
            message: Message::now(Event::StockUpdated {
                article_id,
                new_stock,
            }),
        }
    }

    #[test]
    fn only_the_last_stock_of_an_article_is_sent() {
        let reload = Published {
            message: Message::now(Event::SyncRequired {
                reason: SyncReason::BulkChange,
            }),
            ..stock(1, 0, 0)
        };
        let mut batch = vec![
            stock(1, 7, 10),
            stock(2, 7, 5),
            reload.clone(),
            stock(1, 7, 9),
            stock(1, 8, 3),
        ];
        latest_stock_only(&mut batch);
        let left: Vec<(i64, Event)> = batch
            .into_iter()
            .map(|p| (p.boutique_id, p.message.event))
            .collect();
        let expected: Vec<(i64, Event)> = [stock(2, 7, 5), reload, stock(1, 7, 9), stock(1, 8, 3)]
            .into_iter()
            .map(|p| (p.boutique_id, p.message.event))
            .collect();
        assert_eq!(left, expected);
    }
}
