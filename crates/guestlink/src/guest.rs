//! The guest side: opening a link against the host's record, reading pre-claim messages,
//! claiming, and the guest session (SPEC §12.2).

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;

use crate::codec::{Put, Reader, SecretBuf};
use crate::crypto::root_init;
use crate::error::{Error, Result};
use crate::framing::{Content, ContentType, Direction, EnvelopeKind, ParsedMessage, Redacted, parse_message};
use crate::invite::{InviteLink, LinkKeys};
use crate::keys::{
    IdentityPublicKey, Key32, MailboxId, MailboxPublicKey, Secret, SnapshotKey, dh, ed25519_public,
    generate_signing_key,
};
use crate::limits::MAX_CLOCK_SKEW_SECS;
use crate::ratchet::{Ratchet, RecvChain};
use crate::record::{InviteRecord, parse_claimed, parse_revocation, session_id, verify_pre_claim_signature};
use crate::relay;
use crate::safety::SafetyCode;
use crate::session::{Route, open, seal};
use crate::snapshot::{self, SnapshotKind};

/// What the guest gets from a decrypted host envelope. `Debug` shows a text's length, not the
/// text.
#[derive(PartialEq, Eq)]
#[non_exhaustive]
pub enum GuestReceived {
    /// A text message.
    Text(String),
    /// The host's key confirmation: the chat is confirmed (SPEC §12.2).
    Confirmed,
    /// The host ended the session (the invite was revoked).
    Ended,
}

impl fmt::Debug for GuestReceived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestReceived::Text(t) => f.debug_tuple("Text").field(&Redacted(t)).finish(),
            GuestReceived::Confirmed => f.write_str("Confirmed"),
            GuestReceived::Ended => f.write_str("Ended"),
        }
    }
}

/// What every guest state keeps of the invite.
#[derive(Clone)]
struct Invite {
    mailbox_id: MailboxId,
    host_identity: IdentityPublicKey,
    invite_key: [u8; 32],
    /// `invite_key`, parsed once (it checks every pre-claim message and record).
    invite_vk: VerifyingKey,
    record_hash: [u8; 32],
    revoked: bool,
}

impl Invite {
    fn write(&self, out: &mut impl Put) {
        out.put(self.host_identity.as_bytes());
        out.put(&self.invite_key);
        out.put(&self.record_hash);
        out.put_u8(u8::from(self.revoked));
    }

    fn read(r: &mut Reader<'_>, mailbox_id: MailboxId) -> Result<Self> {
        let host_identity =
            IdentityPublicKey::from_bytes(&r.array()?).map_err(|_| Error::SnapshotMalformed)?;
        let invite_key: [u8; 32] = r.array()?;
        let invite_vk = ed25519_public(&invite_key).map_err(|_| Error::SnapshotMalformed)?;
        Ok(Invite {
            mailbox_id,
            host_identity,
            invite_key,
            invite_vk,
            record_hash: r.array()?,
            revoked: r.flag()?,
        })
    }

    /// Verifies a pre-claim envelope's signature and decrypts it (SPEC §12.2 step "pre-claim").
    fn open_pre_claim(
        &self,
        ratchet: &Ratchet,
        parsed: &ParsedMessage<'_>,
    ) -> Result<(crate::ratchet::Plan, String)> {
        verify_pre_claim_signature(&self.invite_vk, &self.record_hash, parsed)?;
        if !ratchet.is_pre_claim_chain(&parsed.header.ratchet) {
            return Err(Error::InvalidCounter);
        }
        let (plan, content) = open(ratchet, parsed, Direction::HostToGuest, &self.record_hash)?;
        match content {
            Content::Text(t) => Ok((plan, t)),
            _ => Err(Error::InvalidContent),
        }
    }

    fn check_claimed(&self, bytes: &[u8]) -> Result<crate::ClaimedRecord> {
        parse_claimed(&self.invite_vk, &self.mailbox_id, &self.record_hash, bytes)
    }

    fn apply_revocation(&mut self, bytes: &[u8]) -> Result<u64> {
        let at = parse_revocation(&self.invite_vk, &self.mailbox_id, &self.record_hash, bytes)?;
        self.revoked = true;
        Ok(at)
    }
}

