//! The client against an in-process HTTP server: what goes on the wire, how responses are
//! verified and decoded, and every way a call can fail.
#![cfg(feature = "oauth")] // The token operations and everything built on them.

mod support;

use std::time::{Duration, Instant};

use cobo_waas2::models::{
    ExchangePermissionTokenError, GetTokenError, PermissionTokenExchangeBody,
    PermissionTokenRefreshBody, RefreshTokenError, TokenEndpointBody,
};
use cobo_waas2::{
    ApiSecret, Client, Environment, Error, ResponseVerification, RetryPolicy, SignatureError,
    StatusCode,
};
use serde_json::{Value, json};
use support::{FakeCobo, Fault, RecordedRequest, Reply};

const SECRET_HEX: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e70001";
const ACCESS_TOKEN: &str = "AT-distinctive-access-4c9e1f0a77";
const REFRESH_TOKEN: &str = "RT-distinctive-refresh-9b2d7e3511";

fn secret() -> ApiSecret {
    ApiSecret::from_hex(SECRET_HEX).unwrap()
}

fn client_for(server: &FakeCobo) -> Client {
    Client::builder(secret())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A client that sends every request once, so a fault reaches the test as it happened (the
/// runtime's retries are tested in runtime/tests/requests.rs).
fn client_once(server: &FakeCobo) -> Client {
    Client::builder(secret())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .retry_policy(RetryPolicy::disabled())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn token_json() -> Value {
    json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "scope": "",
        "expires_in": 43199,
        "refresh_token": REFRESH_TOKEN,
    })
}

fn refresh_body() -> TokenEndpointBody {
    TokenEndpointBody {
        client_id: Some("client-1".to_owned()),
        grant_type: Some("refresh_token".to_owned()),
        refresh_token: Some(REFRESH_TOKEN.to_owned()),
    }
}

/// The request carries this client's API key, and its signature verifies (checked by the test
/// fake's own implementation) over the string to sign the crate also computes.
fn assert_signed(request: &RecordedRequest, client: &Client) {
    assert_eq!(client.api_key(), secret().api_key());
    assert_eq!(request.header("biz-api-key"), Some(client.api_key()));
    let nonce = request.header("biz-api-nonce").expect("BIZ-API-NONCE");
    assert_eq!(
        cobo_waas2::string_to_sign(
            &request.method,
            &request.path,
            nonce,
            &request.query,
            &request.body
        ),
        request.string_to_sign(nonce)
    );
    request
        .verify_signature()
        .unwrap_or_else(|why| panic!("{why}: {request:#?}"));
}

fn nonce_of(request: &RecordedRequest) -> u64 {
    request
        .header("biz-api-nonce")
        .expect("BIZ-API-NONCE")
        .parse()
        .expect("nonce is a decimal number")
}

fn one_line(text: &str) {
    assert!(!text.is_empty());
    assert!(!text.contains('\n') && !text.contains('\r'), "{text:?}");
}

#[tokio::test]
async fn get_token_sends_a_signed_get_with_python_style_query_encoding() {
    let server =
        support::scripted([Reply::json(200, &token_json()).header("x-request-id", "r-1")]).await;
    let client = client_for(&server);

    let response = client
        .get_token(
            "app id&x=é/+?#~._-",
            "e3986401-4aec-480a-973d-e775a4518413",
            "org_implicit",
        )
        .await
        .unwrap();

    let request = support::single_request(&server);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/v2/oauth/token");
    assert_eq!(
        request.query,
        "client_id=app+id%26x%3D%C3%A9%2F%2B%3F%23~._-\
         &org_id=e3986401-4aec-480a-973d-e775a4518413&grant_type=org_implicit"
    );
    assert!(request.body.is_empty());
    assert_eq!(request.header("content-type"), None);
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_signed(&request, &client);

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], "r-1");
    assert_eq!(response.access_token.as_deref(), Some(ACCESS_TOKEN));
    assert_eq!(response.refresh_token.as_deref(), Some(REFRESH_TOKEN));
    assert_eq!(response.token_type.as_deref(), Some("Bearer"));
    assert_eq!(response.expires_in, Some(43199));
    assert_eq!(response.body().scope.as_deref(), Some(""));
}

