//! The hub: one per server instance, between PostgreSQL's notifications and this instance's
//! sockets.
//!
//! It holds one connection of its own, named [`LISTENER_NAME`], that runs
//! `LISTEN caisse_evenements`, and relays each event to the queue of every socket of the
//! event's shop and channel. When that connection drops (a database restart, a failover, a
//! killed backend, or a check that goes unanswered), it reconnects by itself, waiting longer
//! between tries (up to [`MAX_BACKOFF`]), and then sends every socket `sync_required`: what
//! was published meanwhile is lost to this instance.
//!
//! Each socket has a bounded queue. Relaying only appends to it and never waits: when a
//! socket does not keep up, its queue is emptied and replaced by one `sync_required`. A slow
//! till never slows the hub, the other tills or a sale.
//!
//! A caller (a till, a back-office user) holds a few sockets at once at most
//! ([`Settings::per_owner`]); one more closes its oldest, most likely left behind by a
//! change of network and not yet timed out.

use super::{Channel, Event, Message, PG_CHANNEL, Published, SyncReason};
use chrono_tz::Tz;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{Executor, PgPool};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// The `application_name` of the listening connection, as `pg_stat_activity` shows it.
pub const LISTENER_NAME: &str = "caisse-live";
/// The longest wait between two tries to reconnect the listener.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The first wait before reconnecting.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// After this long without a notification, the listener checks its connection is alive (a
/// connection cut without a word would otherwise be waited on forever)…
const QUIET_CHECK: Duration = Duration::from_secs(30);
/// …and gives up on it when the check takes longer than this.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// How much the hub holds per socket and per caller.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Events waiting for one socket at most; one more and they are replaced by a
    /// `sync_required`.
    pub queue: usize,
    /// Sockets open at once per caller; one more closes the caller's oldest.
    pub per_owner: usize,
}

/// Who holds a socket, for [`Settings::per_owner`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A till, by its id.
    Terminal(i64),
    /// A back-office user, by e-mail.
    User(String),
}

/// Why the hub ends a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Its owner opened more sockets than it may hold, and this one was the oldest.
    Replaced,
    /// The server is stopping.
    ShuttingDown,
}

/// What a socket is given next.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A JSON text frame.
    Frame(Arc<str>),
    /// The end of the socket.
    Closed(Closing),
}

/// The hub of this instance; clones share it.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    registry: Mutex<Registry>,
    stopping: AtomicBool,
    stop: watch::Sender<bool>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    /// The sockets of each shop and channel.
    topics: HashMap<(i64, Channel), Vec<Arc<Mailbox>>>,
    /// Each caller's sockets, oldest first.
    owners: HashMap<Owner, VecDeque<Arc<Mailbox>>>,
    /// When an event for each shop and channel was last relayed.
    last_event: HashMap<(i64, Channel), std::time::Instant>,
    /// When each caller's last socket of a shop and channel closed on this instance.
    left: HashMap<(Owner, (i64, Channel)), std::time::Instant>,
}

/// Callers remembered as having left, at most (beyond, the oldest memories are dropped:
/// those callers are then not told to reload when they come back).
const REMEMBERED: usize = 100_000;

/// One socket's queue.
struct Mailbox {
    id: u64,
    topic: (i64, Channel),
    owner: Owner,
    /// The zone of the socket's shop: every frame is written in it.
    zone: Tz,
    state: Mutex<Queue>,
    ready: Notify,
}

#[derive(Default)]
struct Queue {
    frames: VecDeque<Arc<str>>,
    closing: Option<Closing>,
}

/// A socket's subscription to the events of one shop and channel; dropping it unsubscribes.
pub struct Subscription {
    hub: Arc<Inner>,
    mailbox: Arc<Mailbox>,
}

