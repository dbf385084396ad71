//! The safety code (SPEC §8): what host and guest compare out of band.

use alloc::string::String;
use core::fmt;

use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

use crate::framing::{PROTOCOL_VERSION, SUITE};
use crate::keys::{IdentityPublicKey, MailboxId};
use crate::labels;

/// Number of five-digit groups in the long form (8 groups: 40 digits, about 132 bits).
pub const LONG_GROUPS: usize = 8;

/// A safety code. Equal on both sides unless someone substituted a key. Comparison is in
/// constant time.
#[derive(Clone)]
pub struct SafetyCode {
    digest: [u8; 64],
}

impl SafetyCode {
    pub(crate) fn compute(
        mailbox: &MailboxId,
        host_identity: &IdentityPublicKey,
        record_hash: &[u8; 32],
        claim_key: &[u8; 32],
        guest_mailbox: &[u8; 32],
    ) -> Self {
        let mut h = Sha512::new();
        h.update(labels::SAFETY_CODE);
        h.update([PROTOCOL_VERSION, SUITE]);
        h.update(mailbox.as_bytes());
        h.update(host_identity.as_bytes());
        h.update(record_hash);
        h.update(claim_key);
        h.update(guest_mailbox);
        SafetyCode { digest: h.finalize().into() }
    }

    fn group(&self, offset: usize, modulus: u64) -> u64 {
        let mut v = 0u64;
        for b in self.digest.iter().skip(offset).take(5) {
            v = (v << 8) | u64::from(*b);
        }
        v % modulus
    }

    /// The long form: 40 digits in eight groups of five (`"01234 56789 ..."`), about 132 bits.
    /// Each group is bytes `5i..5i+5` of the digest, big-endian, modulo 100000.
    pub fn long_form(&self) -> String {
        let mut out = String::with_capacity(LONG_GROUPS * 6);
        for i in 0..LONG_GROUPS {
            if i > 0 {
                out.push(' ');
            }
            let _ = fmt::write(&mut out, format_args!("{:05}", self.group(i * 5, 100_000)));
        }
        out
    }

    /// The short form: six digits (`"123 456"`), bytes 40..45 modulo 10^6. Safe only because the
    /// host confirms the claim (SPEC §8): an attacker must win the claim race and match six
    /// digits at once.
    pub fn short_form(&self) -> String {
        let v = self.group(40, 1_000_000);
        let mut out = String::with_capacity(7);
        let _ = fmt::write(&mut out, format_args!("{:03} {:03}", v / 1000, v % 1000));
        out
    }

    /// 32 bytes for a QR code: the first half of the digest.
    pub fn qr_payload(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.digest.get(..32).unwrap_or(&[0u8; 32]));
        out
    }

    /// Compares with a long form a person typed or scanned; spaces are ignored. Constant time in
    /// the digits.
    pub fn matches_long_form(&self, typed: &str) -> bool {
        let ours = self.long_form();
        let mine: alloc::vec::Vec<u8> = ours.bytes().filter(u8::is_ascii_digit).collect();
        let theirs: alloc::vec::Vec<u8> = typed.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        mine.len() == theirs.len() && bool::from(mine.ct_eq(&theirs))
    }
}

impl PartialEq for SafetyCode {
    fn eq(&self, other: &Self) -> bool {
        self.digest.ct_eq(&other.digest).into()
    }
}

impl Eq for SafetyCode {}

impl fmt::Debug for SafetyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The code is public (it is shown to people); print the long form.
        write!(f, "SafetyCode({})", self.long_form())
    }
}
