//! Public, secret-free values: the safety code, the invite record as a relay sees it, and the
//! free functions (envelope peek, relay-auth check, snapshot header, fingerprint).

use alloc::string::String;
use alloc::vec::Vec;

use wasm_bindgen::prelude::*;

use crate::support::{
    BINDING_ERRORS, JsResult, Obj, OrThrow, Slot, UNSUPPORTED, array, binding_error, challenge_bytes, enter,
    envelope_bytes, number, snapshot_bytes, typed_code,
};

/// A safety code: equal on both sides unless someone substituted a key. Compare the long form
/// out of band (read aloud, or scan `qrPayload`).
#[wasm_bindgen]
pub struct SafetyCode {
    slot: Slot<guestlink::SafetyCode>,
}

impl SafetyCode {
    pub(crate) fn new(code: guestlink::SafetyCode) -> Self {
        SafetyCode { slot: Slot::new(code) }
    }
}

#[wasm_bindgen]
impl SafetyCode {
    /// 40 digits in eight groups of five (`"01234 56789 ..."`).
    #[wasm_bindgen(getter, js_name = longForm)]
    pub fn long_form(&self) -> JsResult<String> {
        self.slot.with(|c| Ok(c.long_form()))
    }

    /// Six digits (`"123 456"`).
    #[wasm_bindgen(getter, js_name = shortForm)]
    pub fn short_form(&self) -> JsResult<String> {
        self.slot.with(|c| Ok(c.short_form()))
    }

    /// 32 bytes for a QR code.
    #[wasm_bindgen(getter, js_name = qrPayload)]
    pub fn qr_payload(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|c| Ok(c.qr_payload().to_vec()))
    }

    /// Compares with a long form a person typed or scanned (spaces ignored), in constant time.
    #[wasm_bindgen(js_name = matchesLongForm)]
    pub fn matches_long_form(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] typed: &JsValue,
    ) -> JsResult<bool> {
        self.slot.with(|c| Ok(c.matches_long_form(&typed_code(typed)?)))
    }

    /// Releases the object. Any later call throws `OBJECT_FREED`.
    pub fn free(&self) -> JsResult<()> {
        self.slot.free()
    }
}

/// A parsed invite record whose identity signature verified: what a relay stores and serves.
#[wasm_bindgen]
pub struct InviteRecord {
    slot: Slot<guestlink::InviteRecord>,
}

#[wasm_bindgen]
impl InviteRecord {
    /// Parses a record strictly and verifies its signature by the identity key it names.
    pub fn parse(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
    ) -> JsResult<InviteRecord> {
        let _entered = enter()?;
        let inner = guestlink::InviteRecord::parse(&envelope_bytes(record)?).or_throw()?;
        Ok(InviteRecord { slot: Slot::new(inner) })
    }

    /// The 16-byte mailbox id.
    #[wasm_bindgen(getter, js_name = mailboxId)]
    pub fn mailbox_id(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|r| Ok(r.mailbox_id().to_bytes().to_vec()))
    }

    /// The 32-byte host identity key.
    #[wasm_bindgen(getter, js_name = hostIdentity)]
    pub fn host_identity(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|r| Ok(r.host_identity().to_bytes().to_vec()))
    }

    /// The 32-byte key the host authenticates to the relay with.
    #[wasm_bindgen(getter, js_name = hostMailboxKey)]
    pub fn host_mailbox_key(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|r| Ok(r.host_mailbox_key().to_bytes().to_vec()))
    }

    /// The 32-byte key link holders authenticate to the relay with before the claim.
    #[wasm_bindgen(getter, js_name = linkMailboxKey)]
    pub fn link_mailbox_key(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|r| Ok(r.link_mailbox_key().to_bytes().to_vec()))
    }

    /// Creation time (seconds since the Unix epoch).
    #[wasm_bindgen(getter, js_name = createdAt)]
    pub fn created_at(&self) -> JsResult<f64> {
        self.slot.with(|r| Ok(number(r.created_at())))
    }

    /// Expiry time (seconds since the Unix epoch).
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> JsResult<f64> {
        self.slot.with(|r| Ok(number(r.expires_at())))
    }

    /// The 32-byte record hash.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|r| Ok(r.hash().to_vec()))
    }

    /// Verifies a claimed record for this invite: which claim key and guest mailbox key won.
    #[wasm_bindgen(js_name = verifyClaimed, unchecked_return_type = "ClaimedRecord")]
    pub fn verify_claimed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
    ) -> JsResult<JsValue> {
        self.slot.with(|r| {
            let c = r.verify_claimed(&envelope_bytes(record)?).or_throw()?;
            Obj::new()
                .bytes("claimKey", &c.claim_key)?
                .bytes("guestMailboxKey", c.guest_mailbox_key.as_bytes())?
                .set("claimedAt", number(c.claimed_at))
                .map(Obj::done)
        })
    }

    /// Verifies a revocation record for this invite; returns the revocation time.
    #[wasm_bindgen(js_name = verifyRevocation)]
    pub fn verify_revocation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
    ) -> JsResult<f64> {
        self.slot.with(|r| Ok(number(r.verify_revocation(&envelope_bytes(record)?).or_throw()?)))
    }

    /// Verifies the host's signature on a pre-claim envelope without decrypting it.
    #[wasm_bindgen(js_name = verifyPreClaim)]
    pub fn verify_pre_claim(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: &JsValue,
    ) -> JsResult<()> {
        self.slot.with(|r| r.verify_pre_claim(&envelope_bytes(envelope)?).or_throw())
    }

    /// Releases the object. Any later call throws `OBJECT_FREED`.
    pub fn free(&self) -> JsResult<()> {
        self.slot.free()
    }
}

