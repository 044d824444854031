//! The randomized model test: seeded sequences of Windows-level operations
//! run through fs-glue and through [`reference::Model`], an independent
//! in-memory statement of the same NT rules, comparing statuses,
//! Information values, sizes, data and sorted listings after every step.
//!
//! The model shares no code with the glue's bookkeeping (share access is
//! stated pairwise here, counted there; delete dispositions and renames are
//! applied to a path map here, to inodes there), so a bookkeeping bug on
//! either side shows up as a mismatch with the seed and step to replay.
//! [`pair::run_seed_pair`] runs the same sequences on two kernels at once
//! (the host's and the embedded one) and also compares them with each other.

pub mod ops;
pub mod pair;
pub mod reference;
pub mod subject;

pub use ops::{Op, Outcome, Rng, gen_op};
pub use pair::run_seed_pair;
pub use reference::Model;
pub use subject::GlueSubject;

/// Runs `steps` operations of `seed` through both sides; returns the first
/// mismatch as a message naming the seed, the step and the operation.
pub fn run_seed<V: fs_glue::Vfs>(seed: u64, steps: usize, glue: &mut GlueSubject<V>) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let mut model = Model::default();
    let mut history: Vec<String> = Vec::new();
    for step in 0..steps {
        let op = gen_op(&mut rng, &model.handle_slots());
        let want = model.apply(&op);
        let got = glue.apply(&op);
        history.push(format!("{step}: {op:?} -> {want:?}"));
        if want != got {
            let tail = history.iter().rev().take(12).rev().cloned().collect::<Vec<_>>().join("\n  ");
            return Err(format!(
                "seed {seed} step {step}: {op:?}\n  model: {want:?}\n  glue:  {got:?}\n last steps:\n  {tail}"
            ));
        }
    }
    glue.close_all();
    Ok(())
}
