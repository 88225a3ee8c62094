//! Freeing big collections off the request path, as Redis's lazyfree does: dropping a hash of
//! 10M fields takes long enough to stall every client of the shard, so each collection type's
//! `Drop` hands a big value (more than [`THRESHOLD`] elements) to one background thread
//! instead. Every way a value dies — DEL, UNLINK, an overwrite, expiry, FLUSHALL, a snapshot
//! replacing the keyspace — goes through `Drop`, so no call site can forget.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

/// Collections with more elements than this are freed in the background (Redis's
/// `LAZYFREE_THRESHOLD`).
pub const THRESHOLD: usize = 64;

static PENDING: AtomicUsize = AtomicUsize::new(0);
static FREED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// True on the lazyfree thread: values dropped there are freed on the spot.
    static ON_FREE_THREAD: Cell<bool> = const { Cell::new(false) };
}

type Garbage = Box<dyn Send>;

fn sender() -> &'static Mutex<Sender<Garbage>> {
    static TX: OnceLock<Mutex<Sender<Garbage>>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = channel::<Garbage>();
        std::thread::Builder::new()
            .name("lazyfree".into())
            .spawn(move || {
                ON_FREE_THREAD.with(|f| f.set(true));
                for garbage in rx {
                    drop(garbage);
                    PENDING.fetch_sub(1, Ordering::Relaxed);
                    FREED.fetch_add(1, Ordering::Relaxed);
                }
            })
            .expect("the lazyfree thread starts");
        Mutex::new(tx)
    })
}

/// True when a value of `elements` elements being dropped here should go to the background.
pub fn should_defer(elements: usize) -> bool {
    elements > THRESHOLD && !ON_FREE_THREAD.with(Cell::get)
}

/// Frees `garbage` on the lazyfree thread (or here, if the thread is gone).
pub fn defer(garbage: impl Send + 'static) {
    PENDING.fetch_add(1, Ordering::Relaxed);
    let sent = sender()
        .lock()
        .map(|tx| tx.send(Box::new(garbage)).is_ok())
        .unwrap_or(false);
    if !sent {
        PENDING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Values waiting to be freed (INFO `lazyfree_pending_objects`).
pub fn pending() -> usize {
    PENDING.load(Ordering::Relaxed)
}

/// Values freed in the background since start (INFO `lazyfreed_objects`).
pub fn freed() -> usize {
    FREED.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_values_are_freed_in_the_background() {
        assert!(!should_defer(THRESHOLD));
        assert!(should_defer(THRESHOLD + 1));
        let before = freed();
        defer(vec![0u8; 1024]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while freed() == before {
            assert!(
                std::time::Instant::now() < deadline,
                "lazyfree thread did not run"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}
