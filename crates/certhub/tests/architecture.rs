//! ARCHITECTURE.md stays true to the workspace: the crates its table names are
//! exactly the crates under `crates/`.

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().and_then(Path::parent).expect("the workspace root")
}

/// Crate names in the first column of ARCHITECTURE.md's crate table (rows like "| `certhub-x` | …").
fn named_in_architecture() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md at the root");
    text.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_string()))
        .filter(|n| n.starts_with("certhub"))
        .collect()
}

fn in_workspace() -> BTreeSet<String> {
    std::fs::read_dir(root().join("crates"))
        .expect("crates/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn architecture_names_exactly_the_workspace_crates() {
    let named = named_in_architecture();
    assert!(named.len() >= 5, "the crate table was not found in ARCHITECTURE.md: {named:?}");
    assert_eq!(named, in_workspace(), "ARCHITECTURE.md's crate table and crates/ disagree");
}
