//! Work on several threads, handed back in order: item `i` goes to the caller as soon as every
//! item before it has, and the threads never run more than a few items ahead of the first one
//! not yet handed back, so memory stays that of a few results however many items there are.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// How many items the threads may run ahead of the first one not yet handed back.
const AHEAD_PER_THREAD: usize = 64;

/// Runs `work` for items `0..n` on up to `threads` threads (each with its own state from
/// `state`) and hands every result to `each` on the calling thread, in order. An item whose
/// thread stopped without answering (a panic) is handed back as `stopped(i)`. An error from
/// `each` stops the run (the items running finish, no new one starts) and is returned.
pub fn run<S, T: Send, E>(
    n: usize,
    threads: usize,
    state: impl Fn() -> S + Sync,
    work: impl Fn(usize, &mut S) -> T + Sync,
    stopped: impl Fn(usize) -> T,
    mut each: impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E> {
    let threads = threads.max(1).min(n.max(1));
    if threads == 1 {
        // On the calling thread: no hand-off per item.
        let mut s = state();
        for i in 0..n {
            each(i, work(i, &mut s))?;
        }
        return Ok(());
    }
    let ahead = threads * AHEAD_PER_THREAD;
    let next = AtomicUsize::new(0);
    // The first item not yet handed back, or usize::MAX once the run stops.
    let handed = Mutex::new(0usize);
    let moved = Condvar::new();
    let (tx, rx) = crossbeam_channel::unbounded::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (state, work, next, handed, moved) = (&state, &work, &next, &handed, &moved);
            scope.spawn(move || {
                // A panic here stops the run rather than leave the others waiting for this
                // thread's item.
                let _stop = Stop {
                    handed,
                    moved,
                    only_on_panic: true,
                };
                let mut s = state();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n || !wait_turn(handed, moved, i, ahead) {
                        break;
                    }
                    if tx.send((i, work(i, &mut s))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // However this ends (a panic in `each` included), no thread waits on.
        let _stop = Stop {
            handed: &handed,
            moved: &moved,
            only_on_panic: false,
        };
        let mut waiting = BTreeMap::new();
        let mut first = 0usize;
        for (i, r) in rx.iter() {
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&first) {
                each(first, r)?;
                first += 1;
            }
            {
                // Once stopped (a thread's panic), stopped for good.
                let mut h = lock(&handed);
                if *h != usize::MAX {
                    *h = first;
                }
            }
            moved.notify_all();
        }
        // A thread that stopped without answering (a panic) leaves its item out.
        while first < n {
            let r = waiting.remove(&first).unwrap_or_else(|| stopped(first));
            each(first, r)?;
            first += 1;
        }
        Ok(())
    })
}

/// Waits until item `i` is within `ahead` of the first item not yet handed back; false once
/// the run has stopped.
fn wait_turn(handed: &Mutex<usize>, moved: &Condvar, i: usize, ahead: usize) -> bool {
    let mut h = lock(handed);
    while *h != usize::MAX && i >= *h + ahead {
        h = moved.wait(h).unwrap_or_else(|e| e.into_inner());
    }
    *h != usize::MAX
}

/// Stops a run when dropped: no thread waits for an item to be handed back any more.
struct Stop<'a> {
    handed: &'a Mutex<usize>,
    moved: &'a Condvar,
    only_on_panic: bool,
}

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        if !self.only_on_panic || std::thread::panicking() {
            *lock(self.handed) = usize::MAX;
            self.moved.notify_all();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_order_and_an_error_stops_the_run() {
        for threads in [1, 2, 5] {
            let mut seen = Vec::new();
            let r: Result<(), ()> = super::run(
                1000,
                threads,
                || (),
                |i, _| i * 2,
                |_| usize::MAX,
                |i, v| {
                    seen.push((i, v));
                    Ok(())
                },
            );
            assert!(r.is_ok());
            assert_eq!(seen, (0..1000).map(|i| (i, i * 2)).collect::<Vec<_>>());
            let mut count = 0;
            let r = super::run(
                1000,
                threads,
                || (),
                |i, _| i,
                |_| 0,
                |i, _| {
                    count += 1;
                    if i == 10 {
                        Err(i)
                    } else {
                        Ok(())
                    }
                },
            );
            assert_eq!((r, count), (Err(10), 11));
        }
    }
}
