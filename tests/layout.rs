//! The `# Layout` section of `src/lib.rs` says which module may use which; this test reads the
//! sources and fails when a module uses one the table does not allow, so the map stays true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    table_in("src/lib.rs")
}

/// Every `crate::X` a module's files mention.
fn used(module: &str) -> BTreeSet<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let single = src.join(format!("{module}.rs"));
    if single.is_file() {
        files.push(single);
    }
    let folder = src.join(module);
    if folder.is_dir() {
        let mut stack = vec![folder];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for part in text.split("crate::").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module && name != "Error" && name != "Result" {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn modules_use_only_what_the_layout_allows() {
    let table = allowed();
    assert!(table.len() >= 14, "the table was not found: {table:?}");
    let mut wrong = Vec::new();
    for (module, allowed) in &table {
        for u in used(module) {
            if !allowed.contains(&u) {
                wrong.push(format!("{module} uses {u}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "not in the # Layout table of src/lib.rs: {wrong:?}"
    );
}

#[test]
fn the_check_finds_a_use_the_table_forbids() {
    // `meta` is a leaf; `corpus` uses it. Were the table to say otherwise, the check would fail.
    assert!(allowed()["meta"].is_empty());
    assert!(used("corpus").contains("meta"));
    assert!(!allowed()["meta"].contains("corpus"));
}

/// The rows of a `| module | uses |` table in the doc comment of `file`.
fn table_in(file: &str) -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let mut table = BTreeMap::new();
    for line in text.lines() {
        let Some(row) = line.strip_prefix("//! | `") else {
            continue;
        };
        let row = row.trim_end().trim_end_matches('|').trim_end();
        let cells: Vec<&str> = row.split(" | ").collect();
        if cells.len() < 2 {
            continue;
        }
        let uses: BTreeSet<String> = cells[1]
            .split(',')
            .map(|c| c.trim().trim_matches('`').to_string())
            .filter(|c| !c.is_empty() && !c.starts_with("nothing"))
            .collect();
        for module in cells[0].split(',') {
            table.insert(module.trim().trim_matches('`').to_string(), uses.clone());
        }
    }
    table
}

/// The parts of `src/searcher/` each part's code uses (`super::x`, `super::super::x`,
/// `crate::searcher::x`, resolved from the file's place), doc comments left out.
fn searcher_uses() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/searcher");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            // The module path of the file below searcher/: `rank/collect.rs` is [rank, collect].
            let rel = p.strip_prefix(&root).unwrap().with_extension("");
            let mut place: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if place.last().is_some_and(|l| l == "mod") {
                place.pop();
            }
            let Some(part) = place.first().cloned() else {
                continue;
            };
            let text = std::fs::read_to_string(&p).unwrap();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (i, _) in line.match_indices("super::") {
                    if line[..i].ends_with("super::") {
                        continue;
                    }
                    let mut rest = &line[i..];
                    let mut up = 0;
                    while let Some(r) = rest.strip_prefix("super::") {
                        up += 1;
                        rest = r;
                    }
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if up > place.len() {
                        continue;
                    }
                    let base = &place[..place.len() - up];
                    let target = base.first().cloned().unwrap_or(name);
                    if target != part && !target.is_empty() {
                        out.entry(part.clone()).or_default().insert(target);
                    }
                }
                for part_used in line.split("crate::searcher::").skip(1) {
                    let name: String = part_used
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != part {
                        out.entry(part.clone()).or_default().insert(name);
                    }
                }
            }
        }
    }
    out
}

#[test]
fn searcher_parts_use_only_what_its_table_allows() {
    let table = table_in("src/searcher/mod.rs");
    assert!(table.len() >= 8, "the table was not found: {table:?}");
    let mut wrong = Vec::new();
    for (part, uses) in searcher_uses() {
        let Some(allowed) = table.get(&part) else {
            wrong.push(format!("{part} is not in the table"));
            continue;
        };
        for u in uses {
            // What searcher/mod.rs re-exports is not a part.
            if table.contains_key(&u) && !allowed.contains(&u) {
                wrong.push(format!("{part} uses {u}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "not in the table of src/searcher/mod.rs: {wrong:?}"
    );
    // The check sees real uses: the general engine uses the plan's folder, and the plan's
    // folder would break the table were it to use the engine.
    let uses = searcher_uses();
    assert!(uses["general"].contains("query"));
    assert!(uses["query"].contains("rank"));
    assert!(!table["query"].contains("general"));
}

#[test]
fn neither_table_has_a_circle() {
    for file in ["src/lib.rs", "src/searcher/mod.rs"] {
        let table = table_in(file);
        // Depth-first: a module reached again while still on the path closes a circle.
        fn visit(
            m: &str,
            table: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if done.contains(m) {
                return None;
            }
            if let Some(at) = path.iter().position(|p| p == m) {
                return Some(path[at..].to_vec());
            }
            path.push(m.to_string());
            for u in table.get(m).into_iter().flatten() {
                if let Some(circle) = visit(u, table, path, done) {
                    return Some(circle);
                }
            }
            path.pop();
            done.insert(m.to_string());
            None
        }
        let mut done = BTreeSet::new();
        for m in table.keys() {
            let circle = visit(m, &table, &mut Vec::new(), &mut done);
            assert!(circle.is_none(), "{file}: a circle {circle:?}");
        }
    }
}
