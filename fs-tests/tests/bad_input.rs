//! Placeholder while the suite is written.
fn main() {
    lkl_test_runner::main("bad_input", &[])
}
