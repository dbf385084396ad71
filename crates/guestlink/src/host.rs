//! The host side: identity, invite creation, the host session (SPEC §12.1).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use ed25519_dalek::SigningKey;
use rand_core::CryptoRng;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use hkdf::Hkdf;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::codec::{Put, Reader, SecretBuf};
use crate::crypto::{hkdf_expand, root_init};
use crate::error::{Error, Result};
use crate::framing::{Content, ContentType, Direction, EnvelopeKind, Redacted, parse_message};
use crate::invite::{LinkKeys, SecretLink, make_link};
use crate::keys::{
    IdentityPublicKey, Key32, MailboxId, MailboxPublicKey, RatchetKeyPair, Secret, SeedSigningKey,
    SnapshotKey, dh, generate_signing_key,
};
use crate::ratchet::{Ratchet, RecvChain, SendChain};
use crate::record::{
    ClaimedRecord, RecordFields, build_claimed, build_invite_record, build_revocation, record_hash,
    session_id, sign_pre_claim,
};
use crate::safety::SafetyCode;
use crate::session::{Route, open, seal};
use crate::snapshot::{self, SnapshotKind};
use crate::{labels, relay, snapshot::read_key};

/// A host's long-term identity: an Ed25519 key pair used only to sign invite records.
pub struct HostIdentity {
    key: SigningKey,
    counter: u64,
}

impl HostIdentity {
    /// A fresh identity from the caller's CSPRNG.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        HostIdentity { key: generate_signing_key(rng), counter: 0 }
    }

    /// The public key guests trust; it travels in every link.
    pub fn public_key(&self) -> IdentityPublicKey {
        IdentityPublicKey(self.key.verifying_key().to_bytes())
    }

    /// Creates an invite valid from `now` until `expires_at` (seconds since the Unix epoch).
    ///
    /// Returns the host's session (it can write at once), the link to hand out (`base_url` must
    /// not contain `#`), and the signed invite record to publish on the relay.
    pub fn create_invite<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        now: u64,
        expires_at: u64,
        base_url: &str,
    ) -> Result<CreatedInvite> {
        if expires_at <= now {
            return Err(Error::InvalidArgument);
        }
        let secret = Key32::random(rng);
        let host_seed = Key32::random(rng);
        let derived = HostSeedKeys::derive(&host_seed);
        let host_ratchet = RatchetKeyPair::from_secret(derived.ratchet);
        let (invite_seed, mailbox_seed) = derive_signing_seeds(&derived.keys_seed);
        let invite_key = SigningKey::from_bytes(&invite_seed);
        let host_mailbox = SigningKey::from_bytes(&mailbox_seed);
        let identity = self.public_key();
        let link = make_link(base_url, &secret, &identity)?;
        let keys = LinkKeys::derive(&secret, &identity);
        let fields = RecordFields {
            mailbox_id: keys.mailbox_id,
            host_identity: identity,
            invite_key: invite_key.verifying_key().to_bytes(),
            host_mailbox: host_mailbox.verifying_key().to_bytes(),
            link_mailbox: keys.link_mailbox.verifying_key().to_bytes(),
            guest_initial: keys.guest_initial.public_now(),
            host_ratchet: host_ratchet.public_now(),
            created_at: now,
            expires_at,
        };
        let record = build_invite_record(&fields, &self.key);
        let hash = record_hash(&record);
        let shared = dh(&host_ratchet.secret, &keys.guest_initial.public_now())?;
        let (root, chain) = root_init(&hash, &shared);
        let mut chains = alloc::collections::VecDeque::with_capacity(2);
        // The link-derived key is a closed chain: no guest message is ever accepted under it.
        chains.push_back(RecvChain::closed(keys.guest_initial.public_now()));
        let ratchet = Ratchet {
            root,
            ours: host_ratchet,
            sending: Some(SendChain { key: chain, n: 0 }),
            pn: 0,
            chains,
        };
        let session = HostSession {
            mailbox_id: keys.mailbox_id,
            identity,
            record_hash: hash,
            expires_at,
            host_seed: Some(host_seed),
            keys_seed: Some(derived.keys_seed),
            invite_key: SeedSigningKey::from_key(invite_key),
            host_mailbox: SeedSigningKey::from_key(host_mailbox),
            revoked: false,
            claim: None,
            ratchet,
            counter: 0,
        };
        Ok(CreatedInvite { session, link, record })
    }

    /// Saves the identity encrypted under `key`; each save increments the counter.
    pub fn snapshot<R: CryptoRng + ?Sized>(&mut self, rng: &mut R, key: &SnapshotKey) -> Vec<u8> {
        let (id, body) = (self.object_id(), Zeroizing::new(self.key.as_bytes().to_vec()));
        snapshot::save(rng, key, SnapshotKind::HostIdentity, id, &mut self.counter, body)
    }

    /// Loads an identity snapshot, refusing one whose counter is below `min_counter`.
    pub fn from_snapshot(bytes: &[u8], key: &SnapshotKey, min_counter: u64) -> Result<Self> {
        let (info, body) = snapshot::open(bytes, key, SnapshotKind::HostIdentity, min_counter)?;
        let mut r = snapshot::reader(&body);
        let seed: Key32 = Secret(r.array()?);
        r.finish()?;
        let identity = HostIdentity { key: SigningKey::from_bytes(&seed), counter: info.counter };
        if identity.object_id() != info.object_id {
            // The header was sealed with this body: a writer's contradiction (SPEC §10.1).
            return Err(Error::SnapshotMalformed);
        }
        Ok(identity)
    }

    /// The counter of the last snapshot saved or loaded.
    pub fn snapshot_counter(&self) -> u64 {
        self.counter
    }

    fn object_id(&self) -> [u8; 16] {
        let mut id = [0u8; 16];
        id.copy_from_slice(self.key.verifying_key().as_bytes().get(..16).unwrap_or(&[0u8; 16]));
        id
    }
}

