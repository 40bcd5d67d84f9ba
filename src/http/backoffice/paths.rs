//! The back-office's addresses: where it lives, the pages of a boutique, and the address of
//! an export that keeps the filters of the page it is offered on.

use std::collections::HashMap;

/// Where the back-office lives.
pub const BASE: &str = "/backoffice";

/// An address inside a boutique's pages.
pub fn shop_url(boutique_id: i64, path: &str) -> String {
    format!("{BASE}/boutiques/{boutique_id}{path}")
}

/// The address of a boutique's CSV export `path`, with the `filters` of the page's `query`
/// that are set: the export holds what the page lists.
pub fn export_url(
    boutique_id: i64,
    path: &str,
    filters: &[&str],
    query: &HashMap<String, String>,
) -> String {
    let kept: Vec<(&str, &str)> = filters
        .iter()
        .filter_map(|k| query.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    format!(
        "{}?{}",
        shop_url(boutique_id, path),
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}