impl Hub {
    /// A hub that relays nothing yet: sockets subscribe to it, [`Hub::start`] feeds it.
    pub fn new(settings: Settings) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                settings,
                registry: Mutex::default(),
                stopping: AtomicBool::new(false),
                stop: watch::channel(false).0,
            }),
        }
    }

    /// The hub of this instance, listening with a connection of its own to the database of
    /// `pool`. Returns once it listens (or has failed to once and goes on trying in the
    /// background), so that no event committed after it returns is missed.
    pub async fn start(pool: &PgPool, settings: Settings) -> Hub {
        let hub = Hub::new(settings);
        let options = pool
            .connect_options()
            .as_ref()
            .clone()
            .application_name(LISTENER_NAME);
        // A pool of one, only for the listener, so it never takes one of the requests'
        // connections and its connection lives as long as it works.
        let connections = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(CHECK_TIMEOUT)
            .connect_lazy_with(options);
        let first = match listen(&connections).await {
            Ok(listener) => {
                tracing::info!(channel = PG_CHANNEL, "live push: listening");
                Some(listener)
            }
            Err(error) => {
                tracing::warn!(%error, "live push: cannot listen yet; retrying in the background");
                None
            }
        };
        tokio::spawn(run(
            hub.inner.clone(),
            connections,
            first,
            hub.inner.stop.subscribe(),
        ));
        hub
    }

    /// Subscribes a socket to the events of `boutique_id` on `channel`, its frames written in
    /// `zone` (the shop's). When `owner` then holds more sockets than it may, its oldest is
    /// closed.
    pub fn subscribe(
        &self,
        boutique_id: i64,
        channel: Channel,
        owner: Owner,
        zone: Tz,
    ) -> Subscription {
        let mut registry = self.inner.registry();
        registry.next_id += 1;
        let mailbox = Arc::new(Mailbox {
            id: registry.next_id,
            topic: (boutique_id, channel),
            owner: owner.clone(),
            zone,
            state: Mutex::default(),
            ready: Notify::new(),
        });
        if self.inner.stopping.load(Ordering::SeqCst) {
            mailbox.close(Closing::ShuttingDown);
        }
        // Back after a socket of this instance closed, with events relayed since: what it
        // shows may be out of date.
        let missed = registry
            .left
            .remove(&(owner.clone(), mailbox.topic))
            .is_some_and(|left| {
                registry
                    .last_event
                    .get(&mailbox.topic)
                    .is_some_and(|event| *event > left)
            });
        if missed {
            let reload = Message::now(Event::SyncRequired {
                reason: SyncReason::MissedWhileAway,
            });
            mailbox.push(reload.render(zone).into(), self.inner.settings.queue);
        }
        registry
            .topics
            .entry(mailbox.topic)
            .or_default()
            .push(mailbox.clone());
        let owned = registry.owners.entry(owner).or_default();
        owned.push_back(mailbox.clone());
        while owned.len() > self.inner.settings.per_owner.max(1) {
            if let Some(oldest) = owned.pop_front() {
                oldest.close(Closing::Replaced);
            }
        }
        Subscription {
            hub: self.inner.clone(),
            mailbox,
        }
    }

    /// Relays `published` to this instance's sockets of its shop and channel.
    pub fn relay(&self, published: &Published) {
        self.inner.relay(published);
    }

    /// Sockets open on this instance.
    pub fn sockets(&self) -> usize {
        self.inner.registry().topics.values().map(Vec::len).sum()
    }

    /// Stops listening and closes every socket; for the server's shutdown.
    pub fn stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.stop.send_replace(true);
        for mailbox in self.inner.all() {
            mailbox.close(Closing::ShuttingDown);
        }
    }
}

impl Inner {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn all(&self) -> Vec<Arc<Mailbox>> {
        self.registry().topics.values().flatten().cloned().collect()
    }

    fn relay(&self, published: &Published) {
        let topic = (published.boutique_id, published.canal);
        let targets = {
            let mut registry = self.registry();
            registry.last_event.insert(topic, std::time::Instant::now());
            registry.topics.get(&topic).cloned().unwrap_or_default()
        };
        // The sockets of one shop share its zone: the frame is written once.
        let mut written: Option<(Tz, Arc<str>)> = None;
        for mailbox in targets {
            let frame = match &written {
                Some((zone, frame)) if *zone == mailbox.zone => frame.clone(),
                _ => {
                    let frame: Arc<str> = published.message.render(mailbox.zone).into();
                    written = Some((mailbox.zone, frame.clone()));
                    frame
                }
            };
            mailbox.push(frame, self.settings.queue);
        }
    }

