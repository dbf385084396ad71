//! Relay authentication (SPEC §9): a signature over a relay-supplied challenge.

use ed25519_dalek::SigningKey;

use crate::error::{Error, Result};
use crate::keys::{MailboxId, MailboxPublicKey, ed25519_public, sign, verify_signature};
use crate::{labels, limits};

fn check_challenge(challenge: &[u8]) -> Result<()> {
    if (limits::MIN_CHALLENGE_LEN..=limits::MAX_CHALLENGE_LEN).contains(&challenge.len()) {
        Ok(())
    } else {
        Err(Error::InvalidArgument)
    }
}

pub(crate) fn sign_auth(key: &SigningKey, mailbox: &MailboxId, challenge: &[u8]) -> Result<[u8; 64]> {
    check_challenge(challenge)?;
    Ok(sign(key, labels::SIG_RELAY_AUTH, &[mailbox.as_bytes(), challenge]))
}

/// Checks a relay authentication: `signature` by `key` over the relay-auth context, the mailbox
/// id and the challenge the relay issued. Relays call this; it needs no secret.
pub fn verify_relay_auth(
    key: &MailboxPublicKey,
    mailbox: &MailboxId,
    challenge: &[u8],
    signature: &[u8; 64],
) -> Result<()> {
    check_challenge(challenge)?;
    let key = ed25519_public(key.as_bytes())?;
    verify_signature(&key, labels::SIG_RELAY_AUTH, &[mailbox.as_bytes(), challenge], signature)
}
