//! The machinery every export shares: the panic boundary, opaque handles with poisoning, checked
//! inputs, caller-owned output buffers, and the OS random number generator.
//!
//! All raw-pointer handling of the crate goes through the `unsafe fn`s of this module; each
//! states the contract its caller must uphold, and each export forwards its own `# Safety`
//! contract to them in one documented `unsafe` block.

use core::cell::UnsafeCell;
use core::panic::AssertUnwindSafe;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::panic::catch_unwind;

use crate::result::guestlink_result;

/// What the helpers return: a value, or the result code to hand back to C.
pub(crate) type FfiResult<T> = Result<T, guestlink_result>;

/// Runs `f` so that no panic unwinds into C: a panic becomes [`guestlink_result::Panic`].
///
/// `AssertUnwindSafe` is sound here because every handle borrowed inside `f` is borrowed
/// through [`Shared`] or [`Exclusive`], which poison the handle while unwinding: state a panic may have left
/// half-updated is never observed again.
pub(crate) fn boundary(f: impl FnOnce() -> FfiResult<()>) -> guestlink_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => guestlink_result::Ok,
        Ok(Err(code)) => code,
        Err(_) => guestlink_result::Panic,
    }
}

/// [`boundary`] for functions that return a plain value: `fallback` on panic.
pub(crate) fn boundary_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// The Rust value behind an opaque C handle, whether a panic poisoned it, and who is using it.
///
/// C cannot be made to respect Rust's aliasing rules, so the handle enforces them at run time:
/// `borrow` is a reader/writer state. Calls that only read (`const T *`) share the handle; a
/// call that mutates (`T *`) holds it alone. Any other overlap is refused with
/// [`guestlink_result::HandleBusy`] before the value is touched, so two threads calling
/// `_encrypt` on one session can never race (in a ratchet, a race could reuse a message key).
pub(crate) struct Handle<T> {
    value: UnsafeCell<T>,
    poisoned: AtomicBool,
    /// `0`: unused; [`WRITER`]: one exclusive borrow; `n` below [`WRITER`]: `n` shared borrows.
    borrow: AtomicUsize,
}

/// The `borrow` value of a handle held by an exclusive borrow.
const WRITER: usize = 1 << (usize::BITS - 1);

// SAFETY: the value is only reached through `Shared` (a `&T`, while `borrow` counts it and no
// exclusive borrow can be taken) and `Exclusive` (a `&mut T`, while `borrow` is `WRITER` and no
// other borrow can be taken). Concurrent `&T` from several threads need `T: Sync`; a `&mut T`
// used by another thread than the last one needs `T: Send`.
unsafe impl<T: Send + Sync> Sync for Handle<T> {}

impl<T> Handle<T> {
    pub(crate) fn new(value: T) -> Self {
        Handle {
            value: UnsafeCell::new(value),
            poisoned: AtomicBool::new(false),
            borrow: AtomicUsize::new(0),
        }
    }

    pub(crate) fn into_value(self) -> T {
        self.value.into_inner()
    }

    /// Takes a shared borrow, or fails with `HandleBusy` while an exclusive one is held.
    fn share(&self) -> FfiResult<Shared<'_, T>> {
        let mut now = self.borrow.load(Ordering::Relaxed);
        loop {
            // `WRITER - 1` readers cannot happen (each holds a stack frame); refusing it keeps
            // the count from ever reaching the writer bit.
            if now >= WRITER - 1 {
                return Err(guestlink_result::HandleBusy);
            }
            match self.borrow.compare_exchange_weak(now, now + 1, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => break,
                Err(seen) => now = seen,
            }
        }
        let shared = Shared(self);
        shared.0.check_poison()?;
        Ok(shared)
    }

    /// Takes the exclusive borrow, or fails with `HandleBusy` while any borrow is held.
    fn exclusive(&self) -> FfiResult<Exclusive<'_, T>> {
        self.borrow
            .compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
            .map_err(|_| guestlink_result::HandleBusy)?;
        let exclusive = Exclusive(self);
        exclusive.0.check_poison()?;
        Ok(exclusive)
    }

    fn check_poison(&self) -> FfiResult<()> {
        if self.poisoned.load(Ordering::Acquire) { Err(guestlink_result::HandlePoisoned) } else { Ok(()) }
    }

    /// Marks the handle poisoned if the borrow ends by a panic.
    fn poison_if_unwinding(&self) {
        if std::thread::panicking() {
            self.poisoned.store(true, Ordering::Release);
        }
    }
}

