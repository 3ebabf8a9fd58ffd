//! One signed webhook delivery per `data_type` of Cobo's `WebhookEventData`, through the crate
//! generated from the full WaaS 2.0 spec: each is verified, decoded as `WebhookEvent`, and routed
//! to its own variant. Payloads hold the required fields of each schema (values after the spec's
//! examples). Also: the spec's `required: [id, ...]` (the property is `event_id`) is tolerated,
//! unknown tags and event types are kept, and a callback body decodes as `Transaction`.

use cobo_waas2_full::WebhookSigner;
use cobo_waas2_full::models::{Transaction, WebhookEvent, WebhookEventData, WebhookEventType};
use serde_json::{Map, Value, json};

/// `data_type` → the `data` of one delivery.
const PAYLOADS: &str = r#"{
  "Transaction": {"created_timestamp":1610445878970,"data_type":"Transaction","destination":{"destination_type":"Address"},"initiator_type":"API","source":{"source_type":"Asset","wallet_id":"f47ac10b-58cc-4372-a567-0e02b2c3d479"},"status":"Submitted","transaction_id":"aff0e1cb-15b2-4e1f-9b9d-a9133715986f","updated_timestamp":1610445878970,"wallet_id":"f47ac10b-58cc-4372-a567-0e02b2c3d479"},
  "TSSRequest": {"data_type":"TSSRequest"},
  "Addresses": {"data_type":"Addresses"},
  "WalletInfo": {"data_type":"WalletInfo"},
  "MPCVault": {"data_type":"MPCVault"},
  "Chains": {"chains":[{"chain_id":"ETH"}],"data_type":"Chains"},
  "Tokens": {"data_type":"Tokens","tokens":[{"chain_id":"ETH","token_id":"ETH_USDT"}]},
  "TokenListing": {"chain_id":"ETH","contract_address":"0x6B175474E89094C44Da98b954EedeAC495271d0F","data_type":"TokenListing","request_id":"123e4567e89b12d3a456426614174000","status":"Submitted","wallet_subtype":"Asset","wallet_type":"Custodial"},
  "BalanceUpdateInfo": {"address":"0x0000000000000000000000000000000000000000","balance":{"available":"80.5","total":"100.0"},"data_type":"BalanceUpdateInfo","token_id":"BTC","updated_timestamp":1640995200000,"wallet_uuid":"f47ac10b-58cc-4372-a567-0e02b2c3d479"},
  "SuspendedToken": {"data_type":"SuspendedToken","operation_type":"Added","token_ids":"x"},
  "PaymentOrder": {"chain_id":"ETH","data_type":"PaymentOrder","exchange_rate":"0.99","fee_amount":"2","order_id":"5001","payable_amount":"103.03","psp_order_code":"psp-order-20240601-00789","receive_address":"0x1234567890abcdef1234567890abcdef12345678","received_token_amount":"103.0305","status":"Pending"},
  "PaymentRefund": {"amount":"0.0025","chain_id":"ETH","data_type":"PaymentRefund","refund_id":"R20250304-M1001-1001","status":"AddressPending","to_address":"0x9876543210abcdef1234567890abcdef12345678","token_id":"ETH_USDT"},
  "PaymentSettlement": {"data_type":"PaymentSettlement","request_id":"SETTLEMENT123","settlement_request_id":"S20250304-1001","settlements":[{}],"status":"Pending"},
  "PaymentTransaction": {"acquiring_type":"Order","created_timestamp":1610445878970,"data_type":"PaymentTransaction","destination":{"destination_type":"Address"},"initiator_type":"API","source":{"source_type":"Asset","wallet_id":"f47ac10b-58cc-4372-a567-0e02b2c3d479"},"status":"Submitted","transaction_id":"aff0e1cb-15b2-4e1f-9b9d-a9133715986f","updated_timestamp":1610445878970,"wallet_id":"f47ac10b-58cc-4372-a567-0e02b2c3d479"},
  "PaymentAddressUpdate": {"chain":"ETH","custom_payer_id":"user_abc_10001","data_type":"PaymentAddressUpdate","payer_id":"P20250619T0310056d7aa","previous_address":"0xAbC123...DEF","updated_address":"0x789xyz...456"},
  "PaymentPayout": {"created_timestamp":1744689600,"data_type":"PaymentPayout","payout_channel":"Crypto","payout_id":"123e457-e89b-12d3-a456-426614174004","request_id":"123e457-e89b-12d3-a456-426614174004","status":"Pending","updated_timestamp":1744689600},
  "PaymentBankWithdrawal": {"amount":"100.00","bank_withdrawal_id":"123e4567-e89b-12d3-a456-426614174000","created_timestamp":1744689600,"currency":"USD","data_type":"PaymentBankWithdrawal","request_id":"123e457-e89b-12d3-a456-426614174004","source_bank_account":{"account_alias":"Main Payout Account","account_number":"4111111111111111","bank_account_id":"123e4567-e89b-12d3-a456-426614174003","bank_account_status":"Pending","bank_address":"456 Bank Ave, Cityville, USA","bank_name":"ABC Bank","beneficiary_address":"123 Main St, Anytown, USA","beneficiary_name":"John Doe","currency":"USD","destination_id":"123e4567-e89b-12d3-a456-426614174003","destination_name":"Destination A","destination_type":"Individual","swift_code":"BOFAUS33"},"source_bank_account_id":"dst_ba_1234567890","status":"Pending","target_bank_account":{"account_alias":"Main Payout Account","account_number":"4111111111111111","bank_account_id":"123e4567-e89b-12d3-a456-426614174003","bank_account_status":"Pending","bank_address":"456 Bank Ave, Cityville, USA","bank_name":"ABC Bank","beneficiary_address":"123 Main St, Anytown, USA","beneficiary_name":"John Doe","currency":"USD","destination_id":"123e4567-e89b-12d3-a456-426614174003","destination_name":"Destination A","destination_type":"Individual","swift_code":"BOFAUS33"},"target_bank_account_id":"dst_ba_0987654321","timeline":[{"status":"Pending","timestamp":1744689600}]},
  "PaymentBulkSend": {"bulk_send_id":"123e4567-e89b-12d3-a456-426614174003","created_timestamp":1744689600,"data_type":"PaymentBulkSend","execution_mode":"Strict","source_account":"M1001","status":"Pending","updated_timestamp":1744689600},
  "PaymentBulkSendItem": {"amount":"500.00","bulk_send_id":"123e4567-e89b-12d3-a456-426614174003","bulk_send_item_id":"123e4567-e89b-12d3-a456-426614174003","created_timestamp":1744689600,"data_type":"PaymentBulkSendItem","receiving_address":"0xabc123456789def0000000000000000000000000","source_account":"M1001","status":"Pending","token_id":"ETH_USDT","updated_timestamp":1744689600,"validation_status":"Pending"},
  "PaymentAccountBalanceUpdate": {"amount":"20.00","amount_raw":"20","balance_after":"120.00","balance_after_raw":"120","balance_before":"100.00","balance_before_raw":"100","data_type":"PaymentAccountBalanceUpdate","flow_direction":"in","source_account":"M1001","source_id":"O202503041234567890","source_type":"Init","token_id":"Tron_USDT","update_time":1701396866},
  "ComplianceDisposition": {"data_type":"ComplianceDisposition","disposition_status":"Submitted","disposition_type":"Unfreeze","transaction_id":"aff0e1cb-15b2-4e1f-9b9d-a9133715986f","updated_timestamp":1610445878970},
  "ComplianceKytScreenings": {"data_type":"ComplianceKytScreenings","funds_status":"Frozen","review_status":"PendingScreening","transaction_id":"aff0e1cb-15b2-4e1f-9b9d-a9133715986f","transaction_type":"Deposit","updated_timestamp":1610445878970},
  "ComplianceKyaScreenings": {"address":"0x1234567890abcdef1234567890abcdef12345678","chain_id":"ETH","created_timestamp":1721530814236,"data_type":"ComplianceKyaScreenings","screening_id":"a7b8c9d0-e1f2-4a5b-a23c-7890abcdef12","status":"Submitted","updated_timestamp":1721530899876},
  "Organization": {"data_type":"Organization"},
  "FiatTransaction": {"amount":"100.00","data_type":"FiatTransaction","fiat_currency":"USD","status":"Succeeded","transaction_id":"f47ac10b-58cc-4372-a567-0e02b2c3d479","transaction_type":"deposit"}
}"#;

