//! The invite link (SPEC §4): a capsule in the URL fragment and the keys derived from it.

use alloc::string::String;
use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::SigningKey;
use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::StaticSecret;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::crypto::hkdf_expand;
use crate::error::{Error, Result};
use crate::keys::{IdentityPublicKey, Key32, MailboxId, MailboxPublicKey, RatchetKeyPair, Secret};
use crate::{labels, limits, relay};

/// Version byte of the link capsule.
pub const CAPSULE_VERSION: u8 = 0x01;
/// Length of the capsule in bytes: version, secret, host identity key.
pub const CAPSULE_LEN: usize = 65;
/// Length of the fragment: unpadded base64url of the capsule.
pub const FRAGMENT_LEN: usize = 87;
/// A run of this many base64url characters outside the fragment is refused as a possible secret.
pub const SECRET_RUN_LEN: usize = 43;

/// The keys every holder of the link derives (SPEC §4.2).
pub(crate) struct LinkKeys {
    pub(crate) guest_initial: RatchetKeyPair,
    pub(crate) mailbox_id: MailboxId,
    pub(crate) link_mailbox: SigningKey,
}

impl LinkKeys {
    pub(crate) fn derive(secret: &[u8; 32], host: &IdentityPublicKey) -> Self {
        let mut ikm = Zeroizing::new(alloc::vec::Vec::with_capacity(64));
        ikm.extend_from_slice(secret);
        ikm.extend_from_slice(host.as_bytes());
        let prk = Hkdf::<Sha256>::new(Some(labels::LINK_SALT), ikm.as_slice());
        let guest = hkdf_expand::<32>(&prk, labels::LINK_GUEST_INITIAL_KEY);
        let mailbox = hkdf_expand::<16>(&prk, labels::LINK_MAILBOX_ID);
        let seed = hkdf_expand::<32>(&prk, labels::LINK_MAILBOX_KEY);
        LinkKeys {
            guest_initial: RatchetKeyPair::from_secret(StaticSecret::from(*guest)),
            mailbox_id: MailboxId(*mailbox),
            link_mailbox: SigningKey::from_bytes(&seed),
        }
    }
}

/// Is `c` in the base64url alphabet?
fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Checks the part of a link before `#` (SPEC §4.3).
fn check_base_url(base: &str, run_error: Error) -> Result<()> {
    // In the order of SPEC §4.3: the length (so nothing past the limit is ever read), then a
    // secret-sized run, reported as such whatever else is wrong, then the characters.
    if base.len() > limits::MAX_BASE_URL_LEN {
        return Err(Error::InvalidArgument);
    }
    let mut run = 0usize;
    for c in base.bytes() {
        run = if is_b64url(c) { run.saturating_add(1) } else { 0 };
        if run >= SECRET_RUN_LEN {
            return Err(run_error);
        }
    }
    if base.bytes().any(|c| !(0x21..=0x7e).contains(&c) || c == b'#') {
        return Err(Error::InvalidArgument);
    }
    Ok(())
}

/// A link as the host hands it out: `<base url>#<fragment>`. It holds the invite secret, so it
/// zeroizes on drop and its Debug output is redacted.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretLink(String);

impl SecretLink {
    /// The link text, to send by SMS or email.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretLink(<redacted>)")
    }
}

pub(crate) fn make_link(base_url: &str, secret: &[u8; 32], host: &IdentityPublicKey) -> Result<SecretLink> {
    check_base_url(base_url, Error::InvalidArgument)?;
    let mut capsule = Zeroizing::new(alloc::vec::Vec::with_capacity(CAPSULE_LEN));
    capsule.push(CAPSULE_VERSION);
    capsule.extend_from_slice(secret);
    capsule.extend_from_slice(host.as_bytes());
    let mut buf = Secret::<FRAGMENT_LEN>::zeroed();
    let fragment = Base64UrlUnpadded::encode(capsule.as_slice(), buf.as_mut_slice())
        .map_err(|_| Error::InvalidArgument)?;
    let mut link = String::with_capacity(base_url.len() + 1 + FRAGMENT_LEN);
    link.push_str(base_url);
    link.push('#');
    link.push_str(fragment);
    Ok(SecretLink(link))
}

/// A parsed invite link: the guest's starting point. Parsing has no side effects; nothing is
/// claimed until [`OpenedInvite::claim`](crate::OpenedInvite::claim).
pub struct InviteLink {
    pub(crate) secret: Key32,
    pub(crate) host: IdentityPublicKey,
    pub(crate) keys: LinkKeys,
}