    /// Tells every socket to reload: something may have been missed.
    fn sync_everyone(&self, reason: SyncReason) {
        let message = Message::now(Event::SyncRequired { reason });
        for mailbox in self.all() {
            mailbox.push(message.render(mailbox.zone).into(), self.settings.queue);
        }
    }

    fn unsubscribe(&self, mailbox: &Mailbox) {
        let mut registry = self.registry();
        if registry.left.len() >= REMEMBERED {
            registry.left.clear();
        }
        registry.left.insert(
            (mailbox.owner.clone(), mailbox.topic),
            std::time::Instant::now(),
        );
        if let Some(list) = registry.topics.get_mut(&mailbox.topic) {
            list.retain(|m| m.id != mailbox.id);
            if list.is_empty() {
                registry.topics.remove(&mailbox.topic);
            }
        }
        if let Some(list) = registry.owners.get_mut(&mailbox.owner) {
            list.retain(|m| m.id != mailbox.id);
            if list.is_empty() {
                registry.owners.remove(&mailbox.owner);
            }
        }
    }
}

impl Mailbox {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `frame`, never waiting; a full queue is replaced by one `sync_required`.
    fn push(&self, frame: Arc<str>, capacity: usize) {
        let mut queue = self.queue();
        if queue.closing.is_some() {
            return;
        }
        if queue.frames.len() >= capacity.max(1) {
            queue.frames.clear();
            let sync = Message::now(Event::SyncRequired {
                reason: SyncReason::QueueOverflow,
            });
            queue.frames.push_back(sync.render(self.zone).into());
            tracing::debug!(
                boutique_id = self.topic.0,
                channel = ?self.topic.1,
                "live socket behind: its queue replaced by sync_required"
            );
        } else {
            queue.frames.push_back(frame);
        }
        drop(queue);
        self.ready.notify_one();
    }

    fn close(&self, closing: Closing) {
        let mut queue = self.queue();
        queue.closing.get_or_insert(closing);
        queue.frames.clear();
        drop(queue);
        self.ready.notify_one();
    }
}

impl Subscription {
    /// The next frame for the socket, or its end. Cancel-safe: nothing is taken from the
    /// queue unless returned.
    pub async fn next(&self) -> Delivery {
        loop {
            {
                let mut queue = self.mailbox.queue();
                if let Some(closing) = queue.closing {
                    return Delivery::Closed(closing);
                }
                if let Some(frame) = queue.frames.pop_front() {
                    return Delivery::Frame(frame);
                }
            }
            self.mailbox.ready.notified().await;
        }
    }

    /// The zone the socket's frames are written in (its shop's).
    pub fn zone(&self) -> Tz {
        self.mailbox.zone
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unsubscribe(&self.mailbox);
    }
}

/// A listener on the events' channel, over a connection of `connections`.
async fn listen(connections: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(connections).await?;
    // A lost connection is the hub's to notice and reconnect, so that it can tell the sockets.
    listener.eager_reconnect(false);
    listener.ignore_pool_close_event(true);
    listener.listen(PG_CHANNEL).await?;
    Ok(listener)
}

