//! Versioned, encrypted snapshots (SPEC §10).

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::codec::{Put, Reader};
use crate::crypto::{self, SALT_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::keys::{Key32, RatchetKeyPair, Secret, SnapshotKey, x25519_canonical};
use crate::labels;
use crate::limits::{MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS};
use crate::ratchet::{Ratchet, RecvChain, SendChain};

/// Snapshot format version written by this library (SPEC §10.2).
pub const SNAPSHOT_VERSION: u8 = 0x02;
/// The first snapshot format version, still read (SPEC §10.3).
pub const SNAPSHOT_VERSION_1: u8 = 0x01;
/// Length of the cleartext snapshot header.
pub const SNAPSHOT_HEADER_LEN: usize = 1 + 1 + 16 + 8 + SALT_LEN;
/// Largest snapshot accepted: a session at every limit fits well below it.
pub const MAX_SNAPSHOT_LEN: usize = 65_536;

/// What a snapshot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotKind {
    /// A [`HostIdentity`](crate::HostIdentity).
    HostIdentity,
    /// A [`HostSession`](crate::HostSession).
    HostSession,
    /// An [`OpenedInvite`](crate::OpenedInvite) (guest, before the claim).
    OpenedInvite,
    /// A [`GuestSession`](crate::GuestSession).
    GuestSession,
}

impl SnapshotKind {
    const fn to_byte(self) -> u8 {
        match self {
            SnapshotKind::HostIdentity => 1,
            SnapshotKind::HostSession => 2,
            SnapshotKind::OpenedInvite => 3,
            SnapshotKind::GuestSession => 4,
        }
    }

    const fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            1 => SnapshotKind::HostIdentity,
            2 => SnapshotKind::HostSession,
            3 => SnapshotKind::OpenedInvite,
            4 => SnapshotKind::GuestSession,
            _ => return None,
        })
    }
}

/// The cleartext header of a snapshot (authenticated, not secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The format version ([`SNAPSHOT_VERSION`], or [`SNAPSHOT_VERSION_1`] for a snapshot this
    /// library reads and rewrites as the current version at the next save).
    pub version: u8,
    /// What the snapshot holds.
    pub kind: SnapshotKind,
    /// The object's id: the mailbox id of a session, the first 16 bytes of an identity key.
    pub object_id: [u8; 16],
    /// The save counter: compare with the highest one the app has seen to detect a rollback.
    pub counter: u64,
}

/// Reads a snapshot's header without decrypting it.
pub fn snapshot_info(bytes: &[u8]) -> Result<SnapshotInfo> {
    if bytes.len() > MAX_SNAPSHOT_LEN {
        return Err(Error::SnapshotMalformed);
    }
    let mut r = Reader::new(bytes, Error::SnapshotMalformed);
    let version = r.u8()?;
    if version != SNAPSHOT_VERSION && version != SNAPSHOT_VERSION_1 {
        return Err(Error::SnapshotVersionUnsupported);
    }
    let kind = SnapshotKind::from_byte(r.u8()?).ok_or(Error::SnapshotMalformed)?;
    let object_id = r.array()?;
    let counter = r.u64()?;
    Ok(SnapshotInfo { version, kind, object_id, counter })
}

/// One save of an object: bumps its counter, then seals its body (which is zeroized after) as
/// the current version; a writer writes no other (SPEC §10.1).
pub(crate) fn save<R: CryptoRng + ?Sized>(
    rng: &mut R,
    key: &SnapshotKey,
    kind: SnapshotKind,
    object_id: [u8; 16],
    counter: &mut u64,
    body: Zeroizing<Vec<u8>>,
) -> Vec<u8> {
    *counter = counter.saturating_add(1);
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let mut out = Vec::with_capacity(SNAPSHOT_HEADER_LEN + body.len() + TAG_LEN);
    out.put_u8(SNAPSHOT_VERSION);
    out.put_u8(kind.to_byte());
    out.put(&object_id);
    out.put_u64(*counter);
    out.put(&salt);
    let header = out.clone();
    crypto::seal_into(key.bytes(), labels::SNAPSHOT_KEY, &salt, &header, &body, &mut out);
    out
}

/// Checks the header (version, kind, rollback) and decrypts the body.
pub(crate) fn open(
    bytes: &[u8],
    key: &SnapshotKey,
    kind: SnapshotKind,
    min_counter: u64,
) -> Result<(SnapshotInfo, Zeroizing<Vec<u8>>)> {
    let info = snapshot_info(bytes)?;
    if info.kind != kind {
        return Err(Error::SnapshotWrongObject);
    }
    if info.counter < min_counter {
        return Err(Error::SnapshotRolledBack);
    }
    if info.counter == u64::MAX {
        // No later save could count on from it: rollbacks would go unseen (SPEC §10.1).
        return Err(Error::SnapshotMalformed);
    }
    let (header, sealed) = bytes.split_at_checked(SNAPSHOT_HEADER_LEN).ok_or(Error::SnapshotMalformed)?;
    let salt: [u8; SALT_LEN] = header
        .get(SNAPSHOT_HEADER_LEN - SALT_LEN..)
        .and_then(|s| s.try_into().ok())
        .ok_or(Error::SnapshotMalformed)?;
    if sealed.len() < TAG_LEN {
        return Err(Error::SnapshotMalformed);
    }
    let body =
        crypto::open(key.bytes(), labels::SNAPSHOT_KEY, &salt, header, sealed, Error::SnapshotDecryptFailed)?;
    Ok((info, body))
}