impl fmt::Debug for HostIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostIdentity").field("public_key", &self.public_key()).finish_non_exhaustive()
    }
}

/// What [`HostIdentity::create_invite`] returns.
#[derive(Debug)]
pub struct CreatedInvite {
    /// The host's session for this invite.
    pub session: HostSession,
    /// The link to send to the guest.
    pub link: SecretLink,
    /// The signed invite record to publish on the relay.
    pub record: Vec<u8>,
}

/// What the host's 32-byte `host_seed` yields (SPEC §12.1): `H0` and `keys_seed`.
struct HostSeedKeys {
    ratchet: StaticSecret,
    keys_seed: Key32,
}

impl HostSeedKeys {
    fn derive(host_seed: &[u8; 32]) -> Self {
        let prk = Hkdf::<Sha256>::new(Some(labels::HOST_SEED), host_seed);
        let ratchet = hkdf_expand::<32>(&prk, labels::HOST_RATCHET_KEY);
        HostSeedKeys {
            ratchet: StaticSecret::from(*ratchet),
            keys_seed: hkdf_expand::<32>(&prk, labels::HOST_KEYS),
        }
    }
}

/// The Ed25519 seeds of the invite key and the host mailbox key, from `keys_seed` (SPEC §12.1).
fn derive_signing_seeds(keys_seed: &[u8; 32]) -> (Key32, Key32) {
    let prk = Hkdf::<Sha256>::new(Some(labels::HOST_KEYS), keys_seed);
    (hkdf_expand::<32>(&prk, labels::INVITE_KEY), hkdf_expand::<32>(&prk, labels::HOST_MAILBOX_KEY))
}

/// What the host needs, until the claim window closes, to recognise a competing claim.
#[derive(Clone)]
struct ClaimVerifier {
    root: Key32,
    /// The pre-claim ratchet secret. Only its DH is ever needed, so its public key is not kept
    /// (and loading a snapshot does not spend a base-point multiplication on it).
    ours: StaticSecret,
}

#[derive(Clone)]
struct Claim {
    claim_key: [u8; 32],
    guest_mailbox: [u8; 32],
    session_id: [u8; 32],
    verifier: Option<ClaimVerifier>,
}

/// The lifecycle state of a host session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostState {
    /// Waiting for the guest's claim; pre-claim messages can be sent.
    Unclaimed,
    /// Claimed; the Double Ratchet runs.
    Claimed,
    /// Revoked: nothing more is sent or accepted.
    Revoked,
}