/// A C-visible opaque type (`guestlink_*`) wrapping a [`Handle`].
pub(crate) trait Opaque: Sized {
    /// The core type behind the handle.
    type Inner;
    fn wrap(inner: Self::Inner) -> Self;
    fn handle(&self) -> &Handle<Self::Inner>;
    fn into_handle(self) -> Handle<Self::Inner>;
}

/// Declares the [`Opaque`] impl of a `guestlink_*` struct whose only field is `h: Handle<T>`.
macro_rules! opaque {
    ($c:ident, $inner:ty) => {
        impl $crate::ffi::Opaque for $c {
            type Inner = $inner;
            fn wrap(inner: $inner) -> Self {
                $c { h: $crate::ffi::Handle::new(inner) }
            }
            fn handle(&self) -> &$crate::ffi::Handle<$inner> {
                &self.h
            }
            fn into_handle(self) -> $crate::ffi::Handle<$inner> {
                self.h
            }
        }
    };
}
pub(crate) use opaque;

/// A shared, non-poisoned borrow of a handle's value. Dropping it ends the borrow; a panic while
/// it lives poisons the handle.
pub(crate) struct Shared<'a, T>(&'a Handle<T>);

impl<T> core::ops::Deref for Shared<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this shared borrow is counted in `borrow`, so no exclusive one exists until it
        // is dropped, and the reference returned cannot outlive it.
        unsafe { &*self.0.value.get() }
    }
}

impl<T> Drop for Shared<'_, T> {
    fn drop(&mut self) {
        self.0.poison_if_unwinding();
        // Release: this borrow's reads happen before the next exclusive borrow's writes.
        self.0.borrow.fetch_sub(1, Ordering::Release);
    }
}

/// The exclusive, non-poisoned borrow of a handle's value. Dropping it ends the borrow; a panic
/// while it lives poisons the handle.
pub(crate) struct Exclusive<'a, T>(&'a Handle<T>);

impl<T> core::ops::Deref for Exclusive<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `borrow` is `WRITER` while `self` lives: no other borrow exists.
        unsafe { &*self.0.value.get() }
    }
}

impl<T> core::ops::DerefMut for Exclusive<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: `borrow` is `WRITER` while `self` lives: no other borrow exists, and the
        // reference returned cannot outlive `self`.
        unsafe { &mut *self.0.value.get() }
    }
}

impl<T> Drop for Exclusive<'_, T> {
    fn drop(&mut self) {
        self.0.poison_if_unwinding();
        // Release: this borrow's writes happen before the next borrow's reads.
        self.0.borrow.store(0, Ordering::Release);
    }
}

/// Borrows a handle for reading: `HandleBusy` while a mutating call holds it.
///
/// # Safety
/// `ptr` is NULL or a pointer this library returned for a handle of type `W` that was not freed
/// or consumed, and is not freed or consumed during `'a`.
pub(crate) unsafe fn handle_ref<'a, W: Opaque + 'a>(ptr: *const W) -> FfiResult<Shared<'a, W::Inner>> {
    // SAFETY: the caller guarantees `ptr` is NULL or points to a live `W` for `'a`; `as_ref` maps
    // NULL to `None`. Only a shared reference to `W` is formed: the value inside is reached
    // through the borrow state.
    let w = unsafe { ptr.as_ref() }.ok_or(guestlink_result::NullArgument)?;
    w.handle().share()
}

/// Borrows a handle for writing: `HandleBusy` while any other call holds it.
///
/// # Safety
/// As for [`handle_ref`].
pub(crate) unsafe fn handle_mut<'a, W: Opaque + 'a>(ptr: *mut W) -> FfiResult<Exclusive<'a, W::Inner>> {
    // SAFETY: as in `handle_ref`; exclusivity comes from the borrow state, not from `&mut W`
    // (which another thread's call could alias).
    let w = unsafe { ptr.cast_const().as_ref() }.ok_or(guestlink_result::NullArgument)?;
    w.handle().exclusive()
}

