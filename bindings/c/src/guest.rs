//! The guest side: the invite link, the opened invite (before the claim) and the guest session.

use guestlink::{GuestSession, InviteLink, OpenedInvite};

use crate::ffi::{
    Handle, OutBuf, OutHandle, OutValue, Span, boundary, boundary_or, bytes_in, free_handle, handle_mut,
    handle_ref, opaque, os_rng, str_in, take_handle,
};
use crate::host::envelope_bound;
use crate::limits::{GUESTLINK_MAX_BODY_LEN, GUESTLINK_MAX_ENVELOPE_LEN, GUESTLINK_MAX_LINK_LEN};
use crate::result::guestlink_result;
use crate::values::{
    Received, guestlink_received, guestlink_safety_code, guestlink_snapshot_key, relay_auth_out, snapshot_in,
    snapshot_out,
};

/// A parsed invite link: the guest's starting point. Parsing claims nothing. Opaque; freed with
/// `guestlink_invite_link_free` (the secret is zeroized). All its functions only read it.
pub struct guestlink_invite_link {
    h: Handle<InviteLink>,
}
opaque!(guestlink_invite_link, InviteLink);

/// An invite the guest opened and verified against the host's record but has not claimed: it
/// reads the host's pre-claim messages. Opaque; freed with `guestlink_opened_invite_free`, or
/// consumed by `guestlink_opened_invite_claim`.
pub struct guestlink_opened_invite {
    h: Handle<OpenedInvite>,
}
opaque!(guestlink_opened_invite, OpenedInvite);

/// The guest's session after the claim. Opaque; freed with `guestlink_guest_session_free`.
pub struct guestlink_guest_session {
    h: Handle<GuestSession>,
}
opaque!(guestlink_guest_session, GuestSession);

/// Parses a whole link `<base url>#<fragment>` (UTF-8, not NUL-terminated, at most
/// `GUESTLINK_MAX_LINK_LEN` bytes).
///
/// Ownership: on success `*out` receives a new handle owned by the caller. Thread-safety: any
/// thread.
///
/// # Safety
/// `link` is NULL or readable for `link_len` bytes; `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_invite_link_parse(
    link: *const u8,
    link_len: usize,
    out: *mut *mut guestlink_invite_link,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (link, out) = unsafe {
            (
                str_in(link, link_len, GUESTLINK_MAX_LINK_LEN, guestlink_result::InvalidArgument)?,
                OutHandle::new(out)?,
            )
        };
        out.set(InviteLink::parse(link)?);
        Ok(())
    })
}

/// Parses only the fragment (what a URL's hash holds, with or without its leading `#`).
///
/// Ownership: on success `*out` receives a new handle owned by the caller. Thread-safety: any thread.
///
/// # Safety
/// As for `guestlink_invite_link_parse`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_invite_link_from_fragment(
    fragment: *const u8,
    fragment_len: usize,
    out: *mut *mut guestlink_invite_link,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (fragment, out) = unsafe {
            (
                str_in(fragment, fragment_len, GUESTLINK_MAX_LINK_LEN, guestlink_result::LinkMalformed)?,
                OutHandle::new(out)?,
            )
        };
        out.set(InviteLink::from_fragment(fragment)?);
        Ok(())
    })
}

/// Frees an invite link. NULL is a no-op.
///
/// # Safety
/// `link` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_invite_link_free(link: *mut guestlink_invite_link) {
    // SAFETY: `link` meets this function's `# Safety` contract.
    boundary_or((), || unsafe { free_handle(link) })
}

/// Writes the 16-byte mailbox id to fetch the invite record and envelopes by.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `link` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_invite_link_mailbox_id(
    link: *const guestlink_invite_link,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (link, out) = unsafe { (handle_ref(link)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(link.mailbox_id().as_bytes())
    })
}

/// Writes the 32-byte host identity key the link names; show its `guestlink_fingerprint`.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// As for `guestlink_invite_link_mailbox_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_invite_link_host_identity(
    link: *const guestlink_invite_link,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (link, out) = unsafe { (handle_ref(link)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(link.host_identity().as_bytes())
    })
}

/// Writes the 32-byte link mailbox public key the relay checks before the claim.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// As for `guestlink_invite_link_mailbox_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_invite_link_mailbox_public_key(
    link: *const guestlink_invite_link,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (link, out) = unsafe { (handle_ref(link)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(link.mailbox_public_key().as_bytes())
    })
}

