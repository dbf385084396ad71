//! Result values with several parts (a created invite, a decrypted envelope, a revocation), the
//! safety code and the snapshot key, and helpers shared by the host and guest modules.

use guestlink::snapshot::MAX_SNAPSHOT_LEN;
use guestlink::{GuestReceived, HostReceived, Revocation, SafetyCode, SecretLink, SnapshotKey};
use zeroize::Zeroizing;

use crate::ffi::{
    FfiResult, Handle, OutBuf, OutHandle, OutValue, Span, array_in, boundary, boundary_or, bytes_in,
    free_handle, handle_mut, handle_ref, opaque, os_rng, str_in,
};
use crate::host::guestlink_host_session;
use crate::limits::GUESTLINK_MAX_CHALLENGE_LEN;
use crate::result::guestlink_result;

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/// Reads a snapshot argument: longer than the core's maximum is `SNAPSHOT_MALFORMED`, as the
/// core itself reports.
///
/// # Safety
/// As for [`bytes_in`].
pub(crate) unsafe fn snapshot_in<'a>(ptr: *const u8, len: usize) -> FfiResult<&'a [u8]> {
    // SAFETY: forwarded from this function's contract.
    unsafe { bytes_in(ptr, len, MAX_SNAPSHOT_LEN, guestlink_result::SnapshotMalformed) }
}

/// Writes a snapshot, requiring room for the largest one (and no overlap) before the counter
/// changes.
pub(crate) fn snapshot_out(
    out: OutBuf,
    save: impl FnOnce(&mut rand_core::UnwrapErr<getrandom::SysRng>) -> Vec<u8>,
) -> FfiResult<()> {
    out.check_disjoint(MAX_SNAPSHOT_LEN, &[])?;
    out.reserve(MAX_SNAPSHOT_LEN)?;
    out.write(&save(&mut os_rng()))
}

/// Signs a relay challenge into a caller buffer with `sign`.
///
/// # Safety
/// `challenge` is NULL or readable for `challenge_len` bytes; `out`/`out_cap`/`out_len` as for
/// [`OutBuf::new`]. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
pub(crate) unsafe fn relay_auth_out(
    challenge: *const u8,
    challenge_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
    sign: impl FnOnce(&[u8]) -> guestlink::Result<[u8; 64]>,
) -> FfiResult<()> {
    // SAFETY: forwarded from this function's contract.
    let (challenge, out) = unsafe {
        (
            bytes_in(
                challenge,
                challenge_len,
                GUESTLINK_MAX_CHALLENGE_LEN,
                guestlink_result::InvalidArgument,
            )?,
            OutBuf::new(out, out_cap, out_len)?,
        )
    };
    out.check_disjoint(64, &[Span::of(challenge)])?;
    out.reserve(64)?;
    out.write(&sign(challenge)?)
}

// ---------------------------------------------------------------------------------------------
// Created invite.

/// The outcome of `guestlink_host_identity_create_invite`: the link to hand out, the signed
/// invite record to publish on the relay, and the host session (taken out once). Opaque; free it
/// with `guestlink_created_invite_free` (the link is zeroized).
pub struct guestlink_created_invite {
    h: Handle<CreatedInvite>,
}
opaque!(guestlink_created_invite, CreatedInvite);

pub(crate) struct CreatedInvite {
    link: SecretLink,
    record: Vec<u8>,
    session: Option<guestlink::HostSession>,
}

impl CreatedInvite {
    pub(crate) fn new(c: guestlink::CreatedInvite) -> Self {
        CreatedInvite { link: c.link, record: c.record, session: Some(c.session) }
    }
}

/// Writes the invite link (`<base_url>#<fragment>`, UTF-8, not NUL-terminated; its length is
/// `base_url_len + 1 + GUESTLINK_FRAGMENT_LEN`). It holds the invite secret: send it to the guest
/// only. Output convention as for `guestlink_host_identity_public_key`. Read-only.
///
/// # Safety
/// `invite` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_created_invite_link(
    invite: *const guestlink_created_invite,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (invite, out) = unsafe { (handle_ref(invite)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(invite.link.as_str().as_bytes())
    })
}

