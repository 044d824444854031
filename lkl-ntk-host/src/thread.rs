//! Host threads: system threads whose bodies run on an expanded kernel stack,
//! a lock-free registry from thread id to the thread's record, and
//! thread-local keys whose destructors the start wrapper runs at exit (Wine's
//! thread-notify routines are stubs, and Windows offers no TLS with
//! destructors in the kernel).

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::ffi::c_void;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

use lkl_abi::{Errno, ThreadBody, TlsDestructor};

use crate::NtHost;
use crate::sync::{Event, Mutex};

/// Thread-local keys per host.
pub const TLS_KEYS: usize = 64;
/// Live host threads per host (registry slots).
pub const MAX_THREADS: usize = 1024;
/// POSIX's PTHREAD_DESTRUCTOR_ITERATIONS: destructors may set values again.
const DESTRUCTOR_ROUNDS: usize = 4;
const TOMBSTONE: u64 = u64::MAX;

/// What a host thread owns: its thread-local values.
pub struct ThreadRecord {
    values: [AtomicPtr<u8>; TLS_KEYS],
}

impl ThreadRecord {
    fn new() -> ThreadRecord {
        ThreadRecord { values: [const { AtomicPtr::new(ptr::null_mut()) }; TLS_KEYS] }
    }
}

/// Open-addressed table from thread id to record. Writers hold `write`;
/// readers (tls_get on every syscall) only probe atomics, which is why the
/// table is not the lock's data. A thread only ever
/// looks up its own id, and only that thread removes it (at exit), so a
/// record is never freed under a reader.
pub struct Registry {
    write: Mutex<()>,
    ids: [AtomicU64; MAX_THREADS],
    records: [AtomicPtr<ThreadRecord>; MAX_THREADS],
}

impl Registry {
    /// Empty.
    pub const fn new() -> Registry {
        Registry {
            write: Mutex::new(()),
            ids: [const { AtomicU64::new(0) }; MAX_THREADS],
            records: [const { AtomicPtr::new(ptr::null_mut()) }; MAX_THREADS],
        }
    }

    fn home(id: u64) -> usize {
        // Thread ids are multiples of 4 on Windows.
        ((id >> 2) as usize).wrapping_mul(0x9E37_79B9) % MAX_THREADS
    }

    /// Slot `i`'s id and record. Every probe index is taken modulo
    /// MAX_THREADS, so this is never None; `get` keeps that checked.
    fn slot(&self, i: usize) -> Option<(&AtomicU64, &AtomicPtr<ThreadRecord>)> {
        self.ids.get(i).zip(self.records.get(i))
    }

    /// The probe sequence for `id`: every slot once, from its home slot.
    fn probe(id: u64) -> impl Iterator<Item = usize> {
        let start = Self::home(id);
        (0..MAX_THREADS).map(move |i| (start + i) % MAX_THREADS)
    }

    fn insert(&'static self, id: u64, record: *mut ThreadRecord) -> bool {
        let _g = self.write.lock();
        for (ids, records) in Self::probe(id).filter_map(|i| self.slot(i)) {
            let cur = ids.load(Ordering::Acquire);
            if cur == 0 || cur == TOMBSTONE {
                records.store(record, Ordering::Release);
                ids.store(id, Ordering::Release);
                return true;
            }
        }
        false
    }

    fn remove(&'static self, id: u64) {
        let _g = self.write.lock();
        if let Some((ids, records)) = self.find_slot(id).and_then(|i| self.slot(i)) {
            records.store(ptr::null_mut(), Ordering::Release);
            ids.store(TOMBSTONE, Ordering::Release);
        }
    }

    fn find_slot(&self, id: u64) -> Option<usize> {
        for slot in Self::probe(id) {
            match self.ids.get(slot)?.load(Ordering::Acquire) {
                0 => return None,
                cur if cur == id => return Some(slot),
                _ => {}
            }
        }
        None
    }

    /// The calling thread's record, if the host created this thread.
    fn current(&self, id: u64) -> Option<&ThreadRecord> {
        let slot = self.find_slot(id)?;
        let rec = self.records.get(slot)?.load(Ordering::Acquire);
        // SAFETY: the record belongs to the calling thread (ids are unique
        // among live threads) and is only freed by that thread after it
        // removed itself, so it is alive for the duration of this call.
        unsafe { rec.as_ref() }
    }

