//! Host-signed records (SPEC §5): the invite record, the claimed record, the revocation record.

use alloc::vec::Vec;

use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::codec::{Put, Reader};
use crate::error::{Error, Result};
use crate::framing::{EnvelopeKind, SUITE, read_common, write_common};
use crate::keys::{
    IdentityPublicKey, MailboxId, MailboxPublicKey, ed25519_public, sign, verify_signature, x25519_canonical,
};
use crate::labels;

/// Length of an invite record.
pub const INVITE_RECORD_LEN: usize = 18 + 1 + 6 * 32 + 8 + 8 + 64;
/// Length of a claimed record.
pub const CLAIMED_RECORD_LEN: usize = 18 + 32 + 32 + 32 + 8 + 64;
/// Length of a revocation record.
pub const REVOCATION_RECORD_LEN: usize = 18 + 32 + 8 + 64;

/// The fields a host signs into an invite record.
pub(crate) struct RecordFields {
    pub(crate) mailbox_id: MailboxId,
    pub(crate) host_identity: IdentityPublicKey,
    pub(crate) invite_key: [u8; 32],
    pub(crate) host_mailbox: [u8; 32],
    pub(crate) link_mailbox: [u8; 32],
    pub(crate) guest_initial: [u8; 32],
    pub(crate) host_ratchet: [u8; 32],
    pub(crate) created_at: u64,
    pub(crate) expires_at: u64,
}

pub(crate) fn record_hash(bytes: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::RECORD_HASH);
    h.update(bytes);
    h.finalize().into()
}

/// The post-claim session id (SPEC §5.4).
pub(crate) fn session_id(record_hash: &[u8; 32], claim_key: &[u8; 32], guest_mailbox: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::SESSION_ID);
    h.update(record_hash);
    h.update(claim_key);
    h.update(guest_mailbox);
    h.finalize().into()
}

/// Builds and signs an invite record with the identity key.
pub(crate) fn build_invite_record(f: &RecordFields, identity: &SigningKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(INVITE_RECORD_LEN);
    write_common(&mut out, EnvelopeKind::InviteRecord, &f.mailbox_id);
    out.put_u8(SUITE);
    out.put(f.host_identity.as_bytes());
    out.put(&f.invite_key);
    out.put(&f.host_mailbox);
    out.put(&f.link_mailbox);
    out.put(&f.guest_initial);
    out.put(&f.host_ratchet);
    out.put_u64(f.created_at);
    out.put_u64(f.expires_at);
    let sig = sign(identity, labels::SIG_INVITE_RECORD, &[&out]);
    out.put(&sig);
    out
}

/// A parsed invite record whose identity signature has been verified (SPEC §5.1). What a relay
/// stores and serves, and what a guest checks against its link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRecord {
    pub(crate) mailbox_id: MailboxId,
    pub(crate) host_identity: IdentityPublicKey,
    pub(crate) invite_key: [u8; 32],
    /// `invite_key`, parsed once.
    pub(crate) invite_vk: VerifyingKey,
    pub(crate) host_mailbox: MailboxPublicKey,
    pub(crate) link_mailbox: MailboxPublicKey,
    pub(crate) guest_initial: [u8; 32],
    pub(crate) host_ratchet: [u8; 32],
    pub(crate) created_at: u64,
    pub(crate) expires_at: u64,
    pub(crate) hash: [u8; 32],
}

