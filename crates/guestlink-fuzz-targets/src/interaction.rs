//! The two-party interaction target, in the manner of libsignal's `interaction` fuzzer.
//!
//! The input is a script of [`Op`]s over a host and a guest joined by two lossy, reorderable
//! queues. After every step:
//! - nothing forged is accepted: every `Ok` comes from an envelope a party really sent, with the
//!   content it was sent with, and at most once per state lineage;
//! - a refused envelope leaves the receiver's state digest unchanged;
//! - both parties stay within `guestlink::limits`;
//! - until the first snapshot restore, a reference model of the receiving chains (an
//!   independent re-statement of SPEC §7.6 that tracks counters, not keys) predicts every
//!   outcome exactly: a genuine message decrypts if and only if the model says so, otherwise with
//!   the model's error, and the model's skipped-key and chain counts equal the session's.
//!   So every genuine message decrypts exactly once unless the limits say otherwise.

use std::collections::{HashMap, HashSet, VecDeque};

use guestlink::limits::{MAX_MESSAGE_GAP, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS};
use guestlink::{
    EnvelopeKind, Error, GuestReceived, GuestSession, HostReceived, HostSession, OpenedInvite, SnapshotKey,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::Input;
use crate::fixture::{NOW, fixture};

/// One step of an interaction script. Arguments are read from the bytes after the op byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// The host encrypts a text into the guest's queue.
    HostSend,
    /// The guest (once it claimed) encrypts a text into the host's queue.
    GuestSend,
    /// The guest claims the invite; the claim goes into the host's queue.
    Claim,
    /// Deliver the envelope at `index % len` of the guest's queue.
    DeliverToGuest(u8),
    /// Deliver the envelope at `index % len` of the host's queue.
    DeliverToHost(u8),
    /// Drop an envelope (`to_host`, index).
    Drop(bool, u8),
    /// Duplicate an envelope (`to_host`, index).
    Duplicate(bool, u8),
    /// Swap two envelopes (`to_host`, i, j).
    Reorder(bool, u8, u8),
    /// Queue a copy with one byte xored (`to_host`, index, position, mask).
    Flip(bool, u8, u16, u8),
    /// Save the host's snapshot.
    SaveHost,
    /// Save the guest's snapshot.
    SaveGuest,
    /// Restore the host from its saved snapshot.
    RestoreHost,
    /// Restore the guest from its saved snapshot.
    RestoreGuest,
    /// The sender (`from_host`) sends `count + 1` messages that are all lost.
    Burst(bool, u8),
    /// The host revokes the invite (the end message goes to the guest's queue).
    Revoke,
}

const OPS: u8 = 15;

impl Op {
    fn read(input: &mut Input<'_>) -> Op {
        match input.byte() % OPS {
            0 => Op::HostSend,
            1 => Op::GuestSend,
            2 => Op::Claim,
            3 => Op::DeliverToGuest(input.byte()),
            4 => Op::DeliverToHost(input.byte()),
            5 => Op::Drop(input.byte() & 1 == 1, input.byte()),
            6 => Op::Duplicate(input.byte() & 1 == 1, input.byte()),
            7 => Op::Reorder(input.byte() & 1 == 1, input.byte(), input.byte()),
            8 => Op::Flip(input.byte() & 1 == 1, input.byte(), input.u16(), input.byte()),
            9 => Op::SaveHost,
            10 => Op::SaveGuest,
            11 => Op::RestoreHost,
            12 => Op::RestoreGuest,
            // At most 64 lost messages per burst keeps runs fast; 16 bursts pass the gap limit.
            13 => Op::Burst(input.byte() & 1 == 1, input.byte() % 64),
            _ => Op::Revoke,
        }
    }

