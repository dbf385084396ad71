//! An independent reader and writer of snapshot bodies (SPEC §10.2, version 2; §10.3, version 1,
//! read only), written from SPEC.md alone: it calls no internal of the `guestlink` crate. The
//! generator prints every valid snapshot's body next to its decoding, so that another
//! implementation can check its own body decoder field by field.
//!
//! This is a reader for vectors, not a loader: it parses the layout strictly (every `uint` minimal
//! and in range, booleans 0 or 1, no byte missing, none left over) but applies none of the
//! refusals of SPEC §10.2 that concern values (flag combinations, chain counts, key checks), so it
//! can also show what a hostile body holds. Whatever [`decode_body`] accepts, [`encode_body`]
//! writes back byte for byte.
//!
//! The JSON: byte strings in lowercase hex, integers as numbers, each flags byte as `flags` (the
//! raw byte) next to one boolean per named bit. Optional parts of a body are absent keys, except
//! the sending chain and a chain's key, which are `null` when the body has none.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// SPEC §10.1 `kind`: a host identity.
pub const KIND_HOST_IDENTITY: u8 = 1;
/// SPEC §10.1 `kind`: a host session.
pub const KIND_HOST_SESSION: u8 = 2;
/// SPEC §10.1 `kind`: an opened invite.
pub const KIND_OPENED_INVITE: u8 = 3;
/// SPEC §10.1 `kind`: a guest session.
pub const KIND_GUEST_SESSION: u8 = 4;

/// `claim_chain` when the claim key is written out (SPEC §10.2).
const CLAIM_KEY_FOLLOWS: u8 = 0xff;