fn payloads() -> Map<String, Value> {
    serde_json::from_str(PAYLOADS).expect("payload table is JSON")
}

fn delivery(
    event_id: &str,
    event_type: &str,
    data: Value,
) -> (cobo_waas2_full::HeaderMap, Vec<u8>) {
    let body = serde_json::to_vec(&json!({
        "event_id": event_id,
        "url": "https://example.com/webhook",
        "created_timestamp": 1701396866000u64,
        "type": event_type,
        "data": data,
        "status": "Success",
    }))
    .expect("event JSON");
    let signed = WebhookSigner::test().delivery(body);
    (signed.headers(), signed.body)
}

fn variant_tag(data: &WebhookEventData) -> Option<&'static str> {
    use WebhookEventData as D;
    Some(match data {
        D::Transaction(_) => "Transaction",
        D::TssRequest(_) => "TSSRequest",
        D::Addresses(_) => "Addresses",
        D::WalletInfo(_) => "WalletInfo",
        D::MpcVault(_) => "MPCVault",
        D::Chains(_) => "Chains",
        D::Tokens(_) => "Tokens",
        D::TokenListing(_) => "TokenListing",
        D::BalanceUpdateInfo(_) => "BalanceUpdateInfo",
        D::SuspendedToken(_) => "SuspendedToken",
        D::PaymentOrder(_) => "PaymentOrder",
        D::PaymentRefund(_) => "PaymentRefund",
        D::PaymentSettlement(_) => "PaymentSettlement",
        D::PaymentTransaction(_) => "PaymentTransaction",
        D::PaymentAddressUpdate(_) => "PaymentAddressUpdate",
        D::PaymentPayout(_) => "PaymentPayout",
        D::PaymentBankWithdrawal(_) => "PaymentBankWithdrawal",
        D::PaymentBulkSend(_) => "PaymentBulkSend",
        D::PaymentBulkSendItem(_) => "PaymentBulkSendItem",
        D::PaymentAccountBalanceUpdate(_) => "PaymentAccountBalanceUpdate",
        D::ComplianceDisposition(_) => "ComplianceDisposition",
        D::ComplianceKytScreenings(_) => "ComplianceKytScreenings",
        D::ComplianceKyaScreenings(_) => "ComplianceKyaScreenings",
        D::Organization(_) => "Organization",
        D::FiatTransaction(_) => "FiatTransaction",
        _ => return None,
    })
}

