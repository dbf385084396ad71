//! The guest side: the link, the opened invite, the guest session.

use alloc::string::String;
use alloc::vec::Vec;

use wasm_bindgen::prelude::*;

use crate::record::SafetyCode;
use crate::support::{
    JsResult, Obj, OrThrow, Slot, UNSUPPORTED, binding_error, challenge_bytes, envelope_bytes, integer,
    link_text, now, number, rng, snapshot_bytes, snapshot_key, text,
};

fn guest_received(received: guestlink::GuestReceived) -> JsResult<JsValue> {
    match received {
        guestlink::GuestReceived::Text(t) => Obj::received_text(t),
        guestlink::GuestReceived::Confirmed => Obj::new().set("kind", "confirmed"),
        guestlink::GuestReceived::Ended => Obj::new().set("kind", "ended"),
        _ => Err(binding_error(UNSUPPORTED)),
    }
    .map(Obj::done)
}

/// A parsed invite link. It holds the invite secret inside WebAssembly memory (never returned
/// to JavaScript) and wipes it on `free()`. Parsing claims nothing.
#[wasm_bindgen]
pub struct InviteLink {
    slot: Slot<guestlink::InviteLink>,
}

#[wasm_bindgen]
impl InviteLink {
    /// Parses a whole link `<base url>#<fragment>`.
    pub fn parse(#[wasm_bindgen(unchecked_param_type = "string")] link: &JsValue) -> JsResult<InviteLink> {
        let _entered = crate::support::enter()?;
        let inner = guestlink::InviteLink::parse(&link_text(link)?).or_throw()?;
        Ok(InviteLink { slot: Slot::new(inner) })
    }

    /// Parses only the fragment (what `location.hash` holds, with or without its `#`). In a page,
    /// prefer `takeLinkFromLocation()`, which also removes the fragment from the address bar.
    #[wasm_bindgen(js_name = fromFragment)]
    pub fn from_fragment(
        #[wasm_bindgen(unchecked_param_type = "string")] fragment: &JsValue,
    ) -> JsResult<InviteLink> {
        let _entered = crate::support::enter()?;
        let inner =
            guestlink::InviteLink::from_fragment(&text(fragment, guestlink::FRAGMENT_LEN + 1)?).or_throw()?;
        Ok(InviteLink { slot: Slot::new(inner) })
    }

    /// The 16-byte mailbox id to fetch the invite record and envelopes by.
    #[wasm_bindgen(getter, js_name = mailboxId)]
    pub fn mailbox_id(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|l| Ok(l.mailbox_id().to_bytes().to_vec()))
    }

    /// The 32-byte host identity key the link names.
    #[wasm_bindgen(getter, js_name = hostIdentity)]
    pub fn host_identity(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|l| Ok(l.host_identity().to_bytes().to_vec()))
    }

    /// The host identity's fingerprint, to show to the guest.
    #[wasm_bindgen(getter, js_name = hostFingerprint)]
    pub fn host_fingerprint(&self) -> JsResult<String> {
        self.slot.with(|l| Ok(l.host_identity().fingerprint()))
    }

    /// The 32-byte link mailbox public key the relay checks before the claim.
    #[wasm_bindgen(getter, js_name = mailboxPublicKey)]
    pub fn mailbox_public_key(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|l| Ok(l.mailbox_public_key().to_bytes().to_vec()))
    }

    /// Proves to the relay that the caller holds the link: a 64-byte signature of the challenge.
    #[wasm_bindgen(js_name = relayAuth)]
    pub fn relay_auth(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] challenge: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|l| Ok(l.relay_auth(&challenge_bytes(challenge)?).or_throw()?.to_vec()))
    }

    /// Checks the host's invite record against this link and opens the invite. Claims nothing;
    /// the link stays usable. `now` defaults to `Date.now()`.
    pub fn open(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
        #[wasm_bindgen(js_name = now, unchecked_optional_param_type = "number")] now_secs: Option<JsValue>,
    ) -> JsResult<OpenedInvite> {
        self.slot.with(|l| {
            let opened = l.open(&envelope_bytes(record)?, now(now_secs.as_ref())?).or_throw()?;
            Ok(OpenedInvite { slot: Slot::new(opened) })
        })
    }

    /// Wipes the invite secret from WebAssembly memory. Any later call throws `OBJECT_FREED`.
    pub fn free(&self) -> JsResult<()> {
        self.slot.free()
    }
}

/// An invite the guest opened and verified but has not claimed: it reads the host's pre-claim
/// messages. `claim` consumes it.
#[wasm_bindgen]
pub struct OpenedInvite {
    slot: Slot<guestlink::OpenedInvite>,
}