/// Writes the signed invite record (`GUESTLINK_INVITE_RECORD_LEN` bytes) to publish on the relay.
/// Read-only.
///
/// # Safety
/// As for `guestlink_created_invite_link`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_created_invite_record(
    invite: *const guestlink_created_invite,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (invite, out) = unsafe { (handle_ref(invite)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(&invite.record)
    })
}

/// Moves the host session out of the created invite: the first call succeeds, later ones return
/// `GUESTLINK_RESULT_ALREADY_USED`.
///
/// Ownership: on success `*out` receives a new session owned by the caller
/// (`guestlink_host_session_free`); the created invite stays owned by the caller. Needs exclusive
/// access to `invite`: an overlapping call on it returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `invite` is NULL or a live handle; `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_created_invite_take_session(
    invite: *mut guestlink_created_invite,
    out: *mut *mut guestlink_host_session,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (mut invite, out) = unsafe { (handle_mut(invite)?, OutHandle::new(out)?) };
        out.set(invite.session.take().ok_or(guestlink_result::AlreadyUsed)?);
        Ok(())
    })
}

/// Frees a created invite (and the session, if it was not taken). NULL is a no-op.
///
/// # Safety
/// `invite` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_created_invite_free(invite: *mut guestlink_created_invite) {
    // SAFETY: `invite` meets this function's `# Safety` contract.
    boundary_or((), || unsafe { free_handle(invite) })
}

// ---------------------------------------------------------------------------------------------
// Received.

/// What a decrypted envelope was (`guestlink_received_get_kind`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum guestlink_received_kind {
    /// A text message (`guestlink_received_text`).
    Text = 1,
    /// Host only: the guest's claim was accepted. Persist the session, post
    /// `guestlink_received_claimed_record`, send `guestlink_received_confirmation`, and compare
    /// `guestlink_received_safety_code`; the claim may carry a text.
    Claimed = 2,
    /// Host only: the guest's join notice, arriving after another claim message; nothing to show.
    Join = 3,
    /// Guest only: the host confirmed the claim; the chat is confirmed.
    Confirmed = 4,
    /// Guest only: the host ended the session.
    Ended = 5,
}

/// A decrypted envelope: its kind and the parts it carries. Opaque; obtained from a `_decrypt`
/// function, freed with `guestlink_received_free` (the text is zeroized). Its getters only read
/// it and may be called repeatedly, for example again after `GUESTLINK_RESULT_BUFFER_TOO_SMALL`.
pub struct guestlink_received {
    h: Handle<Received>,
}
opaque!(guestlink_received, Received);

pub(crate) enum Received {
    Text(Zeroizing<String>),
    Claimed {
        claimed_record: Vec<u8>,
        confirmation: Vec<u8>,
        safety_code: SafetyCode,
        text: Option<Zeroizing<String>>,
    },
    Join,
    Confirmed,
    Ended,
}

impl Received {
    pub(crate) fn from_host(r: HostReceived) -> FfiResult<Self> {
        Ok(match r {
            HostReceived::Text(t) => Received::Text(Zeroizing::new(t)),
            HostReceived::Claimed(c) => Received::Claimed {
                claimed_record: c.claimed_record,
                confirmation: c.confirmation,
                safety_code: c.safety_code,
                text: c.text.map(Zeroizing::new),
            },
            HostReceived::Join => Received::Join,
            _ => return Err(guestlink_result::UnknownError),
        })
    }

    pub(crate) fn from_guest(r: GuestReceived) -> FfiResult<Self> {
        Ok(match r {
            GuestReceived::Text(t) => Received::Text(Zeroizing::new(t)),
            GuestReceived::Confirmed => Received::Confirmed,
            GuestReceived::Ended => Received::Ended,
            _ => return Err(guestlink_result::UnknownError),
        })
    }