#[tokio::test]
async fn refresh_token_posts_signed_json() {
    let server = support::scripted([Reply::json(200, &token_json())]).await;
    let client = client_for(&server);

    let response = client.refresh_token(&refresh_body()).await.unwrap();

    let request = support::single_request(&server);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v2/oauth/token");
    assert_eq!(request.query, "");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        format!(
            r#"{{"client_id":"client-1","grant_type":"refresh_token","refresh_token":"{REFRESH_TOKEN}"}}"#
        )
    );
    assert_signed(&request, &client);
    let body = response.into_inner();
    assert_eq!(body.access_token.as_deref(), Some(ACCESS_TOKEN));
    assert_eq!(body.refresh_token.as_deref(), Some(REFRESH_TOKEN));
}

#[tokio::test]
#[allow(deprecated)]
async fn exchange_permission_token_posts_signed_json() {
    let reply = json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600,
                       "refresh_token": REFRESH_TOKEN});
    let server = support::scripted([Reply::json(201, &reply)]).await;
    let client = client_for(&server);
    let body = PermissionTokenExchangeBody {
        permission_type: "payment_orders_payin".to_owned(),
    };

    let response = client.exchange_permission_token(&body).await.unwrap();

    let request = support::single_request(&server);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v2/oauth/permission_token/exchange");
    assert_eq!(request.query, "");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.body,
        br#"{"permission_type":"payment_orders_payin"}"#
    );
    assert_signed(&request, &client);
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.access_token.as_deref(), Some(ACCESS_TOKEN));
    assert_eq!(response.expires_in, Some(3600));
}

#[tokio::test]
#[allow(deprecated)]
async fn refresh_permission_token_posts_signed_json() {
    let reply = json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600,
                       "refresh_token": REFRESH_TOKEN});
    let server = support::scripted([Reply::json(201, &reply)]).await;
    let client = client_for(&server);
    let body = PermissionTokenRefreshBody {
        refresh_token: REFRESH_TOKEN.to_owned(),
    };

    let response = client.refresh_permission_token(&body).await.unwrap();

    let request = support::single_request(&server);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v2/oauth/permission_token/refresh");
    assert_eq!(request.query, "");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.body_json().unwrap(),
        json!({"refresh_token": REFRESH_TOKEN})
    );
    assert_signed(&request, &client);
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.refresh_token.as_deref(), Some(REFRESH_TOKEN));
}

