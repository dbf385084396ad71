//! Test-only exports, built with the `testing` feature (and in unit tests) and declared in the
//! header only under `#ifdef GUESTLINK_TESTING`. They let the C tests force a panic inside the
//! boundary and check that a failed call left a session's state exactly as it was. Never ship a
//! library built with them: a state digest is a fingerprint of secret keys.

use crate::ffi::{OutBuf, boundary, handle_mut, handle_ref};
use crate::guest::{guestlink_guest_session, guestlink_opened_invite};
use crate::host::guestlink_host_session;
use crate::result::guestlink_result;
use crate::values::guestlink_safety_code;

/// Panics inside the boundary while holding `session` mutably, as a bug in the library would.
/// Returns `GUESTLINK_RESULT_PANIC` and poisons `session`. Test only.
///
/// Thread-safety: as the function it mirrors; tests call it from one thread.
///
/// # Safety
/// `session` is NULL or a live handle.
#[doc(hidden)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_panic_for_testing_only(
    session: *mut guestlink_host_session,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: `session` meets this function's `# Safety` contract.
        let _session = unsafe { handle_mut(session) }?;
        #[allow(clippy::panic)]
        {
            panic!("forced panic inside the boundary (test only)")
        }
    })
}

/// The same under a shared borrow: poisoning must not depend on `&mut`. Test only.
///
/// Thread-safety: as the function it mirrors; tests call it from one thread.
///
/// # Safety
/// `code` is NULL or a live handle.
#[doc(hidden)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_safety_code_panic_for_testing_only(
    code: *const guestlink_safety_code,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: `code` meets this function's `# Safety` contract.
        let _code = unsafe { handle_ref(code) }?;
        #[allow(clippy::panic)]
        {
            panic!("forced panic inside the boundary (test only)")
        }
    })
}

/// Writes a 32-byte digest of the host session's whole state (the core's
/// `state_digest_for_testing_only`). Test only.
///
/// Thread-safety: as the function it mirrors; tests call it from one thread.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[doc(hidden)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_state_digest_for_testing_only(
    session: *const guestlink_host_session,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(&session.state_digest_for_testing_only())
    })
}

/// Writes a 32-byte digest of the opened invite's whole state. Test only.
///
/// Thread-safety: as the function it mirrors; tests call it from one thread.
///
/// # Safety
/// As for `guestlink_host_session_state_digest_for_testing_only`.
#[doc(hidden)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_state_digest_for_testing_only(
    opened: *const guestlink_opened_invite,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (opened, out) = unsafe { (handle_ref(opened)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(&opened.state_digest_for_testing_only())
    })
}

/// Writes a 32-byte digest of the guest session's whole state. Test only.
///
/// Thread-safety: as the function it mirrors; tests call it from one thread.
///
/// # Safety
/// As for `guestlink_host_session_state_digest_for_testing_only`.
#[doc(hidden)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_state_digest_for_testing_only(
    session: *const guestlink_guest_session,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(&session.state_digest_for_testing_only())
    })
}
