#![doc = include_str!("../README.md")]
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]

mod ffi;
pub mod guest;
pub mod host;
pub mod limits;
pub mod result;
pub mod values;

#[cfg(feature = "testing")]
pub mod testing;
/// cbindgen:ignore
#[cfg(test)]
mod tests;

use std::ffi::{CStr, c_char};

use crate::ffi::{OutBuf, OutValue, Span, array_in, boundary, boundary_or, bytes_in};
use crate::limits::{GUESTLINK_MAX_CHALLENGE_LEN, GUESTLINK_MAX_ENVELOPE_LEN};
use crate::result::guestlink_result;
use crate::values::snapshot_in;

/// The type byte of an envelope or record (`guestlink_envelope_info.kind`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum guestlink_envelope_kind {
    /// The host-signed invite record.
    InviteRecord = 0x01,
    /// The host-signed record that an invite was claimed.
    ClaimedRecord = 0x02,
    /// The host-signed revocation of an invite.
    RevocationRecord = 0x03,
    /// A host message sent before the claim, signed.
    PreClaim = 0x10,
    /// A guest message sent before the host confirmed the claim.
    Claim = 0x11,
    /// A message after the claim, in either direction.
    Message = 0x12,
}

/// What a relay may learn of an envelope without any key (`guestlink_peek`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct guestlink_envelope_info {
    /// A `guestlink_envelope_kind` value.
    pub kind: u32,
    /// The mailbox the envelope belongs to.
    pub mailbox_id: [u8; 16],
    /// The version byte: 1 for records, `guestlink_message_version()` for the messages this
    /// library writes, 1 for messages of older writers (still read).
    pub version: u32,
}

/// What a snapshot holds (`guestlink_snapshot_info.kind`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum guestlink_snapshot_kind {
    /// A `guestlink_host_identity`.
    HostIdentity = 1,
    /// A `guestlink_host_session`.
    HostSession = 2,
    /// A `guestlink_opened_invite`.
    OpenedInvite = 3,
    /// A `guestlink_guest_session`.
    GuestSession = 4,
}

/// The cleartext header of a snapshot (`guestlink_snapshot_peek`): authenticated, not secret.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct guestlink_snapshot_info {
    /// A `guestlink_snapshot_kind` value.
    pub kind: u32,
    /// The mailbox id of a session; the first 16 bytes of the key of an identity.
    pub object_id: [u8; 16],
    /// The save counter: compare with the highest the app has seen to detect a rollback.
    pub counter: u64,
    /// The format version: `guestlink_snapshot_version()` as written now; 1 is still read, and
    /// rewritten as the current version at the next save.
    pub version: u32,
}

const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => c"unknown",
};

/// The library version, such as `"0.1.0"`: static, NUL-terminated, never freed. Any thread.
#[unsafe(no_mangle)]
pub extern "C" fn guestlink_version() -> *const c_char {
    boundary_or(c"unknown".as_ptr(), || VERSION.as_ptr())
}

/// The protocol version: the first byte of every record, and the version the safety code
/// commits to. Any thread.
#[unsafe(no_mangle)]
pub extern "C" fn guestlink_protocol_version() -> u8 {
    boundary_or(0, || guestlink::PROTOCOL_VERSION)
}

/// The version byte of the message envelopes this library writes (it also reads version 1).
/// Any thread.
#[unsafe(no_mangle)]
pub extern "C" fn guestlink_message_version() -> u8 {
    boundary_or(0, || guestlink::MESSAGE_VERSION)
}

/// The version byte of the snapshots this library writes (it also reads version 1, and writes
/// an object loaded from it as this version at the next save). Any thread.
#[unsafe(no_mangle)]
pub extern "C" fn guestlink_snapshot_version() -> u8 {
    boundary_or(0, || guestlink::SNAPSHOT_VERSION)
}

/// The largest envelope a message with a body of `body_len` bytes produces (any type): the
/// output buffer `_encrypt` requires. Returns 0 when `body_len` exceeds `GUESTLINK_MAX_BODY_LEN`.
/// Any thread.
#[unsafe(no_mangle)]
pub extern "C" fn guestlink_max_envelope_len(body_len: usize) -> usize {
    boundary_or(0, || guestlink::max_envelope_len(body_len).unwrap_or(0))
}

