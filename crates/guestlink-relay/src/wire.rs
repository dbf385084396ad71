//! The relay's WebSocket protocol: JSON text frames, bytes in standard padded base64.
//!
//! ```text
//! client connects to  /v1/mailbox/<mailbox id, 32 hex digits>/ws
//! relay  -> {"type":"challenge","challenge":B64}            32 random bytes, single use
//! client -> {"type":"auth","signature":B64,"after":N,"record":B64?}
//!           signature: guestlink's relay auth over the challenge with one of the mailbox keys;
//!           record: the invite record, to create the mailbox (host only)
//! relay  -> {"type":"ready","role":"host"|"link"|"guest","record":B64,"claimed":B64?,"revocation":B64?}
//!        -> {"type":"envelope","seq":N,"data":B64}           backlog after N, then pushed live
//!        -> {"type":"claimed","record":B64} / {"type":"revoked","record":B64}   pushed live
//! client -> {"type":"post","id":I,"data":B64}               -> {"type":"posted","id":I,"seq":N}
//! client -> {"type":"ack","upto":N}                          deletes what this party fetched
//! relay  -> {"type":"error","id":I?,"code":C,"name":"...","message":"...","record":B64?,"claimed":B64?}
//! ```
//! An error without `id` is fatal: the relay closes the connection after it.

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};

/// Bytes as standard padded base64 in JSON (what `btoa`/`atob` speak).
pub mod b64 {
    use super::{Base64, Encoding};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Serializes bytes as base64.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&Base64::encode_string(bytes))
    }

    /// Deserializes base64 into bytes, strictly (canonical padding).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <&str>::deserialize(d)?;
        Base64::decode_vec(s).map_err(|_| D::Error::custom("invalid base64"))
    }

    /// The same for optional fields.
    pub mod opt {
        use super::{Base64, Encoding};
        use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

        /// Serializes optional bytes as base64 or null.
        pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
            match bytes {
                Some(b) => s.serialize_str(&Base64::encode_string(b)),
                None => s.serialize_none(),
            }
        }

        /// Deserializes optional base64.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
            match Option::<&str>::deserialize(d)? {
                Some(s) => Base64::decode_vec(s).map(Some).map_err(|_| D::Error::custom("invalid base64")),
                None => Ok(None),
            }
        }
    }
}

/// Who the relay recognised from the mailbox proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Signed with the record's host mailbox key.
    Host,
    /// Signed with the link mailbox key (anyone holding the link), before the claim.
    Link,
    /// Signed with the claimed guest's mailbox key, after the claim.
    Guest,
}

/// A frame from the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// The answer to the challenge.
    Auth {
        /// 64-byte relay-auth signature.
        #[serde(with = "b64")]
        signature: Vec<u8>,
        /// Send envelopes with a sequence number above this.
        #[serde(default)]
        after: u64,
        /// The invite record, to create the mailbox (host only).
        #[serde(default, with = "b64::opt", skip_serializing_if = "Option::is_none")]
        record: Option<Vec<u8>>,
    },
    /// Posts an envelope or a record.
    Post {
        /// The client's request id, echoed in the answer.
        id: u64,
        /// The envelope.
        #[serde(with = "b64")]
        data: Vec<u8>,
    },
    /// Deletes this party's envelopes up to and including `upto` (host and claimed guest only).
    Ack {
        /// Highest sequence number processed.
        upto: u64,
    },
}

/// A frame from the relay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The challenge to sign.
    Challenge {
        /// Random bytes.
        #[serde(with = "b64")]
        challenge: Vec<u8>,
    },
    /// Authenticated.
    Ready {
        /// Who the relay recognised.
        role: Role,
        /// The invite record.
        #[serde(with = "b64")]
        record: Vec<u8>,
        /// The claimed record, if any.
        #[serde(default, with = "b64::opt")]
        claimed: Option<Vec<u8>>,
        /// The revocation record, if any.
        #[serde(default, with = "b64::opt")]
        revocation: Option<Vec<u8>>,
    },
    /// An envelope for this party.
    Envelope {
        /// Its sequence number (acknowledge with it).
        seq: u64,
        /// The envelope.
        #[serde(with = "b64")]
        data: Vec<u8>,
    },
    /// The host posted the claimed record.
    Claimed {
        /// The claimed record.
        #[serde(with = "b64")]
        record: Vec<u8>,
    },
    /// The host revoked the invite.
    Revoked {
        /// The revocation record.
        #[serde(with = "b64")]
        record: Vec<u8>,
    },
    /// A post was stored.
    Posted {
        /// The request id.
        id: u64,
        /// The envelope's sequence number (0 for records).
        seq: u64,
    },
    /// A refusal. Without `id` it is fatal and the connection closes.
    Error {
        /// The request id, for refusals of a post.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// Stable numeric code: a guestlink error code, or a relay code (600-699).
        code: u32,
        /// Stable name.
        name: String,
        /// English description.
        message: String,
        /// With `CLAIMED`: the invite record, so the client can check the claimed record.
        #[serde(default, with = "b64::opt", skip_serializing_if = "Option::is_none")]
        record: Option<Vec<u8>>,
        /// With `CLAIMED`: the host-signed claimed record.
        #[serde(default, with = "b64::opt", skip_serializing_if = "Option::is_none")]
        claimed: Option<Vec<u8>>,
    },
}