/// Proves to the relay that the caller holds the link: signs `challenge` and writes the 64-byte
/// signature.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `link` is NULL or a live handle; `challenge` is NULL or readable for `challenge_len` bytes;
/// `out` is NULL or writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and
/// `out_len` overlap neither each other nor an input (an overlap is refused with
/// `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_invite_link_relay_auth(
    link: *const guestlink_invite_link,
    challenge: *const u8,
    challenge_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let link = unsafe { handle_ref(link) }?;
        // SAFETY: as above, for `challenge` and the output.
        unsafe { relay_auth_out(challenge, challenge_len, out, out_cap, out_len, |c| link.relay_auth(c)) }
    })
}

/// Checks the host's invite record (fetched from the relay) against the link and opens the
/// invite: signature, every derived value, version, expiry against `now`. Claims nothing; the
/// link stays usable.
///
/// Ownership: on success `*out` receives a new `guestlink_opened_invite` owned by the caller.
/// Thread-safety: read-only on `link`.
///
/// # Safety
/// `link` is NULL or a live handle; `record` is NULL or readable for `record_len` bytes; `out` is
/// NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_invite_link_open(
    link: *const guestlink_invite_link,
    record: *const u8,
    record_len: usize,
    now: u64,
    out: *mut *mut guestlink_opened_invite,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (link, record, out) = unsafe {
            (
                handle_ref(link)?,
                bytes_in(record, record_len, GUESTLINK_MAX_ENVELOPE_LEN, guestlink_result::EnvelopeTooLarge)?,
                OutHandle::new(out)?,
            )
        };
        out.set(link.open(record, now)?);
        Ok(())
    })
}

/// Frees an opened invite. NULL is a no-op.
///
/// # Safety
/// `opened` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_free(opened: *mut guestlink_opened_invite) {
    // SAFETY: `opened` meets this function's `# Safety` contract.
    boundary_or((), || unsafe { free_handle(opened) })
}

/// Writes the 16-byte mailbox id. Read-only.
///
/// # Safety
/// `opened` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_mailbox_id(
    opened: *const guestlink_opened_invite,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (opened, out) = unsafe { (handle_ref(opened)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(opened.mailbox_id().as_bytes())
    })
}

/// Writes the 32-byte identity key of who invited the guest (show its `guestlink_fingerprint`).
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// As for `guestlink_opened_invite_mailbox_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_host_identity(
    opened: *const guestlink_opened_invite,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (opened, out) = unsafe { (handle_ref(opened)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(opened.host_identity().as_bytes())
    })
}

/// Writes when the invite expires (seconds since the Unix epoch) to `*out`.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `opened` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_expires_at(
    opened: *const guestlink_opened_invite,
    out: *mut u64,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (opened, out) = unsafe { (handle_ref(opened)?, OutValue::new(out)?) };
        out.set(opened.expires_at());
        Ok(())
    })
}

/// Signs a relay challenge with the link mailbox key, writing the 64-byte signature.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `opened` is NULL or a live handle; `challenge` is NULL or readable for `challenge_len` bytes;
/// `out` is NULL or writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and
/// `out_len` overlap neither each other nor an input (an overlap is refused with
/// `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_relay_auth(
    opened: *const guestlink_opened_invite,
    challenge: *const u8,
    challenge_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let opened = unsafe { handle_ref(opened) }?;
        // SAFETY: as above, for `challenge` and the output.
        unsafe { relay_auth_out(challenge, challenge_len, out, out_cap, out_len, |c| opened.relay_auth(c)) }
    })
}

/// Decrypts a signed pre-claim host envelope. Nothing changes on error.
///
/// Ownership: on success `*out` receives a new `guestlink_received` (a `TEXT`) owned by the caller.
/// Thread-safety: needs exclusive access to `opened`: an overlapping call on it returns
/// `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `opened` is NULL or a live handle; `envelope` is NULL or readable for `envelope_len` bytes;
/// `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_decrypt(
    opened: *mut guestlink_opened_invite,
    envelope: *const u8,
    envelope_len: usize,
    out: *mut *mut guestlink_received,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut opened, envelope, out) = unsafe {
            (
                handle_mut(opened)?,
                bytes_in(
                    envelope,
                    envelope_len,
                    GUESTLINK_MAX_ENVELOPE_LEN,
                    guestlink_result::EnvelopeTooLarge,
                )?,
                OutHandle::new(out)?,
            )
        };
        out.set(Received::from_guest(opened.decrypt(envelope)?)?);
        Ok(())
    })
}