/// What the host gets from a decrypted guest envelope. `Debug` shows a text's length, not the
/// text.
#[non_exhaustive]
pub enum HostReceived {
    /// The guest's claim was accepted. Persist the session before acting on it (SPEC §13).
    Claimed(ClaimAccepted),
    /// A text message.
    Text(String),
    /// The guest's join notice, arriving after another of its claim messages: nothing to show.
    Join,
}

/// The outcome of accepting a claim. `Debug` shows the text's length, not the text.
pub struct ClaimAccepted {
    /// The signed claimed record: post it to the relay so that only this guest may post.
    pub claimed_record: Vec<u8>,
    /// The host's key confirmation: send it to the guest at once.
    pub confirmation: Vec<u8>,
    /// The safety code to compare with the guest.
    pub safety_code: SafetyCode,
    /// The claim's text, if the first claim envelope to arrive carried one.
    pub text: Option<String>,
}

impl fmt::Debug for HostReceived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostReceived::Claimed(c) => f.debug_tuple("Claimed").field(c).finish(),
            HostReceived::Text(t) => f.debug_tuple("Text").field(&Redacted(t)).finish(),
            HostReceived::Join => f.write_str("Join"),
        }
    }
}

impl fmt::Debug for ClaimAccepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimAccepted")
            .field("claimed_record", &self.claimed_record)
            .field("confirmation", &self.confirmation)
            .field("safety_code", &self.safety_code)
            .field("text", &self.text.as_deref().map(Redacted))
            .finish()
    }
}

/// A revoked invite: the revocation record, and an end message when the invite was claimed.
#[derive(Debug)]
pub struct Revocation {
    /// The signed revocation record to post to the relay.
    pub record: Vec<u8>,
    /// The in-session end message for the guest, when a session was running.
    pub end_message: Option<Vec<u8>>,
}

/// The host's side of one invite: before the claim and after it.
pub struct HostSession {
    mailbox_id: MailboxId,
    identity: IdentityPublicKey,
    record_hash: [u8; 32],
    expires_at: u64,
    /// The seed of the three per-invite keys, held while unclaimed and while the claim verifier
    /// is (SPEC §10.2, §12.1); `None` after, and for a session created by a version 1 writer.
    host_seed: Option<Key32>,
    /// The seed of the two signing keys, kept after `host_seed` is wiped; `None` only for a
    /// session created by a version 1 writer.
    keys_seed: Option<Key32>,
    /// Signs pre-claim messages, the claimed record and revocations (SPEC §5, §6.3).
    invite_key: SeedSigningKey,
    /// Answers relay challenges (SPEC §9).
    host_mailbox: SeedSigningKey,
    revoked: bool,
    claim: Option<Claim>,
    ratchet: Ratchet,
    counter: u64,
}

impl HostSession {
    /// The mailbox id of this invite.
    pub fn mailbox_id(&self) -> MailboxId {
        self.mailbox_id
    }

    /// The record hash (pre-claim session id).
    pub fn record_hash(&self) -> [u8; 32] {
        self.record_hash
    }

    /// When the invite expires.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Where the session is in its lifecycle.
    pub fn state(&self) -> HostState {
        if self.revoked {
            HostState::Revoked
        } else if self.claim.is_some() {
            HostState::Claimed
        } else {
            HostState::Unclaimed
        }
    }

    /// The safety code, once a claim was accepted.
    pub fn safety_code(&self) -> Option<SafetyCode> {
        self.claim.as_ref().map(|c| {
            SafetyCode::compute(
                &self.mailbox_id,
                &self.identity,
                &self.record_hash,
                &c.claim_key,
                &c.guest_mailbox,
            )
        })
    }

    /// The key the host authenticates to the relay with.
    pub fn mailbox_public_key(&self) -> MailboxPublicKey {
        MailboxPublicKey(self.host_mailbox.public_key())
    }

    /// Signs a relay challenge with the host mailbox key (SPEC §9).
    pub fn relay_auth(&self, challenge: &[u8]) -> Result<[u8; 64]> {
        self.host_mailbox.with(|key| relay::sign_auth(key, &self.mailbox_id, challenge))
    }

