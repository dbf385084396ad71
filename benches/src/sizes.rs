//! Sizes that do not need a clock: wire overhead, snapshot bytes, the memory bound.

use guestlink::SnapshotKey;
use guestlink::limits::{MAX_MESSAGE_GAP, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS};

use crate::olm::{OlmPair, encrypt};
use crate::{NOW, SIZES, invited, open, pair, rng, text};

/// Bytes a message adds on the wire, for one body size.
pub struct Overhead {
    /// Body (UTF-8 text) length.
    pub body: usize,
    /// guestlink post-claim message (type 0x12): header, padding, tag.
    pub message: usize,
    /// guestlink pre-claim host message (type 0x10): also signed.
    pub pre_claim: usize,
    /// guestlink claim envelope (type 0x11): also carries the guest mailbox key.
    pub claim: usize,
    /// vodozemac Olm normal message (binary, before any base64).
    pub olm: usize,
}

/// Wire overhead for a few body sizes (0 and the benchmark sizes).
pub fn overheads() -> Vec<Overhead> {
    let mut out = Vec::new();
    for body in [0, 10].into_iter().chain(SIZES) {
        let msg = text(body);
        let r = &mut rng(20);
        let mut inv = invited(r);
        let pre_claim = inv.host.encrypt(r, NOW, &msg).expect("pre-claim").len() - body;
        let (mut guest, _) = open(&inv).claim(r, NOW).expect("claim");
        let claim = guest.encrypt(r, &msg).expect("claim message").len() - body;
        let mut p = pair(r);
        let message = p.host.encrypt(r, NOW, &msg).expect("message").len() - body;
        let mut o = OlmPair::new();
        let olm = encrypt(&mut o.alice, &msg).1.len() - body;
        out.push(Overhead { body, message, pre_claim, claim, olm });
    }
    out
}

/// Snapshot sizes in bytes, with what they hold.
pub fn snapshots() -> Vec<(&'static str, usize)> {
    let r = &mut rng(21);
    let key = SnapshotKey::generate(r);
    let mut inv = invited(r);
    let host_unclaimed = inv.host.snapshot(r, &key).len();
    let mut opened = open(&inv);
    let opened_len = opened.snapshot(r, &key).len();
    let mut p = crate::claim(r, inv.host, opened);
    let guest_confirmed = p.guest.snapshot(r, &key).len();
    let host_claimed = p.host.snapshot(r, &key).len();
    // The host's claim verifier is wiped once the guest answers with a new ratchet key.
    p.guest_to_host(r, "moved on");
    let host_running = p.host.snapshot(r, &key).len();

    // At the skipped-key cap: the guest receives only the last of MAX_MESSAGE_GAP + 1 messages.
    let mut p = pair(r);
    let mut last = Vec::new();
    for _ in 0..=MAX_MESSAGE_GAP {
        last = p.host.encrypt(r, NOW, "x").expect("encrypt");
    }
    p.guest.decrypt(&last).expect("decrypt the last");
    assert_eq!(p.guest.skipped_key_count(), MAX_SKIPPED_KEYS, "the guest holds the cap");
    let guest_cap = p.guest.snapshot(r, &key).len();

    let identity_len = {
        let mut id = guestlink::HostIdentity::generate(r);
        id.snapshot(r, &key).len()
    };

    let mut o = OlmPair::new();
    for _ in 0..3 {
        crate::olm::decrypt(&mut o.bob, &encrypt(&mut o.alice, "x"));
    }
    let olm_pickle = o.alice.pickle().encrypt(&[9; 32]).len();
    vec![
        ("host identity", identity_len),
        ("host session, unclaimed (fresh invite)", host_unclaimed),
        ("guest opened invite (before claim)", opened_len),
        ("guest session, confirmed", guest_confirmed),
        ("host session, claimed (claim verifier held)", host_claimed),
        ("host session, claimed, guest moved on", host_running),
        ("guest session at the skipped-key cap", guest_cap),
        ("vodozemac Olm session pickle (encrypted, base64)", olm_pickle),
    ]
}

/// Bytes one stored skipped key takes in memory: its counter and its key, `(u32, [u8; 32])`.
pub const SKIPPED_ENTRY_BYTES: usize = core::mem::size_of::<(u32, [u8; 32])>();