    /// Clears value `key` in every live record (a key slot is reused).
    fn clear_key(&'static self, key: usize) {
        let _g = self.write.lock();
        for r in &self.records {
            let rec = r.load(Ordering::Acquire);
            // SAFETY: records in the table are alive while we hold `write`
            // (removal takes it before the owner frees the record).
            if let Some(value) = unsafe { rec.as_ref() }.and_then(|r| r.values.get(key)) {
                value.store(ptr::null_mut(), Ordering::Release);
            }
        }
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

/// One thread-local key slot.
enum Key {
    Free,
    /// Handed out by `tls_new`, with the destructor for its values.
    Used(Option<Arc<TlsDestructor>>),
}

/// The key table: which slots are in use and their destructors.
pub struct Keys(Mutex<[Key; TLS_KEYS]>);

impl Keys {
    /// Empty.
    pub const fn new() -> Keys {
        Keys(Mutex::new([const { Key::Free }; TLS_KEYS]))
    }

    fn destructor(&'static self, key: usize) -> Option<Arc<TlsDestructor>> {
        match self.0.lock().get(key) {
            Some(Key::Used(d)) => d.clone(),
            _ => None,
        }
    }
}

impl Default for Keys {
    fn default() -> Self {
        Keys::new()
    }
}

/// A thread-local key; dropping it frees the slot.
pub struct TlsKey {
    host: &'static NtHost,
    index: usize,
}

impl Drop for TlsKey {
    fn drop(&mut self) {
        // Taken out of the table so the destructor drops after the lock.
        let old = self.host.keys.0.lock().get_mut(self.index).map(|k| core::mem::replace(k, Key::Free));
        drop(old);
    }
}

/// A joinable host thread: a referenced thread object.
pub struct Thread {
    object: *mut c_void,
}

// SAFETY: a referenced thread object may be waited on and dereferenced from
// any thread.
unsafe impl Send for Thread {}

impl Drop for Thread {
    fn drop(&mut self) {
        if !self.object.is_null() {
            // SAFETY: we hold the reference taken at spawn.
            unsafe { nt::ObfDereferenceObject(self.object) };
        }
    }
}

/// Everything the new thread needs, in pool memory until it exits.
struct Start {
    host: &'static NtHost,
    body: Option<ThreadBody>,
    record: ThreadRecord,
    /// Set by the spawner once the thread is registered (or abandoned).
    go: Event,
    cancelled: AtomicBool,
}

pub(crate) fn current_record(host: &NtHost) -> Option<&ThreadRecord> {
    host.threads.current(current_id())
}

/// `PsGetCurrentThreadId` as a number (never 0 for a real thread).
pub fn current_id() -> u64 {
    // SAFETY: no preconditions.
    unsafe { nt::PsGetCurrentThreadId() as u64 }
}

pub(crate) fn spawn(host: &'static NtHost, body: ThreadBody) -> Result<Thread, Errno> {
    let start = Box::new(Start {
        host,
        body: Some(body),
        record: ThreadRecord::new(),
        go: Event::new(),
        cancelled: AtomicBool::new(false),
    });
    // SAFETY: the event is in the box and not yet shared.
    unsafe { start.go.init(true, false) };
    let raw = Box::into_raw(start);
    let mut handle: nt::HANDLE = ptr::null_mut();
    let mut client = nt::CLIENT_ID { UniqueProcess: ptr::null_mut(), UniqueThread: ptr::null_mut() };
    let mut attrs = nt::OBJECT_ATTRIBUTES::new(ptr::null_mut(), nt::OBJ_KERNEL_HANDLE, ptr::null_mut());
    // SAFETY: all out-pointers are valid; `raw` stays alive until the new
    // thread frees it (it owns it from here on if creation succeeds).
    let status = unsafe {
        nt::PsCreateSystemThread(
            &mut handle,
            nt::THREAD_ALL_ACCESS,
            &mut attrs,
            ptr::null_mut(),
            &mut client,
            thread_start,
            raw.cast(),
        )
    };
    if !nt::nt_success(status) {
        // SAFETY: creation failed, so no thread owns `raw`.
        drop(unsafe { Box::from_raw(raw) });
        return Err(Errno::EAGAIN);
    }
    let mut object: *mut c_void = ptr::null_mut();
    // SAFETY: `handle` is the kernel handle just returned; the thread type
    // slot is bound by the loader.
    let status = unsafe {
        nt::ObReferenceObjectByHandle(
            handle,
            nt::SYNCHRONIZE,
            nt::ps_thread_type(),
            nt::KernelMode,
            &mut object,
            ptr::null_mut(),
        )
    };
    // SAFETY: we own the handle; the object reference (if any) keeps the
    // thread object alive.
    unsafe { nt::ZwClose(handle) };
    // SAFETY: the new thread waits on `go` before touching `raw` beyond it.
    let start = unsafe { &*raw };
    let registered =
        nt::nt_success(status) && host.threads.insert(client.UniqueThread as u64, &start.record as *const _ as *mut _);
    if !registered {
        start.cancelled.store(true, Ordering::SeqCst);
        start.go.set();
        if nt::nt_success(status) {
            let t = Thread { object };
            // SAFETY: `t` holds a reference to the thread object.
            unsafe { crate::sync::wait_one(t.object) };
        }
        return Err(if nt::nt_success(status) { Errno::EAGAIN } else { Errno::EIO });
    }
    start.go.set();
    Ok(Thread { object })
}

pub(crate) fn join(thread: Thread) {
    // SAFETY: `thread` holds a reference to the thread object.
    unsafe { crate::sync::wait_one(thread.object) };
    drop(thread);
}

/// The start routine of every host thread.
unsafe extern "system" fn thread_start(context: *mut c_void) {
    let raw = context.cast::<Start>();
    // SAFETY: `raw` is the Start the spawner leaked for us; it stays valid
    // until we free it below.
    let start = unsafe { &mut *raw };
    start.go.wait();
    let host = start.host;
    if !start.cancelled.load(Ordering::SeqCst) {
        // SAFETY: `raw` is valid for the call; the callout runs synchronously.
        let status = unsafe { nt::KeExpandKernelStackAndCallout(run_body, raw.cast(), lkl_abi::THREAD_STACK_SIZE) };
        if !nt::nt_success(status) {
            // No large stack could be had: running the body on the normal
            // stack beats leaving a Linux thread that never runs.
            crate::print::print(
                b"lkl-ntk-host: KeExpandKernelStackAndCallout failed; running the thread on its own stack\n",
            );
            // SAFETY: `raw` is this thread's start block, alive until we free
            // it below; run_body runs synchronously on this thread.
            unsafe { run_body(raw.cast()) };
        }
        run_tls_destructors(host, &start.record);
        host.threads.remove(current_id());
    }
    // SAFETY: we are the owner; nothing refers to the record any more.
    drop(unsafe { Box::from_raw(raw) });
    // SAFETY: ends this system thread, which the host created.
    unsafe { nt::PsTerminateSystemThread(nt::STATUS_SUCCESS) };
}

unsafe extern "system" fn run_body(parameter: *mut c_void) {
    // SAFETY: `parameter` is the thread's Start (see thread_start).
    let start = unsafe { &mut *parameter.cast::<Start>() };
    if let Some(body) = start.body.take() {
        body();
    }
}

fn run_tls_destructors(host: &'static NtHost, record: &ThreadRecord) {
    for _ in 0..DESTRUCTOR_ROUNDS {
        let mut ran = false;
        for (key, slot) in record.values.iter().enumerate() {
            let value = slot.swap(ptr::null_mut(), Ordering::AcqRel);
            if value.is_null() {
                continue;
            }
            if let Some(d) = host.keys.destructor(key) {
                d(value);
                ran = true;
            }
        }
        if !ran {
            break;
        }
    }
}

pub(crate) fn tls_new(host: &'static NtHost, destructor: Option<TlsDestructor>) -> Result<TlsKey, Errno> {
    let index = {
        let mut keys = host.keys.0.lock();
        let Some((index, key)) = keys.iter_mut().enumerate().find(|(_, k)| matches!(k, Key::Free)) else {
            return Err(Errno::EAGAIN);
        };
        *key = Key::Used(destructor.map(Arc::new));
        index
    };
    host.threads.clear_key(index);
    Ok(TlsKey { host, index })
}

pub(crate) fn tls_set(host: &NtHost, key: &TlsKey, value: *mut u8) -> Result<(), Errno> {
    // Only host-created threads have records: the driver enters the library
    // on its own worker threads only.
    let rec = current_record(host).ok_or(Errno::EINVAL)?;
    // A TlsKey's index comes from tls_new, below TLS_KEYS.
    rec.values.get(key.index).ok_or(Errno::EINVAL)?.store(value, Ordering::Release);
    Ok(())
}

pub(crate) fn tls_get(host: &NtHost, key: &TlsKey) -> *mut u8 {
    current_record(host).and_then(|r| r.values.get(key.index)).map_or(ptr::null_mut(), |v| v.load(Ordering::Acquire))
}