/// Reads the common header of any envelope or record: its version, kind and mailbox, without any key
/// (what a relay or an app routing envelopes to sessions needs). Any thread.
///
/// # Safety
/// `envelope` is NULL or readable for `envelope_len` bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_peek(
    envelope: *const u8,
    envelope_len: usize,
    out: *mut guestlink_envelope_info,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (envelope, out) = unsafe {
            (
                bytes_in(
                    envelope,
                    envelope_len,
                    GUESTLINK_MAX_ENVELOPE_LEN,
                    guestlink_result::EnvelopeTooLarge,
                )?,
                OutValue::new(out)?,
            )
        };
        let info = guestlink::peek(envelope)?;
        out.set(guestlink_envelope_info {
            kind: u32::from(info.kind.to_byte()),
            mailbox_id: info.mailbox_id.to_bytes(),
            version: u32::from(info.version),
        });
        Ok(())
    })
}

/// Reads a snapshot's cleartext header without decrypting it. Any thread.
///
/// # Safety
/// `snapshot` is NULL or readable for `snapshot_len` bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_snapshot_peek(
    snapshot: *const u8,
    snapshot_len: usize,
    out: *mut guestlink_snapshot_info,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (snapshot, out) = unsafe { (snapshot_in(snapshot, snapshot_len)?, OutValue::new(out)?) };
        let info = guestlink::snapshot_info(snapshot)?;
        let kind = match info.kind {
            guestlink::SnapshotKind::HostIdentity => guestlink_snapshot_kind::HostIdentity,
            guestlink::SnapshotKind::HostSession => guestlink_snapshot_kind::HostSession,
            guestlink::SnapshotKind::OpenedInvite => guestlink_snapshot_kind::OpenedInvite,
            guestlink::SnapshotKind::GuestSession => guestlink_snapshot_kind::GuestSession,
            _ => return Err(guestlink_result::UnknownError),
        };
        out.set(guestlink_snapshot_info {
            kind: kind as u32,
            object_id: info.object_id,
            counter: info.counter,
            version: u32::from(info.version),
        });
        Ok(())
    })
}

/// Checks a relay authentication (what a relay does; needs no secret): `signature` (64 bytes) by
/// the mailbox key `key` (32 bytes) over `mailbox_id` (16 bytes) and the `challenge` the relay
/// issued. `GUESTLINK_RESULT_OK` when valid; wrong lengths are `GUESTLINK_RESULT_INVALID_ARGUMENT`.
/// Any thread.
///
/// # Safety
/// Each pointer is NULL or readable for its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_verify_relay_auth(
    key: *const u8,
    key_len: usize,
    mailbox_id: *const u8,
    mailbox_id_len: usize,
    challenge: *const u8,
    challenge_len: usize,
    signature: *const u8,
    signature_len: usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (key, mailbox_id, challenge, signature) = unsafe {
            (
                array_in::<32>(key, key_len)?,
                array_in::<16>(mailbox_id, mailbox_id_len)?,
                bytes_in(
                    challenge,
                    challenge_len,
                    GUESTLINK_MAX_CHALLENGE_LEN,
                    guestlink_result::InvalidArgument,
                )?,
                array_in::<64>(signature, signature_len)?,
            )
        };
        let key = guestlink::MailboxPublicKey::from_bytes(&key)?;
        let mailbox_id = guestlink::MailboxId::from_bytes(mailbox_id);
        Ok(guestlink::verify_relay_auth(&key, &mailbox_id, challenge, &signature)?)
    })
}

/// Writes the display fingerprint of a 32-byte host identity key (`"1a2b 3c4d 5e6f 7a8b 9c0d"`,
/// `GUESTLINK_FINGERPRINT_LEN` ASCII bytes, not NUL-terminated). For display only: compare safety
/// codes to verify. An invalid key is `GUESTLINK_RESULT_INVALID_KEY`. Any thread.
///
/// # Safety
/// `identity_key` is NULL or readable for `identity_key_len` bytes; `out` is NULL or writable for
/// `out_cap` bytes; `out_len` is NULL or writable. `out` and `out_len` overlap neither each other
/// nor an input (an overlap is refused with `GUESTLINK_RESULT_INVALID_ARGUMENT` before anything
/// changes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn guestlink_fingerprint(
    identity_key: *const u8,
    identity_key_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> guestlink_result {
    boundary(|| {
        // SAFETY: every pointer meets this function's `# Safety` contract.
        let (key, out) =
            unsafe { (array_in::<32>(identity_key, identity_key_len)?, OutBuf::new(out, out_cap, out_len)?) };
        let fingerprint = guestlink::IdentityPublicKey::from_bytes(&key)?.fingerprint();
        out.check_disjoint(fingerprint.len(), &[Span::new(identity_key, identity_key_len)])?;
        out.write(fingerprint.as_bytes())
    })
}
