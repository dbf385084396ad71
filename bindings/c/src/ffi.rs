//! The machinery every export shares: the panic boundary, opaque handles with poisoning, checked
//! inputs, caller-owned output buffers, and the OS random number generator.
//!
//! All raw-pointer handling of the crate goes through the `unsafe fn`s of this module; each
//! states the contract its caller must uphold, and each export forwards its own `# Safety`
//! contract to them in one documented `unsafe` block.

use core::panic::AssertUnwindSafe;
use core::sync::atomic::{AtomicBool, Ordering};
use std::panic::catch_unwind;

use crate::result::guestlink_result;

/// What the helpers return: a value, or the result code to hand back to C.
pub(crate) type FfiResult<T> = Result<T, guestlink_result>;

/// Runs `f` so that no panic unwinds into C: a panic becomes [`guestlink_result::Panic`].
///
/// `AssertUnwindSafe` is sound here because every handle borrowed inside `f` is borrowed
/// through [`Live`], which poisons the handle while unwinding: state a panic may have left
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

/// The Rust value behind an opaque C handle, and whether a panic poisoned it.
pub(crate) struct Handle<T> {
    value: T,
    poisoned: AtomicBool,
}

impl<T> Handle<T> {
    pub(crate) fn new(value: T) -> Self {
        Handle { value, poisoned: AtomicBool::new(false) }
    }

    pub(crate) fn into_value(self) -> T {
        self.value
    }
}

/// A C-visible opaque type (`guestlink_*`) wrapping a [`Handle`].
pub(crate) trait Opaque: Sized {
    /// The core type behind the handle.
    type Inner;
    fn wrap(inner: Self::Inner) -> Self;
    fn handle(&self) -> &Handle<Self::Inner>;
    fn handle_mut(&mut self) -> &mut Handle<Self::Inner>;
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
            fn handle_mut(&mut self) -> &mut $crate::ffi::Handle<$inner> {
                &mut self.h
            }
            fn into_handle(self) -> $crate::ffi::Handle<$inner> {
                self.h
            }
        }
    };
}
pub(crate) use opaque;

/// Marks a handle poisoned when dropped during a panic.
struct PoisonOnUnwind<'a>(&'a AtomicBool);

impl Drop for PoisonOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Release);
        }
    }
}

/// A checked, non-poisoned borrow of a handle's value; a panic while it lives poisons the handle.
pub(crate) struct Live<'a, T> {
    value: T,
    _guard: PoisonOnUnwind<'a>,
}

impl<T: core::ops::Deref> core::ops::Deref for Live<'_, T> {
    type Target = T::Target;
    fn deref(&self) -> &T::Target {
        &self.value
    }
}

impl<T: core::ops::DerefMut> core::ops::DerefMut for Live<'_, T> {
    fn deref_mut(&mut self) -> &mut T::Target {
        &mut self.value
    }
}

/// Borrows a handle for reading.
///
/// # Safety
/// `ptr` is NULL or a pointer this library returned for a handle of type `W` that was not freed
/// or consumed, and that no other thread mutates during `'a`.
pub(crate) unsafe fn handle_ref<'a, W: Opaque + 'a>(ptr: *const W) -> FfiResult<Live<'a, &'a W::Inner>> {
    // SAFETY: the caller guarantees `ptr` is NULL or points to a live `W` with no concurrent
    // mutation; `as_ref` maps NULL to `None`.
    let w = unsafe { ptr.as_ref() }.ok_or(guestlink_result::NullArgument)?;
    let h = w.handle();
    if h.poisoned.load(Ordering::Acquire) {
        return Err(guestlink_result::HandlePoisoned);
    }
    Ok(Live { value: &h.value, _guard: PoisonOnUnwind(&h.poisoned) })
}

/// Borrows a handle for writing.
///
/// # Safety
/// `ptr` is NULL or a pointer this library returned for a handle of type `W` that was not freed
/// or consumed, and that no other thread uses during `'a`.
pub(crate) unsafe fn handle_mut<'a, W: Opaque + 'a>(ptr: *mut W) -> FfiResult<Live<'a, &'a mut W::Inner>> {
    // SAFETY: the caller guarantees `ptr` is NULL or points to a live `W` used by no one else
    // during `'a`; `as_mut` maps NULL to `None`.
    let w = unsafe { ptr.as_mut() }.ok_or(guestlink_result::NullArgument)?;
    let Handle { value, poisoned } = w.handle_mut();
    if poisoned.load(Ordering::Acquire) {
        return Err(guestlink_result::HandlePoisoned);
    }
    Ok(Live { value, _guard: PoisonOnUnwind(poisoned) })
}

/// Takes the handle `*slot` points to, leaving NULL in `*slot` (a consuming call).
///
/// `check` runs first on the still-owned value; if it fails, nothing is taken.
///
/// # Safety
/// `slot` is NULL or valid for reads and writes of a pointer; `*slot` is NULL or a live handle of
/// type `W` returned by this library that no other thread uses.
pub(crate) unsafe fn take_handle<W: Opaque>(
    slot: *mut *mut W,
    check: impl FnOnce(&W::Inner) -> FfiResult<()>,
) -> FfiResult<W::Inner> {
    // SAFETY: the caller guarantees `slot` is NULL or valid for reads and writes.
    let slot = unsafe { slot.as_mut() }.ok_or(guestlink_result::NullArgument)?;
    let ptr = *slot;
    {
        // SAFETY: the caller guarantees `*slot` is NULL or a live, unshared handle of type `W`.
        let live = unsafe { handle_ref(ptr) }?;
        check(&live)?;
    }
    *slot = core::ptr::null_mut();
    // SAFETY: `ptr` is non-NULL (checked by `handle_ref`) and came from `Box::into_raw` in
    // `OutHandle::set`; the caller's pointer was just cleared, so it is owned here alone.
    let boxed = unsafe { Box::from_raw(ptr) };
    Ok(boxed.into_handle().into_value())
}

/// Frees a handle; NULL is a no-op. A poisoned handle is freed like any other.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `W` returned by this library, not used afterwards.
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
    /// `size_t`, both until the call returns, and neither overlaps an input of the call.
    pub(crate) unsafe fn new(buf: *mut u8, cap: usize, len: *mut usize) -> FfiResult<Self> {
        if buf.is_null() || len.is_null() {
            return Err(guestlink_result::NullArgument);
        }
        Ok(OutBuf { buf, cap, len })
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
        self.reserve(bytes.len())?;
        // SAFETY: `buf` is writable for `cap >= bytes.len()` bytes and does not overlap `bytes`
        // (an input of the call or memory owned by this library), per `new`'s contract; `len`
        // is writable and aligned.
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
