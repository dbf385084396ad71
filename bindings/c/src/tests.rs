//! Rust-side tests of the C ABI: stable codes, constants, the panic boundary and poisoning, and
//! that oversize inputs are refused with the code the core gives. The C tests
//! (bindings/c/tests/*.c) cover the conversation, vectors and misuse from C.

use core::ptr;

use guestlink::Error;

use crate::ffi::{handle_mut, handle_ref};
use crate::host::*;
use crate::limits::*;
use crate::result::{guestlink_result, guestlink_result_message, guestlink_result_name};
#[cfg(feature = "testing")]
use crate::testing::*;
use crate::values::*;

fn cstr(p: *const core::ffi::c_char) -> &'static str {
    // SAFETY: the library returns static NUL-terminated strings.
    unsafe { core::ffi::CStr::from_ptr(p) }.to_str().unwrap()
}

#[test]
fn core_codes_pass_through_unchanged() {
    for e in Error::ALL {
        let r = guestlink_result::from(e);
        assert_eq!(r as u32, e.code(), "{e:?}");
        assert_eq!(cstr(guestlink_result_name(e.code())), e.name());
        assert_eq!(cstr(guestlink_result_message(e.code())), e.message());
        // The C enumerator is the core's name with the enum's prefix.
        assert_eq!(format!("{r:?}").to_uppercase(), e.name().replace('_', ""), "{e:?}");
    }
}

#[test]
fn binding_codes_are_pinned_and_distinct_from_core_codes() {
    let own = [
        (guestlink_result::Ok, 0, "OK"),
        (guestlink_result::NullArgument, 1, "NULL_ARGUMENT"),
        (guestlink_result::BufferTooSmall, 2, "BUFFER_TOO_SMALL"),
        (guestlink_result::Panic, 3, "PANIC"),
        (guestlink_result::AlreadyUsed, 4, "ALREADY_USED"),
        (guestlink_result::InvalidUtf8, 5, "INVALID_UTF8"),
        (guestlink_result::HandlePoisoned, 6, "HANDLE_POISONED"),
        (guestlink_result::NoValue, 7, "NO_VALUE"),
        (guestlink_result::UnknownError, 8, "UNKNOWN_ERROR"),
        (guestlink_result::HandleBusy, 9, "HANDLE_BUSY"),
    ];
    for (r, code, name) in own {
        assert_eq!(r as u32, code);
        assert_eq!(cstr(guestlink_result_name(code)), name);
        assert!(!cstr(guestlink_result_message(code)).is_empty());
        assert!(Error::from_code(code).is_none(), "{name} collides with a core code");
    }
    assert_eq!(cstr(guestlink_result_name(9999)), "UNKNOWN");
    assert_eq!(cstr(guestlink_result_message(9999)), "unknown result code");
}

