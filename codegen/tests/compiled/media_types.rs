//! The `media_types.yaml` fixture against the runtime's fake Cobo server: operations without
//! `operationId` are called by their derived names, text and binary responses are read as sent,
//! and text, binary and form-urlencoded request bodies go out as the bytes that were signed.

use cobo_waas2_runtime::test_util::{FakeCobo, RecordedRequest, Reply};
use fixture_media_types::models::{GetReportsReportIdError, Login};
use fixture_media_types::{ApiSecret, Client, Error, ResponseVerification};

async fn start() -> (FakeCobo, Client) {
    let fake = FakeCobo::start().await.unwrap();
    let client = Client::builder(ApiSecret::from_bytes(&[7; 32]))
        .base_url(fake.base_url())
        .response_verification(ResponseVerification::Key(fake.response_key()))
        .build()
        .unwrap();
    (fake, client)
}

/// The one request the fake received, its signature checked.
fn only_request(fake: &FakeCobo) -> RecordedRequest {
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = requests.into_iter().next().unwrap();
    request.verify_signature().unwrap();
    request
}

fn content_type(request: &RecordedRequest) -> Option<&str> {
    let found = request
        .headers
        .iter()
        .find(|(name, _)| name == "content-type");
    found.map(|(_, value)| value.as_str())
}

#[tokio::test]
async fn a_pdf_response_is_read_as_its_raw_bytes() {
    let (fake, client) = start().await;
    let pdf = b"%PDF-1.7\n\x00\xff\xfe binary".to_vec();
    fake.push(Reply::raw(200, pdf.clone()).header("content-type", "application/pdf"));
    let answer = client.get_reports_report_id("r 1").await.unwrap();
    assert_eq!(answer.body(), &pdf);
    let request = only_request(&fake);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/v2/reports/r%201")
    );
}

#[tokio::test]
async fn a_problem_json_error_is_decoded_into_its_variant() {
    let (fake, client) = start().await;
    let problem = serde_json::json!({"title": "no such report", "status": 404});
    fake.push(Reply::json(404, &problem).header("content-type", "application/problem+json"));
    let error = client.get_reports_report_id("r1").await.unwrap_err();
    match error.api_error() {
        Some(GetReportsReportIdError::Status404(problem)) => {
            assert_eq!(problem.title, "no such report")
        }
        other => panic!("{other:?}: {error}"),
    }
}

#[tokio::test]
async fn a_text_response_is_read_as_a_string_and_bad_utf8_is_a_decode_error() {
    let (fake, client) = start().await;
    fake.push(Reply::raw(200, "line 1\nline 2 é"));
    let answer = client.get_reports_report_id_summary("r1").await.unwrap();
    assert_eq!(answer.body(), "line 1\nline 2 é");
    fake.push(Reply::raw(200, b"ok \xff".to_vec()));
    let error = client
        .get_reports_report_id_summary("r1")
        .await
        .unwrap_err();
    match &error {
        Error::Decode { source, .. } => assert_eq!(source.problem(), "invalid UTF-8 at byte 3"),
        other => panic!("{other:?}"),
    }
    // A text error body is no typed value: the variant, with the text in the raw response.
    fake.push(Reply::raw(500, "disk full"));
    let error = client
        .get_reports_report_id_summary("r1")
        .await
        .unwrap_err();
    assert!(error.api_error().is_some(), "{error:?}");
    assert_eq!(
        error.response().map(|r| r.body_text().into_owned()),
        Some("disk full".to_owned())
    );
}

#[tokio::test]
async fn a_text_body_is_sent_as_its_utf8_bytes_with_its_content_type() {
    let (fake, client) = start().await;
    fake.push(Reply::json(200, &serde_json::json!({"text": "saved"})));
    let answer = client.post_notes("héllo & bye").await.unwrap();
    assert_eq!(answer.body().text, "saved");
    let request = only_request(&fake);
    assert_eq!(request.body, "héllo & bye".as_bytes());
    assert_eq!(content_type(&request), Some("text/plain"));
}

#[tokio::test]
async fn an_octet_stream_body_is_sent_byte_for_byte() {
    let (fake, client) = start().await;
    fake.push(Reply::raw(204, ""));
    let bytes: Vec<u8> = (0..=255).collect();
    client.upload(&bytes).await.unwrap();
    let request = only_request(&fake);
    assert_eq!(request.body, bytes);
    assert_eq!(content_type(&request), Some("application/octet-stream"));
}

#[tokio::test]
async fn a_form_body_is_urlencoded_from_its_fields() {
    let (fake, client) = start().await;
    fake.push(Reply::raw(200, b"\x01\x02".to_vec()));
    let login = Login {
        user: "a b&c=d".to_owned(),
        remember: true,
        scope: Some(vec!["read".to_owned(), "write/all".to_owned()]),
        note: None,
    };
    let answer = client.post_logins(&login).await.unwrap();
    assert_eq!(answer.body(), &[1, 2]);
    let request = only_request(&fake);
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        "user=a+b%26c%3Dd&remember=true&scope=read&scope=write%2Fall"
    );
    assert_eq!(
        content_type(&request),
        Some("application/x-www-form-urlencoded")
    );
}