/// Checks a claimed record fetched from the relay. A valid one means someone else claimed this
/// invite: `GUESTLINK_RESULT_CLAIMED_BY_OTHER`; a forged one is `GUESTLINK_RESULT_BAD_SIGNATURE`.
/// This function never returns `GUESTLINK_RESULT_OK`. Read-only.
///
/// # Safety
/// `opened` is NULL or a live handle; `record` is NULL or readable for `record_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_check_claimed_record(
    opened: *const guestlink_opened_invite,
    record: *const u8,
    record_len: usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (opened, record) = unsafe {
            (
                handle_ref(opened)?,
                bytes_in(record, record_len, GUESTLINK_MAX_ENVELOPE_LEN, guestlink_result::EnvelopeTooLarge)?,
            )
        };
        Ok(opened.check_claimed_record(record)?)
    })
}

/// Applies a revocation record fetched from the relay: the invite can no longer be claimed. Writes
/// the revocation time to `*revoked_at`. Needs exclusive access to `opened`: an overlapping call on
/// it returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `opened` is NULL or a live handle; `record` is NULL or readable for `record_len` bytes;
/// `revoked_at` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_apply_revocation(
    opened: *mut guestlink_opened_invite,
    record: *const u8,
    record_len: usize,
    revoked_at: *mut u64,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut opened, record, revoked_at) = unsafe {
            (
                handle_mut(opened)?,
                bytes_in(record, record_len, GUESTLINK_MAX_ENVELOPE_LEN, guestlink_result::EnvelopeTooLarge)?,
                OutValue::new(revoked_at)?,
            )
        };
        revoked_at.set(opened.apply_revocation(record)?);
        Ok(())
    })
}

/// Claims the invite: a fresh claim key and guest mailbox key, and the first claim envelope to
/// send to the host, written to `out`.
///
/// Consuming call: `*opened` is taken and set to NULL whenever the claim is attempted, that is
/// on success and on a core error (`GUESTLINK_RESULT_INVITE_REVOKED`,
/// `GUESTLINK_RESULT_INVITE_EXPIRED`, ...). It is left untouched when the call fails before:
/// NULL arguments, a poisoned handle, a handle another call is using
/// (`GUESTLINK_RESULT_HANDLE_BUSY`), or `out_cap` below `guestlink_max_envelope_len(0)`
/// (`GUESTLINK_RESULT_BUFFER_TOO_SMALL`, with that bound in `*out_len`).
///
/// Ownership: on success `*session` receives a new `guestlink_guest_session` owned by the caller.
/// Thread-safety: needs exclusive access to `*opened`: an overlapping call on it returns
/// `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `opened` is NULL or valid for reading and writing a pointer, and `*opened` is NULL or a live
/// handle on which no other call starts during this one (one already running is detected);
/// `session` is NULL or writable for one pointer; `out` is NULL or writable for `out_cap` bytes;
/// `out_len` is NULL or writable. `out` and `out_len` overlap neither each other nor an input (an
/// overlap is refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_claim(
    opened: *mut *mut guestlink_opened_invite,
    now: u64,
    session: *mut *mut guestlink_guest_session,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        let slots = [Span::one(opened.cast_const()), Span::one(session.cast_const())];
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (OutHandle::new(session)?, OutBuf::new(out, out_cap, out_len)?) };
        let need = envelope_bound(0)?;
        out.check_disjoint(need, &slots)?;
        // SAFETY: `opened` meets this function's `# Safety` contract.
        let opened = unsafe { take_handle(opened, |_| out.reserve(need)) }?;
        let (guest, envelope) = opened.claim(&mut os_rng(), now)?;
        out.write(&envelope)?;
        session.set(guest);
        Ok(())
    })
}

