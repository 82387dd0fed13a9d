//! The `# Layout` section of `src/lib.rs` says which module may use which; this test reads the
//! sources and fails when a module uses one the table does not allow, so the map stays true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut table = BTreeMap::new();
    for line in lib.lines() {
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
            let module = module.trim().trim_matches('`').to_string();
            table.insert(module, uses.clone());
        }
    }
    table
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
