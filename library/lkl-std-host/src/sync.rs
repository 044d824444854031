//! Semaphores and mutexes that a dead library can wake all at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};

/// Shared by every primitive of one host: the dead flag and the list of
/// condition variables to wake when it is set.
#[derive(Default)]
pub(crate) struct DeathWatch {
    dead: AtomicBool,
    waiters: Mutex<Vec<Weak<dyn Wakeable>>>,
}

pub(crate) trait Wakeable: Send + Sync {
    fn wake_all(&self);
}

impl DeathWatch {
    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    fn register(&self, w: Weak<dyn Wakeable>) {
        let mut list = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        // Prune entries of freed primitives now and then, so the list stays
        // proportional to the live ones.
        if list.len() >= 64 && list.len().is_power_of_two() {
            list.retain(|w| w.strong_count() > 0);
        }
        list.push(w);
    }

    pub(crate) fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
        let list = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        for w in list.iter() {
            if let Some(w) = w.upgrade() {
                w.wake_all();
            }
        }
    }
}

/// A counting semaphore.
pub struct Semaphore(Arc<SemInner>);

pub(crate) struct SemInner {
    count: Mutex<u32>,
    cv: Condvar,
    watch: Arc<DeathWatch>,
}

impl Wakeable for SemInner {
    fn wake_all(&self) {
        let _g = self.count.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
    }
}

impl Semaphore {
    pub(crate) fn new(count: u32, watch: &Arc<DeathWatch>) -> Self {
        let inner = Arc::new(SemInner { count: Mutex::new(count), cv: Condvar::new(), watch: watch.clone() });
        let weak: Weak<dyn Wakeable> = Arc::downgrade(&(inner.clone() as Arc<dyn Wakeable>));
        watch.register(weak);
        Semaphore(inner)
    }

    pub(crate) fn up(&self) {
        let mut c = self.0.count.lock().unwrap_or_else(|e| e.into_inner());
        *c = c.saturating_add(1);
        self.0.cv.notify_one();
    }

    pub(crate) fn down(&self) {
        let mut c = self.0.count.lock().unwrap_or_else(|e| e.into_inner());
        while *c == 0 {
            if self.0.watch.is_dead() {
                return;
            }
            c = self.0.cv.wait(c).unwrap_or_else(|e| e.into_inner());
        }
        *c -= 1;
    }
}

/// A mutex with lock and unlock as separate calls, recursive or not.
pub struct HostMutex(Arc<MutexInner>);

pub(crate) struct MutexInner {
    state: Mutex<MutexState>,
    cv: Condvar,
    recursive: bool,
    watch: Arc<DeathWatch>,
}

#[derive(Default)]
struct MutexState {
    owner: u64,
    depth: u32,
}

impl Wakeable for MutexInner {
    fn wake_all(&self) {
        let _g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
    }
}

impl HostMutex {
    pub(crate) fn new(recursive: bool, watch: &Arc<DeathWatch>) -> Self {
        let inner = Arc::new(MutexInner {
            state: Mutex::new(MutexState::default()),
            cv: Condvar::new(),
            recursive,
            watch: watch.clone(),
        });
        let weak: Weak<dyn Wakeable> = Arc::downgrade(&(inner.clone() as Arc<dyn Wakeable>));
        watch.register(weak);
        HostMutex(inner)
    }

    pub(crate) fn lock(&self, me: u64) {
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        if self.0.recursive && s.depth > 0 && s.owner == me {
            s.depth += 1;
            return;
        }
        while s.depth > 0 {
            if self.0.watch.is_dead() {
                return;
            }
            s = self.0.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.owner = me;
        s.depth = 1;
    }

    pub(crate) fn unlock(&self, me: u64) {
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        // Unlocking a mutex one does not own is a caller bug; ignoring it
        // keeps the other owner's critical section intact.
        if s.depth == 0 || s.owner != me {
            return;
        }
        s.depth -= 1;
        if s.depth == 0 {
            s.owner = 0;
            self.0.cv.notify_one();
        }
    }
}
