//! Cursor-paged lists in Cobo's shape: `limit`, `before`, `after` in;
//! `{"data":[…],"pagination":{"before":…,"after":…,"total_count":…}}` out.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::reply::Reply;
use super::request::RecordedRequest;

/// Cobo's default page size.
const DEFAULT_LIMIT: usize = 10;
/// Cobo's largest page size.
const MAX_LIMIT: usize = 50;
/// Cobo's `error_code` for a parameter with an illegal format or value.
const ILLEGAL_PARAMETER: i64 = 2006;

/// Lists by `(route, organization)`; `None` serves calls without a Bearer token, and calls of
/// organizations without a list of their own.
#[derive(Default)]
pub(super) struct Lists(HashMap<(String, Option<String>), Vec<Value>>);

/// The opaque cursor naming the item at `index`.
fn cursor(index: usize) -> String {
    format!("c{index:x}")
}

fn parse_cursor(cursor: &str) -> Option<usize> {
    usize::from_str_radix(cursor.strip_prefix('c')?, 16).ok()
}

impl Lists {
    pub(super) fn set(&mut self, route: &str, org_id: Option<&str>, items: Vec<Value>) {
        self.0
            .insert((route.to_owned(), org_id.map(str::to_owned)), items);
    }

    pub(super) fn remove(&mut self, route: &str, org_id: Option<&str>) -> bool {
        self.0
            .remove(&(route.to_owned(), org_id.map(str::to_owned)))
            .is_some()
    }

    /// The page a `GET` of `route` asks for, if the route has a list.
    pub(super) fn page(
        &self,
        route: &str,
        org_id: Option<&str>,
        request: &RecordedRequest,
    ) -> Option<Reply> {
        let items = self
            .0
            .get(&(route.to_owned(), org_id.map(str::to_owned)))
            .or_else(|| self.0.get(&(route.to_owned(), None)))?;
        Some(
            page_of(items, request)
                .unwrap_or_else(|message| Reply::cobo_error(400, ILLEGAL_PARAMETER, &message)),
        )
    }
}

fn page_of(items: &[Value], request: &RecordedRequest) -> Result<Reply, String> {
    let limit = match request.query_param("limit") {
        None => DEFAULT_LIMIT,
        Some(limit) => limit
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| format!("limit must be between 1 and {MAX_LIMIT}"))?,
    };
    let position = |name: &str| -> Result<Option<usize>, String> {
        match request.query_param(name).filter(|c| !c.is_empty()) {
            None => Ok(None),
            Some(c) => parse_cursor(&c)
                .filter(|&i| i < items.len())
                .map(Some)
                .ok_or_else(|| format!("{name} is not a cursor of this list")),
        }
    };
    let (start, end) = match (position("before")?, position("after")?) {
        (Some(_), Some(_)) => return Err("set either before or after, not both".to_owned()),
        (Some(before), None) => (before.saturating_sub(limit), before),
        (None, Some(after)) => (after + 1, (after + 1 + limit).min(items.len())),
        (None, None) => (0, limit.min(items.len())),
    };
    let before = if start > 0 && start < items.len() {
        cursor(start)
    } else {
        String::new()
    };
    let after = if end < items.len() && end > start {
        cursor(end - 1)
    } else {
        String::new()
    };
    Ok(Reply::json(
        200,
        &json!({
            "data": &items[start..end],
            "pagination": {"before": before, "after": after, "total_count": items.len()},
        }),
    ))
}