#[tokio::test]
#[allow(deprecated)]
async fn every_operation_passes_a_server_that_verifies_signatures_like_cobo() {
    let permission = json!({"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN});
    let server = support::scripted([
        Reply::json(200, &token_json()),
        Reply::json(200, &token_json()),
        Reply::json(201, &permission),
        Reply::json(201, &permission),
    ])
    .await;
    let client = client_for(&server);

    client
        .get_token("a b&c=d é", "org/1?#", "org_implicit")
        .await
        .unwrap();
    client.refresh_token(&refresh_body()).await.unwrap();
    let exchange = PermissionTokenExchangeBody {
        permission_type: "payment_orders_payin".to_owned(),
    };
    client.exchange_permission_token(&exchange).await.unwrap();
    let refresh = PermissionTokenRefreshBody {
        refresh_token: "café \" \\ \n 😀".to_owned(),
    };
    client.refresh_permission_token(&refresh).await.unwrap();
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn verifying_server_rejects_a_wrong_signature() {
    // The fake's check must itself work, or the test above proves nothing.
    let server = support::scripted([Reply::json(200, &token_json())]).await;
    let secret = secret();
    let nonce = support::now_ms().to_string();
    // Signed for another query than the one sent.
    let signature = secret.sign_request("GET", "/v2/oauth/token", &nonce, "client_id=x", b"");
    let response = cobo_waas2::reqwest::Client::new()
        .get(format!("{}/oauth/token?client_id=y", server.base_url()))
        .header("BIZ-API-KEY", secret.api_key())
        .header("BIZ-API-NONCE", &nonce)
        .header("BIZ-API-SIGNATURE", signature)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    // Cobo's answer to a bad signature.
    assert_eq!(
        body["error_code"],
        support::INVALID_SIGNATURE_ERROR_CODE,
        "{body}"
    );
    assert!(body["error_message"].as_str().is_some(), "{body}");

    // The rejected request did not use up the scripted reply; a correct signature gets it.
    let response = client_for(&server)
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap();
    assert_eq!(response.access_token.as_deref(), Some(ACCESS_TOKEN));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn nonce_is_milliseconds_since_epoch_and_strictly_increasing() {
    let server = support::scripted([
        Reply::json(200, &token_json()),
        Reply::json(200, &token_json()),
    ])
    .await;
    let client = client_for(&server);

    let before = support::now_ms();
    client.get_token("c", "o", "org_implicit").await.unwrap();
    client.get_token("c", "o", "org_implicit").await.unwrap();
    let after = support::now_ms();

    let requests = server.requests();
    let (first, second) = (nonce_of(&requests[0]), nonce_of(&requests[1]));
    assert!(first < second, "{first} then {second}");
    assert!(before <= first, "{first} is before the call at {before}");
    // Two calls in the same millisecond get now and now + 1.
    assert!(
        second <= after + 1,
        "{second} is after the calls ended at {after}"
    );
}

#[tokio::test]
async fn oauth_4xx_errors_are_client_errors_shown_on_one_line() {
    let error = json!({"error": "invalid_grant",
                       "error_description": "Refresh token expired\nre-authorize the app"});
    let server = support::scripted([Reply::json(400, &error), Reply::json(401, &error)]).await;
    let client = client_for(&server);

    let err = client.refresh_token(&refresh_body()).await.unwrap_err();
    match &err {
        Error::Api {
            error: RefreshTokenError::ClientError(body),
            response,
        } => {
            assert_eq!(body.error, "invalid_grant");
            assert_eq!(
                body.error_description,
                "Refresh token expired\nre-authorize the app"
            );
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            assert_eq!(response.body(), serde_json::to_vec(&error).unwrap());
        }
        other => panic!("expected a client error, got {other:?}"),
    }
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(err.operation(), "refresh_token");
    let shown = err.to_string();
    one_line(&shown);
    assert!(shown.contains("invalid_grant"), "{shown}");
    assert!(shown.contains("Refresh token expired"), "{shown}");
    assert!(shown.contains("re-authorize the app"), "{shown}");

    let err = client
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_error(), Some(GetTokenError::ClientError(body)) if body.error == "invalid_grant"),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    one_line(&err.to_string());
}

#[tokio::test]
#[allow(deprecated)]
async fn server_5xx_errors_are_server_errors_shown_on_one_line() {
    let error = json!({"error_code": 12345, "error_message": "Internal error",
                       "error_id": "0b6ddf19083c4bd1a9ca01bec44b24dd"});
    let server = support::scripted([Reply::json(500, &error), Reply::json(503, &error)]).await;
    let client = client_for(&server);

    let err = client
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            error: GetTokenError::ServerError(body),
            response,
        } => {
            assert_eq!(body.error_code, 12345);
            assert_eq!(body.error_message, "Internal error");
            assert_eq!(body.error_id, "0b6ddf19083c4bd1a9ca01bec44b24dd");
            assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    let shown = err.to_string();
    one_line(&shown);
    assert!(shown.contains("error_code=12345"), "{shown}");
    assert!(shown.contains("Internal error"), "{shown}");
    assert!(
        shown.contains("0b6ddf19083c4bd1a9ca01bec44b24dd"),
        "{shown}"
    );

    let body = PermissionTokenExchangeBody {
        permission_type: "payment_orders_payin".to_owned(),
    };
    let err = client.exchange_permission_token(&body).await.unwrap_err();
    assert!(
        matches!(
            err.api_error(),
            Some(ExchangePermissionTokenError::ServerError(body)) if body.error_code == 12345
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
}

#[tokio::test]
async fn undocumented_statuses_keep_body_and_headers() {
    // Every 2XX, 4XX and 5XX status is documented (as 2XX, `4XX` or `5XX`); these are not.
    let server = support::scripted([
        Reply::raw(600, "beyond HTTP").header("x-odd", "status 600"),
        Reply::raw(302, "moved, somewhere").header("x-where", "nowhere"),
    ])
    .await;
    let client = client_for(&server);

    for (status, body, header, value) in [
        (600, &b"beyond HTTP"[..], "x-odd", "status 600"),
        (302, &b"moved, somewhere"[..], "x-where", "nowhere"),
    ] {
        let err = client
            .get_token("c", "o", "org_implicit")
            .await
            .unwrap_err();
        let Error::UnexpectedStatus { response } = &err else {
            panic!("expected UnexpectedStatus for {status}, got {err:?}");
        };
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(response.body(), body);
        assert_eq!(response.headers()[header], value);
        assert_eq!(response.operation(), "get_token");
        let shown = err.to_string();
        one_line(&shown);
        assert!(shown.contains(&status.to_string()), "{shown}");
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = support::scripted([Reply::json(200, &token_json())]).await;
    let server = support::scripted([
        Reply::raw(302, "").header("location", &format!("{}/collect", elsewhere.base_url()))
    ])
    .await;
    let client = client_for(&server);

    let result = client.get_token("c", "o", "org_implicit").await;

    let leaked: Vec<_> = elsewhere
        .requests()
        .iter()
        .map(|r| {
            (
                r.path.clone(),
                r.header("biz-api-signature").map(str::to_owned),
            )
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "the signed request followed the redirect: {leaked:?}"
    );
    assert_eq!(server.requests().len(), 1);
    let err = result.expect_err("a redirect is not a token");
    assert_eq!(err.status(), Some(StatusCode::FOUND));
}

#[tokio::test]
async fn non_json_bodies_are_decode_errors_keeping_the_raw_body() {
    let server = support::scripted([
        Reply::raw(200, "<html>gateway page</html>"),
        Reply::raw(400, "<html>bad request page</html>"),
    ])
    .await;
    let client = client_for(&server);

    let err = client
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    let Error::Decode { response, .. } = &err else {
        panic!("expected Decode, got {err:?}");
    };
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), b"<html>gateway page</html>");
    let shown = err.to_string();
    one_line(&shown);
    // The reason is the error's source (a `Display` does not repeat its source).
    let reason = std::error::Error::source(&err)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(reason.contains("invalid JSON"), "{reason}");
    assert!(
        !shown.contains("gateway page") && !reason.contains("gateway page"),
        "{shown}"
    );

    // A documented error status whose body is not the documented schema.
    let err = client.refresh_token(&refresh_body()).await.unwrap_err();
    let Error::Decode { response, .. } = &err else {
        panic!("expected Decode, got {err:?}");
    };
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.body_text(), "<html>bad request page</html>");
}

#[tokio::test]
async fn unsigned_success_is_rejected() {
    let server = support::scripted([Reply::json(200, &token_json()).unsigned()]).await;
    let err = client_for(&server)
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    let Error::Signature { reason, response } = &err else {
        panic!("expected Signature, got {err:?}");
    };
    assert_eq!(*reason, SignatureError::Missing);
    assert_eq!(response.body(), serde_json::to_vec(&token_json()).unwrap());
    one_line(&err.to_string());
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn malformed_signature_is_rejected() {
    let server = support::scripted([Reply::json(200, &token_json())
        .unsigned()
        .header("biz-timestamp", "1700000000000")
        .header("biz-resp-signature", "not-hex")])
    .await;
    let err = client_for(&server)
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Signature {
                reason: SignatureError::Malformed,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn tampered_body_is_rejected() {
    let server = support::scripted([Reply::json(200, &token_json()).tampered()]).await;
    let err = client_for(&server)
        .refresh_token(&refresh_body())
        .await
        .unwrap_err();
    let Error::Signature { reason, response } = &err else {
        panic!("expected Signature, got {err:?}");
    };
    assert_eq!(*reason, SignatureError::Mismatch);
    assert_eq!(response.status(), StatusCode::OK);
    one_line(&err.to_string());
}

#[tokio::test]
async fn base_url_override_still_verifies_with_the_environment_key() {
    let server = support::scripted([Reply::json(200, &token_json())]).await;
    let client = Client::builder(secret())
        .environment(Environment::Prod)
        .base_url(server.base_url())
        .build()
        .unwrap();
    let err = client
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Signature {
                reason: SignatureError::Mismatch,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn disabled_verification_accepts_unsigned_and_tampered_success() {
    let server = support::scripted([
        Reply::json(200, &token_json()).unsigned(),
        Reply::json(200, &token_json()).tampered(),
    ])
    .await;
    let client = Client::builder(secret())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Disabled)
        .build()
        .unwrap();
    for _ in 0..2 {
        let response = client.get_token("c", "o", "org_implicit").await.unwrap();
        assert_eq!(response.access_token.as_deref(), Some(ACCESS_TOKEN));
    }
}

async fn expect_timeout(reply: Reply) {
    let server = support::scripted([reply]).await;
    let client = Client::builder(secret())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .retry_policy(RetryPolicy::disabled())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "get_token"
            }
        ),
        "{err:?}"
    );
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(server.requests().len(), 1);
    one_line(&err.to_string());
}

#[tokio::test]
async fn server_that_never_answers_times_out() {
    expect_timeout(Reply::hang()).await;
}

#[tokio::test]
async fn body_that_stops_halfway_times_out() {
    expect_timeout(Reply::json(200, &token_json()).fault(Fault::StallBody)).await;
}

#[tokio::test]
async fn connection_closed_without_answer_is_a_transport_error() {
    let server = support::scripted([Reply::close()]).await;
    let err = client_once(&server)
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                operation: "get_token",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), None);
    let shown = err.to_string();
    one_line(&shown);
    // Host and port are named (issue 22); the path and query, which can carry ids, are not.
    assert!(shown.contains("127.0.0.1:"), "no host: {shown}");
    assert!(!shown.contains("/oauth/token"), "path left in: {shown}");
    assert!(!shown.contains("client_id"), "query left in: {shown}");
}

#[tokio::test]
async fn truncated_body_is_a_transport_error() {
    let server = support::scripted([Reply::json(200, &token_json()).fault(Fault::Truncate)]).await;
    let err = client_for(&server)
        .refresh_token(&refresh_body())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                operation: "refresh_token",
                ..
            }
        ),
        "{err:?}"
    );
    one_line(&err.to_string());
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder(secret())
        .base_url(format!("http://{addr}/v2"))
        .retry_policy(cobo_waas2::RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    one_line(&err.to_string());
}

/// A signed token response whose JSON body is exactly `len` bytes.
fn token_reply_of_len(len: usize) -> Reply {
    let mut body = token_json();
    let base = serde_json::to_vec(&body).unwrap().len();
    body["scope"] = Value::String("s".repeat(len - base));
    let reply = Reply::json(200, &body);
    assert_eq!(reply.body().len(), len);
    reply
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let server = support::scripted([
        token_reply_of_len(1024),
        token_reply_of_len(1025),
        token_reply_of_len(4096).close_delimited(),
    ])
    .await;
    let client = Client::builder(secret())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .max_response_bytes(1024)
        .build()
        .unwrap();

    // Exactly at the limit is fine.
    let response = client.get_token("c", "o", "org_implicit").await.unwrap();
    assert_eq!(response.access_token.as_deref(), Some(ACCESS_TOKEN));

    // Over it, announced by Content-Length.
    let err = client
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    let Error::ResponseTooLarge { response, limit } = &err else {
        panic!("expected ResponseTooLarge, got {err:?}");
    };
    assert_eq!(*limit, 1024);
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.body().len() <= 1024);
    one_line(&err.to_string());

    // Over it, with no Content-Length: reading stops at the limit.
    let err = client
        .get_token("c", "o", "org_implicit")
        .await
        .unwrap_err();
    let Error::ResponseTooLarge { response, limit } = &err else {
        panic!("expected ResponseTooLarge, got {err:?}");
    };
    assert_eq!(*limit, 1024);
    assert_eq!(response.body().len(), 1024);
}

