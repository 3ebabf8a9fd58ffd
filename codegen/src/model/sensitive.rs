//! Which properties hold secrets. The rule is data, kept here in one place: a string property
//! with `format: password`, or one whose name says it holds a token, secret, password or key.

/// Whether a property with this JSON name and format holds a secret.
pub(crate) fn is_secret(wire_name: &str, format: Option<&str>) -> bool {
    if format == Some("password") {
        return true;
    }
    let name = heck::ToSnakeCase::to_snake_case(wire_name);
    name == "token"
        || name.ends_with("_token")
        || name.contains("secret")
        || name.contains("password")
        || name.contains("private_key")
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
}