    fn write(self, out: &mut Vec<u8>) {
        let b = u8::from;
        match self {
            Op::HostSend => out.push(0),
            Op::GuestSend => out.push(1),
            Op::Claim => out.push(2),
            Op::DeliverToGuest(i) => out.extend([3, i]),
            Op::DeliverToHost(i) => out.extend([4, i]),
            Op::Drop(h, i) => out.extend([5, b(h), i]),
            Op::Duplicate(h, i) => out.extend([6, b(h), i]),
            Op::Reorder(h, i, j) => out.extend([7, b(h), i, j]),
            Op::Flip(h, i, pos, mask) => {
                out.extend([8, b(h), i]);
                out.extend(pos.to_be_bytes());
                out.push(mask);
            }
            Op::SaveHost => out.push(9),
            Op::SaveGuest => out.push(10),
            Op::RestoreHost => out.push(11),
            Op::RestoreGuest => out.push(12),
            Op::Burst(h, n) => out.extend([13, b(h), n]),
            Op::Revoke => out.push(14),
        }
    }
}

/// Encodes a script as target input (corpus generator and regression tests).
pub fn encode_script(ops: &[Op]) -> Vec<u8> {
    let mut out = Vec::new();
    for op in ops {
        op.write(&mut out);
    }
    out
}

/// What a genuine envelope carries.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Content {
    Text(String),
    Join,
    Confirm,
    End,
}

/// A receiving chain of the reference model: counters only.
#[derive(Clone, Debug)]
struct ModelChain {
    ratchet: [u8; 32],
    open: bool,
    next: u32,
    pre_claim: bool,
    skipped: VecDeque<u32>,
}

#[derive(Clone, Debug)]
enum Change {
    Stored(usize, usize),
    Advance(u32, u32),
    Step { ratchet: [u8; 32], pn: u32, n: u32 },
}

/// The receiving side of SPEC §7.6, restated over counters.
#[derive(Clone, Debug)]
struct Model {
    chains: VecDeque<ModelChain>,
}

impl Model {
    fn new(first: ModelChain) -> Self {
        Model { chains: VecDeque::from([first]) }
    }

    fn find(&self, ratchet: &[u8; 32]) -> Option<usize> {
        self.chains.iter().position(|c| c.ratchet == *ratchet)
    }

    fn is_pre_claim(&self, ratchet: &[u8; 32]) -> bool {
        self.find(ratchet).and_then(|i| self.chains.get(i)).is_some_and(|c| c.pre_claim)
    }

    /// The predicted outcome of a genuine message; `Err(None)` means "fails, error unspecified"
    /// (a chain forgotten by the limits looks new and its keys no longer derive).
    fn predict(&self, ratchet: &[u8; 32], pn: u32, n: u32, forgotten: bool) -> Result<Change, Option<Error>> {
        if let Some(ci) = self.find(ratchet) {
            let chain = self.chains.get(ci).expect("found");
            if let Some(i) = chain.skipped.iter().position(|k| *k == n) {
                return Ok(Change::Stored(ci, i));
            }
            if n < chain.next {
                return Err(Some(Error::Duplicate));
            }
            if !chain.open {
                return Err(Some(Error::InvalidCounter));
            }
            if n - chain.next > MAX_MESSAGE_GAP {
                return Err(Some(Error::GapTooLarge));
            }
            return Ok(Change::Advance(chain.next, n));
        }
        if forgotten {
            return Err(None);
        }
        let current = self.chains.back().expect("never empty");
        let gap = if current.open {
            if pn < current.next {
                return Err(Some(Error::InvalidCounter));
            }
            pn - current.next
        } else {
            if pn > current.next {
                return Err(Some(Error::InvalidCounter));
            }
            0
        };
        if gap > MAX_MESSAGE_GAP || n > MAX_MESSAGE_GAP {
            return Err(Some(Error::GapTooLarge));
        }
        Ok(Change::Step { ratchet: *ratchet, pn, n })
    }

