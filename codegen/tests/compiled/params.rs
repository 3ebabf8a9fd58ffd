//! Parameters a generated operation refuses before sending, on the `params.yaml` fixture: path
//! parameters that are empty or dot segments (plain or percent-encoded), which URL parsers and
//! servers resolve into another operation's path, and header values with control characters.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::Duration;

use fixture_params::models::{ListAddressesOptions, ListAddressesType};
use fixture_params::test_util::block_on;
use fixture_params::{ApiSecret, Client, Error, ResponseVerification};

/// A listener that is never served, the client aimed at it, and whether anything connected.
struct Silent {
    listener: TcpListener,
    client: Client,
}

impl Silent {
    fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let client = Client::builder(ApiSecret::from_bytes(&[3; 32]))
            .base_url(format!("http://{}/v2", listener.local_addr().unwrap()))
            .response_verification(ResponseVerification::Disabled)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        Self { listener, client }
    }

    fn connected(&self) -> bool {
        match self.listener.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("accept: {e}"),
        }
    }

    fn list(
        &self,
        wallet_id: &str,
        address: &str,
        request_id: &str,
    ) -> Error<impl std::fmt::Debug> {
        block_on(self.client.list_addresses(
            wallet_id,
            address,
            &ListAddressesType::Deposit,
            request_id,
            &ListAddressesOptions::default(),
        ))
        .unwrap_err()
    }
}

#[test]
fn dot_and_empty_path_parameters_are_refused_before_sending() {
    let silent = Silent::new();
    for value in [
        "..",
        ".",
        "",
        "%2e",
        "%2e%2e",
        "%2E%2e",
        ".%2E",
        "%252e%252e",
    ] {
        for (wallet_id, address) in [(value, "a1"), ("W1", value)] {
            let err = silent.list(wallet_id, address, "r1");
            assert!(
                matches!(err, Error::Request { .. }),
                "{wallet_id:?}/{address:?}: {err:?}"
            );
            assert!(!silent.connected(), "{wallet_id:?}/{address:?} was sent");
        }
    }
    // Ordinary values, dots inside them included, are sent.
    let err = silent.list("W.1", "a..b", "r1");
    assert!(!matches!(err, Error::Request { .. }), "{err:?}");
    assert!(silent.connected());
}

#[test]
fn control_characters_in_header_parameters_are_refused_before_sending() {
    let silent = Silent::new();
    for value in ["r1\r\nX-Injected: 1", "r1\nX", "r1\tx", "r1\u{7f}"] {
        let err = silent.list("W1", "a1", value);
        assert!(matches!(err, Error::Request { .. }), "{value:?}: {err:?}");
        assert!(!silent.connected(), "{value:?} was sent");
    }
}
