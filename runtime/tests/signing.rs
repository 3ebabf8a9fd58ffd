//! Request signing and response verification against vectors made with Cobo's official Python
//! SDK (`tests/data/signing_vectors.json`).

use cobo_waas2_runtime::{ApiSecret, ResponseKey, SignatureError, string_to_sign};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/signing_vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("read signing_vectors.json");
    serde_json::from_str(&text).expect("signing_vectors.json is JSON")
}

fn field<'a>(vector: &'a Value, name: &str) -> &'a str {
    vector[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {name} is a string: {vector}"))
}

#[test]
fn request_vectors_match_official_sdk() {
    let vectors = vectors();
    let list = vectors["request_vectors"]
        .as_array()
        .expect("request_vectors");
    assert!(list.len() >= 10, "expected the full vector set");
    for vector in list {
        let name = field(vector, "name");
        let secret = ApiSecret::from_hex(field(vector, "secret_hex")).expect(name);
        let (method, path, nonce, query, body) = (
            field(vector, "method"),
            field(vector, "path"),
            field(vector, "nonce"),
            field(vector, "query"),
            field(vector, "body").as_bytes(),
        );
        assert_eq!(
            secret.api_key(),
            field(vector, "api_key_hex"),
            "{name}: api key"
        );
        assert_eq!(
            string_to_sign(method, path, nonce, query, body),
            field(vector, "string_to_sign").as_bytes(),
            "{name}: string to sign"
        );
        assert_eq!(
            secret.sign_request(method, path, nonce, query, body),
            field(vector, "signature_hex"),
            "{name}: signature"
        );
    }
}

#[test]
fn response_vectors_match_official_sdk() {
    let vectors = vectors();
    let list = vectors["response_vectors"]
        .as_array()
        .expect("response_vectors");
    assert!(list.iter().any(|v| v["valid"] == true) && list.iter().any(|v| v["valid"] == false));
    for vector in list {
        let name = field(vector, "name");
        let key = ResponseKey::from_hex(field(vector, "public_key_hex")).expect(name);
        let valid = vector["valid"].as_bool().expect("valid is a bool");
        let result = key.verify(
            field(vector, "body").as_bytes(),
            field(vector, "timestamp"),
            field(vector, "signature_hex"),
        );
        assert_eq!(result.is_ok(), valid, "{name}: {result:?}");
        if name.contains("too_short") || name.contains("too_long") {
            assert_eq!(result, Err(SignatureError::Malformed), "{name}");
        } else if !valid {
            assert_eq!(result, Err(SignatureError::Mismatch), "{name}");
        }
    }
}

const SECRET_HEX: &str = "c0ffee00c0ffee01c0ffee02c0ffee03c0ffee04c0ffee05c0ffee06c0ffee07";

#[test]
fn secret_debug_shows_only_the_api_key() {
    let secret = ApiSecret::from_hex(SECRET_HEX).unwrap();
    let debug = format!("{secret:?} {secret:#?}");
    assert!(debug.contains(&secret.api_key()), "{debug}");
    assert!(!debug.to_lowercase().contains(SECRET_HEX), "{debug}");
    // Not even a recognisable piece of it.
    assert!(!debug.to_lowercase().contains("c0ffee"), "{debug}");
}

#[test]
fn secret_parsing_ignores_surrounding_white_space_and_case() {
    let plain = ApiSecret::from_hex(SECRET_HEX).unwrap();
    let padded = ApiSecret::from_hex(&format!("  {}\n", SECRET_HEX.to_uppercase())).unwrap();
    assert_eq!(plain.api_key(), padded.api_key());
}

#[test]
fn bad_secrets_are_rejected_without_echoing_them() {
    let too_short = &SECRET_HEX[..62];
    let too_long = format!("{SECRET_HEX}00");
    let not_hex = SECRET_HEX.replace('c', "g");
    for bad in ["", too_short, &too_long, &not_hex, "0xc0ffee"] {
        let error = ApiSecret::from_hex(bad).expect_err(bad);
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("64 hex characters"), "{shown}");
        assert!(
            !shown.contains("c0ffee") && !shown.contains("g0ffee"),
            "{shown}"
        );
    }
}

#[test]
fn bad_response_keys_are_rejected() {
    assert!(ResponseKey::from_hex("abcd").is_err());
    assert!(ResponseKey::from_hex(&"zz".repeat(32)).is_err());
    let good = "c28ad14859be6a1ef7c63debf4bd99fb79704e9ae242b1d3d1b6a3b652570912";
    let key = ResponseKey::from_hex(good).unwrap();
    assert_eq!(format!("{key:?}"), format!("ResponseKey({good})"));
}