    fn kind(&self) -> guestlink_received_kind {
        match self {
            Received::Text(_) => guestlink_received_kind::Text,
            Received::Claimed { .. } => guestlink_received_kind::Claimed,
            Received::Join => guestlink_received_kind::Join,
            Received::Confirmed => guestlink_received_kind::Confirmed,
            Received::Ended => guestlink_received_kind::Ended,
        }
    }
}

/// Writes the `guestlink_received_kind` (as a `uint32_t`) to `*out`. Read-only.
///
/// # Safety
/// `received` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_received_get_kind(
    received: *const guestlink_received,
    out: *mut u32,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (received, out) = unsafe { (handle_ref(received)?, OutValue::new(out)?) };
        out.set(received.kind() as u32);
        Ok(())
    })
}

/// Writes the text (UTF-8, not NUL-terminated, at most `GUESTLINK_MAX_BODY_LEN` bytes) of a
/// `TEXT`, or of a `CLAIMED` that carried one; otherwise `GUESTLINK_RESULT_NO_VALUE`. Read-only.
///
/// # Safety
/// `received` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_received_text(
    received: *const guestlink_received,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (received, out) = unsafe { (handle_ref(received)?, OutBuf::new(out, out_cap, out_len)?) };
        match &*received {
            Received::Text(t) | Received::Claimed { text: Some(t), .. } => out.write(t.as_bytes()),
            _ => Err(guestlink_result::NoValue),
        }
    })
}

/// Writes the signed claimed record of a `CLAIMED` (`GUESTLINK_CLAIMED_RECORD_LEN` bytes): post it
/// to the relay so that only this guest may post. Otherwise `GUESTLINK_RESULT_NO_VALUE`.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// As for `guestlink_received_text`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_received_claimed_record(
    received: *const guestlink_received,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (received, out) = unsafe { (handle_ref(received)?, OutBuf::new(out, out_cap, out_len)?) };
        match &*received {
            Received::Claimed { claimed_record, .. } => out.write(claimed_record),
            _ => Err(guestlink_result::NoValue),
        }
    })
}

/// Writes the host's key confirmation envelope of a `CLAIMED` (at most
/// `guestlink_max_envelope_len(0)` bytes): send it to the guest at once. Otherwise
/// `GUESTLINK_RESULT_NO_VALUE`.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// As for `guestlink_received_text`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_received_confirmation(
    received: *const guestlink_received,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (received, out) = unsafe { (handle_ref(received)?, OutBuf::new(out, out_cap, out_len)?) };
        match &*received {
            Received::Claimed { confirmation, .. } => out.write(confirmation),
            _ => Err(guestlink_result::NoValue),
        }
    })
}

/// The safety code of a `CLAIMED`; otherwise `GUESTLINK_RESULT_NO_VALUE`.
///
/// Ownership: on success `*out` receives a new handle owned by the caller
/// (`guestlink_safety_code_free`), independent of `received`.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `received` is NULL or a live handle; `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_received_safety_code(
    received: *const guestlink_received,
    out: *mut *mut guestlink_safety_code,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (received, out) = unsafe { (handle_ref(received)?, OutHandle::new(out)?) };
        match &*received {
            Received::Claimed { safety_code, .. } => {
                out.set(safety_code.clone());
                Ok(())
            }
            _ => Err(guestlink_result::NoValue),
        }
    })
}

/// Frees a received value. NULL is a no-op.
///
/// # Safety
/// `received` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_received_free(received: *mut guestlink_received) {
    // SAFETY: `received` meets this function's `# Safety` contract.
    boundary_or((), || unsafe { free_handle(received) })
}

// ---------------------------------------------------------------------------------------------
// Revocation.

/// A revoked invite: the revocation record and, when the invite was claimed, the end message for
/// the guest. Opaque; from `guestlink_host_session_revoke`, freed with
/// `guestlink_revocation_free`.
pub struct guestlink_revocation {
    h: Handle<Revocation>,
}
opaque!(guestlink_revocation, Revocation);

