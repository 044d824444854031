//! The randomized model test over the host kernel: seeded sequences of
//! 10,000 Windows-level operations through fs-glue, checked step by step
//! against the reference model. `FS_GLUE_SEEDS=a..b` picks other seeds;
//! `FS_GLUE_SCRATCH` puts the volumes elsewhere (the suite script points
//! it at a loop-mounted ext4 image). The same sequences on the host and the
//! embedded kernel at once, compared with each other too, are in
//! `tests/embedded.rs`.

use fs_glue::{MountOptions, Volume};
use fs_glue_testbed::HostVfs;
use fs_glue_testbed::model::{GlueSubject, run_seed};
use fs_glue_testbed::scratch::Scratch;

const STEPS: usize = 10_000;

fn seeds() -> std::ops::Range<u64> {
    match std::env::var("FS_GLUE_SEEDS") {
        Ok(s) => {
            let (a, b) = s.split_once("..").expect("FS_GLUE_SEEDS=a..b");
            a.parse().unwrap()..b.parse().unwrap()
        }
        Err(_) => 1..5,
    }
}

#[test]
fn random_sequences_match_the_model_on_the_host_kernel() {
    for seed in seeds() {
        let dir = Scratch::new(&format!("model-{seed}"));
        let vol = Volume::new(HostVfs::new(dir.path()).unwrap(), MountOptions::default());
        let mut glue = GlueSubject::new(vol);
        if let Err(e) = run_seed(seed, STEPS, &mut glue) {
            panic!("{e}");
        }
        assert_eq!(glue.vol.vfs().open_fds(), 0, "seed {seed}: descriptors leaked");
    }
}
