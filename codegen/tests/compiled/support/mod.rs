//! Helpers for the tests compiled into generated crates, over the runtime's fake Cobo server
//! ([`FakeCobo`], feature `test-util`). A generated crate's only dependencies are the runtime and
//! `serde_json`, so these reach the fake through the runtime (any crate's test can), and run
//! async calls with [`block_on`] instead of a tokio of their own. The fixture crates' tests find
//! this module beside them (`mod support;`); `.ci/run` copies it into the full-spec crate.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test crate uses a different part"
)]

pub use cobo_waas2_runtime::test_util::{FakeCobo, RecordedRequest, Reply, block_on};
use serde_json::Value;

/// A fake on a thread of its own answering requests with `(status, JSON body)` replies in order,
/// unsigned (as a proxy answers), before its built-in routes.
pub fn scripted(replies: Vec<(u16, Value)>) -> FakeCobo {
    let fake = FakeCobo::start_in_background().expect("start the fake on 127.0.0.1");
    fake.push_all(
        replies
            .into_iter()
            .map(|(status, body)| Reply::json(status, &body).unsigned()),
    );
    fake
}

/// The fake's address without the `/v2` prefix: for clients whose paths are the spec's own.
pub fn root_url(fake: &FakeCobo) -> String {
    format!("http://{}", fake.addr())
}

/// Each request's path and query, as sent.
pub fn targets(fake: &FakeCobo) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| match r.query.as_str() {
            "" => r.path.clone(),
            query => format!("{}?{query}", r.path),
        })
        .collect()
}

/// A fake on a thread of its own where the app `client-1` is installed in `org-1` with the
/// token pair `AT-1-fake` / `RT-1-fake` current, and answering with `handler` where its built-in
/// routes (the token endpoint, the Bearer check) do not.
pub fn org_server(
    handler: impl Fn(&RecordedRequest) -> Option<Reply> + Send + Sync + 'static,
) -> FakeCobo {
    let fake = FakeCobo::start_in_background().expect("start the fake on 127.0.0.1");
    fake.seed_pair("client-1", "org-1", 1);
    fake.handle(handler);
    fake
}
