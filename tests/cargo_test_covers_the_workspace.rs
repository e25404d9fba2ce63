//! Plain `cargo test` at the root runs every crate's tests: each workspace member is a default
//! member (it once ran the root package alone, which has no unit tests: 0 tests).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::BTreeSet;
use std::process::Command;

fn ids(metadata: &serde_json::Value, key: &str) -> BTreeSet<String> {
    metadata[key]
        .as_array()
        .unwrap_or_else(|| panic!("cargo metadata has no {key}"))
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_workspace_member_is_a_default_member() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let members = ids(&metadata, "workspace_members");
    let defaults = ids(&metadata, "workspace_default_members");
    assert!(members.len() >= 7, "{members:?}");
    assert_eq!(
        members.difference(&defaults).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "members that plain `cargo test` would skip"
    );
}
