//! One-shot timers served by a single timer thread, so callbacks never run
//! concurrently with each other and always on a thread with the library's
//! stack size (they may run Linux interrupt handlers).

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use lkl_abi::{Errno, THREAD_STACK_SIZE, TimerCallback};

struct Entry {
    deadline: Option<Instant>,
    callback: Arc<TimerCallback>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    timers: BTreeMap<u64, Entry>,
    /// The timer whose callback runs now, if any.
    running: Option<u64>,
    thread_started: bool,
}

#[derive(Default)]
pub(crate) struct TimerService {
    state: Mutex<State>,
    /// Signalled when deadlines change or a callback finishes.
    cv: Condvar,
}

/// A timer of the std host.
pub struct Timer {
    id: u64,
}

impl TimerService {
    pub(crate) fn create(self: &Arc<Self>, callback: TimerCallback) -> Result<Timer, Errno> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !s.thread_started {
            let me = self.clone();
            std::thread::Builder::new()
                .name("lkl-timer".into())
                .stack_size(THREAD_STACK_SIZE)
                .spawn(move || me.run())
                .map_err(|_| Errno::EAGAIN)?;
            s.thread_started = true;
        }
        s.next_id += 1;
        let id = s.next_id;
        s.timers.insert(id, Entry { deadline: None, callback: Arc::new(callback) });
        Ok(Timer { id })
    }

    pub(crate) fn arm(&self, t: &Timer, delta_ns: u64) -> Result<(), Errno> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let e = s.timers.get_mut(&t.id).ok_or(Errno::EINVAL)?;
        // Far-future deadlines saturate instead of overflowing Instant.
        let delta = Duration::from_nanos(delta_ns.min(u64::MAX / 4));
        e.deadline =
            Some(Instant::now().checked_add(delta).unwrap_or_else(|| Instant::now() + Duration::from_secs(1 << 30)));
        self.cv.notify_all();
        Ok(())
    }

    pub(crate) fn cancel(&self, t: &Timer) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = s.timers.get_mut(&t.id) {
            e.deadline = None;
        }
        self.cv.notify_all();
    }

    pub(crate) fn free(&self, t: Timer) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.timers.remove(&t.id);
        while s.running == Some(t.id) {
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        self.cv.notify_all();
    }

    fn run(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            let due = s.timers.iter().filter_map(|(id, e)| e.deadline.map(|d| (d, *id))).min();
            match due {
                Some((deadline, id)) if deadline <= now => {
                    let e = s.timers.get_mut(&id).expect("due timer exists");
                    e.deadline = None;
                    let cb = e.callback.clone();
                    s.running = Some(id);
                    drop(s);
                    cb();
                    s = self.state.lock().unwrap_or_else(|e| e.into_inner());
                    s.running = None;
                    self.cv.notify_all();
                }
                Some((deadline, _)) => {
                    s = self.cv.wait_timeout(s, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
                }
                None => {
                    s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
                }
            }
        }
    }
}
