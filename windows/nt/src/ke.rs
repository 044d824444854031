//! Dispatcher objects (events, semaphores, mutexes, timers), waits, time,
//! stack expansion and bugchecks.
//!
//! Every dispatcher object must stay at one address from initialisation until
//! no thread waits on it any more (Windows links wait blocks into it; Wine
//! stores a host handle in `WaitListHead`), so callers keep them in pool
//! memory or statics, never on a stack that may return.

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::c_void;

use crate::types::{BOOLEAN, KIRQL, KPROCESSOR_MODE, LARGE_INTEGER, LIST_ENTRY, NTSTATUS};

/// `KWAIT_REASON` (`Executive` is the one drivers use).
pub type KWAIT_REASON = i32;
/// `WAIT_TYPE`.
pub type WAIT_TYPE = i32;
/// `EVENT_TYPE`.
pub type EVENT_TYPE = i32;
/// `TIMER_TYPE`.
pub type TIMER_TYPE = i32;
/// `KPRIORITY`.
pub type KPRIORITY = i32;
/// `PEXPAND_STACK_CALLOUT`.
pub type EXPAND_STACK_CALLOUT = unsafe extern "system" fn(parameter: *mut c_void);

crate::nt_structs! {
    /// `DISPATCHER_HEADER`; `Lock` overlays the Type/Size bytes.
    pub struct DISPATCHER_HEADER {
        pub Lock: i32,
        pub SignalState: i32,
        pub WaitListHead: LIST_ENTRY,
    }

    /// `KEVENT`.
    pub struct KEVENT {
        pub Header: DISPATCHER_HEADER,
    }

    /// `KSEMAPHORE`.
    pub struct KSEMAPHORE {
        pub Header: DISPATCHER_HEADER,
        pub Limit: i32,
    }

    /// `KMUTEX` (declared for completeness: the host does not use it, because
    /// a thread that exits while owning one bugchecks the machine, which a
    /// dead library would cause).
    pub struct KMUTEX {
        pub Header: DISPATCHER_HEADER,
        pub MutantListEntry: LIST_ENTRY,
        pub OwnerThread: *mut c_void,
        pub Abandoned: BOOLEAN,
        pub ApcDisable: u8,
    }

    /// `KDPC`, opaque: the host never queues DPCs.
    pub struct KDPC {
        _opaque: [u64; 8],
    }

    /// `KTIMER`.
    pub struct KTIMER {
        pub Header: DISPATCHER_HEADER,
        pub DueTime: u64,
        pub TimerListEntry: LIST_ENTRY,
        pub Dpc: *mut KDPC,
        pub Processor: u32,
        pub Period: i32,
    }
}

impl KEVENT {
    /// Storage to be initialised with `KeInitializeEvent`.
    pub const fn zeroed() -> KEVENT {
        // Dispatcher objects are plain integers and pointers; zero is the
        // state before Ke*Initialize* and is never waited on.
        KEVENT { Header: DISPATCHER_HEADER::zeroed() }
    }
}

impl KSEMAPHORE {
    /// Storage to be initialised with `KeInitializeSemaphore`.
    pub const fn zeroed() -> KSEMAPHORE {
        KSEMAPHORE { Header: DISPATCHER_HEADER::zeroed(), Limit: 0 }
    }
}

impl KTIMER {
    /// Storage to be initialised with `KeInitializeTimerEx`.
    pub const fn zeroed() -> KTIMER {
        KTIMER {
            Header: DISPATCHER_HEADER::zeroed(),
            DueTime: 0,
            TimerListEntry: LIST_ENTRY { Flink: core::ptr::null_mut(), Blink: core::ptr::null_mut() },
            Dpc: core::ptr::null_mut(),
            Processor: 0,
            Period: 0,
        }
    }
}

impl DISPATCHER_HEADER {
    /// All zero.
    pub const fn zeroed() -> DISPATCHER_HEADER {
        DISPATCHER_HEADER {
            Lock: 0,
            SignalState: 0,
            WaitListHead: LIST_ENTRY { Flink: core::ptr::null_mut(), Blink: core::ptr::null_mut() },
        }
    }
}