#[test]
fn header_constants_equal_the_core() {
    assert_eq!(GUESTLINK_MAX_BODY_LEN, guestlink::limits::MAX_BODY_LEN);
    assert_eq!(GUESTLINK_MAX_ENVELOPE_LEN, guestlink::MAX_ENVELOPE_LEN);
    assert_eq!(GUESTLINK_MAX_SNAPSHOT_LEN, guestlink::snapshot::MAX_SNAPSHOT_LEN);
    assert_eq!(GUESTLINK_MIN_CHALLENGE_LEN, guestlink::limits::MIN_CHALLENGE_LEN);
    assert_eq!(GUESTLINK_MAX_CHALLENGE_LEN, guestlink::limits::MAX_CHALLENGE_LEN);
    assert_eq!(GUESTLINK_MAX_BASE_URL_LEN, guestlink::limits::MAX_BASE_URL_LEN);
    assert_eq!(GUESTLINK_FRAGMENT_LEN, guestlink::FRAGMENT_LEN);
    assert_eq!(GUESTLINK_MAX_LINK_LEN, GUESTLINK_MAX_BASE_URL_LEN + 1 + GUESTLINK_FRAGMENT_LEN);
    assert_eq!(crate::guestlink_protocol_version(), guestlink::PROTOCOL_VERSION);
    assert_eq!(crate::guestlink_message_version(), guestlink::MESSAGE_VERSION);
    assert_eq!(crate::guestlink_snapshot_version(), guestlink::SNAPSHOT_VERSION);
    assert_eq!(crate::guestlink_max_envelope_len(0), guestlink::max_envelope_len(0).unwrap());
    // The read bound also covers version 1 message headers, 4 bytes longer than those written.
    assert_eq!(crate::guestlink_max_envelope_len(GUESTLINK_MAX_BODY_LEN) + 4, GUESTLINK_MAX_ENVELOPE_LEN);
    assert_eq!(crate::guestlink_max_envelope_len(GUESTLINK_MAX_BODY_LEN + 1), 0);
    assert_eq!(crate::guestlink_max_envelope_len(usize::MAX), 0);
    assert_eq!(cstr(crate::guestlink_version()), env!("CARGO_PKG_VERSION"));

    // Record and safety-code lengths are not public constants of the core: measure them.
    let mut rng = crate::ffi::os_rng();
    let id = guestlink::HostIdentity::generate(&mut rng);
    let inv = id.create_invite(&mut rng, 1000, 2000, "https://x.example/g").unwrap();
    assert_eq!(inv.record.len(), GUESTLINK_INVITE_RECORD_LEN);
    assert_eq!(id.public_key().fingerprint().len(), GUESTLINK_FINGERPRINT_LEN);
    let mut host = inv.session;
    let opened = guestlink::InviteLink::parse(inv.link.as_str()).unwrap().open(&inv.record, 1000).unwrap();
    let (_guest, claim) = opened.claim(&mut rng, 1000).unwrap();
    let guestlink::HostReceived::Claimed(acc) = host.decrypt(&mut rng, 1000, &claim).unwrap() else {
        panic!("not claimed")
    };
    assert_eq!(acc.claimed_record.len(), GUESTLINK_CLAIMED_RECORD_LEN);
    assert_eq!(acc.safety_code.long_form().len(), GUESTLINK_SAFETY_CODE_LONG_LEN);
    assert_eq!(acc.safety_code.short_form().len(), GUESTLINK_SAFETY_CODE_SHORT_LEN);
    assert_eq!(acc.safety_code.qr_payload().len(), GUESTLINK_QR_PAYLOAD_LEN);
    let rev = host.revoke(&mut rng, 1001).unwrap();
    assert_eq!(rev.record.len(), GUESTLINK_REVOCATION_RECORD_LEN);
}