/// Takes the handle `*slot` points to, leaving NULL in `*slot` (a consuming call).
///
/// `check` runs first on the still-owned value; if it fails, nothing is taken.
///
/// A call on the handle in progress (in another thread) makes it fail with `HandleBusy`.
///
/// # Safety
/// `slot` is NULL or valid for reads and writes of a pointer; `*slot` is NULL or a live handle of
/// type `W` returned by this library on which no call starts during this one (taking it frees
/// the memory such a call would use).
pub(crate) unsafe fn take_handle<W: Opaque>(
    slot: *mut *mut W,
    check: impl FnOnce(&W::Inner) -> FfiResult<()>,
) -> FfiResult<W::Inner> {
    // SAFETY: the caller guarantees `slot` is NULL or valid for reads and writes.
    let slot = unsafe { slot.as_mut() }.ok_or(guestlink_result::NullArgument)?;
    let ptr = *slot;
    {
        // SAFETY: the caller guarantees `*slot` is NULL or a live handle of type `W`.
        let live = unsafe { handle_mut(ptr) }?;
        check(&live)?;
    }
    *slot = core::ptr::null_mut();
    // SAFETY: `ptr` is non-NULL (checked by `handle_mut`) and came from `Box::into_raw` in
    // `OutHandle::set`; no call held it a moment ago, the caller's pointer was just cleared, and
    // the caller guarantees no call on it starts concurrently, so it is owned here alone.
    let boxed = unsafe { Box::from_raw(ptr) };
    Ok(boxed.into_handle().into_value())
}

/// Frees a handle; NULL is a no-op. A poisoned handle is freed like any other.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `W` returned by this library, not used afterwards, and
/// used by no call in progress: unlike overlapping calls, a free during a call cannot be detected
/// (the memory that would record it goes away).
pub(crate) unsafe fn free_handle<W: Opaque>(ptr: *mut W) {
    if !ptr.is_null() {
        // SAFETY: non-NULL, and per the caller's contract it came from `Box::into_raw` in
        // `OutHandle::set` and is never used again.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Where a new handle goes: checked non-NULL before any work is done.
pub(crate) struct OutHandle<W>(*mut *mut W);

impl<W: Opaque> OutHandle<W> {
    /// # Safety
    /// `slot` is NULL or valid for writing a pointer until the call returns.
    pub(crate) unsafe fn new(slot: *mut *mut W) -> FfiResult<Self> {
        if slot.is_null() { Err(guestlink_result::NullArgument) } else { Ok(OutHandle(slot)) }
    }

    /// Boxes `inner` and hands ownership to the caller.
    pub(crate) fn set(self, inner: W::Inner) {
        let ptr = Box::into_raw(Box::new(W::wrap(inner)));
        // SAFETY: `self.0` is non-NULL and writable per `new`'s contract.
        unsafe { self.0.write(ptr) };
    }
}

/// A plain value written to a caller's pointer.
pub(crate) struct OutValue<T>(*mut T);

impl<T> OutValue<T> {
    /// # Safety
    /// `ptr` is NULL or valid and aligned for writing a `T` until the call returns.
    pub(crate) unsafe fn new(ptr: *mut T) -> FfiResult<Self> {
        if ptr.is_null() { Err(guestlink_result::NullArgument) } else { Ok(OutValue(ptr)) }
    }

    pub(crate) fn set(self, value: T) {
        // SAFETY: non-NULL, writable and aligned per `new`'s contract.
        unsafe { self.0.write(value) };
    }
}

/// A span of caller memory a call reads or writes, by address only (nothing is dereferenced).
#[derive(Clone, Copy)]
pub(crate) struct Span {
    start: usize,
    len: usize,
}

impl Span {
    /// `len` bytes at `ptr`.
    pub(crate) fn new<T>(ptr: *const T, len: usize) -> Self {
        Span { start: ptr.addr(), len }
    }

    /// The bytes of `bytes`.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        Span::new(bytes.as_ptr(), bytes.len())
    }

    /// The one `T` at `ptr`.
    pub(crate) fn one<T>(ptr: *const T) -> Self {
        Span::new(ptr, size_of::<T>())
    }

    /// Whether the two share a byte (empty spans share none).
    fn overlaps(self, other: Span) -> bool {
        self.len != 0
            && other.len != 0
            && self.start < other.start.saturating_add(other.len)
            && other.start < self.start.saturating_add(self.len)
    }
}

/// A caller's output buffer: `cap` writable bytes at `buf`, and `*len` for the length.
///
/// The buffer is written only on success, with `*len` set to the bytes written. When it is too
/// small, `*len` receives the length required and nothing else is written.
pub(crate) struct OutBuf {
    buf: *mut u8,
    cap: usize,
    len: *mut usize,
}

impl OutBuf {
    /// # Safety
    /// `buf` is NULL or writable for `cap` bytes, `len` is NULL or writable and aligned for a
    /// `size_t`, both until the call returns. That they overlap neither each other nor an input
    /// of the call is checked by [`OutBuf::check_disjoint`] and [`OutBuf::write`]; neither may
    /// point into memory this library owns.
    pub(crate) unsafe fn new(buf: *mut u8, cap: usize, len: *mut usize) -> FfiResult<Self> {
        if buf.is_null() || len.is_null() {
            return Err(guestlink_result::NullArgument);
        }
        Ok(OutBuf { buf, cap, len })
    }

    /// Fails with `InvalidArgument` when what this call may write, `*len` and the first
    /// `min(cap, max_write)` bytes of the buffer, overlaps itself or one of `inputs`. A call that
    /// changes state runs it with its write bound before anything changes; [`OutBuf::write`] runs
    /// it too, so a call that changes nothing before writing needs it only for its inputs.
    pub(crate) fn check_disjoint(&self, max_write: usize, inputs: &[Span]) -> FfiResult<()> {
        let buf = Span::new(self.buf.cast_const(), self.cap.min(max_write));
        let len = Span::one(self.len.cast_const());
        if buf.overlaps(len) || inputs.iter().any(|&input| input.overlaps(buf) || input.overlaps(len)) {
            return Err(guestlink_result::InvalidArgument);
        }
        Ok(())
    }

    /// Fails with `BufferTooSmall`, reporting `need` in `*len`, unless `need` bytes fit.
    pub(crate) fn reserve(&self, need: usize) -> FfiResult<()> {
        if need > self.cap {
            // SAFETY: `len` is non-NULL, writable and aligned per `new`'s contract.
            unsafe { self.len.write(need) };
            return Err(guestlink_result::BufferTooSmall);
        }
        Ok(())
    }

    /// Copies `bytes` out, or reports their length if they do not fit.
    pub(crate) fn write(self, bytes: &[u8]) -> FfiResult<()> {
        self.check_disjoint(bytes.len(), &[])?;
        self.reserve(bytes.len())?;
        // SAFETY: `buf` is writable for `cap >= bytes.len()` bytes and does not overlap `bytes`
        // (memory this library owns), per `new`'s contract; `len` is writable, aligned and
        // outside those `bytes.len()` bytes of `buf` (checked above).
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.buf, bytes.len());
            self.len.write(bytes.len());
        }
        Ok(())
    }
}