/// No chain flagged pre-claim but, where `first_allowed`, the first (SPEC §10.2): a guest's
/// pre-claim chain is the oldest, and no other chain is ever one.
pub(crate) fn pre_claim_chains_ok(r: &Ratchet, first_allowed: bool) -> bool {
    r.chains.iter().enumerate().all(|(i, c)| !c.pre_claim || (first_allowed && i == 0))
}

/// A reader for snapshot bodies.
pub(crate) fn reader(body: &[u8]) -> Reader<'_> {
    Reader::new(body, Error::SnapshotMalformed)
}

pub(crate) fn read_key(r: &mut Reader<'_>) -> Result<Key32> {
    Ok(Secret(r.array()?))
}

fn read_x25519_public(r: &mut Reader<'_>) -> Result<[u8; 32]> {
    let key: [u8; 32] = r.array()?;
    if x25519_canonical(&key) { Ok(key) } else { Err(Error::SnapshotMalformed) }
}

pub(crate) fn read_secret(r: &mut Reader<'_>) -> Result<StaticSecret> {
    let secret: Key32 = Secret(r.array()?);
    Ok(StaticSecret::from(*secret))
}

pub(crate) fn read_keypair(r: &mut Reader<'_>) -> Result<RatchetKeyPair> {
    // The public key is derived at the first send that needs it, not at load.
    Ok(RatchetKeyPair::from_secret_deferred(read_secret(r)?))
}

/// Encodes the ratchet state (SPEC §10.2, version 2).
pub(crate) fn write_ratchet(out: &mut impl Put, r: &Ratchet) {
    out.put(&r.root.0);
    out.put(r.ours.secret.as_bytes());
    match &r.sending {
        Some(s) => {
            out.put_u8(1);
            out.put(&s.key.0);
            out.put_uint(u64::from(s.n));
        }
        None => out.put_u8(0),
    }
    out.put_uint(u64::from(r.pn));
    out.put_u8(r.chains.len() as u8);
    for c in &r.chains {
        out.put(&c.ratchet);
        let flags = u8::from(c.key.is_some()) | (u8::from(c.pre_claim) << 1);
        out.put_u8(flags);
        if let Some(k) = &c.key {
            out.put(&k.0);
        }
        out.put_uint(u64::from(c.next));
        out.put_uint(c.skipped.len() as u64);
        for (n, mk) in &c.skipped {
            out.put_uint(u64::from(*n));
            out.put(&mk.0);
        }
    }
}

/// The integer widths of a snapshot version (SPEC §10.2, §10.3).
#[derive(Clone, Copy)]
pub(crate) struct Format(u8);

impl Format {
    pub(crate) fn of(info: &SnapshotInfo) -> Self {
        Format(info.version)
    }

    pub(crate) fn is_v1(self) -> bool {
        self.0 == SNAPSHOT_VERSION_1
    }

    /// A counter: `u32` in version 1, `uint32` after.
    fn counter(self, r: &mut Reader<'_>) -> Result<u32> {
        if self.is_v1() { r.u32() } else { r.uint32() }
    }

    /// A count of skipped keys: `u16` in version 1, `uint32` after.
    fn count(self, r: &mut Reader<'_>) -> Result<usize> {
        if self.is_v1() {
            Ok(usize::from(r.u16()?))
        } else {
            usize::try_from(r.uint32()?).map_err(|_| Error::SnapshotMalformed)
        }
    }

    /// A timestamp: `u64` in version 1, `uint64` after.
    pub(crate) fn time(self, r: &mut Reader<'_>) -> Result<u64> {
        if self.is_v1() { r.u64() } else { r.uint(u64::MAX) }
    }
}

/// Decodes and validates a ratchet state against every limit (SPEC §10.2, §10.3).
pub(crate) fn read_ratchet(r: &mut Reader<'_>, format: Format) -> Result<Ratchet> {
    let root = read_key(r)?;
    let ours = read_keypair(r)?;
    let sending = if r.flag()? { Some(SendChain { key: read_key(r)?, n: format.counter(r)? }) } else { None };
    let pn = format.counter(r)?;
    let count = usize::from(r.u8()?);
    if count == 0 || count > MAX_RECEIVING_CHAINS {
        return Err(Error::SnapshotMalformed);
    }
    let mut chains: VecDeque<RecvChain> = VecDeque::with_capacity(count);
    let mut total = 0usize;
    for i in 0..count {
        let ratchet = read_x25519_public(r)?;
        if chains.iter().any(|c| c.ratchet == ratchet) {
            return Err(Error::SnapshotMalformed);
        }
        let flags = r.u8()?;
        if flags & !0b11 != 0 {
            return Err(Error::SnapshotMalformed);
        }
        let open = flags & 1 == 1;
        if open && i + 1 != count {
            return Err(Error::SnapshotMalformed); // only the newest chain may be open
        }
        let key = if open { Some(read_key(r)?) } else { None };
        let next = format.counter(r)?;
        let nkeys = format.count(r)?;
        total = total.saturating_add(nkeys);
        if total > MAX_SKIPPED_KEYS {
            return Err(Error::SnapshotMalformed);
        }
        let mut skipped = VecDeque::with_capacity(nkeys);
        let mut last: Option<u32> = None;
        for _ in 0..nkeys {
            let n = format.counter(r)?;
            if n >= next || last.is_some_and(|l| n <= l) {
                return Err(Error::SnapshotMalformed);
            }
            last = Some(n);
            skipped.push_back((n, read_key(r)?));
        }
        chains.push_back(RecvChain { ratchet, key, next, pre_claim: flags & 2 == 2, skipped });
    }
    Ok(Ratchet { root, ours, sending, pn, chains })
}
