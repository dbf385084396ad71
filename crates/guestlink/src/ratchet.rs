//! The Double Ratchet (SPEC §7): sending chain, receiving chains with skipped keys, and the
//! plan-then-commit decryption that leaves the state untouched on any failure.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::crypto::{chain_step, root_step};
use crate::error::{Error, Result};
use crate::keys::{Key32, RatchetKeyPair, dh};
use crate::limits::{MAX_MESSAGE_GAP, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS};

/// A sending chain: its key and the counter of the next message.
#[derive(Clone, Debug)]
pub(crate) struct SendChain {
    pub(crate) key: Key32,
    pub(crate) n: u32,
}

/// A receiving chain, identified by the peer's ratchet public key.
#[derive(Clone, Debug)]
pub(crate) struct RecvChain {
    pub(crate) ratchet: [u8; 32],
    /// `None` once the chain is closed: no key is ever derived on it again.
    pub(crate) key: Option<Key32>,
    /// The next counter expected; for a closed chain, its announced length.
    pub(crate) next: u32,
    /// The chain carries the host's signed pre-claim messages (guest side only).
    pub(crate) pre_claim: bool,
    /// Skipped message keys, counters strictly increasing.
    pub(crate) skipped: VecDeque<(u32, Key32)>,
}

impl RecvChain {
    pub(crate) fn open(ratchet: [u8; 32], key: Key32, pre_claim: bool) -> Self {
        RecvChain { ratchet, key: Some(key), next: 0, pre_claim, skipped: VecDeque::new() }
    }

    pub(crate) fn closed(ratchet: [u8; 32]) -> Self {
        RecvChain { ratchet, key: None, next: 0, pre_claim: false, skipped: VecDeque::new() }
    }
}

/// The ratchet state of one party.
#[derive(Clone, Debug)]
pub(crate) struct Ratchet {
    pub(crate) root: Key32,
    pub(crate) ours: RatchetKeyPair,
    /// `None` when the next send must first take a DH ratchet step.
    pub(crate) sending: Option<SendChain>,
    /// Length of our previous sending chain.
    pub(crate) pn: u32,
    /// Never empty; the last chain belongs to the peer's current ratchet key.
    pub(crate) chains: VecDeque<RecvChain>,
}

/// The header values and message key of one message to send.
pub(crate) struct Outgoing {
    pub(crate) ratchet: [u8; 32],
    pub(crate) pn: u32,
    pub(crate) n: u32,
    pub(crate) mk: Key32,
}

/// How a successful decryption changes the state; applied only after the AEAD verified.
pub(crate) enum Plan {
    /// Use and delete a stored skipped key.
    Stored { chain: usize, n: u32 },
    /// Advance the current chain, storing the keys it skipped.
    Advance { chain: usize, key: Key32, next: u32, skipped: Vec<(u32, Key32)> },
    /// A DH ratchet step: close the current chain, open a new one.
    Step { close_skipped: Vec<(u32, Key32)>, close_end: u32, root: Key32, chain: RecvChain },
}

/// The message keys from `from` up to (excluding) `to` of the chain whose key at `from` is `key`.
fn skip(key: &Key32, from: u32, to: u32) -> Vec<(u32, Key32)> {
    skip_then_step(key, from, to).2
}

/// Skips from `from` to `to` (storing the keys in between), then takes the step at `to`:
/// returns the message key at `to`, the chain key after it, and the skipped keys. The steady
/// case (`from == to`) is a single chain step, with no copy of the chain key and no allocation.
fn skip_then_step(key: &Key32, from: u32, to: u32) -> (Key32, Key32, Vec<(u32, Key32)>) {
    let (mut mk, mut ck) = chain_step(key);
    let mut keys = Vec::new();
    if to > from {
        keys.reserve_exact(to.saturating_sub(from) as usize);
        for n in from..to {
            let (next_mk, next_ck) = chain_step(&ck);
            keys.push((n, core::mem::replace(&mut mk, next_mk)));
            ck = next_ck;
        }
    }
    (mk, ck, keys)
}

/// Spare skipped-key slots a chain may keep beyond twice the keys it holds.
const SLACK: usize = 16;

/// Moves `keys` into fresh storage of `capacity` slots (at least their number). The keys are
/// copied and the old ones dropped, which wipes the old storage: letting the collection move
/// them by reallocating would leave copies of message keys in freed memory.
fn rehome(keys: &mut VecDeque<(u32, Key32)>, capacity: usize) {
    let mut fresh = VecDeque::with_capacity(capacity.max(keys.len()));
    fresh.extend(keys.iter().map(|(n, k)| (*n, k.clone())));
    *keys = fresh;
}