impl InviteLink {
    /// Checks the host's invite record against this link and opens the invite (SPEC §12.2):
    /// strict signature by the link's host key, every derived value equal, version and suite,
    /// expiry against `now` (with [`MAX_CLOCK_SKEW_SECS`]). Claims nothing.
    pub fn open(&self, record: &[u8], now: u64) -> Result<OpenedInvite> {
        let rec = InviteRecord::parse(record)?;
        if rec.host_identity != self.host
            || rec.mailbox_id != self.keys.mailbox_id
            || rec.guest_initial != self.keys.guest_initial.public_now()
            || rec.link_mailbox.0 != self.keys.link_mailbox.verifying_key().to_bytes()
        {
            return Err(Error::RecordMismatch);
        }
        if now >= rec.expires_at.saturating_add(MAX_CLOCK_SKEW_SECS) {
            return Err(Error::InviteExpired);
        }
        let shared = dh(&self.keys.guest_initial.secret, &rec.host_ratchet)?;
        let (root, chain) = root_init(&rec.hash, &shared);
        let mut chains = VecDeque::with_capacity(2);
        chains.push_back(RecvChain::open(rec.host_ratchet, chain, true));
        let ratchet = Ratchet { root, ours: self.keys.guest_initial.clone(), sending: None, pn: 0, chains };
        Ok(OpenedInvite {
            invite: Invite {
                mailbox_id: rec.mailbox_id,
                host_identity: rec.host_identity,
                invite_key: rec.invite_key,
                invite_vk: rec.invite_vk,
                record_hash: rec.hash,
                revoked: false,
            },
            secret: self.secret.clone(),
            link_mailbox: self.keys.link_mailbox.clone(),
            expires_at: rec.expires_at,
            ratchet,
            counter: 0,
        })
    }
}

/// An invite the guest opened and verified but has not claimed: it can read the host's
/// pre-claim messages. [`claim`](Self::claim) is an explicit step.
pub struct OpenedInvite {
    invite: Invite,
    secret: Key32,
    link_mailbox: SigningKey,
    expires_at: u64,
    ratchet: Ratchet,
    counter: u64,
}

impl OpenedInvite {
    /// The mailbox id.
    pub fn mailbox_id(&self) -> MailboxId {
        self.invite.mailbox_id
    }

    /// Who invited the guest: show its [`fingerprint`](IdentityPublicKey::fingerprint).
    pub fn host_identity(&self) -> IdentityPublicKey {
        self.invite.host_identity
    }

    /// When the invite expires.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// The record hash (SPEC §5.1), the pre-claim session id.
    pub fn record_hash(&self) -> [u8; 32] {
        self.invite.record_hash
    }

    /// True once a revocation record was applied: [`claim`](Self::claim) would fail.
    pub fn is_revoked(&self) -> bool {
        self.invite.revoked
    }

    /// Signs a relay challenge with the link mailbox key (SPEC §9).
    pub fn relay_auth(&self, challenge: &[u8]) -> Result<[u8; 64]> {
        relay::sign_auth(&self.link_mailbox, &self.invite.mailbox_id, challenge)
    }

    /// Decrypts a signed pre-claim host envelope. Nothing changes on error.
    pub fn decrypt(&mut self, envelope: &[u8]) -> Result<GuestReceived> {
        let parsed = parse_message(envelope)?;
        if parsed.mailbox_id != self.invite.mailbox_id {
            return Err(Error::WrongMailbox);
        }
        match parsed.kind {
            EnvelopeKind::PreClaim => {
                let (plan, text) = self.invite.open_pre_claim(&self.ratchet, &parsed)?;
                self.ratchet.commit(plan);
                Ok(GuestReceived::Text(text))
            }
            EnvelopeKind::Message => Err(Error::NotClaimed),
            _ => Err(Error::UnexpectedMessageType),
        }
    }

    /// Checks a claimed record fetched from the relay: any valid one means someone else claimed
    /// this invite (`ClaimedByOther`); a forged one is `BadSignature`.
    pub fn check_claimed_record(&self, bytes: &[u8]) -> Result<()> {
        self.invite.check_claimed(bytes)?;
        Err(Error::ClaimedByOther)
    }

    /// Applies a revocation record fetched from the relay; the invite can no longer be claimed.
    pub fn apply_revocation(&mut self, bytes: &[u8]) -> Result<u64> {
        self.invite.apply_revocation(bytes)
    }

