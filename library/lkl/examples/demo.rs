//! The main job on its built-in default: boot the embedded Linux, print its
//! banner, uptime and a listing of its root directory, halt.

use lkl::sys::{self, Timespec};
use lkl::{BootConfig, Kernel};
use lkl_std_host::{Console, StdHost};

fn demo() -> Result<(), String> {
    let host = StdHost::leak(Console::Capture);
    let k = Kernel::boot(host, &BootConfig::default()).map_err(|e| e.to_string())?;
    let banner = host.console_text().lines().find(|l| l.starts_with("Linux version")).unwrap_or("").to_string();
    println!("{banner}");
    let u = k.uname().map_err(|e| format!("uname: {e}"))?;
    let field = |f: &[u8]| String::from_utf8_lossy(f).trim_end_matches('\0').to_string();
    println!("uname: {} {} {} {}", field(&u.sysname), field(&u.nodename), field(&u.release), field(&u.machine));
    let up = k.clock_gettime(sys::CLOCK_MONOTONIC).map_err(|e| format!("clock_gettime: {e}"))?;
    println!("uptime: {}.{:06} s", up.tv_sec, up.tv_nsec / 1000);
    k.mkdir(c"/proc", 0o555).map_err(|e| format!("mkdir /proc: {e}"))?;
    k.mount(c"proc", c"/proc", c"proc", 0, None).map_err(|e| format!("mount proc: {e}"))?;
    println!("ls -la /");
    let mut entries = k.read_dir(c"/").map_err(|e| format!("getdents64 /: {e}"))?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    for e in entries {
        let name = String::from_utf8_lossy(&e.name).into_owned();
        let path = std::ffi::CString::new(format!("/{name}")).map_err(|e| e.to_string())?;
        let st = k.fstatat(sys::AT_FDCWD, &path, sys::AT_SYMLINK_NOFOLLOW).map_err(|e| format!("stat {name}: {e}"))?;
        let kind = match st.st_mode & sys::S_IFMT {
            sys::S_IFDIR => 'd',
            sys::S_IFLNK => 'l',
            sys::S_IFCHR => 'c',
            _ => '-',
        };
        println!(
            "  {kind}{:o} {:>3} {:>4} {:>4} {:>8}  {name}",
            st.st_mode & 0o7777,
            st.st_nlink,
            st.st_uid,
            st.st_gid,
            st.st_size
        );
    }
    k.nanosleep(&Timespec { tv_sec: 0, tv_nsec: 10_000_000 }).map_err(|e| format!("nanosleep: {e}"))?;
    let up = k.clock_gettime(sys::CLOCK_MONOTONIC).map_err(|e| format!("clock_gettime: {e}"))?;
    println!("uptime after a 10 ms nanosleep: {}.{:06} s", up.tv_sec, up.tv_nsec / 1000);
    k.umount2(c"/proc", 0).map_err(|e| format!("umount /proc: {e}"))?;
    k.halt().map_err(|e| format!("halt: {e}"))?;
    println!("halted; host allocations outstanding: {}", lkl_abi::Host::mem_outstanding(host));
    Ok(())
}

fn main() {
    // Linux code runs only on threads with the library's stack size.
    let t = std::thread::Builder::new().stack_size(lkl_abi::THREAD_STACK_SIZE).spawn(demo).expect("spawn");
    match t.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("demo: {e}");
            std::process::exit(1);
        }
        Err(_) => std::process::exit(1),
    }
}
