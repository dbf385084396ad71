//! The relay: stores records and envelopes per mailbox, checks what it can without any key that
//! reads messages, and pushes new envelopes to connected parties over a WebSocket.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guestlink::{EnvelopeKind, InviteRecord, MAX_ENVELOPE_LEN, MailboxId, verify_relay_auth};
use tokio::sync::broadcast;

use crate::store::{Created, Direction, MailboxRow, SetRecord, Store};
use crate::wire::{ClientMsg, Refusal, Role, ServerMsg, parse_mailbox_hex};

/// Length of the relay's random challenge (the library accepts 16 to 64 bytes).
pub const CHALLENGE_LEN: usize = 32;
/// Largest WebSocket frame accepted: a maximal envelope in base64 plus the JSON around it.
pub const MAX_FRAME_LEN: usize = MAX_ENVELOPE_LEN.div_ceil(3) * 4 + 256;
/// Envelopes sent to a client per store read.
const FETCH_BATCH: usize = 64;

/// Tunable limits of a relay.
#[derive(Clone, Debug)]
pub struct Config {
    /// Posts a mailbox may make in a burst.
    pub rate_burst: f64,
    /// Posts per second a mailbox regains.
    pub rate_per_sec: f64,
    /// Pending (unacknowledged) envelopes a mailbox may hold per direction.
    pub max_pending: usize,
    /// How long a client has to answer the challenge.
    pub auth_timeout: Duration,
    /// Unclaimed mailboxes are deleted this long after they expired.
    pub expired_grace: Duration,
    /// The WASM package directory (`bindings/wasm`: `web.js`, `error.js`, `pkg/...`), served
    /// at `/wasm/`.
    pub wasm_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rate_burst: 60.0,
            rate_per_sec: 5.0,
            max_pending: 1000,
            auth_timeout: Duration::from_secs(10),
            expired_grace: Duration::from_secs(7 * 86_400),
            wasm_dir: PathBuf::from("bindings/wasm"),
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The relay's shared state.
pub struct Relay {
    store: Arc<dyn Store>,
    config: Config,
    hub: Mutex<HashMap<[u8; 16], broadcast::Sender<()>>>,
    buckets: Mutex<HashMap<[u8; 16], Bucket>>,
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A refused authentication, with the records a client needs to understand it.
struct AuthRefusal {
    refusal: Refusal,
    record: Option<Vec<u8>>,
    claimed: Option<Vec<u8>>,
}

impl From<Refusal> for AuthRefusal {
    fn from(refusal: Refusal) -> Self {
        AuthRefusal { refusal, record: None, claimed: None }
    }
}

impl From<guestlink::Error> for AuthRefusal {
    fn from(e: guestlink::Error) -> Self {
        Refusal::Core(e).into()
    }
}

impl From<crate::store::StoreError> for Refusal {
    fn from(e: crate::store::StoreError) -> Self {
        eprintln!("relay: {e}");
        Refusal::Internal
    }
}

impl From<crate::store::StoreError> for AuthRefusal {
    fn from(e: crate::store::StoreError) -> Self {
        Refusal::from(e).into()
    }
}

impl Relay {
    /// A relay over `store`.
    pub fn new(store: Arc<dyn Store>, config: Config) -> Arc<Self> {
        Arc::new(Relay {
            store,
            config,
            hub: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    fn subscribe(&self, id: &[u8; 16]) -> broadcast::Receiver<()> {
        let mut hub = self.hub.lock().unwrap_or_else(|p| p.into_inner());
        hub.entry(*id).or_insert_with(|| broadcast::channel(16).0).subscribe()
    }

    fn notify(&self, id: &[u8; 16]) {
        let mut hub = self.hub.lock().unwrap_or_else(|p| p.into_inner());
        if hub.get(id).is_some_and(|tx| tx.send(()).is_err()) {
            hub.remove(id); // nobody listens any more
        }
    }

    /// Takes one token from the mailbox's bucket.
    fn allow_post(&self, id: &[u8; 16]) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if buckets.len() > 100_000 {
            // Forget full buckets first: they carry no information.
            let (burst, rate) = (self.config.rate_burst, self.config.rate_per_sec);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let b = buckets.entry(*id).or_insert(Bucket { tokens: self.config.rate_burst, at: now });
        let refill = now.duration_since(b.at).as_secs_f64() * self.config.rate_per_sec;
        b.tokens = (b.tokens + refill).min(self.config.rate_burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Deletes unclaimed mailboxes long expired. Called periodically by [`serve`].
    pub fn purge(&self) -> usize {
        let before = now_secs().saturating_sub(self.config.expired_grace.as_secs());
        self.store.purge_expired(before).unwrap_or(0)
    }

    /// Checks the mailbox proof and decides the party's role (or creates the mailbox).
    fn authenticate(
        &self,
        id: &[u8; 16],
        challenge: &[u8],
        signature: &[u8],
        new_record: Option<Vec<u8>>,
    ) -> Result<(Role, MailboxRow), AuthRefusal> {
        let signature: [u8; 64] = signature.try_into().map_err(|_| Refusal::BadRequest)?;
        let mailbox = MailboxId::from_bytes(*id);
        let proves = |key: &guestlink::MailboxPublicKey| {
            verify_relay_auth(key, &mailbox, challenge, &signature).is_ok()
        };
        let Some(row) = self.store.mailbox(id)? else {
            let Some(bytes) = new_record else { return Err(Refusal::UnknownMailbox.into()) };
            let record = InviteRecord::parse(&bytes)?;
            if record.mailbox_id() != mailbox {
                return Err(guestlink::Error::WrongMailbox.into());
            }
            if now_secs() >= record.expires_at() {
                return Err(guestlink::Error::InviteExpired.into());
            }
            if !proves(&record.host_mailbox_key()) {
                return Err(Refusal::BadAuth.into());
            }
            return match self.store.create_mailbox(id, &bytes, record.expires_at())? {
                Created::New | Created::Existing => {
                    let row = MailboxRow {
                        record: bytes,
                        expires_at: record.expires_at(),
                        claimed: None,
                        revocation: None,
                    };
                    Ok((Role::Host, row))
                }
                Created::Conflict => Err(Refusal::Conflict.into()),
            };
        };
        if new_record.as_ref().is_some_and(|r| *r != row.record) {
            return Err(Refusal::Conflict.into());
        }
        let record = InviteRecord::parse(&row.record).map_err(|_| Refusal::Internal)?;
        if proves(&record.host_mailbox_key()) {
            return Ok((Role::Host, row));
        }
        if let Some(claimed) = &row.claimed {
            let c = record.verify_claimed(claimed).map_err(|_| Refusal::Internal)?;
            if proves(&c.guest_mailbox_key) {
                return Ok((Role::Guest, row));
            }
            if proves(&record.link_mailbox_key()) {
                // A clear refusal, with what the client needs to verify it is true.
                return Err(AuthRefusal {
                    refusal: Refusal::Claimed,
                    record: Some(row.record.clone()),
                    claimed: Some(claimed.clone()),
                });
            }
            return Err(Refusal::BadAuth.into());
        }
        if proves(&record.link_mailbox_key()) {
            if row.revocation.is_none() && now_secs() >= record.expires_at() {
                return Err(AuthRefusal {
                    refusal: Refusal::Core(guestlink::Error::InviteExpired),
                    record: Some(row.record.clone()),
                    claimed: None,
                });
            }
            return Ok((Role::Link, row));
        }
        Err(Refusal::BadAuth.into())
    }

    /// Checks and stores one post; returns its sequence number (0 for records).
    fn post(&self, id: &[u8; 16], role: Role, data: &[u8]) -> Result<u64, Refusal> {
        if data.len() > MAX_ENVELOPE_LEN {
            return Err(guestlink::Error::EnvelopeTooLarge.into());
        }
        let info = guestlink::peek(data)?;
        if info.mailbox_id.as_bytes() != id {
            return Err(guestlink::Error::WrongMailbox.into());
        }
        // Before any signature check, so a flood costs the relay little.
        if !self.allow_post(id) {
            return Err(Refusal::RateLimited);
        }
        let row = self.store.mailbox(id)?.ok_or(Refusal::UnknownMailbox)?;
        let record = InviteRecord::parse(&row.record).map_err(|_| Refusal::Internal)?;
        if let Some(revocation) = &row.revocation {
            return if role == Role::Host && data == revocation.as_slice() {
                Ok(0)
            } else {
                Err(guestlink::Error::InviteRevoked.into())
            };
        }
        let dir = match (role, info.kind) {
            (Role::Host, EnvelopeKind::PreClaim) => {
                record.verify_pre_claim(data)?;
                Direction::ToGuest
            }
            (Role::Host, EnvelopeKind::Message) => {
                if row.claimed.is_none() {
                    return Err(guestlink::Error::NotClaimed.into());
                }
                Direction::ToGuest
            }
            (Role::Host, EnvelopeKind::ClaimedRecord) => {
                record.verify_claimed(data)?;
                return match self.store.set_claimed(id, data)? {
                    SetRecord::Stored => {
                        self.notify(id);
                        Ok(0)
                    }
                    SetRecord::Unchanged => Ok(0),
                    SetRecord::Conflict => Err(Refusal::Conflict),
                    SetRecord::Missing => Err(Refusal::UnknownMailbox),
                };
            }
            (Role::Host, EnvelopeKind::RevocationRecord) => {
                record.verify_revocation(data)?;
                return match self.store.set_revoked(id, data)? {
                    SetRecord::Stored => {
                        self.notify(id);
                        Ok(0)
                    }
                    SetRecord::Unchanged => Ok(0),
                    SetRecord::Conflict => Err(Refusal::Conflict),
                    SetRecord::Missing => Err(Refusal::UnknownMailbox),
                };
            }
            (Role::Link, EnvelopeKind::Claim) => {
                if row.claimed.is_some() {
                    return Err(Refusal::Claimed);
                }
                if now_secs() >= record.expires_at() {
                    return Err(guestlink::Error::InviteExpired.into());
                }
                Direction::ToHost
            }
            (Role::Guest, EnvelopeKind::Claim | EnvelopeKind::Message) => Direction::ToHost,
            _ => return Err(guestlink::Error::UnexpectedMessageType.into()),
        };
        let seq = self.store.append(id, dir, data, self.config.max_pending)?.ok_or(Refusal::MailboxFull)?;
        self.notify(id);
        Ok(seq)
    }

    fn ack(&self, id: &[u8; 16], role: Role, upto: u64) -> Result<(), Refusal> {
        let dir = match role {
            Role::Host => Direction::ToHost,
            // Pre-claim envelopes go too: the claimed guest has fetched them.
            Role::Guest => Direction::ToGuest,
            Role::Link => return Err(Refusal::Forbidden),
        };
        self.store.delete_upto(id, dir, upto)?;
        Ok(())
    }
}

/// The HTTP routes: the guest page, its assets, the WASM package, and the mailbox WebSocket.
pub fn router(relay: Arc<Relay>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { page("text/plain; charset=utf-8", "guestlink relay: open an invite link\n") }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/g", get(|| async { page("text/html; charset=utf-8", crate::web::INDEX_HTML) }))
        .route("/static/app.js", get(|| async { page("text/javascript; charset=utf-8", crate::web::APP_JS) }))
        .route("/static/style.css", get(|| async { page("text/css; charset=utf-8", crate::web::STYLE_CSS) }))
        .route("/wasm/{*path}", get(wasm_file))
        .route("/v1/mailbox/{id}/ws", get(ws_upgrade))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(relay)
}

fn page(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Headers on every response: no referrer (the page URL carries the secret in its fragment,
/// which browsers never send, but the path should not leak either), a strict CSP that allows
/// only our own scripts, our own WebAssembly and our own WebSocket, no framing, no caching.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let csp = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
               connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
               frame-ancestors 'none'";
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    res
}

/// Serves the WASM package's browser files: `<dir>/<file>` and `<dir>/pkg/<file>`, `.js` and
/// `.wasm` only, plain names only (no dot first, no other directories, nothing from node_modules).
async fn wasm_file(State(relay): State<Arc<Relay>>, Path(path): Path<String>) -> Response {
    let safe_name = |f: &str| {
        !f.is_empty()
            && !f.starts_with('.')
            && f.len() <= 64
            && f.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-.".contains(&c))
    };
    let parts: Vec<&str> = path.split('/').collect();
    let ok = match parts.as_slice() {
        [file] => safe_name(file),
        ["pkg", file] => safe_name(file),
        _ => false,
    };
    let content_type = if path.ends_with(".wasm") {
        "application/wasm"
    } else if path.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !ok {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(relay.config.wasm_dir.join(&path)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type)], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn ws_upgrade(
    State(relay): State<Arc<Relay>>,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    let Some(id) = parse_mailbox_hex(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    ws.max_message_size(MAX_FRAME_LEN).max_frame_size(MAX_FRAME_LEN).on_upgrade(move |socket| async move {
        let mut conn = Conn { relay, id, socket, last_seq: 0 };
        conn.run().await;
    })
}

/// One client connection.
struct Conn {
    relay: Arc<Relay>,
    id: [u8; 16],
    socket: WebSocket,
    /// Highest sequence number sent on this connection.
    last_seq: u64,
}

enum Next {
    Continue,
    Close,
}

impl Conn {
    async fn send(&mut self, msg: &ServerMsg) -> Result<(), ()> {
        let text = serde_json::to_string(msg).map_err(|_| ())?;
        self.socket.send(Message::Text(text.into())).await.map_err(|_| ())
    }

    async fn fatal(&mut self, msg: &ServerMsg) {
        let _ = self.send(msg).await;
        let _ = self.socket.send(Message::Close(None)).await;
    }

    /// Reads the next text frame as a client message (pings and pongs are skipped).
    async fn recv(&mut self) -> Option<Result<ClientMsg, Refusal>> {
        loop {
            match self.socket.recv().await? {
                Ok(Message::Text(t)) => {
                    return Some(serde_json::from_str(t.as_str()).map_err(|_| Refusal::BadRequest));
                }
                Ok(Message::Binary(_)) => return Some(Err(Refusal::BadRequest)),
                Ok(Message::Ping(_) | Message::Pong(_)) => {}
                Ok(Message::Close(_)) | Err(_) => return None,
            }
        }
    }

    async fn run(&mut self) {
        let mut challenge = [0u8; CHALLENGE_LEN];
        if getrandom::fill(&mut challenge).is_err() {
            self.fatal(&Refusal::Internal.to_msg(None)).await;
            return;
        }
        if self.send(&ServerMsg::Challenge { challenge: challenge.to_vec() }).await.is_err() {
            return;
        }
        let first = tokio::time::timeout(self.relay.config.auth_timeout, self.recv()).await;
        let (signature, after, record) = match first {
            Ok(Some(Ok(ClientMsg::Auth { signature, after, record }))) => (signature, after, record),
            Ok(Some(Ok(_) | Err(_))) => return self.fatal(&Refusal::BadRequest.to_msg(None)).await,
            Ok(None) | Err(_) => return,
        };
        let (role, row) = match self.relay.authenticate(&self.id, &challenge, &signature, record) {
            Ok(ok) => ok,
            Err(r) => {
                let msg = ServerMsg::Error {
                    id: None,
                    code: r.refusal.code(),
                    name: r.refusal.name().to_owned(),
                    message: r.refusal.message().to_owned(),
                    record: r.record,
                    claimed: r.claimed,
                };
                return self.fatal(&msg).await;
            }
        };
        // Subscribe before reading the backlog so nothing posted in between is missed.
        let mut events = self.relay.subscribe(&self.id);
        let mut seen_claimed = row.claimed.is_some();
        let mut seen_revoked = row.revocation.is_some();
        let ready =
            ServerMsg::Ready { role, record: row.record, claimed: row.claimed, revocation: row.revocation };
        if self.send(&ready).await.is_err() {
            return;
        }
        self.last_seq = after;
        if self.flush(role).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                msg = self.recv() => {
                    let next = match msg {
                        None => Next::Close,
                        Some(Err(r)) => { self.fatal(&r.to_msg(None)).await; Next::Close }
                        Some(Ok(m)) => self.handle(role, m).await,
                    };
                    if matches!(next, Next::Close) { return; }
                }
                ev = events.recv() => {
                    if matches!(ev, Err(broadcast::error::RecvError::Closed)) { return; }
                    // Lagged or not: the store is the truth, read what is new.
                    let Ok(Some(row)) = self.relay.store.mailbox(&self.id) else { return };
                    if let (false, Some(c)) = (seen_claimed, &row.claimed) {
                        seen_claimed = true;
                        if role == Role::Link {
                            // Only the claimed guest may continue: tell link holders why they go.
                            let msg = ServerMsg::Error {
                                id: None,
                                code: Refusal::Claimed.code(),
                                name: Refusal::Claimed.name().to_owned(),
                                message: Refusal::Claimed.message().to_owned(),
                                record: Some(row.record.clone()),
                                claimed: Some(c.clone()),
                            };
                            let _ = self.send(&ServerMsg::Claimed { record: c.clone() }).await;
                            return self.fatal(&msg).await;
                        }
                        if self.send(&ServerMsg::Claimed { record: c.clone() }).await.is_err() { return; }
                    }
                    if let (false, Some(r)) = (seen_revoked, &row.revocation) {
                        seen_revoked = true;
                        if self.flush(role).await.is_err() { return; }
                        if self.send(&ServerMsg::Revoked { record: r.clone() }).await.is_err() { return; }
                    }
                    if self.flush(role).await.is_err() { return; }
                }
            }
        }
    }

    /// Sends every stored envelope for this party above `last_seq`.
    async fn flush(&mut self, role: Role) -> Result<(), ()> {
        let dir = match role {
            Role::Host => Direction::ToHost,
            Role::Link | Role::Guest => Direction::ToGuest,
        };
        loop {
            let batch = self.relay.store.fetch(&self.id, dir, self.last_seq, FETCH_BATCH).map_err(|_| ())?;
            if batch.is_empty() {
                return Ok(());
            }
            for (seq, data) in batch {
                self.last_seq = seq;
                self.send(&ServerMsg::Envelope { seq, data }).await?;
            }
        }
    }

    async fn handle(&mut self, role: Role, msg: ClientMsg) -> Next {
        match msg {
            ClientMsg::Post { id, data } => {
                let reply = match self.relay.post(&self.id, role, &data) {
                    Ok(seq) => ServerMsg::Posted { id, seq },
                    Err(r) => r.to_msg(Some(id)),
                };
                if self.send(&reply).await.is_err() { Next::Close } else { Next::Continue }
            }
            ClientMsg::Ack { upto } => match self.relay.ack(&self.id, role, upto) {
                Ok(()) => Next::Continue,
                Err(r) => {
                    self.fatal(&r.to_msg(None)).await;
                    Next::Close
                }
            },
            ClientMsg::Auth { .. } => {
                self.fatal(&Refusal::BadRequest.to_msg(None)).await;
                Next::Close
            }
        }
    }
}

/// Serves `relay` on `listener` until `shutdown` resolves; purges expired mailboxes hourly.
pub async fn serve(
    listener: tokio::net::TcpListener,
    relay: Arc<Relay>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let purger = {
        let relay = relay.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let n = relay.purge();
                if n > 0 {
                    eprintln!("relay: purged {n} expired unclaimed mailboxes");
                }
            }
        })
    };
    let result = axum::serve(listener, router(relay)).with_graceful_shutdown(shutdown).await;
    purger.abort();
    result
}
