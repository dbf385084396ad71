#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod codec;
mod crypto;
pub mod error;
mod framing;
mod guest;
mod host;
mod invite;
mod keys;
pub mod labels;
pub mod limits;
mod ratchet;
mod record;
mod relay;
mod safety;
mod session;
pub mod snapshot;

pub use error::{Error, Result};
pub use framing::{
    EnvelopeInfo, EnvelopeKind, MAX_ENVELOPE_LEN, PROTOCOL_VERSION, SUITE, max_envelope_len, padded_len, peek,
};
pub use guest::{GuestReceived, GuestSession, OpenedInvite};
pub use host::{
    ClaimAccepted, CreatedInvite, HostIdentity, HostReceived, HostSession, HostState, Revocation,
};
pub use invite::{FRAGMENT_LEN, InviteLink, SecretLink};
pub use keys::{IdentityPublicKey, MailboxId, MailboxPublicKey, SnapshotKey};
pub use record::{CLAIMED_RECORD_LEN, ClaimedRecord, INVITE_RECORD_LEN, InviteRecord, REVOCATION_RECORD_LEN};
pub use relay::verify_relay_auth;
pub use safety::SafetyCode;
pub use snapshot::{SnapshotInfo, SnapshotKind, snapshot_info};