/// Reads an envelope's version, kind and mailbox id without any key (what a relay routes by).
#[wasm_bindgen(unchecked_return_type = "EnvelopeInfo")]
pub fn peek(#[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: &JsValue) -> JsResult<JsValue> {
    let _entered = enter()?;
    let info = guestlink::peek(&envelope_bytes(envelope)?).or_throw()?;
    let kind = match info.kind {
        guestlink::EnvelopeKind::InviteRecord => "inviteRecord",
        guestlink::EnvelopeKind::ClaimedRecord => "claimedRecord",
        guestlink::EnvelopeKind::RevocationRecord => "revocationRecord",
        guestlink::EnvelopeKind::PreClaim => "preClaim",
        guestlink::EnvelopeKind::Claim => "claim",
        guestlink::EnvelopeKind::Message => "message",
        _ => return Err(binding_error(UNSUPPORTED)),
    };
    Obj::new()
        .set("version", info.version)?
        .set("kind", kind)?
        .bytes("mailboxId", info.mailbox_id.as_bytes())
        .map(Obj::done)
}

/// Checks a relay authentication: returns if `signature` (64 bytes) by the 32-byte mailbox
/// `key` covers `mailboxId` (16 bytes) and `challenge`; throws `BAD_SIGNATURE` otherwise.
#[wasm_bindgen(js_name = verifyRelayAuth)]
pub fn verify_relay_auth(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
    #[wasm_bindgen(js_name = mailboxId, unchecked_param_type = "Uint8Array")] mailbox_id: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] challenge: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] signature: &JsValue,
) -> JsResult<()> {
    let _entered = enter()?;
    let key = guestlink::MailboxPublicKey::from_bytes(&*array::<32>(key)?).or_throw()?;
    let mailbox = guestlink::MailboxId::from_bytes(*array::<16>(mailbox_id)?);
    guestlink::verify_relay_auth(&key, &mailbox, &challenge_bytes(challenge)?, &*array::<64>(signature)?)
        .or_throw()
}

/// Reads a snapshot's clear header: `kind`, the 16-byte `objectId` and the `counter`.
#[wasm_bindgen(js_name = snapshotInfo, unchecked_return_type = "SnapshotInfo")]
pub fn snapshot_info(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] snapshot: &JsValue,
) -> JsResult<JsValue> {
    let _entered = enter()?;
    let info = guestlink::snapshot_info(&snapshot_bytes(snapshot)?).or_throw()?;
    let kind = match info.kind {
        guestlink::SnapshotKind::HostIdentity => "hostIdentity",
        guestlink::SnapshotKind::HostSession => "hostSession",
        guestlink::SnapshotKind::OpenedInvite => "openedInvite",
        guestlink::SnapshotKind::GuestSession => "guestSession",
        #[allow(unreachable_patterns)]
        _ => return Err(binding_error(UNSUPPORTED)),
    };
    Obj::new()
        .set("version", info.version)?
        .set("kind", kind)?
        .bytes("objectId", &info.object_id)?
        .set("counter", number(info.counter))
        .map(Obj::done)
}

/// The display fingerprint of a 32-byte identity public key (`INVALID_KEY` if it is not one).
#[wasm_bindgen]
pub fn fingerprint(
    #[wasm_bindgen(js_name = identityKey, unchecked_param_type = "Uint8Array")] identity_key: &JsValue,
) -> JsResult<String> {
    let _entered = enter()?;
    Ok(guestlink::IdentityPublicKey::from_bytes(&*array::<32>(identity_key)?).or_throw()?.fingerprint())
}

/// Every error `code` this package throws, by `name`: the core's codes unchanged, and the
/// binding's own 9xx codes (`OBJECT_CONSUMED`, `OBJECT_FREED`, `PANICKED`, `UNSUPPORTED`).
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "Record<string, number>")]
pub fn error_codes() -> JsResult<JsValue> {
    let _entered = enter()?;
    let mut obj = Obj::new();
    for e in guestlink::Error::ALL {
        obj = obj.set(e.name(), e.code())?;
    }
    for e in BINDING_ERRORS {
        obj = obj.set(e.name(), e.code())?;
    }
    Ok(obj.done())
}

/// Test hook: panics inside WebAssembly so that tests can check the module then refuses every
/// call with `PANICKED`. Only in the `testing` build (`scripts/build.sh --testing`), never in the
/// package.
#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = panicForTestingOnly)]
#[allow(clippy::panic)]
pub fn panic_for_testing_only() -> JsResult<()> {
    let _entered = enter()?;
    panic!("panicForTestingOnly");
}
