//! Discriminated unions from the `unions.yaml` fixture: each tag value picks its variant and
//! survives a round trip, also when several tags share one schema or the mapping is broken.

use fixture_unions::models::{EstimatedFee, FeeRate, TransferSource, WalletSubtype};
use serde_json::{Value, json};

/// Decodes `value` as `$ty`, checks that encoding it gives the same JSON back, and returns it. A
/// macro, as a generic function's bounds would name `serde`, which a generated crate's tests have
/// no dependency on.
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
fn each_tag_selects_its_variant_and_survives_a_round_trip() {
    let cases = [
        ("Asset", json!({"source_type": "Asset", "wallet_id": "w1"})),
        (
            "Org-Controlled",
            json!({"source_type": "Org-Controlled", "wallet_id": "w2", "address": "a"}),
        ),
        (
            "User-Controlled",
            json!({"source_type": "User-Controlled", "wallet_id": "w3"}),
        ),
        ("Main", json!({"source_type": "Main", "wallet_id": "w4"})),
        (
            "Sub",
            json!({"source_type": "Sub", "wallet_id": "w5", "trading_account_type": "Spot"}),
        ),
    ];
    for (tag, payload) in cases {
        let source = round_trip!(TransferSource, &payload);
        assert_eq!(source.tag(), Some(tag));
        let ok = match (&source, tag) {
            (TransferSource::Asset(s), "Asset") => s.wallet_id == "w1",
            (TransferSource::OrgControlled(s), "Org-Controlled") => {
                s.address.as_deref() == Some("a")
            }
            (TransferSource::UserControlled(s), "User-Controlled") => {
                s.source_type == WalletSubtype::UserControlled
            }
            (TransferSource::Main(_), "Main") => true,
            (TransferSource::Sub(s), "Sub") => s.trading_account_type.as_deref() == Some("Spot"),
            _ => false,
        };
        assert!(ok, "{tag} decoded as {source:?}");
    }
}

#[test]
fn broken_mapping_targets_still_route() {
    let fixed = round_trip!(
        FeeRate,
        &json!({"fee_type": "Fixed", "max_fee_amount": "1"})
    );
    assert!(matches!(fixed, FeeRate::Fixed(_)), "{fixed:?}");
    let utxo = round_trip!(FeeRate, &json!({"fee_type": "UTXO", "fee_rate": "3"}));
    assert!(matches!(utxo, FeeRate::Utxo(_)), "{utxo:?}");
}

#[test]
fn implicit_mapping_uses_schema_names_and_writes_the_tag_back() {
    let fee = round_trip!(
        EstimatedFee,
        &json!({"fee_type": "EstimatedUtxoFee", "fee_rate": "2"})
    );
    let EstimatedFee::EstimatedUtxoFee(inner) = &fee else {
        panic!("{fee:?}")
    };
    assert_eq!(inner.fee_rate.as_deref(), Some("2"));
}

#[test]
fn unknown_tags_and_values_are_kept() {
    let payload = json!({"source_type": "Brand-New", "wallet_id": "w"});
    let source = round_trip!(TransferSource, &payload);
    assert!(matches!(source, TransferSource::Unknown(_)));
    assert_eq!(source.tag(), Some("Brand-New"));
    let subtype = round_trip!(WalletSubtype, &json!("Smart-Contract"));
    assert_eq!(subtype, WalletSubtype::Unknown("Smart-Contract".to_owned()));
}

#[test]
fn a_missing_tag_is_a_clear_error() {
    let error = serde_json::from_value::<TransferSource>(json!({"wallet_id": "w"})).unwrap_err();
    assert!(error.to_string().contains("source_type"), "{error}");
}
