//! Streaming 10,000 items through `list_items_stream` from a local server, against the same
//! pages read with a hand-written `list_items` loop: the paginator's per-item overhead.
//! Copied into the crate generated from `codegen/tests/fixtures/paging.yaml` by
//! `bench/paging.sh`, which runs it in release mode.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fixture_paging::models::ListItemsOptions;
use fixture_paging::{ApiSecret, Client, ResponseVerification};

const ITEMS: usize = 10_000;
const PAGE: usize = 50;
const RUNS: usize = 15;

/// Every page, pre-rendered as a full HTTP response, keyed by the `after` cursor it answers.
fn pages() -> Vec<Vec<u8>> {
    (0..ITEMS / PAGE)
        .map(|page| {
            let data: Vec<serde_json::Value> = (page * PAGE..(page + 1) * PAGE)
                .map(|i| serde_json::json!({"id": format!("item-{i:05}"), "name": "chair"}))
                .collect();
            let after = if page + 1 == ITEMS / PAGE {
                String::new()
            } else {
                format!("p{}", page + 1)
            };
            let body = serde_json::json!({
                "data": data,
                "pagination": {"before": format!("p{page}"), "after": after, "total_count": ITEMS},
            })
            .to_string();
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        })
        .collect()
}

/// A keep-alive server on 127.0.0.1 answering `GET /items?...after=pN` with page N.
fn serve(listener: TcpListener, pages: Arc<Vec<Vec<u8>>>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { return };
        let pages = pages.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut writer = stream;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let page = line
                    .split("after=p")
                    .nth(1)
                    .and_then(|rest| rest.split([' ', '&']).next())
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                if writer.write_all(&pages[page]).is_err() {
                    return;
                }
            }
        });
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("address");
    let pages = Arc::new(pages());
    std::thread::spawn(move || serve(listener, pages));
    let client = Client::builder(ApiSecret::from_hex(&"11".repeat(32)).expect("key"))
        .base_url(format!("http://{address}"))
        .response_verification(ResponseVerification::Disabled)
        .build()
        .expect("client");
    let options = ListItemsOptions {
        limit: Some(PAGE as i64),
        ..Default::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut streamed, mut looped) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        streamed.push(runtime.block_on(async {
            let started = Instant::now();
            let mut stream = client.list_items_stream(&options);
            let mut count = 0;
            while let Some(item) = stream.try_next().await.expect("page") {
                std::hint::black_box(item);
                count += 1;
            }
            assert_eq!(count, ITEMS);
            started.elapsed()
        }));
        looped.push(runtime.block_on(async {
            let started = Instant::now();
            let mut options = options.clone();
            let mut count = 0;
            loop {
                let body = client.list_items(&options).await.expect("page").into_inner();
                for item in body.data {
                    std::hint::black_box(item);
                    count += 1;
                }
                if body.pagination.after.is_empty() {
                    break;
                }
                options.after = Some(body.pagination.after);
            }
            assert_eq!(count, ITEMS);
            started.elapsed()
        }));
    }
    let (streamed, looped) = (median(streamed), median(looped));
    let per_item = |d: Duration| d.as_nanos() as f64 / ITEMS as f64;
    println!(
        "{ITEMS} items in pages of {PAGE}, median of {RUNS} runs: stream {:.1} ms ({:.0} ns/item), hand-written loop {:.1} ms ({:.0} ns/item), stream overhead {:+.0} ns/item",
        streamed.as_secs_f64() * 1e3,
        per_item(streamed),
        looped.as_secs_f64() * 1e3,
        per_item(looped),
        per_item(streamed) - per_item(looped),
    );
}