/// An input one byte over the binding's cap is refused (unread) with the code the core itself
/// gives for that input, so C callers see the same codes as Rust ones.
#[test]
fn oversize_inputs_get_the_cores_codes() {
    let mut rng = crate::ffi::os_rng();
    let id = guestlink::HostIdentity::generate(&mut rng);
    let mut host = id.create_invite(&mut rng, 1000, 2000, "https://x.example/g").unwrap().session;
    let long_text = "a".repeat(GUESTLINK_MAX_BODY_LEN + 1);
    assert_eq!(host.encrypt(&mut rng, 1000, &long_text).err(), Some(Error::PlaintextTooLarge));
    let long_env = vec![1u8; GUESTLINK_MAX_ENVELOPE_LEN + 1];
    assert_eq!(host.decrypt(&mut rng, 1000, &long_env).err(), Some(Error::EnvelopeTooLarge));
    assert_eq!(guestlink::InviteRecord::parse(&long_env).err(), Some(Error::EnvelopeTooLarge));
    let long_snap = vec![1u8; GUESTLINK_MAX_SNAPSHOT_LEN + 1];
    assert_eq!(guestlink::snapshot_info(&long_snap).err(), Some(Error::SnapshotMalformed));
    let long_challenge = [0u8; GUESTLINK_MAX_CHALLENGE_LEN + 1];
    assert_eq!(host.relay_auth(&long_challenge).err(), Some(Error::InvalidArgument));
    let long_base = "h".repeat(GUESTLINK_MAX_BASE_URL_LEN + 1);
    assert_eq!(id.create_invite(&mut rng, 1000, 2000, &long_base).err(), Some(Error::InvalidArgument));
    let long_link = format!("{long_base}#{}", "A".repeat(GUESTLINK_FRAGMENT_LEN));
    assert_eq!(guestlink::InviteLink::parse(&long_link).err(), Some(Error::InvalidArgument));

    // And through the C ABI, with a length far beyond the buffer (never read).
    let mut created = ptr::null_mut();
    // SAFETY: valid pointers; the base URL's length is over the cap, so it is not read.
    unsafe {
        let mut ident = ptr::null_mut();
        assert_eq!(guestlink_host_identity_new(&mut ident), guestlink_result::Ok);
        let url = b"https://x.example/g";
        assert_eq!(
            guestlink_host_identity_create_invite(ident, 1000, 2000, url.as_ptr(), usize::MAX, &mut created),
            guestlink_result::InvalidArgument
        );
        assert!(created.is_null());
        guestlink_host_identity_free(ident);
    }
}

fn new_session() -> *mut guestlink_host_session {
    let mut ident = ptr::null_mut();
    let mut created = ptr::null_mut();
    let mut session = ptr::null_mut();
    let url = b"https://x.example/g";
    // SAFETY: every pointer is valid; handles are freed once.
    unsafe {
        assert_eq!(guestlink_host_identity_new(&mut ident), guestlink_result::Ok);
        assert_eq!(
            guestlink_host_identity_create_invite(ident, 1000, 2000, url.as_ptr(), url.len(), &mut created),
            guestlink_result::Ok
        );
        assert_eq!(guestlink_created_invite_take_session(created, &mut session), guestlink_result::Ok);
        let mut again = ptr::null_mut();
        assert_eq!(guestlink_created_invite_take_session(created, &mut again), guestlink_result::AlreadyUsed);
        assert!(again.is_null());
        guestlink_created_invite_free(created);
        guestlink_host_identity_free(ident);
    }
    session
}

/// Needs the `testing` feature (scripts/test-40-c.sh runs it).
#[cfg(feature = "testing")]
#[test]
fn a_panic_returns_panic_and_poisons_the_handle() {
    let session = new_session();
    let mut out = [0u8; 256];
    let mut out_len = 0usize;
    let text = b"hello";
    // SAFETY: `session` is live until freed at the end; buffers are valid for their lengths.
    unsafe {
        let mut state = 0u32;
        assert_eq!(guestlink_host_session_state(session, &mut state), guestlink_result::Ok);
        assert_eq!(state, guestlink_host_state::Unclaimed as u32);
        assert_eq!(
            guestlink_host_session_encrypt(
                session,
                1000,
                text.as_ptr(),
                5,
                out.as_mut_ptr(),
                256,
                &mut out_len
            ),
            guestlink_result::Ok
        );

        assert_eq!(guestlink_host_session_panic_for_testing_only(session), guestlink_result::Panic);

        // Every later use is refused, read-only or not, and writes nothing.
        out_len = 7;
        assert_eq!(
            guestlink_host_session_encrypt(
                session,
                1000,
                text.as_ptr(),
                5,
                out.as_mut_ptr(),
                256,
                &mut out_len
            ),
            guestlink_result::HandlePoisoned
        );
        assert_eq!(out_len, 7);
        let mut state = 0u32;
        assert_eq!(guestlink_host_session_state(session, &mut state), guestlink_result::HandlePoisoned);
        assert_eq!(state, 0);
        assert_eq!(guestlink_host_session_panic_for_testing_only(session), guestlink_result::HandlePoisoned);
        // Freeing a poisoned handle is allowed (and leak-free).
        guestlink_host_session_free(session);
    }
}

