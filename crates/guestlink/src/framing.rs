//! Envelopes (SPEC §6): the common header, message headers, padding and content types.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::codec::{Put, Reader};
use crate::crypto::{NONCE_LEN, SALT_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::keys::MailboxId;
use crate::limits::{MAX_BODY_LEN, MIN_PADDED_LEN};

/// Protocol version: the version byte of every record, the version the safety code commits to,
/// and the version of message envelopes before [`MESSAGE_VERSION`] (still read, SPEC §17).
pub const PROTOCOL_VERSION: u8 = 0x01;
/// Version byte of the message envelopes this library writes (SPEC §6.1, §6.2, §7.3).
pub const MESSAGE_VERSION: u8 = 0x02;
/// Cipher suite 1: X25519, Ed25519, HKDF-SHA256, HMAC-SHA256, AES-256-GCM.
pub const SUITE: u8 = 0x01;
/// Length of the common envelope header: version, type, mailbox id.
pub const COMMON_HEADER_LEN: usize = 18;
/// Length of a message header as written (version 2): ratchet key, previous chain length,
/// counter, nonce.
pub const MESSAGE_HEADER_LEN: usize = 32 + 4 + 4 + NONCE_LEN;
/// Length of a version 1 message header, whose 16-byte salt stood where the nonce is now.
pub const MESSAGE_HEADER_LEN_V1: usize = 32 + 4 + 4 + SALT_LEN;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Largest padded plaintext: the padding of the largest body.
pub const MAX_PADDED_LEN: usize = padded_len(MAX_BODY_LEN + 2);
/// Largest envelope of any type and version, in bytes.
pub const MAX_ENVELOPE_LEN: usize =
    COMMON_HEADER_LEN + 32 + MESSAGE_HEADER_LEN_V1 + MAX_PADDED_LEN + TAG_LEN + SIGNATURE_LEN;

/// The type byte of an envelope (SPEC §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvelopeKind {
    /// The host-signed invite record.
    InviteRecord,
    /// The host-signed record that an invite was claimed, and by which claim key.
    ClaimedRecord,
    /// The host-signed revocation of an invite.
    RevocationRecord,
    /// A host message sent before the claim, signed.
    PreClaim,
    /// A guest message sent before the host confirmed the claim.
    Claim,
    /// A message after the claim, in either direction.
    Message,
}

impl EnvelopeKind {
    /// The type byte.
    pub const fn to_byte(self) -> u8 {
        match self {
            EnvelopeKind::InviteRecord => 0x01,
            EnvelopeKind::ClaimedRecord => 0x02,
            EnvelopeKind::RevocationRecord => 0x03,
            EnvelopeKind::PreClaim => 0x10,
            EnvelopeKind::Claim => 0x11,
            EnvelopeKind::Message => 0x12,
        }
    }

    /// Whether this type is a record (types 0x01 to 0x03), which exist in version 1 only.
    pub const fn is_record(self) -> bool {
        matches!(
            self,
            EnvelopeKind::InviteRecord | EnvelopeKind::ClaimedRecord | EnvelopeKind::RevocationRecord
        )
    }

    /// The version byte this library writes for this type.
    pub const fn written_version(self) -> u8 {
        if self.is_record() { PROTOCOL_VERSION } else { MESSAGE_VERSION }
    }

    /// The kind of a type byte.
    pub const fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0x01 => EnvelopeKind::InviteRecord,
            0x02 => EnvelopeKind::ClaimedRecord,
            0x03 => EnvelopeKind::RevocationRecord,
            0x10 => EnvelopeKind::PreClaim,
            0x11 => EnvelopeKind::Claim,
            0x12 => EnvelopeKind::Message,
            _ => return None,
        })
    }
}

/// What a relay may learn of an envelope without any key: its version, kind and mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvelopeInfo {
    /// The version byte: [`PROTOCOL_VERSION`] for records, [`MESSAGE_VERSION`] or
    /// [`PROTOCOL_VERSION`] for messages.
    pub version: u8,
    /// The envelope type.
    pub kind: EnvelopeKind,
    /// The mailbox it belongs to.
    pub mailbox_id: MailboxId,
}