/// Writes the signed revocation record (`GUESTLINK_REVOCATION_RECORD_LEN` bytes) to post to the
/// relay. Read-only.
///
/// # Safety
/// `revocation` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len`
/// is NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_revocation_record(
    revocation: *const guestlink_revocation,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (revocation, out) = unsafe { (handle_ref(revocation)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(&revocation.record)
    })
}

/// Writes the in-session end message for the guest (at most `guestlink_max_envelope_len(0)`
/// bytes), or returns `GUESTLINK_RESULT_NO_VALUE` when the invite was not claimed. Read-only.
///
/// # Safety
/// As for `guestlink_revocation_record`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_revocation_end_message(
    revocation: *const guestlink_revocation,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (revocation, out) = unsafe { (handle_ref(revocation)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(revocation.end_message.as_deref().ok_or(guestlink_result::NoValue)?)
    })
}

/// Frees a revocation. NULL is a no-op.
///
/// # Safety
/// `revocation` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_revocation_free(revocation: *mut guestlink_revocation) {
    // SAFETY: `revocation` meets this function's `# Safety` contract.
    boundary_or((), || unsafe { free_handle(revocation) })
}

// ---------------------------------------------------------------------------------------------
// Safety code.

/// A safety code: what host and guest compare out of band. Equal on both sides unless someone
/// substituted a key. Opaque; freed with `guestlink_safety_code_free`. All its functions only
/// read it.
pub struct guestlink_safety_code {
    h: Handle<SafetyCode>,
}
opaque!(guestlink_safety_code, SafetyCode);

/// Writes the long form: 40 digits in eight groups of five separated by spaces
/// (`GUESTLINK_SAFETY_CODE_LONG_LEN` ASCII bytes, not NUL-terminated).
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `code` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is
/// NULL or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is
/// refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_safety_code_long_form(
    code: *const guestlink_safety_code,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (code, out) = unsafe { (handle_ref(code)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(code.long_form().as_bytes())
    })
}

/// Writes the short form, six digits as `"123 456"` (`GUESTLINK_SAFETY_CODE_SHORT_LEN` bytes).
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// As for `guestlink_safety_code_long_form`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_safety_code_short_form(
    code: *const guestlink_safety_code,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (code, out) = unsafe { (handle_ref(code)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(code.short_form().as_bytes())
    })
}

/// Writes the 32-byte payload to show as a QR code (`GUESTLINK_QR_PAYLOAD_LEN`).
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// As for `guestlink_safety_code_long_form`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_safety_code_qr_payload(
    code: *const guestlink_safety_code,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (code, out) = unsafe { (handle_ref(code)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(&code.qr_payload())
    })
}

/// Compares with a long form a person typed or scanned (UTF-8 of any length; ASCII whitespace is
/// ignored, as by the core), in constant time in the digits; writes the answer to `*out`.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `code` is NULL or a live handle; `typed` is NULL or readable for `typed_len` bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_safety_code_matches_long_form(
    code: *const guestlink_safety_code,
    typed: *const u8,
    typed_len: usize,
    out: *mut bool,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (code, typed, out) = unsafe {
            (
                handle_ref(code)?,
                str_in(typed, typed_len, ANY_LEN, guestlink_result::InvalidArgument)?,
                OutValue::new(out)?,
            )
        };
        out.set(code.matches_long_form(typed));
        Ok(())
    })
}

/// The length cap of inputs the core takes at any length: no buffer is longer than
/// `isize::MAX` bytes (Rust's limit for any allocation), so only a length no caller buffer can
/// have is refused, and the answer for every real input is the core's.
const ANY_LEN: usize = isize::MAX.unsigned_abs();