impl InviteRecord {
    /// Parses a record strictly and verifies its signature by the identity key it names.
    /// (A guest additionally checks that key against its link: [`InviteLink::open`](crate::InviteLink::open).)
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != INVITE_RECORD_LEN {
            return Err(if bytes.len() > crate::framing::MAX_ENVELOPE_LEN {
                Error::EnvelopeTooLarge
            } else {
                Error::EnvelopeMalformed
            });
        }
        let mut r = Reader::new(bytes, Error::EnvelopeMalformed);
        let info = read_common(&mut r)?;
        if info.kind != EnvelopeKind::InviteRecord {
            return Err(Error::UnexpectedMessageType);
        }
        if r.u8()? != SUITE {
            return Err(Error::VersionUnsupported);
        }
        let identity_bytes: [u8; 32] = r.array()?;
        let identity = ed25519_public(&identity_bytes)?;
        let host_identity = IdentityPublicKey(identity_bytes);
        let invite_key: [u8; 32] = r.array()?;
        let invite_vk = ed25519_public(&invite_key)?;
        let host_mailbox = MailboxPublicKey::from_bytes(&r.array()?)?;
        let link_mailbox = MailboxPublicKey::from_bytes(&r.array()?)?;
        let guest_initial: [u8; 32] = r.array()?;
        let host_ratchet: [u8; 32] = r.array()?;
        let created_at = r.u64()?;
        let expires_at = r.u64()?;
        let signed_len = INVITE_RECORD_LEN - 64;
        let signed = bytes.get(..signed_len).ok_or(Error::EnvelopeMalformed)?;
        let signature: [u8; 64] = r.array()?;
        r.finish()?;
        if !x25519_canonical(&guest_initial) || !x25519_canonical(&host_ratchet) {
            return Err(Error::InvalidKey);
        }
        if expires_at <= created_at {
            return Err(Error::EnvelopeMalformed);
        }
        verify_signature(&identity, labels::SIG_INVITE_RECORD, &[signed], &signature)?;
        Ok(InviteRecord {
            mailbox_id: info.mailbox_id,
            host_identity,
            invite_key,
            invite_vk,
            host_mailbox,
            link_mailbox,
            guest_initial,
            host_ratchet,
            created_at,
            expires_at,
            hash: record_hash(bytes),
        })
    }

    /// The mailbox id the record belongs to.
    pub fn mailbox_id(&self) -> MailboxId {
        self.mailbox_id
    }
    /// The host identity key that signed the record.
    pub fn host_identity(&self) -> IdentityPublicKey {
        self.host_identity
    }
    /// The key with which the host authenticates to the relay.
    pub fn host_mailbox_key(&self) -> MailboxPublicKey {
        self.host_mailbox
    }
    /// The key with which a link holder authenticates to the relay before the claim.
    pub fn link_mailbox_key(&self) -> MailboxPublicKey {
        self.link_mailbox
    }
    /// Creation time, seconds since the Unix epoch.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }
    /// Expiry time, seconds since the Unix epoch: no claim is accepted from then on.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
    /// SHA-256 record hash (SPEC §5.1), the pre-claim session id.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    pub(crate) fn invite_verifying_key(&self) -> Result<VerifyingKey> {
        Ok(self.invite_vk)
    }

    /// Verifies a claimed record for this invite (SPEC §5.2). Relays call it to learn which guest
    /// mailbox key may post from now on.
    pub fn verify_claimed(&self, bytes: &[u8]) -> Result<ClaimedRecord> {
        parse_claimed(&self.invite_verifying_key()?, &self.mailbox_id, &self.hash, bytes)
    }

    /// Verifies a revocation record for this invite (SPEC §5.3); returns the revocation time.
    pub fn verify_revocation(&self, bytes: &[u8]) -> Result<u64> {
        parse_revocation(&self.invite_verifying_key()?, &self.mailbox_id, &self.hash, bytes)
    }

    /// Verifies the host's signature on a pre-claim envelope (SPEC §6.3) without decrypting it,
    /// so a relay can refuse forged host posts.
    pub fn verify_pre_claim(&self, envelope: &[u8]) -> Result<()> {
        let parsed = crate::framing::parse_message(envelope)?;
        if parsed.kind != EnvelopeKind::PreClaim {
            return Err(Error::UnexpectedMessageType);
        }
        if parsed.mailbox_id != self.mailbox_id {
            return Err(Error::WrongMailbox);
        }
        verify_pre_claim_signature(&self.invite_verifying_key()?, &self.hash, &parsed)
    }
}

pub(crate) fn verify_pre_claim_signature(
    invite_key: &VerifyingKey,
    record_hash: &[u8; 32],
    parsed: &crate::framing::ParsedMessage<'_>,
) -> Result<()> {
    let (sig, signed) = parsed.signature.as_ref().ok_or(Error::EnvelopeMalformed)?;
    verify_signature(invite_key, labels::SIG_PRE_CLAIM, &[record_hash, signed], sig)
}

pub(crate) fn sign_pre_claim(invite_key: &SigningKey, record_hash: &[u8; 32], envelope: &mut Vec<u8>) {
    let sig = sign(invite_key, labels::SIG_PRE_CLAIM, &[record_hash, envelope]);
    envelope.put(&sig);
}