/// Reads the common header of any envelope or record (SPEC §6.1), checking the overall size.
pub fn peek(envelope: &[u8]) -> Result<EnvelopeInfo> {
    if envelope.len() > MAX_ENVELOPE_LEN {
        return Err(Error::EnvelopeTooLarge);
    }
    let mut r = Reader::new(envelope, Error::EnvelopeMalformed);
    read_common(&mut r)
}

/// Reads the common header: version 1 or 2, then the type, then whether that type exists in that
/// version (records: version 1 only), in the order SPEC §6.1 gives the errors.
pub(crate) fn read_common(r: &mut Reader<'_>) -> Result<EnvelopeInfo> {
    let version = r.u8()?;
    if version != PROTOCOL_VERSION && version != MESSAGE_VERSION {
        return Err(Error::VersionUnsupported);
    }
    let kind = EnvelopeKind::from_byte(r.u8()?).ok_or(Error::UnexpectedMessageType)?;
    if kind.is_record() && version != PROTOCOL_VERSION {
        return Err(Error::VersionUnsupported);
    }
    let mailbox_id = MailboxId(r.array::<16>()?);
    Ok(EnvelopeInfo { version, kind, mailbox_id })
}

pub(crate) fn write_common(out: &mut Vec<u8>, kind: EnvelopeKind, mailbox: &MailboxId) {
    out.put_u8(kind.written_version());
    out.put_u8(kind.to_byte());
    out.put(mailbox.as_bytes());
}

/// How a message's AEAD key and nonce follow from its message key (SPEC §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keying {
    /// Version 2: the message key itself, with this random nonce.
    Nonce([u8; NONCE_LEN]),
    /// Version 1 (read only): a key derived from the message key and this salt.
    Salt([u8; SALT_LEN]),
}

/// A Double Ratchet message header (SPEC §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) ratchet: [u8; 32],
    pub(crate) pn: u32,
    pub(crate) n: u32,
    pub(crate) keying: Keying,
}

impl Header {
    fn write(&self, out: &mut Vec<u8>) {
        out.put(&self.ratchet);
        out.put_u32(self.pn);
        out.put_u32(self.n);
        match &self.keying {
            Keying::Nonce(nonce) => out.put(nonce),
            Keying::Salt(salt) => out.put(salt),
        }
    }
}

/// A parsed message envelope (types 0x10, 0x11, 0x12) whose lengths have all been checked.
pub(crate) struct ParsedMessage<'a> {
    pub(crate) kind: EnvelopeKind,
    pub(crate) mailbox_id: MailboxId,
    /// The guest mailbox key, in claim envelopes only.
    pub(crate) guest_mailbox: Option<[u8; 32]>,
    pub(crate) header: Header,
    /// Every byte before the ciphertext: bound into the associated data.
    pub(crate) prefix: &'a [u8],
    /// Ciphertext and tag.
    pub(crate) sealed: &'a [u8],
    /// Pre-claim envelopes: the signature, and the bytes it covers.
    pub(crate) signature: Option<([u8; 64], &'a [u8])>,
}