crate::nt_consts! {
    /// `Executive` wait reason.
    pub const Executive: KWAIT_REASON = 0;
    /// `WaitAll`.
    pub const WaitAll: WAIT_TYPE = 0;
    /// `WaitAny`.
    pub const WaitAny: WAIT_TYPE = 1;
    /// `NotificationEvent`: stays signalled until reset.
    pub const NotificationEvent: EVENT_TYPE = 0;
    /// `SynchronizationEvent`: a satisfied wait resets it.
    pub const SynchronizationEvent: EVENT_TYPE = 1;
    /// `NotificationTimer`.
    pub const NotificationTimer: TIMER_TYPE = 0;
    /// `SynchronizationTimer`.
    pub const SynchronizationTimer: TIMER_TYPE = 1;
    /// `IO_NO_INCREMENT`.
    pub const IO_NO_INCREMENT: KPRIORITY = 0;
    /// `IO_DISK_INCREMENT`: the priority boost for completing disk I/O.
    pub const IO_DISK_INCREMENT: KPRIORITY = 1;
    /// `THREAD_WAIT_OBJECTS`: waits on at most this many objects need no
    /// wait-block array.
    pub const THREAD_WAIT_OBJECTS: u32 = 3;
    /// `MAXIMUM_EXPANSION_SIZE`: the largest stack `KeExpandKernelStackAndCallout` grants.
    pub const MAXIMUM_EXPANSION_SIZE: usize = 71680;
    /// `MAXLONG`.
    pub const MAXLONG: i32 = 0x7fff_ffff;
}

unsafe extern "system" {
    /// `KeInitializeEvent`. IRQL <= DISPATCH_LEVEL.
    pub fn KeInitializeEvent(Event: *mut KEVENT, Type: EVENT_TYPE, State: BOOLEAN);
    /// `KeSetEvent`; returns the previous state.
    pub fn KeSetEvent(Event: *mut KEVENT, Increment: KPRIORITY, Wait: BOOLEAN) -> i32;
    /// `KeResetEvent`; returns the previous state.
    pub fn KeResetEvent(Event: *mut KEVENT) -> i32;
    /// `KeClearEvent`.
    pub fn KeClearEvent(Event: *mut KEVENT);
    /// `KeInitializeSemaphore`.
    pub fn KeInitializeSemaphore(Semaphore: *mut KSEMAPHORE, Count: i32, Limit: i32);
    /// `KeReleaseSemaphore`; returns the previous count.
    pub fn KeReleaseSemaphore(Semaphore: *mut KSEMAPHORE, Increment: KPRIORITY, Adjustment: i32, Wait: BOOLEAN) -> i32;
    /// `KeInitializeMutex`.
    pub fn KeInitializeMutex(Mutex: *mut KMUTEX, Level: u32);
    /// `KeReleaseMutex`.
    pub fn KeReleaseMutex(Mutex: *mut KMUTEX, Wait: BOOLEAN) -> i32;
    /// `KeInitializeTimerEx`.
    pub fn KeInitializeTimerEx(Timer: *mut KTIMER, Type: TIMER_TYPE);
    /// `KeSetTimer`: `DueTime` negative is relative, in 100 ns units.
    pub fn KeSetTimer(Timer: *mut KTIMER, DueTime: LARGE_INTEGER, Dpc: *mut KDPC) -> BOOLEAN;
    /// `KeCancelTimer`.
    pub fn KeCancelTimer(Timer: *mut KTIMER) -> BOOLEAN;
    /// `KeWaitForSingleObject`. PASSIVE_LEVEL unless the timeout is zero.
    pub fn KeWaitForSingleObject(
        Object: *mut c_void,
        WaitReason: KWAIT_REASON,
        WaitMode: KPROCESSOR_MODE,
        Alertable: BOOLEAN,
        Timeout: *mut LARGE_INTEGER,
    ) -> NTSTATUS;
    /// `KeWaitForMultipleObjects`; `WaitBlockArray` may be null for up to
    /// [`THREAD_WAIT_OBJECTS`] objects.
    pub fn KeWaitForMultipleObjects(
        Count: u32,
        Object: *mut *mut c_void,
        WaitType: WAIT_TYPE,
        WaitReason: KWAIT_REASON,
        WaitMode: KPROCESSOR_MODE,
        Alertable: BOOLEAN,
        Timeout: *mut LARGE_INTEGER,
        WaitBlockArray: *mut c_void,
    ) -> NTSTATUS;
    /// `KeDelayExecutionThread`.
    pub fn KeDelayExecutionThread(
        WaitMode: KPROCESSOR_MODE,
        Alertable: BOOLEAN,
        Interval: *mut LARGE_INTEGER,
    ) -> NTSTATUS;
    /// `KeExpandKernelStackAndCallout`: runs `Callout` with at least `Size`
    /// bytes of stack (at most [`MAXIMUM_EXPANSION_SIZE`]).
    pub fn KeExpandKernelStackAndCallout(
        Callout: EXPAND_STACK_CALLOUT,
        Parameter: *mut c_void,
        Size: usize,
    ) -> NTSTATUS;
    /// `KeGetCurrentIrql`.
    pub fn KeGetCurrentIrql() -> KIRQL;
    /// `KeBugCheckEx`: stops the machine.
    pub fn KeBugCheckEx(BugCheckCode: u32, P1: usize, P2: usize, P3: usize, P4: usize) -> !;
    /// `KeQueryPerformanceCounter` (exported by HAL.dll).
    pub fn KeQueryPerformanceCounter(PerformanceFrequency: *mut LARGE_INTEGER) -> LARGE_INTEGER;
}
