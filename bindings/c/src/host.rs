//! The host side: identity, invite creation, the host session and its revocation.

use guestlink::{HostIdentity, HostSession, HostState};

use crate::ffi::{
    FfiResult, OutBuf, OutHandle, OutValue, Span, boundary, bytes_in, free_handle, handle_mut, handle_ref,
    opaque, os_rng, str_in,
};
use crate::limits::{GUESTLINK_MAX_BASE_URL_LEN, GUESTLINK_MAX_BODY_LEN, GUESTLINK_MAX_ENVELOPE_LEN};
use crate::result::guestlink_result;
use crate::values::{
    CreatedInvite, Received, guestlink_created_invite, guestlink_received, guestlink_revocation,
    guestlink_safety_code, guestlink_snapshot_key, relay_auth_out, snapshot_in, snapshot_out,
};

/// A host's long-term identity (an Ed25519 signing key). Opaque; create it with
/// `guestlink_host_identity_new` or `guestlink_host_identity_from_snapshot`, free it with
/// `guestlink_host_identity_free`.
pub struct guestlink_host_identity {
    h: crate::ffi::Handle<HostIdentity>,
}
opaque!(guestlink_host_identity, HostIdentity);

/// The host's side of one invite, before and after the claim. Opaque; obtained from
/// `guestlink_created_invite_take_session` or `guestlink_host_session_from_snapshot`, freed with
/// `guestlink_host_session_free`.
pub struct guestlink_host_session {
    h: crate::ffi::Handle<HostSession>,
}
opaque!(guestlink_host_session, HostSession);

/// The lifecycle state of a host session (`guestlink_host_session_state`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum guestlink_host_state {
    /// Waiting for the guest's claim; pre-claim messages can be sent.
    Unclaimed = 1,
    /// Claimed: the Double Ratchet runs.
    Claimed = 2,
    /// Revoked: nothing more is sent or accepted.
    Revoked = 3,
}

/// Creates a host identity from the operating system's random number generator.
///
/// Ownership: on success `*out` receives a new handle owned by the caller (free it with
/// `guestlink_host_identity_free`); on failure `*out` is untouched. Thread-safety: may be called
/// from any thread.
///
/// # Safety
/// `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_identity_new(
    out: *mut *mut guestlink_host_identity,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: `out` meets this function's `# Safety` contract.
        let out = unsafe { OutHandle::new(out) }?;
        out.set(HostIdentity::generate(&mut os_rng()));
        Ok(())
    })
}

/// Frees a host identity (its secret key is zeroized). NULL is a no-op. Any other pointer is
/// freed: it must not be used or freed again.
///
/// # Safety
/// `identity` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_identity_free(identity: *mut guestlink_host_identity) {
    // SAFETY: `identity` meets this function's `# Safety` contract.
    crate::ffi::boundary_or((), || unsafe { free_handle(identity) })
}

/// Writes the 32-byte identity public key (what guests trust) to `out`.
///
/// Output convention: `*out_len` is written on success (bytes written) and on
/// `GUESTLINK_RESULT_BUFFER_TOO_SMALL` (bytes required); `out` only on success. Thread-safety:
/// read-only; may run concurrently with other read-only calls on the same handle. During a call
/// that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `identity` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_identity_public_key(
    identity: *const guestlink_host_identity,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (identity, out) = unsafe { (handle_ref(identity)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(identity.public_key().as_bytes())
    })
}

/// Creates an invite valid from `now` until `expires_at` (seconds since the Unix epoch) for a
/// link `<base_url>#<fragment>`; `base_url` (UTF-8, not NUL-terminated, at most
/// `GUESTLINK_MAX_BASE_URL_LEN` bytes) must not contain `#`.
///
/// Ownership: on success `*out` receives a new `guestlink_created_invite` owned by the caller,
/// holding the link, the signed record to publish and the host session; on failure `*out` is
/// untouched. Thread-safety: read-only on `identity`.
///
/// # Safety
/// `identity` is NULL or a live handle; `base_url` is NULL or readable for `base_url_len` bytes;
/// `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_identity_create_invite(
    identity: *const guestlink_host_identity,
    now: u64,
    expires_at: u64,
    base_url: *const u8,
    base_url_len: usize,
    out: *mut *mut guestlink_created_invite,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (identity, base_url, out) = unsafe {
            (
                handle_ref(identity)?,
                str_in(
                    base_url,
                    base_url_len,
                    GUESTLINK_MAX_BASE_URL_LEN,
                    guestlink_result::InvalidArgument,
                )?,
                OutHandle::new(out)?,
            )
        };
        let created = identity.create_invite(&mut os_rng(), now, expires_at, base_url)?;
        out.set(CreatedInvite::new(created));
        Ok(())
    })
}

