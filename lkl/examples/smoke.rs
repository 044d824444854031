//! Boots, prints uname and the root directory, halts.
fn main() {
    let host = lkl_std_host::StdHost::leak(lkl_std_host::Console::Stderr);
    let t = std::thread::Builder::new().stack_size(lkl_abi_stack()).spawn(move || {
        let k = lkl::Kernel::boot(host, &lkl::BootConfig::default()).expect("boot");
        println!("getpid = {:?}", k.getpid());
        let u = k.uname().unwrap();
        println!("release = {}", String::from_utf8_lossy(&u.release));
        for e in k.read_dir(c"/").unwrap() {
            println!("  {}", String::from_utf8_lossy(&e.name));
        }
        println!("halt = {:?}", k.halt());
    }).unwrap();
    t.join().unwrap();
}
fn lkl_abi_stack() -> usize { 64 * 1024 }
