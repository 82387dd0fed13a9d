//! A model-based test of the corpus lifecycle: random sequences of what people do to a corpus
//! (write, rewrite, delete and rename files and folders, one id in two files, one file name in
//! two folders, relative, absolute and linked spellings, `reel index` from other folders and
//! through `REEL_INDEX`, `--forget`, `--rebuild`, a run killed with `kill -9`), each step run
//! with the real binary, and after each step the searchable documents compared with an oracle
//! computed from the files on disk:
//!
//! after a run that succeeds, the index holds exactly one document for each record of each
//! readable file under the followed paths as they are now (for one id, the first record in
//! reading order: followed paths in the order given, files in sorted path order, records in
//! file order), plus the documents of followed paths that are gone for now, and nothing else;
//! a run that fails (exit 2) changes nothing.
//!
//! `REEL_SEQUENCES` sets the number of sequences (default 16); CI runs a few hundred, and the
//! figures of long runs by hand are in RELIABILITY.md.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{code, stderr, stdout, Env};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Folders of the scratch corpus (one level deep, and one inside `corpus`).
const FOLDERS: [&str; 5] = ["corpus", "fest19", "fest20", "fest21", "corpus/sub"];
/// File names: text files that share stems, and record files.
const TEXT_NAMES: [&str; 3] = ["opening.txt", "a.txt", "a.md"];
const RECORD_NAMES: [&str; 2] = ["x.jsonl", "y.jsonl"];
/// Where a step runs from.
const CWDS: [&str; 3] = [".", "elsewhere", "corpus"];

#[derive(Debug, Clone)]
enum Op {
    /// Writes a text file with a marker word.
    Text { folder: usize, name: usize },
    /// Writes a record file with these ids (several files may hold one id).
    Records {
        folder: usize,
        name: usize,
        ids: Vec<u8>,
    },
    /// Deletes the n-th file on disk (mod their number).
    Delete { n: usize },
    /// Renames the n-th file to another name in its folder.
    RenameFile { n: usize, to: usize },
    /// Renames a folder to one that does not exist.
    RenameFolder { from: usize, to: usize },
    /// `reel index PATH...` (or plain), from a folder, with the index named one way.
    Index {
        paths: Vec<(usize, Spelling)>,
        cwd: usize,
        index: IndexSpelling,
    },
    /// `reel index --forget PATH`.
    Forget { folder: usize, spelling: Spelling },
    /// `reel index --rebuild [PATH...]`.
    Rebuild { paths: Vec<(usize, Spelling)> },
    /// `reel index`, killed with SIGKILL after this many milliseconds.
    Kill { after_ms: u64 },
}

#[derive(Debug, Clone, Copy)]
enum Spelling {
    Relative,
    DotSlash,
    Absolute,
    Link,
}

#[derive(Debug, Clone, Copy)]
enum IndexSpelling {
    Relative,
    Absolute,
    Env,
}

fn spelling() -> impl Strategy<Value = Spelling> {
    prop_oneof![
        Just(Spelling::Relative),
        Just(Spelling::DotSlash),
        Just(Spelling::Absolute),
        Just(Spelling::Link),
    ]
}

/// A folder to name: mostly the three the prologue makes.
fn folder() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0..3usize, 1 => 3..FOLDERS.len()]
}

fn paths() -> impl Strategy<Value = Vec<(usize, Spelling)>> {
    prop::collection::vec((folder(), spelling()), 0..3)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..FOLDERS.len(), 0..TEXT_NAMES.len()).prop_map(|(folder, name)| Op::Text { folder, name }),
        3 => (0..FOLDERS.len(), 0..RECORD_NAMES.len(), prop::collection::vec(0u8..4, 0..4))
            .prop_map(|(folder, name, ids)| Op::Records { folder, name, ids }),
        2 => (0..64usize).prop_map(|n| Op::Delete { n }),
        1 => (0..64usize, 0..5usize).prop_map(|(n, to)| Op::RenameFile { n, to }),
        1 => (0..4usize, 0..4usize).prop_map(|(from, to)| Op::RenameFolder { from, to }),
        5 => (paths(), prop_oneof![3 => Just(0usize), 1 => 1..CWDS.len()], prop_oneof![
                Just(IndexSpelling::Relative),
                Just(IndexSpelling::Absolute),
                Just(IndexSpelling::Env)
            ])
            .prop_map(|(paths, cwd, index)| Op::Index { paths, cwd, index }),
        1 => (folder(), spelling()).prop_map(|(folder, spelling)| Op::Forget { folder, spelling }),
        1 => prop::collection::vec((folder(), spelling()), 0..2).prop_map(|paths| Op::Rebuild { paths }),
        1 => (0u64..80).prop_map(|after_ms| Op::Kill { after_ms }),
    ]
}