/// Saves the identity encrypted under `key`; each save increments its snapshot counter.
///
/// `out_cap` must be at least `GUESTLINK_MAX_SNAPSHOT_LEN`, checked before anything changes (else
/// `GUESTLINK_RESULT_BUFFER_TOO_SMALL` with that bound in `*out_len`). Thread-safety: needs
/// exclusive access to `identity`: an overlapping call on it returns
/// `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `identity` is NULL or a live handle; `key` is NULL or a live snapshot key; `out` is NULL or
/// writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and `out_len` overlap neither
/// each other nor an input (an overlap is refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before
/// anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_identity_snapshot(
    identity: *mut guestlink_host_identity,
    key: *const guestlink_snapshot_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut identity, key, out) =
            unsafe { (handle_mut(identity)?, handle_ref(key)?, OutBuf::new(out, out_cap, out_len)?) };
        snapshot_out(out, |rng| identity.snapshot(rng, &key.key))
    })
}

/// Loads an identity snapshot made under `key`, refusing one whose counter is below
/// `min_counter` (`GUESTLINK_RESULT_SNAPSHOT_ROLLED_BACK`).
///
/// Ownership: on success `*out` receives a new handle owned by the caller. Thread-safety: any
/// thread; `key` is only read.
///
/// # Safety
/// `snapshot` is NULL or readable for `snapshot_len` bytes; `key` is NULL or a live handle; `out`
/// is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_identity_from_snapshot(
    snapshot: *const u8,
    snapshot_len: usize,
    key: *const guestlink_snapshot_key,
    min_counter: u64,
    out: *mut *mut guestlink_host_identity,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (snapshot, key, out) =
            unsafe { (snapshot_in(snapshot, snapshot_len)?, handle_ref(key)?, OutHandle::new(out)?) };
        out.set(HostIdentity::from_snapshot(snapshot, &key.key, min_counter)?);
        Ok(())
    })
}

/// Writes the counter of the identity's last snapshot saved or loaded to `*out`.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `identity` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_identity_snapshot_counter(
    identity: *const guestlink_host_identity,
    out: *mut u64,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (identity, out) = unsafe { (handle_ref(identity)?, OutValue::new(out)?) };
        out.set(identity.snapshot_counter());
        Ok(())
    })
}

/// Frees a host session (its keys are zeroized). NULL is a no-op.
///
/// # Safety
/// `session` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_free(session: *mut guestlink_host_session) {
    // SAFETY: `session` meets this function's `# Safety` contract.
    crate::ffi::boundary_or((), || unsafe { free_handle(session) })
}

/// Writes the 16-byte mailbox id of the invite. Output convention as for
/// `guestlink_host_identity_public_key`. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_mailbox_id(
    session: *const guestlink_host_session,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(session.mailbox_id().as_bytes())
    })
}

/// Writes the 32-byte Ed25519 key the host authenticates to the relay with. Read-only.
///
/// # Safety
/// As for `guestlink_host_session_mailbox_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_mailbox_public_key(
    session: *const guestlink_host_session,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(session.mailbox_public_key().as_bytes())
    })
}

/// Writes when the invite expires (seconds since the Unix epoch) to `*out`. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_expires_at(
    session: *const guestlink_host_session,
    out: *mut u64,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutValue::new(out)?) };
        out.set(session.expires_at());
        Ok(())
    })
}

/// Writes the session's `guestlink_host_state` (as a `uint32_t`) to `*out`. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_state(
    session: *const guestlink_host_session,
    out: *mut u32,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutValue::new(out)?) };
        let state = match session.state() {
            HostState::Unclaimed => guestlink_host_state::Unclaimed,
            HostState::Claimed => guestlink_host_state::Claimed,
            HostState::Revoked => guestlink_host_state::Revoked,
            _ => return Err(guestlink_result::UnknownError),
        };
        out.set(state as u32);
        Ok(())
    })
}

/// The safety code to compare with the guest, once a claim was accepted
/// (`GUESTLINK_RESULT_NOT_CLAIMED` before). Read-only.
///
/// Ownership: on success `*out` receives a new handle owned by the caller
/// (`guestlink_safety_code_free`).
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_safety_code(
    session: *const guestlink_host_session,
    out: *mut *mut guestlink_safety_code,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutHandle::new(out)?) };
        out.set(session.safety_code().ok_or(guestlink::Error::NotClaimed)?);
        Ok(())
    })
}

/// Signs a relay challenge (`GUESTLINK_MIN_CHALLENGE_LEN` to `GUESTLINK_MAX_CHALLENGE_LEN`
/// bytes) with the host mailbox key, writing the 64-byte signature. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `challenge` is NULL or readable for `challenge_len` bytes;
/// `out` is NULL or writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and
/// `out_len` overlap neither each other nor an input (an overlap is refused with
/// `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_relay_auth(
    session: *const guestlink_host_session,
    challenge: *const u8,
    challenge_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let session = unsafe { handle_ref(session) }?;
        // SAFETY: as above, for `challenge` and the output.
        unsafe { relay_auth_out(challenge, challenge_len, out, out_cap, out_len, |c| session.relay_auth(c)) }
    })
}