/// Parses a message envelope strictly: size, version, type, exact lengths (SPEC §6.3).
pub(crate) fn parse_message(envelope: &[u8]) -> Result<ParsedMessage<'_>> {
    let info = peek(envelope)?;
    let (body, signature) = match info.kind {
        EnvelopeKind::PreClaim => {
            let split = envelope.len().checked_sub(SIGNATURE_LEN).ok_or(Error::EnvelopeMalformed)?;
            let (body, sig) = envelope.split_at_checked(split).ok_or(Error::EnvelopeMalformed)?;
            let sig: [u8; 64] = sig.try_into().map_err(|_| Error::EnvelopeMalformed)?;
            (body, Some((sig, body)))
        }
        EnvelopeKind::Claim | EnvelopeKind::Message => (envelope, None),
        _ => return Err(Error::UnexpectedMessageType),
    };
    let mut r = Reader::new(body, Error::EnvelopeMalformed);
    read_common(&mut r)?;
    let guest_mailbox = match info.kind {
        EnvelopeKind::Claim => Some(r.array::<32>()?),
        _ => None,
    };
    let (ratchet, pn, n) = (r.array()?, r.u32()?, r.u32()?);
    let keying =
        if info.version == MESSAGE_VERSION { Keying::Nonce(r.array()?) } else { Keying::Salt(r.array()?) };
    let header = Header { ratchet, pn, n, keying };
    let prefix_len = body.len().checked_sub(r.remaining()).ok_or(Error::EnvelopeMalformed)?;
    let prefix = body.get(..prefix_len).ok_or(Error::EnvelopeMalformed)?;
    let sealed = r.rest();
    let min = MIN_PADDED_LEN + TAG_LEN;
    let max = MAX_PADDED_LEN + TAG_LEN;
    if sealed.len() < min || sealed.len() > max {
        return Err(Error::EnvelopeMalformed);
    }
    Ok(ParsedMessage {
        kind: info.kind,
        mailbox_id: info.mailbox_id,
        guest_mailbox,
        header,
        prefix,
        sealed,
        signature,
    })
}

/// Writes the envelope prefix (everything before the ciphertext).
pub(crate) fn write_prefix(
    out: &mut Vec<u8>,
    kind: EnvelopeKind,
    mailbox: &MailboxId,
    guest_mailbox: Option<&[u8; 32]>,
    header: &Header,
) {
    write_common(out, kind, mailbox);
    if let Some(key) = guest_mailbox {
        out.put(key);
    }
    header.write(out);
}

/// Message direction, bound into the associated data (SPEC §7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    HostToGuest = 0x01,
    GuestToHost = 0x02,
}

/// Longest associated data: direction, session id, longest prefix (a version 1 claim).
const MAX_AD_LEN: usize = 1 + 32 + COMMON_HEADER_LEN + 32 + MESSAGE_HEADER_LEN_V1;

/// The associated data `direction || session id || prefix`, on the stack.
pub(crate) struct Ad {
    buf: [u8; MAX_AD_LEN],
    len: usize,
}

impl Ad {
    pub(crate) fn new(direction: Direction, session_id: &[u8; 32], prefix: &[u8]) -> Result<Self> {
        let len = 33usize.checked_add(prefix.len()).ok_or(Error::EnvelopeMalformed)?;
        let mut buf = [0u8; MAX_AD_LEN];
        let dst = buf.get_mut(..len).ok_or(Error::EnvelopeMalformed)?;
        let (d, rest) = dst.split_at_mut(1);
        d.copy_from_slice(&[direction as u8]);
        let (sid, p) = rest.split_at_mut(32);
        sid.copy_from_slice(session_id);
        p.copy_from_slice(prefix);
        Ok(Ad { buf, len })
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// The content type byte inside the ciphertext (SPEC §6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContentType {
    Text = 0x01,
    Join = 0x02,
    Confirm = 0x03,
    End = 0x04,
}

/// Decrypted content.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Content {
    Text(String),
    Join,
    Confirm,
    End,
}

impl Content {
    /// Drops the content, wiping a text: for a decryption whose plaintext nobody receives.
    pub(crate) fn wipe(self) {
        if let Content::Text(t) = self {
            drop(Zeroizing::new(t.into_bytes()));
        }
    }
}

/// Shows a message text as its length only: received plaintext stays out of logs (SPEC §14.1.7).
pub(crate) struct Redacted<'a>(pub(crate) &'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes of text>", self.0.len())
    }
}

/// Padmé (Nikitin et al., PURBs, PETS 2019): rounds `len` up so that at most
/// `floor(log2(log2(len))) + 1` low bits vary; at most 12% overhead. Saturates at `usize::MAX`
/// where rounding up would overflow (far beyond any length the library accepts).
pub const fn padme(len: usize) -> usize {
    if len < 2 {
        return len;
    }
    let e = (usize::BITS - 1 - len.leading_zeros()) as usize; // floor(log2 len)
    let s = (usize::BITS - 1 - e.leading_zeros()) as usize + 1; // floor(log2 e) + 1
    let z = e - s;
    let mask = (1usize << z) - 1;
    match len.checked_add(mask) {
        Some(up) => up & !mask,
        None => usize::MAX,
    }
}

