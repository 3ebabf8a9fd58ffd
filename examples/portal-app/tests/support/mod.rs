//! A throwaway PostgreSQL cluster on 127.0.0.1 and a temporary directory: copied from
//! runtime/tests/support/stores.rs (what these tests need only).

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "cobo-waas2-{what}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
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
        Some(this)
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
