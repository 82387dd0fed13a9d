//! SIGINT and SIGTERM. `reel index` stopped by one says so in one line and exits 130 (the
//! index is at its last commit: a commit is atomic, and a stopped run is a killed run, which
//! the reliability trials show loses nothing); `reel serve` finishes the requests in flight.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Set by the handler.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// Routes SIGINT and SIGTERM to [`STOP`].
fn install() {
    let handler: extern "C" fn(libc::c_int) = on_signal;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
    }
}

/// On SIGINT or SIGTERM, prints `message` on stderr and exits 130.
pub fn exit_on_signal(message: &'static str) {
    install();
    std::thread::spawn(move || loop {
        if STOP.load(Ordering::Relaxed) {
            say!("{message}");
            std::process::exit(130);
        }
        std::thread::sleep(Duration::from_millis(20));
    });
}

/// On SIGINT or SIGTERM, calls `stop` once (from another thread).
pub fn on_stop(stop: impl FnOnce() + Send + 'static) {
    install();
    std::thread::spawn(move || {
        while !STOP.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
        stop();
    });
}
