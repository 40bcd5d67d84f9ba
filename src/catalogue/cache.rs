//! The full catalogue of a few boutiques, kept as whatever its reader makes of it (the
//! terminal API keeps it serialised), for as long as nothing in it changes.
//!
//! An entry built from a snapshot whose `xmin` was X holds every change made by a
//! transaction below X, and none made by a transaction at or above X. So while no article
//! or category of the shop has been changed by a transaction at or above X (every row keeps
//! the id of the transaction that last changed it), the entry is exactly what a fresh read
//! would give. That is checked on every use, in one cheap statement.

use super::{Article, Since, articles_since, last_changes};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many boutiques' catalogues are kept (each is about 0.5 KB per article).
const CACHED_SHOPS: usize = 32;

pub struct CatalogueCache<V> {
    entries: Mutex<HashMap<i64, Arc<Entry<V>>>>,
}

struct Entry<V> {
    xmin: i64,
    /// When the snapshot it was read from was taken.
    at: DateTime<Utc>,
    /// What else the value was made from (the shop's currency, say): another context is
    /// another value.
    context: String,
    value: Arc<V>,
}

impl<V> Default for CatalogueCache<V> {
    fn default() -> Self {
        CatalogueCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V> CatalogueCache<V> {
    /// The boutique's full catalogue (see [`articles_since`]) as `render` makes it, the token
    /// of the next delta and the time of the snapshot it was read from.
    pub async fn full<E>(
        &self,
        pool: &PgPool,
        boutique_id: i64,
        context: &str,
        render: impl FnOnce(Vec<Article>) -> Result<V, E>,
    ) -> Result<(Arc<V>, i64, DateTime<Utc>), E>
    where
        E: From<sqlx::Error>,
    {
        let cached = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&boutique_id)
            .cloned();
        if let Some(entry) = cached.filter(|e| e.context == context) {
            let now = last_changes(pool, boutique_id).await?;
            if now.articles < entry.xmin && now.categories < entry.xmin {
                let token = now.xmin.min(now.articles + 1);
                return Ok((Arc::clone(&entry.value), token, entry.at));
            }
        }
        let read = articles_since(pool, boutique_id, Since::default()).await?;
        let (token, at) = (read.token, read.at);
        let entry = Arc::new(Entry {
            xmin: read.xmin,
            at,
            context: context.to_owned(),
            value: Arc::new(render(read.value)?),
        });
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CACHED_SHOPS
            && !entries.contains_key(&boutique_id)
            && let Some(&evicted) = entries.keys().next()
        {
            entries.remove(&evicted);
        }
        entries.insert(boutique_id, Arc::clone(&entry));
        Ok((Arc::clone(&entry.value), token, at))
    }
}