/// Reads an input buffer of at most `max` bytes (`max <= isize::MAX`); a longer one fails with
/// `too_long` before any byte is read. NULL fails with `NullArgument`, even with length 0.
///
/// # Safety
/// `ptr` is NULL or, when `len <= max`, readable for `len` bytes that nobody writes during `'a`.
pub(crate) unsafe fn bytes_in<'a>(
    ptr: *const u8,
    len: usize,
    max: usize,
    too_long: guestlink_result,
) -> FfiResult<&'a [u8]> {
    if ptr.is_null() {
        return Err(guestlink_result::NullArgument);
    }
    if len > max {
        return Err(too_long);
    }
    // SAFETY: non-NULL, readable for `len` bytes per the caller's contract, and `len <= max`
    // (a protocol limit, or at most `isize::MAX`); `u8` needs no alignment.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// [`bytes_in`] for UTF-8 text: invalid UTF-8 fails with `InvalidUtf8`.
///
/// # Safety
/// As for [`bytes_in`].
pub(crate) unsafe fn str_in<'a>(
    ptr: *const u8,
    len: usize,
    max: usize,
    too_long: guestlink_result,
) -> FfiResult<&'a str> {
    // SAFETY: forwarded from this function's contract.
    let bytes = unsafe { bytes_in(ptr, len, max, too_long) }?;
    core::str::from_utf8(bytes).map_err(|_| guestlink_result::InvalidUtf8)
}

/// [`bytes_in`] for a fixed-size input: any other length is `InvalidArgument`.
///
/// # Safety
/// As for [`bytes_in`] with `max = N`.
pub(crate) unsafe fn array_in<const N: usize>(ptr: *const u8, len: usize) -> FfiResult<[u8; N]> {
    // SAFETY: forwarded from this function's contract.
    let bytes = unsafe { bytes_in(ptr, len, N, guestlink_result::InvalidArgument) }?;
    bytes.try_into().map_err(|_| guestlink_result::InvalidArgument)
}

/// The operating system's CSPRNG. A failure of the OS generator panics inside the boundary and
/// is reported as `GUESTLINK_RESULT_PANIC` (the core takes an infallible `CryptoRng`).
pub(crate) fn os_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}
