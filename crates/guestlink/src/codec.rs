//! Bounds-checked byte reading and writing; every parser of the crate goes through [`Reader`].

use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A cursor over input bytes. Every read checks the remaining length first.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    err: Error,
}

impl<'a> Reader<'a> {
    /// A reader that reports `err` on truncation or trailing bytes.
    pub(crate) fn new(bytes: &'a [u8], err: Error) -> Self {
        Reader { rest: bytes, err }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or(self.err)?;
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| self.err)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array::<1>()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array::<2>()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array::<4>()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array::<8>()?))
    }

    /// A minimal unsigned LEB128 integer of at most `max` (SPEC §10.2): a redundant final zero
    /// group, more than ten bytes or a value above `max` is malformed.
    pub(crate) fn uint(&mut self, max: u64) -> Result<u64> {
        let mut value: u64 = 0;
        for i in 0..10u32 {
            let byte = self.u8()?;
            let group = u64::from(byte & 0x7f);
            let shift = 7 * i;
            // The tenth byte carries bit 63 only.
            if i == 9 && group > 1 {
                return Err(self.err);
            }
            value |= group << shift;
            if byte & 0x80 == 0 {
                if i > 0 && group == 0 {
                    return Err(self.err); // not minimal
                }
                return if value <= max { Ok(value) } else { Err(self.err) };
            }
        }
        Err(self.err)
    }

    /// A [`uint`](Self::uint) that fits a `u32`.
    pub(crate) fn uint32(&mut self) -> Result<u32> {
        u32::try_from(self.uint(u64::from(u32::MAX))?).map_err(|_| self.err)
    }

    /// A boolean encoded as 0 or 1; anything else is malformed.
    pub(crate) fn flag(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.err),
        }
    }

    /// The remaining bytes, consuming them.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(self) -> Result<()> {
        if self.rest.is_empty() { Ok(()) } else { Err(self.err) }
    }
}

/// Appends big-endian fields to a byte vector.
pub(crate) trait Put {
    fn put(&mut self, bytes: &[u8]);
    fn put_u8(&mut self, v: u8) {
        self.put(&[v]);
    }
    fn put_u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.put(&v.to_be_bytes());
    }
    /// Minimal unsigned LEB128 (SPEC §10.2).
    fn put_uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.put_u8((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.put_u8(v as u8);
    }
}

impl Put for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A growable buffer for secret bytes (snapshot bodies). A `Vec` that outgrows its capacity
/// frees its old allocation as it is, secrets included; this buffer grows by copying into a
/// larger allocation itself and zeroizing the old one, so the `Vec` inside never reallocates.
pub(crate) struct SecretBuf(Zeroizing<Vec<u8>>);

impl SecretBuf {
    /// The least capacity after a growth (larger than a `Vec`'s own minimum, which lets a test
    /// tell the two growths apart).
    const MIN_GROWTH: usize = 256;

    pub(crate) fn with_capacity(capacity: usize) -> Self {
        SecretBuf(Zeroizing::new(Vec::with_capacity(capacity)))
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// The bytes, zeroized when dropped.
    pub(crate) fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl Put for SecretBuf {
    fn put(&mut self, bytes: &[u8]) {
        let need = self.0.len().saturating_add(bytes.len());
        if need > self.0.capacity() {
            let capacity = need.max(self.0.capacity().saturating_mul(2)).max(Self::MIN_GROWTH);
            let mut grown = Vec::with_capacity(capacity);
            grown.extend_from_slice(&self.0);
            // The old allocation drops here, zeroized over its whole capacity.
            self.0 = Zeroizing::new(grown);
        }
        self.0.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn secret_buf_grows_only_by_its_own_copy() {
        // The inner Vec must never reallocate by itself (that would free secret bytes
        // unzeroized): its capacity only ever takes the values of SecretBuf's own growth.
        let mut buf = SecretBuf::with_capacity(4);
        let mut want = Vec::new();
        let mut capacity = 4;
        for i in 0..250u8 {
            let piece = [i; 3];
            let need = want.len() + piece.len();
            if need > capacity {
                capacity = need.max(capacity * 2).max(SecretBuf::MIN_GROWTH);
            }
            buf.put(&piece);
            want.extend_from_slice(&piece);
            assert_eq!(buf.0.capacity(), capacity, "after {} bytes", want.len());
        }
        assert_eq!(buf.as_slice(), want.as_slice());
        assert_eq!(buf.into_inner().as_slice(), want.as_slice());
    }

    fn read(bytes: &[u8], max: u64) -> Result<u64> {
        let mut r = Reader::new(bytes, Error::SnapshotMalformed);
        let v = r.uint(max)?;
        r.finish().map(|()| v)
    }

    #[test]
    fn uint_round_trips_at_every_boundary() {
        let mut values = vec![0u64, 1, u64::MAX, u64::MAX - 1, u64::from(u32::MAX)];
        for k in 1..64 {
            values.extend([(1u64 << k) - 1, 1u64 << k, (1u64 << k) + 1]);
        }
        for v in values {
            let mut out = Vec::new();
            out.put_uint(v);
            let groups = (64 - v.leading_zeros()).div_ceil(7).max(1) as usize;
            assert_eq!(out.len(), groups, "{v}");
            assert_eq!(read(&out, u64::MAX), Ok(v));
        }
    }

    #[test]
    fn uint_refuses_non_minimal_overlong_and_out_of_range() {
        assert_eq!(read(&[0x80, 0x00], u64::MAX), Err(Error::SnapshotMalformed)); // 0 in two bytes
        assert_eq!(read(&[0x81, 0x00], u64::MAX), Err(Error::SnapshotMalformed)); // 1 with a zero group
        assert_eq!(read(&[0x80], u64::MAX), Err(Error::SnapshotMalformed)); // truncated
        let mut eleven = vec![0xff; 10];
        eleven.push(0x01);
        assert_eq!(read(&eleven, u64::MAX), Err(Error::SnapshotMalformed));
        let mut bit64 = vec![0xff; 9];
        bit64.push(0x02); // 2^64 and above
        assert_eq!(read(&bit64, u64::MAX), Err(Error::SnapshotMalformed));
        let mut out = Vec::new();
        out.put_uint(u64::from(u32::MAX) + 1);
        let mut r = Reader::new(&out, Error::SnapshotMalformed);
        assert_eq!(r.uint32(), Err(Error::SnapshotMalformed));
        assert_eq!(read(&[0x7f], 0x7e), Err(Error::SnapshotMalformed));
        assert_eq!(read(&[0x7f], 0x7f), Ok(0x7f));
    }
}
