//! Paths as the index keeps them and as people read them.
//!
//! The index keeps every path it follows, and every source file, **absolute and resolved**
//! (symbolic links, `.` and `..` taken out), so a path means the same thing whatever folder reel
//! runs in, and one folder spelled two ways (`corpus`, `./corpus/`, `/home/me/corpus`, a link to
//! it) is one path. Messages and hits show a path relative to the current folder when it lies
//! below it, else absolute, as ripgrep and fd print paths. A leaf: it imports nothing of reel.

use std::path::{Component, Path, PathBuf};

/// The current folder, resolved (`None` when it cannot be read, for example when it was
/// removed under the process).
pub fn current_dir() -> Option<PathBuf> {
    std::env::current_dir()
        .ok()
        .map(|d| d.canonicalize().unwrap_or(d))
}

/// `path` made absolute against `cwd` and resolved: symbolic links followed, `.` and `..` taken
/// out. Fails (as the file system says) when the path does not exist or cannot be followed
/// (a dangling link).
pub fn resolve(path: &Path, cwd: &Path) -> std::io::Result<PathBuf> {
    cwd.join(path).canonicalize()
}

/// `path` made absolute against `cwd` without needing it to exist (a followed folder that has
/// gone, for `--forget`): its longest existing ancestor resolved, the rest taken as written
/// with `.` and `..` applied.
pub fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let joined = lexical(&cwd.join(path));
    if let Ok(p) = joined.canonicalize() {
        return p;
    }
    // A link whose target has gone names that target.
    if let Ok(target) = std::fs::read_link(&joined) {
        let base = joined.parent().unwrap_or(cwd);
        if target != joined {
            return absolute(&base.join(target), base);
        }
    }
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    let mut base = joined.as_path();
    while let Some(parent) = base.parent() {
        if let Some(name) = base.file_name() {
            rest.push(name);
        }
        base = parent;
        if let Ok(resolved) = base.canonicalize() {
            let mut out = resolved;
            for name in rest.iter().rev() {
                out.push(name);
            }
            return out;
        }
    }
    joined
}

/// `.` and `..` applied to an absolute path as written (no file system access).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// How a path is shown: relative to `cwd` when it lies below it (`corpus/a.txt`; `.` for the
/// folder itself), else as it is.
pub fn shown(path: &Path, cwd: Option<&Path>) -> PathBuf {
    match cwd.and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Some(rel) => rel.to_path_buf(),
        None => path.to_path_buf(),
    }
}

/// [`shown`] for a path kept as text (a document's source).
pub fn shown_str(path: &str, cwd: Option<&Path>) -> String {
    if !path.starts_with('/') {
        return path.to_string();
    }
    shown(Path::new(path), cwd).display().to_string()
}

/// True if `path` is `root` or lies below it (by whole components: `corpus2` is not below
/// `corpus`).
pub fn is_under(path: &Path, root: &Path) -> bool {
    path.starts_with(root)
}

/// A path as text, the form sources are kept in (a name that is not UTF-8 shows replacement
/// characters, as everywhere reel prints it).
pub fn text(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_folder_spelled_several_ways_is_one_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("corpus/sub")).unwrap();
        std::os::unix::fs::symlink(root.join("corpus"), root.join("link")).unwrap();
        let want = root.join("corpus");
        for spelled in ["corpus", "./corpus/", "corpus/sub/..", "link", "./link/"] {
            assert_eq!(
                resolve(Path::new(spelled), &root).unwrap(),
                want,
                "{spelled}"
            );
        }
        assert_eq!(resolve(&want, Path::new("/")).unwrap(), want);
        assert!(resolve(Path::new("missing"), &root).is_err());
    }

    #[test]
    fn a_path_that_has_gone_is_still_made_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("a")).unwrap();
        assert_eq!(
            absolute(Path::new("a/gone/x"), &root),
            root.join("a/gone/x")
        );
        assert_eq!(absolute(Path::new("./gone/../a"), &root), root.join("a"));
        assert_eq!(absolute(Path::new("gone/"), &root), root.join("gone"));
        // A link to a folder that has gone names the folder.
        std::os::unix::fs::symlink(root.join("moved"), root.join("link")).unwrap();
        assert_eq!(absolute(Path::new("link"), &root), root.join("moved"));
    }

    #[test]
    fn paths_below_the_current_folder_are_shown_relative() {
        let cwd = Path::new("/home/me/work");
        assert_eq!(
            shown(Path::new("/home/me/work/corpus/a.txt"), Some(cwd)),
            Path::new("corpus/a.txt")
        );
        assert_eq!(shown(Path::new("/home/me/work"), Some(cwd)), Path::new("."));
        assert_eq!(
            shown(Path::new("/home/me/workshop/a.txt"), Some(cwd)),
            Path::new("/home/me/workshop/a.txt")
        );
        assert_eq!(
            shown(Path::new("/srv/a.txt"), None),
            Path::new("/srv/a.txt")
        );
        assert_eq!(shown_str("<stdin>", Some(cwd)), "<stdin>");
        assert!(is_under(Path::new("/a/b/c"), Path::new("/a/b")));
        assert!(!is_under(Path::new("/a/bc"), Path::new("/a/b")));
    }
}