/// A document as the oracle and the index both describe it: its file (absolute), what it
/// says (the marker word), and for a record its id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Doc {
    source: String,
    marker: String,
    record_id: Option<String>,
}

/// What the model knows: the paths the index follows (absolute, in order), and the documents
/// of its last commit.
#[derive(Debug, Clone, Default)]
struct Model {
    followed: Option<Vec<PathBuf>>,
    docs: BTreeSet<Doc>,
}

/// What the sequences did, for the figures.
#[derive(Debug, Default)]
struct Counts {
    steps: u64,
    runs: u64,
    failed_runs: u64,
    kills: u64,
}

/// The fields of a hit this test reads (it may run an older reel through `REEL_BIN`, whose
/// hits lack `path`).
#[derive(serde::Deserialize)]
struct Hit {
    doc_id: String,
    text: String,
    source: String,
    #[serde(default)]
    path: String,
}

struct World {
    /// The scratch folder (kept until the world is dropped).
    _env: Env,
    root: PathBuf,
    model: Model,
    next_marker: u64,
    counts: Counts,
}

/// The reel under test: `REEL_BIN` (another build, to measure it), else this one.
fn reel_bin() -> PathBuf {
    std::env::var_os("REEL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| assert_cmd::cargo::cargo_bin("reel"))
}

impl World {
    fn new() -> World {
        let env = Env::empty();
        let root = env.dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("elsewhere")).unwrap();
        World {
            _env: env,
            root,
            model: Model::default(),
            next_marker: 0,
            counts: Counts::default(),
        }
    }

    fn marker(&mut self) -> String {
        self.next_marker += 1;
        format!("marker{}", self.next_marker)
    }

    /// Every file of the scratch corpus (not the index, not the links), sorted.
    fn files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                let p = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                let t = e.file_type().unwrap();
                if t.is_symlink() || name == "index" || name == "elsewhere" {
                    continue;
                }
                if t.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }

    fn write(&mut self, rel: &str, text: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// The path of folder `f` as spelled from `cwd`.
    fn spell(&self, f: usize, s: Spelling, cwd: &str) -> String {
        let rel = FOLDERS[f];
        let from_cwd = if cwd == "." {
            rel.to_string()
        } else {
            format!("../{rel}")
        };
        match s {
            Spelling::Relative => from_cwd,
            Spelling::DotSlash => format!("./{from_cwd}/"),
            Spelling::Absolute => self.root.join(rel).display().to_string(),
            Spelling::Link => {
                let link = self.root.join(format!("lnk-{}", rel.replace('/', "-")));
                if std::fs::symlink_metadata(&link).is_err() {
                    std::os::unix::fs::symlink(self.root.join(rel), &link).unwrap();
                }
                link.display().to_string()
            }
        }
    }

    fn command(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(reel_bin());
        cmd.env_clear();
        cmd
    }

    fn reel(&mut self, cwd: &str, index: IndexSpelling) -> assert_cmd::Command {
        self.counts.runs += 1;
        let mut cmd = self.command();
        cmd.current_dir(self.root.join(cwd));
        let abs = self.root.join("index");
        match index {
            IndexSpelling::Absolute => {
                cmd.arg("index").arg("--index").arg(&abs);
            }
            IndexSpelling::Relative => {
                let rel = if cwd == "." {
                    "index".to_string()
                } else {
                    "../index".to_string()
                };
                cmd.arg("index").arg("--index").arg(rel);
            }
            IndexSpelling::Env => {
                cmd.env("REEL_INDEX", &abs).arg("index");
            }
        }
        cmd
    }

    /// The documents of the index now.
    fn actual(&self) -> Result<BTreeSet<Doc>, TestCaseError> {
        if !self.root.join("index/meta.json").exists() {
            return Ok(BTreeSet::new());
        }
        let out = self
            .command()
            .current_dir(&self.root)
            .args(["search", "*", "--json", "-n", "100000", "--index", "index"])
            .output()
            .unwrap();
        if code(&out) > 1 {
            return Err(TestCaseError::fail(format!(
                "search failed: {}",
                stderr(&out)
            )));
        }
        let hits: Vec<Hit> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut by_doc: BTreeMap<(String, String), Vec<&Hit>> = BTreeMap::new();
        for h in &hits {
            // An older reel gives the source as given, relative to where it ran.
            let path = if h.path.is_empty() {
                let p = self.root.join(&h.source);
                p.canonicalize().unwrap_or(p).display().to_string()
            } else {
                h.path.clone()
            };
            by_doc.entry((h.doc_id.clone(), path)).or_default().push(h);
        }
        let mut docs = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for ((id, path), passages) in by_doc {
            if !ids.insert(id.clone()) {
                return Err(TestCaseError::fail(format!(
                    "two documents share the id {id}"
                )));
            }
            let text: String = passages.iter().map(|h| h.text.as_str()).collect();
            let marker = text
                .split(|c: char| !c.is_alphanumeric())
                .find(|w| w.starts_with("marker"))
                .unwrap_or("")
                .to_string();
            let record = path.ends_with(".jsonl");
            docs.insert(Doc {
                source: path,
                marker,
                record_id: record.then_some(id),
            });
        }
        Ok(docs)
    }

    /// What the index should hold once a run following `followed` succeeds.
    fn expected(&self, followed: &[PathBuf]) -> BTreeSet<Doc> {
        let missing: Vec<usize> = (0..followed.len())
            .filter(|&i| !followed[i].exists())
            .collect();
        // (rank key, doc) for every document, before duplicate ids are settled.
        let mut all: Vec<((usize, PathBuf, u64), Doc)> = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, root) in followed.iter().enumerate() {
            if missing.contains(&i) {
                continue;
            }
            let mut files = Vec::new();
            walk(root, &mut files);
            files.sort_by(|a, b| a.components().cmp(b.components()));
            for f in files {
                if !seen.insert(f.clone()) {
                    continue;
                }
                let rel = f.strip_prefix(root).unwrap().to_path_buf();
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                let source = f.display().to_string();
                if source.ends_with(".jsonl") {
                    for (n, line) in text.lines().enumerate() {
                        let v: serde_json::Value = serde_json::from_str(line).unwrap();
                        all.push((
                            (i, rel.clone(), n as u64),
                            Doc {
                                source: source.clone(),
                                marker: v["text"].as_str().unwrap().to_string(),
                                record_id: Some(v["id"].as_str().unwrap().to_string()),
                            },
                        ));
                    }
                } else if !text.trim().is_empty() {
                    let marker = text
                        .split(|c: char| !c.is_alphanumeric())
                        .find(|w| w.starts_with("marker"))
                        .unwrap_or("")
                        .to_string();
                    all.push((
                        (i, rel, 0),
                        Doc {
                            source,
                            marker,
                            record_id: None,
                        },
                    ));
                }
            }
        }
        // Documents of followed paths that are gone stay, ranked where their path is.
        for d in &self.model.docs {
            let p = Path::new(&d.source);
            if let Some(&i) = missing.iter().find(|&&i| p.starts_with(&followed[i])) {
                let rel = p.strip_prefix(&followed[i]).unwrap().to_path_buf();
                all.push(((i, rel, record_number(d)), d.clone()));
            }
        }
        all.sort();
        let mut out = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (_, d) in all {
            match &d.record_id {
                Some(id) if !ids.insert(id.clone()) => {}
                _ => {
                    out.insert(d);
                }
            }
        }
        out
    }

    /// The followed paths after a run with these paths (absolute; `None`: the path does not
    /// resolve, the run fails).
    fn resolve(&self, spelled: &[String], cwd: &str) -> Option<Vec<PathBuf>> {
        spelled
            .iter()
            .map(|s| self.root.join(cwd).join(s).canonicalize().ok())
            .collect()
    }

    /// Runs one step and checks the index after it.
    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        self.counts.steps += 1;
        match op {
            Op::Text { folder, name } => {
                let m = self.marker();
                let rel = format!("{}/{}", FOLDERS[*folder], TEXT_NAMES[*name]);
                self.write(
                    &rel,
                    &format!("Title {m}\n\nA review that says {m} once.\n"),
                );
                Ok(())
            }
            Op::Records { folder, name, ids } => {
                let mut text = String::new();
                // At most one row repeats an earlier row's id: with two, the column names
                // something else and rows are keyed by their number (tests/catalogues.rs).
                let mut seen = BTreeSet::new();
                let mut repeats = 0;
                for id in ids {
                    if !seen.insert(*id) {
                        repeats += 1;
                        if repeats > 1 {
                            continue;
                        }
                    }
                    let m = self.marker();
                    text.push_str(&format!(
                        "{{\"id\":\"r{id}\",\"title\":\"T {m}\",\"text\":\"{m}\"}}\n"
                    ));
                }
                let rel = format!("{}/{}", FOLDERS[*folder], RECORD_NAMES[*name]);
                self.write(&rel, &text);
                Ok(())
            }
            Op::Delete { n } => {
                let files = self.files();
                if !files.is_empty() {
                    std::fs::remove_file(&files[n % files.len()]).unwrap();
                }
                Ok(())
            }
            Op::RenameFile { n, to } => {
                let files = self.files();
                if files.is_empty() {
                    return Ok(());
                }
                let from = &files[n % files.len()];
                let names: Vec<&str> = TEXT_NAMES
                    .iter()
                    .chain(RECORD_NAMES.iter())
                    .copied()
                    .collect();
                let target = from.with_file_name(names[to % names.len()]);
                let same_kind = from.extension() == target.extension()
                    || (from.extension().is_some_and(|e| e != "jsonl")
                        && target.extension().is_some_and(|e| e != "jsonl"));
                if !target.exists() && same_kind {
                    std::fs::rename(from, target).unwrap();
                }
                Ok(())
            }
            Op::RenameFolder { from, to } => {
                let (a, b) = (self.root.join(FOLDERS[*from]), self.root.join(FOLDERS[*to]));
                if a.is_dir() && !b.exists() {
                    std::fs::rename(a, b).unwrap();
                }
                Ok(())
            }
            Op::Index { paths, cwd, index } => {
                let cwd = CWDS[*cwd];
                if !self.root.join(cwd).is_dir() {
                    return Ok(());
                }
                let spelled: Vec<String> =
                    paths.iter().map(|(f, s)| self.spell(*f, *s, cwd)).collect();
                let mut cmd = self.reel(cwd, *index);
                cmd.args(&spelled);
                let out = cmd.output().unwrap();
                let resolved = self.resolve(&spelled, cwd);
                let followed = resolved.and_then(|given| {
                    let mut f = match &self.model.followed {
                        Some(f) => f.clone(),
                        None if given.is_empty() => {
                            vec![self.root.join(cwd).join("corpus").canonicalize().ok()?]
                        }
                        None => Vec::new(),
                    };
                    for g in given {
                        if !f.contains(&g) {
                            f.push(g);
                        }
                    }
                    Some(f)
                });
                self.after_run(&out, followed, false)
            }
            Op::Forget { folder, spelling } => {
                let spelled = self.spell(*folder, *spelling, ".");
                let out = self
                    .reel(".", IndexSpelling::Relative)
                    .args(["--forget", &spelled])
                    .output()
                    .unwrap();
                let target = self.root.join(&spelled);
                let target = target.canonicalize().unwrap_or_else(|_| {
                    // A folder that has gone: as written.
                    self.root.join(FOLDERS[*folder])
                });
                let followed = self.model.followed.clone().map(|mut f| {
                    f.retain(|p| *p != target);
                    f
                });
                self.after_run(&out, followed, false)
            }
            Op::Rebuild { paths } => {
                let spelled: Vec<String> =
                    paths.iter().map(|(f, s)| self.spell(*f, *s, ".")).collect();
                let out = self
                    .reel(".", IndexSpelling::Relative)
                    .arg("--rebuild")
                    .args(&spelled)
                    .output()
                    .unwrap();
                let followed = match self.resolve(&spelled, ".") {
                    Some(given) if !given.is_empty() => {
                        let mut f: Vec<PathBuf> = Vec::new();
                        for g in given {
                            if !f.contains(&g) {
                                f.push(g);
                            }
                        }
                        Some(f)
                    }
                    Some(_) => match &self.model.followed {
                        Some(f) => Some(f.clone()),
                        None => self
                            .root
                            .join("corpus")
                            .canonicalize()
                            .ok()
                            .map(|c| vec![c]),
                    },
                    None => None,
                };
                self.after_run(&out, followed, true)
            }
            Op::Kill { after_ms } => {
                if self.model.followed.is_none() {
                    return Ok(());
                }
                let before = self.model.docs.clone();
                self.counts.kills += 1;
                let mut child = std::process::Command::new(reel_bin())
                    .current_dir(&self.root)
                    .env_clear()
                    .arg("index")
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                std::thread::sleep(Duration::from_millis(*after_ms));
                let _ = child.kill();
                let _ = child.wait();
                let now = self.actual()?;
                let followed = self.model.followed.clone().unwrap_or_default();
                let after = self.expected(&followed);
                if now != before && now != after {
                    return Err(TestCaseError::fail(format!(
                        "a killed run left neither the last commit nor the next:\n{}",
                        diff(&after, &now)
                    )));
                }
                self.model.docs = now;
                Ok(())
            }
        }
    }

    /// Checks the index after a run: on success it holds what the files give; on failure it
    /// is as it was.
    fn after_run(
        &mut self,
        out: &std::process::Output,
        followed: Option<Vec<PathBuf>>,
        rebuild: bool,
    ) -> Result<(), TestCaseError> {
        let now = self.actual()?;
        if code(out) != 0 {
            self.counts.failed_runs += 1;
        }
        match code(out) {
            0 => {
                let Some(followed) = followed else {
                    return Err(TestCaseError::fail(format!(
                        "a run given a path that does not resolve succeeded: {}",
                        stderr(out)
                    )));
                };
                let want = self.expected(&followed);
                if now != want {
                    return Err(TestCaseError::fail(format!(
                        "after a run that succeeded ({}):\n{}",
                        stderr(out).trim_end(),
                        diff(&want, &now)
                    )));
                }
                self.model = Model {
                    followed: Some(followed),
                    docs: now,
                };
                Ok(())
            }
            2 => {
                if now != self.model.docs {
                    return Err(TestCaseError::fail(format!(
                        "a run that failed changed the index ({}):\n{}",
                        stderr(out).trim_end(),
                        diff(&self.model.docs, &now)
                    )));
                }
                // It must have had a reason.
                let reason = match &followed {
                    None => true,
                    Some(f) if f.is_empty() => true,
                    Some(f) => {
                        let want = self.expected(f);
                        let missing = f.iter().any(|p| !p.exists());
                        (want.is_empty() && (self.model.followed.is_none() || rebuild))
                            || (missing && (rebuild || self.model.followed.is_none()))
                    }
                };
                if reason {
                    Ok(())
                } else {
                    Err(TestCaseError::fail(format!(
                        "a run failed that should not have: {}",
                        stderr(out)
                    )))
                }
            }
            other => Err(TestCaseError::fail(format!(
                "exit {other}: {}",
                stderr(out)
            ))),
        }
    }

    /// At the end: verify and the audit against the files agree.
    fn finish(&self) -> Result<(), TestCaseError> {
        if !self.root.join("index/meta.json").exists() {
            return Ok(());
        }
        if std::env::var_os("REEL_BIN").is_some() {
            return Ok(()); // an older reel has no --sources
        }
        let out = self
            .command()
            .current_dir(&self.root)
            .args(["verify", "--sources"])
            .output()
            .unwrap();
        // The files may have changed since the last run: an update first.
        if code(&out) != 0 {
            let again = self
                .command()
                .current_dir(&self.root)
                .arg("index")
                .output()
                .unwrap();
            if code(&again) == 0 {
                let out = self
                    .command()
                    .current_dir(&self.root)
                    .args(["verify", "--sources"])
                    .output()
                    .unwrap();
                if code(&out) != 0 {
                    return Err(TestCaseError::fail(format!(
                        "verify --sources after an update: {}{}",
                        stdout(&out),
                        stderr(&out)
                    )));
                }
            }
        }
        Ok(())
    }
}

