//! Shared by the SQLite and PostgreSQL store tests: opening a store from a `<store>` argument,
//! a throwaway PostgreSQL cluster, and the two multi-process scenarios (one refresh for many
//! callers in two processes; two `keep_token` processes killed at random instants).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cobo_waas2_runtime::{
    Client, PostgresStores, ResponseVerification, SqliteStores, TokenManager, TokenPair, TokenStore,
};

use crate::support::keep_token::{KeepToken, RandomDelays, Run};
use crate::support::{FakeCobo, token_number};

pub use crate::support::keep_token::SECRET_HEX;

/// The store of `client-1`/`org-1` named by `spec`: `sqlite:PATH` or a `postgres://` URL.
pub fn open_store(spec: &str) -> Arc<dyn TokenStore> {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        Arc::new(SqliteStores::open(path).unwrap().store("client-1", "org-1"))
    } else {
        Arc::new(
            PostgresStores::connect(spec)
                .unwrap()
                .store("client-1", "org-1"),
        )
    }
}

/// A client of the fake.
pub fn client(fake: &FakeCobo) -> Client {
    client_of(&fake.base_url(), fake.response_key())
}

fn client_of(base_url: &str, response_key: cobo_waas2_runtime::ResponseKey) -> Client {
    Client::builder(cobo_waas2_runtime::ApiSecret::from_hex(SECRET_HEX).unwrap())
        .base_url(base_url)
        .response_verification(ResponseVerification::Key(response_key))
        .build()
        .unwrap()
}

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "cobo-waas2-{what}-{}-{}",
            std::process::id(),
            crate::support::now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A throwaway PostgreSQL cluster on 127.0.0.1, stopped and deleted on drop.
pub struct Postgres {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn postgres_bindir() -> Option<PathBuf> {
    // `cargo xtask test` says where it found the server programs.
    let from_env = std::env::var_os("POSTGRES_BIN").map(PathBuf::from);
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let candidates = from_env.into_iter().chain(from_pg_config).chain(
        (12..=20)
            .rev()
            .map(|v| PathBuf::from(format!("/usr/lib/postgresql/{v}/bin"))),
    );
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

impl Postgres {
    /// Starts a cluster. The tests that call this are ignored unless asked for (`cargo xtask
    /// test` runs them with the server programs), so a missing PostgreSQL fails them.
    pub fn start() -> Option<Self> {
        let Some(bin) = postgres_bindir() else {
            panic!(
                "PostgreSQL is not installed (no initdb in POSTGRES_BIN, `pg_config --bindir` or \
                 /usr/lib/postgresql/*/bin): install it (`apt-get install postgresql`) or run \
                 `cargo xtask test`, which finds it"
            );
        };
        let dir = TempDir::new("postgres");
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir.0)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let this = Self { dir, bin, port };
        this.run(
            "initdb",
            &[
                "-D",
                &this.data().display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-instructions",
            ],
        );
        this.pg_ctl("start");
        this.stop_when_this_process_ends();
        Some(this)
    }

    /// A cluster kept in a `static` is never dropped: a watchdog stops it and deletes its
    /// directory once this process has ended, however it ends.
    fn stop_when_this_process_ends(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let as_postgres = if is_root() {
            "runuser -u postgres -- "
        } else {
            ""
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; \
             {as_postgres}'{pg_ctl}' -D '{data}' -w -m immediate stop >/dev/null 2>&1; \
             rm -rf '{dir}'",
            pid = std::process::id(),
            pg_ctl = pg_ctl.display(),
            data = self.data().display(),
            dir = self.dir.0.display(),
        );
        // Never waited for: it outlives this process by design.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the cluster's watchdog");
    }

    fn data(&self) -> PathBuf {
        self.dir.0.join("data")
    }

    /// Runs a PostgreSQL program, as the `postgres` user when this is root.
    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let output = command.args(args).stdin(Stdio::null()).output().unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
    }

    fn pg_ctl(&self, action: &str) {
        let options = format!(
            "-h 127.0.0.1 -p {} -k {} -c fsync=on",
            self.port,
            self.dir.0.display()
        );
        let log = self.dir.0.join("log").display().to_string();
        let data = self.data().display().to_string();
        let mut args = vec!["-D", &data, "-w", "-m", "fast", "-l", &log, "-o", &options];
        args.push(action);
        self.run("pg_ctl", &args);
    }

    pub fn stop(&self) {
        self.pg_ctl("stop");
    }

    pub fn restart(&self) {
        self.pg_ctl("restart");
    }

