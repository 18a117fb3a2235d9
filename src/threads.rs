//! Work on more than one core, for large inputs only: parsing a large
//! procedure in parts (`syntax/parts.rs`) and checking it
//! (`check::check`). Small files stay on one thread, where starting
//! another would cost more than it saves.
use std::num::NonZeroUsize;
use std::sync::OnceLock;
use std::{panic, thread};

/// Files at least this large are worth a second thread (about 25 ms of
/// work on one core).
pub const PARALLEL_FROM: usize = 256 * 1024;

/// Threads rbk starts get the main thread's stack size, so the nesting
/// limits (`syntax/limits.rs`) hold on them too. Untouched stack costs no
/// memory.
pub const STACK: usize = 8 << 20;

/// The cores this process may use, asked once: on Linux the answer reads
/// cgroup files, which costs more than parsing a small file.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

/// Run `a` on a second thread while `b` runs on this one, and return both
/// results. With one core, or when no thread can be started, `a` runs here
/// after `b`. A panic in `a` carries on in the caller.
pub fn side_by_side<A, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B)
where
    A: Send,
{
    if cores() < 2 {
        let rb = b();
        return (a(), rb);
    }
    let mut a = Some(a);
    let (ra, rb) = thread::scope(|scope| {
        let slot = &mut a;
        let handle = thread::Builder::new()
            .name("rbk-side".into())
            .stack_size(STACK)
            .spawn_scoped(scope, move || slot.take().map(|a| a()));
        let rb = b();
        let ra = match handle {
            Ok(handle) => handle.join().unwrap_or_else(|p| panic::resume_unwind(p)),
            Err(_) => None,
        };
        (ra, rb)
    });
    // Not started: `a` is still here.
    let ra = ra.unwrap_or_else(|| a.take().expect("`a` ran on the thread or is here")());
    (ra, rb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_run_once_and_return_in_order() {
        let (a, b) = side_by_side(|| 1 + 1, || "b");
        assert_eq!((a, b), (2, "b"));
    }

    #[test]
    fn a_panic_on_the_second_thread_reaches_the_caller() {
        let caught = panic::catch_unwind(|| side_by_side(|| panic!("boom"), || ()));
        assert!(caught.is_err());
    }
}