/// The named bits of a flags byte: (JSON name, bit).
type FlagNames = [(&'static str, u8)];

/// SPEC §10.2 `host` flags.
const HOST_FLAGS: [(&str, u8); 5] = [
    ("revoked", 1),
    ("claimed", 1 << 1),
    ("claim_verifier_held", 1 << 2),
    ("host_seed_held", 1 << 3),
    ("keys_seed_held", 1 << 4),
];
/// SPEC §10.2 `guest` flags.
const GUEST_FLAGS: [(&str, u8); 2] = [("confirmed", 1), ("ended", 1 << 1)];
/// SPEC §10.2 `chain` flags.
const CHAIN_FLAGS: [(&str, u8); 2] = [("open", 1), ("pre_claim", 1 << 1)];

/// The two body layouts: the integer encodings differ (and the host body, SPEC §10.3).
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// Big-endian, fixed width.
    V1,
    /// LEB128 `uint`.
    V2,
}

// ---------------------------------------------------------------- decoding

/// Decodes a snapshot body of `version` (1 or 2) and `kind` (1 to 4), the header bytes of its
/// container (SPEC §10.1), into JSON; an error says which field is missing or malformed, or that
/// bytes are left over.
pub fn decode_body(version: u8, kind: u8, body: &[u8]) -> Result<Value, String> {
    let layout = match version {
        1 => Layout::V1,
        2 => Layout::V2,
        v => return Err(format!("snapshot version {v} has no body layout")),
    };
    let mut r = Reader { rest: body, at: 0 };
    let value = match (kind, layout) {
        (KIND_HOST_IDENTITY, _) => json!({ "ed25519_seed": r.hex(32, "ed25519_seed")? }),
        (KIND_HOST_SESSION, Layout::V2) => host(&mut r)?,
        (KIND_HOST_SESSION, Layout::V1) => host_v1(&mut r)?,
        (KIND_OPENED_INVITE, _) => opened(&mut r, layout)?,
        (KIND_GUEST_SESSION, _) => guest(&mut r, layout)?,
        (k, _) => return Err(format!("snapshot kind {k} has no body layout")),
    };
    if !r.rest.is_empty() {
        return Err(format!("{} bytes left over after byte {}", r.rest.len(), r.at));
    }
    Ok(value)
}

/// The unread part of a body and its offset, for error messages.
struct Reader<'a> {
    rest: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if self.rest.len() < n {
            return Err(format!("{what} at byte {}: needs {n} bytes, {} left", self.at, self.rest.len()));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        self.at += n;
        Ok(head)
    }

    fn hex(&mut self, n: usize, what: &str) -> Result<Value, String> {
        Ok(Value::String(hex::encode(self.bytes(n, what)?)))
    }

    fn byte(&mut self, what: &str) -> Result<u8, String> {
        let (&b, tail) =
            self.rest.split_first().ok_or_else(|| format!("{what} at byte {}: no byte left", self.at))?;
        self.rest = tail;
        self.at += 1;
        Ok(b)
    }

    fn boolean(&mut self, what: &str) -> Result<bool, String> {
        match self.byte(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("{what} at byte {}: boolean {b}", self.at - 1)),
        }
    }

    /// A flags byte into `out`: the raw byte as `flags` and each named bit as a boolean.
    fn flags(&mut self, names: &FlagNames, out: &mut Map<String, Value>) -> Result<u8, String> {
        let raw = self.byte("flags")?;
        out.insert("flags".into(), json!(raw));
        for &(name, bit) in names {
            out.insert(name.into(), json!(raw & bit != 0));
        }
        Ok(raw)
    }

    /// SPEC §10.2 `uint` of at most `bits` (32 or 64) bits: minimal, at most 5 or 10 bytes.
    fn uint(&mut self, bits: u32, what: &str) -> Result<u64, String> {
        let start = self.at;
        let max_len = bits.div_ceil(7);
        let mut value: u128 = 0;
        for i in 0..max_len {
            let b = self.byte(what)?;
            value |= u128::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return Err(format!("{what} at byte {start}: non-minimal uint"));
                }
                return u64::try_from(value)
                    .ok()
                    .filter(|v| bits == 64 || *v >> bits == 0)
                    .ok_or_else(|| format!("{what} at byte {start}: uint above 2^{bits} - 1"));
            }
        }
        Err(format!("{what} at byte {start}: uint{bits} longer than {max_len} bytes"))
    }

    /// A big-endian integer of `n` bytes (version 1).
    fn fixed(&mut self, n: usize, what: &str) -> Result<u64, String> {
        Ok(self.bytes(n, what)?.iter().fold(0, |v, &b| (v << 8) | u64::from(b)))
    }

    /// `Ns`, `PN`, `next`, a skipped `counter`: `uint32`, or `u32` in version 1.
    fn u32_field(&mut self, layout: Layout, what: &str) -> Result<u64, String> {
        match layout {
            Layout::V1 => self.fixed(4, what),
            Layout::V2 => self.uint(32, what),
        }
    }

    /// `expires_at`: `uint64`, or `u64` in version 1.
    fn u64_field(&mut self, layout: Layout, what: &str) -> Result<u64, String> {
        match layout {
            Layout::V1 => self.fixed(8, what),
            Layout::V2 => self.uint(64, what),
        }
    }
}

/// Inserts `(name, 32-byte hex)` for each name, in body order.
fn keys(r: &mut Reader<'_>, names: &[&str], out: &mut Map<String, Value>) -> Result<(), String> {
    for &name in names {
        out.insert(name.into(), r.hex(32, name)?);
    }
    Ok(())
}

/// SPEC §10.2 `ratchet` (§10.3 for version 1's integers).
fn ratchet(r: &mut Reader<'_>, layout: Layout) -> Result<Value, String> {
    let mut out = Map::new();
    keys(r, &["root", "dhs_sk"], &mut out)?;
    let sending = if r.boolean("has_send")? {
        json!({ "ck": r.hex(32, "CKs")?, "n": r.u32_field(layout, "Ns")? })
    } else {
        Value::Null
    };
    out.insert("sending".into(), sending);
    out.insert("pn".into(), json!(r.u32_field(layout, "PN")?));
    let count = r.byte("chains")?;
    let chains = (0..count).map(|_| chain(r, layout)).collect::<Result<Vec<_>, _>>()?;
    out.insert("chains".into(), Value::Array(chains));
    Ok(Value::Object(out))
}

