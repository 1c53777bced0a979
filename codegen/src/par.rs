//! Order-preserving parallel map on scoped threads: the compiler's only source of
//! parallelism. Results come back in input order, so every output byte is
//! independent of how the threads were scheduled; a panic in a worker is resumed
//! on the caller's thread.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `items.iter().map(f).collect()`, on every core. Work is handed out one item at
/// a time (items differ in cost: `mod.rs` of a large catalog is one big item).
pub fn map<'a, T: Sync, R: Send>(items: &'a [T], f: impl Fn(&'a T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut indexed: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for h in handles {
            all.extend(
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        all
    });
    indexed.sort_unstable_by_key(|(i, _)| *i);
    indexed.into_iter().map(|(_, r)| r).collect()
}

/// [`map`] taking the items by value, in one contiguous share per core (for
/// items of similar cost).
pub fn map_owned<T: Send, R: Send>(mut items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        return items.into_iter().map(f).collect();
    }
    let share = items.len().div_ceil(workers);
    let mut shares = Vec::with_capacity(workers);
    while items.len() > share {
        let rest = items.split_off(share);
        shares.push(std::mem::replace(&mut items, rest));
    }
    shares.push(items);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| scope.spawn(move || share.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        let got = super::map(&items, |i| i * 2);
        assert_eq!(got, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn owned_keeps_input_order() {
        let items: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
        let want = items.clone();
        assert_eq!(super::map_owned(items, |s| s), want);
    }

    #[test]
    fn empty_and_single() {
        assert!(super::map(&[] as &[u8], |i| *i).is_empty());
        assert_eq!(super::map(&[7u8], |i| *i), vec![7]);
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_panic_propagates() {
        let items: Vec<u32> = (0..64).collect();
        super::map(&items, |i| if *i == 40 { panic!("boom") } else { *i });
    }
}