fn record_number(_d: &Doc) -> u64 {
    // Records of one file keep their order through the marker numbers, which grow in file
    // order when the file is written.
    _d.marker.trim_start_matches("marker").parse().unwrap_or(0)
}

/// The files reel reads under a folder or file, as reel walks: no hidden entries, no links
/// inside folders, only the formats of the scratch corpus.
fn walk(root: &Path, out: &mut Vec<PathBuf>) {
    if root.is_file() {
        out.push(root.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let t = e.file_type().unwrap();
        if name.starts_with('.') || t.is_symlink() || name == "index" {
            continue;
        }
        if t.is_dir() {
            walk(&e.path(), out);
        } else if [".txt", ".md", ".jsonl"].iter().any(|x| name.ends_with(x)) {
            out.push(e.path());
        }
    }
}

fn diff(want: &BTreeSet<Doc>, got: &BTreeSet<Doc>) -> String {
    let mut s = String::new();
    for d in want.difference(got) {
        s.push_str(&format!("  missing {d:?}\n"));
    }
    for d in got.difference(want) {
        s.push_str(&format!("  extra   {d:?}\n"));
    }
    s
}

#[test]
fn random_lifecycles_keep_every_document_of_what_is_followed() {
    let cases: u32 = std::env::var("REEL_SEQUENCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = prop::collection::vec(op(), 1..14);
    let total = std::sync::Mutex::new(Counts::default());
    let one = |ops: Vec<Op>| -> Result<(), TestCaseError> {
        let mut world = World::new();
        // Every sequence starts from a corpus of three folders: two festivals that share a
        // file name and a record id.
        let prologue = [
            Op::Text { folder: 0, name: 0 },
            Op::Records {
                folder: 1,
                name: 0,
                ids: vec![0, 1],
            },
            Op::Text { folder: 2, name: 0 },
            Op::Records {
                folder: 2,
                name: 0,
                ids: vec![1, 2],
            },
        ];
        let outcome = prologue
            .iter()
            .chain(ops.iter())
            .try_for_each(|op| world.step(op))
            .and_then(|()| world.finish());
        let mut t = total.lock().unwrap();
        t.steps += world.counts.steps;
        t.runs += world.counts.runs;
        t.failed_runs += world.counts.failed_runs;
        t.kills += world.counts.kills;
        outcome
    };
    // `REEL_SEQUENCES_TALLY`: run every sequence without stopping at the first that fails
    // (nor shrinking it), and count those that fail: for measuring a reel that does not hold
    // the invariant (`REEL_BIN`).
    if std::env::var_os("REEL_SEQUENCES_TALLY").is_some() {
        use proptest::strategy::ValueTree;
        let mut failed = 0;
        let mut first = None;
        for _ in 0..cases {
            let ops = strategy.new_tree(&mut runner).unwrap().current();
            if let Err(e) = one(ops) {
                failed += 1;
                first.get_or_insert(e.to_string());
            }
        }
        let t = total.lock().unwrap();
        eprintln!(
            "tally: {failed} of {cases} sequences broke the invariant; steps: {}, reel index \
             runs: {} ({} exit 2), kills: {}\nfirst: {}",
            t.steps,
            t.runs,
            t.failed_runs,
            t.kills,
            first.unwrap_or_default()
        );
        assert_eq!(failed, 0);
        return;
    }
    let result = runner.run(&strategy, one);
    use std::io::Write;
    let t = total.lock().unwrap();
    let _ =
        writeln!(
        std::io::stderr(),
        "sequences: {cases} (and shrinking), steps: {}, reel index runs: {} ({} exit 2), kills: {}",
        t.steps, t.runs, t.failed_runs, t.kills
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