    fn commit(&mut self, change: Change, forgotten: &mut HashSet<[u8; 32]>) {
        match change {
            Change::Stored(ci, i) => {
                self.chains.get_mut(ci).expect("chain").skipped.remove(i);
            }
            Change::Advance(from, n) => {
                let c = self.chains.back_mut().expect("chain");
                c.skipped.extend(from..n);
                c.next = n + 1;
            }
            Change::Step { ratchet, pn, n } => {
                let c = self.chains.back_mut().expect("chain");
                if c.open {
                    c.skipped.extend(c.next..pn);
                    c.next = pn;
                }
                c.open = false;
                self.chains.push_back(ModelChain {
                    ratchet,
                    open: true,
                    next: n + 1,
                    pre_claim: false,
                    skipped: (0..n).collect(),
                });
                while self.chains.len() > MAX_RECEIVING_CHAINS {
                    let gone = self.chains.pop_front().expect("chain");
                    forgotten.insert(gone.ratchet);
                }
            }
        }
        let mut excess = self.skipped().saturating_sub(MAX_SKIPPED_KEYS);
        for c in self.chains.iter_mut() {
            let drop = excess.min(c.skipped.len());
            c.skipped.drain(..drop);
            excess -= drop;
        }
    }

    fn skipped(&self) -> usize {
        self.chains.iter().map(|c| c.skipped.len()).sum()
    }
}

/// The header fields of a message envelope: kind, ratchet key, previous chain length, counter.
fn header(envelope: &[u8]) -> Option<(EnvelopeKind, [u8; 32], u32, u32)> {
    let kind = guestlink::peek(envelope).ok()?.kind;
    let at = if kind == EnvelopeKind::Claim { 50 } else { 18 };
    let ratchet = envelope.get(at..at + 32)?.try_into().ok()?;
    let pn = u32::from_be_bytes(envelope.get(at + 32..at + 36)?.try_into().ok()?);
    let n = u32::from_be_bytes(envelope.get(at + 36..at + 40)?.try_into().ok()?);
    Some((kind, ratchet, pn, n))
}

enum GuestState {
    Opened(OpenedInvite),
    Session(GuestSession),
}

impl GuestState {
    fn digest(&self) -> [u8; 32] {
        match self {
            GuestState::Opened(o) => o.state_digest_for_testing_only(),
            GuestState::Session(s) => s.state_digest_for_testing_only(),
        }
    }
}

/// A party's bookkeeping that rolls back with its snapshot.
#[derive(Clone)]
struct Book {
    accepted: HashSet<usize>,
    model: Model,
    forgotten: HashSet<[u8; 32]>,
}

struct World {
    rng: ChaCha20Rng,
    key: SnapshotKey,
    host: HostSession,
    guest: Option<GuestState>,
    host_book: Book,
    guest_book: Book,
    saved_host: Option<(Vec<u8>, Book)>,
    saved_guest: Option<(Vec<u8>, Book)>,
    to_host: Vec<Vec<u8>>,
    to_guest: Vec<Vec<u8>>,
    /// Every envelope a party really sent, with its content.
    sent: Vec<(Vec<u8>, Content)>,
    by_bytes: HashMap<Vec<u8>, usize>,
    /// After a restore, outcomes depend on key material the model does not track.
    rolled_back: bool,
    texts: u32,
}

/// Longest queue; further sends are lost.
const MAX_QUEUE: usize = 64;
/// Most messages one run sends (bursts included).
const MAX_SENT: usize = 4096;

impl World {
    fn register(&mut self, envelope: Vec<u8>, content: Content, to_host: bool, queue: bool) {
        self.by_bytes.insert(envelope.clone(), self.sent.len());
        self.sent.push((envelope.clone(), content));
        let q = if to_host { &mut self.to_host } else { &mut self.to_guest };
        if queue && q.len() < MAX_QUEUE {
            q.push(envelope);
        }
    }

    fn text(&mut self, who: &str) -> String {
        self.texts += 1;
        format!("{who} {}", self.texts)
    }

    fn host_send(&mut self, queue: bool) {
        let text = self.text("host");
        match self.host.encrypt(&mut self.rng, NOW, &text) {
            Ok(envelope) => self.register(envelope, Content::Text(text), false, queue),
            Err(e) => assert_eq!(e, Error::InviteRevoked, "host encrypt failed"),
        }
    }