/// Appends `more` (consumed, its keys wiped) without the collection reallocating by itself:
/// storage grows by doubling, up to what one chain can need (`MAX_SKIPPED_KEYS` held plus
/// `MAX_MESSAGE_GAP` added by one message).
fn append(keys: &mut VecDeque<(u32, Key32)>, more: Vec<(u32, Key32)>) {
    if more.is_empty() {
        return;
    }
    let needed = keys.len() + more.len();
    if needed > keys.capacity() {
        let cap = MAX_SKIPPED_KEYS + MAX_MESSAGE_GAP as usize;
        rehome(keys, keys.capacity().saturating_mul(2).min(cap).max(needed));
    }
    keys.extend(more.iter().map(|(n, k)| (*n, k.clone())));
}

impl Ratchet {
    /// The peer's current ratchet public key.
    pub(crate) fn peer(&self) -> Option<&[u8; 32]> {
        self.chains.back().map(|c| &c.ratchet)
    }

    /// Takes the DH ratchet step of a send if one is due (SPEC §7.5); returns our ratchet key.
    pub(crate) fn ensure_sending<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<[u8; 32]> {
        if self.sending.is_none() {
            let peer = *self.peer().ok_or(Error::NotClaimed)?;
            let fresh = RatchetKeyPair::generate(rng);
            let shared = dh(&fresh.secret, &peer)?;
            let (root, key) = root_step(&self.root, &shared);
            self.root = root;
            self.ours = fresh;
            self.sending = Some(SendChain { key, n: 0 });
        }
        Ok(self.ours.public())
    }

    /// The next message key (SPEC §7.3, §7.5). Commits the sending chain's advance.
    pub(crate) fn next_send<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<Outgoing> {
        if self.sending.as_ref().is_some_and(|s| s.n == u32::MAX) {
            return Err(Error::CounterExhausted);
        }
        let ratchet = self.ensure_sending(rng)?;
        let pn = self.pn;
        let chain = self.sending.as_mut().ok_or(Error::NotClaimed)?;
        let (mk, next) = chain_step(&chain.key);
        let n = chain.n;
        chain.key = next;
        chain.n = n.saturating_add(1);
        Ok(Outgoing { ratchet, pn, n, mk })
    }

    fn find(&self, ratchet: &[u8; 32]) -> Option<usize> {
        self.chains.iter().position(|c| c.ratchet == *ratchet)
    }

    /// Is `ratchet` a known chain that carries pre-claim messages?
    pub(crate) fn is_pre_claim_chain(&self, ratchet: &[u8; 32]) -> bool {
        self.find(ratchet).and_then(|i| self.chains.get(i)).is_some_and(|c| c.pre_claim)
    }

    /// Computes the message key for `(ratchet, pn, n)` and the change that accepting it makes,
    /// without changing anything (SPEC §7.6). Limits are checked before any derivation.
    pub(crate) fn plan(&self, ratchet: &[u8; 32], pn: u32, n: u32) -> Result<(Key32, Plan)> {
        if let Some(ci) = self.find(ratchet) {
            let chain = self.chains.get(ci).ok_or(Error::InvalidCounter)?;
            if let Some((_, mk)) = chain.skipped.iter().find(|(k, _)| *k == n) {
                return Ok((mk.clone(), Plan::Stored { chain: ci, n }));
            }
            if n < chain.next {
                return Err(Error::Duplicate);
            }
            let key = chain.key.as_ref().ok_or(Error::InvalidCounter)?;
            if n - chain.next > MAX_MESSAGE_GAP {
                return Err(Error::GapTooLarge);
            }
            let (mk, key, skipped) = skip_then_step(key, chain.next, n);
            let next = n.checked_add(1).ok_or(Error::InvalidCounter)?;
            return Ok((mk, Plan::Advance { chain: ci, key, next, skipped }));
        }
        // A new ratchet key: close the current chain at `pn`, then step the root.
        let current = self.chains.back().ok_or(Error::InvalidCounter)?;
        let close_gap = match &current.key {
            Some(_) if pn < current.next => return Err(Error::InvalidCounter),
            Some(_) => pn - current.next,
            None if pn > current.next => return Err(Error::InvalidCounter),
            None => 0,
        };
        if close_gap > MAX_MESSAGE_GAP || n > MAX_MESSAGE_GAP {
            return Err(Error::GapTooLarge);
        }
        let next = n.checked_add(1).ok_or(Error::InvalidCounter)?;
        let shared = dh(&self.ours.secret, ratchet)?;
        let (close_skipped, close_end) = match &current.key {
            Some(key) => (skip(key, current.next, pn), pn),
            None => (Vec::new(), current.next),
        };
        let (root, chain_key) = root_step(&self.root, &shared);
        let (mk, key, skipped) = skip_then_step(&chain_key, 0, n);
        let chain =
            RecvChain { ratchet: *ratchet, key: Some(key), next, pre_claim: false, skipped: skipped.into() };
        Ok((mk, Plan::Step { close_skipped, close_end, root, chain }))
    }

