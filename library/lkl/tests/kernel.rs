//! The boot test of the library kernel, in the spirit of LKL's: host
//! primitives first, then boot, syscalls, halt; every case in its own
//! process (see lkl-test-runner).

use std::ffi::CString;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lkl::sys::{self, Timespec};
use lkl::{BootConfig, Errno, Kernel};
use lkl_abi::Host;
use lkl_std_host::{Console, StdHost};
use lkl_test_runner::{Case, check, ensure};

type R = Result<(), String>;

fn host() -> &'static StdHost {
    StdHost::leak(Console::Stderr)
}

fn boot() -> Result<(&'static StdHost, Kernel), String> {
    let h = host();
    let k = Kernel::boot(h, &BootConfig::default()).map_err(|e| e.to_string())?;
    Ok((h, k))
}

/// Halts and checks that every host allocation came back.
fn halt(h: &'static StdHost, k: Kernel) -> R {
    check!(k.halt(), "halt()");
    ensure!(h.mem_outstanding() == 0, "{} host allocations outstanding after halt", h.mem_outstanding());
    Ok(())
}

fn spawn64<T: Send + 'static, F: FnOnce() -> Result<T, String> + Send + 'static>(
    f: F,
) -> std::thread::JoinHandle<Result<T, String>> {
    std::thread::Builder::new().stack_size(lkl_abi::THREAD_STACK_SIZE).spawn(f).expect("spawn")
}

fn host_conformance() -> R {
    let h = host();
    for case in host_conformance::all::<StdHost>() {
        (case.run)(h).map_err(|e| format!("{}: {}", case.name, e.0))?;
    }
    Ok(())
}

fn boot_banner_and_halt() -> R {
    let (h, k) = boot()?;
    let u = check!(k.uname(), "uname()");
    let field = |f: &[u8]| String::from_utf8_lossy(f).trim_end_matches('\0').to_string();
    ensure!(field(&u.sysname) == "Linux", "sysname {:?}", field(&u.sysname));
    ensure!(field(&u.release).starts_with("6.1."), "release {:?}", field(&u.release));
    ensure!(lkl::console_tail().contains("Linux version 6.1"), "no banner in the console");
    halt(h, k)
}

fn getpid_and_umask() -> R {
    let (h, k) = boot()?;
    let pid = check!(k.getpid(), "getpid()");
    ensure!(pid > 1, "getpid() = {pid}, want a task of its own (> 1)");
    ensure!(check!(k.getpid(), "getpid()") == pid, "getpid() changed between calls");
    let old = check!(k.umask(0o027), "umask(027)");
    ensure!(old == 0o022, "umask(027) = {old:o}, want the default 022");
    let back = check!(k.umask(old), "umask({old:o})");
    ensure!(back == 0o027, "umask({old:o}) = {back:o}, want 027");
    halt(h, k)
}

/// sysinfo() reports the memory the kernel was booted with (less what it
/// reserves for itself), and a file written to tmpfs takes from the free.
fn sysinfo_reports_the_kernel_memory() -> R {
    let (h, k) = boot()?;
    let si = check!(k.sysinfo(), "sysinfo()");
    let unit = u64::from(si.mem_unit.max(1));
    let (total, free) = (si.totalram * unit, si.freeram * unit);
    let booted = BootConfig::default().mem_size;
    ensure!(total <= booted && total > booted / 2, "totalram {total}, booted with {booted}");
    ensure!(free > 0 && free < total, "freeram {free} of {total}");
    mount_tmpfs(&k, c"/sysinfo")?;
    let fd = check!(k.openat(sys::AT_FDCWD, c"/sysinfo/f", sys::O_CREAT | sys::O_RDWR, 0o644), "openat");
    check!(k.pwrite(fd, &vec![7u8; 4 << 20], 0), "pwrite(4 MiB)");
    let after = check!(k.sysinfo(), "sysinfo()").freeram * unit;
    ensure!(after + (3 << 20) <= free, "freeram {free} before a 4 MiB tmpfs file, {after} after");
    check!(k.close(fd), "close");
    halt(h, k)
}