#[test]
fn build_refuses_plain_http_to_other_hosts() {
    for url in [
        "http://example.com/v2",
        "http://10.0.0.1/v2",
        "http://127.0.0.1.example.com/v2",
    ] {
        let err = Client::builder(secret()).base_url(url).build().unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("http"), "{shown}");
        assert!(!shown.contains(SECRET_HEX), "{shown}");
    }
    for url in [
        "ftp://example.com/v2",
        "https://api.cobo.com/v2?x=1",
        "not a url",
    ] {
        assert!(
            Client::builder(secret()).base_url(url).build().is_err(),
            "{url}"
        );
    }
    for url in [
        "http://127.0.0.1:9/v2",
        "http://localhost:9/v2",
        "http://[::1]:9/v2",
        "https://proxy.example.com/cobo/v2/",
    ] {
        let client = Client::builder(secret()).base_url(url).build().unwrap();
        assert!(!client.base_url().ends_with('/'), "{}", client.base_url());
    }
}

#[test]
fn environments() {
    let client = Client::builder(secret()).build().unwrap();
    assert_eq!(client.base_url(), "https://api.dev.cobo.com/v2");
    for (env, url) in [
        (Environment::Dev, "https://api.dev.cobo.com/v2"),
        (Environment::Sandbox, "https://api.sandbox.cobo.com/v2"),
        (Environment::Prod, "https://api.cobo.com/v2"),
    ] {
        let client = Client::builder(secret()).environment(env).build().unwrap();
        assert_eq!(client.base_url(), url);
        assert_eq!(env.base_url(), url);
    }
    assert_eq!(Environment::from_name("dev"), Some(Environment::Dev));
    assert_eq!(
        Environment::from_name(" SANDBOX "),
        Some(Environment::Sandbox)
    );
    assert_eq!(Environment::from_name("Prod"), Some(Environment::Prod));
    assert_eq!(
        Environment::from_name("production"),
        Some(Environment::Prod)
    );
    assert_eq!(Environment::from_name("staging"), None);
    assert_eq!(Environment::from_name(""), None);
    assert_ne!(
        Environment::Dev.response_key(),
        Environment::Prod.response_key()
    );
}