/// Relays notifications until the hub stops; reconnects with backoff when the connection
/// fails, then sends every socket `sync_required`.
async fn run(
    hub: Arc<Inner>,
    connections: PgPool,
    mut listener: Option<PgListener>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let mut current = match listener.take() {
            Some(current) => current,
            None => {
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = stop.wait_for(|stop| *stop) => return,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                let connecting = tokio::select! {
                    connecting = listen(&connections) => connecting,
                    _ = stop.wait_for(|stop| *stop) => return,
                };
                match connecting {
                    Ok(current) => {
                        tracing::info!("live push: listening again; every socket told to resync");
                        hub.sync_everyone(SyncReason::ListenerReconnected);
                        backoff = MIN_BACKOFF;
                        current
                    }
                    Err(error) => {
                        tracing::warn!(%error, retry_in = ?backoff, "live push: cannot listen");
                        continue;
                    }
                }
            }
        };
        tokio::select! {
            lost = receive(&hub, &mut current) => {
                tracing::warn!(reason = %lost, "live push: listener connection lost; reconnecting");
            }
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

/// Relays notifications until the connection fails; returns why.
async fn receive(hub: &Inner, listener: &mut PgListener) -> String {
    loop {
        match tokio::time::timeout(QUIET_CHECK, listener.try_recv()).await {
            Ok(Ok(Some(notification))) => {
                match serde_json::from_str::<Published>(notification.payload()) {
                    Ok(published) => hub.relay(&published),
                    Err(error) => {
                        tracing::warn!(%error, payload = notification.payload(), "live push: unreadable event dropped");
                    }
                }
            }
            Ok(Ok(None)) => return "connection closed".into(),
            Ok(Err(error)) => return error.to_string(),
            Err(_quiet) => {
                match tokio::time::timeout(CHECK_TIMEOUT, listener.execute("SELECT 1")).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => return error.to_string(),
                    Err(_) => return "connection check unanswered".into(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const ZONE: Tz = chrono_tz::Africa::Kinshasa;

    fn hub(queue: usize) -> Hub {
        Hub::new(Settings {
            queue,
            per_owner: 2,
        })
    }

    fn stock(boutique_id: i64, article_id: i64) -> Published {
        Published {
            boutique_id,
            canal: Channel::Boutique,
            message: Message::now(Event::StockUpdated {
                article_id,
                new_stock: 1,
            }),
        }
    }

    async fn next(subscription: &Subscription) -> Value {
        match tokio::time::timeout(Duration::from_secs(1), subscription.next())
            .await
            .expect("a delivery")
        {
            Delivery::Frame(frame) => serde_json::from_str(&frame).unwrap(),
            Delivery::Closed(closing) => panic!("closed: {closing:?}"),
        }
    }

    fn pending(subscription: &Subscription) -> bool {
        subscription.mailbox.queue().frames.is_empty()
    }

    #[tokio::test]
    async fn events_go_to_the_sockets_of_their_shop_and_channel_only() {
        let hub = hub(8);
        let a = hub.subscribe(1, Channel::Boutique, Owner::Terminal(1), ZONE);
        let a_notifications = hub.subscribe(1, Channel::Notifications, Owner::Terminal(1), ZONE);
        let b = hub.subscribe(2, Channel::Boutique, Owner::Terminal(2), ZONE);
        hub.relay(&stock(1, 10));
        assert_eq!(next(&a).await["article_id"], 10);
        assert!(pending(&a_notifications));
        assert!(pending(&b));
        assert_eq!(hub.sockets(), 3);
        drop(a);
        assert_eq!(hub.sockets(), 2);
    }

    #[tokio::test]
    async fn a_full_queue_is_replaced_by_one_sync_required() {
        let hub = hub(3);
        let slow = hub.subscribe(1, Channel::Boutique, Owner::Terminal(1), ZONE);
        for article_id in 1..=3 {
            hub.relay(&stock(1, article_id));
        }
        hub.relay(&stock(1, 4));
        let first = next(&slow).await;
        assert_eq!(first["type"], "sync_required");
        assert_eq!(first["reason"], "queue_overflow");
        assert!(pending(&slow));
        // Later events follow it.
        hub.relay(&stock(1, 5));
        assert_eq!(next(&slow).await["article_id"], 5);
    }

    #[tokio::test]
    async fn an_owner_over_its_limit_loses_its_oldest_socket() {
        let hub = hub(8);
        let first = hub.subscribe(1, Channel::Boutique, Owner::Terminal(1), ZONE);
        let second = hub.subscribe(1, Channel::Notifications, Owner::Terminal(1), ZONE);
        let other = hub.subscribe(1, Channel::Boutique, Owner::Terminal(2), ZONE);
        let third = hub.subscribe(1, Channel::Boutique, Owner::Terminal(1), ZONE);
        assert_eq!(first.next().await, Delivery::Closed(Closing::Replaced));
        hub.relay(&stock(1, 7));
        assert_eq!(next(&third).await["article_id"], 7);
        assert_eq!(next(&other).await["article_id"], 7);
        assert!(pending(&second));
        hub.stop();
        assert_eq!(second.next().await, Delivery::Closed(Closing::ShuttingDown));
        let late = hub.subscribe(1, Channel::Boutique, Owner::Terminal(3), ZONE);
        assert_eq!(late.next().await, Delivery::Closed(Closing::ShuttingDown));
    }
}