/// SPEC §10.2 `chain`.
fn chain(r: &mut Reader<'_>, layout: Layout) -> Result<Value, String> {
    let mut out = Map::new();
    keys(r, &["ratchet_pk"], &mut out)?;
    let flags = r.flags(&CHAIN_FLAGS, &mut out)?;
    let ck = if flags & 1 != 0 { r.hex(32, "CK")? } else { Value::Null };
    out.insert("ck".into(), ck);
    out.insert("next".into(), json!(r.u32_field(layout, "next")?));
    let count = match layout {
        Layout::V1 => r.fixed(2, "count")?,
        Layout::V2 => r.uint(32, "count")?,
    };
    let mut skipped = Vec::new();
    for _ in 0..count {
        // A count above what the body holds fails on the first missing key, not on a huge Vec.
        skipped.push(json!({ "n": r.u32_field(layout, "counter")?, "mk": r.hex(32, "MK")? }));
    }
    out.insert("skipped".into(), Value::Array(skipped));
    Ok(Value::Object(out))
}

/// The ratchet key of chain `index` of a decoded ratchet.
fn chain_key(ratchet: &Value, index: u8) -> Option<&Value> {
    ratchet.get("chains")?.as_array()?.get(usize::from(index))?.get("ratchet_pk")
}

/// SPEC §10.2 `host`.
fn host(r: &mut Reader<'_>) -> Result<Value, String> {
    let mut out = Map::new();
    keys(r, &["host_identity_pk", "record_hash"], &mut out)?;
    out.insert("expires_at".into(), json!(r.uint(64, "expires_at")?));
    let flags = r.flags(&HOST_FLAGS, &mut out)?;
    let seeds = host_seeds(flags)?;
    keys(r, seeds, &mut out)?;
    let claim_chain = if flags & 0b10 != 0 {
        keys(r, &["guest_mailbox_pk"], &mut out)?;
        let index = r.byte("claim_chain")?;
        out.insert("claim_chain".into(), json!(index));
        if index == CLAIM_KEY_FOLLOWS {
            keys(r, &["claim_key"], &mut out)?;
        }
        Some(index)
    } else {
        None
    };
    if host_stores_h0(flags) {
        keys(r, &["h0_sk"], &mut out)?;
    }
    let ratchet = ratchet(r, Layout::V2)?;
    if let Some(index) = claim_chain.filter(|&i| i != CLAIM_KEY_FOLLOWS) {
        let key = chain_key(&ratchet, index).ok_or_else(|| format!("claim_chain {index} names no chain"))?;
        out.insert("claim_key".into(), key.clone());
    }
    out.insert("ratchet".into(), ratchet);
    Ok(Value::Object(out))
}

/// The seeds a version 2 host body holds after its flags (SPEC §10.2): `host_seed` with bit3,
/// `keys_seed` with bit4, the two Ed25519 seeds otherwise. Both bits leave the layout undefined.
fn host_seeds(flags: u8) -> Result<&'static [&'static str], String> {
    match (flags & 0b1000 != 0, flags & 0b1_0000 != 0) {
        (true, true) => Err(format!("host flags {flags:#04x}: host_seed and keys_seed both held")),
        (true, false) => Ok(&["host_seed"]),
        (false, true) => Ok(&["keys_seed"]),
        (false, false) => Ok(&["invite_seed", "host_mailbox_seed"]),
    }
}

/// `H0_sk` is stored when the verifier is held (bit2) but not derived from `host_seed` (bit3).
fn host_stores_h0(flags: u8) -> bool {
    flags & 0b0100 != 0 && flags & 0b1000 == 0
}

