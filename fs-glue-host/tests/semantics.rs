//! The semantic suite over the host kernel, and (once `lkl` mounts) over
//! the embedded kernel on an ext4 image. `FS_GLUE_CASE=name` runs a subset.

use fs_glue_host::host_env::{HostEnv, run_cases};

fn filter() -> String {
    std::env::var("FS_GLUE_CASE").unwrap_or_default()
}

#[test]
fn semantic_suite_on_the_host_kernel() {
    let (ran, failures) = run_cases(HostEnv::default, &filter());
    assert!(ran > 0 || !filter().is_empty(), "no case ran");
    assert!(failures.is_empty(), "{} of {ran} cases failed: {failures:#?}", failures.len());
}

/// The embedded kernel's half. `lkl` has no mount API yet, so this is
/// compiled out; enable the `lkl-mount` feature of fs-glue-host when it
/// has one, and implement the Env there.
#[cfg(not(feature = "lkl-mount"))]
#[test]
#[ignore = "embedded-kernel Vfs: lkl has no mount API yet (enable feature lkl-mount once it does)"]
fn semantic_suite_on_the_embedded_kernel() {}

#[cfg(feature = "lkl-mount")]
#[test]
fn semantic_suite_on_the_embedded_kernel() {
    let (ran, failures) = run_cases(fs_glue_host::lkl_env::LklEnv::new, &filter());
    assert!(ran > 0 || !filter().is_empty(), "no case ran");
    assert!(failures.is_empty(), "{} of {ran} cases failed: {failures:#?}", failures.len());
}
