//! Which properties hold secrets. The rule is data, kept here in one place: a string property
//! with `format: password`, or one whose name says it holds a credential: a token, secret,
//! password or passphrase, a one-time or Google Authenticator code, an API key (an exchange
//! account's `apikey`), a mnemonic or seed, a private key.

/// Words that name a credential wherever they appear in a property name (`exchange_secret`,
/// `seed_phrase`, `otp`).
const SECRET_WORDS: &[&str] = &[
    "apikey",
    "credential",
    "credentials",
    "mnemonic",
    "otp",
    "passphrase",
    "passwd",
    "password",
    "privkey",
    "secret",
    "secrets",
    "seed",
    "totp",
];

/// Two consecutive words that name a credential together (`private_key`, `api_key`, `ga_code`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("2fa", "code"),
    ("api", "key"),
    ("auth", "code"),
    ("ga", "code"),
    ("mfa", "code"),
    ("private", "key"),
    ("seed", "phrase"),
    ("verification", "code"),
];

/// Whether a property with this JSON name and format holds a secret.
pub(crate) fn is_secret(wire_name: &str, format: Option<&str>) -> bool {
    if format == Some("password") {
        return true;
    }
    let name = heck::ToSnakeCase::to_snake_case(wire_name);
    let words: Vec<&str> = name.split('_').filter(|w| !w.is_empty()).collect();
    name == "token"
        || name.ends_with("_token")
        || name.contains("secret")
        || name.contains("password")
        || words.iter().any(|w| SECRET_WORDS.contains(w))
        || words
            .windows(2)
            .any(|pair| SECRET_PAIRS.contains(&(pair[0], pair[1])))
}

#[cfg(test)]
mod tests {
    use super::is_secret;

    #[test]
    fn tokens_and_secrets_are_secret_but_their_metadata_is_not() {
        for name in [
            "access_token",
            "refresh_token",
            "accessToken",
            "api_secret",
            "password",
            "private_key",
            "privateKey",
        ] {
            assert!(is_secret(name, None), "{name}");
        }
        for name in [
            "token_type",
            "expires_in",
            "scope",
            "client_id",
            "tokens_count",
        ] {
            assert!(!is_secret(name, None), "{name}");
        }
        assert!(is_secret("pin", Some("password")));
    }

    #[test]
    fn exchange_credentials_codes_and_seeds_are_secret() {
        for name in [
            "apikey",
            "api_key",
            "apiKey",
            "secret",
            "passphrase",
            "ga_code",
            "gaCode",
            "otp",
            "totp_code",
            "mfa_code",
            "mnemonic",
            "seed",
            "seed_phrase",
            "wallet_private_key",
        ] {
            assert!(is_secret(name, None), "{name}");
        }
        for name in [
            "public_key",
            "pubkey",
            "swift_code",
            "error_code",
            "status_code",
            "postcode",
            "key_share_holder_group_id",
            "exceeded",
            "passenger",
            "seeding_status",
        ] {
            assert!(!is_secret(name, None), "{name}");
        }
    }
}