fn assert_no_secrets(text: &str) {
    assert!(
        !text.to_lowercase().contains(SECRET_HEX),
        "secret in: {text}"
    );
    assert!(!text.contains(ACCESS_TOKEN), "access token in: {text}");
    assert!(!text.contains(REFRESH_TOKEN), "refresh token in: {text}");
}

#[tokio::test]
async fn debug_and_display_never_show_secrets_or_tokens() {
    let tokens_in_wrong_type = json!({"access_token": ACCESS_TOKEN, "expires_in": REFRESH_TOKEN});
    let server = support::scripted([
        Reply::json(200, &token_json()),
        Reply::json(200, &tokens_in_wrong_type),
        Reply::json(200, &token_json()).tampered(),
        Reply::json(299, &token_json()).unsigned(),
        Reply::json(600, &token_json()),
        token_reply_of_len(2048).close_delimited(),
    ])
    .await;
    let client = client_for(&server);
    assert_no_secrets(&format!("{client:?} {client:#?}"));
    let small = Client::builder(secret())
        .base_url(server.base_url())
        .response_verification(ResponseVerification::Key(server.response_key()))
        .max_response_bytes(1024)
        .build()
        .unwrap();

    let response = client.get_token("c", "o", "org_implicit").await.unwrap();
    assert_eq!(response.access_token.as_deref(), Some(ACCESS_TOKEN));
    let shown = format!("{response:?} {response:#?} {:?}", response.body());
    assert!(shown.contains("<redacted>"), "{shown}");
    assert_no_secrets(&shown);

    let mut errors = Vec::new();
    for _ in 0..4 {
        errors.push(client.refresh_token(&refresh_body()).await.unwrap_err());
    }
    errors.push(small.refresh_token(&refresh_body()).await.unwrap_err());
    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            Error::Decode { .. } => "decode",
            Error::Signature { .. } => "signature",
            Error::UnexpectedStatus { .. } => "unexpected",
            Error::ResponseTooLarge { .. } => "too large",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "decode",
            "signature",
            "signature",
            "unexpected",
            "too large"
        ]
    );
    for err in &errors {
        // The raw body is there for whoever asks for it...
        assert!(!err.response().unwrap().body().is_empty());
        // ...but never printed.
        assert_no_secrets(&format!("{err} {err:?} {err:#?}"));
    }

    assert_no_secrets(&format!("{:?}", refresh_body()));
    let permission = PermissionTokenRefreshBody {
        refresh_token: REFRESH_TOKEN.to_owned(),
    };
    assert_no_secrets(&format!("{permission:?}"));
}

