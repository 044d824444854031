//! The randomized model test over fs-glue: seeded sequences of
//! Windows-level operations (the `nt-model` crate, shared with the driver's
//! test client, which runs them as IRPs) through fs-glue and through the
//! reference model, comparing statuses, Information values, sizes, data and
//! sorted listings after every step.
//!
//! The model shares no code with the glue's bookkeeping (share access is
//! stated pairwise there, counted here; delete dispositions and renames are
//! applied to a path map there, to inodes here), so a bookkeeping bug on
//! either side shows up as a mismatch with the seed and step to replay.
//! [`pair::run_seed_pair`] runs the same sequences on two kernels at once
//! (the host's and the embedded one) and also compares them with each other.

pub mod pair;
pub mod subject;

pub use nt_model::{Model, Op, Outcome, Rng, Subject, gen_op, ops, reference};
pub use pair::run_seed_pair;
pub use subject::GlueSubject;

/// Runs `steps` operations of `seed` through both sides; returns the first
/// mismatch as a message naming the seed, the step and the operation.
pub fn run_seed<V: fs_glue::Vfs>(seed: u64, steps: usize, glue: &mut GlueSubject<V>) -> Result<(), String> {
    nt_model::run_seed(seed, steps, glue)
}