#[cfg(feature = "testing")]
#[test]
fn a_panic_under_a_shared_borrow_poisons_too_and_other_handles_are_unaffected() {
    let mut rng = crate::ffi::os_rng();
    let id = guestlink::HostIdentity::generate(&mut rng);
    let inv = id.create_invite(&mut rng, 1000, 2000, "https://x.example/g").unwrap();
    let mut host = inv.session;
    let opened = guestlink::InviteLink::parse(inv.link.as_str()).unwrap().open(&inv.record, 1000).unwrap();
    let (guest, claim) = opened.claim(&mut rng, 1000).unwrap();
    host.decrypt(&mut rng, 1000, &claim).unwrap();
    let boxed = |c: guestlink::SafetyCode| {
        Box::into_raw(Box::new(<guestlink_safety_code as crate::ffi::Opaque>::wrap(c)))
    };
    let a = boxed(host.safety_code().unwrap());
    let b = boxed(guest.safety_code());
    // SAFETY: `a` and `b` are live handles until freed below.
    unsafe {
        let mut eq = false;
        assert_eq!(guestlink_safety_code_equal(a, b, &mut eq), guestlink_result::Ok);
        assert!(eq);
        assert_eq!(guestlink_safety_code_panic_for_testing_only(a), guestlink_result::Panic);
        assert_eq!(guestlink_safety_code_equal(a, b, &mut eq), guestlink_result::HandlePoisoned);
        assert_eq!(guestlink_safety_code_equal(b, a, &mut eq), guestlink_result::HandlePoisoned);
        let mut buf = [0u8; 64];
        let mut len = 0usize;
        assert_eq!(guestlink_safety_code_long_form(b, buf.as_mut_ptr(), 64, &mut len), guestlink_result::Ok);
        assert_eq!(&buf[..len], guest.safety_code().long_form().as_bytes());
        guestlink_safety_code_free(a);
        guestlink_safety_code_free(b);
    }
}

#[test]
fn a_too_small_buffer_reports_the_size_and_changes_nothing() {
    let session = new_session();
    let text = b"twelve bytes";
    let need = crate::guestlink_max_envelope_len(text.len());
    let mut out = vec![0xAAu8; need];
    let mut out_len = 0usize;
    // SAFETY: `session` is live until freed; buffers are valid for the lengths given.
    unsafe {
        let mut counter_before = 0;
        let key = {
            let mut k = ptr::null_mut();
            assert_eq!(guestlink_snapshot_key_generate(&mut k), guestlink_result::Ok);
            k
        };
        let mut snap = vec![0u8; GUESTLINK_MAX_SNAPSHOT_LEN];
        let mut snap_len = 0;
        assert_eq!(
            guestlink_host_session_snapshot(session, key, snap.as_mut_ptr(), snap.len(), &mut snap_len),
            guestlink_result::Ok
        );
        let digest = |s: *mut guestlink_host_session| handle_ref(s).unwrap().state_digest_for_testing_only();
        let before = digest(session);
        assert_eq!(
            guestlink_host_session_snapshot_counter(session, &mut counter_before),
            guestlink_result::Ok
        );
        assert_eq!(
            guestlink_host_session_encrypt(
                session,
                1000,
                text.as_ptr(),
                text.len(),
                out.as_mut_ptr(),
                need - 1,
                &mut out_len
            ),
            guestlink_result::BufferTooSmall
        );
        assert_eq!(out_len, need);
        assert!(out.iter().all(|&b| b == 0xAA), "nothing written");
        assert_eq!(digest(session), before, "state unchanged");
        // A snapshot with a small buffer does not advance the counter either.
        let mut small_len = 0;
        assert_eq!(
            guestlink_host_session_snapshot(session, key, snap.as_mut_ptr(), 100, &mut small_len),
            guestlink_result::BufferTooSmall
        );
        assert_eq!(small_len, GUESTLINK_MAX_SNAPSHOT_LEN);
        let mut counter_after = 0;
        assert_eq!(
            guestlink_host_session_snapshot_counter(session, &mut counter_after),
            guestlink_result::Ok
        );
        assert_eq!(counter_after, counter_before);
        // With the reported size it works, and the envelope fits the bound.
        assert_eq!(
            guestlink_host_session_encrypt(
                session,
                1000,
                text.as_ptr(),
                text.len(),
                out.as_mut_ptr(),
                out_len,
                &mut out_len
            ),
            guestlink_result::Ok
        );
        assert!(out_len <= need && out_len > text.len());
        guestlink_snapshot_key_free(key);
        guestlink_host_session_free(session);
    }
}