fn mount_tmpfs(k: &Kernel, dir: &std::ffi::CStr) -> R {
    match k.mkdir(dir, 0o755) {
        Ok(()) | Err(Errno::EEXIST) => {}
        Err(e) => return Err(format!("mkdir({dir:?}, 0755) = -{} ({e:?})", e.0)),
    }
    check!(k.mount(c"tmpfs", dir, c"tmpfs", 0, None), "mount(tmpfs, {dir:?})");
    Ok(())
}

fn file_io_on_tmpfs() -> R {
    let (h, k) = boot()?;
    mount_tmpfs(&k, c"/tmp")?;
    let fd =
        check!(k.open(c"/tmp/f", sys::O_CREAT | sys::O_RDWR | sys::O_TRUNC, 0o644), "open(/tmp/f, O_CREAT|O_RDWR)");
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let n = check!(k.write(fd, &data), "write({fd}, 100000 bytes)");
    ensure!(n == data.len(), "write({fd}) = {n}, want {}", data.len());
    let pos = check!(k.lseek(fd, 1000, sys::SEEK_SET), "lseek({fd}, 1000, SEEK_SET)");
    ensure!(pos == 1000, "lseek = {pos}");
    let mut buf = vec![0u8; 5000];
    let n = check!(k.read(fd, &mut buf), "read({fd}, 5000)");
    ensure!(n == 5000 && buf[..] == data[1000..6000], "read back differs (n = {n})");
    let st = check!(k.fstat(fd), "fstat({fd})");
    ensure!(st.st_size == data.len() as i64, "st_size {} want {}", st.st_size, data.len());
    ensure!(st.st_mode & sys::S_IFMT == sys::S_IFREG, "mode {:o}", st.st_mode);
    ensure!(st.st_mode & 0o777 == 0o644, "mode {:o} want 0644 under umask 022", st.st_mode);
    check!(k.close(fd), "close({fd})");
    ensure!(k.close(fd) == Err(Errno::EBADF), "second close({fd}) should be EBADF");
    let st = check!(k.stat(c"/tmp/f"), "stat(/tmp/f)");
    ensure!(st.st_size == data.len() as i64, "stat size {}", st.st_size);
    check!(k.umount2(c"/tmp", 0), "umount2(/tmp)");
    halt(h, k)
}

fn mkdir_stat_getdents() -> R {
    let (h, k) = boot()?;
    mount_tmpfs(&k, c"/tmp")?;
    check!(k.mkdir(c"/tmp/d", 0o700), "mkdir(/tmp/d, 0700)");
    ensure!(k.mkdir(c"/tmp/d", 0o700) == Err(Errno::EEXIST), "second mkdir should be EEXIST");
    let st = check!(k.stat(c"/tmp/d"), "stat(/tmp/d)");
    ensure!(st.st_mode & sys::S_IFMT == sys::S_IFDIR, "not a directory: {:o}", st.st_mode);
    let mut want = vec![".".to_string(), "..".to_string()];
    for i in 0..50 {
        let name = format!("entry-{i:03}");
        let path = CString::new(format!("/tmp/d/{name}")).unwrap();
        if i % 2 == 0 {
            check!(k.mkdir(&path, 0o755), "mkdir({path:?})");
        } else {
            let fd = check!(k.open(&path, sys::O_CREAT | sys::O_WRONLY, 0o600), "open({path:?}, O_CREAT)");
            check!(k.close(fd), "close");
        }
        want.push(name);
    }
    let entries = check!(k.read_dir(c"/tmp/d"), "getdents64(/tmp/d)");
    let mut got: Vec<String> = entries.iter().map(|e| String::from_utf8_lossy(&e.name).into_owned()).collect();
    got.sort();
    want.sort();
    ensure!(got == want, "listing differs: got {got:?}");
    for e in &entries {
        let name = String::from_utf8_lossy(&e.name);
        if let Some(i) = name.strip_prefix("entry-").and_then(|n| n.parse::<u32>().ok()) {
            let kind = if i % 2 == 0 { sys::DT_DIR } else { sys::DT_REG };
            ensure!(e.kind == kind, "{name}: d_type {} want {kind}", e.kind);
        }
    }
    check!(k.unlinkat(sys::AT_FDCWD, c"/tmp/d/entry-000", sys::AT_REMOVEDIR), "rmdir(/tmp/d/entry-000)");
    check!(k.unlinkat(sys::AT_FDCWD, c"/tmp/d/entry-001", 0), "unlink(/tmp/d/entry-001)");
    ensure!(k.stat(c"/tmp/d/entry-001").err() == Some(Errno::ENOENT), "unlinked file still there");
    halt(h, k)
}