    fn guest_send(&mut self, queue: bool) {
        if !matches!(self.guest, Some(GuestState::Session(_))) {
            return;
        }
        let text = self.text("guest");
        let Some(GuestState::Session(guest)) = &mut self.guest else { return };
        match guest.encrypt(&mut self.rng, &text) {
            Ok(envelope) => self.register(envelope, Content::Text(text), true, queue),
            Err(e) => {
                assert!(e == Error::SessionEnded || e == Error::InviteRevoked, "guest encrypt failed: {e:?}")
            }
        }
    }

    fn claim(&mut self) {
        let Some(GuestState::Opened(_)) = &self.guest else { return };
        let Some(GuestState::Opened(opened)) = self.guest.take() else { return };
        let (session, claim) = opened.claim(&mut self.rng, NOW).expect("claim");
        self.guest = Some(GuestState::Session(session));
        self.register(claim, Content::Join, true, true);
    }

    fn deliver_to_guest(&mut self, index: u8) {
        if self.to_guest.is_empty() {
            return;
        }
        let envelope = self.to_guest.remove(usize::from(index) % self.to_guest.len());
        let Some(guest) = self.guest.as_mut() else { return };
        let genuine = self.by_bytes.get(&envelope).copied();
        let prediction = genuine.and_then(|_| {
            let (kind, ratchet, pn, n) = header(&envelope)?;
            let book = &self.guest_book;
            let forgotten = book.forgotten.contains(&ratchet);
            Some(match (guest as &GuestState, kind) {
                (_, EnvelopeKind::PreClaim) if !book.model.is_pre_claim(&ratchet) => {
                    Err(Some(Error::InvalidCounter))
                }
                (GuestState::Opened(_), EnvelopeKind::Message) => Err(Some(Error::NotClaimed)),
                _ => book.model.predict(&ratchet, pn, n, forgotten),
            })
        });
        let before = guest.digest();
        let result = match guest {
            GuestState::Opened(o) => o.decrypt(&envelope),
            GuestState::Session(s) => s.decrypt(&envelope),
        };
        match result {
            Ok(received) => {
                let id = genuine.expect("a forged envelope was accepted by the guest");
                assert!(self.guest_book.accepted.insert(id), "the guest accepted a message twice");
                let expected = match &self.sent.get(id).expect("sent").1 {
                    Content::Text(t) => GuestReceived::Text(t.clone()),
                    Content::Confirm => GuestReceived::Confirmed,
                    Content::End => GuestReceived::Ended,
                    Content::Join => panic!("the guest accepted its own claim"),
                };
                assert_eq!(received, expected);
                if !self.rolled_back {
                    match prediction.expect("a genuine envelope has a header") {
                        Ok(change) => self.guest_book.model.commit(change, &mut self.guest_book.forgotten),
                        Err(e) => panic!("the guest accepted a message the model refuses with {e:?}"),
                    }
                }
            }
            Err(e) => {
                assert_eq!(guest.digest(), before, "a failed guest decrypt changed the state");
                if let (false, Some(p)) = (self.rolled_back, prediction) {
                    match p {
                        Ok(_) => panic!("the guest refused a deliverable genuine message: {e:?}"),
                        Err(Some(expected)) => assert_eq!(e, expected),
                        Err(None) => {}
                    }
                }
            }
        }
        self.check_guest();
    }

