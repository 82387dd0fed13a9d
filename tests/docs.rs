//! The README's quick start and the guide's examples, run as a user would type them, on the
//! shipped corpus: every command exits 0 and prints something, and the README's sample output
//! is what reel prints.

mod common;

use common::{code, repo_path, stderr, stdout, Env};

/// The lines of `doc` inside fenced blocks of kind `fence` (`sh`, `console`) after the heading
/// `section` (up to the next heading of its level or above).
fn blocks(doc: &str, section: &str, fence: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_path(doc)).unwrap();
    let level = section.chars().take_while(|&c| c == '#').count();
    let mut inside_section = false;
    let mut inside_block = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if !inside_block && line.starts_with('#') {
            let l = line.chars().take_while(|&c| c == '#').count();
            if line == section {
                inside_section = true;
                continue;
            }
            if l <= level {
                inside_section = false;
            }
        }
        if !inside_section {
            continue;
        }
        if line.starts_with("```") {
            inside_block = !inside_block && line == format!("```{fence}");
            continue;
        }
        if inside_block {
            out.push(line.to_string());
        }
    }
    assert!(
        !out.is_empty(),
        "{doc}: no ```{fence} block under {section}"
    );
    out
}

/// The command of a documented line, without its `# comment`.
fn command(line: &str) -> &str {
    line.split("  #").next().unwrap().trim()
}

#[test]
fn the_readme_sample_and_first_searches_run_as_shown() {
    let env = Env::with_seed();
    // The sample at the top: `$ reel ...` lines, each followed by what it prints.
    let sample = blocks("README.md", "# reel", "console");
    let mut runs: Vec<(String, Vec<String>)> = Vec::new();
    for line in sample {
        match line.strip_prefix("$ ") {
            Some(cmd) => runs.push((cmd.to_string(), Vec::new())),
            None => runs.last_mut().unwrap().1.push(line),
        }
    }
    assert!(runs.len() >= 2);
    for (cmd, shown) in &runs {
        let out = env.shell(cmd);
        assert_eq!(code(&out), 0, "{cmd}: {}", stderr(&out));
        if cmd.starts_with("reel search") {
            // Hits go to stdout exactly as shown.
            assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), *shown, "{cmd}");
        } else {
            // The summary's figures but for the time taken.
            let said = stderr(&out);
            for want in shown {
                let want = want.split(" in 0.").next().unwrap();
                assert!(said.contains(want), "{cmd}: {want:?} not in {said}");
            }
        }
    }
    for line in blocks("README.md", "## Five searches to start with", "sh") {
        let cmd = command(&line);
        let out = env.shell(cmd);
        assert_eq!(code(&out), 0, "{cmd}: {}", stderr(&out));
        assert!(!stdout(&out).trim().is_empty(), "{cmd}");
    }
}

#[test]
fn the_guide_examples_run() {
    let env = Env::with_seed();
    let lines = blocks("GUIDE.md", "## Examples", "sh");
    assert!(lines.len() >= 5);
    for line in &lines {
        let cmd = command(line);
        let out = env.shell(cmd);
        assert_eq!(code(&out), 0, "{cmd}: {}", stderr(&out));
        let printed = stdout(&out) + &stderr(&out);
        assert!(!printed.trim().is_empty(), "{cmd} printed nothing");
    }
}