/// While a call holds a handle, an overlapping call on it (from another thread) is refused with
/// `HANDLE_BUSY` before anything is read or written: a mutating call overlaps nothing, read-only
/// calls overlap each other. The borrows are taken here as an export's body takes them.
#[test]
fn a_handle_in_use_refuses_overlapping_calls_with_handle_busy() {
    let session = new_session();
    let text = b"hi";
    let mut out = [0u8; 512];
    let busy = Some(guestlink_result::HandleBusy);
    // SAFETY: `session` is live until freed at the end; buffers are valid for their lengths.
    unsafe {
        let encrypt = |out: &mut [u8; 512], out_len: &mut usize| {
            guestlink_host_session_encrypt(session, 1000, text.as_ptr(), 2, out.as_mut_ptr(), 512, out_len)
        };
        let mut state = 0u32;
        let mut out_len = 7usize;
        {
            let held = handle_mut(session).unwrap();
            assert_eq!(handle_mut(session).err(), busy);
            assert_eq!(handle_ref(session).err(), busy);
            assert_eq!(encrypt(&mut out, &mut out_len), guestlink_result::HandleBusy);
            assert_eq!(guestlink_host_session_state(session, &mut state), guestlink_result::HandleBusy);
            assert_eq!((out_len, state), (7, 0), "nothing written");
            drop(held);
        }
        {
            let first = handle_ref(session).unwrap();
            let second = handle_ref(session).unwrap();
            assert_eq!(guestlink_host_session_state(session, &mut state), guestlink_result::Ok);
            assert_eq!(state, guestlink_host_state::Unclaimed as u32);
            assert_eq!(handle_mut(session).err(), busy);
            assert_eq!(encrypt(&mut out, &mut out_len), guestlink_result::HandleBusy);
            drop(first);
            assert_eq!(handle_mut(session).err(), busy, "one reader is left");
            drop(second);
        }
        // Every borrow ended: the handle is free again, for writing and reading.
        assert_eq!(encrypt(&mut out, &mut out_len), guestlink_result::Ok);
        assert!(out_len > 2 && out_len != 7);
        let state_digest = handle_ref(session).unwrap().state_digest_for_testing_only();
        drop(handle_mut(session).unwrap());
        assert_eq!(handle_ref(session).unwrap().state_digest_for_testing_only(), state_digest);
        guestlink_host_session_free(session);
    }
}