    /// Claims the invite (SPEC §12.2): a fresh claim key and guest mailbox key, and the first
    /// claim envelope to send. Consumes the opened invite; the session is unconfirmed until a
    /// host message decrypts.
    pub fn claim<R: CryptoRng + ?Sized>(self, rng: &mut R, now: u64) -> Result<(GuestSession, Vec<u8>)> {
        if self.invite.revoked {
            return Err(Error::InviteRevoked);
        }
        if now >= self.expires_at.saturating_add(MAX_CLOCK_SKEW_SECS) {
            return Err(Error::InviteExpired);
        }
        let OpenedInvite { invite, mut ratchet, counter, .. } = self;
        let guest_mailbox = generate_signing_key(rng);
        let claim_key = ratchet.ensure_sending(rng)?;
        let gm_pub = guest_mailbox.verifying_key().to_bytes();
        let sid = session_id(&invite.record_hash, &claim_key, &gm_pub);
        let route = Route {
            kind: EnvelopeKind::Claim,
            mailbox: &invite.mailbox_id,
            guest_mailbox: Some(&gm_pub),
            direction: Direction::GuestToHost,
            session_id: &sid,
        };
        let envelope = seal(&mut ratchet, rng, &route, ContentType::Join, &[])?;
        let session = GuestSession {
            invite,
            guest_mailbox,
            claim_key,
            session_id: sid,
            confirmed: false,
            ended: false,
            ratchet,
            counter,
        };
        Ok((session, envelope))
    }

    /// Saves the opened invite encrypted under `key`; each save increments the counter.
    pub fn snapshot<R: CryptoRng + ?Sized>(&mut self, rng: &mut R, key: &SnapshotKey) -> Vec<u8> {
        let (id, body) = (self.invite.mailbox_id.0, self.encode().into_inner());
        snapshot::save(rng, key, SnapshotKind::OpenedInvite, id, &mut self.counter, body)
    }

    fn encode(&self) -> SecretBuf {
        let mut out = SecretBuf::with_capacity(512);
        self.invite.write(&mut out);
        out.put(self.secret.as_slice());
        out.put_uint(self.expires_at);
        snapshot::write_ratchet(&mut out, &self.ratchet);
        out
    }

    /// Loads an opened-invite snapshot, refusing one whose counter is below `min_counter`.
    pub fn from_snapshot(bytes: &[u8], key: &SnapshotKey, min_counter: u64) -> Result<Self> {
        let (info, body) = snapshot::open(bytes, key, SnapshotKind::OpenedInvite, min_counter)?;
        let mut r = snapshot::reader(&body);
        let invite = Invite::read(&mut r, MailboxId(info.object_id))?;
        let secret: Key32 = Secret(r.array()?);
        let format = snapshot::Format::of(&info);
        let expires_at = format.time(&mut r)?;
        let ratchet = snapshot::read_ratchet(&mut r, format)?;
        r.finish()?;
        let keys = LinkKeys::derive(&secret, &invite.host_identity);
        // Opened, the ratchet is the one `open` makes (SPEC §10.2, §12.2): our key is the
        // link's, nothing sent, one open pre-claim chain.
        let shape = ratchet.sending.is_none()
            && ratchet.pn == 0
            && ratchet.chains.len() == 1
            && ratchet.chains.iter().all(|c| c.pre_claim && c.key.is_some());
        let ours = keys.guest_initial.secret.as_bytes().ct_eq(ratchet.ours.secret.as_bytes());
        if keys.mailbox_id != invite.mailbox_id || !shape || !bool::from(ours) {
            return Err(Error::SnapshotMalformed);
        }
        Ok(OpenedInvite {
            invite,
            secret,
            link_mailbox: keys.link_mailbox,
            expires_at,
            ratchet,
            counter: info.counter,
        })
    }

    /// The counter of the last snapshot saved or loaded.
    pub fn snapshot_counter(&self) -> u64 {
        self.counter
    }

    /// A digest of the whole state, for tests that check a failed call changed nothing.
    #[doc(hidden)]
    pub fn state_digest_for_testing_only(&self) -> [u8; 32] {
        digest(self.encode().as_slice(), self.counter)
    }
}

