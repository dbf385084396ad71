//! The host side: identity, invite creation, the host session.

use alloc::string::String;
use alloc::vec::Vec;

use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::record::SafetyCode;
use crate::support::{
    JsResult, Obj, OrThrow, Slot, UNSUPPORTED, binding_error, challenge_bytes, envelope_bytes, integer, now,
    number, rng, snapshot_bytes, snapshot_key, text,
};

/// A host's long-term identity: an Ed25519 key pair that signs invite records. The private key
/// never leaves WebAssembly memory; persist it with `snapshot`.
#[wasm_bindgen]
pub struct HostIdentity {
    slot: Slot<guestlink::HostIdentity>,
}

#[wasm_bindgen]
impl HostIdentity {
    /// A fresh identity (randomness from `crypto.getRandomValues`).
    pub fn generate() -> JsResult<HostIdentity> {
        let _entered = crate::support::enter()?;
        Ok(HostIdentity { slot: Slot::new(guestlink::HostIdentity::generate(&mut rng())) })
    }

    /// Loads an identity snapshot made by `snapshot` under the same 32-byte key, refusing one whose
    /// counter is below `minCounter` (`SNAPSHOT_ROLLED_BACK`).
    #[wasm_bindgen(js_name = fromSnapshot)]
    pub fn from_snapshot(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] snapshot: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
        #[wasm_bindgen(js_name = minCounter, unchecked_param_type = "number")] min_counter: &JsValue,
    ) -> JsResult<HostIdentity> {
        let _entered = crate::support::enter()?;
        let inner = guestlink::HostIdentity::from_snapshot(
            &snapshot_bytes(snapshot)?,
            &snapshot_key(key)?,
            integer(min_counter)?,
        )
        .or_throw()?;
        Ok(HostIdentity { slot: Slot::new(inner) })
    }

    /// The 32-byte identity public key guests trust; it travels in every link.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|id| Ok(id.public_key().to_bytes().to_vec()))
    }

    /// The short fingerprint of the public key, for display (`"1a2b 3c4d ..."`).
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> JsResult<String> {
        self.slot.with(|id| Ok(id.public_key().fingerprint()))
    }

    /// Creates an invite valid from `now` until `expiresAt` (seconds since the Unix epoch).
    /// Returns the host's session, the link to send to the guest (`baseUrl#fragment`; the
    /// fragment holds the invite secret: this is the one secret the package hands to JavaScript,
    /// because the host must send it) and the signed invite record to publish on the relay.
    #[wasm_bindgen(js_name = createInvite, unchecked_return_type = "CreatedInvite")]
    pub fn create_invite(
        &self,
        #[wasm_bindgen(js_name = baseUrl, unchecked_param_type = "string")] base_url: &JsValue,
        #[wasm_bindgen(js_name = expiresAt, unchecked_param_type = "number")] expires_at: &JsValue,
        #[wasm_bindgen(js_name = now, unchecked_optional_param_type = "number")] now_secs: Option<JsValue>,
    ) -> JsResult<JsValue> {
        self.slot.with(|id| {
            let base_url = text(base_url, guestlink::limits::MAX_BASE_URL_LEN)?;
            let created = id
                .create_invite(&mut rng(), now(now_secs.as_ref())?, integer(expires_at)?, &base_url)
                .or_throw()?;
            Obj::new()
                .set("session", HostSession { slot: Slot::new(created.session) })?
                .set("link", created.link.as_str())?
                .bytes("record", &created.record)
                .map(Obj::done)
        })
    }

    /// Saves the identity encrypted under the caller's 32-byte key; each save increments the
    /// counter (pass the last counter as `minCounter` when loading).
    pub fn snapshot(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|id| Ok(id.snapshot(&mut rng(), &snapshot_key(key)?)))
    }

    /// The counter of the last snapshot saved or loaded.
    #[wasm_bindgen(getter, js_name = snapshotCounter)]
    pub fn snapshot_counter(&self) -> JsResult<f64> {
        self.slot.with(|id| Ok(number(id.snapshot_counter())))
    }

    /// Wipes the private key from WebAssembly memory. Any later call throws `OBJECT_FREED`.
    /// Also reached through `[Symbol.dispose]()`.
    pub fn free(&self) -> JsResult<()> {
        self.slot.free()
    }
}

/// The host's side of one invite, before and after the guest's claim.
#[wasm_bindgen]
pub struct HostSession {
    slot: Slot<guestlink::HostSession>,
}