/// A consuming call on a handle in use takes nothing and leaves the caller's pointer in place.
#[test]
fn a_consuming_call_on_a_handle_in_use_is_refused_and_takes_nothing() {
    let mut rng = crate::ffi::os_rng();
    let id = guestlink::HostIdentity::generate(&mut rng);
    let inv = id.create_invite(&mut rng, 1000, 2000, "https://x.example/g").unwrap();
    let opened = guestlink::InviteLink::parse(inv.link.as_str()).unwrap().open(&inv.record, 1000).unwrap();
    let mut ptr =
        Box::into_raw(Box::new(<crate::guest::guestlink_opened_invite as crate::ffi::Opaque>::wrap(opened)));
    let original = ptr;
    let mut session = ptr::null_mut();
    let mut out = [0u8; 512];
    let mut out_len = 7usize;
    // SAFETY: `ptr` is a live handle until the claim consumes it; buffers are valid.
    unsafe {
        let reading = handle_ref(ptr).unwrap();
        let claim = |ptr: &mut _, session: &mut _, out: &mut [u8; 512], out_len: &mut usize| {
            crate::guest::guestlink_opened_invite_claim(ptr, 1000, session, out.as_mut_ptr(), 512, out_len)
        };
        assert_eq!(claim(&mut ptr, &mut session, &mut out, &mut out_len), guestlink_result::HandleBusy);
        assert_eq!(ptr, original);
        assert!(session.is_null());
        assert_eq!(out_len, 7);
        drop(reading);
        assert_eq!(claim(&mut ptr, &mut session, &mut out, &mut out_len), guestlink_result::Ok);
        assert!(ptr.is_null() && !session.is_null());
        crate::guest::guestlink_guest_session_free(session);
    }
}

/// The overlap check's edges, on bare addresses (nothing is dereferenced): spans that share a
/// byte are refused, adjacent and empty ones pass, only the bytes a call may write count, and
/// ranges reaching the top of the address space do not wrap.
#[test]
fn overlap_checks_refuse_shared_bytes_only() {
    use crate::ffi::{OutBuf, Span};
    let at = |addr: usize, len: usize| Span::new(ptr::without_provenance::<u8>(addr), len);
    let out_at = |buf: usize, cap: usize, len: usize| {
        // SAFETY: both pointers are non-NULL; `check_disjoint` only compares addresses.
        unsafe { OutBuf::new(ptr::without_provenance_mut(buf), cap, ptr::without_provenance_mut(len)) }
            .unwrap()
    };
    let refused = Err(guestlink_result::InvalidArgument);
    let out = out_at(1000, 100, 2000); // writes at most 1000..1100 and 2000..2008
    assert_eq!(out.check_disjoint(100, &[at(1100, 10), at(990, 10), at(1050, 0), at(2008, 4)]), Ok(()));
    assert_eq!(out.check_disjoint(100, &[at(1099, 1)]), refused);
    assert_eq!(out.check_disjoint(100, &[at(900, 101)]), refused);
    assert_eq!(out.check_disjoint(100, &[at(2007, 1)]), refused, "an input under *out_len");
    assert_eq!(out.check_disjoint(100, &[at(0, 5000)]), refused, "an input around both");
    assert_eq!(out.check_disjoint(50, &[at(1050, 10)]), Ok(()), "past the bytes it may write");
    assert_eq!(out.check_disjoint(0, &[at(1000, 10)]), Ok(()), "a call writing no byte");
    let len_inside = out_at(1000, 100, 1092);
    assert_eq!(len_inside.check_disjoint(100, &[]), refused);
    assert_eq!(len_inside.check_disjoint(92, &[]), Ok(()));
    let top = out_at(usize::MAX - 8, usize::MAX, 64);
    assert_eq!(top.check_disjoint(usize::MAX, &[at(usize::MAX - 1, 100)]), refused);
    assert_eq!(top.check_disjoint(usize::MAX, &[at(0, 64)]), Ok(()));
}

/// The header promises that handles may move between threads and that `const` functions may run
/// concurrently on one handle: every handle type must be `Send + Sync` (a compile-time check).
#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<guestlink_host_identity>();
    send_sync::<guestlink_created_invite>();
    send_sync::<guestlink_host_session>();
    send_sync::<crate::guest::guestlink_invite_link>();
    send_sync::<crate::guest::guestlink_opened_invite>();
    send_sync::<crate::guest::guestlink_guest_session>();
    send_sync::<guestlink_received>();
    send_sync::<guestlink_revocation>();
    send_sync::<guestlink_safety_code>();
    send_sync::<guestlink_snapshot_key>();
}
