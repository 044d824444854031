//! The model test across two kernels: the same seeded sequence runs through
//! the glue over one `Vfs` (the host kernel) and over another (the embedded
//! kernel), and both are checked against the reference model.
//!
//! Comparing the two kernels sees more than the model can state: besides
//! the outcomes (statuses, Information values, data, sizes, sorted
//! listings) it compares every listed attribute bit and, after each
//! operation on a handle, that handle's standard information and
//! attributes. At the end the whole tree, file contents included, must be
//! equal. Inode numbers, times, allocation sizes and getdents order may
//! differ legitimately and are not compared.

use super::subject::GlueSubject;
use fs_glue::Vfs;
use nt_model::{Model, Op, Outcome, Rng, Subject, gen_op};

/// The handle slot an operation acted on (or opened), if any.
fn touched(op: &Op, outcome: &Outcome) -> Option<usize> {
    match (op, outcome) {
        (_, Outcome::Skipped) => None,
        (Op::Create { .. }, Outcome::Created(_, _, slot)) => *slot,
        (
            Op::Write { h, .. }
            | Op::Read { h, .. }
            | Op::SetEof { h, .. }
            | Op::Rename { h, .. }
            | Op::Dispose { h, .. },
            _,
        ) => Some(*h),
        _ => None,
    }
}

/// Runs `steps` operations of `seed` through the model, `a` and `b`;
/// returns the first disagreement as a message naming the seed, the step,
/// the operation and both answers.
pub fn run_seed_pair<A: Vfs, B: Vfs>(
    seed: u64,
    steps: usize,
    a: &mut GlueSubject<A>,
    b: &mut GlueSubject<B>,
) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let mut model = Model::default();
    let mut history: Vec<String> = Vec::new();
    for step in 0..steps {
        let op = gen_op(&mut rng, &model.handle_slots());
        let want = model.apply(&op);
        let got_a = a.apply(&op);
        let got_b = b.apply(&op);
        history.push(format!("{step}: {op:?} -> {want:?}"));
        let why = if got_a != got_b {
            Some(format!("host kernel:     {got_a:?}\n  embedded kernel: {got_b:?}"))
        } else if got_a != want {
            Some(format!("model: {want:?}\n  glue (both kernels): {got_a:?}"))
        } else if matches!(op, Op::List { .. }) && a.last_listing != b.last_listing {
            Some(format!(
                "listing (name, size, attributes)\n  host kernel:     {:?}\n  embedded kernel: {:?}",
                a.last_listing, b.last_listing
            ))
        } else if let Some(slot) = touched(&op, &got_a)
            && let (va, vb) = (a.view(slot), b.view(slot))
            && va != vb
        {
            Some(format!(
                "handle {slot} (standard info, attributes)\n  host kernel:     {va:?}\n  embedded kernel: {vb:?}"
            ))
        } else {
            None
        };
        if let Some(why) = why {
            let tail = history.iter().rev().take(12).rev().cloned().collect::<Vec<_>>().join("\n  ");
            return Err(format!("seed {seed} step {step}: {op:?}\n  {why}\n last steps:\n  {tail}"));
        }
    }
    a.close_all();
    b.close_all();
    same_tree(a, b).map_err(|e| format!("seed {seed} after {steps} steps and closing every handle: {e}"))
}

/// Lists `\` and `\d` on both sides and reads every file in them.
fn same_tree<A: Vfs, B: Vfs>(a: &mut GlueSubject<A>, b: &mut GlueSubject<B>) -> Result<(), String> {
    for dir in ["\\", "\\d"] {
        let op = Op::List { dir, pattern: "*" };
        let (la, lb) = (a.apply(&op), b.apply(&op));
        if la != lb || a.last_listing != b.last_listing {
            return Err(format!(
                "listing of {dir}\n  host kernel:     {:?}\n  embedded kernel: {:?}",
                a.last_listing, b.last_listing
            ));
        }
        let files: Vec<String> = a
            .last_listing
            .iter()
            .filter(|(n, _, attrs)| n != "." && n != ".." && attrs & fs_glue::nt::FILE_ATTRIBUTE_DIRECTORY == 0)
            .map(|(n, _, _)| if dir == "\\" { format!("\\{n}") } else { format!("{dir}\\{n}") })
            .collect();
        for f in files {
            if nt_suite::read_all(&mut a.vol, &f) != nt_suite::read_all(&mut b.vol, &f) {
                return Err(format!("contents of {f} differ"));
            }
        }
    }
    Ok(())
}