/// SPEC §10.3 version 1 `host`.
fn host_v1(r: &mut Reader<'_>) -> Result<Value, String> {
    let mut out = Map::new();
    keys(r, &["host_identity_pk", "record_hash"], &mut out)?;
    out.insert("expires_at".into(), json!(r.fixed(8, "expires_at")?));
    keys(r, &["invite_seed", "host_mailbox_seed"], &mut out)?;
    out.insert("revoked".into(), json!(r.boolean("revoked")?));
    let claimed = r.boolean("claimed")?;
    out.insert("claimed".into(), json!(claimed));
    if claimed {
        keys(r, &["claim_key", "guest_mailbox_pk"], &mut out)?;
        let has_verifier = r.boolean("has_verifier")?;
        out.insert("has_verifier".into(), json!(has_verifier));
        if has_verifier {
            keys(r, &["rk0", "h0_sk"], &mut out)?;
        }
    }
    out.insert("ratchet".into(), ratchet(r, Layout::V1)?);
    Ok(Value::Object(out))
}

/// The invite part that opens an opened-invite and a guest body.
fn invite_part(r: &mut Reader<'_>, out: &mut Map<String, Value>) -> Result<(), String> {
    keys(r, &["host_identity_pk", "invite_pk", "record_hash"], out)?;
    out.insert("revoked".into(), json!(r.boolean("revoked")?));
    Ok(())
}

/// SPEC §10.2 `opened`.
fn opened(r: &mut Reader<'_>, layout: Layout) -> Result<Value, String> {
    let mut out = Map::new();
    invite_part(r, &mut out)?;
    keys(r, &["invite_secret"], &mut out)?;
    out.insert("expires_at".into(), json!(r.u64_field(layout, "expires_at")?));
    out.insert("ratchet".into(), ratchet(r, layout)?);
    Ok(Value::Object(out))
}

/// SPEC §10.2 `guest`.
fn guest(r: &mut Reader<'_>, layout: Layout) -> Result<Value, String> {
    let mut out = Map::new();
    invite_part(r, &mut out)?;
    keys(r, &["guest_mailbox_seed", "claim_key"], &mut out)?;
    r.flags(&GUEST_FLAGS, &mut out)?;
    out.insert("ratchet".into(), ratchet(r, layout)?);
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------- encoding

/// Encodes the JSON of [`decode_body`] as a body of `version` 2 (the only one written, SPEC
/// §10.1) and `kind`. Every field the layout needs must be present and no other: a named flag
/// that contradicts its `flags` byte, a chain key that contradicts its chain's flags, or a
/// `claim_key` that is not the key of chain `claim_chain` is an error.
pub fn encode_body(version: u8, kind: u8, value: &Value) -> Result<Vec<u8>, String> {
    if version != 2 {
        return Err(format!("version {version} bodies are not written (SPEC §10.1)"));
    }
    let mut out = Vec::new();
    match kind {
        KIND_HOST_IDENTITY => {
            let mut f = Fields::of(value, "identity")?;
            f.keys(&["ed25519_seed"], &mut out)?;
            f.finish()?;
        }
        KIND_HOST_SESSION => encode_host(value, &mut out)?,
        KIND_OPENED_INVITE => {
            let mut f = Fields::of(value, "opened")?;
            f.invite_part(&mut out)?;
            f.keys(&["invite_secret"], &mut out)?;
            put_uint(&mut out, f.uint("expires_at", u64::MAX)?);
            encode_ratchet(f.take("ratchet")?, &mut out)?;
            f.finish()?;
        }
        KIND_GUEST_SESSION => {
            let mut f = Fields::of(value, "guest")?;
            f.invite_part(&mut out)?;
            f.keys(&["guest_mailbox_seed", "claim_key"], &mut out)?;
            out.push(f.flags(&GUEST_FLAGS)?);
            encode_ratchet(f.take("ratchet")?, &mut out)?;
            f.finish()?;
        }
        k => return Err(format!("snapshot kind {k} has no body layout")),
    }
    Ok(out)
}

/// SPEC §10.2 `host`.
fn encode_host(value: &Value, out: &mut Vec<u8>) -> Result<(), String> {
    let mut f = Fields::of(value, "host")?;
    f.keys(&["host_identity_pk", "record_hash"], out)?;
    put_uint(out, f.uint("expires_at", u64::MAX)?);
    let flags = f.flags(&HOST_FLAGS)?;
    out.push(flags);
    f.keys(host_seeds(flags)?, out)?;
    // The claim may name a chain by index: the ratchet is written last but read first.
    let mut ratchet = Vec::new();
    let chain_keys = encode_ratchet(f.take("ratchet")?, &mut ratchet)?;
    if flags & 0b10 != 0 {
        f.keys(&["guest_mailbox_pk"], out)?;
        let index = u8::try_from(f.uint("claim_chain", 0xff)?).map_err(|e| e.to_string())?;
        out.push(index);
        let claim_key = f.bytes::<32>("claim_key")?;
        if index == CLAIM_KEY_FOLLOWS {
            out.extend_from_slice(&claim_key);
        } else if chain_keys.get(usize::from(index)) != Some(&claim_key) {
            return Err(format!("host.claim_key is not the ratchet key of chain {index}"));
        }
    }
    if host_stores_h0(flags) {
        f.keys(&["h0_sk"], out)?;
    }
    out.extend_from_slice(&ratchet);
    f.finish()
}

/// SPEC §10.2 `uint`, minimal.
fn put_uint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let group = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(group);
            return;
        }
        out.push(group | 0x80);
    }
}