/// Bytes the stored skipped keys with counters `counters` take in a snapshot: each its counter as
/// a LEB128 `uint` and its key (SPEC §10.2).
pub fn skipped_snapshot_bytes(counters: core::ops::Range<u32>) -> usize {
    counters.map(|n| (32 - n.leading_zeros()).div_ceil(7).max(1) as usize + 32).sum()
}

/// Spare skipped-key slots a chain may keep beyond twice the keys it holds (guestlink's
/// `ratchet::SLACK`): after every message, a chain has at most `2 x keys + SLACK` slots.
pub const SLACK: usize = 16;

/// The worst-case memory that the limits allow, in bytes, as lines of text.
pub fn memory_bound() -> Vec<String> {
    let live = MAX_SKIPPED_KEYS * SKIPPED_ENTRY_BYTES;
    let slots = 2 * MAX_SKIPPED_KEYS + MAX_RECEIVING_CHAINS * SLACK;
    let resting = slots * SKIPPED_ENTRY_BYTES;
    let gap = MAX_MESSAGE_GAP as usize;
    // One decryption: the plan's new keys (closing chain + new chain), and the newest chain
    // moved to storage for its held keys plus one message's gap while the old storage lives.
    let transient = (2 * gap + MAX_SKIPPED_KEYS + gap) * SKIPPED_ENTRY_BYTES;
    vec![
        format!(
            "live skipped keys: MAX_SKIPPED_KEYS ({MAX_SKIPPED_KEYS}) x {SKIPPED_ENTRY_BYTES} B = {live} B \
             (the snapshot at the cap above holds exactly these)"
        ),
        format!(
            "allocated between messages: at most 2 x MAX_SKIPPED_KEYS + MAX_RECEIVING_CHAINS \
             ({MAX_RECEIVING_CHAINS}) x {SLACK} = {slots} slots x {SKIPPED_ENTRY_BYTES} B = {resting} B"
        ),
        format!(
            "during one decryption, on top: up to 2 x MAX_MESSAGE_GAP ({MAX_MESSAGE_GAP}) newly derived \
             keys and one chain's storage regrown to {} slots = {transient} B",
            MAX_SKIPPED_KEYS + gap
        ),
        format!(
            "worst case per session: {resting} B at rest, {} B at the peak of one decryption, \
             plus under 1 KiB of fixed state",
            resting + transient
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use guestlink::padded_len;

    /// Common header, message header (version 2: 52 bytes), tag (SPEC §6).
    const FIXED: usize = 18 + 52 + 16;

    #[test]
    fn overheads_follow_the_envelope_layout() {
        let all = overheads();
        assert_eq!(all.len(), 2 + SIZES.len());
        for o in all {
            let padding = padded_len(o.body + 2) - o.body;
            assert_eq!(o.message, FIXED + padding, "body {}", o.body);
            assert_eq!(o.pre_claim, o.message + 64, "signed");
            assert_eq!(o.claim, o.message + 32, "guest mailbox key");
            assert!(o.olm > 0);
        }
    }

    #[test]
    fn snapshot_sizes_are_consistent() {
        let s: std::collections::HashMap<_, _> = snapshots().into_iter().collect();
        let cap = s["guest session at the skipped-key cap"];
        let confirmed = s["guest session, confirmed"];
        // The cap adds MAX_SKIPPED_KEYS stored keys (counters 0..1000 of one chain) to a
        // confirmed session; the chain's `next` and key count, and the sending counters, are
        // LEB128 too and may each take a byte more.
        let keys = skipped_snapshot_bytes(0..MAX_SKIPPED_KEYS as u32);
        assert_eq!(keys, 1000 * 32 + 128 + 872 * 2);
        assert!((keys..=keys + 4).contains(&(cap - confirmed)), "{cap} - {confirmed}");
        // Issue 6's goal: a fresh session's snapshot is at most 400 bytes, on either side and at
        // every step of the claim (vodozemac's pickle is over 1,500).
        for fresh in [
            "host session, unclaimed (fresh invite)",
            "guest opened invite (before claim)",
            "guest session, confirmed",
            "host session, claimed (claim verifier held)",
            "host session, claimed, guest moved on",
        ] {
            assert!(s[fresh] <= 400, "{fresh}: {} bytes", s[fresh]);
        }
    }
}
