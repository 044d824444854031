//! Requests that wait (lock requests for a free range, change notifications
//! for a change): the routine answers [`Pending::Waiting`] with a token, the
//! driver keeps the IRP pending under it, and completes it when
//! [`Vcb::take_finished`] names the token, or takes it back with
//! [`Vcb::cancel_waiter`] when the IRP is cancelled.

use alloc::vec::Vec;

use fs_glue::{NtStatus, Vfs};

use crate::Reply;
use crate::vcb::Vcb;

/// How a request that may wait ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Complete it now.
    Now(Reply),
    /// Complete it now with this output (IoStatus.Information its length).
    Output(NtStatus, Vec<u8>),
    /// It waits under this token.
    Waiting(u64),
}

/// A waiting request that finished: its token, status and the bytes its
/// buffer receives (a change notification's records; empty otherwise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    /// The token it waited under.
    pub token: u64,
    /// IoStatus.Status.
    pub status: NtStatus,
    /// The output; IoStatus.Information is its length.
    pub data: Vec<u8>,
}

impl Finished {
    /// Finished with `status` and no output.
    pub(crate) fn status(token: u64, status: NtStatus) -> Finished {
        Finished { token, status, data: Vec::new() }
    }
}

impl<V: Vfs> Vcb<V> {
    /// The waiting requests that finished since the last call (granted,
    /// changed, or ended by a cleanup or a dismount): the driver completes
    /// each IRP with its status and output.
    pub fn take_finished(&mut self) -> Vec<Finished> {
        self.deliver_notifications();
        core::mem::take(&mut self.finished)
    }

    /// Takes a waiting request out (its IRP was cancelled); false when it
    /// has finished already (its completion is in [`Vcb::take_finished`]).
    pub fn cancel_waiter(&mut self, token: u64) -> bool {
        self.cancel_lock_waiter(token) || self.cancel_notify_waiter(token)
    }

    /// A new token.
    pub(crate) fn token(&mut self) -> u64 {
        self.next_token += 1;
        self.next_token
    }
}