    fn deliver_to_host(&mut self, index: u8) {
        if self.to_host.is_empty() {
            return;
        }
        let envelope = self.to_host.remove(usize::from(index) % self.to_host.len());
        let genuine = self.by_bytes.get(&envelope).copied();
        let unclaimed = self.host.safety_code().is_none();
        let revoked = self.host.state() == guestlink::HostState::Revoked;
        let prediction = genuine.and_then(|_| {
            let (kind, ratchet, pn, n) = header(&envelope)?;
            let book = &self.host_book;
            Some(match kind {
                _ if revoked => Err(Some(Error::InviteRevoked)),
                EnvelopeKind::Message if unclaimed => Err(Some(Error::NotClaimed)),
                _ => book.model.predict(&ratchet, pn, n, book.forgotten.contains(&ratchet)),
            })
        });
        let before = self.host.state_digest_for_testing_only();
        match self.host.decrypt(&mut self.rng, NOW, &envelope) {
            Ok(received) => {
                let id = genuine.expect("a forged envelope was accepted by the host");
                assert!(self.host_book.accepted.insert(id), "the host accepted a message twice");
                let content = self.sent.get(id).expect("sent").1.clone();
                match (received, content) {
                    (HostReceived::Claimed(acc), content) => {
                        assert!(unclaimed, "a claimed host accepted another claim");
                        let text = match content {
                            Content::Text(t) => Some(t),
                            Content::Join => None,
                            other => panic!("claim with content {other:?}"),
                        };
                        assert_eq!(acc.text, text);
                        if let (false, Some(GuestState::Session(g))) = (self.rolled_back, &self.guest) {
                            assert_eq!(acc.safety_code, g.safety_code(), "safety codes differ");
                            assert_eq!(g.check_claimed_record(&acc.claimed_record), Ok(()));
                        }
                        self.register(acc.confirmation, Content::Confirm, false, true);
                    }
                    (HostReceived::Text(t), Content::Text(sent)) => assert_eq!(t, sent),
                    (HostReceived::Join, Content::Join) => {}
                    (received, content) => panic!("host got {received:?} for {content:?}"),
                }
                if !self.rolled_back {
                    match prediction.expect("a genuine envelope has a header") {
                        Ok(change) => self.host_book.model.commit(change, &mut self.host_book.forgotten),
                        Err(e) => panic!("the host accepted a message the model refuses with {e:?}"),
                    }
                }
            }
            Err(e) => {
                assert_eq!(
                    self.host.state_digest_for_testing_only(),
                    before,
                    "a failed host decrypt changed the state"
                );
                if let (false, Some(p)) = (self.rolled_back, prediction) {
                    match p {
                        Ok(_) => panic!("the host refused a deliverable genuine message: {e:?}"),
                        Err(Some(expected)) => assert_eq!(e, expected),
                        Err(None) => {}
                    }
                }
            }
        }
        self.check_host();
    }

    fn check_host(&self) {
        assert!(self.host.skipped_key_count() <= MAX_SKIPPED_KEYS);
        assert!(self.host.receiving_chain_count() <= MAX_RECEIVING_CHAINS);
        if !self.rolled_back {
            assert_eq!(self.host.skipped_key_count(), self.host_book.model.skipped(), "host skipped keys");
            assert_eq!(self.host.receiving_chain_count(), self.host_book.model.chains.len(), "host chains");
        }
    }

    fn check_guest(&self) {
        if let Some(GuestState::Session(g)) = &self.guest {
            assert!(g.skipped_key_count() <= MAX_SKIPPED_KEYS);
            assert!(g.receiving_chain_count() <= MAX_RECEIVING_CHAINS);
            if !self.rolled_back {
                assert_eq!(g.skipped_key_count(), self.guest_book.model.skipped(), "guest skipped keys");
                assert_eq!(g.receiving_chain_count(), self.guest_book.model.chains.len(), "guest chains");
            }
        }
    }

