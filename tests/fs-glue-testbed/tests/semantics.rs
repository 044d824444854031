//! The semantic suite over the host kernel. `FS_GLUE_CASE=name` runs a
//! subset. The same suite over the embedded kernel on an ext4 image is in
//! `tests/embedded.rs` (it needs a process and a thread of its own).

use fs_glue_testbed::host_env::{HostEnv, run_cases};

fn filter() -> String {
    std::env::var("FS_GLUE_CASE").unwrap_or_default()
}

#[test]
fn semantic_suite_on_the_host_kernel() {
    let (ran, failures) = run_cases(HostEnv::default, &filter());
    assert!(ran > 0 || !filter().is_empty(), "no case ran");
    assert!(failures.is_empty(), "{} of {ran} cases failed: {failures:#?}", failures.len());
}