#[wasm_bindgen]
impl OpenedInvite {
    /// Loads an opened-invite snapshot, refusing one whose counter is below `minCounter`.
    #[wasm_bindgen(js_name = fromSnapshot)]
    pub fn from_snapshot(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] snapshot: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
        #[wasm_bindgen(js_name = minCounter, unchecked_param_type = "number")] min_counter: &JsValue,
    ) -> JsResult<OpenedInvite> {
        let _entered = crate::support::enter()?;
        let inner = guestlink::OpenedInvite::from_snapshot(
            &snapshot_bytes(snapshot)?,
            &snapshot_key(key)?,
            integer(min_counter)?,
        )
        .or_throw()?;
        Ok(OpenedInvite { slot: Slot::new(inner) })
    }

    /// The 16-byte mailbox id.
    #[wasm_bindgen(getter, js_name = mailboxId)]
    pub fn mailbox_id(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|o| Ok(o.mailbox_id().to_bytes().to_vec()))
    }

    /// The 32-byte host identity key.
    #[wasm_bindgen(getter, js_name = hostIdentity)]
    pub fn host_identity(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|o| Ok(o.host_identity().to_bytes().to_vec()))
    }

    /// The host identity's fingerprint, to show to the guest.
    #[wasm_bindgen(getter, js_name = hostFingerprint)]
    pub fn host_fingerprint(&self) -> JsResult<String> {
        self.slot.with(|o| Ok(o.host_identity().fingerprint()))
    }

    /// When the invite expires (seconds since the Unix epoch).
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> JsResult<f64> {
        self.slot.with(|o| Ok(number(o.expires_at())))
    }

    /// Signs a relay challenge with the link mailbox key.
    #[wasm_bindgen(js_name = relayAuth)]
    pub fn relay_auth(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] challenge: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|o| Ok(o.relay_auth(&challenge_bytes(challenge)?).or_throw()?.to_vec()))
    }

    /// Decrypts a signed pre-claim host envelope. Nothing changes on error.
    #[wasm_bindgen(unchecked_return_type = "GuestReceived")]
    pub fn decrypt(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: &JsValue,
    ) -> JsResult<JsValue> {
        self.slot.with(|o| guest_received(o.decrypt(&envelope_bytes(envelope)?).or_throw()?))
    }

    /// Checks a claimed record fetched from the relay: a valid one means someone else claimed this
    /// invite, so this always throws (`CLAIMED_BY_OTHER`, or `BAD_SIGNATURE` for a forgery).
    #[wasm_bindgen(js_name = checkClaimedRecord)]
    pub fn check_claimed_record(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
    ) -> JsResult<()> {
        self.slot.with(|o| o.check_claimed_record(&envelope_bytes(record)?).or_throw())
    }

    /// Applies a revocation record fetched from the relay; returns the revocation time.
    #[wasm_bindgen(js_name = applyRevocation)]
    pub fn apply_revocation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
    ) -> JsResult<f64> {
        self.slot.with(|o| Ok(number(o.apply_revocation(&envelope_bytes(record)?).or_throw()?)))
    }

    /// Claims the invite: returns the guest `session` and the claim `envelope` to send. Consumes
    /// this object, also when it fails (the failures are final: `INVITE_REVOKED`,
    /// `INVITE_EXPIRED`); any later call throws `OBJECT_CONSUMED`.
    #[wasm_bindgen(unchecked_return_type = "Claim")]
    pub fn claim(
        &self,
        #[wasm_bindgen(js_name = now, unchecked_optional_param_type = "number")] now_secs: Option<JsValue>,
    ) -> JsResult<JsValue> {
        // Read the clock before consuming, so a bad `now` argument leaves the invite usable.
        let at = {
            let _entered = crate::support::enter()?;
            now(now_secs.as_ref())?
        };
        self.slot.consume(|o| {
            let (session, envelope) = o.claim(&mut rng(), at).or_throw()?;
            Obj::new()
                .set("session", GuestSession { slot: Slot::new(session) })?
                .bytes("envelope", &envelope)
                .map(Obj::done)
        })
    }

    /// Saves the opened invite encrypted under the caller's 32-byte key.
    pub fn snapshot(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|o| Ok(o.snapshot(&mut rng(), &snapshot_key(key)?)))
    }

    /// The counter of the last snapshot saved or loaded.
    #[wasm_bindgen(getter, js_name = snapshotCounter)]
    pub fn snapshot_counter(&self) -> JsResult<f64> {
        self.slot.with(|o| Ok(number(o.snapshot_counter())))
    }

    /// Wipes the invite's secrets from WebAssembly memory. Any later call throws `OBJECT_FREED`.
    pub fn free(&self) -> JsResult<()> {
        self.slot.free()
    }
}

/// The guest's session after the claim.
#[wasm_bindgen]
pub struct GuestSession {
    slot: Slot<guestlink::GuestSession>,
}