    fn queue(&mut self, to_host: bool) -> &mut Vec<Vec<u8>> {
        if to_host { &mut self.to_host } else { &mut self.to_guest }
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::HostSend => self.host_send(true),
            Op::GuestSend => self.guest_send(true),
            Op::Claim => self.claim(),
            Op::DeliverToGuest(i) => self.deliver_to_guest(i),
            Op::DeliverToHost(i) => self.deliver_to_host(i),
            Op::Drop(h, i) => {
                let q = self.queue(h);
                if !q.is_empty() {
                    let at = usize::from(i) % q.len();
                    q.remove(at);
                }
            }
            Op::Duplicate(h, i) => {
                let q = self.queue(h);
                if !q.is_empty() && q.len() < MAX_QUEUE {
                    let copy = q.get(usize::from(i) % q.len()).expect("index").clone();
                    q.push(copy);
                }
            }
            Op::Reorder(h, i, j) => {
                let q = self.queue(h);
                if !q.is_empty() {
                    let len = q.len();
                    q.swap(usize::from(i) % len, usize::from(j) % len);
                }
            }
            Op::Flip(h, i, pos, mask) => {
                let q = self.queue(h);
                if !q.is_empty() && q.len() < MAX_QUEUE {
                    let mut copy = q.get(usize::from(i) % q.len()).expect("index").clone();
                    let at = usize::from(pos) % copy.len().max(1);
                    if let Some(b) = copy.get_mut(at) {
                        *b ^= mask.max(1);
                    }
                    q.push(copy);
                }
            }
            Op::SaveHost => {
                let bytes = self.host.snapshot(&mut self.rng, &self.key);
                self.saved_host = Some((bytes, self.host_book.clone()));
            }
            Op::SaveGuest => {
                let bytes = match &mut self.guest {
                    Some(GuestState::Opened(o)) => o.snapshot(&mut self.rng, &self.key),
                    Some(GuestState::Session(s)) => s.snapshot(&mut self.rng, &self.key),
                    None => return,
                };
                self.saved_guest = Some((bytes, self.guest_book.clone()));
            }
            Op::RestoreHost => {
                if let Some((bytes, book)) = &self.saved_host {
                    self.host =
                        HostSession::from_snapshot(bytes, &self.key, 0).expect("host snapshot reloads");
                    self.host_book = book.clone();
                    self.rolled_back = true;
                }
            }
            Op::RestoreGuest => {
                if let Some((bytes, book)) = &self.saved_guest {
                    let kind = guestlink::snapshot_info(bytes).expect("info").kind;
                    self.guest = Some(if kind == guestlink::SnapshotKind::OpenedInvite {
                        GuestState::Opened(OpenedInvite::from_snapshot(bytes, &self.key, 0).expect("reload"))
                    } else {
                        GuestState::Session(GuestSession::from_snapshot(bytes, &self.key, 0).expect("reload"))
                    });
                    self.guest_book = book.clone();
                    self.rolled_back = true;
                }
            }
            Op::Burst(from_host, count) => {
                for _ in 0..=count {
                    if self.sent.len() >= MAX_SENT {
                        break;
                    }
                    if from_host { self.host_send(false) } else { self.guest_send(false) }
                }
            }
            Op::Revoke => {
                if let Ok(revocation) = self.host.revoke(&mut self.rng, NOW)
                    && let Some(end) = revocation.end_message
                {
                    self.register(end, Content::End, false, true);
                }
            }
        }
    }
}

/// The two-party interaction target: `data` is a script of [`Op`]s.
pub fn interaction(data: &[u8]) {
    let f = fixture();
    let key = f.key();
    let host = f.host(&f.fresh.host);
    let opened = f.opened(&f.fresh.guest);
    let record = &f.record;
    let guest_initial: [u8; 32] = record.get(147..179).and_then(|s| s.try_into().ok()).expect("record");
    let host_ratchet: [u8; 32] = record.get(179..211).and_then(|s| s.try_into().ok()).expect("record");
    let host_first = ModelChain {
        ratchet: guest_initial,
        open: false,
        next: 0,
        pre_claim: false,
        skipped: VecDeque::new(),
    };
    let guest_first =
        ModelChain { ratchet: host_ratchet, open: true, next: 0, pre_claim: true, skipped: VecDeque::new() };
    let mut world = World {
        rng: ChaCha20Rng::seed_from_u64(0x1e7),
        key,
        host,
        guest: Some(GuestState::Opened(opened)),
        host_book: Book {
            accepted: HashSet::new(),
            model: Model::new(host_first),
            forgotten: HashSet::new(),
        },
        guest_book: Book {
            accepted: HashSet::new(),
            model: Model::new(guest_first),
            forgotten: HashSet::new(),
        },
        saved_host: None,
        saved_guest: None,
        to_host: Vec::new(),
        to_guest: Vec::new(),
        sent: Vec::new(),
        by_bytes: HashMap::new(),
        rolled_back: false,
        texts: 0,
    };
    let mut input = Input::new(data);
    let mut steps = 0;
    while !input.is_empty() && steps < 512 {
        world.step(Op::read(&mut input));
        steps += 1;
    }
}
