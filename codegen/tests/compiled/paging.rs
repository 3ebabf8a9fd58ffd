//! Cursor-paged streams of the crate generated from `../fixtures/paging.yaml`, against the
//! runtime's fake Cobo server with scripted replies: every item once and in order, empty lists,
//! a repeated cursor, an error mid-list, backwards paging and whole pages.

mod support;

use fixture_paging::models::{
    CreateItemRequest, Item, ListItemsOptions, ListShelfItemsOptions, RenameItemRequest,
};
use fixture_paging::{ApiSecret, Client, Error, ResponseVerification, RetryPolicy};
use serde_json::{Value, json};
use support::{FakeCobo, block_on};

fn client_for(server: &FakeCobo) -> Client {
    retrying_client(server, RetryPolicy::disabled())
}

fn retrying_client(server: &FakeCobo, retry: RetryPolicy) -> Client {
    Client::builder(ApiSecret::from_hex(&"11".repeat(32)).unwrap())
        .base_url(support::root_url(server))
        .response_verification(ResponseVerification::Disabled)
        .retry_policy(retry)
        .build()
        .unwrap()
}

fn page(ids: &[&str], before: &str, after: &str, total: i64) -> (u16, Value) {
    let data: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    (
        200,
        json!({"data": data, "pagination": {"before": before, "after": after, "total_count": total}}),
    )
}

fn ids(items: &[Item]) -> Vec<&str> {
    items.iter().map(|item| item.id.as_str()).collect()
}

#[test]
fn three_pages_stream_every_item_once_in_order_with_filters_kept() {
    let server = support::scripted(vec![
        page(&["1", "2", "3"], "", "c1", 7),
        page(&["4", "5", "6"], "b2", "c2", 7),
        page(&["7"], "b3", "", 7),
    ]);
    let client = client_for(&server);
    let options = ListItemsOptions {
        color: Some("red".into()),
        limit: Some(3),
        ..Default::default()
    };
    let items = block_on(async {
        let mut stream = client.list_items_stream(&options);
        let mut items = Vec::new();
        while let Some(item) = stream.try_next().await.expect("no error") {
            items.push(item);
        }
        items
    });
    assert_eq!(ids(&items), ["1", "2", "3", "4", "5", "6", "7"]);
    assert_eq!(
        support::targets(&server),
        [
            "/items?color=red&limit=3",
            "/items?color=red&limit=3&after=c1",
            "/items?color=red&limit=3&after=c2",
        ]
    );
}

#[test]
fn an_empty_list_is_one_request_and_no_items() {
    let server = support::scripted(vec![page(&[], "", "", 0), page(&[], "", "", 0)]);
    let client = client_for(&server);
    let (first, pages) = block_on(async {
        let mut stream = client.list_items_stream(&ListItemsOptions::default());
        let first = stream.try_next().await.expect("no error");
        let mut pages = client
            .list_items_stream(&ListItemsOptions::default())
            .pages();
        let mut all = Vec::new();
        while let Some(page) = pages.try_next().await.expect("no error") {
            all.push((page.items.len(), page.total_count));
        }
        (first, all)
    });
    assert!(first.is_none());
    assert_eq!(pages, [(0, Some(0))], "an empty list is one empty page");
    assert_eq!(support::targets(&server).len(), 2);
}

