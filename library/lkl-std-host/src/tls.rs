//! Thread-local keys with destructors, created at run time (std's
//! `thread_local!` is static, the C side allocates keys dynamically).

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use lkl_abi::TlsDestructor;

/// A key: a slot index plus the generation that slot had when the key was
/// made, so a freed and reused slot never runs a stale destructor.
pub struct TlsKey {
    index: usize,
    generation: u64,
}

struct KeySlot {
    generation: u64,
    live: bool,
    destructor: Option<Arc<TlsDestructor>>,
}

static KEYS: Mutex<Vec<KeySlot>> = Mutex::new(Vec::new());

struct ThreadValues {
    /// (generation, value) per key index.
    values: Vec<(u64, *mut u8)>,
}

impl Drop for ThreadValues {
    fn drop(&mut self) {
        // Destructors may run C code; take the values out first and look up
        // the destructors without holding the key table.
        let values = std::mem::take(&mut self.values);
        for (index, (generation, value)) in values.into_iter().enumerate() {
            if value.is_null() {
                continue;
            }
            let destructor = {
                let keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
                keys.get(index).filter(|k| k.live && k.generation == generation).and_then(|k| k.destructor.clone())
            };
            if let Some(d) = destructor {
                d(value);
            }
        }
    }
}

thread_local! {
    static VALUES: RefCell<ThreadValues> = const { RefCell::new(ThreadValues { values: Vec::new() }) };
}

pub(crate) fn new_key(destructor: Option<TlsDestructor>) -> TlsKey {
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    let destructor = destructor.map(Arc::new);
    if let Some(index) = keys.iter().position(|k| !k.live) {
        let slot = &mut keys[index];
        slot.generation += 1;
        slot.live = true;
        slot.destructor = destructor;
        return TlsKey { index, generation: slot.generation };
    }
    keys.push(KeySlot { generation: 1, live: true, destructor });
    TlsKey { index: keys.len() - 1, generation: 1 }
}

pub(crate) fn free_key(key: &TlsKey) {
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(slot) = keys.get_mut(key.index).filter(|k| k.generation == key.generation) {
        slot.live = false;
        slot.destructor = None;
    }
}

pub(crate) fn set(key: &TlsKey, value: *mut u8) -> bool {
    VALUES
        .try_with(|v| {
            let mut v = v.borrow_mut();
            if v.values.len() <= key.index {
                v.values.resize(key.index + 1, (0, std::ptr::null_mut()));
            }
            v.values[key.index] = (key.generation, value);
        })
        .is_ok()
}

pub(crate) fn get(key: &TlsKey) -> *mut u8 {
    VALUES
        .try_with(|v| match v.borrow().values.get(key.index) {
            Some(&(g, value)) if g == key.generation => value,
            _ => std::ptr::null_mut(),
        })
        .unwrap_or(std::ptr::null_mut())
}