/// The padded length of `len` bytes of content (SPEC §6.4): at least 64, then Padmé.
pub const fn padded_len(len: usize) -> usize {
    if len <= MIN_PADDED_LEN { MIN_PADDED_LEN } else { padme(len) }
}

/// Refuses a body longer than [`MAX_BODY_LEN`]; checked before any state changes.
pub(crate) fn check_body_len(body: &[u8]) -> Result<()> {
    if body.len() > MAX_BODY_LEN { Err(Error::PlaintextTooLarge) } else { Ok(()) }
}

/// Appends `type || body || 0x80 || 0x00...`, [`padded_len`] bytes in all, to `out`: the
/// envelope itself, where the plaintext is then encrypted in place (no separate plaintext buffer).
pub(crate) fn pad_into(out: &mut Vec<u8>, content_type: ContentType, body: &[u8]) -> Result<()> {
    check_body_len(body)?;
    let total = padded_len(body.len() + 2);
    let start = out.len();
    out.reserve(total);
    out.push(content_type as u8);
    out.extend_from_slice(body);
    out.push(0x80);
    out.resize(start + total, 0);
    Ok(())
}

/// The index of the last non-zero byte. Padding is mostly zeros: they are skipped eight at a
/// time. The time this takes, like the UTF-8 check after it, depends on the exact text length
/// within its Padmé bucket, which the envelope length does not reveal: a local observer who can
/// time decryptions learns it, nobody on the network does (SPEC §14).
fn last_nonzero(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    while let Some(word) = end.checked_sub(8).and_then(|start| bytes.get(start..end)) {
        if word.iter().any(|&b| b != 0) {
            break;
        }
        end -= 8;
    }
    bytes.get(..end)?.iter().rposition(|&b| b != 0)
}

/// Removes and checks the padding, then the content type and UTF-8 (SPEC §6.4). A text takes
/// over the decrypted buffer (no copy); on any error the buffer is zeroized.
pub(crate) fn unpad(mut padded: Zeroizing<Vec<u8>>) -> Result<Content> {
    let end = last_nonzero(&padded).ok_or(Error::InvalidContent)?;
    if padded.get(end) != Some(&0x80)
        || padded_len(end + 1) != padded.len()
        || end == 0
        || end > MAX_BODY_LEN + 1
    {
        return Err(Error::InvalidContent);
    }
    let ty = padded.first().copied().ok_or(Error::InvalidContent)?;
    let empty = end == 1;
    match ty {
        t if t == ContentType::Text as u8 => {
            let mut text = core::mem::take(&mut *padded);
            // Nothing is left to wipe: skip the wrapper's (empty) zeroization.
            core::mem::forget(padded);
            text.truncate(end);
            text.remove(0);
            String::from_utf8(text).map(Content::Text).map_err(|e| {
                drop(Zeroizing::new(e.into_bytes()));
                Error::InvalidContent
            })
        }
        t if t == ContentType::Join as u8 && empty => Ok(Content::Join),
        t if t == ContentType::Confirm as u8 && empty => Ok(Content::Confirm),
        t if t == ContentType::End as u8 && empty => Ok(Content::End),
        _ => Err(Error::InvalidContent),
    }
}