/// Saves the opened invite encrypted under `key`; each save increments its snapshot counter.
/// `out_cap` must be at least `GUESTLINK_MAX_SNAPSHOT_LEN`, checked before anything changes. Needs
/// exclusive access to `opened`: an overlapping call on it returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `opened` is NULL or a live handle; `key` is NULL or a live snapshot key; `out` is NULL or
/// writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and `out_len` overlap neither
/// each other nor an input (an overlap is refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before
/// anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_snapshot(
    opened: *mut guestlink_opened_invite,
    key: *const guestlink_snapshot_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut opened, key, out) =
            unsafe { (handle_mut(opened)?, handle_ref(key)?, OutBuf::new(out, out_cap, out_len)?) };
        snapshot_out(out, |rng| opened.snapshot(rng, &key.key))
    })
}

/// Loads an opened-invite snapshot made under `key`, refusing one whose counter is below
/// `min_counter`.
///
/// Ownership: on success `*out` receives a new handle owned by the caller.
///
/// Thread-safety: any thread.
///
/// # Safety
/// `snapshot` is NULL or readable for `snapshot_len` bytes; `key` is NULL or a live handle; `out`
/// is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_from_snapshot(
    snapshot: *const u8,
    snapshot_len: usize,
    key: *const guestlink_snapshot_key,
    min_counter: u64,
    out: *mut *mut guestlink_opened_invite,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (snapshot, key, out) =
            unsafe { (snapshot_in(snapshot, snapshot_len)?, handle_ref(key)?, OutHandle::new(out)?) };
        out.set(OpenedInvite::from_snapshot(snapshot, &key.key, min_counter)?);
        Ok(())
    })
}

/// Writes the counter of the last snapshot saved or loaded to `*out`. Read-only.
///
/// # Safety
/// `opened` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_opened_invite_snapshot_counter(
    opened: *const guestlink_opened_invite,
    out: *mut u64,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (opened, out) = unsafe { (handle_ref(opened)?, OutValue::new(out)?) };
        out.set(opened.snapshot_counter());
        Ok(())
    })
}

/// Frees a guest session (its keys are zeroized). NULL is a no-op.
///
/// # Safety
/// `session` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_free(session: *mut guestlink_guest_session) {
    // SAFETY: `session` meets this function's `# Safety` contract.
    boundary_or((), || unsafe { free_handle(session) })
}

/// Writes the 16-byte mailbox id. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_mailbox_id(
    session: *const guestlink_guest_session,
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

/// Writes the 32-byte host identity key. Read-only.
///
/// # Safety
/// As for `guestlink_guest_session_mailbox_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_host_identity(
    session: *const guestlink_guest_session,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(session.host_identity().as_bytes())
    })
}

/// Writes the 32-byte claim key (the guest's first ratchet public key). Read-only.
///
/// # Safety
/// As for `guestlink_guest_session_mailbox_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_claim_key(
    session: *const guestlink_guest_session,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(&session.claim_key())
    })
}

/// Writes the 32-byte guest mailbox key the relay accepts guest posts under after the claim.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// As for `guestlink_guest_session_mailbox_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_mailbox_public_key(
    session: *const guestlink_guest_session,
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

/// Writes whether the host confirmed the claim (a post-claim host message decrypted). Until
/// then, show the chat as unconfirmed. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_is_confirmed(
    session: *const guestlink_guest_session,
    out: *mut bool,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutValue::new(out)?) };
        out.set(session.is_confirmed());
        Ok(())
    })
}

/// Writes whether the host ended the session. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_is_ended(
    session: *const guestlink_guest_session,
    out: *mut bool,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutValue::new(out)?) };
        out.set(session.is_ended());
        Ok(())
    })
}

/// The safety code to compare with the host.
///
/// Ownership: on success `*out` receives a new handle owned by the caller. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_safety_code(
    session: *const guestlink_guest_session,
    out: *mut *mut guestlink_safety_code,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutHandle::new(out)?) };
        out.set(session.safety_code());
        Ok(())
    })
}

/// Signs a relay challenge with the guest mailbox key, writing the 64-byte signature.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `challenge` is NULL or readable for `challenge_len` bytes;
/// `out` is NULL or writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and
/// `out_len` overlap neither each other nor an input (an overlap is refused with
/// `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_relay_auth(
    session: *const guestlink_guest_session,
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