    /// Stored skipped message keys (bounded by [`MAX_SKIPPED_KEYS`](crate::limits::MAX_SKIPPED_KEYS)).
    pub fn skipped_key_count(&self) -> usize {
        self.ratchet.skipped_count()
    }

    /// Remembered receiving chains (bounded by [`MAX_RECEIVING_CHAINS`](crate::limits::MAX_RECEIVING_CHAINS)).
    pub fn receiving_chain_count(&self) -> usize {
        self.ratchet.chains.len()
    }

    /// Encrypts a text for the guest: a signed pre-claim envelope before the claim, a ratchet
    /// message after it.
    pub fn encrypt<R: CryptoRng + ?Sized>(&mut self, rng: &mut R, now: u64, text: &str) -> Result<Vec<u8>> {
        if self.revoked {
            return Err(Error::InviteRevoked);
        }
        match &self.claim {
            None => {
                if now >= self.expires_at {
                    return Err(Error::InviteExpired);
                }
                let route = Route {
                    kind: EnvelopeKind::PreClaim,
                    mailbox: &self.mailbox_id,
                    guest_mailbox: None,
                    direction: Direction::HostToGuest,
                    session_id: &self.record_hash,
                };
                let mut envelope = seal(&mut self.ratchet, rng, &route, ContentType::Text, text.as_bytes())?;
                sign_pre_claim(self.invite_key.key(), &self.record_hash, &mut envelope);
                Ok(envelope)
            }
            Some(claim) => {
                let sid = claim.session_id;
                self.seal_post_claim(rng, &sid, ContentType::Text, text.as_bytes())
            }
        }
    }

