//! The randomized model test's shared half: seeded sequences of
//! Windows-level operations ([`ops`]) and [`reference::Model`], an
//! independent in-memory statement of the NT rules they follow. A
//! [`Subject`] runs the same operations for real: fs-glue over a kernel
//! (`fs-glue-testbed`), or the driver's IRPs under Wine (`driver-client`).

pub mod ops;
pub mod reference;

pub use ops::{Op, Outcome, Rng, gen_op};
pub use reference::Model;

/// What runs the operations for real.
pub trait Subject {
    /// Applies one operation.
    fn apply(&mut self, op: &Op) -> Outcome;
    /// Closes every handle left open (and applies their dispositions).
    fn close_all(&mut self);
    /// Whether a rename to a full path first opens the target's directory
    /// (the I/O manager's step, so true for IRPs).
    fn opens_rename_targets(&self) -> bool {
        false
    }
}

/// Runs `steps` operations of `seed` through the model and `subject`;
/// returns the first mismatch as a message naming the seed, the step and
/// the operation.
pub fn run_seed(seed: u64, steps: usize, subject: &mut impl Subject) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let mut model = Model::default();
    model.open_rename_targets = subject.opens_rename_targets();
    let mut history: Vec<String> = Vec::new();
    for step in 0..steps {
        let op = gen_op(&mut rng, &model.handle_slots());
        let want = model.apply(&op);
        let got = subject.apply(&op);
        history.push(format!("{step}: {op:?} -> {want:?}"));
        if want != got {
            let tail = history.iter().rev().take(12).rev().cloned().collect::<Vec<_>>().join("\n  ");
            return Err(format!(
                "seed {seed} step {step}: {op:?}\n  model: {want:?}\n  subject: {got:?}\n last steps:\n  {tail}"
            ));
        }
    }
    subject.close_all();
    Ok(())
}