/// The fields of one JSON object, each taken once; [`Fields::finish`] refuses any left.
struct Fields<'a> {
    what: &'static str,
    left: BTreeMap<&'a str, &'a Value>,
}

impl<'a> Fields<'a> {
    fn of(value: &'a Value, what: &'static str) -> Result<Self, String> {
        let map = value.as_object().ok_or_else(|| format!("{what}: not an object"))?;
        Ok(Fields { what, left: map.iter().map(|(k, v)| (k.as_str(), v)).collect() })
    }

    fn take(&mut self, key: &str) -> Result<&'a Value, String> {
        self.left.remove(key).ok_or_else(|| format!("{}: no {key}", self.what))
    }

    fn bytes<const N: usize>(&mut self, key: &str) -> Result<[u8; N], String> {
        self.optional(key)?.ok_or_else(|| format!("{}.{key}: null", self.what))
    }

    /// `N` bytes in hex, or `None` for `null`.
    fn optional<const N: usize>(&mut self, key: &str) -> Result<Option<[u8; N]>, String> {
        let v = self.take(key)?;
        if v.is_null() {
            return Ok(None);
        }
        let b = v
            .as_str()
            .and_then(|s| hex::decode(s).ok())
            .ok_or_else(|| format!("{}.{key}: not hex", self.what))?;
        let b: [u8; N] =
            b.try_into().map_err(|b: Vec<u8>| format!("{}.{key}: {} bytes, not {N}", self.what, b.len()))?;
        Ok(Some(b))
    }

    /// 32-byte fields, appended in order.
    fn keys(&mut self, names: &[&str], out: &mut Vec<u8>) -> Result<(), String> {
        for name in names {
            out.extend_from_slice(&self.bytes::<32>(name)?);
        }
        Ok(())
    }

    fn uint(&mut self, key: &str, max: u64) -> Result<u64, String> {
        let v = self.take(key)?;
        v.as_u64()
            .filter(|&n| n <= max)
            .ok_or_else(|| format!("{}.{key}: not an integer up to {max}", self.what))
    }

    fn boolean(&mut self, key: &str) -> Result<bool, String> {
        self.take(key)?.as_bool().ok_or_else(|| format!("{}.{key}: not a boolean", self.what))
    }

    /// The raw `flags` byte, once every named bit agrees with it.
    fn flags(&mut self, names: &FlagNames) -> Result<u8, String> {
        let raw = u8::try_from(self.uint("flags", 0xff)?).map_err(|e| e.to_string())?;
        for &(name, bit) in names {
            if self.boolean(name)? != (raw & bit != 0) {
                return Err(format!("{}.{name} contradicts flags {raw:#04x}", self.what));
            }
        }
        Ok(raw)
    }

    fn invite_part(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        self.keys(&["host_identity_pk", "invite_pk", "record_hash"], out)?;
        out.push(u8::from(self.boolean("revoked")?));
        Ok(())
    }

    fn finish(self) -> Result<(), String> {
        match self.left.keys().next() {
            Some(k) => Err(format!("{}: unknown field {k}", self.what)),
            None => Ok(()),
        }
    }
}