    fn seal_post_claim<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        sid: &[u8; 32],
        content_type: ContentType,
        body: &[u8],
    ) -> Result<Vec<u8>> {
        let route = Route::host_message(&self.mailbox_id, sid);
        seal(&mut self.ratchet, rng, &route, content_type, body)
    }

    /// Decrypts an envelope from the guest. On any error the session is exactly as before.
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        now: u64,
        envelope: &[u8],
    ) -> Result<HostReceived> {
        let parsed = parse_message(envelope)?;
        if parsed.mailbox_id != self.mailbox_id {
            return Err(Error::WrongMailbox);
        }
        if self.revoked {
            return Err(Error::InviteRevoked);
        }
        match parsed.kind {
            EnvelopeKind::Claim => {
                let guest_mailbox = parsed.guest_mailbox.ok_or(Error::EnvelopeMalformed)?;
                let claim_key = parsed.header.ratchet;
                match &self.claim {
                    None => self.accept_claim(rng, now, &parsed, claim_key, guest_mailbox),
                    Some(c) if c.claim_key == claim_key && c.guest_mailbox == guest_mailbox => {
                        let sid = c.session_id;
                        let (plan, content) = open(&self.ratchet, &parsed, Direction::GuestToHost, &sid)?;
                        let received = match content {
                            Content::Text(t) => HostReceived::Text(t),
                            Content::Join => HostReceived::Join,
                            _ => return Err(Error::InvalidContent),
                        };
                        self.ratchet.commit(plan);
                        Ok(received)
                    }
                    // The link-derived key never claims (as before the claim): the closed chain
                    // of the guest's initial key stays first until the window has long closed.
                    Some(_)
                        if self
                            .ratchet
                            .chains
                            .front()
                            .is_some_and(|f| f.ratchet == claim_key && f.key.is_none()) =>
                    {
                        Err(Error::InvalidKey)
                    }
                    Some(c) => match &c.verifier {
                        Some(v) => Err(self.check_competing(v, &parsed, &claim_key, &guest_mailbox)),
                        None => Err(Error::StaleClaim),
                    },
                }
            }
            EnvelopeKind::Message => {
                let claim = self.claim.as_ref().ok_or(Error::NotClaimed)?;
                let (plan, content) =
                    open(&self.ratchet, &parsed, Direction::GuestToHost, &claim.session_id)?;
                let Content::Text(text) = content else {
                    return Err(Error::InvalidContent);
                };
                let moved_on = parsed.header.ratchet != claim.claim_key;
                self.ratchet.commit(plan);
                if moved_on {
                    // The guest answered our confirmation with a new ratchet key: it sends no
                    // more claims, so the material to check competing claims is wiped.
                    self.wipe_claim_verifier();
                }
                Ok(HostReceived::Text(text))
            }
            _ => Err(Error::UnexpectedMessageType),
        }
    }

    fn accept_claim<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        now: u64,
        parsed: &crate::framing::ParsedMessage<'_>,
        claim_key: [u8; 32],
        guest_mailbox: [u8; 32],
    ) -> Result<HostReceived> {
        if now >= self.expires_at {
            return Err(Error::InviteExpired);
        }
        if self.ratchet.peer() == Some(&claim_key) {
            return Err(Error::InvalidKey); // the link-derived key never claims
        }
        let guest_mailbox_key = MailboxPublicKey::from_bytes(&guest_mailbox)?;
        let sid = session_id(&self.record_hash, &claim_key, &guest_mailbox);
        let (plan, content) = open(&self.ratchet, parsed, Direction::GuestToHost, &sid)?;
        let text = match content {
            Content::Text(t) => Some(t),
            Content::Join => None,
            _ => return Err(Error::InvalidContent),
        };
        let verifier =
            ClaimVerifier { root: self.ratchet.root.clone(), ours: self.ratchet.ours.secret.clone() };
        // Build the whole next state, confirmation included, before replacing anything.
        let mut next = self.ratchet.clone();
        next.commit(plan);
        let route = Route::host_message(&self.mailbox_id, &sid);
        let confirmation = seal(&mut next, rng, &route, ContentType::Confirm, &[])?;
        let record = ClaimedRecord { claim_key, guest_mailbox_key, claimed_at: now };
        let claimed_record =
            build_claimed(self.invite_key.key(), &self.mailbox_id, &self.record_hash, &record);
        self.ratchet = next;
        self.claim = Some(Claim { claim_key, guest_mailbox, session_id: sid, verifier: Some(verifier) });
        let safety_code = SafetyCode::compute(
            &self.mailbox_id,
            &self.identity,
            &self.record_hash,
            &claim_key,
            &guest_mailbox,
        );
        Ok(HostReceived::Claimed(ClaimAccepted { claimed_record, confirmation, safety_code, text }))
    }

    /// A claim with another key: `CompetingClaim` only when its AEAD verifies against the
    /// pre-claim root, else `DecryptFailed` (junk raises no alarm).
    fn check_competing(
        &self,
        v: &ClaimVerifier,
        parsed: &crate::framing::ParsedMessage<'_>,
        claim_key: &[u8; 32],
        guest_mailbox: &[u8; 32],
    ) -> Error {
        let mut chains = alloc::collections::VecDeque::with_capacity(1);
        chains.push_back(RecvChain::closed([0u8; 32]));
        let ours = RatchetKeyPair::from_secret(v.ours.clone());
        let before = Ratchet { root: v.root.clone(), ours, sending: None, pn: 0, chains };
        let sid = session_id(&self.record_hash, claim_key, guest_mailbox);
        match open(&before, parsed, Direction::GuestToHost, &sid) {
            Ok((_, content)) => {
                // Another claimant's text (perhaps the real guest's, who lost the race): wiped.
                content.wipe();
                Error::CompetingClaim
            }
            Err(Error::InvalidContent) => Error::CompetingClaim,
            Err(e) => e,
        }
    }

    /// Wipes the claim verifier and `host_seed`, from which `H0` follows; `keys_seed` stays
    /// (SPEC §12.1).
    fn wipe_claim_verifier(&mut self) {
        if let Some(c) = self.claim.as_mut() {
            c.verifier = None;
        }
        self.host_seed = None;
    }

    /// Revokes the invite: no claim is accepted from now on and, if a session runs, it ends with
    /// an in-session end message. Neither withdraws what a link holder could already read.
    pub fn revoke<R: CryptoRng + ?Sized>(&mut self, rng: &mut R, now: u64) -> Result<Revocation> {
        if self.revoked {
            return Err(Error::InviteRevoked);
        }
        let end_message = match &self.claim {
            Some(c) => {
                let sid = c.session_id;
                Some(self.seal_post_claim(rng, &sid, ContentType::End, &[])?)
            }
            None => None,
        };
        let record = build_revocation(self.invite_key.key(), &self.mailbox_id, &self.record_hash, now);
        self.revoked = true;
        self.wipe_claim_verifier(); // nothing is decrypted any more
        Ok(Revocation { record, end_message })
    }

    /// Saves the session encrypted under `key` (SPEC §10); each save increments the counter.
    pub fn snapshot<R: CryptoRng + ?Sized>(&mut self, rng: &mut R, key: &SnapshotKey) -> Vec<u8> {
        let (id, body) = (self.mailbox_id.0, self.encode().into_inner());
        snapshot::save(rng, key, SnapshotKind::HostSession, id, &mut self.counter, body)
    }

    /// The counter of the last snapshot saved or loaded.
    pub fn snapshot_counter(&self) -> u64 {
        self.counter
    }

    /// The version 2 body (SPEC §10.2).
    fn encode(&self) -> SecretBuf {
        let mut out = SecretBuf::with_capacity(384);
        out.put(self.identity.as_bytes());
        out.put(&self.record_hash);
        out.put_uint(self.expires_at);
        let verifier = self.claim.as_ref().and_then(|c| c.verifier.as_ref());
        let flags = u8::from(self.revoked)
            | u8::from(self.claim.is_some()) << 1
            | u8::from(verifier.is_some()) << 2
            | u8::from(self.host_seed.is_some()) << 3
            | u8::from(self.host_seed.is_none() && self.keys_seed.is_some()) << 4;
        out.put_u8(flags);
        match (&self.host_seed, &self.keys_seed) {
            (Some(seed), _) | (None, Some(seed)) => out.put(seed.as_slice()),
            (None, None) => {
                out.put(self.invite_key.seed());
                out.put(self.host_mailbox.seed());
            }
        }
        if let Some(c) = &self.claim {
            out.put(&c.guest_mailbox);
            match self.ratchet.chains.iter().position(|chain| chain.ratchet == c.claim_key) {
                Some(i) => out.put_u8(i as u8),
                None => {
                    out.put_u8(CLAIM_KEY_FOLLOWS);
                    out.put(&c.claim_key);
                }
            }
        }
        if let (Some(v), None) = (verifier, &self.host_seed) {
            out.put(v.ours.as_bytes());
        }
        snapshot::write_ratchet(&mut out, &self.ratchet);
        out
    }

    /// Loads a session snapshot, refusing one whose counter is below `min_counter`. Check
    /// [`mailbox_id`](Self::mailbox_id) against the session you meant to load.
    pub fn from_snapshot(bytes: &[u8], key: &SnapshotKey, min_counter: u64) -> Result<Self> {
        let (info, body) = snapshot::open(bytes, key, SnapshotKind::HostSession, min_counter)?;
        let format = snapshot::Format::of(&info);
        let mut r = snapshot::reader(&body);
        let identity = IdentityPublicKey::from_bytes(&r.array()?).map_err(|_| Error::SnapshotMalformed)?;
        let record_hash: [u8; 32] = r.array()?;
        let expires_at = format.time(&mut r)?;
        let fields = if format.is_v1() { read_host_v1(&mut r)? } else { read_host_v2(&mut r)? };
        let ratchet = snapshot::read_ratchet(&mut r, format)?;
        r.finish()?;
        check_host_ratchet(&ratchet, &fields)?;
        let claim = match fields.claim {
            None => None,
            Some(c) => {
                let claim_key = match c.key {
                    ClaimKeyAt::Explicit(k) => {
                        if !format.is_v1() && ratchet.chains.iter().any(|chain| chain.ratchet == k) {
                            return Err(Error::SnapshotMalformed); // the writer would have used the index
                        }
                        k
                    }
                    ClaimKeyAt::Chain(i) => ratchet.chains.get(i).ok_or(Error::SnapshotMalformed)?.ratchet,
                };
                if !crate::keys::x25519_canonical(&claim_key) {
                    return Err(Error::SnapshotMalformed);
                }
                // In the claim window the chains are the guest's initial key and the claim's.
                if c.verifier.is_some()
                    && ratchet.chains.get(1).is_none_or(|chain| chain.ratchet != claim_key)
                {
                    return Err(Error::SnapshotMalformed);
                }
                let verifier = match c.verifier {
                    None => None,
                    Some(v) => Some(restore_verifier(&ratchet, &record_hash, v)?),
                };
                let session_id = session_id(&record_hash, &claim_key, &c.guest_mailbox);
                Some(Claim { claim_key, guest_mailbox: c.guest_mailbox, session_id, verifier })
            }
        };
        Ok(HostSession {
            mailbox_id: MailboxId(info.object_id),
            identity,
            record_hash,
            expires_at,
            host_seed: fields.host_seed,
            keys_seed: fields.keys_seed,
            invite_key: fields.invite_key,
            host_mailbox: fields.host_mailbox,
            revoked: fields.revoked,
            claim,
            ratchet,
            counter: info.counter,
        })
    }

    /// A digest of the whole state, for tests that check a failed call changed nothing.
    #[doc(hidden)]
    pub fn state_digest_for_testing_only(&self) -> [u8; 32] {
        use sha2::Digest;
        let mut body = self.encode();
        body.put_u64(self.counter);
        sha2::Sha256::digest(body.as_slice()).into()
    }
}

