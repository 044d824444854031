//! Turns a [`Host`] into the C operations table. Every function here is
//! called by the kernel port (System V convention) and must not unwind:
//! host methods do not panic by contract, and nothing here does either.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicPtr, Ordering};

use lkl_abi::ops::{CFn, HOST_OPS_VERSION, HostOps};
use lkl_abi::{Host, TlsDestructor};

use crate::tail;

/// The booted host (one kernel per process), erased to a thin pointer.
static HOST: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

pub(crate) fn install<H: Host>(host: &'static H) {
    HOST.store(host as *const H as *mut (), Ordering::SeqCst);
}

fn host<H: Host>() -> &'static H {
    // SAFETY: install::<H> stored a &'static H before the table built for
    // the same H was handed to C; nothing else writes HOST.
    unsafe { &*(HOST.load(Ordering::Acquire) as *const H) }
}

/// A C pointer argument carried into a host thread or callback.
struct SendPtr(*mut c_void);
// SAFETY: the C side owns what the pointer designates and hands it to the
// thread or callback on purpose; Rust never dereferences it.
unsafe impl Send for SendPtr {}
// SAFETY: Rust never dereferences the pointer, so a shared SendPtr only
// copies an address; only the C function receiving it uses it.
unsafe impl Sync for SendPtr {}

impl SendPtr {
    // A method, so closures capture the whole wrapper, not the raw field.
    fn get(&self) -> *mut c_void {
        self.0
    }
}

unsafe extern "sysv64" fn print<H: Host>(text: *const c_char, len: u64) {
    if text.is_null() {
        return;
    }
    // SAFETY: the kernel passes `len` readable bytes at `text`.
    let bytes = unsafe { core::slice::from_raw_parts(text as *const u8, len as usize) };
    tail::record(bytes);
    host::<H>().print(bytes);
}

unsafe extern "sysv64" fn panic<H: Host>() {
    host::<H>().panic();
}

// Semaphores are reference counted: a thread woken by halt may still be
// inside sem_down when the port frees the semaphore.
unsafe extern "sysv64" fn sem_alloc<H: Host>(count: c_int) -> *mut c_void {
    match host::<H>().sem_new(count.max(0) as u32) {
        Ok(s) => Arc::into_raw(Arc::new(s)) as *mut c_void,
        Err(_) => core::ptr::null_mut(),
    }
}

/// # Safety
/// `p` came from `sem_alloc::<H>` and was not freed.
unsafe fn sem_ref<H: Host>(p: *mut c_void) -> Arc<H::Semaphore> {
    // SAFETY: per the contract p is a live Arc pointer; take a new reference.
    unsafe {
        Arc::increment_strong_count(p as *const H::Semaphore);
        Arc::from_raw(p as *const H::Semaphore)
    }
}

unsafe extern "sysv64" fn sem_free<H: Host>(sem: *mut c_void) {
    if !sem.is_null() {
        // SAFETY: the port frees each semaphore once, with its own reference.
        drop(unsafe { Arc::from_raw(sem as *const H::Semaphore) });
    }
}

unsafe extern "sysv64" fn sem_up<H: Host>(sem: *mut c_void) {
    // SAFETY: the port passes live semaphores.
    let s = unsafe { sem_ref::<H>(sem) };
    host::<H>().sem_up(&s);
}

unsafe extern "sysv64" fn sem_down<H: Host>(sem: *mut c_void) {
    // SAFETY: the port passes live semaphores.
    let s = unsafe { sem_ref::<H>(sem) };
    host::<H>().sem_down(&s);
}

unsafe extern "sysv64" fn mutex_alloc<H: Host>(recursive: c_int) -> *mut c_void {
    match host::<H>().mutex_new(recursive != 0) {
        Ok(m) => Box::into_raw(Box::new(m)) as *mut c_void,
        Err(_) => core::ptr::null_mut(),
    }
}

unsafe extern "sysv64" fn mutex_free<H: Host>(m: *mut c_void) {
    if !m.is_null() {
        // SAFETY: came from mutex_alloc::<H>, freed once.
        drop(unsafe { Box::from_raw(m as *mut H::Mutex) });
    }
}

unsafe extern "sysv64" fn mutex_lock<H: Host>(m: *mut c_void) {
    // SAFETY: the port passes live mutexes.
    host::<H>().mutex_lock(unsafe { &*(m as *const H::Mutex) });
}

unsafe extern "sysv64" fn mutex_unlock<H: Host>(m: *mut c_void) {
    // SAFETY: the port passes live mutexes.
    host::<H>().mutex_unlock(unsafe { &*(m as *const H::Mutex) });
}

unsafe extern "sysv64" fn thread_create<H: Host>(f: CFn, arg: *mut c_void) -> *mut c_void {
    let arg = SendPtr(arg);
    let body = Box::new(move || {
        // SAFETY: the port asked for f(arg) to run on a new thread.
        unsafe { f(arg.get()) }
    });
    match host::<H>().thread_spawn(body) {
        Ok(t) => Box::into_raw(Box::new(t)) as *mut c_void,
        Err(_) => core::ptr::null_mut(),
    }
}

