//! TLS to PostgreSQL: a throwaway cluster with `ssl = on` and a certificate this test makes
//! with the openssl CLI; libpq's `sslmode`/`sslrootcert` honoured, certificates verified by
//! default, a wrong root and plaintext to a remote host refused.

#[path = "support/stores.rs"]
mod stores;
mod support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use cobo_waas2_runtime::{PostgresStores, StoreError, TokenPair, TokenStore};
use stores::{Postgres, TempDir};

/// Certificates: a root, a server certificate it signed for `db.internal` only, and an
/// unrelated root.
struct Certificates {
    dir: TempDir,
}

impl Certificates {
    fn make() -> Self {
        let dir = TempDir::new("pg-tls-certs");
        let openssl = |args: &[&str]| {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(&dir.0)
                .output()
                .expect("run openssl");
            assert!(output.status.success(), "openssl {args:?}: {output:?}");
        };
        for ca in ["ca", "other-ca"] {
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.pem"),
                "-days",
                "2",
                "-subj",
                &format!("/CN={ca}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]);
        }
        openssl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=db.internal",
        ]);
        std::fs::write(
            dir.0.join("ext.cnf"),
            "subjectAltName=DNS:db.internal\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.0.join(name)
    }
}

/// The cluster with TLS on, shared by the tests of this binary.
fn tls_cluster() -> &'static (Postgres, Certificates) {
    static CLUSTER: OnceLock<(Postgres, Certificates)> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let pg = Postgres::start().unwrap();
        let certificates = Certificates::make();
        pg.enable_ssl(
            &certificates.path("server.crt"),
            &certificates.path("server.key"),
        );
        (pg, certificates)
    })
}

/// A URL of the TLS cluster naming `host` (reached at 127.0.0.1) with `params`.
fn url(pg: &Postgres, host: &str, params: &str) -> String {
    format!(
        "postgres://postgres@{host}:{}/postgres?hostaddr=127.0.0.1&{params}",
        pg.port()
    )
}

/// Whether the store's connection named `application` is encrypted, as the server sees it.
fn encrypted(pg: &Postgres, application: &str) -> String {
    pg.psql(&format!(
        "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = '{application}'"
    ))
    .trim()
    .to_owned()
}

fn round_trip(stores: &PostgresStores, client_id: &str) {
    let store = stores.store(client_id, "org-1");
    let pair = TokenPair::new(
        "AT-tls",
        "RT-tls",
        SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000),
    );
    store.save(&pair).unwrap();
    assert_eq!(store.load().unwrap(), Some(pair));
}