/// `claim_chain` when the claim key follows explicitly (SPEC §10.2).
const CLAIM_KEY_FOLLOWS: u8 = 0xff;

/// Where a host body puts the claim key.
enum ClaimKeyAt {
    Explicit([u8; 32]),
    Chain(usize),
}

/// The stored half of a claim verifier: `H0_sk`, and in version 1 the `RK0` it must match.
struct StoredVerifier {
    h0: StaticSecret,
    root: Option<Key32>,
}

struct StoredClaim {
    key: ClaimKeyAt,
    guest_mailbox: [u8; 32],
    verifier: Option<StoredVerifier>,
}

/// The fields of a host body between `expires_at` and the ratchet.
struct HostFields {
    host_seed: Option<Key32>,
    keys_seed: Option<Key32>,
    invite_key: SeedSigningKey,
    host_mailbox: SeedSigningKey,
    revoked: bool,
    claim: Option<StoredClaim>,
    /// `H0` from `host_seed` in an unclaimed body: the ratchet key must be it.
    unclaimed_h0: Option<StaticSecret>,
}

fn read_guest_mailbox(r: &mut Reader<'_>) -> Result<[u8; 32]> {
    let key: [u8; 32] = r.array()?;
    MailboxPublicKey::from_bytes(&key).map_err(|_| Error::SnapshotMalformed)?;
    Ok(key)
}