/// Encrypts UTF-8 `text` (at most `GUESTLINK_MAX_BODY_LEN` bytes) for the host: a claim envelope
/// until the host confirmed, then a message. Buffer rule as for `guestlink_host_session_encrypt`.
/// Needs exclusive access to `session`: an overlapping call on it returns
/// `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `text` is NULL or readable for `text_len` bytes; `out` is
/// NULL or writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and `out_len` overlap
/// neither each other nor an input (an overlap is refused with `GUESTLINK_RESULT_INVALID_ARGUMENT`
/// before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_encrypt(
    session: *mut guestlink_guest_session,
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
        out.write(&session.encrypt(&mut os_rng(), text)?)
    })
}

/// Decrypts a host envelope (a late pre-claim one or a message). Nothing changes on error.
///
/// Ownership: on success `*out` receives a new `guestlink_received` owned by the caller: a `TEXT`,
/// `CONFIRMED` or `ENDED`. Needs exclusive access to `session`: an overlapping call on it returns
/// `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `envelope` is NULL or readable for `envelope_len` bytes;
/// `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_decrypt(
    session: *mut guestlink_guest_session,
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
        out.set(Received::from_guest(session.decrypt(envelope)?)?);
        Ok(())
    })
}

/// Checks a claimed record from the relay: `GUESTLINK_RESULT_OK` if it names our claim,
/// `GUESTLINK_RESULT_CLAIMED_BY_OTHER` if it names another, `GUESTLINK_RESULT_BAD_SIGNATURE` if
/// forged. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `record` is NULL or readable for `record_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_check_claimed_record(
    session: *const guestlink_guest_session,
    record: *const u8,
    record_len: usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, record) = unsafe {
            (
                handle_ref(session)?,
                bytes_in(record, record_len, GUESTLINK_MAX_ENVELOPE_LEN, guestlink_result::EnvelopeTooLarge)?,
            )
        };
        Ok(session.check_claimed_record(record)?)
    })
}

/// Applies a revocation record fetched from the relay; writes the revocation time to `*revoked_at`.
/// Needs exclusive access to `session`: an overlapping call on it returns
/// `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `record` is NULL or readable for `record_len` bytes;
/// `revoked_at` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_apply_revocation(
    session: *mut guestlink_guest_session,
    record: *const u8,
    record_len: usize,
    revoked_at: *mut u64,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut session, record, revoked_at) = unsafe {
            (
                handle_mut(session)?,
                bytes_in(record, record_len, GUESTLINK_MAX_ENVELOPE_LEN, guestlink_result::EnvelopeTooLarge)?,
                OutValue::new(revoked_at)?,
            )
        };
        revoked_at.set(session.apply_revocation(record)?);
        Ok(())
    })
}

/// Saves the session encrypted under `key`; each save increments its snapshot counter. `out_cap`
/// must be at least `GUESTLINK_MAX_SNAPSHOT_LEN`, checked before anything changes. Needs exclusive
/// access to `session`: an overlapping call on it returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `session` is NULL or a live handle; `key` is NULL or a live snapshot key; `out` is NULL or
/// writable for `out_cap` bytes; `out_len` is NULL or writable. `out` and `out_len` overlap neither
/// each other nor an input (an overlap is refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before
/// anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_snapshot(
    session: *mut guestlink_guest_session,
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

/// Loads a guest session snapshot made under `key`, refusing one whose counter is below
/// `min_counter`.
///
/// Ownership: on success `*out` receives a new handle owned by the caller.
///
/// Thread-safety: any thread.
///
/// # Safety
/// `snapshot` is NULL or readable for `snapshot_len` bytes; `key` is NULL or a live handle; `out`
/// is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_from_snapshot(
    snapshot: *const u8,
    snapshot_len: usize,
    key: *const guestlink_snapshot_key,
    min_counter: u64,
    out: *mut *mut guestlink_guest_session,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (snapshot, key, out) =
            unsafe { (snapshot_in(snapshot, snapshot_len)?, handle_ref(key)?, OutHandle::new(out)?) };
        out.set(GuestSession::from_snapshot(snapshot, &key.key, min_counter)?);
        Ok(())
    })
}

/// Writes the counter of the last snapshot saved or loaded to `*out`. Read-only.
///
/// # Safety
/// `session` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_guest_session_snapshot_counter(
    session: *const guestlink_guest_session,
    out: *mut u64,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (session, out) = unsafe { (handle_ref(session)?, OutValue::new(out)?) };
        out.set(session.snapshot_counter());
        Ok(())
    })
}