impl InviteLink {
    /// Parses a whole link `<base url>#<fragment>` (SPEC §4.3): the fragment must be present and
    /// canonical, and no run of 43 or more base64url characters may appear before `#`.
    pub fn parse(link: &str) -> Result<Self> {
        let (base, fragment) = link.split_once('#').ok_or_else(|| {
            // A capsule-sized run without any '#' means the secret travelled outside a fragment.
            match check_base_url(link, Error::SecretOutsideFragment) {
                Err(Error::SecretOutsideFragment) => Error::SecretOutsideFragment,
                _ => Error::LinkMissingFragment,
            }
        })?;
        check_base_url(base, Error::SecretOutsideFragment)?;
        // Exactly one '#': `base##capsule` must not parse as the same invite (canonical links).
        Self::decode_fragment(fragment)
    }

    /// Parses only the fragment (what `location.hash` holds, with or without its leading `#`).
    pub fn from_fragment(fragment: &str) -> Result<Self> {
        Self::decode_fragment(fragment.strip_prefix('#').unwrap_or(fragment))
    }

    fn decode_fragment(fragment: &str) -> Result<Self> {
        if fragment.len() != FRAGMENT_LEN {
            return Err(Error::LinkMalformed);
        }
        let mut capsule = Secret::<CAPSULE_LEN>::zeroed();
        // base64ct decodes in constant time and refuses non-canonical trailing bits.
        let decoded =
            Base64UrlUnpadded::decode(fragment, capsule.as_mut_slice()).map_err(|_| Error::LinkMalformed)?;
        if decoded.len() != CAPSULE_LEN {
            return Err(Error::LinkMalformed);
        }
        let (version, rest) = capsule.split_first().ok_or(Error::LinkMalformed)?;
        if *version != CAPSULE_VERSION {
            return Err(Error::LinkVersionUnsupported);
        }
        let (secret_bytes, host_bytes) = rest.split_at_checked(32).ok_or(Error::LinkMalformed)?;
        let host_bytes: [u8; 32] = host_bytes.try_into().map_err(|_| Error::LinkMalformed)?;
        let host = IdentityPublicKey::from_bytes(&host_bytes)?;
        let mut secret = Key32::zeroed();
        secret.copy_from_slice(secret_bytes);
        let keys = LinkKeys::derive(&secret, &host);
        Ok(InviteLink { secret, host, keys })
    }

    /// The mailbox id to fetch the invite record and envelopes by.
    pub fn mailbox_id(&self) -> MailboxId {
        self.keys.mailbox_id
    }

    /// The host identity key the link names. Show [`IdentityPublicKey::fingerprint`] to the guest.
    pub fn host_identity(&self) -> IdentityPublicKey {
        self.host
    }

    /// The link mailbox public key the relay checks before the claim.
    pub fn mailbox_public_key(&self) -> MailboxPublicKey {
        MailboxPublicKey(self.keys.link_mailbox.verifying_key().to_bytes())
    }

    /// Proves to the relay that the caller holds the link (SPEC §9).
    pub fn relay_auth(&self, challenge: &[u8]) -> Result<[u8; 64]> {
        relay::sign_auth(&self.keys.link_mailbox, &self.keys.mailbox_id, challenge)
    }

    /// The fragment again (for storing the link in the guest's own keystore).
    pub fn to_link(&self, base_url: &str) -> Result<SecretLink> {
        make_link(base_url, &self.secret, &self.host)
    }
}

impl fmt::Debug for InviteLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteLink")
            .field("mailbox_id", &self.keys.mailbox_id)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_has_exactly_one_hash() {
        let host = IdentityPublicKey::from_bytes(
            &ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]).verifying_key().to_bytes(),
        )
        .unwrap();
        let link = make_link("https://chat.example/g", &[7u8; 32], &host).unwrap();
        assert!(InviteLink::parse(link.as_str()).is_ok());
        let doubled = link.as_str().replacen('#', "##", 1);
        assert_eq!(InviteLink::parse(&doubled).err(), Some(Error::LinkMalformed));
        // The fragment alone may still come with its leading '#' (`location.hash`).
        let fragment = link.as_str().split_once('#').unwrap().1;
        assert!(InviteLink::from_fragment(&alloc::format!("#{fragment}")).is_ok());
    }
}