#[wasm_bindgen]
impl HostSession {
    /// Loads a session snapshot, refusing one whose counter is below `minCounter`. Check
    /// `mailboxId` against the session you meant to load.
    #[wasm_bindgen(js_name = fromSnapshot)]
    pub fn from_snapshot(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] snapshot: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
        #[wasm_bindgen(js_name = minCounter, unchecked_param_type = "number")] min_counter: &JsValue,
    ) -> JsResult<HostSession> {
        let _entered = crate::support::enter()?;
        let inner = guestlink::HostSession::from_snapshot(
            &snapshot_bytes(snapshot)?,
            &snapshot_key(key)?,
            integer(min_counter)?,
        )
        .or_throw()?;
        Ok(HostSession { slot: Slot::new(inner) })
    }

    /// The 16-byte mailbox id of this invite.
    #[wasm_bindgen(getter, js_name = mailboxId)]
    pub fn mailbox_id(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|s| Ok(s.mailbox_id().to_bytes().to_vec()))
    }

    /// The 32-byte hash of the invite record.
    #[wasm_bindgen(getter, js_name = recordHash)]
    pub fn record_hash(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|s| Ok(s.record_hash().to_vec()))
    }

    /// When the invite expires (seconds since the Unix epoch).
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> JsResult<f64> {
        self.slot.with(|s| Ok(number(s.expires_at())))
    }

    /// `"unclaimed"`, `"claimed"` or `"revoked"`.
    #[wasm_bindgen(getter, unchecked_return_type = "HostState")]
    pub fn state(&self) -> JsResult<String> {
        self.slot.with(|s| {
            Ok(match s.state() {
                guestlink::HostState::Unclaimed => "unclaimed",
                guestlink::HostState::Claimed => "claimed",
                guestlink::HostState::Revoked => "revoked",
                _ => return Err(binding_error(UNSUPPORTED)),
            }
            .into())
        })
    }

    /// The safety code, once a claim was accepted; `undefined` before.
    #[wasm_bindgen(js_name = safetyCode)]
    pub fn safety_code(&self) -> JsResult<Option<SafetyCode>> {
        self.slot.with(|s| Ok(s.safety_code().map(SafetyCode::new)))
    }

    /// The 32-byte key the host authenticates to the relay with.
    #[wasm_bindgen(getter, js_name = mailboxPublicKey)]
    pub fn mailbox_public_key(&self) -> JsResult<Vec<u8>> {
        self.slot.with(|s| Ok(s.mailbox_public_key().to_bytes().to_vec()))
    }

    /// Signs a relay challenge (16 to 64 bytes) with the host mailbox key: 64 bytes.
    #[wasm_bindgen(js_name = relayAuth)]
    pub fn relay_auth(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] challenge: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|s| Ok(s.relay_auth(&challenge_bytes(challenge)?).or_throw()?.to_vec()))
    }

    /// Stored skipped message keys.
    #[wasm_bindgen(getter, js_name = skippedKeyCount)]
    pub fn skipped_key_count(&self) -> JsResult<u32> {
        self.slot.with(|s| Ok(s.skipped_key_count() as u32))
    }

    /// Remembered receiving chains.
    #[wasm_bindgen(getter, js_name = receivingChainCount)]
    pub fn receiving_chain_count(&self) -> JsResult<u32> {
        self.slot.with(|s| Ok(s.receiving_chain_count() as u32))
    }

    /// Encrypts a text for the guest: a signed pre-claim envelope before the claim, a ratchet
    /// message after it. `now` defaults to `Date.now()`.
    pub fn encrypt(
        &self,
        #[wasm_bindgen(js_name = text, unchecked_param_type = "string")] text_arg: &JsValue,
        #[wasm_bindgen(js_name = now, unchecked_optional_param_type = "number")] now_secs: Option<JsValue>,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|s| {
            let t = text(text_arg, guestlink::limits::MAX_BODY_LEN)?;
            s.encrypt(&mut rng(), now(now_secs.as_ref())?, &t).or_throw()
        })
    }

    /// Decrypts an envelope from the guest. On any error the session is exactly as before. After
    /// a `"claimed"` outcome, snapshot the session, post `claimedRecord` to the relay and send
    /// `confirmation` to the guest.
    #[wasm_bindgen(unchecked_return_type = "HostReceived")]
    pub fn decrypt(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: &JsValue,
        #[wasm_bindgen(js_name = now, unchecked_optional_param_type = "number")] now_secs: Option<JsValue>,
    ) -> JsResult<JsValue> {
        self.slot.with(|s| {
            let received =
                s.decrypt(&mut rng(), now(now_secs.as_ref())?, &envelope_bytes(envelope)?).or_throw()?;
            match received {
                guestlink::HostReceived::Claimed(acc) => {
                    // Wrapped first, so that no early return drops the text unwiped.
                    let text = acc.text.map(Zeroizing::new);
                    let obj = Obj::new()
                        .set("kind", "claimed")?
                        .bytes("claimedRecord", &acc.claimed_record)?
                        .bytes("confirmation", &acc.confirmation)?
                        .set("safetyCode", SafetyCode::new(acc.safety_code))?;
                    match text {
                        Some(t) => obj.text("text", &t),
                        None => Ok(obj),
                    }
                }
                guestlink::HostReceived::Text(t) => Obj::received_text(t),
                guestlink::HostReceived::Join => Obj::new().set("kind", "join"),
                _ => Err(binding_error(UNSUPPORTED)),
            }
            .map(Obj::done)
        })
    }

    /// Revokes the invite: returns the revocation `record` to post to the relay and, when a
    /// session runs, the `endMessage` for the guest.
    #[wasm_bindgen(unchecked_return_type = "Revocation")]
    pub fn revoke(
        &self,
        #[wasm_bindgen(js_name = now, unchecked_optional_param_type = "number")] now_secs: Option<JsValue>,
    ) -> JsResult<JsValue> {
        self.slot.with(|s| {
            let rev = s.revoke(&mut rng(), now(now_secs.as_ref())?).or_throw()?;
            let obj = Obj::new().bytes("record", &rev.record)?;
            match rev.end_message {
                Some(m) => obj.bytes("endMessage", &m),
                None => Ok(obj),
            }
            .map(Obj::done)
        })
    }

    /// Saves the session encrypted under the caller's 32-byte key; each save increments the
    /// counter.
    pub fn snapshot(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] key: &JsValue,
    ) -> JsResult<Vec<u8>> {
        self.slot.with(|s| Ok(s.snapshot(&mut rng(), &snapshot_key(key)?)))
    }

    /// The counter of the last snapshot saved or loaded.
    #[wasm_bindgen(getter, js_name = snapshotCounter)]
    pub fn snapshot_counter(&self) -> JsResult<f64> {
        self.slot.with(|s| Ok(number(s.snapshot_counter())))
    }

    /// Wipes the session's keys from WebAssembly memory. Any later call throws `OBJECT_FREED`.
    pub fn free(&self) -> JsResult<()> {
        self.slot.free()
    }
}
