//! File ids: what a file's documents are named by (a text file's document id, the `<file
//! id>:<row>` of a record without an id column).
//!
//! A file's **natural id** is its path relative to the root it was found under, without its
//! extensions (`reviews/2019/film.md` under `reviews` is `2019/film`; a file given by itself is
//! its name, `film`). Two files never share an id because they share a name: the first file in
//! reading order keeps its natural id, and a later one whose natural id is taken gets the first
//! of these that is free:
//!
//! 1. taken by a file under the same root (`a.txt` and `a.md`): its path with its extensions
//!    (`a.md`); then its root's name in front (`corpus/a.md`);
//! 2. taken by a file under another root (two festivals' `opening.txt`): its root's name in
//!    front (`festival-2020/opening`); then with its extensions (`festival-2020/opening.txt`);
//! 3. its absolute path, which no other file has.
//!
//! Text files and record files (CSV, JSON) are named apart: a text file's id is its document's
//! id, a record file's only the start of its rows' ids (`films:3`), so `films.txt` and
//! `films.csv` never take an id from each other.
//!
//! Ids that must stay as they are (the files of a followed folder that is gone for now keep
//! their documents, and so their ids) are [`Taken`] before any file is named. So ids follow
//! from the files alone and reading order: the same files always give the same ids, and a file
//! keeps its id until one that comes before it takes it.

use std::collections::HashMap;
use std::path::{Component, Path};

use super::{Compression, InputFile};

/// Ids already taken, with the root (by position) each belongs to, for text files and for
/// record files apart.
#[derive(Debug, Default, Clone)]
pub struct Taken {
    ids: HashMap<(bool, String), usize>,
}

impl Taken {
    /// Takes `id` for the file `source` (its kind is known by its name) under the root at
    /// position `root`.
    pub fn insert(&mut self, source: &str, id: String, root: usize) {
        let records = super::Format::of(Path::new(source)).is_some_and(|(f, _)| f.is_records());
        self.ids.entry((records, id)).or_insert(root);
    }

    /// The root that holds `id` among files of the kind of `file`, if it is taken.
    fn holder(&self, file: &InputFile, id: &str) -> Option<usize> {
        self.ids
            .get(&(file.format.is_records(), id.to_string()))
            .copied()
    }
}

/// The file's natural id: its path relative to its root, without its extensions (format and
/// compression), with `/` separators.
pub fn natural(file: &InputFile) -> String {
    let mut rel = file.rel.with_extension("");
    if file.compression != Compression::None {
        rel = rel.with_extension("");
    }
    joined(&rel)
}

/// Gives each file, in reading order, the first free id of its candidates (see the module
/// documentation).
pub fn assign(files: &mut [InputFile], taken: &Taken) {
    let mut taken = taken.clone();
    for file in files.iter_mut() {
        let natural = natural(file);
        let id = match taken.holder(file, &natural) {
            None => natural,
            Some(holder) => candidates(file, &natural, holder == file.root)
                .into_iter()
                .find(|c| taken.holder(file, c).is_none())
                .unwrap_or_else(|| joined(Path::new(&file.source))),
        };
        let source = file.source.clone();
        taken.insert(&source, id.clone(), file.root);
        file.id = id;
    }
}

/// The ids to try, in order, for a file whose natural id is taken (by a file under its own
/// root, or another).
fn candidates(file: &InputFile, natural: &str, same_root: bool) -> Vec<String> {
    let with_ext = joined(&file.rel);
    let root_name = root_name(file);
    let prefixed = |id: &str| match &root_name {
        Some(r) => format!("{r}/{id}"),
        None => id.to_string(),
    };
    let mut out = if same_root {
        vec![with_ext.clone(), prefixed(&with_ext)]
    } else {
        vec![prefixed(natural), prefixed(&with_ext)]
    };
    out.push(joined(Path::new(&file.source)));
    out.retain(|c| c != natural);
    out
}

/// The name of the folder a file's root is (for a root that is a file, its folder's name).
fn root_name(file: &InputFile) -> Option<String> {
    let source = Path::new(&file.source);
    let mut root = source;
    for _ in file.rel.components() {
        root = root.parent()?;
    }
    root.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
}

/// Path components joined with `/`, without a leading one.
fn joined(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(abs: &str, root: usize, root_path: &str) -> InputFile {
        InputFile::new(Path::new(abs), root, Path::new(root_path), None).unwrap()
    }

    fn ids(files: &mut [InputFile], taken: &Taken) -> Vec<String> {
        assign(files, taken);
        files.iter().map(|f| f.id.clone()).collect()
    }

    #[test]
    fn a_file_is_named_by_its_path_below_its_root() {
        let mut files = vec![
            file("/c/reviews/2019/film.md", 0, "/c/reviews"),
            file("/c/reviews/a.jsonl.zst", 0, "/c/reviews"),
            file("/x/one.txt", 1, "/x/one.txt"),
        ];
        assert_eq!(
            ids(&mut files, &Taken::default()),
            ["2019/film", "a", "one"]
        );
        assert_eq!(files[2].rel, PathBuf::from("one.txt"));
    }

    #[test]
    fn two_files_never_share_an_id_because_they_share_a_name() {
        // Two festivals' opening.txt, and a.txt beside a.md.
        let mut files = vec![
            file("/f/festival-2019/opening.txt", 0, "/f/festival-2019"),
            file("/f/festival-2019/a.txt", 0, "/f/festival-2019"),
            file("/f/festival-2019/a.md", 0, "/f/festival-2019"),
            file("/f/festival-2020/opening.txt", 1, "/f/festival-2020"),
            file("/g/festival-2020/opening.txt", 2, "/g/festival-2020"),
        ];
        assert_eq!(
            ids(&mut files, &Taken::default()),
            [
                "opening",
                "a",
                "a.md",
                "festival-2020/opening",
                "festival-2020/opening.txt"
            ]
        );
    }

    #[test]
    fn text_files_and_record_files_are_named_apart() {
        let mut files = vec![
            file("/c/films.csv", 0, "/c"),
            file("/c/films.txt", 0, "/c"),
            file("/c/films.jsonl", 0, "/c"),
        ];
        assert_eq!(
            ids(&mut files, &Taken::default()),
            ["films", "films", "films.jsonl"]
        );
    }

    #[test]
    fn ids_that_must_stay_are_never_given_again() {
        let mut taken = Taken::default();
        taken.insert("/f/old/opening.txt", "opening".into(), 0);
        let mut files = vec![file("/f/new/opening.txt", 1, "/f/new")];
        assert_eq!(ids(&mut files, &taken), ["new/opening"]);
        // Every candidate taken: the absolute path.
        taken.insert("/f/x.txt", "new/opening".into(), 0);
        taken.insert("/f/y.txt", "new/opening.txt".into(), 0);
        let mut files = vec![file("/f/new/opening.txt", 1, "/f/new")];
        assert_eq!(ids(&mut files, &taken), ["f/new/opening.txt"]);
    }
}
