//! What host and guest sessions share: sealing and opening message envelopes (SPEC §7.4).

use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::crypto::{self, NONCE_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::framing::{
    Ad, COMMON_HEADER_LEN, Content, ContentType, Direction, EnvelopeKind, Header, Keying, MESSAGE_HEADER_LEN,
    ParsedMessage, SIGNATURE_LEN, check_body_len, pad_into, padded_len, unpad, write_prefix,
};
use crate::keys::MailboxId;
use crate::labels;
use crate::ratchet::{Plan, Ratchet};

/// Where an outgoing message goes.
pub(crate) struct Route<'a> {
    pub(crate) kind: EnvelopeKind,
    pub(crate) mailbox: &'a MailboxId,
    pub(crate) guest_mailbox: Option<&'a [u8; 32]>,
    pub(crate) direction: Direction,
    pub(crate) session_id: &'a [u8; 32],
}

impl<'a> Route<'a> {
    /// A post-claim host-to-guest message (type 0x12) of session `session_id`.
    pub(crate) fn host_message(mailbox: &'a MailboxId, session_id: &'a [u8; 32]) -> Self {
        Route {
            kind: EnvelopeKind::Message,
            mailbox,
            guest_mailbox: None,
            direction: Direction::HostToGuest,
            session_id,
        }
    }
}

/// Encrypts one message on the sending chain. Fails before any state change on oversized input.
pub(crate) fn seal<R: CryptoRng + ?Sized>(
    ratchet: &mut Ratchet,
    rng: &mut R,
    route: &Route<'_>,
    content_type: ContentType,
    body: &[u8],
) -> Result<Vec<u8>> {
    check_body_len(body)?;
    let out = ratchet.next_send(rng)?;
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let header = Header { ratchet: out.ratchet, pn: out.pn, n: out.n, keying: Keying::Nonce(nonce) };
    let padded = padded_len(body.len() + 2);
    let capacity = COMMON_HEADER_LEN + 32 + MESSAGE_HEADER_LEN + padded + TAG_LEN + SIGNATURE_LEN;
    let mut envelope = Vec::with_capacity(capacity);
    write_prefix(&mut envelope, route.kind, route.mailbox, route.guest_mailbox, &header);
    let ad = Ad::new(route.direction, route.session_id, &envelope)?;
    // The plaintext is padded straight into the envelope and encrypted there.
    let start = envelope.len();
    pad_into(&mut envelope, content_type, body)?;
    // Version 2 (SPEC §7.3): the message key is the AEAD key.
    crypto::aes256gcm_seal_tail(&out.mk.0, &nonce, ad.as_bytes(), &mut envelope, start)?;
    Ok(envelope)
}

/// Decrypts a parsed message against the state without changing it; the caller commits the
/// returned plan once it has also accepted the content.
pub(crate) fn open(
    ratchet: &Ratchet,
    parsed: &ParsedMessage<'_>,
    direction: Direction,
    session_id: &[u8; 32],
) -> Result<(Plan, Content)> {
    let h = &parsed.header;
    let (mk, plan) = ratchet.plan(&h.ratchet, h.pn, h.n)?;
    let ad = Ad::new(direction, session_id, parsed.prefix)?;
    let (ad, sealed, err) = (ad.as_bytes(), parsed.sealed, Error::DecryptFailed);
    let padded = match &h.keying {
        Keying::Nonce(nonce) => crypto::aes256gcm_open(&mk.0, nonce, ad, sealed, err)?,
        Keying::Salt(salt) => crypto::open(&mk.0, labels::AEAD_KEY, salt, ad, sealed, err)?,
    };
    let content = unpad(padded)?;
    Ok((plan, content))
}
