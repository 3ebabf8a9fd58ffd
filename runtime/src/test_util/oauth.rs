//! Org Access Tokens as Cobo issues them to Portal Apps: `get_token` for an organization that
//! installed the app, `refresh_token` rotating the pair, Bearer tokens checked on API calls.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::reply::Reply;
use super::request::{API_KEY_ERROR_CODE, RecordedRequest};

/// The description of Cobo's `invalid_grant` answer to a stale or unknown refresh token.
const INVALID_GRANT: &str = "The refresh token is invalid or expired.";

/// One organization's current pair.
struct Pair {
    access: String,
    refresh: String,
    /// `None`: the lifetime does not fit an `Instant`, it never expires.
    expires_at: Option<Instant>,
    /// Expired ahead of time by [`OAuth::expire_access_token`].
    expired_early: bool,
}

/// Why a Bearer token is refused.
pub(super) enum BearerRefusal {
    /// Issued by the fake, but expired, expired early or rotated out: Cobo's HTTP 500 with
    /// `error_code` 1000.
    Expired,
    /// Never issued (or its organization uninstalled the app): HTTP 401.
    Unknown,
}

pub(super) struct OAuth {
    pub(super) lifetime_secs: i64,
    /// Pairs issued so far, seeded ones included: pair `n` is `AT-n-fake` / `RT-n-fake`.
    pub(super) issued: u64,
    pub(super) authorizations: u64,
    pub(super) refreshes: u64,
    /// Installations by `(client_id, org_id)`, with their current pair once issued.
    installs: HashMap<(String, String), Option<Pair>>,
    /// Access tokens replaced by a newer pair.
    retired: HashSet<String>,
}

impl OAuth {
    pub(super) fn new(lifetime_secs: i64) -> Self {
        Self {
            lifetime_secs,
            issued: 0,
            authorizations: 0,
            refreshes: 0,
            installs: HashMap::new(),
            retired: HashSet::new(),
        }
    }

    pub(super) fn install(&mut self, client_id: &str, org_id: &str) {
        self.installs
            .entry((client_id.to_owned(), org_id.to_owned()))
            .or_insert(None);
    }

    pub(super) fn uninstall(&mut self, client_id: &str, org_id: &str) -> bool {
        self.installs
            .remove(&(client_id.to_owned(), org_id.to_owned()))
            .is_some()
    }

    /// Installs and makes pair `n` current, as if it had just been issued; later pairs are
    /// numbered after it.
    pub(super) fn seed(&mut self, client_id: &str, org_id: &str, n: u64) {
        self.issued = self.issued.max(n);
        self.replace(client_id, org_id, n);
    }

    pub(super) fn expire_access_token(&mut self, org_id: &str) -> bool {
        let mut any = false;
        for ((_, org), pair) in &mut self.installs {
            if let (true, Some(pair)) = (org == org_id, pair) {
                pair.expired_early = true;
                any = true;
            }
        }
        any
    }

    /// The current `(access, refresh)` tokens of an installation.
    pub(super) fn current(&self, client_id: &str, org_id: &str) -> Option<(String, String)> {
        let pair = self
            .installs
            .get(&(client_id.to_owned(), org_id.to_owned()))?
            .as_ref()?;
        Some((pair.access.clone(), pair.refresh.clone()))
    }

    /// The organization a valid Bearer token acts for.
    pub(super) fn check_bearer(&self, token: &str) -> Result<String, BearerRefusal> {
        let now = Instant::now();
        for ((_, org), pair) in &self.installs {
            let Some(pair) = pair else { continue };
            if pair.access == token {
                let expired = pair.expired_early || pair.expires_at.is_some_and(|at| at <= now);
                return if expired {
                    Err(BearerRefusal::Expired)
                } else {
                    Ok(org.clone())
                };
            }
        }
        if self.retired.contains(token) {
            Err(BearerRefusal::Expired)
        } else {
            Err(BearerRefusal::Unknown)
        }
    }

