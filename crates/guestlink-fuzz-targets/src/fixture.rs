//! One deterministic conversation, built once per process: the link, the record, genuine
//! envelopes of every type, records, and snapshots of both parties at consistent points.
//!
//! Targets restore sessions from these snapshots for every input (cheap: one AEAD), so every
//! run starts from the same state and a crash reproduces from its input alone.

use std::collections::HashSet;
use std::sync::OnceLock;

use guestlink::{
    GuestReceived, GuestSession, HostIdentity, HostReceived, HostSession, InviteLink, InviteRecord,
    MailboxId, MailboxPublicKey, OpenedInvite, SnapshotKey,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The fixture's clock: 2027-01-15.
pub const NOW: u64 = 1_800_000_000;
/// The invite's lifetime.
pub const LIFETIME: u64 = 86_400;
/// The snapshot key of every fixture snapshot.
pub const SNAPSHOT_KEY: [u8; 32] = [0x5a; 32];

/// A host snapshot and a guest-side snapshot taken at the same point of the conversation.
#[derive(Clone, Debug)]
pub struct Pair {
    /// `HostSession` snapshot.
    pub host: Vec<u8>,
    /// `OpenedInvite` (pair A) or `GuestSession` (pairs B, C) snapshot.
    pub guest: Vec<u8>,
}

/// Everything the targets and the corpus generator share.
#[derive(Debug)]
pub struct Fixture {
    /// The invite link.
    pub link: String,
    /// The signed invite record.
    pub record: Vec<u8>,
    /// The same, parsed (signature verified once, not once per fuzz input).
    pub parsed_record: InviteRecord,
    /// Host pre-claim envelopes ("pre 1", "pre 2").
    pub pre_claim: Vec<Vec<u8>>,
    /// The guest's claim envelope (content: join).
    pub claim: Vec<u8>,
    /// A second claim-type envelope carrying text, sent before the confirmation.
    pub claim_text: Vec<u8>,
    /// The host-signed claimed record.
    pub claimed_record: Vec<u8>,
    /// The host's key confirmation.
    pub confirmation: Vec<u8>,
    /// Post-claim host messages.
    pub host_messages: Vec<Vec<u8>>,
    /// Post-claim guest messages.
    pub guest_messages: Vec<Vec<u8>>,
    /// A revocation record of the unclaimed invite (made on a copy of pair A's host).
    pub revocation_unclaimed: Vec<u8>,
    /// A revocation record and end message of the claimed invite (made on a copy of pair C's host).
    pub revocation_claimed: Vec<u8>,
    /// The end message that goes with [`revocation_claimed`](Self::revocation_claimed).
    pub end_message: Vec<u8>,
    /// A genuine relay authentication: key, mailbox, challenge, signature.
    pub relay_auth: (MailboxPublicKey, MailboxId, Vec<u8>, [u8; 64]),
    /// A host identity snapshot.
    pub identity_snapshot: Vec<u8>,
    /// The host right after `create_invite` and the guest right after `open` (nothing sent).
    pub fresh: Pair,
    /// Pair A: the host sent the pre-claim envelopes, the opened invite has read none of them.
    pub unclaimed: Pair,
    /// Pair B: the host accepted the claim and sent the confirmation; the guest is unconfirmed.
    pub claimed: Pair,
    /// Pair C: a confirmed conversation with messages in flight both ways
    /// (`host_messages[2..]` and `guest_messages[2..]` not yet delivered).
    pub talking: Pair,
    /// Every envelope and record above: an `Ok` from any decrypt must come from one of these.
    pub genuine: HashSet<Vec<u8>>,
}

impl Fixture {
    /// The fixture's snapshot key.
    pub fn key(&self) -> SnapshotKey {
        SnapshotKey::from_bytes(SNAPSHOT_KEY)
    }

    /// Is `bytes` an envelope or record the fixture made?
    pub fn is_genuine(&self, bytes: &[u8]) -> bool {
        self.genuine.contains(bytes)
    }

    /// Restores a host session snapshot of the fixture.
    pub fn host(&self, snapshot: &[u8]) -> HostSession {
        HostSession::from_snapshot(snapshot, &self.key(), 0).expect("fixture host snapshot")
    }

    /// Restores an opened-invite snapshot of the fixture.
    pub fn opened(&self, snapshot: &[u8]) -> OpenedInvite {
        OpenedInvite::from_snapshot(snapshot, &self.key(), 0).expect("fixture opened snapshot")
    }

    /// Restores a guest session snapshot of the fixture.
    pub fn guest(&self, snapshot: &[u8]) -> GuestSession {
        GuestSession::from_snapshot(snapshot, &self.key(), 0).expect("fixture guest snapshot")
    }
}

/// The process-wide fixture.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

fn build() -> Fixture {
    let rng = &mut ChaCha20Rng::seed_from_u64(0x6775_6573_746c_696e);
    let key = SnapshotKey::from_bytes(SNAPSHOT_KEY);
    let mut identity = HostIdentity::generate(rng);
    let identity_snapshot = identity.snapshot(rng, &key);
    let invite =
        identity.create_invite(rng, NOW, NOW + LIFETIME, "https://chat.example/g").expect("create invite");
    let mut host = invite.session;
    let link = invite.link.as_str().to_owned();
    let record = invite.record;
    let mut opened = InviteLink::parse(&link).expect("parse").open(&record, NOW).expect("open");
    let fresh = Pair { host: host.snapshot(rng, &key), guest: opened.snapshot(rng, &key) };

    let pre_claim = vec![
        host.encrypt(rng, NOW, "pre 1").expect("pre-claim 1"),
        host.encrypt(rng, NOW, "pre 2").expect("pre-claim 2"),
    ];
    let unclaimed = Pair { host: host.snapshot(rng, &key), guest: opened.snapshot(rng, &key) };
    let mut copy = HostSession::from_snapshot(&unclaimed.host, &key, 0).expect("copy");
    let revocation_unclaimed = copy.revoke(rng, NOW).expect("revoke unclaimed").record;

    assert_eq!(opened.decrypt(pre_claim.first().expect("two")), Ok(GuestReceived::Text("pre 1".into())));
    let (mut guest, claim) = opened.claim(rng, NOW).expect("claim");
    let claim_text = guest.encrypt(rng, "are you there?").expect("claim text");
    let Ok(HostReceived::Claimed(accepted)) = host.decrypt(rng, NOW, &claim) else {
        panic!("fixture claim refused")
    };
    let claimed = Pair { host: host.snapshot(rng, &key), guest: guest.snapshot(rng, &key) };

    assert_eq!(guest.decrypt(&accepted.confirmation), Ok(GuestReceived::Confirmed));
    assert!(matches!(host.decrypt(rng, NOW, &claim_text), Ok(HostReceived::Text(_))));
    let mut host_messages = Vec::new();
    let mut guest_messages = Vec::new();
    for i in 0..2 {
        let g = guest.encrypt(rng, &format!("guest {i}")).expect("guest encrypt");
        assert!(matches!(host.decrypt(rng, NOW, &g), Ok(HostReceived::Text(_))));
        let h = host.encrypt(rng, NOW, &format!("host {i}")).expect("host encrypt");
        assert!(matches!(guest.decrypt(&h), Ok(GuestReceived::Text(_))));
        guest_messages.push(g);
        host_messages.push(h);
    }
    // In flight when pair C is saved.
    for i in 2..4 {
        host_messages.push(host.encrypt(rng, NOW, &format!("host {i}")).expect("host encrypt"));
        guest_messages.push(guest.encrypt(rng, &format!("guest {i}")).expect("guest encrypt"));
    }
    let talking = Pair { host: host.snapshot(rng, &key), guest: guest.snapshot(rng, &key) };
    let mut copy = HostSession::from_snapshot(&talking.host, &key, 0).expect("copy");
    let revocation = copy.revoke(rng, NOW).expect("revoke claimed");
    let end_message = revocation.end_message.expect("a claimed invite ends with a message");

    let challenge = b"relay challenge 0123456789".to_vec();
    let relay_auth = (
        guest.mailbox_public_key(),
        guest.mailbox_id(),
        challenge.clone(),
        guest.relay_auth(&challenge).expect("relay auth"),
    );

    let mut genuine = HashSet::new();
    genuine.insert(record.clone());
    genuine.extend(pre_claim.iter().cloned());
    genuine.insert(claim.clone());
    genuine.insert(claim_text.clone());
    genuine.insert(accepted.claimed_record.clone());
    genuine.insert(accepted.confirmation.clone());
    genuine.extend(host_messages.iter().cloned());
    genuine.extend(guest_messages.iter().cloned());
    genuine.insert(revocation_unclaimed.clone());
    genuine.insert(revocation.record.clone());
    genuine.insert(end_message.clone());

    Fixture {
        link,
        parsed_record: InviteRecord::parse(&record).expect("fixture record"),
        record,
        pre_claim,
        claim,
        claim_text,
        claimed_record: accepted.claimed_record,
        confirmation: accepted.confirmation,
        host_messages,
        guest_messages,
        revocation_unclaimed,
        revocation_claimed: revocation.record,
        end_message,
        relay_auth,
        identity_snapshot,
        fresh,
        unclaimed,
        claimed,
        talking,
        genuine,
    }
}
