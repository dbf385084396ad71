//! Key types: public keys validated on construction, secrets that zeroize on drop and redact Debug.

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey as XPublic, StaticSecret};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};

/// Writes bytes as lowercase hex (public values only).
pub(crate) fn fmt_hex(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

macro_rules! public_bytes {
    ($name:ident, $len:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub(crate) [u8; $len]);

        impl $name {
            /// The raw bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
            /// The raw bytes, by value.
            pub const fn to_bytes(self) -> [u8; $len] {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "("))?;
                fmt_hex(&self.0, f)?;
                f.write_str(")")
            }
        }
    };
}

public_bytes!(
    MailboxId,
    16,
    "The 16-byte id a relay routes a guest chat by. It reveals nothing of the invite secret."
);
public_bytes!(
    IdentityPublicKey,
    32,
    "A host's Ed25519 identity public key: what a guest trusts. Always a valid, canonical, \
     non-small-order point."
);
public_bytes!(
    MailboxPublicKey,
    32,
    "An Ed25519 public key with which a party authenticates to the relay (SPEC §9)."
);

impl MailboxId {
    /// Wraps 16 bytes (any value is a possible id).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        MailboxId(bytes)
    }
}

impl IdentityPublicKey {
    /// Validates an Ed25519 public key: canonical encoding, on the curve, not of small order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        ed25519_public(bytes).map(|_| IdentityPublicKey(*bytes))
    }

    /// A short fingerprint to show to people: the first 10 bytes of SHA-256 of the key, hex in
    /// groups of four (`1a2b 3c4d ...`). For display only; compare safety codes to verify.
    pub fn fingerprint(&self) -> alloc::string::String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.0);
        let mut out = alloc::string::String::with_capacity(24);
        for (i, b) in digest.iter().take(10).enumerate() {
            if i > 0 && i % 2 == 0 {
                out.push(' ');
            }
            let _ = core::fmt::write(&mut out, format_args!("{b:02x}"));
        }
        out
    }
}

impl MailboxPublicKey {
    /// Validates an Ed25519 public key as [`IdentityPublicKey::from_bytes`] does.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        ed25519_public(bytes).map(|_| MailboxPublicKey(*bytes))
    }
}

/// Parses an Ed25519 public key strictly: it must decompress, be the canonical encoding of its
/// point and not be of small order (SPEC §3.2).
pub(crate) fn ed25519_public(bytes: &[u8; 32]) -> Result<VerifyingKey> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| Error::InvalidKey)?;
    if key.is_weak() || !ed25519_y_canonical(bytes) {
        return Err(Error::InvalidKey);
    }
    Ok(key)
}

/// For a point that decompressed and is not of small order, "the encoding is canonical" (it
/// equals the re-compressed point) is exactly "y < p": the sign bit can only disagree with the
/// re-compressed one when x = 0, that is y = 1 or y = -1, both of small order. Comparing bytes
/// spares re-compressing the point (a field inversion) for each key checked.
fn ed25519_y_canonical(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    x25519_canonical(&y)
}

/// Verifies `signature` by `key` over `context || parts...` with strict Ed25519 (SPEC §3.2).
pub(crate) fn verify_signature(
    key: &VerifyingKey,
    context: &[u8],
    parts: &[&[u8]],
    signature: &[u8; 64],
) -> Result<()> {
    let message = signed_message(context, parts);
    let signature = Signature::from_bytes(signature);
    key.verify_strict(&message, &signature).map_err(|_| Error::BadSignature)
}

/// Signs `context || parts...` (Ed25519 is deterministic: no randomness needed).
pub(crate) fn sign(key: &SigningKey, context: &[u8], parts: &[&[u8]]) -> [u8; 64] {
    key.sign(&signed_message(context, parts)).to_bytes()
}

fn signed_message(context: &[u8], parts: &[&[u8]]) -> alloc::vec::Vec<u8> {
    let len = context.len() + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut message = alloc::vec::Vec::with_capacity(len);
    message.extend_from_slice(context);
    for part in parts {
        message.extend_from_slice(part);
    }
    message
}

