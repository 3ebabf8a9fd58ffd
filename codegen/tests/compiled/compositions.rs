//! How generated structs read and write JSON (`crate::json::object!`), on the
//! `compositions.yaml` fixture: required, optional and nullable properties, additional
//! properties, unknown and duplicate keys, and keys the parser cannot borrow.

use fixture_compositions::models::{MpcWalletInfo, NameParams, Status, TssStatus, Vault};
use serde_json::{Value, json};

fn wallet() -> Value {
    json!({
        "wallet_id": "w1",
        "wallet_type": "MPC",
        "project_id": "p1",
        "closed_at": null,
    })
}

#[test]
fn required_optional_and_nullable_properties_round_trip() {
    let decoded: MpcWalletInfo = serde_json::from_value(wallet()).expect("decodes");
    assert_eq!(decoded.wallet_id, "w1");
    assert_eq!(decoded.project_id, "p1");
    assert_eq!(decoded.closed_at, None);
    assert_eq!(decoded.name, None);
    // Optional `None`s are left out; a nullable `None` is written as `null`, in the spec's order.
    let encoded = serde_json::to_string(&decoded).expect("encodes");
    assert_eq!(
        encoded,
        r#"{"wallet_id":"w1","wallet_type":"MPC","project_id":"p1","closed_at":null}"#
    );

    let mut full = wallet();
    full["closed_at"] = json!("2026-01-01T00:00:00Z");
    full["name"] = json!("main");
    full["count"] = json!(3);
    full["metadata"] = json!({"k": "v"});
    full["status"] = json!("Frozen");
    let decoded: MpcWalletInfo = serde_json::from_value(full.clone()).expect("decodes");
    assert_eq!(decoded.closed_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(decoded.count, Some(3));
    assert_eq!(decoded.status.as_ref().map(|s| s.as_str()), Some("Frozen"));
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), full);
}

#[test]
fn optional_null_and_missing_read_as_none() {
    let mut value = wallet();
    value["name"] = Value::Null;
    let decoded: MpcWalletInfo = serde_json::from_value(value).expect("decodes");
    assert_eq!(decoded.name, None);
    let mut value = wallet();
    value.as_object_mut().unwrap().remove("closed_at");
    let decoded: MpcWalletInfo = serde_json::from_value(value).expect("a missing nullable is None");
    assert_eq!(decoded.closed_at, None);
    assert_eq!(
        serde_json::from_str::<NameParams>("{}").expect("decodes"),
        NameParams::default()
    );
}

#[test]
fn a_missing_required_property_is_named() {
    let mut value = wallet();
    value.as_object_mut().unwrap().remove("project_id");
    let error = serde_json::from_value::<MpcWalletInfo>(value).unwrap_err();
    assert_eq!(error.to_string(), "missing field `project_id`");
    let error = serde_json::from_str::<MpcWalletInfo>(r#"{"wallet_id":"w1"}"#).unwrap_err();
    assert!(
        error.to_string().starts_with("missing field `wallet_type`"),
        "{error}"
    );
}

#[test]
fn duplicate_keys_and_wrong_types_are_errors_with_a_position() {
    let error = serde_json::from_str::<NameParams>(r#"{"name":"a","name":"b"}"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        "duplicate field `name` at line 1 column 18"
    );
    let error = serde_json::from_str::<NameParams>(r#"{"name":7}"#).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid type: integer `7`, expected a string"),
        "{error}"
    );
    let error = serde_json::from_str::<NameParams>(r#"["a"]"#).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid type: sequence, expected struct NameParams"),
        "{error}"
    );
}

#[test]
fn unknown_properties_are_skipped() {
    let mut value = wallet();
    value["added_later"] = json!({"nested": [1, 2, {"deep": true}]});
    let decoded: MpcWalletInfo = serde_json::from_value(value).expect("decodes");
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), wallet());
}

#[test]
fn additional_properties_are_kept_and_written_back() {
    let value = json!({"vault_id": "v1", "region": "eu", "limits": {"daily": 5}});
    let vault: Vault = serde_json::from_value(value.clone()).expect("decodes");
    assert_eq!(vault.vault_id.as_deref(), Some("v1"));
    assert_eq!(
        vault.additional_properties.len(),
        2,
        "the listed property is not repeated"
    );
    assert_eq!(vault.additional_properties["region"], json!("eu"));
    assert_eq!(serde_json::to_value(&vault).expect("encodes"), value);
}

#[test]
fn keys_that_cannot_be_borrowed_still_match() {
    // An escaped key is unescaped into an owned string; a reader yields transient keys.
    let escaped =
        r#"{"wallet\u005fid":"w1","wallet_type":"MPC","project_id":"p1","closed_at":null}"#;
    let decoded: MpcWalletInfo = serde_json::from_str(escaped).expect("decodes");
    assert_eq!(decoded.wallet_id, "w1");
    let from_reader: MpcWalletInfo =
        serde_json::from_reader(wallet().to_string().as_bytes()).expect("decodes");
    assert_eq!(from_reader, decoded);
}

#[test]
fn open_enums_keep_unlisted_values() {
    let status: Status = serde_json::from_value(json!("Archived")).expect("decodes");
    assert_eq!(status, Status::Archived);
    assert_eq!(status.to_string(), "Archived");
    let status: Status = serde_json::from_value(json!("Melted")).expect("decodes");
    assert_eq!(status, Status::Unknown("Melted".to_owned()));
    assert_eq!(
        serde_json::to_value(&status).expect("encodes"),
        json!("Melted")
    );

    let tss: TssStatus = serde_json::from_value(json!(-1)).expect("decodes");
    assert_eq!(tss, TssStatus::Minus1);
    assert_eq!(tss.value(), -1);
    let tss: TssStatus = serde_json::from_value(json!(42)).expect("decodes");
    assert_eq!(tss, TssStatus::Unknown(42));
    assert_eq!(serde_json::to_value(tss).expect("encodes"), json!(42));
    assert!(serde_json::from_value::<TssStatus>(json!("100")).is_err());
}

/// A multipart part header with a control character (an injected header inside the signed
/// body) is refused before sending.
#[test]
fn control_characters_in_part_headers_are_refused_before_sending() {
    use fixture_compositions::models::UploadFileRequest;
    use fixture_compositions::test_util::block_on;
    use fixture_compositions::{ApiSecret, Client, Error, FilePart, ResponseVerification};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let client = Client::builder(ApiSecret::from_bytes(&[3; 32]))
        .base_url(format!("http://{}/v2", listener.local_addr().unwrap()))
        .response_verification(ResponseVerification::Disabled)
        .build()
        .unwrap();
    let file = |file_name: &str, content_type: &str| UploadFileRequest {
        file: FilePart {
            file_name: file_name.to_owned(),
            content_type: Some(content_type.to_owned()),
            bytes: b"data".to_vec(),
        },
        purpose: None,
        tags: None,
    };
    for body in [
        file("a.txt", "text/plain\r\nX-Injected: 1"),
        file("a.txt", "text/plain\n"),
        file("a\r\n.txt", "text/plain"),
        file("a\u{0}.txt", "text/plain"),
    ] {
        let err = block_on(client.upload_file(&body)).unwrap_err();
        assert!(matches!(err, Error::Request { .. }), "{body:?}: {err:?}");
        assert!(
            listener
                .accept()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
            "{body:?} was sent"
        );
    }
}