fn read_seed(r: &mut Reader<'_>) -> Result<Key32> {
    Ok(Secret(r.array()?))
}

/// Version 1 (SPEC §10.3): two seeds, flags as booleans, the verifier's `RK0` stored.
fn read_host_v1(r: &mut Reader<'_>) -> Result<HostFields> {
    // Expanded at their first signature, not here (an Ed25519 seed is always valid).
    let invite_key = SeedSigningKey::from_seed(read_seed(r)?);
    let host_mailbox = SeedSigningKey::from_seed(read_seed(r)?);
    let revoked = r.flag()?;
    let claim = if r.flag()? {
        let key = ClaimKeyAt::Explicit(r.array()?);
        let guest_mailbox = read_guest_mailbox(r)?;
        let verifier = if r.flag()? {
            let root = Some(read_key(r)?);
            Some(StoredVerifier { root, h0: snapshot::read_secret(r)? })
        } else {
            None
        };
        // A version 1 revoke kept the verifier; nothing uses it after a revoke (SPEC §10.3).
        let verifier = verifier.filter(|_| !revoked);
        Some(StoredClaim { key, guest_mailbox, verifier })
    } else {
        None
    };
    Ok(HostFields {
        host_seed: None,
        keys_seed: None,
        invite_key,
        host_mailbox,
        revoked,
        claim,
        unclaimed_h0: None,
    })
}