/// A fresh Ed25519 key from 32 bytes of the caller's CSPRNG (the seed, RFC 8032 §5.1.5).
pub(crate) fn generate_signing_key<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> SigningKey {
    SigningKey::from_bytes(&Key32::random(rng))
}

/// True when `bytes` is the canonical encoding of a field element u < 2^255 - 19 with the top
/// bit clear (SPEC §3.1).
pub(crate) fn x25519_canonical(bytes: &[u8; 32]) -> bool {
    // Little-endian p = ed ff .. ff 7f. Compare from the most significant byte down.
    const P: [u8; 32] = {
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        p
    };
    for i in (0..32).rev() {
        let (b, q) = (bytes.get(i).copied(), P.get(i).copied());
        match b.cmp(&q) {
            core::cmp::Ordering::Less => return true,
            core::cmp::Ordering::Greater => return false,
            core::cmp::Ordering::Equal => {}
        }
    }
    false
}

/// A peer's X25519 public key, checked canonical (SPEC §3.1). Small order is caught by the
/// all-zero check of every Diffie-Hellman result.
pub(crate) fn x25519_public(bytes: &[u8; 32]) -> Result<XPublic> {
    if x25519_canonical(bytes) { Ok(XPublic::from(*bytes)) } else { Err(Error::InvalidKey) }
}

/// X25519 with the non-contributory (all-zero) result refused (SPEC §3.1).
pub(crate) fn dh(secret: &StaticSecret, public: &[u8; 32]) -> Result<Key32> {
    let public = x25519_public(public)?;
    let shared = secret.diffie_hellman(&public);
    if !shared.was_contributory() {
        return Err(Error::WeakSharedSecret);
    }
    Ok(Secret(shared.to_bytes()))
}

/// An X25519 key pair whose public half is computed once and cached.
#[derive(Clone)]
pub(crate) struct RatchetKeyPair {
    pub(crate) secret: StaticSecret,
    /// Derived at creation, or (for a key read from a snapshot) at the first send that needs
    /// it: loading a snapshot then costs no base-point multiplication.
    public: Option<[u8; 32]>,
}

impl RatchetKeyPair {
    pub(crate) fn from_secret(secret: StaticSecret) -> Self {
        let public = Some(XPublic::from(&secret).to_bytes());
        RatchetKeyPair { secret, public }
    }

    /// A key pair whose public key is derived when first asked for.
    pub(crate) fn from_secret_deferred(secret: StaticSecret) -> Self {
        RatchetKeyPair { secret, public: None }
    }

    pub(crate) fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::from_secret(StaticSecret::random_from_rng(rng))
    }

    /// The public key, derived once and kept.
    pub(crate) fn public(&mut self) -> [u8; 32] {
        let secret = &self.secret;
        *self.public.get_or_insert_with(|| XPublic::from(secret).to_bytes())
    }

    /// The public key, derived now if it was not yet (nothing is kept).
    pub(crate) fn public_now(&self) -> [u8; 32] {
        self.public.unwrap_or_else(|| XPublic::from(&self.secret).to_bytes())
    }
}

impl fmt::Debug for RatchetKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RatchetKeyPair(public=")?;
        fmt_hex(&self.public_now(), f)?;
        f.write_str(", secret=<redacted>)")
    }
}

/// An Ed25519 signing key kept as its seed (RFC 8032 §5.1.5) and expanded when first used for
/// a signature through `&mut self`: loading a snapshot then costs no SHA-512 and no scalar
/// multiplication. Calls through `&self` expand a temporary that is wiped on drop. The seed is
/// zeroized on drop and never printed.
#[derive(Clone)]
pub(crate) struct SeedSigningKey {
    seed: Key32,
    expanded: Option<SigningKey>,
}

impl SeedSigningKey {
    /// From a key already expanded (fresh keys are expanded anyway, for their public key).
    pub(crate) fn from_key(key: SigningKey) -> Self {
        SeedSigningKey { seed: Secret(key.to_bytes()), expanded: Some(key) }
    }

    /// From a seed read from a snapshot; expanded on first use.
    pub(crate) fn from_seed(seed: Key32) -> Self {
        SeedSigningKey { seed, expanded: None }
    }

