//! Indexes built once and searched by many: on a read-only disk, by another user, and disks
//! that fill up. Each case checks the exact one-line message, the exit code, and that nothing in
//! the index changed (every file's name, mode and bytes compared before and after).
//!
//! Mounting a read-only bind mount or a small tmpfs, and running as another user, need root (CI
//! runs as root); elsewhere those tests print why they skip and check what they can.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{code, stderr, stdout, Env};

/// Every file of a folder: name -> (mode, length, a hash of the bytes).
fn snapshot(dir: &Path) -> BTreeMap<String, (u32, usize, u64)> {
    use std::hash::{Hash, Hasher};
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let mode = e.metadata().unwrap().permissions().mode() & 0o7777;
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            let mut h = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut h);
            let name = e.file_name().to_string_lossy().into_owned();
            (name, (mode, bytes.len(), h.finish()))
        })
        .collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A mount point that is unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    /// `mount ARGS... TARGET`; `None` (with the reason printed) where mounting is not allowed.
    fn new(args: &[&str], target: &Path) -> Option<Mount> {
        let out = Command::new("mount").args(args).arg(target).output().ok()?;
        if !out.status.success() {
            common::skip(
                "mount",
                &format!(
                    "cannot mount here ({}); CI runs this as root",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            );
            return None;
        }
        Some(Mount(target.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// The binary copied where any user may run it (the build folder may be private).
fn public_binary(env: &Env) -> PathBuf {
    let bin = env.path("bin/reel");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(assert_cmd::cargo::cargo_bin("reel"), &bin).unwrap();
    std::fs::set_permissions(env.path("bin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn run_in(env: &Env, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(env.dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin:/usr/sbin:/sbin")
        .output()
        .unwrap()
}

#[test]
fn an_index_on_a_read_only_disk_is_searched_and_never_changed() {
    if !is_root() {
        common::skip(
            "read-only disk",
            "a read-only bind mount needs root; CI runs this as root",
        );
        return;
    }
    let env = Env::with_seed();
    env.index();
    std::fs::create_dir_all(env.path("ro")).unwrap();
    let Some(_bind) = Mount::new(
        &["--bind", env.path("index").to_str().unwrap()],
        &env.path("ro"),
    ) else {
        return;
    };
    let Some(_ro) = Mount::new(&["-o", "remount,bind,ro"], &env.path("ro")) else {
        return;
    };
    let before = snapshot(&env.path("ro"));
    let (hits, out) = env.search("drug court", &["--index", "ro"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(hits[0].passage_id, 2);
    for args in [
        vec!["stats", "--index", "ro"],
        vec!["verify", "--index", "ro"],
        vec![
            "search",
            "--queries",
            "q.tsv",
            "--index",
            "ro",
            "--format",
            "trec",
        ],
    ] {
        env.write("q.tsv", "1\tdrug court\n");
        let out = env.run(&args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    }
    let out = env.run(&["index", "--index", "ro"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "reel: ro: read-only file system; searching works, but indexing needs a writable folder \
         (copy the index to one, or remount it writable)\n"
    );
    assert_eq!(
        snapshot(&env.path("ro")),
        before,
        "nothing in the index changed"
    );
}

#[test]
fn index_files_follow_the_umask_so_another_user_can_search() {
    let env = Env::with_seed();
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = public_binary(&env);
    let bin = bin.to_str().unwrap();
    let out = run_in(
        &env,
        "sh",
        &["-c", &format!("umask 022 && '{bin}' index -q")],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for entry in std::fs::read_dir(env.path("index")).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{:?} has mode {mode:o}", entry.file_name());
    }
    // An update rewrites the commit files: they keep the mode.
    env.write("corpus/more.txt", "More\n\nA review about wolves.\n");
    let out = run_in(
        &env,
        "sh",
        &["-c", &format!("umask 022 && '{bin}' index -q")],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for name in ["meta.json", ".managed.json"] {
        let mode = std::fs::metadata(env.path(&format!("index/{name}")))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o644, "{name}");
    }

    if !is_root() || Command::new("setpriv").arg("--version").output().is_err() {
        common::skip(
            "another user",
            "running as another user needs root and setpriv; CI runs this as root",
        );
        return;
    }
    let as_nobody = |args: &[&str]| {
        let mut all = vec!["--reuid=65534", "--regid=65534", "--clear-groups", bin];
        all.extend_from_slice(args);
        run_in(&env, "setpriv", &all)
    };
    let before = snapshot(&env.path("index"));
    let out = as_nobody(&["search", "drug court", "-n", "1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("Heroin(e)"));
    for cmd in [["stats"], ["verify"]] {
        let out = as_nobody(&cmd);
        assert_eq!(code(&out), 0, "{cmd:?}: {}", stderr(&out));
    }
    // Another user may not write it: a clear message, nothing changed.
    let out = as_nobody(&["index"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("reel: index: permission denied writing"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&env.path("index")), before);
    // A folder they may not read: permission denied, not "damaged" or "rebuild".
    std::fs::set_permissions(env.path("index"), std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = as_nobody(&["search", "drug"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "reel: index: permission denied reading (the index's files belong to another user or \
         group: give this user read access, for example `chmod -R a+rX` on the index folder)\n"
    );
    std::fs::set_permissions(env.path("index"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        env.path("index/meta.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let out = as_nobody(&["search", "drug"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.starts_with("reel: index/meta.json: permission denied reading"),
        "{err}"
    );
    assert!(
        !err.contains("damaged") && !err.contains("rebuild"),
        "{err}"
    );
}

#[test]
fn a_full_disk_leaves_the_last_commit_and_says_so() {
    if !is_root() {
        common::skip(
            "full disk",
            "a small tmpfs needs root; CI runs this as root",
        );
        return;
    }
    let env = Env::with_seed();
    std::fs::create_dir_all(env.path("small")).unwrap();
    let Some(_tmpfs) = Mount::new(
        &["-t", "tmpfs", "-o", "size=2m", "tmpfs"],
        &env.path("small"),
    ) else {
        return;
    };
    let out = env.run(&["index", "--index", "small/idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = snapshot(&env.path("small/idx"));
    // Far more than 2 MB of reviews, of words that do not compress away.
    let mut seed = 12345u64;
    let mut word = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        format!("w{:x}", seed >> 40)
    };
    let mut big = String::new();
    for i in 0..4000 {
        let text: Vec<String> = (0..150).map(|_| word()).collect();
        big.push_str(&format!(
            "{{\"id\": \"b{i}\", \"text\": \"{}\"}}\n",
            text.join(" ")
        ));
    }
    env.write("corpus/big.jsonl", &big);
    let out = env.run(&["index", "--index", "small/idx"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("reel: no space left on device writing small/idx"),
        "{err}"
    );
    assert!(
        err.contains("; the index is unchanged at its last commit"),
        "{err}"
    );
    assert!(
        !err.contains("An IO error") && !err.contains("rebuild"),
        "{err}"
    );
    // The last commit is searchable and verifiable, and nothing of the run is left.
    assert_eq!(snapshot(&env.path("small/idx")), before);
    let (hits, out) = env.search("drug court", &["--index", "small/idx"]);
    assert_eq!(code(&out), 0);
    assert_eq!(hits[0].passage_id, 2);
    let out = env.run(&["verify", "--index", "small/idx"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}