/// Why the relay refused something. Library errors keep their own code and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A check of the core library failed (signature, size, kind, expiry, revocation...).
    Core(guestlink::Error),
    /// The relay knows no such mailbox.
    UnknownMailbox,
    /// The proof matches none of the keys allowed for this mailbox now.
    BadAuth,
    /// The link was claimed: only the claimed guest may post or fetch now.
    Claimed,
    /// The party may not do this (for example a link holder acknowledging).
    Forbidden,
    /// A different record is already stored (another invite record, another claimed record).
    Conflict,
    /// Too many posts to this mailbox too quickly.
    RateLimited,
    /// The mailbox holds the maximum number of pending envelopes.
    MailboxFull,
    /// The frame is not valid protocol (JSON, base64, a message out of order).
    BadRequest,
    /// The relay failed internally.
    Internal,
}

impl Refusal {
    /// The stable numeric code.
    pub fn code(self) -> u32 {
        match self {
            Refusal::Core(e) => e.code(),
            Refusal::UnknownMailbox => 601,
            Refusal::BadAuth => 602,
            Refusal::Claimed => 603,
            Refusal::Forbidden => 604,
            Refusal::Conflict => 605,
            Refusal::RateLimited => 606,
            Refusal::MailboxFull => 607,
            Refusal::BadRequest => 608,
            Refusal::Internal => 699,
        }
    }

    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            Refusal::Core(e) => e.name(),
            Refusal::UnknownMailbox => "UNKNOWN_MAILBOX",
            Refusal::BadAuth => "BAD_AUTH",
            Refusal::Claimed => "CLAIMED",
            Refusal::Forbidden => "FORBIDDEN",
            Refusal::Conflict => "CONFLICT",
            Refusal::RateLimited => "RATE_LIMITED",
            Refusal::MailboxFull => "MAILBOX_FULL",
            Refusal::BadRequest => "BAD_REQUEST",
            Refusal::Internal => "INTERNAL",
        }
    }

    /// An English description.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Core(e) => e.message(),
            Refusal::UnknownMailbox => "no such mailbox",
            Refusal::BadAuth => "the mailbox proof does not verify",
            Refusal::Claimed => "this link was already used",
            Refusal::Forbidden => "not allowed for this party",
            Refusal::Conflict => "a different record is already stored",
            Refusal::RateLimited => "too many posts, slow down",
            Refusal::MailboxFull => "the mailbox is full",
            Refusal::BadRequest => "malformed request",
            Refusal::Internal => "internal relay error",
        }
    }

    /// The error frame for this refusal.
    pub fn to_msg(self, id: Option<u64>) -> ServerMsg {
        ServerMsg::Error {
            id,
            code: self.code(),
            name: self.name().to_owned(),
            message: self.message().to_owned(),
            record: None,
            claimed: None,
        }
    }
}

impl From<guestlink::Error> for Refusal {
    fn from(e: guestlink::Error) -> Self {
        Refusal::Core(e)
    }
}

/// Lowercase hex of a mailbox id (what URLs carry).
pub fn mailbox_hex(id: &guestlink::MailboxId) -> String {
    id.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 32 lowercase hex digits into a mailbox id.
pub fn parse_mailbox_hex(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 || !s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_unknown_fields_are_refused() {
        let m = ClientMsg::Post { id: 3, data: vec![1, 2, 3] };
        let s = serde_json::to_string(&m).unwrap();
        assert_eq!(s, r#"{"type":"post","id":3,"data":"AQID"}"#);
        assert_eq!(serde_json::from_str::<ClientMsg>(&s).unwrap(), m);
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"post","id":3,"data":"AQID","x":1}"#).is_err());
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"post","id":3,"data":"AQI"}"#).is_err());
        let e = Refusal::Claimed.to_msg(Some(1));
        let s = serde_json::to_string(&e).unwrap();
        assert!(s.contains(r#""code":603"#) && s.contains(r#""name":"CLAIMED""#), "{s}");
    }

    #[test]
    fn mailbox_hex_round_trip() {
        let id = guestlink::MailboxId::from_bytes([0xab; 16]);
        let h = mailbox_hex(&id);
        assert_eq!(parse_mailbox_hex(&h), Some([0xab; 16]));
        assert_eq!(parse_mailbox_hex(&h.to_uppercase()), None);
        assert_eq!(parse_mailbox_hex("ab"), None);
    }

    #[test]
    fn refusal_codes_are_distinct() {
        let all = [
            Refusal::UnknownMailbox,
            Refusal::BadAuth,
            Refusal::Claimed,
            Refusal::Forbidden,
            Refusal::Conflict,
            Refusal::RateLimited,
            Refusal::MailboxFull,
            Refusal::BadRequest,
            Refusal::Internal,
        ];
        let mut codes: Vec<u32> = all.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(codes.iter().all(|c| guestlink::Error::from_code(*c).is_none()));
    }
}