    pub fn start_again(&self) {
        self.pg_ctl("start");
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Turns TLS on with this certificate and key (PEM files), as `server.crt`/`server.key`
    /// of the data directory, and reloads the configuration.
    pub fn enable_ssl(&self, cert: &Path, key: &Path) {
        use std::os::unix::fs::PermissionsExt;
        for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
            let to = self.data().join(name);
            std::fs::copy(from, &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
            if is_root() {
                let status = Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(&to)
                    .status()
                    .unwrap();
                assert!(status.success());
            }
        }
        self.psql("ALTER SYSTEM SET ssl = on");
        self.psql("SELECT pg_reload_conf()");
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(self.psql("SHOW ssl").trim(), "on");
    }

    /// Runs `sql` with psql as the superuser; its unaligned output.
    pub fn psql(&self, sql: &str) -> String {
        let psql = if self.bin.join("psql").is_file() {
            self.bin.join("psql")
        } else {
            PathBuf::from("psql")
        };
        let output = Command::new(psql)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(["-d", "postgres", "-X", "-A", "-t", "-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("run psql");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Ends the sessions holding advisory locks (the refresh locks): what a failover or an idle
    /// reaper does to a replica's lock connection.
    pub fn kill_lock_connections(&self) -> String {
        self.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks \
             WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()",
        )
    }

    /// Ends every client session but psql's own: the lock's and the saves' connections.
    pub fn kill_all_connections(&self) -> String {
        self.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
        )
    }

    /// The URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data().display().to_string();
        let program = self.bin.join("pg_ctl");
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let _ = command
            .args(["-D", &data, "-w", "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The child half of [`two_processes_one_refresh`]: `callers` concurrent `access_token()` calls
/// started at the same instant (`STORE_TEST_START_MS`), printing `ok <token>` per call.
pub fn child_callers() {
    let (Ok(spec), Ok(base_url), Ok(response_key), Ok(start), Ok(callers)) = (
        std::env::var("STORE_TEST_SPEC"),
        std::env::var("STORE_TEST_BASE_URL"),
        std::env::var("STORE_TEST_RESPONSE_KEY"),
        std::env::var("STORE_TEST_START_MS"),
        std::env::var("STORE_TEST_CALLERS"),
    ) else {
        return;
    };
    let start: u64 = start.parse().unwrap();
    let callers: usize = callers.parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let client = client_of(
            &base_url,
            cobo_waas2_runtime::ResponseKey::from_hex(&response_key).unwrap(),
        );
        let manager = TokenManager::builder(client, "client-1", "org-1", open_store(&spec)).build();
        let wait = start.saturating_sub(crate::support::now_ms());
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let calls: Vec<_> = (0..callers)
            .map(|_| {
                let manager = manager.clone();
                tokio::spawn(async move { manager.access_token().await })
            })
            .collect();
        for call in calls {
            match call.await.unwrap() {
                Ok(token) => println!("ok {}", token.as_str()),
                Err(e) => println!("error {e}"),
            }
        }
    });
}

/// Two processes × `callers` concurrent callers, all at once when the stored pair is due: the
/// server sees exactly one refresh and every caller gets its new token. `child_test` is the
/// name of the test that calls [`child_callers`].
pub fn two_processes_one_refresh(spec: &str, child_test: &str, callers: usize) {
    let (_runtime, server) = crate::support::serve_in_background(FakeCobo::builder());
    server.seed_pair("client-1", "org-1", 1);
    // Pair 1, due for a refresh (it expires within the 5-minute margin).
    open_store(spec)
        .save(&TokenPair::new(
            "AT-1-fake",
            "RT-1-fake",
            std::time::SystemTime::now() + Duration::from_secs(60),
        ))
        .unwrap();
    let start = crate::support::now_ms() + 1500;
    let children: Vec<Child> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([child_test, "--exact", "--ignored", "--nocapture", "--quiet"])
                .env("STORE_TEST_SPEC", spec)
                .env("STORE_TEST_BASE_URL", server.base_url())
                .env("STORE_TEST_RESPONSE_KEY", server.response_key_hex())
                .env("STORE_TEST_START_MS", start.to_string())
                .env("STORE_TEST_CALLERS", callers.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut tokens = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            if let Some(rest) = line.strip_prefix("ok ") {
                assert_eq!(rest, "AT-2-fake", "every caller gets the one new token");
                tokens += 1;
            } else {
                assert!(!line.starts_with("error"), "a caller failed: {line}");
            }
        }
    }
    assert_eq!(tokens, 2 * callers, "every caller answered");
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(server.refreshes(), 1, "exactly one refresh");
    assert_eq!(posts, 1, "exactly one refresh request, no stale one");
    eprintln!("{spec}: 2 processes x {callers} callers, 1 refresh");
}

/// Two `keep_token` processes sharing the store `spec`, refreshing constantly against a
/// rotating server, each killed with SIGKILL at random instants, `rounds` times. A refresh
/// token is presented stale only in a round where a kill landed between the server's answer
/// and its save (no store can cover that; the pair is then re-authorized); the stored pair
/// never goes back and is never older than a token a child printed. `stored` reads the stored
/// pair's number independently of the crate (None: no pair); `forget` deletes it.
pub fn two_keep_token_processes_killed(
    spec: &str,
    rounds: usize,
    stored: &dyn Fn() -> Option<u64>,
    forget: &dyn Fn(),
) {
    let started = Instant::now();
    let (_runtime, server) =
        crate::support::serve_in_background(FakeCobo::builder().token_lifetime_secs(0));
    let mut delays = RandomDelays::seeded();
    let mut stale_presented = 0usize;
    let mut lost_answers = 0usize;
    let mut printed_total = 0usize;
    let mut previous: Option<u64> = None;
    let mut posts_seen = 0usize;
    for round in 0..rounds {
        let mut children = [0; 2].map(|_| KeepToken::spawn(spec, &server));
        let mut printed_last: Vec<u64> = Vec::new();
        let mut exited_with_invalid_grant = 0;
        for child in &mut children {
            std::thread::sleep(delays.next(20, 400));
            child.kill();
        }
        for child in children {
            let Run {
                exited,
                printed,
                stderr,
            } = child.finish();
            if let Some(status) = exited {
                assert!(
                    stderr.contains("invalid_grant"),
                    "round {round}: a child stopped: {status:?} {stderr}"
                );
                exited_with_invalid_grant += 1;
            }
            printed_total += printed.len();
            if let Some(last) = printed.last() {
                printed_last.push(token_number(last));
            }
        }
        let posts: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect();
        let new_posts = posts.len() - posts_seen;
        posts_seen = posts.len();
        let _ = new_posts;
        let now_stored = stored();
        if let Some(now) = now_stored {
            for last in &printed_last {
                assert!(
                    now >= *last,
                    "round {round}: the store holds pair {now}, older than the printed {last}"
                );
            }
            if let Some(previous) = previous {
                assert!(now >= previous, "round {round}: the store went back");
            }
        }
        let issued = server.pairs_issued();
        let behind = issued - now_stored.unwrap_or(issued);
        assert!(
            behind <= 1,
            "round {round}: the server is {behind} pairs ahead"
        );
        if behind == 1 || exited_with_invalid_grant > 0 {
            if exited_with_invalid_grant > 0 {
                assert_eq!(
                    behind, 1,
                    "round {round}: a stale refresh token was presented though no answer was lost"
                );
                stale_presented += exited_with_invalid_grant;
            }
            // An answer lost in flight: re-authorize, as an operator would.
            lost_answers += 1;
            forget();
            previous = None;
        } else {
            previous = now_stored;
        }
    }
    eprintln!(
        "{spec}: {rounds} rounds of 2 processes SIGKILLed, {printed_total} tokens printed, {} \
         refreshes, {lost_answers} answers lost in flight, {stale_presented} stale refresh tokens \
         presented after them, 0 otherwise, {:.1} s",
        server.refreshes(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        server.refreshes() >= rounds as u64,
        "too few refreshes to test anything"
    );
}

/// The SQLite file of a `sqlite:PATH` spec.
pub fn sqlite_path(spec: &str) -> &Path {
    Path::new(spec.strip_prefix("sqlite:").unwrap())
}

/// A TCP proxy on 127.0.0.1 to a local port that cuts every connection through it on demand,
/// or stalls them (stops forwarding, keeping them open): what a network failure does.
pub struct Proxy {
    port: u16,
    generation: Arc<std::sync::atomic::AtomicU64>,
    stalled: Arc<std::sync::atomic::AtomicBool>,
    _runtime: tokio::runtime::Runtime,
}

impl Proxy {
    pub fn start(target: u16) -> Self {
        use std::sync::atomic::{AtomicBool, AtomicU64};
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let generation = Arc::new(AtomicU64::new(0));
        let stalled = Arc::new(AtomicBool::new(false));
        let (cuts, stall) = (generation.clone(), stalled.clone());
        runtime.spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                else {
                    continue;
                };
                tokio::spawn(pump(inbound, outbound, cuts.clone(), stall.clone()));
            }
        });
        Self {
            port,
            generation,
            stalled,
            _runtime: runtime,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes every connection open now.
    pub fn cut(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Stops (or resumes) forwarding on every connection.
    pub fn stall(&self, on: bool) {
        self.stalled.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Forwards both ways until either side closes or the proxy cuts (its generation changes).
async fn pump(
    a: tokio::net::TcpStream,
    b: tokio::net::TcpStream,
    generation: Arc<std::sync::atomic::AtomicU64>,
    stalled: Arc<std::sync::atomic::AtomicBool>,
) {
    let born = generation.load(std::sync::atomic::Ordering::SeqCst);
    let (ar, aw) = a.into_split();
    let (br, bw) = b.into_split();
    tokio::select! {
        () = one_way(ar, bw, born, &generation, &stalled) => {}
        () = one_way(br, aw, born, &generation, &stalled) => {}
    }
}

async fn one_way(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    born: u64,
    generation: &std::sync::atomic::AtomicU64,
    stalled: &std::sync::atomic::AtomicBool,
) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0; 16 * 1024];
    while generation.load(Ordering::SeqCst) == born {
        if stalled.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        match tokio::time::timeout(Duration::from_millis(20), from.read(&mut buf)).await {
            Err(_) => continue,
            Ok(Ok(0) | Err(_)) => return,
            Ok(Ok(n)) => {
                if to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}
