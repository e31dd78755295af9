//! The allocator every JS runtime uses: it enforces the memory limit itself, so a run knows for
//! certain whether it ran out of memory (QuickJS throws `null` when even its error cannot be
//! allocated, which a handler's own `throw null` cannot be told apart from), and it can be told to
//! refuse everything, which stops a worker stuck in a native built-in that the interrupt handler
//! cannot reach: its next allocation fails and the built-in unwinds.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc;
use std::cell::Cell;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rquickjs::allocator::Allocator;

/// Every block starts with its size; this keeps the payload aligned for any value QuickJS stores.
const HEADER: usize = 16;
const ALIGN: usize = 16;

/// What a worker and its allocator share: the refusal switch and whether anything was refused.
#[derive(Debug)]
pub(crate) struct MemoryGuard {
    /// Set for good when the worker is abandoned: from then on every allocation fails.
    refuse_all: Arc<AtomicBool>,
    /// An allocation was refused since the last [`MemoryGuard::take_refused`].
    refused: Cell<bool>,
    /// Bytes handed out and not yet freed, and the most allowed.
    in_use: Cell<usize>,
    limit: usize,
}

impl MemoryGuard {
    pub(crate) fn new(limit: usize, refuse_all: Arc<AtomicBool>) -> Rc<MemoryGuard> {
        Rc::new(MemoryGuard {
            refuse_all,
            refused: Cell::new(false),
            in_use: Cell::new(0),
            limit,
        })
    }

    /// Whether an allocation was refused (the limit, or the worker abandoned) since last asked.
    pub(crate) fn take_refused(&self) -> bool {
        self.refused.replace(false)
    }

    /// Bytes the runtime holds now.
    pub(crate) fn in_use(&self) -> usize {
        self.in_use.get()
    }

    fn admit(&self, grow: usize) -> bool {
        let total = self.in_use.get().saturating_add(grow);
        if self.refuse_all.load(Ordering::Relaxed) || total > self.limit {
            self.refused.set(true);
            return false;
        }
        self.in_use.set(total);
        true
    }

    fn release(&self, size: usize) {
        self.in_use.set(self.in_use.get().saturating_sub(size));
    }
}

/// The runtime's allocator: mimalloc (QuickJS allocates and frees many small blocks per run, where
/// it is several times faster than glibc's malloc), behind the guard.
pub(crate) struct GuardedAllocator {
    guard: Rc<MemoryGuard>,
}

impl GuardedAllocator {
    pub(crate) fn new(guard: Rc<MemoryGuard>) -> GuardedAllocator {
        GuardedAllocator { guard }
    }
}

fn layout_for(size: usize) -> Option<Layout> {
    let total = size.checked_add(HEADER)?.checked_next_multiple_of(ALIGN)?;
    Layout::from_size_align(total, ALIGN).ok()
}

/// The payload of a block whose header was just written.
///
/// # Safety
/// `block` must point to at least `HEADER` writable bytes, aligned to `ALIGN`.
unsafe fn finish(block: *mut u8, size: usize) -> *mut u8 {
    if block.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: the block is at least HEADER bytes and aligned for a usize.
    unsafe {
        block.cast::<usize>().write(size);
        block.add(HEADER)
    }
}

/// The block and stored size of a payload pointer handed out by this allocator.
///
/// # Safety
/// `payload` must come from `finish`.
unsafe fn block_of(payload: *mut u8) -> (*mut u8, usize) {
    // SAFETY: every payload sits HEADER bytes into its block, whose first word is the size.
    unsafe {
        let block = payload.sub(HEADER);
        (block, block.cast::<usize>().read())
    }
}

// SAFETY: every pointer handed out is null or HEADER bytes into a live mimalloc block of at least
// the requested size, aligned to 16; sizes are stored in the header, so dealloc/realloc/usable_size
// use the layout the block was allocated with.
unsafe impl Allocator for GuardedAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        let Some(layout) = layout_for(size) else {
            return ptr::null_mut();
        };
        if !self.guard.admit(size) {
            return ptr::null_mut();
        }
        // SAFETY: the layout has a non-zero size (at least HEADER).
        let payload = unsafe { finish(MiMalloc.alloc(layout), size) };
        if payload.is_null() {
            self.guard.release(size);
        }
        payload
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            return ptr::null_mut();
        };
        let Some(layout) = layout_for(total) else {
            return ptr::null_mut();
        };
        if !self.guard.admit(total) {
            return ptr::null_mut();
        }
        // SAFETY: as in alloc.
        let payload = unsafe { finish(MiMalloc.alloc_zeroed(layout), total) };
        if payload.is_null() {
            self.guard.release(total);
        }
        payload
    }

    unsafe fn dealloc(&mut self, payload: *mut u8) {
        if payload.is_null() {
            return;
        }
        // SAFETY: the caller hands back a pointer this allocator gave out.
        unsafe {
            let (block, size) = block_of(payload);
            self.guard.release(size);
            if let Some(layout) = layout_for(size) {
                MiMalloc.dealloc(block, layout);
            }
        }
    }

    unsafe fn realloc(&mut self, payload: *mut u8, new_size: usize) -> *mut u8 {
        if payload.is_null() {
            return self.alloc(new_size);
        }
        // SAFETY: the caller hands back a pointer this allocator gave out.
        let (block, old_size) = unsafe { block_of(payload) };
        let (Some(old_layout), Some(new_layout)) = (layout_for(old_size), layout_for(new_size))
        else {
            return ptr::null_mut();
        };
        if new_size > old_size && !self.guard.admit(new_size - old_size) {
            return ptr::null_mut();
        }
        // SAFETY: the block was allocated with old_layout; the new size is non-zero.
        let moved = unsafe { MiMalloc.realloc(block, old_layout, new_layout.size()) };
        if moved.is_null() {
            if new_size > old_size {
                self.guard.release(new_size - old_size);
            }
            return ptr::null_mut();
        }
        if new_size < old_size {
            self.guard.release(old_size - new_size);
        }
        // SAFETY: the moved block is at least HEADER bytes, aligned.
        unsafe { finish(moved, new_size) }
    }

    unsafe fn usable_size(payload: *mut u8) -> usize {
        if payload.is_null() {
            return 0;
        }
        // SAFETY: the caller hands in a pointer this allocator gave out.
        unsafe { block_of(payload).1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_and_the_switch_refuse_and_are_reported_once() {
        let switch = Arc::new(AtomicBool::new(false));
        let guard = MemoryGuard::new(1000, Arc::clone(&switch));
        let mut allocator = GuardedAllocator::new(Rc::clone(&guard));
        let a = allocator.alloc(600);
        assert!(!a.is_null());
        assert!(allocator.alloc(600).is_null(), "past the limit");
        assert!(guard.take_refused());
        assert!(!guard.take_refused(), "reported once");
        // SAFETY: `a` came from this allocator.
        let a = unsafe { allocator.realloc(a, 900) };
        assert!(!a.is_null());
        assert_eq!(unsafe { GuardedAllocator::usable_size(a) }, 900);
        unsafe { allocator.dealloc(a) };
        assert_eq!(guard.in_use.get(), 0);
        switch.store(true, Ordering::Relaxed);
        assert!(allocator.alloc(8).is_null(), "refused once switched");
        assert!(guard.take_refused());
    }
}