fn digest(body: &[u8], counter: u64) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(body);
    h.update(counter.to_be_bytes());
    h.finalize().into()
}

impl fmt::Debug for OpenedInvite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedInvite")
            .field("mailbox_id", &self.invite.mailbox_id)
            .field("host", &self.invite.host_identity)
            .finish_non_exhaustive()
    }
}

/// The guest's session after the claim.
pub struct GuestSession {
    invite: Invite,
    guest_mailbox: SigningKey,
    claim_key: [u8; 32],
    session_id: [u8; 32],
    confirmed: bool,
    ended: bool,
    ratchet: Ratchet,
    counter: u64,
}

impl GuestSession {
    /// The mailbox id.
    pub fn mailbox_id(&self) -> MailboxId {
        self.invite.mailbox_id
    }

    /// The host identity key.
    pub fn host_identity(&self) -> IdentityPublicKey {
        self.invite.host_identity
    }

    /// The record hash (SPEC §5.1).
    pub fn record_hash(&self) -> [u8; 32] {
        self.invite.record_hash
    }

    /// True once a post-claim host message decrypted: the host holds our claim (SPEC §12.2).
    /// Until then, show the chat as unconfirmed.
    pub fn is_confirmed(&self) -> bool {
        self.confirmed
    }

    /// True once the host ended the session.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// The claim key (the guest's first ratchet public key).
    pub fn claim_key(&self) -> [u8; 32] {
        self.claim_key
    }

    /// The guest mailbox key the relay accepts guest posts under after the claim.
    pub fn mailbox_public_key(&self) -> MailboxPublicKey {
        MailboxPublicKey(self.guest_mailbox.verifying_key().to_bytes())
    }

    /// The safety code to compare with the host.
    pub fn safety_code(&self) -> SafetyCode {
        let gm = self.guest_mailbox.verifying_key().to_bytes();
        SafetyCode::compute(
            &self.invite.mailbox_id,
            &self.invite.host_identity,
            &self.invite.record_hash,
            &self.claim_key,
            &gm,
        )
    }

    /// Signs a relay challenge with the guest mailbox key (SPEC §9).
    pub fn relay_auth(&self, challenge: &[u8]) -> Result<[u8; 64]> {
        relay::sign_auth(&self.guest_mailbox, &self.invite.mailbox_id, challenge)
    }

    /// Stored skipped message keys.
    pub fn skipped_key_count(&self) -> usize {
        self.ratchet.skipped_count()
    }

    /// Remembered receiving chains.
    pub fn receiving_chain_count(&self) -> usize {
        self.ratchet.chains.len()
    }

    /// Encrypts a text for the host: a claim envelope until the host confirmed, then a message.
    pub fn encrypt<R: CryptoRng + ?Sized>(&mut self, rng: &mut R, text: &str) -> Result<Vec<u8>> {
        if self.ended {
            return Err(Error::SessionEnded);
        }
        if self.invite.revoked {
            return Err(Error::InviteRevoked);
        }
        let gm = self.guest_mailbox.verifying_key().to_bytes();
        let route = Route {
            kind: if self.confirmed { EnvelopeKind::Message } else { EnvelopeKind::Claim },
            mailbox: &self.invite.mailbox_id,
            guest_mailbox: if self.confirmed { None } else { Some(&gm) },
            direction: Direction::GuestToHost,
            session_id: &self.session_id,
        };
        seal(&mut self.ratchet, rng, &route, ContentType::Text, text.as_bytes())
    }

    /// Decrypts a host envelope (a late pre-claim one or a message). Nothing changes on error.
    pub fn decrypt(&mut self, envelope: &[u8]) -> Result<GuestReceived> {
        let parsed = parse_message(envelope)?;
        if parsed.mailbox_id != self.invite.mailbox_id {
            return Err(Error::WrongMailbox);
        }
        match parsed.kind {
            EnvelopeKind::PreClaim => {
                let (plan, text) = self.invite.open_pre_claim(&self.ratchet, &parsed)?;
                self.ratchet.commit(plan);
                Ok(GuestReceived::Text(text))
            }
            EnvelopeKind::Message => {
                // The pre-claim chain's keys follow from the link: only signed envelopes use it.
                if self.ratchet.is_pre_claim_chain(&parsed.header.ratchet) {
                    return Err(Error::UnexpectedMessageType);
                }
                let (plan, content) = open(&self.ratchet, &parsed, Direction::HostToGuest, &self.session_id)?;
                let received = match content {
                    Content::Text(t) => GuestReceived::Text(t),
                    Content::Confirm => GuestReceived::Confirmed,
                    Content::End => GuestReceived::Ended,
                    Content::Join => return Err(Error::InvalidContent),
                };
                self.ratchet.commit(plan);
                self.confirmed = true;
                if received == GuestReceived::Ended {
                    self.ended = true;
                }
                Ok(received)
            }
            _ => Err(Error::UnexpectedMessageType),
        }
    }

