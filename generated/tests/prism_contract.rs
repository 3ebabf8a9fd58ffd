//! Contract test against Prism, a mock server driven by `spec/cobo-waas2-oauth.yaml`: every
//! operation's request passes its validation (it answers 401, 415 or 422 when a request breaks
//! the spec) and its example response decodes.
//!
//! Prism comes from `PRISM_BIN`, else from `tools/prism/node_modules/.bin/prism` (where
//! `cargo xtask test` installs `@stoplight/prism-cli@5.14.2`). The test is ignored by plain
//! `cargo test` (reported as ignored, never as passed); `cargo xtask test` runs it with Prism.
//! Run without Prism, it fails. It reads `spec/` of the workspace, so it is not packaged.
#![cfg(feature = "oauth")] // The token operations and everything built on them.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cobo_waas2::models::{
    PermissionTokenExchangeBody, PermissionTokenRefreshBody, TokenEndpointBody,
};
use cobo_waas2::{ApiSecret, Client, ResponseVerification};

const SECRET_HEX: &str = "9a1b9a1b9a1b9a1b9a1b9a1b9a1b9a1b9a1b9a1b9a1b9a1b9a1b9a1b9a1b0004";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn prism_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PRISM_BIN").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let local = workspace_root().join("tools/prism/node_modules/.bin/prism");
    local.is_file().then_some(local)
}

/// A running Prism, killed and reaped on drop.
struct Prism {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prism {
    fn start(binary: &Path) -> Self {
        // A free loopback port: bound, read, released for Prism to take.
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port");
        let child = Command::new(binary)
            .args(["mock", "-h", "127.0.0.1", "-p", &addr.port().to_string()])
            .arg(workspace_root().join("spec/cobo-waas2-oauth.yaml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut prism = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Some(status) = prism.child.try_wait().expect("poll Prism") {
                panic!("Prism exited before listening: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "Prism did not listen on {addr} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        prism
    }
}

#[tokio::test]
#[ignore = "needs Prism: run `cargo xtask test`"]
#[allow(deprecated)]
async fn every_operation_passes_prism_request_validation() {
    let Some(binary) = prism_binary() else {
        panic!(
            "Prism not found: set PRISM_BIN or run `cargo xtask test` (it runs `npm install \
             --prefix tools/prism @stoplight/prism-cli@5.14.2`)"
        );
    };
    let prism = Prism::start(&binary);
    // Prism serves the spec's paths without the servers' `/v2`, and does not sign responses.
    let client = Client::builder(ApiSecret::from_hex(SECRET_HEX).unwrap())
        .base_url(format!("http://{}", prism.addr))
        .response_verification(ResponseVerification::Disabled)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    let token = client
        .get_token(
            "pvSwS8iFrfK0oZrB0ugG54XPDOLEv0Ij",
            "e3986401-4aec-480a-973d-e775a4518413",
            "org_implicit",
        )
        .await
        .unwrap_or_else(|e| panic!("get_token: {e}"));
    assert!(token.status().is_success());
    assert!(token.access_token.is_some());

    let refreshed = client
        .refresh_token(&TokenEndpointBody {
            client_id: Some("pvSwS8iFrfK0oZrB0ugG54XPDOLEv0Ij".to_owned()),
            grant_type: Some("refresh_token".to_owned()),
            refresh_token: Some("dW3eTiyR7sVn8kFqL2zB9xJpHsNuWcQa".to_owned()),
        })
        .await
        .unwrap_or_else(|e| panic!("refresh_token: {e}"));
    assert!(refreshed.status().is_success());
    assert!(refreshed.refresh_token.is_some());

    let exchanged = client
        .exchange_permission_token(&PermissionTokenExchangeBody {
            permission_type: "payment_orders_payin".to_owned(),
        })
        .await
        .unwrap_or_else(|e| panic!("exchange_permission_token: {e}"));
    assert!(exchanged.status().is_success());

    let permission = client
        .refresh_permission_token(&PermissionTokenRefreshBody {
            refresh_token: "dW3eTiyR7sVn8kFqL2zB9xJpHsNuWcQa".to_owned(),
        })
        .await
        .unwrap_or_else(|e| panic!("refresh_permission_token: {e}"));
    assert!(permission.status().is_success());

    // A request that breaks the spec is refused: the validation is real.
    let unsigned = reqwest_free_get(prism.addr);
    assert!(unsigned.starts_with("HTTP/1.1 401"), "{unsigned}");
}

/// A bare HTTP GET without CoboAuth headers; returns the status line.
fn reqwest_free_get(addr: SocketAddr) -> String {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET /oauth/token?client_id=a&org_id=b&grant_type=org_implicit HTTP/1.1\r\nhost: {addr}\r\n\
         connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.lines().next().unwrap_or_default().to_owned()
}