fn nanosleep_sleeps() -> R {
    let (h, k) = boot()?;
    for ms in [1u64, 20, 50] {
        let t = Timespec { tv_sec: 0, tv_nsec: (ms * 1_000_000) as i64 };
        let start = Instant::now();
        check!(k.nanosleep(&t), "nanosleep({ms} ms)");
        let took = start.elapsed();
        ensure!(took >= Duration::from_millis(ms), "nanosleep({ms} ms) returned after {took:?}");
        // Only a wake-up that never comes fails: a loaded machine (CI, Wine
        // on two cores) may wake a sleeper late by a second or more.
        ensure!(took < Duration::from_millis(ms + 10_000), "nanosleep({ms} ms) took {took:?}");
    }
    halt(h, k)
}

fn pipe_between_threads() -> R {
    let (h, k) = boot()?;
    let k = Arc::new(k);
    let [rd, wr] = check!(k.pipe2(sys::O_CLOEXEC), "pipe2(O_CLOEXEC)");
    const TOTAL: usize = 1 << 20;
    let kw = k.clone();
    let writer = spawn64(move || {
        let data: Vec<u8> = (0..TOTAL).map(|i| (i % 253) as u8).collect();
        let mut off = 0;
        while off < TOTAL {
            let n = check!(kw.write(wr, &data[off..(off + 7000).min(TOTAL)]), "write(pipe)");
            off += n;
        }
        check!(kw.close(wr), "close(write end)");
        Ok(())
    });
    let mut got = Vec::with_capacity(TOTAL);
    let mut buf = vec![0u8; 4096];
    loop {
        let n = check!(k.read(rd, &mut buf), "read(pipe)");
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    writer.join().map_err(|_| "writer panicked")??;
    ensure!(got.len() == TOTAL, "read {} bytes, want {TOTAL}", got.len());
    ensure!(got.iter().enumerate().all(|(i, &b)| b == (i % 253) as u8), "pipe data corrupted");
    check!(k.close(rd), "close(read end)");
    let k = Arc::try_unwrap(k).map_err(|_| "kernel still shared")?;
    halt(h, k)
}

fn proc_and_sysfs() -> R {
    let (h, k) = boot()?;
    check!(k.mkdir(c"/proc", 0o555), "mkdir(/proc)");
    check!(k.mount(c"proc", c"/proc", c"proc", 0, None), "mount(proc, /proc)");
    let fd = check!(k.open(c"/proc/version", sys::O_RDONLY, 0), "open(/proc/version)");
    let mut buf = vec![0u8; 512];
    let n = check!(k.read(fd, &mut buf), "read(/proc/version)");
    check!(k.close(fd), "close");
    let text = String::from_utf8_lossy(&buf[..n]);
    ensure!(text.starts_with("Linux version 6.1"), "/proc/version = {text:?}");
    let pid = check!(k.getpid(), "getpid()");
    let me = CString::new(format!("/proc/{pid}")).unwrap();
    check!(k.stat(&me), "stat({me:?})");
    check!(k.mkdir(c"/sys", 0o555), "mkdir(/sys)");
    check!(k.mount(c"sysfs", c"/sys", c"sysfs", 0, None), "mount(sysfs, /sys)");
    let names: Vec<String> = check!(k.read_dir(c"/sys"), "getdents64(/sys)")
        .iter()
        .map(|e| String::from_utf8_lossy(&e.name).into_owned())
        .collect();
    ensure!(names.iter().any(|n| n == "kernel"), "/sys has no kernel/: {names:?}");
    check!(k.umount2(c"/sys", 0), "umount2(/sys)");
    check!(k.umount2(c"/proc", 0), "umount2(/proc)");
    halt(h, k)
}

fn many_threads_at_once() -> R {
    let (h, k) = boot()?;
    mount_tmpfs(&k, c"/tmp")?;
    let k = Arc::new(k);
    let mut threads = Vec::new();
    for t in 0..16u32 {
        let k = k.clone();
        threads.push(spawn64(move || {
            let path = CString::new(format!("/tmp/t{t}")).unwrap();
            let fd = check!(k.open(&path, sys::O_CREAT | sys::O_RDWR, 0o600), "open({path:?})");
            let pid = check!(k.getpid(), "getpid()");
            for i in 0..1000u32 {
                match i % 4 {
                    0 => ensure!(check!(k.getpid(), "getpid()") == pid, "thread {t}: getpid changed"),
                    1 => {
                        let v = (t * 1000 + i).to_le_bytes();
                        let n = check!(k.pwrite(fd, &v, (i as u64) * 4), "pwrite({fd}, {i})");
                        ensure!(n == 4, "pwrite = {n}");
                    }
                    2 => {
                        let mut v = [0u8; 4];
                        let n = check!(k.pread(fd, &mut v, ((i - 1) as u64) * 4), "pread({fd})");
                        ensure!(
                            n == 4 && u32::from_le_bytes(v) == t * 1000 + i - 1,
                            "thread {t}: read back {:?} at {}",
                            v,
                            i - 1
                        );
                    }
                    _ => {
                        let st = check!(k.fstat(fd), "fstat({fd})");
                        ensure!(st.st_size == ((i - 2) as i64 + 1) * 4, "thread {t}: size {} at step {i}", st.st_size);
                    }
                }
            }
            check!(k.close(fd), "close({fd})");
            Ok(pid)
        }));
    }
    let mut pids = Vec::new();
    for t in threads {
        pids.push(t.join().map_err(|_| "thread panicked")??);
    }
    pids.sort();
    pids.dedup();
    ensure!(pids.len() == 16, "16 threads got {} distinct tasks", pids.len());
    // A thread's task exits after the thread, on a thread of the port's own
    // (its thread-local destructor must not wait for Linux).
    check!(k.mkdir(c"/proc", 0o555), "mkdir(/proc)");
    check!(k.mount(c"proc", c"/proc", c"proc", 0, None), "mount(proc)");
    for pid in &pids {
        let p = CString::new(format!("/proc/{pid}")).unwrap();
        let gone = within_10s(|| k.stat(&p).err() == Some(Errno::ENOENT));
        ensure!(gone, "task {pid} still exists 10 s after its thread ended");
    }
    check!(k.umount2(c"/proc", 0), "umount2(/proc)");
    let k = Arc::try_unwrap(k).map_err(|_| "kernel still shared")?;
    halt(h, k)
}

/// Whether `done` turns true within 10 s, asked every 10 ms: a caller's
/// task ends after its thread, on a thread of the port's own.
fn within_10s(mut done: impl FnMut() -> bool) -> bool {
    (0..1000).any(|_| {
        done() || {
            std::thread::sleep(Duration::from_millis(10));
            false
        }
    })
}

/// Callers' tasks alive now: init's clones (pid 1 itself excluded), which
/// keep its name.
fn caller_tasks(k: &Kernel) -> Result<usize, String> {
    let mut n = 0;
    for e in check!(k.read_dir(c"/proc"), "getdents64(/proc)") {
        if e.name.is_empty() || !e.name.iter().all(u8::is_ascii_digit) || e.name == b"1" {
            continue;
        }
        let path = CString::new([b"/proc/", &e.name[..], b"/comm"].concat()).unwrap();
        // A task may end between the listing and the read.
        let Ok(fd) = k.open(&path, sys::O_RDONLY, 0) else { continue };
        let mut comm = [0u8; 16];
        let r = k.read(fd, &mut comm);
        check!(k.close(fd), "close");
        if r.is_ok_and(|len| &comm[..len] == b"init\n") {
            n += 1;
        }
    }
    Ok(n)
}

/// 200 short-lived caller threads, two at a time: each one's task ends on a
/// thread of the port's own after the caller's thread is gone (on Windows
/// the caller's destructor runs under the loader lock and must not wait for
/// Linux); all are gone afterwards and halt joins everything.
fn thread_churn() -> R {
    let (h, k) = boot()?;
    check!(k.mkdir(c"/proc", 0o555), "mkdir(/proc)");
    check!(k.mount(c"proc", c"/proc", c"proc", 0, None), "mount(proc)");
    let before = caller_tasks(&k)?;
    ensure!(before == 1, "{before} callers' tasks before the churn, want 1 (this thread's)");
    let k = Arc::new(k);
    for round in 0..100 {
        let pair: Vec<_> = (0..2)
            .map(|_| {
                let k = k.clone();
                spawn64(move || Ok(check!(k.getpid(), "getpid()")))
            })
            .collect();
        for t in pair {
            t.join().map_err(|_| "thread panicked")?.map_err(|e| format!("round {round}: {e}"))?;
        }
    }
    let settled = within_10s(|| caller_tasks(&k).is_ok_and(|now| now <= before));
    ensure!(settled, "{} callers' tasks 10 s after 200 threads ended, {before} before", caller_tasks(&k)?);
    check!(k.umount2(c"/proc", 0), "umount2(/proc)");
    let k = Arc::try_unwrap(k).map_err(|_| "kernel still shared")?;
    halt(h, k)
}

fn new_file_mtime_is_now() -> R {
    let (h, k) = boot()?;
    mount_tmpfs(&k, c"/tmp")?;
    let fd = check!(k.open(c"/tmp/now", sys::O_CREAT | sys::O_WRONLY, 0o644), "open(/tmp/now)");
    check!(k.write(fd, b"x"), "write");
    check!(k.close(fd), "close");
    let st = check!(k.statx(sys::AT_FDCWD, c"/tmp/now", 0, sys::STATX_BASIC_STATS), "statx(/tmp/now)");
    let host_now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let diff = (st.stx_mtime.tv_sec - host_now).abs();
    ensure!(diff <= 5, "mtime {} is {diff} s from the host clock {host_now}", st.stx_mtime.tv_sec);
    let rt = check!(k.clock_gettime(sys::CLOCK_REALTIME), "clock_gettime(CLOCK_REALTIME)");
    ensure!((rt.tv_sec - host_now).abs() <= 5, "CLOCK_REALTIME {} vs host {host_now}", rt.tv_sec);
    halt(h, k)
}

fn mount_umount_rounds() -> R {
    let (h, k) = boot()?;
    check!(k.mkdir(c"/mnt", 0o755), "mkdir(/mnt)");
    for round in 0..100 {
        check!(k.mount(c"tmpfs", c"/mnt", c"tmpfs", 0, None), "round {round}: mount(tmpfs, /mnt)");
        let fd = check!(k.open(c"/mnt/file", sys::O_CREAT | sys::O_WRONLY, 0o644), "round {round}: open");
        check!(k.write(fd, b"data"), "round {round}: write");
        check!(k.close(fd), "round {round}: close");
        check!(k.umount2(c"/mnt", 0), "round {round}: umount2(/mnt)");
    }
    halt(h, k)
}

fn boot_twice_fails() -> R {
    let (h, k) = boot()?;
    match Kernel::boot(h, &BootConfig::default()) {
        Err(e) if e.errno == Errno::EALREADY => {}
        Err(e) => return Err(format!("second boot: {e}, want EALREADY")),
        Ok(_) => return Err("second boot while running succeeded".into()),
    }
    halt(h, k)?;
    match Kernel::boot(h, &BootConfig::default()) {
        Err(e) if e.errno == Errno::EALREADY => Ok(()),
        Err(e) => Err(format!("boot after halt: {e}, want EALREADY")),
        Ok(_) => Err("boot after halt succeeded".into()),
    }
}

fn too_little_memory_fails() -> R {
    let h = host();
    match Kernel::boot(h, &BootConfig { mem_size: 1 << 20, ..BootConfig::default() }) {
        Err(e) if e.errno == Errno::ENOMEM => {}
        Err(e) => return Err(format!("boot with 1 MiB: {e}, want ENOMEM")),
        Ok(_) => return Err("boot with 1 MiB succeeded".into()),
    }
    ensure!(h.mem_outstanding() == 0, "{} allocations leaked by the failed boot", h.mem_outstanding());
    Ok(())
}

fn forced_panic_returns_eio() -> R {
    let (h, k) = boot()?;
    let k = Arc::new(k);
    // A second thread blocked inside Linux must come back with EIO too.
    let [rd, _wr] = check!(k.pipe2(0), "pipe2(0)");
    let kr = k.clone();
    let reader = spawn64(move || {
        let mut b = [0u8; 1];
        ensure!(kr.read(rd, &mut b) == Err(Errno::EIO), "blocked read did not fail with EIO");
        Ok(())
    });
    std::thread::sleep(Duration::from_millis(100));
    ensure!(k.force_panic_for_test() == Err(Errno::EIO), "panic call did not return EIO");
    ensure!(h.is_dead(), "the host was not told");
    ensure!(k.getpid() == Err(Errno::EIO), "getpid after panic did not return EIO");
    reader.join().map_err(|_| "reader panicked")??;
    ensure!(lkl::console_tail().contains("panic requested by a test"), "panic reason missing from the console tail");
    let k = Arc::try_unwrap(k).map_err(|_| "kernel still shared")?;
    ensure!(k.halt() == Err(Errno::EIO), "halt after panic should report EIO");
    ensure!(h.mem_outstanding() == 0, "{} allocations outstanding after halt of a dead kernel", h.mem_outstanding());
    Ok(())
}

fn main() {
    let t = |name, secs, run| Case { name, timeout: Duration::from_secs(secs), run };
    lkl_test_runner::main(
        "kernel",
        &[
            t("host_conformance", 60, host_conformance),
            t("boot_banner_and_halt", 30, boot_banner_and_halt),
            t("getpid_and_umask", 30, getpid_and_umask),
            t("sysinfo_reports_the_kernel_memory", 30, sysinfo_reports_the_kernel_memory),
            t("file_io_on_tmpfs", 30, file_io_on_tmpfs),
            t("mkdir_stat_getdents", 30, mkdir_stat_getdents),
            t("nanosleep_sleeps", 30, nanosleep_sleeps),
            t("pipe_between_threads", 30, pipe_between_threads),
            t("proc_and_sysfs", 30, proc_and_sysfs),
            t("many_threads_at_once", 60, many_threads_at_once),
            t("thread_churn", 60, thread_churn),
            t("new_file_mtime_is_now", 30, new_file_mtime_is_now),
            t("mount_umount_rounds", 60, mount_umount_rounds),
            t("boot_twice_fails", 30, boot_twice_fails),
            t("too_little_memory_fails", 30, too_little_memory_fails),
            t("forced_panic_returns_eio", 30, forced_panic_returns_eio),
        ],
    )
}