/// Encrypts UTF-8 `text` (at most `GUESTLINK_MAX_BODY_LEN` bytes, not NUL-terminated) for the
/// guest: a signed pre-claim envelope before the claim, a ratchet message after it.
///
/// `out_cap` must be at least `guestlink_max_envelope_len(text_len)`, checked before anything
/// changes (else `GUESTLINK_RESULT_BUFFER_TOO_SMALL` with that bound in `*out_len`); on success
/// `*out_len` is the envelope's exact length. Thread-safety: needs exclusive access to `session`:
/// an overlapping call on it returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `text` is NULL or readable for `text_len` bytes; `out` is
/// NULL or writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and `out_len` overlap
/// neither each other nor an input (an overlap is refused with `GUESTLINK_RESULT_INVALID_ARGUMENT`
/// before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_encrypt(
    session: *mut guestlink_host_session,
    now: u64,
    text: *const u8,
    text_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut session, text, out) = unsafe {
            (
                handle_mut(session)?,
                str_in(text, text_len, GUESTLINK_MAX_BODY_LEN, guestlink_result::PlaintextTooLarge)?,
                OutBuf::new(out, out_cap, out_len)?,
            )
        };
        let bound = envelope_bound(text.len())?;
        out.check_disjoint(bound, &[Span::of(text.as_bytes())])?;
        out.reserve(bound)?;
        out.write(&session.encrypt(&mut os_rng(), now, text)?)
    })
}

/// The output bound of an encryption, for a body that passed the length check.
pub(crate) fn envelope_bound(body_len: usize) -> FfiResult<usize> {
    guestlink::max_envelope_len(body_len).ok_or(guestlink_result::PlaintextTooLarge)
}

/// Decrypts an envelope from the guest (at most `GUESTLINK_MAX_ENVELOPE_LEN` bytes). On any error
/// the session is exactly as before.
///
/// Ownership: on success `*out` receives a new `guestlink_received` owned by the caller: a text, an
/// accepted claim (persist the session, post the claimed record, send the confirmation) or a join
/// notice. Thread-safety: needs exclusive access to `session`: an overlapping call on it returns
/// `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `envelope` is NULL or readable for `envelope_len` bytes;
/// `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_decrypt(
    session: *mut guestlink_host_session,
    now: u64,
    envelope: *const u8,
    envelope_len: usize,
    out: *mut *mut guestlink_received,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut session, envelope, out) = unsafe {
            (
                handle_mut(session)?,
                bytes_in(
                    envelope,
                    envelope_len,
                    GUESTLINK_MAX_ENVELOPE_LEN,
                    guestlink_result::EnvelopeTooLarge,
                )?,
                OutHandle::new(out)?,
            )
        };
        let received = session.decrypt(&mut os_rng(), now, envelope)?;
        out.set(Received::from_host(received)?);
        Ok(())
    })
}

/// Revokes the invite: no claim is accepted from now on and, if a session runs, it ends with an
/// in-session end message. Revoking twice is `GUESTLINK_RESULT_INVITE_REVOKED`.
///
/// Ownership: on success `*out` receives a new `guestlink_revocation` owned by the caller (the
/// record to post, and the end message if the invite was claimed). Thread-safety: needs exclusive
/// access to `session`: an overlapping call on it returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_revoke(
    session: *mut guestlink_host_session,
    now: u64,
    out: *mut *mut guestlink_revocation,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut session, out) = unsafe { (handle_mut(session)?, OutHandle::new(out)?) };
        out.set(session.revoke(&mut os_rng(), now)?);
        Ok(())
    })
}

/// Saves the session encrypted under `key`; each save increments its snapshot counter. Buffer rule
/// as for `guestlink_host_identity_snapshot`. Needs exclusive access to `session`: an overlapping
/// call on it returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `key` is NULL or a live snapshot key; `out` is NULL or
/// writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and `out_len` overlap neither
/// each other nor an input (an overlap is refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before
/// anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_snapshot(
    session: *mut guestlink_host_session,
    key: *const guestlink_snapshot_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut session, key, out) =
            unsafe { (handle_mut(session)?, handle_ref(key)?, OutBuf::new(out, out_cap, out_len)?) };
        snapshot_out(out, |rng| session.snapshot(rng, &key.key))
    })
}

/// Loads a host session snapshot made under `key`, refusing one whose counter is below
/// `min_counter`. Check its mailbox id against the session you meant to load.
///
/// Ownership: on success `*out` receives a new handle owned by the caller.
///
/// Thread-safety: any thread.
///
/// # Safety
/// `snapshot` is NULL or readable for `snapshot_len` bytes; `key` is NULL or a live handle; `out`
/// is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_from_snapshot(
    snapshot: *const u8,
    snapshot_len: usize,
    key: *const guestlink_snapshot_key,
    min_counter: u64,
    out: *mut *mut guestlink_host_session,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (snapshot, key, out) =
            unsafe { (snapshot_in(snapshot, snapshot_len)?, handle_ref(key)?, OutHandle::new(out)?) };
        out.set(HostSession::from_snapshot(snapshot, &key.key, min_counter)?);
        Ok(())
    })
}

/// Writes the counter of the session's last snapshot saved or loaded to `*out`. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_host_session_snapshot_counter(
    session: *const guestlink_host_session,
    out: *mut u64,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutValue::new(out)?) };
        out.set(session.snapshot_counter());
        Ok(())
    })
}