unsafe extern "sysv64" fn thread_join<H: Host>(handle: *mut c_void) -> c_int {
    if handle.is_null() {
        return -lkl_abi::Errno::EINVAL.0;
    }
    // SAFETY: came from thread_create::<H>; joined once.
    let t = unsafe { Box::from_raw(handle as *mut H::Thread) };
    match host::<H>().thread_join(*t) {
        Ok(()) => 0,
        Err(e) => -e.0,
    }
}

unsafe extern "sysv64" fn thread_self<H: Host>() -> u64 {
    host::<H>().thread_id()
}

unsafe extern "sysv64" fn tls_alloc<H: Host>(destructor: Option<CFn>) -> *mut c_void {
    let d: Option<TlsDestructor> = destructor.map(|f| {
        Box::new(move |v: *mut u8| {
            // SAFETY: the port registered f for its own values.
            unsafe { f(v as *mut c_void) }
        }) as TlsDestructor
    });
    match host::<H>().tls_new(d) {
        Ok(k) => Box::into_raw(Box::new(k)) as *mut c_void,
        Err(_) => core::ptr::null_mut(),
    }
}

unsafe extern "sysv64" fn tls_free<H: Host>(key: *mut c_void) {
    if !key.is_null() {
        // SAFETY: came from tls_alloc::<H>; freed once.
        drop(unsafe { Box::from_raw(key as *mut H::TlsKey) });
    }
}

unsafe extern "sysv64" fn tls_set<H: Host>(key: *mut c_void, value: *mut c_void) -> c_int {
    // SAFETY: the port passes live keys.
    match host::<H>().tls_set(unsafe { &*(key as *const H::TlsKey) }, value as *mut u8) {
        Ok(()) => 0,
        Err(e) => -e.0,
    }
}

unsafe extern "sysv64" fn tls_get<H: Host>(key: *mut c_void) -> *mut c_void {
    // SAFETY: the port passes live keys.
    host::<H>().tls_get(unsafe { &*(key as *const H::TlsKey) }) as *mut c_void
}

unsafe extern "sysv64" fn mem_alloc<H: Host>(size: u64) -> *mut c_void {
    host::<H>().mem_alloc(size as usize) as *mut c_void
}

unsafe extern "sysv64" fn mem_free<H: Host>(p: *mut c_void) {
    // SAFETY: the port frees only what mem_alloc gave it, once.
    unsafe { host::<H>().mem_free(p as *mut u8) }
}

unsafe extern "sysv64" fn time_ns<H: Host>() -> u64 {
    host::<H>().monotonic_ns()
}

unsafe extern "sysv64" fn wall_ns<H: Host>() -> u64 {
    host::<H>().wall_clock_ns()
}

unsafe extern "sysv64" fn timer_alloc<H: Host>(f: CFn, arg: *mut c_void) -> *mut c_void {
    let arg = SendPtr(arg);
    let cb = Box::new(move || {
        // SAFETY: the port asked for f(arg) on expiry.
        unsafe { f(arg.get()) }
    });
    match host::<H>().timer_new(cb) {
        Ok(t) => Box::into_raw(Box::new(t)) as *mut c_void,
        Err(_) => core::ptr::null_mut(),
    }
}

unsafe extern "sysv64" fn timer_set_oneshot<H: Host>(t: *mut c_void, delta_ns: u64) -> c_int {
    // SAFETY: the port passes live timers.
    match host::<H>().timer_arm(unsafe { &*(t as *const H::Timer) }, delta_ns) {
        Ok(()) => 0,
        Err(e) => -e.0,
    }
}

unsafe extern "sysv64" fn timer_free<H: Host>(t: *mut c_void) {
    if !t.is_null() {
        // SAFETY: came from timer_alloc::<H>; freed once.
        let t = unsafe { Box::from_raw(t as *mut H::Timer) };
        host::<H>().timer_free(*t);
    }
}

/// The operations table for host type `H`, as a constant so that it can be
/// handed to C as a `&'static` without a heap block (the driver checks that
/// its heap is back to its load-time baseline after a halt).
pub(crate) struct Table<H>(core::marker::PhantomData<H>);

impl<H: Host> Table<H> {
    pub(crate) const OPS: HostOps = table::<H>();
}

/// The operations table for host type `H`.
const fn table<H: Host>() -> HostOps {
    HostOps {
        version: HOST_OPS_VERSION,
        print: print::<H>,
        panic: panic::<H>,
        sem_alloc: sem_alloc::<H>,
        sem_free: sem_free::<H>,
        sem_up: sem_up::<H>,
        sem_down: sem_down::<H>,
        mutex_alloc: mutex_alloc::<H>,
        mutex_free: mutex_free::<H>,
        mutex_lock: mutex_lock::<H>,
        mutex_unlock: mutex_unlock::<H>,
        thread_create: thread_create::<H>,
        thread_join: thread_join::<H>,
        thread_self: thread_self::<H>,
        tls_alloc: tls_alloc::<H>,
        tls_free: tls_free::<H>,
        tls_set: tls_set::<H>,
        tls_get: tls_get::<H>,
        mem_alloc: mem_alloc::<H>,
        mem_free: mem_free::<H>,
        time_ns: time_ns::<H>,
        wall_ns: wall_ns::<H>,
        timer_alloc: timer_alloc::<H>,
        timer_set_oneshot: timer_set_oneshot::<H>,
        timer_free: timer_free::<H>,
    }
}