    /// `GET` and `POST /oauth/token`.
    pub(super) fn token_endpoint(&mut self, request: &RecordedRequest) -> Reply {
        if request.header("authorization").is_some() {
            return Reply::oauth_error(
                400,
                "invalid_request",
                "the token endpoint takes no Authorization header",
            );
        }
        match request.method.as_str() {
            "GET" => self.get_token(request),
            "POST" => self.refresh_token(request),
            _ => Reply::cobo_error(405, 2002, "the token endpoint takes GET and POST"),
        }
    }

    fn get_token(&mut self, request: &RecordedRequest) -> Reply {
        let (Some(client_id), Some(org_id)) = (
            request.query_param("client_id"),
            request.query_param("org_id"),
        ) else {
            return Reply::oauth_error(400, "invalid_request", "client_id and org_id are required");
        };
        if request.query_param("grant_type").as_deref() != Some("org_implicit") {
            return Reply::oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type must be org_implicit",
            );
        }
        if !self
            .installs
            .contains_key(&(client_id.clone(), org_id.clone()))
        {
            return Reply::oauth_error(
                400,
                "unauthorized_client",
                "the organization has not installed this app",
            );
        }
        self.authorizations += 1;
        self.issue(&client_id, &org_id)
    }

    fn refresh_token(&mut self, request: &RecordedRequest) -> Reply {
        let Ok(body) = request.body_json() else {
            return Reply::oauth_error(400, "invalid_request", "the body is not JSON");
        };
        let field = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let (Some(client_id), Some(refresh)) = (field("client_id"), field("refresh_token")) else {
            return Reply::oauth_error(
                400,
                "invalid_request",
                "client_id and refresh_token are required",
            );
        };
        if field("grant_type").as_deref() != Some("refresh_token") {
            return Reply::oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type must be refresh_token",
            );
        }
        let org = self.installs.iter().find_map(|((client, org), pair)| {
            let current = pair.as_ref().is_some_and(|p| p.refresh == refresh);
            (current && *client == client_id).then(|| org.clone())
        });
        let Some(org_id) = org else {
            return Reply::oauth_error(400, "invalid_grant", INVALID_GRANT);
        };
        self.refreshes += 1;
        self.issue(&client_id, &org_id)
    }

    fn issue(&mut self, client_id: &str, org_id: &str) -> Reply {
        self.issued += 1;
        let n = self.issued;
        self.replace(client_id, org_id, n);
        Reply::json(
            200,
            &serde_json::json!({
                "access_token": format!("AT-{n}-fake"),
                "token_type": "Bearer",
                "scope": "",
                "expires_in": self.lifetime_secs,
                "refresh_token": format!("RT-{n}-fake"),
            }),
        )
    }

    fn replace(&mut self, client_id: &str, org_id: &str, n: u64) {
        let expires_at = u64::try_from(self.lifetime_secs).map_or(Some(Instant::now()), |secs| {
            Instant::now().checked_add(Duration::from_secs(secs))
        });
        let pair = Pair {
            access: format!("AT-{n}-fake"),
            refresh: format!("RT-{n}-fake"),
            expires_at,
            expired_early: false,
        };
        let slot = self
            .installs
            .entry((client_id.to_owned(), org_id.to_owned()))
            .or_insert(None);
        if let Some(old) = slot.replace(pair) {
            self.retired.insert(old.access);
        }
    }
}

/// The answer to a refused Bearer token.
pub(super) fn refusal(refusal: &BearerRefusal) -> Reply {
    match refusal {
        BearerRefusal::Expired => Reply::cobo_error(
            500,
            crate::TOKEN_EXPIRED_ERROR_CODE,
            "Internal Server Error: the Org Access Token has expired",
        ),
        BearerRefusal::Unknown => {
            Reply::cobo_error(401, API_KEY_ERROR_CODE, "the Bearer token is not valid")
        }
    }
}