    /// The seed, for snapshots.
    pub(crate) fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// The expanded key, expanded once and kept.
    pub(crate) fn key(&mut self) -> &SigningKey {
        let seed = &self.seed;
        self.expanded.get_or_insert_with(|| SigningKey::from_bytes(seed))
    }

    /// Runs `f` with the expanded key, expanding a temporary when it is not kept yet.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&SigningKey) -> T) -> T {
        match &self.expanded {
            Some(key) => f(key),
            None => f(&SigningKey::from_bytes(&self.seed)),
        }
    }

    /// The public key.
    pub(crate) fn public_key(&self) -> [u8; 32] {
        self.with(|k| k.verifying_key().to_bytes())
    }
}

impl fmt::Debug for SeedSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeedSigningKey(<redacted>)")
    }
}

/// A fixed-size secret (a root, chain or message key, a seed, a shared secret): zeroized on
/// drop as one bulk fill, redacted in Debug, compared in constant time.
///
/// Used instead of `Secret<N>`, whose array impl makes `N` single-byte volatile writes
/// at every drop site: several keys die per message, and in the `.wasm` each inlined drop is
/// code.
#[derive(Clone)]
pub(crate) struct Secret<const N: usize>(pub(crate) [u8; N]);

/// A 32-byte secret.
pub(crate) type Key32 = Secret<32>;

impl<const N: usize> Secret<N> {
    /// All zero, to be filled in place.
    pub(crate) const fn zeroed() -> Self {
        Secret([0u8; N])
    }

    /// Filled from the caller's CSPRNG.
    pub(crate) fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut s = Self::zeroed();
        rng.fill_bytes(&mut s.0);
        s
    }
}