/// Version 2 (SPEC §10.2).
fn read_host_v2(r: &mut Reader<'_>) -> Result<HostFields> {
    let flags = r.u8()?;
    let [revoked, claimed, verifier, seeded, keyed] = [0, 1, 2, 3, 4].map(|bit| flags >> bit & 1 == 1);
    // host_seed is held only while unclaimed or while the verifier is, never once revoked;
    // keys_seed replaces it after (SPEC §10.2).
    if flags >> 5 != 0
        || (verifier && (!claimed || revoked))
        || (seeded && keyed)
        || (seeded && (revoked || (claimed && !verifier)))
        || (keyed && (verifier || !(revoked || claimed)))
    {
        return Err(Error::SnapshotMalformed);
    }
    let (host_seed, keys_seed, seed_h0) = if seeded {
        let seed = read_seed(r)?;
        let keys = HostSeedKeys::derive(&seed);
        (Some(seed), Some(keys.keys_seed), Some(keys.ratchet))
    } else if keyed {
        (None, Some(read_seed(r)?), None)
    } else {
        (None, None, None)
    };
    // Expanded at their first signature, not here (an Ed25519 seed is always valid).
    let (invite_key, host_mailbox) = match &keys_seed {
        Some(k) => {
            let (invite, mailbox) = derive_signing_seeds(k);
            (SeedSigningKey::from_seed(invite), SeedSigningKey::from_seed(mailbox))
        }
        None => (SeedSigningKey::from_seed(read_seed(r)?), SeedSigningKey::from_seed(read_seed(r)?)),
    };
    let mut unclaimed_h0 = None;
    let claim = if claimed {
        let guest_mailbox = read_guest_mailbox(r)?;
        let key = match r.u8()? {
            CLAIM_KEY_FOLLOWS => ClaimKeyAt::Explicit(r.array()?),
            i => ClaimKeyAt::Chain(usize::from(i)),
        };
        let verifier = match (verifier, seed_h0) {
            (false, _) => None,
            (true, Some(h0)) => Some(StoredVerifier { h0, root: None }),
            (true, None) => Some(StoredVerifier { h0: snapshot::read_secret(r)?, root: None }),
        };
        Some(StoredClaim { key, guest_mailbox, verifier })
    } else {
        unclaimed_h0 = seed_h0;
        None
    };
    Ok(HostFields { host_seed, keys_seed, invite_key, host_mailbox, revoked, claim, unclaimed_h0 })
}

/// The ratchet rules of a host body (SPEC §10.2): no pre-claim chain; unclaimed, the ratchet
/// 12.1 creates (a sending chain, one closed chain, nothing received, `PN` 0, and with
/// `host_seed` the key `H0` it determines); with a verifier, exactly two chains.
fn check_host_ratchet(ratchet: &Ratchet, fields: &HostFields) -> Result<()> {
    let chains = &ratchet.chains;
    let ok = snapshot::pre_claim_chains_ok(ratchet, false)
        && match &fields.claim {
            None => {
                ratchet.sending.is_some()
                    && fields
                        .unclaimed_h0
                        .as_ref()
                        .is_none_or(|h0| h0.as_bytes().ct_eq(ratchet.ours.secret.as_bytes()).into())
                    && ratchet.pn == 0
                    && chains.len() == 1
                    && chains.iter().all(|c| c.key.is_none() && c.next == 0 && c.skipped.is_empty())
            }
            Some(c) => c.verifier.is_none() || chains.len() == 2,
        };
    if ok { Ok(()) } else { Err(Error::SnapshotMalformed) }
}

/// Rebuilds the claim verifier: `RK0` follows from `H0` and the guest's initial key, the first
/// receiving chain while the verifier is held (SPEC §7.2, §10.2). A stored `RK0` must match.
fn restore_verifier(ratchet: &Ratchet, record_hash: &[u8; 32], v: StoredVerifier) -> Result<ClaimVerifier> {
    let first = ratchet.chains.front().ok_or(Error::SnapshotMalformed)?;
    if first.key.is_some() {
        return Err(Error::SnapshotMalformed);
    }
    let shared = dh(&v.h0, &first.ratchet).map_err(|_| Error::SnapshotMalformed)?;
    let (root, _) = root_init(record_hash, &shared);
    if v.root.is_some_and(|stored| stored != root) {
        return Err(Error::SnapshotMalformed);
    }
    Ok(ClaimVerifier { root, ours: v.h0 })
}

impl fmt::Debug for HostSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostSession")
            .field("mailbox_id", &self.mailbox_id)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}
