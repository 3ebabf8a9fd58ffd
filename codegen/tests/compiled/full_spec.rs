//! Payloads shaped like Cobo's documentation, through the crate generated from the full WaaS 2.0
//! spec: discriminated unions route by tag (every tag of TransferSource, broken mapping targets),
//! operator and integer enums keep their values.

use cobo_waas2_full::models::{
    EstimatedFee, FeeRate, PolicyFieldOperator, TransferSource, TssGroupType,
};
use serde_json::{Value, json};

/// Decodes `value` as `$ty`, checks that encoding it gives the same JSON back, and returns it. A
/// macro, as a generic function's bounds would name `serde`, which the generated crate's tests
/// have no dependency on.
macro_rules! round_trip {
    ($ty:ty, $value:expr) => {{
        let value: &Value = $value;
        let decoded: $ty = serde_json::from_value(value.clone()).expect("decodes");
        assert_eq!(
            &serde_json::to_value(&decoded).expect("encodes"),
            value,
            "round trip changed the JSON"
        );
        decoded
    }};
}

#[test]
fn transfer_source_routes_every_tag() {
    for (tag, payload) in [
        (
            "Asset",
            json!({"source_type": "Asset", "wallet_id": "f47ac10b-58cc-4372-a567-0e02b2c3d479"}),
        ),
        (
            "Web3",
            json!({"source_type": "Web3", "wallet_id": "w", "address": "0xabc"}),
        ),
        (
            "Org-Controlled",
            json!({"source_type": "Org-Controlled", "wallet_id": "w", "address": "0xabc"}),
        ),
        (
            "User-Controlled",
            json!({"source_type": "User-Controlled", "wallet_id": "w"}),
        ),
        (
            "Main",
            json!({"source_type": "Main", "wallet_id": "w", "trading_account_type": "Spot"}),
        ),
        (
            "Sub",
            json!({"source_type": "Sub", "wallet_id": "w", "trading_account_type": "Funding"}),
        ),
    ] {
        let source = round_trip!(TransferSource, &payload);
        assert_eq!(source.tag(), Some(tag), "{source:?}");
        let expected = match tag {
            "Asset" => matches!(source, TransferSource::Asset(_)),
            "Web3" => matches!(source, TransferSource::Web3(_)),
            "Org-Controlled" => matches!(source, TransferSource::OrgControlled(_)),
            "User-Controlled" => matches!(source, TransferSource::UserControlled(_)),
            "Main" => matches!(source, TransferSource::Main(_)),
            _ => matches!(source, TransferSource::Sub(_)),
        };
        assert!(expected, "{tag} decoded as {source:?}");
    }
}

#[test]
fn fee_unions_route_despite_broken_mapping_targets() {
    let rate = round_trip!(FeeRate, &json!({"fee_type": "Fixed", "token_id": "ETH"}));
    assert!(matches!(rate, FeeRate::Fixed(_)), "{rate:?}");
    let fee = round_trip!(
        EstimatedFee,
        &json!({"fee_type": "Fixed", "token_id": "ETH", "fee_amount": "0.1"})
    );
    assert!(matches!(fee, EstimatedFee::Fixed(_)), "{fee:?}");
}

#[test]
fn symbol_and_integer_enums_keep_their_values() {
    let operators = round_trip!(
        Vec<PolicyFieldOperator>,
        &json!([">", ">=", "<", "<=", "="])
    );
    assert_eq!(
        operators,
        [
            PolicyFieldOperator::Gt,
            PolicyFieldOperator::Ge,
            PolicyFieldOperator::Lt,
            PolicyFieldOperator::Le,
            PolicyFieldOperator::Eq
        ]
    );
    let groups = round_trip!(Vec<TssGroupType>, &json!([1, 2, 7]));
    assert_eq!(
        groups,
        [
            TssGroupType::Ecdsa,
            TssGroupType::EdDsa,
            TssGroupType::Unknown(7)
        ]
    );
}

/// An exchange account's credentials never reach `Debug` (issue 9, item 15): the name rule of
/// `codegen/src/model/sensitive.rs` redacts them in the generated impl.
#[test]
fn exchange_credentials_are_redacted_in_debug() {
    let params: cobo_waas2_full::models::CreateExchangeWalletParams =
        serde_json::from_value(json!({
            "name": "My exchange wallet",
            "wallet_type": "Exchange",
            "wallet_subtype": "Main",
            "exchange_id": "binance",
            "apikey": "apikey-d8f062da",
            "secret": "secret-75B4F636",
            "passphrase": "passphrase-sXASDKW",
            "ga_code": "gacode-123456",
        }))
        .expect("decodes");
    let debug = format!("{params:?}");
    for secret in [
        "apikey-d8f062da",
        "secret-75B4F636",
        "passphrase-sXASDKW",
        "gacode-123456",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("My exchange wallet"), "{debug}");
}

/// The operation/parameter pairs the review found landing on another operation with the same
/// method are refused before sending: `list_token_balances_for_address("W1", "..")` would send
/// `GET /v2/wallets/W1/tokens`, `cancel_refund_by_id(".")` `PUT /v2/payments/refunds/cancel`.
#[test]
fn dot_path_parameters_never_reach_another_operation() {
    use cobo_waas2_full::models::ListTokenBalancesForAddressOptions;
    use cobo_waas2_full::test_util::block_on;
    use cobo_waas2_full::{ApiSecret, Client, Error, ResponseVerification};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let client = Client::builder(ApiSecret::from_bytes(&[5; 32]))
        .base_url(format!("http://{}/v2", listener.local_addr().unwrap()))
        .response_verification(ResponseVerification::Disabled)
        .build()
        .unwrap();
    let options = ListTokenBalancesForAddressOptions::default();
    for value in ["..", ".", "", "%2e%2E"] {
        let balances = block_on(client.list_token_balances_for_address("W1", value, &options));
        assert!(
            matches!(balances, Err(Error::Request { .. })),
            "{value:?}: {balances:?}"
        );
        let cancel = block_on(client.cancel_refund_by_id(value));
        assert!(
            matches!(cancel, Err(Error::Request { .. })),
            "{value:?}: {cancel:?}"
        );
    }
    assert!(
        listener
            .accept()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
        "a request was sent"
    );
}