fn root(certificates: &Certificates, name: &str) -> String {
    certificates.path(name).display().to_string()
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn verify_full_with_the_right_root_connects_encrypted() {
    let (pg, certificates) = tls_cluster();
    let params = format!(
        "sslmode=verify-full&sslrootcert={}&application_name=tls-full",
        root(certificates, "ca.pem")
    );
    let stores = PostgresStores::connect(&url(pg, "db.internal", &params)).unwrap();
    round_trip(&stores, "tls-full");
    assert_eq!(encrypted(pg, "tls-full"), "t");
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn require_and_the_loopback_default_connect_encrypted() {
    let (pg, _) = tls_cluster();
    let stores = PostgresStores::connect(&url(
        pg,
        "127.0.0.1",
        "sslmode=require&application_name=tls-req",
    ))
    .unwrap();
    round_trip(&stores, "tls-require");
    assert_eq!(encrypted(pg, "tls-req"), "t");
    // No sslmode, a loopback host: `prefer`, and the server offers TLS.
    let stores =
        PostgresStores::connect(&url(pg, "127.0.0.1", "application_name=tls-default")).unwrap();
    round_trip(&stores, "tls-default");
    assert_eq!(encrypted(pg, "tls-default"), "t");
}

fn assert_refused(result: Result<PostgresStores, StoreError>, what: &str) -> String {
    let e = result.expect_err(what);
    assert!(matches!(e, StoreError::Refused { .. }), "{what}: {e:?}");
    assert!(!e.is_transient(), "{what}");
    e.to_string()
}

#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn a_wrong_root_or_a_wrong_name_is_refused() {
    let (pg, certificates) = tls_cluster();
    let other = root(certificates, "other-ca.pem");
    let right = root(certificates, "ca.pem");
    let shown = assert_refused(
        PostgresStores::connect(&url(
            pg,
            "db.internal",
            &format!("sslmode=verify-full&sslrootcert={other}"),
        )),
        "an unrelated root",
    );
    assert!(shown.contains("certificate"), "{shown}");
    assert_refused(
        PostgresStores::connect(&url(
            pg,
            "db.internal",
            &format!("sslmode=verify-ca&sslrootcert={other}"),
        )),
        "verify-ca with an unrelated root",
    );
    // No sslmode for a remote name: verify-full against the Mozilla roots.
    assert_refused(
        PostgresStores::connect(&url(pg, "db.internal", "")),
        "a self-made certificate under the default verify-full",
    );
    // The certificate names db.internal, not 127.0.0.1: verify-full refuses, verify-ca does
    // not check the name.
    assert_refused(
        PostgresStores::connect(&url(
            pg,
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={right}"),
        )),
        "a certificate for another name",
    );
    let stores = PostgresStores::connect(&url(
        pg,
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={right}&application_name=tls-ca"),
    ))
    .unwrap();
    round_trip(&stores, "tls-ca");
    assert_eq!(encrypted(pg, "tls-ca"), "t");
}

/// A server without TLS: a remote host is refused unless the URL says `sslmode=disable` (even
/// `sslmode=prefer` does not fall back to plaintext for it); a loopback host is served.
#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn plaintext_to_a_remote_host_needs_an_explicit_sslmode_disable() {
    let pg = Postgres::start().unwrap();
    for params in ["", "sslmode=prefer", "sslmode=require"] {
        let shown = assert_refused(
            PostgresStores::connect(&url(&pg, "db.internal", params)),
            &format!("plaintext to a remote host with {params:?}"),
        );
        assert!(shown.contains("TLS"), "{shown}");
    }
    let stores = PostgresStores::connect(&url(&pg, "db.internal", "sslmode=disable")).unwrap();
    round_trip(&stores, "plain-explicit");
    let stores = PostgresStores::connect(&url(&pg, "127.0.0.1", "")).unwrap();
    round_trip(&stores, "plain-loopback");
}

#[test]
fn bad_tls_settings_are_typed_errors() {
    let e = PostgresStores::connect("postgres://u@db.internal/x?sslmode=verify-some").unwrap_err();
    assert!(e.to_string().contains("sslmode"), "{e}");
    let e = PostgresStores::connect(
        "postgres://u@db.internal/x?sslmode=verify-full&sslrootcert=/no/such/ca.pem",
    )
    .unwrap_err();
    assert!(matches!(e, StoreError::Refused { .. }), "{e:?}");
    assert!(e.to_string().contains("/no/such/ca.pem"), "{e}");
}

/// keep_token given a libpq URL with a wrong root exits non-zero at once, naming the refusal.
#[test]
#[ignore = "needs PostgreSQL: starts a throwaway cluster (cargo xtask test provides the server programs)"]
fn keep_token_exits_when_the_store_is_refused() {
    let (pg, certificates) = tls_cluster();
    let (_runtime, server) =
        support::serve_in_background(support::FakeCobo::builder().token_lifetime_secs(43200));
    let spec = url(
        pg,
        "db.internal",
        &format!(
            "sslmode=verify-full&sslrootcert={}",
            root(certificates, "other-ca.pem")
        ),
    );
    let run = support::keep_token::KeepToken::spawn(&spec, &server).finish();
    let status = run.exited.expect("exited by itself");
    assert_eq!(status.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("refused"), "{}", run.stderr);
    assert_eq!(server.pairs_issued(), 0, "no get_token");
}
