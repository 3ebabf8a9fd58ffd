//! `Organizations`: one handle for every organization of an app, over one store database and
//! one client.

#[path = "support/stores.rs"]
mod stores;
mod support;

use std::time::Duration;

use cobo_waas2_runtime::{MemoryStores, Organizations, SqliteStores, TokenStores};
use support::FakeCobo;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_are_created_once_per_organization_and_share_the_store() {
    let server = support::start(FakeCobo::builder()).await;
    for org in ["org-a", "org-b", "org-c"] {
        server.install("client-1", org);
    }
    let dir = stores::TempDir::new("orgs");
    let database = SqliteStores::open(dir.0.join("tokens.db")).unwrap();
    let orgs = Organizations::with_config(
        stores::client(&server),
        "client-1",
        database.clone(),
        |builder| builder.lock_wait(Duration::from_secs(5)),
    );
    assert_eq!(orgs.cached(), 0, "nothing is created before use");
    for org in ["org-b", "org-a", "org-c"] {
        orgs.manager(org).authorize().await.unwrap();
    }
    assert_eq!(orgs.cached(), 3);
    // A valid token is served from memory: no request.
    let requests = server.requests().len();
    let a = orgs.access_token("org-a").await.unwrap();
    assert_eq!(a.as_str(), "AT-2-fake");
    assert_eq!(
        orgs.access_token("org-b").await.unwrap().as_str(),
        "AT-1-fake"
    );
    assert_eq!(server.requests().len(), requests);
    assert_eq!(orgs.cached(), 3, "the same managers are reused");
    // All three pairs are in the one database, listed in order.
    assert_eq!(orgs.organizations().unwrap(), ["org-a", "org-b", "org-c"]);
    assert_eq!(
        database.organizations("client-1").unwrap(),
        ["org-a", "org-b", "org-c"]
    );
    // Uninstalled: forgotten in memory and in the database.
    assert!(orgs.remove("org-b").unwrap());
    assert_eq!(orgs.cached(), 2);
    assert_eq!(orgs.organizations().unwrap(), ["org-a", "org-c"]);
    let error = orgs.access_token("org-b").await.unwrap_err();
    assert!(error.needs_reauthorization(), "{error}");
}

#[tokio::test]
async fn memory_stores_list_only_organizations_with_a_pair() {
    let server = support::start(FakeCobo::builder()).await;
    server.install("client-1", "org-a");
    let orgs = Organizations::new(stores::client(&server), "client-1", MemoryStores::new());
    orgs.manager("org-a").authorize().await.unwrap();
    let _unused = orgs.manager("org-b");
    assert_eq!(orgs.organizations().unwrap(), ["org-a"]);
    assert!(!orgs.remove("org-b").unwrap());
    assert!(orgs.remove("org-a").unwrap());
    assert_eq!(orgs.organizations().unwrap(), Vec::<String>::new());
}