#[test]
fn base_url_credentials_are_refused_without_being_echoed() {
    for url in [
        "https://user:hunter2@proxy.example/v2",
        "http://user:hunter2@example.com/v2",
        "ftp://user:hunter2@example.com/v2",
    ] {
        let secret = cobo_waas2::ApiSecret::from_bytes(&[7; 32]);
        let err = cobo_waas2::Client::builder(secret)
            .base_url(url)
            .build()
            .expect_err("credentials in the base URL are refused");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("example"),
            "the message still names the host: {shown}"
        );
    }
}

#[tokio::test]
async fn unknown_response_fields_are_tolerated_and_absent_optional_ones_are_none() {
    let server = support::scripted([Reply::json(
        200,
        &json!({
            "access_token": ACCESS_TOKEN,
            "refresh_token": REFRESH_TOKEN,
            "added_by_a_newer_api": {"nested": [1, 2, 3]},
            "another": null,
        }),
    )])
    .await;
    let client = client_for(&server);

    let token = client.get_token("c", "o", "org_implicit").await.unwrap();

    assert_eq!(token.access_token.as_deref(), Some(ACCESS_TOKEN));
    assert_eq!(token.refresh_token.as_deref(), Some(REFRESH_TOKEN));
    assert_eq!(token.expires_in, None);
    assert_eq!(token.token_type, None);
}