impl<const N: usize> core::ops::Deref for Secret<N> {
    type Target = [u8; N];
    fn deref(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> core::ops::DerefMut for Secret<N> {
    fn deref_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> Zeroize for Secret<N> {
    fn zeroize(&mut self) {
        // As a slice: one bulk fill behind an optimisation barrier.
        self.0.as_mut_slice().zeroize();
    }
}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<const N: usize> ZeroizeOnDrop for Secret<N> {}

impl<const N: usize> fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<const N: usize> PartialEq for Secret<N> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

/// The caller's 32-byte key that encrypts and authenticates snapshots (SPEC §10).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SnapshotKey([u8; 32]);

impl SnapshotKey {
    /// Wraps 32 secret bytes (for example from a platform keystore).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        SnapshotKey(bytes)
    }

    /// A fresh random key.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Key32::zeroed();
        rng.fill_bytes(bytes.as_mut_slice());
        SnapshotKey(*bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SnapshotKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SnapshotKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_keys_equal_eager_ones() {
        // A key read from a snapshot expands later; it must be the same key.
        let eager = SigningKey::from_bytes(&[7; 32]);
        let mut lazy = SeedSigningKey::from_seed(Secret([7; 32]));
        assert!(lazy.expanded.is_none());
        assert_eq!(lazy.public_key(), eager.verifying_key().to_bytes());
        assert_eq!(lazy.with(|k| k.sign(b"m")), eager.sign(b"m"));
        assert!(lazy.expanded.is_none(), "a &self call keeps nothing");
        assert_eq!(lazy.key().sign(b"m"), eager.sign(b"m"));
        assert!(lazy.expanded.is_some(), "a &mut call keeps the expansion");
        assert_eq!(lazy.seed(), &[7; 32]);
        assert_eq!(SeedSigningKey::from_key(eager.clone()).seed(), &eager.to_bytes());
        assert_eq!(alloc::format!("{lazy:?}"), "SeedSigningKey(<redacted>)");

        let secret = StaticSecret::from([9; 32]);
        let want = XPublic::from(&secret).to_bytes();
        let mut pair = RatchetKeyPair::from_secret_deferred(secret.clone());
        assert_eq!(pair.public_now(), want);
        assert!(pair.public.is_none());
        assert_eq!(pair.public(), want);
        assert_eq!(pair.public, Some(want));
        assert_eq!(RatchetKeyPair::from_secret(secret).public, Some(want));
    }

    #[test]
    fn canonical_x25519_bounds() {
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!x25519_canonical(&p), "p itself is not canonical");
        let mut below = p;
        below[0] = 0xec;
        assert!(x25519_canonical(&below), "p - 1 is canonical");
        assert!(x25519_canonical(&[0u8; 32]));
        let mut high = [0u8; 32];
        high[31] = 0x80;
        assert!(!x25519_canonical(&high), "top bit set is refused");
    }

    #[test]
    fn small_order_x25519_gives_weak_secret() {
        let secret = StaticSecret::from([7u8; 32]);
        // u = 0 and u = 1 are of small order.
        assert_eq!(dh(&secret, &[0u8; 32]).err(), Some(Error::WeakSharedSecret));
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(dh(&secret, &one).err(), Some(Error::WeakSharedSecret));
    }

    #[test]
    fn weak_and_noncanonical_ed25519_refused() {
        // The identity point (y = 1) is of small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(IdentityPublicKey::from_bytes(&identity), Err(Error::InvalidKey));
        // y = p + 1 encodes the identity non-canonically.
        let mut noncanonical = [0xffu8; 32];
        noncanonical[0] = 0xee;
        noncanonical[31] = 0x7f;
        assert_eq!(IdentityPublicKey::from_bytes(&noncanonical), Err(Error::InvalidKey));
        let good = SigningKey::from_bytes(&[3u8; 32]).verifying_key().to_bytes();
        assert!(IdentityPublicKey::from_bytes(&good).is_ok());
    }

    #[test]
    fn y_canonical_matches_recompression() {
        // Every y near p and near 0, with both sign bits, plus real keys: the byte check and
        // the re-compression check agree on every key that decompresses and is not weak.
        let mut cases = alloc::vec::Vec::new();
        for low in 0u8..=40 {
            for sign in [0u8, 0x80] {
                let mut near_p = [0xffu8; 32];
                near_p[0] = 0xedu8.wrapping_add(low).wrapping_sub(20);
                near_p[31] = 0x7f | sign;
                cases.push(near_p);
                let mut near_zero = [0u8; 32];
                near_zero[0] = low;
                near_zero[31] = sign;
                cases.push(near_zero);
            }
        }
        for seed in 0u8..16 {
            let mut k = SigningKey::from_bytes(&[seed; 32]).verifying_key().to_bytes();
            cases.push(k);
            k[31] ^= 0x80;
            cases.push(k);
        }
        let mut checked = 0;
        for bytes in cases {
            let Ok(key) = VerifyingKey::from_bytes(&bytes) else { continue };
            if key.is_weak() {
                continue;
            }
            let recompressed = key.to_edwards().compress().to_bytes() == bytes;
            assert_eq!(ed25519_y_canonical(&bytes), recompressed, "{bytes:02x?}");
            checked += 1;
        }
        assert!(checked > 20, "only {checked} keys decompressed");
    }

    #[test]
    fn secret_zeroize_clears_every_byte() {
        let mut k = Secret([0xcd; 32]);
        k.zeroize();
        assert_eq!(k.0, [0u8; 32]);
        let mut odd = Secret([0xcd; 77]);
        odd.zeroize();
        assert_eq!(odd.0, [0u8; 77]);
    }

    #[test]
    fn secret_equality_compares_every_byte() {
        let a = Secret([5u8; 64]);
        assert!(a == Secret([5u8; 64]));
        for i in [0, 31, 63] {
            let mut b = Secret([5u8; 64]);
            *b.get_mut(i).unwrap() ^= 1;
            assert!(a != b, "a difference at byte {i} went unseen");
        }
    }

    #[test]
    fn secret_debug_is_redacted() {
        extern crate std;
        let key = SnapshotKey::from_bytes([0xab; 32]);
        let shown = std::format!("{key:?}");
        assert!(!shown.contains("ab"), "{shown}");
        let k = Secret([0xcd; 32]);
        assert!(!std::format!("{k:?}").contains("cd"));
    }
}