/// Largest envelope that a message with a body of `body_len` bytes produces (any type), or
/// `None` when the body exceeds [`MAX_BODY_LEN`].
pub const fn max_envelope_len(body_len: usize) -> Option<usize> {
    if body_len > MAX_BODY_LEN {
        return None;
    }
    Some(COMMON_HEADER_LEN + 32 + MESSAGE_HEADER_LEN + padded_len(body_len + 2) + TAG_LEN + SIGNATURE_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padme_matches_the_paper_examples() {
        assert_eq!(padme(100), 104);
        assert_eq!(padme(1000), 1024);
        assert_eq!(padme(1025), 1088);
        assert_eq!(padme(65538), 67584);
        assert_eq!(padded_len(0), 64);
        assert_eq!(padded_len(64), 64);
        assert_eq!(padded_len(65), 72);
        // Total on every input: saturating where rounding up would overflow, never below it.
        for len in [usize::MAX, usize::MAX - 1, usize::MAX / 2 + 1, usize::MAX - (1 << 40)] {
            assert!(padded_len(len) >= len, "{len}");
        }
        assert_eq!(padded_len(usize::MAX), usize::MAX);
        for len in 2..5000 {
            let p = padme(len);
            assert!(p >= len && p * 100 <= len * 112 + 100, "{len} -> {p}");
        }
    }

    fn pad(content_type: ContentType, body: &[u8]) -> Result<Vec<u8>> {
        let mut out = alloc::vec::Vec::new();
        pad_into(&mut out, content_type, body)?;
        Ok(out)
    }

    fn unpad_slice(padded: &[u8]) -> Result<Content> {
        unpad(Zeroizing::new(padded.to_vec()))
    }

    #[test]
    fn pad_into_appends_after_existing_bytes() {
        let mut out = alloc::vec![0xaa; 3];
        pad_into(&mut out, ContentType::Text, b"hi").unwrap();
        assert_eq!(out.len(), 3 + 64);
        assert_eq!(&out[..7], &[0xaa, 0xaa, 0xaa, 0x01, b'h', b'i', 0x80]);
        assert!(out[7..].iter().all(|&b| b == 0));
        assert_eq!(unpad_slice(&out[3..]).unwrap(), Content::Text("hi".into()));
        let confirm = pad(ContentType::Confirm, &[]).unwrap();
        assert_eq!(unpad_slice(&confirm).unwrap(), Content::Confirm);
        let mut long_confirm = confirm.clone();
        long_confirm.insert(1, 0x00);
        long_confirm.pop();
        assert_eq!(unpad_slice(&long_confirm), Err(Error::InvalidContent), "control content with a body");
        let mut only_marker = alloc::vec![0u8; 64];
        only_marker[0] = 0x80;
        assert_eq!(unpad_slice(&only_marker), Err(Error::InvalidContent), "no content type");
    }

    #[test]
    fn pad_round_trip_and_strictness() {
        let padded = pad(ContentType::Text, b"hello").unwrap();
        assert_eq!(padded.len(), 64);
        assert_eq!(unpad_slice(&padded).unwrap(), Content::Text("hello".into()));
        let mut extra = padded.to_vec();
        extra.push(0);
        assert_eq!(unpad_slice(&extra), Err(Error::InvalidContent), "non-canonical padding");
        let mut bad_marker = padded.to_vec();
        bad_marker[6] = 0x81;
        assert_eq!(unpad_slice(&bad_marker), Err(Error::InvalidContent));
        let invalid_utf8 = pad(ContentType::Text, &[0xff, 0xfe]).unwrap();
        assert_eq!(unpad_slice(&invalid_utf8), Err(Error::InvalidContent));
        let mut unknown = padded.to_vec();
        unknown[0] = 0x09;
        assert_eq!(unpad_slice(&unknown), Err(Error::InvalidContent));
        assert_eq!(unpad_slice(&[0u8; 64]), Err(Error::InvalidContent));
        assert_eq!(
            pad(ContentType::Text, &alloc::vec![b'a'; MAX_BODY_LEN + 1]).err(),
            Some(Error::PlaintextTooLarge)
        );
        // The receiver enforces the same maximum, although the padding would fit more.
        let mut oversized = alloc::vec![ContentType::Text as u8];
        oversized.extend_from_slice(&alloc::vec![b'a'; MAX_BODY_LEN + 1]);
        oversized.push(0x80);
        oversized.resize(MAX_PADDED_LEN, 0);
        assert_eq!(padded_len(MAX_BODY_LEN + 3), MAX_PADDED_LEN);
        assert_eq!(unpad_slice(&oversized), Err(Error::InvalidContent));
        let edge = pad(ContentType::Text, &alloc::vec![b'a'; MAX_BODY_LEN]).unwrap();
        assert!(matches!(unpad_slice(&edge), Ok(Content::Text(t)) if t.len() == MAX_BODY_LEN));
    }
}