#[test]
fn a_repeated_cursor_ends_the_stream_with_an_error_instead_of_looping() {
    let server = support::scripted(vec![
        page(&["1"], "", "c1", 3),
        page(&["2"], "b", "c1", 3),
        page(&["3"], "b", "c1", 3),
    ]);
    let client = client_for(&server);
    let (items, error, after) = block_on(async {
        let mut stream = client.list_items_stream(&ListItemsOptions::default());
        let mut items = Vec::new();
        let error = loop {
            match stream.try_next().await {
                Ok(Some(item)) => items.push(item),
                Ok(None) => panic!("the stream ended without an error"),
                Err(e) => break e,
            }
        };
        let after = stream.try_next().await.expect("ended").is_none();
        (items, error, after)
    });
    assert_eq!(ids(&items), ["1", "2"]);
    assert!(
        matches!(&error, Error::RepeatedCursor { operation: "list_items", cursor } if cursor == "c1"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("repeated a page cursor"),
        "{error}"
    );
    assert!(after, "the stream goes on after the error");
    assert_eq!(support::targets(&server).len(), 2);
}

#[test]
fn an_error_on_page_two_comes_after_the_first_pages_items() {
    let server = support::scripted(vec![
        page(&["1", "2"], "", "c1", 4),
        (
            400,
            json!({"error_code": 2003, "error_message": "bad cursor"}),
        ),
    ]);
    let client = client_for(&server);
    let results = block_on(async {
        let mut stream = client.list_items_stream(&ListItemsOptions::default());
        let mut results = Vec::new();
        loop {
            match stream.try_next().await {
                Ok(None) => break,
                result => results.push(result),
            }
        }
        results
    });
    assert_eq!(results.len(), 3, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap().as_ref().unwrap().id, "1");
    assert_eq!(results[1].as_ref().unwrap().as_ref().unwrap().id, "2");
    let error = results[2].as_ref().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert!(error.api_error().is_some(), "{error:?}");
}

#[test]
fn backward_follows_before_from_the_callers_cursor() {
    let server = support::scripted(vec![
        page(&["8", "9"], "b1", "a1", 9),
        page(&["6", "7"], "", "a2", 9),
    ]);
    let client = client_for(&server);
    let options = ListItemsOptions {
        before: Some("b0".into()),
        ..Default::default()
    };
    let items = block_on(async {
        let mut stream = client.list_items_stream(&options).backward();
        let mut items = Vec::new();
        while let Some(item) = stream.try_next().await.expect("no error") {
            items.push(item);
        }
        items
    });
    assert_eq!(ids(&items), ["8", "9", "6", "7"]);
    assert_eq!(
        support::targets(&server),
        ["/items?before=b0", "/items?before=b1"]
    );
}

#[test]
fn pages_carry_their_cursors_and_total_count() {
    let server = support::scripted(vec![
        page(&["1", "2"], "", "c1", 3),
        page(&["3"], "b2", "", 3),
    ]);
    let client = client_for(&server);
    let pages = block_on(async {
        let mut pages = client
            .list_items_stream(&ListItemsOptions::default())
            .pages();
        let mut all = Vec::new();
        while let Some(page) = pages.try_next().await.expect("no error") {
            all.push(page);
        }
        all
    });
    let summary: Vec<(usize, &str, &str, Option<i64>)> = pages
        .iter()
        .map(|p| {
            (
                p.items.len(),
                p.before.as_str(),
                p.after.as_str(),
                p.total_count,
            )
        })
        .collect();
    assert_eq!(summary, [(2, "", "c1", Some(3)), (1, "b2", "", Some(3))]);
}

#[test]
fn a_request_id_is_a_fresh_version_4_uuid() {
    let a = fixture_paging::new_request_id();
    let b = fixture_paging::new_request_id();
    assert_ne!(a, b);
    let groups: Vec<usize> = a.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{a}");
    assert_eq!(&a[14..15], "4", "{a}");
    assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: std::time::Duration::from_millis(5),
        max_delay: std::time::Duration::from_millis(10),
        deadline: None,
    }
}

#[test]
fn a_post_with_a_request_id_answered_502_is_repeated_with_a_new_nonce() {
    let server = support::scripted(vec![
        (502, json!({})),
        (201, json!({"id": "item-1", "name": "chair"})),
    ]);
    let client = retrying_client(&server, quick_retry());
    let body = CreateItemRequest {
        request_id: fixture_paging::new_request_id(),
        name: "chair".into(),
    };
    let created = block_on(client.create_item(&body)).expect("the second attempt succeeds");
    assert_eq!(created.id, "item-1");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.method == "POST"));
    assert_eq!(requests[0].body, requests[1].body, "the same request ID");
    assert_ne!(
        requests[0].header("biz-api-nonce"),
        requests[1].header("biz-api-nonce")
    );
}

#[test]
fn a_put_without_a_request_id_answered_502_is_not_repeated() {
    let server = support::scripted(vec![
        (502, json!({})),
        (200, json!({"id": "item-1", "name": "table"})),
    ]);
    let client = retrying_client(&server, quick_retry());
    let body = RenameItemRequest {
        name: Some("table".into()),
    };
    let error = block_on(client.rename_item("item-1", &body)).expect_err("502");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_stream_page_is_retried_like_any_get() {
    let server = support::scripted(vec![
        page(&["1"], "", "c1", 2),
        (
            429,
            json!({"error_code": 2026, "error_message": "slow down"}),
        ),
        page(&["2"], "b", "", 2),
    ]);
    let client = retrying_client(&server, quick_retry());
    let items = block_on(async {
        let mut stream = client.list_items_stream(&ListItemsOptions::default());
        let mut items = Vec::new();
        while let Some(item) = stream.try_next().await.expect("no error") {
            items.push(item);
        }
        items
    });
    assert_eq!(ids(&items), ["1", "2"]);
    assert_eq!(
        support::targets(&server),
        ["/items", "/items?after=c1", "/items?after=c1"]
    );
}

#[test]
fn required_parameters_are_sent_on_every_page_and_a_missing_pagination_ends_the_list() {
    let server = support::scripted(vec![
        page(&["1"], "", "c1", 2),
        (200, json!({"data": [{"id": "2"}]})),
    ]);
    let client = client_for(&server);
    let shelf = String::from("shelf 7");
    let items = block_on(async {
        let mut stream =
            client.list_shelf_items_stream(&shelf, 5, &ListShelfItemsOptions::default());
        let mut items = Vec::new();
        while let Some(item) = stream.try_next().await.expect("no error") {
            items.push(item);
        }
        items
    });
    assert_eq!(ids(&items), ["1", "2"]);
    assert_eq!(
        support::targets(&server),
        [
            "/shelves/shelf%207/items?min_weight=5",
            "/shelves/shelf%207/items?min_weight=5&after=c1",
        ]
    );
}