#[test]
fn every_data_type_decodes_to_its_own_variant() {
    let verifier = WebhookSigner::test().verifier();
    let payloads = payloads();
    assert_eq!(payloads.len(), 25, "one payload per data_type of the spec");
    for (i, (tag, data)) in payloads.into_iter().enumerate() {
        let (headers, body) = delivery(&format!("evt-{i}"), "wallets.transaction.succeeded", data);
        let event: WebhookEvent = verifier
            .decode(&headers, &body)
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
        assert_eq!(
            variant_tag(&event.data),
            Some(tag.as_str()),
            "{tag}: {:?}",
            event.data
        );
        assert_eq!(event.event_id.as_deref(), Some(format!("evt-{i}").as_str()));
        assert_eq!(event.r#type, WebhookEventType::WalletsTransactionSucceeded);
        let encoded = serde_json::to_value(&event).expect("encodes");
        assert_eq!(
            encoded["data"]["data_type"],
            tag.as_str(),
            "{tag}: tag written back"
        );
    }
}

#[test]
fn unknown_data_types_and_event_types_are_kept() {
    let verifier = WebhookSigner::test().verifier();
    let data = json!({"data_type": "Teleport", "distance": 3});
    let (headers, body) = delivery("evt-new", "wallets.teleport.arrived", data.clone());
    let event: WebhookEvent = verifier.decode(&headers, &body).expect("decodes");
    assert_eq!(event.data, WebhookEventData::Unknown(data));
    assert_eq!(
        event.r#type,
        WebhookEventType::Unknown("wallets.teleport.arrived".to_owned())
    );
}

#[test]
fn the_specs_required_id_is_not_required() {
    // The spec lists `required: [id, ...]` but the property is `event_id`: a delivery without
    // `id` decodes, and `event_id` is kept.
    let verifier = WebhookSigner::test().verifier();
    let data = payloads()["Organization"].clone();
    let (headers, body) = delivery("evt-no-id", "wallets.transaction.created", data);
    let event: WebhookEvent = verifier
        .decode(&headers, &body)
        .expect("decodes without id");
    assert_eq!(event.event_id.as_deref(), Some("evt-no-id"));
}

#[test]
fn a_callback_body_decodes_as_a_transaction() {
    let mut transaction = payloads()["Transaction"].clone();
    transaction.as_object_mut().unwrap().remove("data_type");
    transaction["request_id"] = json!("deny-42");
    let signed = WebhookSigner::test().delivery(serde_json::to_vec(&transaction).unwrap());
    let decoded: Transaction = WebhookSigner::test()
        .verifier()
        .decode(&signed.headers(), &signed.body)
        .expect("callback decodes");
    assert_eq!(decoded.request_id.as_deref(), Some("deny-42"));
}