#[wasm_bindgen]
impl GuestSession {
    /// Loads a guest session snapshot, refusing one whose counter is below `minCounter`.
    #[wasm_bindgen(js_name = fromSnapshot)]
    pub fn from_snapshot(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] snapshot: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
        #[wasm_bindgen(js_name = minCounter, unchecked_param_type = "number")] min_counter: &JsValue,
    ) -> JsResult<GuestSession> {
        let _entered = crate::support::enter()?;
        let inner = guestlink::GuestSession::from_snapshot(
            &snapshot_bytes(snapshot)?,
            &snapshot_key(key)?,
            integer(min_counter)?,
        )
        .or_throw()?;
        Ok(GuestSession { slot: Slot::new(inner) })
    }

    /// The 16-byte mailbox id.
    #[wasm_bindgen(getter, js_name = mailboxId)]
    pub fn mailbox_id(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|g| Ok(g.mailbox_id().to_bytes().to_vec()))
    }

    /// The 32-byte host identity key.
    #[wasm_bindgen(getter, js_name = hostIdentity)]
    pub fn host_identity(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|g| Ok(g.host_identity().to_bytes().to_vec()))
    }

    /// True once a post-claim host message decrypted; until then show the chat as unconfirmed.
    #[wasm_bindgen(getter, js_name = isConfirmed)]
    pub fn is_confirmed(&self) -> JsResult<bool> {
        self.slot.with(|g| Ok(g.is_confirmed()))
    }

    /// True once the host ended the session.
    #[wasm_bindgen(getter, js_name = isEnded)]
    pub fn is_ended(&self) -> JsResult<bool> {
        self.slot.with(|g| Ok(g.is_ended()))
    }

    /// The 32-byte claim key (the guest's first ratchet public key).
    #[wasm_bindgen(getter, js_name = claimKey)]
    pub fn claim_key(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|g| Ok(g.claim_key().to_vec()))
    }

    /// The 32-byte guest mailbox key the relay accepts guest posts under after the claim.
    #[wasm_bindgen(getter, js_name = mailboxPublicKey)]
    pub fn mailbox_public_key(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|g| Ok(g.mailbox_public_key().to_bytes().to_vec()))
    }

    /// The safety code to compare with the host.
    #[wasm_bindgen(js_name = safetyCode)]
    pub fn safety_code(&self) -> JsResult<SafetyCode> {
        self.slot.with(|g| Ok(SafetyCode::new(g.safety_code())))
    }

    /// Signs a relay challenge with the guest mailbox key.
    #[wasm_bindgen(js_name = relayAuth)]
    pub fn relay_auth(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] challenge: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|g| Ok(g.relay_auth(&challenge_bytes(challenge)?).or_throw()?.to_vec()))
    }

    /// Stored skipped message keys.
    #[wasm_bindgen(getter, js_name = skippedKeyCount)]
    pub fn skipped_key_count(&self) -> JsResult<u32> {
        self.slot.with(|g| Ok(g.skipped_key_count() as u32))
    }

    /// Remembered receiving chains.
    #[wasm_bindgen(getter, js_name = receivingChainCount)]
    pub fn receiving_chain_count(&self) -> JsResult<u32> {
        self.slot.with(|g| Ok(g.receiving_chain_count() as u32))
    }

    /// Encrypts a text for the host: a claim envelope until the host confirmed, then a message.
    pub fn encrypt(
        &self,
        #[wasm_bindgen(js_name = text, unchecked_param_type = "string")] text_arg: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|g| {
            let t = text(text_arg, guestlink::limits::MAX_BODY_LEN)?;
            g.encrypt(&mut rng(), &t).or_throw()
        })
    }

    /// Decrypts a host envelope. Nothing changes on error.
    #[wasm_bindgen(unchecked_return_type = "GuestReceived")]
    pub fn decrypt(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: &JsValue,
    ) -> JsResult<JsValue> {
        self.slot.with(|g| guest_received(g.decrypt(&envelope_bytes(envelope)?).or_throw()?))
    }

    /// Checks a claimed record from the relay: returns if it names our claim, throws
    /// `CLAIMED_BY_OTHER` if it names another, `BAD_SIGNATURE` if forged.
    #[wasm_bindgen(js_name = checkClaimedRecord)]
    pub fn check_claimed_record(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
    ) -> JsResult<()> {
        self.slot.with(|g| g.check_claimed_record(&envelope_bytes(record)?).or_throw())
    }

    /// Applies a revocation record fetched from the relay; returns the revocation time.
    #[wasm_bindgen(js_name = applyRevocation)]
    pub fn apply_revocation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] record: &JsValue,
    ) -> JsResult<f64> {
        self.slot.with(|g| Ok(number(g.apply_revocation(&envelope_bytes(record)?).or_throw()?)))
    }

    /// Saves the session encrypted under the caller's 32-byte key.
    pub fn snapshot(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|g| Ok(g.snapshot(&mut rng(), &snapshot_key(key)?)))
    }

    /// The counter of the last snapshot saved or loaded.
    #[wasm_bindgen(getter, js_name = snapshotCounter)]
    pub fn snapshot_counter(&self) -> JsResult<f64> {
        self.slot.with(|g| Ok(number(g.snapshot_counter())))
    }

    /// Wipes the session's keys from WebAssembly memory. Any later call throws `OBJECT_FREED`.
    pub fn free(&self) -> JsResult<()> {
        self.slot.free()
    }
}