/// A path whose segment is empty or a dot segment, percent-encoded or not, would be resolved by
/// the URL parser or the server into another operation's path: refused before anything is sent.
#[tokio::test]
async fn dot_and_empty_path_segments_are_refused_before_sending() {
    let server = support::scripted([]).await;
    let client = client_for(&server);
    for path in [
        "/wallets/W1/tokens/..",
        "/wallets/W1/tokens/.",
        "/wallets//tokens",
        "/wallets/W1/",
        "/wallets/%2e%2e/tokens",
        "/wallets/%2E%2e/tokens",
        "/wallets/.%2E/tokens",
        "/wallets/%2e/tokens",
        "/wallets/%252e%252e/tokens",
        "/wallets/a%2F..%2Fb/tokens",
    ] {
        let err = client
            .prepare_json_request(cobo_waas2::reqwest::Method::GET, path, &json!({}))
            .expect_err(path);
        assert!(matches!(err, Error::Request { .. }), "{path}: {err:?}");
        assert!(err.to_string().contains("path"), "{path}: {err}");
    }
    // A path the URL parser would rewrite (here, percent-encode) is refused too: what is signed
    // and sent is always the path asked for.
    for path in [
        "/wallets/a b",
        "/wallets/a\\b",
        "/wallets/a#b",
        "/wallets/a?b",
    ] {
        let err = client
            .prepare_json_request(cobo_waas2::reqwest::Method::GET, path, &json!({}))
            .expect_err(path);
        assert!(matches!(err, Error::Request { .. }), "{path}: {err:?}");
    }
    // Dots inside a segment are data, and the signed path is the one asked for.
    let request = client
        .prepare_json_request(
            cobo_waas2::reqwest::Method::GET,
            "/wallets/a..b/tokens/.x",
            &json!({}),
        )
        .unwrap();
    assert_eq!(request.url().path(), "/v2/wallets/a..b/tokens/.x");
    assert!(server.requests().is_empty());
}

#[test]
fn builder_debug_hides_the_base_url_password() {
    let builder = Client::builder(secret()).base_url("https://user:hunter2@proxy.example/v2");
    let shown = format!("{builder:?} {builder:#?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("user"), "{shown}");
    assert!(shown.contains("proxy.example/v2"), "{shown}");
    assert_no_secrets(&shown);
}

/// Any response carrying `Biz-Resp-Signature` is verified, error responses too; an unsigned
/// error answer is decoded as before.
#[tokio::test]
async fn signed_error_responses_are_verified() {
    let oauth = json!({"error": "invalid_grant", "error_description": "used"});
    let server = support::scripted([
        Reply::json(400, &oauth).tampered(),
        Reply::json(
            503,
            &json!({"error_code": 1, "error_message": "x", "error_id": "e"}),
        )
        .tampered(),
        Reply::json(400, &oauth),
        Reply::json(400, &oauth).unsigned(),
    ])
    .await;
    let client = client_for(&server);
    for status in [400, 503] {
        match client.refresh_token(&refresh_body()).await.unwrap_err() {
            Error::Signature { reason, response } => {
                assert_eq!(reason, SignatureError::Mismatch);
                assert_eq!(response.status().as_u16(), status);
            }
            other => panic!("{status}: expected Signature, got {other:?}"),
        }
    }
    for _ in 0..2 {
        let err = client.refresh_token(&refresh_body()).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Api {
                    error: RefreshTokenError::ClientError(_),
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