/// Compares two safety codes in constant time; writes the answer to `*out`.
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `a` and `b` are NULL or live handles (possibly the same); `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_safety_code_equal(
    a: *const guestlink_safety_code,
    b: *const guestlink_safety_code,
    out: *mut bool,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (a, b, out) = unsafe { (handle_ref(a)?, handle_ref(b)?, OutValue::new(out)?) };
        out.set(*a == *b);
        Ok(())
    })
}

/// Frees a safety code. NULL is a no-op.
///
/// # Safety
/// `code` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_safety_code_free(code: *mut guestlink_safety_code) {
    // SAFETY: `code` meets this function's `# Safety` contract.
    boundary_or((), || unsafe { free_handle(code) })
}

// ---------------------------------------------------------------------------------------------
// Snapshot key.

/// The caller's 32-byte key that encrypts and authenticates snapshots. Opaque; zeroized when
/// freed with `guestlink_snapshot_key_free`. Only read by the functions that use it: one key may
/// serve several threads at once.
pub struct guestlink_snapshot_key {
    h: Handle<KeyMaterial>,
}
opaque!(guestlink_snapshot_key, KeyMaterial);

/// The key, and its bytes for `guestlink_snapshot_key_bytes` (the core does not give them back).
pub(crate) struct KeyMaterial {
    pub(crate) key: SnapshotKey,
    bytes: Zeroizing<[u8; 32]>,
}

impl KeyMaterial {
    fn new(bytes: Zeroizing<[u8; 32]>) -> Self {
        KeyMaterial { key: SnapshotKey::from_bytes(*bytes), bytes }
    }
}

/// Wraps 32 secret bytes (for example from the platform keystore) as a snapshot key; any other
/// length is `GUESTLINK_RESULT_INVALID_ARGUMENT`. The caller may wipe its copy afterwards.
///
/// Ownership: on success `*out` receives a new handle owned by the caller.
///
/// Thread-safety: any thread.
///
/// # Safety
/// `bytes` is NULL or readable for `bytes_len` bytes; `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_snapshot_key_new(
    bytes: *const u8,
    bytes_len: usize,
    out: *mut *mut guestlink_snapshot_key,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (bytes, out) = unsafe { (array_in::<32>(bytes, bytes_len)?, OutHandle::new(out)?) };
        out.set(KeyMaterial::new(Zeroizing::new(bytes)));
        Ok(())
    })
}

/// A fresh random snapshot key from the operating system's generator. Store its bytes
/// (`guestlink_snapshot_key_bytes`) in the platform keystore.
///
/// Ownership: on success `*out` receives a new handle owned by the caller.
///
/// Thread-safety: any thread.
///
/// # Safety
/// `out` is NULL or writable for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_snapshot_key_generate(
    out: *mut *mut guestlink_snapshot_key,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: `out` meets this function's `# Safety` contract.
        let out = unsafe { OutHandle::new(out) }?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand_core::Rng::fill_bytes(&mut os_rng(), bytes.as_mut_slice());
        out.set(KeyMaterial::new(bytes));
        Ok(())
    })
}

/// Writes the key's 32 secret bytes (to store them in a keystore; wipe the buffer afterwards).
///
/// Thread-safety: read-only; may run concurrently with other read-only calls on the handle. During
/// a call that needs exclusive access to it, returns `GUESTLINK_RESULT_HANDLE_BUSY`.
///
/// # Safety
/// `key` is NULL or a live handle; `out` is NULL or writable for `out_cap` bytes; `out_len` is NULL
/// or writable. `out` and `out_len` overlap neither each other nor an input (an overlap is refused
/// with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_snapshot_key_bytes(
    key: *const guestlink_snapshot_key,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (key, out) = unsafe { (handle_ref(key)?, OutBuf::new(out, out_cap, out_len)?) };
        out.write(key.bytes.as_slice())
    })
}

/// Frees (and zeroizes) a snapshot key. NULL is a no-op.
///
/// # Safety
/// `key` is NULL or a live handle from this library, used by no call in progress (from any
/// thread: not detected) and not used afterwards by anyone.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_snapshot_key_free(key: *mut guestlink_snapshot_key) {
    // SAFETY: `key` meets this function's `# Safety` contract.
    boundary_or((), || unsafe { free_handle(key) })
}