/// A verified claimed record: the invite was claimed with this claim key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimedRecord {
    /// The claimer's first ratchet public key.
    pub claim_key: [u8; 32],
    /// The only mailbox key the relay accepts guest posts under from now on.
    pub guest_mailbox_key: MailboxPublicKey,
    /// When the host accepted the claim, seconds since the Unix epoch.
    pub claimed_at: u64,
}

pub(crate) fn build_claimed(
    invite_key: &SigningKey,
    mailbox: &MailboxId,
    record_hash: &[u8; 32],
    c: &ClaimedRecord,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(CLAIMED_RECORD_LEN);
    write_common(&mut out, EnvelopeKind::ClaimedRecord, mailbox);
    out.put(record_hash);
    out.put(&c.claim_key);
    out.put(c.guest_mailbox_key.as_bytes());
    out.put_u64(c.claimed_at);
    let sig = sign(invite_key, labels::SIG_CLAIMED_RECORD, &[&out]);
    out.put(&sig);
    out
}

fn check_record_header<'a>(
    bytes: &'a [u8],
    len: usize,
    kind: EnvelopeKind,
    mailbox: &MailboxId,
    record_hash: &[u8; 32],
) -> Result<Reader<'a>> {
    if bytes.len() > crate::framing::MAX_ENVELOPE_LEN {
        return Err(Error::EnvelopeTooLarge); // as for every envelope (SPEC §6.1)
    }
    if bytes.len() != len {
        return Err(Error::EnvelopeMalformed);
    }
    let mut r = Reader::new(bytes, Error::EnvelopeMalformed);
    let info = read_common(&mut r)?;
    if info.kind != kind {
        return Err(Error::UnexpectedMessageType);
    }
    if info.mailbox_id != *mailbox {
        return Err(Error::WrongMailbox);
    }
    if r.array::<32>()? != *record_hash {
        return Err(Error::RecordMismatch);
    }
    Ok(r)
}

pub(crate) fn parse_claimed(
    invite_key: &VerifyingKey,
    mailbox: &MailboxId,
    record_hash: &[u8; 32],
    bytes: &[u8],
) -> Result<ClaimedRecord> {
    let mut r =
        check_record_header(bytes, CLAIMED_RECORD_LEN, EnvelopeKind::ClaimedRecord, mailbox, record_hash)?;
    let claim_key: [u8; 32] = r.array()?;
    let guest_mailbox_key = MailboxPublicKey::from_bytes(&r.array()?)?;
    let claimed_at = r.u64()?;
    let signature: [u8; 64] = r.array()?;
    r.finish()?;
    if !x25519_canonical(&claim_key) {
        return Err(Error::InvalidKey);
    }
    let signed = bytes.get(..CLAIMED_RECORD_LEN - 64).ok_or(Error::EnvelopeMalformed)?;
    verify_signature(invite_key, labels::SIG_CLAIMED_RECORD, &[signed], &signature)?;
    Ok(ClaimedRecord { claim_key, guest_mailbox_key, claimed_at })
}

pub(crate) fn build_revocation(
    invite_key: &SigningKey,
    mailbox: &MailboxId,
    record_hash: &[u8; 32],
    revoked_at: u64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(REVOCATION_RECORD_LEN);
    write_common(&mut out, EnvelopeKind::RevocationRecord, mailbox);
    out.put(record_hash);
    out.put_u64(revoked_at);
    let sig = sign(invite_key, labels::SIG_REVOCATION_RECORD, &[&out]);
    out.put(&sig);
    out
}

pub(crate) fn parse_revocation(
    invite_key: &VerifyingKey,
    mailbox: &MailboxId,
    record_hash: &[u8; 32],
    bytes: &[u8],
) -> Result<u64> {
    let mut r = check_record_header(
        bytes,
        REVOCATION_RECORD_LEN,
        EnvelopeKind::RevocationRecord,
        mailbox,
        record_hash,
    )?;
    let revoked_at = r.u64()?;
    let signature: [u8; 64] = r.array()?;
    r.finish()?;
    let signed = bytes.get(..REVOCATION_RECORD_LEN - 64).ok_or(Error::EnvelopeMalformed)?;
    verify_signature(invite_key, labels::SIG_REVOCATION_RECORD, &[signed], &signature)?;
    Ok(revoked_at)
}