    /// Applies a plan after its message authenticated.
    pub(crate) fn commit(&mut self, plan: Plan) {
        match plan {
            Plan::Stored { chain, n } => {
                if let Some(c) = self.chains.get_mut(chain) {
                    // Not `remove`: it moves the key out (and shifts its neighbours), leaving
                    // copies in the storage's spare slots. `retain` swaps the key to the end and
                    // drops it where it lies, which wipes it. Counters are unique in a chain.
                    c.skipped.retain(|(k, _)| *k != n);
                }
            }
            Plan::Advance { chain, key, next, skipped } => {
                // The chain the plan matched (the open one, which is the newest: SPEC §7.6).
                if let Some(c) = self.chains.get_mut(chain) {
                    c.key = Some(key);
                    c.next = next;
                    append(&mut c.skipped, skipped);
                }
            }
            Plan::Step { close_skipped, close_end, root, chain } => {
                if let Some(c) = self.chains.back_mut() {
                    c.key = None;
                    c.next = close_end;
                    append(&mut c.skipped, close_skipped);
                }
                self.chains.push_back(chain);
                // Dropped where they lie (a front drain moves nothing), not moved out by
                // `pop_front`, which would leave their keys in the spare slots.
                let excess = self.chains.len().saturating_sub(MAX_RECEIVING_CHAINS);
                self.chains.drain(..excess);
                // Assigned over, the old chain is dropped in place; `take` would move its key
                // out and leave the bytes behind the `None`.
                if let Some(s) = &self.sending {
                    self.pn = s.n;
                }
                self.sending = None;
                self.root = root;
            }
        }
        self.evict();
        // Storage follows what is held, not a past high-water mark: after every message each
        // chain has at most 2 x its keys + SLACK slots, so a session at the limits keeps at
        // most 2 x MAX_SKIPPED_KEYS + MAX_RECEIVING_CHAINS x SLACK slots allocated.
        for c in self.chains.iter_mut() {
            let held = c.skipped.len();
            if c.skipped.capacity() > 2 * held + SLACK {
                rehome(&mut c.skipped, held);
            }
        }
    }

    /// Total stored skipped keys.
    pub(crate) fn skipped_count(&self) -> usize {
        self.chains.iter().map(|c| c.skipped.len()).sum()
    }

    /// Drops the oldest skipped keys beyond [`MAX_SKIPPED_KEYS`].
    fn evict(&mut self) {
        let mut excess = self.skipped_count().saturating_sub(MAX_SKIPPED_KEYS);
        for chain in self.chains.iter_mut() {
            if excess == 0 {
                break;
            }
            let drop = excess.min(chain.skipped.len());
            chain.skipped.drain(..drop);
            excess -= drop;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Secret;
    use x25519_dalek::{PublicKey, StaticSecret};

    fn check_storage(r: &Ratchet) {
        assert!(r.skipped_count() <= MAX_SKIPPED_KEYS);
        for c in &r.chains {
            assert!(
                c.skipped.capacity() <= 2 * c.skipped.len() + SLACK,
                "{} slots for {} keys",
                c.skipped.capacity(),
                c.skipped.len()
            );
        }
    }

    fn accept(r: &mut Ratchet, ratchet: &[u8; 32], pn: u32, n: u32) {
        let (_, plan) = r.plan(ratchet, pn, n).unwrap();
        r.commit(plan);
        check_storage(r);
    }

    #[test]
    fn skipped_key_storage_follows_the_keys_held() {
        let ours = RatchetKeyPair::from_secret(StaticSecret::from([1u8; 32]));
        let peer = |i: u8| PublicKey::from(&StaticSecret::from([i + 10; 32])).to_bytes();
        let mut chains = VecDeque::new();
        chains.push_back(RecvChain::open(peer(0), Secret([2; 32]), false));
        let mut r = Ratchet { root: Secret([3; 32]), ours, sending: None, pn: 0, chains };
        // Maximal gaps on one chain: it holds the cap, never more than twice its keys in slots.
        let mut next = 0;
        for _ in 0..3 {
            next += MAX_MESSAGE_GAP;
            accept(&mut r, &peer(0), 0, next);
        }
        assert_eq!(r.skipped_count(), MAX_SKIPPED_KEYS);
        // New chains, each closing the last with a maximal gap and skipping a maximal gap.
        let mut pn = next + 1;
        for i in 1..=6u8 {
            accept(&mut r, &peer(i), pn + MAX_MESSAGE_GAP, MAX_MESSAGE_GAP);
            pn = MAX_MESSAGE_GAP + 1;
        }
        assert_eq!(r.chains.len(), MAX_RECEIVING_CHAINS);
        // Use up the stored keys one by one: storage shrinks along.
        let last = peer(6);
        for n in 0..MAX_MESSAGE_GAP {
            if r.chains.back().is_some_and(|c| c.skipped.iter().any(|(k, _)| *k == n)) {
                accept(&mut r, &last, 0, n);
            }
        }
        let total: usize = r.chains.iter().map(|c| c.skipped.capacity()).sum();
        assert!(total <= 2 * r.skipped_count() + MAX_RECEIVING_CHAINS * SLACK, "{total} slots");
    }
}