/// SPEC §10.2 `ratchet`; returns the chains' ratchet keys.
fn encode_ratchet(value: &Value, out: &mut Vec<u8>) -> Result<Vec<[u8; 32]>, String> {
    let mut f = Fields::of(value, "ratchet")?;
    f.keys(&["root", "dhs_sk"], out)?;
    match f.take("sending")? {
        Value::Null => out.push(0),
        sending => {
            let mut s = Fields::of(sending, "sending")?;
            out.push(1);
            s.keys(&["ck"], out)?;
            put_uint(out, s.uint("n", u32::MAX.into())?);
            s.finish()?;
        }
    }
    put_uint(out, f.uint("pn", u32::MAX.into())?);
    let chains = f.take("chains")?.as_array().ok_or("ratchet.chains: not an array")?;
    out.push(u8::try_from(chains.len()).map_err(|_| format!("{} chains do not fit a u8", chains.len()))?);
    let mut keys = Vec::with_capacity(chains.len());
    for chain in chains {
        let mut c = Fields::of(chain, "chain")?;
        let pk = c.bytes::<32>("ratchet_pk")?;
        out.extend_from_slice(&pk);
        keys.push(pk);
        let flags = c.flags(&CHAIN_FLAGS)?;
        out.push(flags);
        match (flags & 1 != 0, c.optional::<32>("ck")?) {
            (true, Some(ck)) => out.extend_from_slice(&ck),
            (false, None) => {}
            (open, _) => {
                return Err(format!(
                    "chain.ck: open is {open}, ck must be {}",
                    if open { "hex" } else { "null" }
                ));
            }
        }
        put_uint(out, c.uint("next", u32::MAX.into())?);
        let skipped = c.take("skipped")?.as_array().ok_or("chain.skipped: not an array")?;
        let count = u32::try_from(skipped.len()).map_err(|_| "chain.skipped: more than 2^32 - 1 keys")?;
        put_uint(out, count.into());
        for key in skipped {
            let mut k = Fields::of(key, "skipped key")?;
            put_uint(out, k.uint("n", u32::MAX.into())?);
            k.keys(&["mk"], out)?;
            k.finish()?;
        }
        c.finish()?;
    }
    f.finish()?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bits: u32, b: &[u8]) -> Result<u64, String> {
        let mut r = Reader { rest: b, at: 0 };
        let v = r.uint(bits, "x")?;
        if r.rest.is_empty() { Ok(v) } else { Err("left over".into()) }
    }

    #[test]
    fn uint_reads_minimal_in_range_values_only() {
        let ok: [(u32, &[u8], u64); 7] = [
            (32, &[0], 0),
            (32, &[0x7f], 127),
            (32, &[0x80, 0x01], 128),
            (32, &[0xe5, 0x8e, 0x26], 624_485),
            (32, &[0xff, 0xff, 0xff, 0xff, 0x0f], u32::MAX.into()),
            (64, &[0x80, 0x80, 0x80, 0x80, 0x10], 1 << 32),
            (64, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], u64::MAX),
        ];
        for (bits, b, want) in ok {
            assert_eq!(read(bits, b), Ok(want), "{b:02x?}");
            let mut out = Vec::new();
            put_uint(&mut out, want);
            assert_eq!(out, b, "{want} is written minimal");
        }
        let bad: [(u32, &[u8]); 7] = [
            (32, &[]),                                                           // nothing
            (32, &[0x80]),                                                       // truncated
            (32, &[0x80, 0x00]),                                                 // non-minimal zero
            (32, &[0xff, 0x00]),                                                 // non-minimal
            (32, &[0x80, 0x80, 0x80, 0x80, 0x10]),                               // 2^32
            (32, &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),                         // six bytes
            (64, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]), // 2^64 and more
        ];
        for (bits, b) in bad {
            assert!(read(bits, b).is_err(), "{b:02x?} as uint{bits}");
        }
    }
}
