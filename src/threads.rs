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
/// results.
pub fn side_by_side<A, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B)
where
    A: Send,
{
    let (mut from_a, from_b) = fan_out(vec![a], b);
    (from_a.pop().expect("one job, one result"), from_b)
}

/// Run each of `jobs` on a thread of its own while `here` runs on this
/// one; the jobs' results come back in order. With one core, or for a job
/// whose thread cannot be started, the job runs here, after `here`. A
/// panic in a job carries on in the caller.
pub fn fan_out<J, T, U>(jobs: Vec<J>, here: impl FnOnce() -> U) -> (Vec<T>, U)
where
    J: FnOnce() -> T + Send,
    T: Send,
{
    // A job moves to its thread through its slot; one that never started
    // is still in the slot afterwards.
    let mut slots: Vec<Option<J>> = jobs.into_iter().map(Some).collect();
    let (ran, from_here) = if cores() < 2 {
        (Vec::new(), here())
    } else {
        thread::scope(|scope| {
            let handles: Vec<_> = slots
                .iter_mut()
                .map(|slot| {
                    thread::Builder::new()
                        .name("rbk-worker".into())
                        .stack_size(STACK)
                        .spawn_scoped(scope, move || slot.take().map(|job| job()))
                        .ok()
                })
                .collect();
            let from_here = here();
            let ran: Vec<Option<T>> = handles
                .into_iter()
                .map(|handle| {
                    handle.and_then(|h| h.join().unwrap_or_else(|p| panic::resume_unwind(p)))
                })
                .collect();
            (ran, from_here)
        })
    };
    let mut ran = ran.into_iter();
    let results = slots
        .into_iter()
        .map(|slot| match (ran.next().flatten(), slot) {
            (Some(result), _) => result,
            (None, Some(job)) => job(),
            (None, None) => unreachable!("a job that ran on its thread returns its result"),
        })
        .collect();
    (results, from_here)
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
    fn jobs_come_back_in_order() {
        let jobs: Vec<_> = (0..5).map(|i| move || i * 10).collect();
        let (results, here) = fan_out(jobs, || "here");
        assert_eq!(results, [0, 10, 20, 30, 40]);
        assert_eq!(here, "here");
    }

    #[test]
    fn a_panic_on_the_second_thread_reaches_the_caller() {
        let caught = panic::catch_unwind(|| side_by_side(|| panic!("boom"), || ()));
        assert!(caught.is_err());
    }
}