    /// Checks a claimed record from the relay: `Ok` if it names our claim, `ClaimedByOther` if
    /// it names another, `BadSignature` if forged.
    pub fn check_claimed_record(&self, bytes: &[u8]) -> Result<()> {
        let rec = self.invite.check_claimed(bytes)?;
        let gm = self.guest_mailbox.verifying_key().to_bytes();
        if rec.claim_key == self.claim_key && rec.guest_mailbox_key.0 == gm {
            Ok(())
        } else {
            Err(Error::ClaimedByOther)
        }
    }

    /// Applies a revocation record fetched from the relay.
    pub fn apply_revocation(&mut self, bytes: &[u8]) -> Result<u64> {
        self.invite.apply_revocation(bytes)
    }

    /// Saves the session encrypted under `key`; each save increments the counter.
    pub fn snapshot<R: CryptoRng + ?Sized>(&mut self, rng: &mut R, key: &SnapshotKey) -> Vec<u8> {
        let (id, body) = (self.invite.mailbox_id.0, self.encode().into_inner());
        snapshot::save(rng, key, SnapshotKind::GuestSession, id, &mut self.counter, body)
    }

    fn encode(&self) -> SecretBuf {
        let mut out = SecretBuf::with_capacity(512);
        self.invite.write(&mut out);
        out.put(self.guest_mailbox.as_bytes());
        out.put(&self.claim_key);
        out.put_u8(u8::from(self.confirmed) | (u8::from(self.ended) << 1));
        snapshot::write_ratchet(&mut out, &self.ratchet);
        out
    }

    /// Loads a guest session snapshot, refusing one whose counter is below `min_counter`.
    pub fn from_snapshot(bytes: &[u8], key: &SnapshotKey, min_counter: u64) -> Result<Self> {
        let (info, body) = snapshot::open(bytes, key, SnapshotKind::GuestSession, min_counter)?;
        let mut r = snapshot::reader(&body);
        let invite = Invite::read(&mut r, MailboxId(info.object_id))?;
        let guest_mailbox = SigningKey::from_bytes(&Secret(r.array()?));
        let claim_key: [u8; 32] = r.array()?;
        let flags = r.u8()?;
        if flags & !0b11 != 0 || !crate::keys::x25519_canonical(&claim_key) {
            return Err(Error::SnapshotMalformed);
        }
        let ratchet = snapshot::read_ratchet(&mut r, snapshot::Format::of(&info))?;
        r.finish()?;
        // Ended only by a post-claim host message, whose commit also confirms (SPEC §10.2).
        if flags == 0b10 || !snapshot::pre_claim_chains_ok(&ratchet, true) {
            return Err(Error::SnapshotMalformed);
        }
        let gm = guest_mailbox.verifying_key().to_bytes();
        let session_id = session_id(&invite.record_hash, &claim_key, &gm);
        Ok(GuestSession {
            invite,
            guest_mailbox,
            claim_key,
            session_id,
            confirmed: flags & 1 == 1,
            ended: flags & 2 == 2,
            ratchet,
            counter: info.counter,
        })
    }

    /// The counter of the last snapshot saved or loaded.
    pub fn snapshot_counter(&self) -> u64 {
        self.counter
    }

    /// A digest of the whole state, for tests that check a failed call changed nothing.
    #[doc(hidden)]
    pub fn state_digest_for_testing_only(&self) -> [u8; 32] {
        digest(self.encode().as_slice(), self.counter)
    }
}

impl fmt::Debug for GuestSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuestSession")
            .field("mailbox_id", &self.invite.mailbox_id)
            .field("confirmed", &self.confirmed)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}
