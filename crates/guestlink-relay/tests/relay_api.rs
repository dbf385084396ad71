//! The relay's API against the real binary on a free 127.0.0.1 port: the whole flow, forged
//! signatures, posts without the mailbox proof, oversized bodies, floods, and restarts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use guestlink::{
    Error, GuestReceived, HostIdentity, HostReceived, HostSession, InviteLink, MAX_ENVELOPE_LEN, SnapshotKey,
    limits,
};
use guestlink_relay::client::{Client, ClientError, Ready};
use guestlink_relay::server::MAX_FRAME_LEN;
use guestlink_relay::wire::{ClientMsg, Role, ServerMsg, mailbox_hex};
use guestlink_relay::{now, os_rng};

struct RelayProc {
    child: Child,
    url: String,
}

impl RelayProc {
    fn start(db: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_guestlink-relay"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        RelayProc { child, url }
    }

    /// Kills the relay without warning (the harshest restart).
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for RelayProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("guestlink-relay-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn db(&self) -> PathBuf {
        self.0.join("relay.sqlite")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Invite {
    host: HostSession,
    link: String,
    record: Vec<u8>,
}

fn invite() -> Invite {
    let r = &mut os_rng();
    let id = HostIdentity::generate(r);
    let inv = id.create_invite(r, now(), now() + 3600, "http://127.0.0.1/g").unwrap();
    Invite { host: inv.session, link: inv.link.as_str().to_owned(), record: inv.record }
}

async fn host_connect(relay: &str, inv: &Invite, after: u64) -> (Client, Ready) {
    Client::connect(
        relay,
        &inv.host.mailbox_id(),
        |c| inv.host.relay_auth(c),
        after,
        Some(inv.record.clone()),
    )
    .await
    .unwrap()
}

async fn link_connect(relay: &str, link: &str) -> Result<(Client, Ready), ClientError> {
    let l = InviteLink::parse(link).unwrap();
    Client::connect(relay, &l.mailbox_id(), |c| l.relay_auth(c), 0, None).await
}

async fn recv(c: &mut Client) -> ServerMsg {
    tokio::time::timeout(Duration::from_secs(10), c.recv()).await.expect("timeout").unwrap().expect("closed")
}

/// Posts and returns the relay's answer to this post.
async fn post(c: &mut Client, id: u64, data: &[u8]) -> Result<u64, String> {
    c.send(&ClientMsg::Post { id, data: data.to_vec() }).await.unwrap();
    loop {
        match recv(c).await {
            ServerMsg::Posted { id: i, seq } if i == id => return Ok(seq),
            ServerMsg::Error { id: Some(i), name, .. } if i == id => return Err(name),
            ServerMsg::Error { id: None, name, .. } => return Err(format!("fatal {name}")),
            _ => {}
        }
    }
}

async fn next_envelope(c: &mut Client) -> (u64, Vec<u8>) {
    loop {
        if let ServerMsg::Envelope { seq, data } = recv(c).await {
            return (seq, data);
        }
    }
}

fn refused_name(r: Result<(Client, Ready), ClientError>) -> String {
    match r {
        Err(ClientError::Refused { name, .. }) => name,
        Err(e) => panic!("unexpected error {e}"),
        Ok((_, ready)) => panic!("accepted as {:?}", ready.role),
    }
}

#[tokio::test]
async fn whole_flow_first_claim_wins_and_preclaim_envelopes_go_after_fetch() {
    let dir = TempDir::new("flow");
    let relay = RelayProc::start(&dir.db(), &[]);
    let r = &mut os_rng();
    let mut inv = invite();
    let (mut host, ready) = host_connect(&relay.url, &inv, 0).await;
    assert_eq!(ready.role, Role::Host);
    let pre = inv.host.encrypt(r, now(), "hello before you arrive").unwrap();
    assert!(post(&mut host, 1, &pre).await.unwrap() > 0);

    // A link holder connects: it sees the record and the signed pre-claim message.
    let (mut guest_link, ready) = link_connect(&relay.url, &inv.link).await.unwrap();
    assert_eq!(ready.role, Role::Link);
    let mut opened = InviteLink::parse(&inv.link).unwrap().open(&ready.record, now()).unwrap();
    let (_, env) = next_envelope(&mut guest_link).await;
    assert_eq!(opened.decrypt(&env).unwrap(), GuestReceived::Text("hello before you arrive".into()));
    // A second link holder is connected too, and both claim.
    let (mut rival_link, _) = link_connect(&relay.url, &inv.link).await.unwrap();
    let rival = InviteLink::parse(&inv.link).unwrap().open(&inv.record, now()).unwrap();
    let (mut guest, claim) = opened.claim(r, now()).unwrap();
    post(&mut guest_link, 1, &claim).await.unwrap();
    let (_, rival_claim) = rival.claim(r, now()).unwrap();
    post(&mut rival_link, 1, &rival_claim).await.unwrap();

    // The host gets both, in order; the first is accepted, the second is a competing claim.
    let (_, first) = next_envelope(&mut host).await;
    let HostReceived::Claimed(acc) = inv.host.decrypt(r, now(), &first).unwrap() else { panic!() };
    let (second_seq, second) = next_envelope(&mut host).await;
    assert_eq!(inv.host.decrypt(r, now(), &second).err(), Some(Error::CompetingClaim));
    post(&mut host, 2, &acc.claimed_record).await.unwrap();
    post(&mut host, 3, &acc.confirmation).await.unwrap();
    host.send(&ClientMsg::Ack { upto: second_seq }).await.unwrap();

    // Link holders are told, with the signed record, and disconnected.
    for c in [&mut guest_link, &mut rival_link] {
        let mut claimed = None;
        loop {
            match recv(c).await {
                ServerMsg::Claimed { record } => claimed = Some(record),
                ServerMsg::Error { id: None, name, claimed: Some(rec), .. } => {
                    assert_eq!(name, "CLAIMED");
                    assert_eq!(Some(rec), claimed);
                    break;
                }
                _ => {}
            }
        }
        assert!(c.recv().await.unwrap_or(None).is_none(), "closed after CLAIMED");
    }
    guest.check_claimed_record(&acc.claimed_record).unwrap();
    // A link holder connecting now is refused, and can verify why.
    let refused = link_connect(&relay.url, &inv.link).await;
    let Err(ClientError::Refused { name, claimed: Some(claimed), .. }) = refused else { panic!() };
    assert_eq!(name, "CLAIMED");
    let opened = InviteLink::parse(&inv.link).unwrap().open(&inv.record, now()).unwrap();
    assert_eq!(opened.check_claimed_record(&claimed), Err(Error::ClaimedByOther));

    // The claimed guest connects with its own mailbox key and gets everything for it.
    let (mut g, ready) =
        Client::connect(&relay.url, &guest.mailbox_id(), |c| guest.relay_auth(c), 0, None).await.unwrap();
    assert_eq!(ready.role, Role::Guest);
    assert_eq!(ready.claimed.as_deref(), Some(acc.claimed_record.as_slice()));
    let (_, e1) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&e1), Err(Error::Duplicate), "the pre-claim message again");
    let (last, e2) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&e2).unwrap(), GuestReceived::Confirmed);
    let reply = guest.encrypt(r, "hi host").unwrap();
    post(&mut g, 1, &reply).await.unwrap();
    let (_, got) = next_envelope(&mut host).await;
    assert!(matches!(inv.host.decrypt(r, now(), &got).unwrap(), HostReceived::Text(t) if t == "hi host"));
    // Pushed in real time: a host message arrives without asking.
    let h = inv.host.encrypt(r, now(), "pushed").unwrap();
    post(&mut host, 4, &h).await.unwrap();
    let (_, pushed) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&pushed).unwrap(), GuestReceived::Text("pushed".into()));

    // Once the guest acknowledged, the pre-claim envelope and the confirmation are gone.
    g.send(&ClientMsg::Ack { upto: last }).await.unwrap();
    g.close().await;
    let (mut g2, _) =
        Client::connect(&relay.url, &guest.mailbox_id(), |c| guest.relay_auth(c), 0, None).await.unwrap();
    let (_, only) = next_envelope(&mut g2).await;
    assert_eq!(only, pushed, "only the unacknowledged envelope is left");
}

#[tokio::test]
async fn forged_signatures_are_refused() {
    let dir = TempDir::new("forged");
    let relay = RelayProc::start(&dir.db(), &[]);
    let r = &mut os_rng();
    let mut inv = invite();
    let mid = inv.host.mailbox_id();

    // An invite record with a bad signature cannot create a mailbox.
    let mut forged = inv.record.clone();
    *forged.last_mut().unwrap() ^= 1;
    let res = Client::connect(&relay.url, &mid, |c| inv.host.relay_auth(c), 0, Some(forged)).await;
    assert_eq!(refused_name(res), "BAD_SIGNATURE");
    // A valid record posted under another mailbox id.
    let other = invite();
    let res =
        Client::connect(&relay.url, &mid, |c| inv.host.relay_auth(c), 0, Some(other.record.clone())).await;
    assert_eq!(refused_name(res), "WRONG_MAILBOX");
    // The right record, but a proof by another key, a random proof, or a proof of another challenge.
    let res =
        Client::connect(&relay.url, &mid, |c| other.host.relay_auth(c), 0, Some(inv.record.clone())).await;
    assert_eq!(refused_name(res), "BAD_AUTH");
    let res = Client::connect(&relay.url, &mid, |_| Ok([7u8; 64]), 0, Some(inv.record.clone())).await;
    assert_eq!(refused_name(res), "BAD_AUTH");
    let stale = inv.host.relay_auth(&[1u8; 32]).unwrap();
    let res = Client::connect(&relay.url, &mid, |_| Ok(stale), 0, Some(inv.record.clone())).await;
    assert_eq!(refused_name(res), "BAD_AUTH");

    let (mut host, _) = host_connect(&relay.url, &inv, 0).await;
    // A pre-claim envelope whose signature was tampered with.
    let mut pre = inv.host.encrypt(r, now(), "signed").unwrap();
    *pre.last_mut().unwrap() ^= 0x80;
    assert_eq!(post(&mut host, 1, &pre).await, Err("BAD_SIGNATURE".into()));
    // A pre-claim envelope of another invite is for another mailbox.
    let mut other_host = other.host;
    let foreign = other_host.encrypt(r, now(), "x").unwrap();
    assert_eq!(post(&mut host, 2, &foreign).await, Err("WRONG_MAILBOX".into()));

    // Forged claimed and revocation records.
    let opened = InviteLink::parse(&inv.link).unwrap().open(&inv.record, now()).unwrap();
    let (_, claim) = opened.claim(r, now()).unwrap();
    let HostReceived::Claimed(acc) = inv.host.decrypt(r, now(), &claim).unwrap() else { panic!() };
    let mut bad_claimed = acc.claimed_record.clone();
    *bad_claimed.last_mut().unwrap() ^= 1;
    assert_eq!(post(&mut host, 3, &bad_claimed).await, Err("BAD_SIGNATURE".into()));
    let rev = inv.host.revoke(r, now()).unwrap();
    let mut bad_rev = rev.record.clone();
    bad_rev[55] ^= 1; // inside the signed revocation time
    assert_eq!(post(&mut host, 4, &bad_rev).await, Err("BAD_SIGNATURE".into()));
    // Nothing was stored: a link holder still sees an unclaimed, unrevoked mailbox.
    let (_, ready) = link_connect(&relay.url, &inv.link).await.unwrap();
    assert!(ready.claimed.is_none() && ready.revocation.is_none());
}

#[tokio::test]
async fn posts_without_the_right_mailbox_proof_are_refused() {
    let dir = TempDir::new("proof");
    let relay = RelayProc::start(&dir.db(), &[]);
    let r = &mut os_rng();
    let mut inv = invite();
    let mid = inv.host.mailbox_id();

    // Unknown mailbox; posting before authenticating.
    assert_eq!(refused_name(link_connect(&relay.url, &inv.link).await), "UNKNOWN_MAILBOX");
    let (mut raw, _) = Client::open(&relay.url, &mailbox_hex(&mid)).await.unwrap();
    raw.send(&ClientMsg::Post { id: 1, data: vec![1, 2, 3] }).await.unwrap();
    assert!(matches!(recv(&mut raw).await, ServerMsg::Error { id: None, name, .. } if name == "BAD_REQUEST"));

    let (mut host, _) = host_connect(&relay.url, &inv, 0).await;
    // The host cannot post a post-claim message before the claim.
    let snapshot_key = SnapshotKey::generate(r);
    let before_claim = inv.host.snapshot(r, &snapshot_key);
    let (mut link, _) = link_connect(&relay.url, &inv.link).await.unwrap();
    // A link holder may only post claims: not host envelopes or records.
    let mut host_copy = HostSession::from_snapshot(&before_claim, &snapshot_key, 0).unwrap();
    let pre = host_copy.encrypt(r, now(), "x").unwrap();
    assert_eq!(post(&mut link, 1, &pre).await, Err("UNEXPECTED_MESSAGE_TYPE".into()));
    let opened = InviteLink::parse(&inv.link).unwrap().open(&inv.record, now()).unwrap();
    let (mut guest, claim) = opened.claim(r, now()).unwrap();
    let HostReceived::Claimed(acc) = inv.host.decrypt(r, now(), &claim).unwrap() else { panic!() };
    assert_eq!(post(&mut link, 2, &acc.claimed_record).await, Err("UNEXPECTED_MESSAGE_TYPE".into()));
    assert_eq!(post(&mut host, 1, &acc.confirmation).await, Err("NOT_CLAIMED".into()));
    // Link holders cannot delete anything.
    link.send(&ClientMsg::Ack { upto: u64::MAX }).await.unwrap();
    assert!(matches!(recv(&mut link).await, ServerMsg::Error { id: None, name, .. } if name == "FORBIDDEN"));

    // First claim wins: another valid claimed record for the same invite is a conflict.
    let opened2 = InviteLink::parse(&inv.link).unwrap().open(&inv.record, now()).unwrap();
    let (_, claim2) = opened2.claim(r, now()).unwrap();
    let HostReceived::Claimed(acc2) = host_copy.decrypt(r, now(), &claim2).unwrap() else { panic!() };
    post(&mut host, 2, &acc.claimed_record).await.unwrap();
    assert_eq!(post(&mut host, 3, &acc.claimed_record).await, Ok(0), "a retry is fine");
    assert_eq!(post(&mut host, 4, &acc2.claimed_record).await, Err("CONFLICT".into()));
    post(&mut host, 5, &acc.confirmation).await.unwrap();

    // After the claim the link key opens nothing, and the claimed guest is not the host.
    assert_eq!(refused_name(link_connect(&relay.url, &inv.link).await), "CLAIMED");
    let (mut g, ready) = Client::connect(&relay.url, &mid, |c| guest.relay_auth(c), 0, None).await.unwrap();
    assert_eq!(ready.role, Role::Guest);
    let (_, confirmation) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&confirmation).unwrap(), GuestReceived::Confirmed);
    // The relay cannot tell post-claim directions apart, but host-only kinds are refused.
    assert_eq!(post(&mut g, 1, &pre).await, Err("UNEXPECTED_MESSAGE_TYPE".into()));
    assert_eq!(post(&mut g, 3, &acc.claimed_record).await, Err("UNEXPECTED_MESSAGE_TYPE".into()));
    let m = guest.encrypt(r, "from the guest").unwrap();
    assert!(post(&mut g, 2, &m).await.is_ok());
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let dir = TempDir::new("size");
    let relay = RelayProc::start(&dir.db(), &[]);
    let r = &mut os_rng();
    let mut inv = invite();
    let (mut host, _) = host_connect(&relay.url, &inv, 0).await;
    // The largest legitimate message goes through.
    let big = "x".repeat(limits::MAX_BODY_LEN);
    let env = inv.host.encrypt(r, now(), &big).unwrap();
    assert!(env.len() <= MAX_ENVELOPE_LEN);
    post(&mut host, 1, &env).await.unwrap();
    // One byte past the protocol maximum is refused with the library's code.
    let mut over = env.clone();
    over.resize(MAX_ENVELOPE_LEN + 1, 0);
    assert_eq!(post(&mut host, 2, &over).await, Err("ENVELOPE_TOO_LARGE".into()));
    // A frame past the WebSocket limit closes the connection.
    let huge = format!(r#"{{"type":"post","id":3,"data":"{}"}}"#, "A".repeat(MAX_FRAME_LEN + 4));
    host.send_text(huge).await.unwrap();
    let end = tokio::time::timeout(Duration::from_secs(10), host.recv()).await.unwrap();
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");
}

#[tokio::test]
async fn floods_are_rate_limited_per_mailbox_and_pending_is_capped() {
    let dir = TempDir::new("flood");
    let relay = RelayProc::start(
        &dir.db(),
        &["--rate-burst", "5", "--rate-per-sec", "0.001", "--max-pending", "1000"],
    );
    let r = &mut os_rng();
    let mut inv = invite();
    let (mut host, _) = host_connect(&relay.url, &inv, 0).await;
    let mut outcomes = Vec::new();
    for i in 0..8 {
        let env = inv.host.encrypt(r, now(), "flood").unwrap();
        outcomes.push(post(&mut host, i, &env).await);
    }
    assert!(outcomes[..5].iter().all(Result::is_ok), "{outcomes:?}");
    assert!(outcomes[5..].iter().all(|o| o == &Err("RATE_LIMITED".to_owned())), "{outcomes:?}");
    // Another mailbox is not affected.
    let mut other = invite();
    let (mut host2, _) = host_connect(&relay.url, &other, 0).await;
    let env = other.host.encrypt(r, now(), "fine").unwrap();
    assert!(post(&mut host2, 1, &env).await.is_ok());
    drop(relay);

    let dir = TempDir::new("full");
    let relay = RelayProc::start(&dir.db(), &["--max-pending", "3"]);
    let mut inv = invite();
    let (mut host, _) = host_connect(&relay.url, &inv, 0).await;
    let mut outcomes = Vec::new();
    for i in 0..4 {
        let env = inv.host.encrypt(r, now(), "fill").unwrap();
        outcomes.push(post(&mut host, i, &env).await);
    }
    assert!(outcomes[..3].iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(outcomes[3], Err("MAILBOX_FULL".to_owned()));
}

#[tokio::test]
async fn a_killed_relay_restarts_with_nothing_lost() {
    let dir = TempDir::new("restart");
    let relay = RelayProc::start(&dir.db(), &[]);
    let r = &mut os_rng();
    let mut inv = invite();
    let (mut host, _) = host_connect(&relay.url, &inv, 0).await;
    let pre = inv.host.encrypt(r, now(), "before the crash").unwrap();
    post(&mut host, 1, &pre).await.unwrap();
    let opened = InviteLink::parse(&inv.link).unwrap().open(&inv.record, now()).unwrap();
    let (mut guest, claim) = opened.claim(r, now()).unwrap();
    let (mut link, _) = link_connect(&relay.url, &inv.link).await.unwrap();
    post(&mut link, 1, &claim).await.unwrap();
    let (claim_seq, got) = next_envelope(&mut host).await;
    let HostReceived::Claimed(acc) = inv.host.decrypt(r, now(), &got).unwrap() else { panic!() };
    post(&mut host, 2, &acc.claimed_record).await.unwrap();
    post(&mut host, 3, &acc.confirmation).await.unwrap();
    let m = guest.encrypt(r, "sent just before").unwrap();
    relay.kill();

    let relay = RelayProc::start(&dir.db(), &[]);
    // The host reconnects after what it processed: the claim is stored, the record too.
    let (mut host, ready) = host_connect(&relay.url, &inv, claim_seq).await;
    assert_eq!(ready.claimed.as_deref(), Some(acc.claimed_record.as_slice()));
    let (mut g, ready) =
        Client::connect(&relay.url, &guest.mailbox_id(), |c| guest.relay_auth(c), 0, None).await.unwrap();
    assert_eq!(ready.role, Role::Guest, "the claim survived the restart");
    let (_, e1) = next_envelope(&mut g).await;
    assert_eq!(e1, pre);
    let (_, e2) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&e2).unwrap(), GuestReceived::Confirmed);
    post(&mut g, 1, &m).await.unwrap();
    let (_, got) = next_envelope(&mut host).await;
    assert!(
        matches!(inv.host.decrypt(r, now(), &got).unwrap(), HostReceived::Text(t) if t == "sent just before")
    );
}

#[tokio::test]
async fn revoked_and_expired_invites() {
    let dir = TempDir::new("revoke");
    let relay = RelayProc::start(&dir.db(), &[]);
    let r = &mut os_rng();
    let mut inv = invite();
    let (mut host, _) = host_connect(&relay.url, &inv, 0).await;
    let (mut link, _) = link_connect(&relay.url, &inv.link).await.unwrap();
    let rev = inv.host.revoke(r, now()).unwrap();
    post(&mut host, 1, &rev.record).await.unwrap();
    let pushed = loop {
        if let ServerMsg::Revoked { record } = recv(&mut link).await {
            break record;
        }
    };
    let mut opened = InviteLink::parse(&inv.link).unwrap().open(&inv.record, now()).unwrap();
    opened.apply_revocation(&pushed).unwrap();
    let (_, ready) = link_connect(&relay.url, &inv.link).await.unwrap();
    assert_eq!(ready.revocation, Some(rev.record.clone()));
    // Claims are refused from now on.
    let fresh = InviteLink::parse(&inv.link).unwrap().open(&inv.record, now()).unwrap();
    let (_, claim) = fresh.claim(r, now()).unwrap();
    assert_eq!(post(&mut link, 2, &claim).await, Err("INVITE_REVOKED".into()));

    // An expired record cannot create a mailbox; a mailbox that expired unclaimed refuses links.
    let id = HostIdentity::generate(r);
    let old = id.create_invite(r, now() - 100, now() - 1, "http://127.0.0.1/g").unwrap();
    let res = Client::connect(
        &relay.url,
        &old.session.mailbox_id(),
        |c| old.session.relay_auth(c),
        0,
        Some(old.record),
    )
    .await;
    assert_eq!(refused_name(res), "INVITE_EXPIRED");
    let short = id.create_invite(r, now(), now() + 1, "http://127.0.0.1/g").unwrap();
    let inv = Invite { host: short.session, link: short.link.as_str().to_owned(), record: short.record };
    let _ = host_connect(&relay.url, &inv, 0).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(refused_name(link_connect(&relay.url, &inv.link).await), "INVITE_EXPIRED");
}

/// A plain HTTP/1.1 GET: status line, lowercase headers, body.
fn http_get(base: &str, path: &str) -> (String, String, Vec<u8>) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap().to_lowercase();
    let status = head.lines().next().unwrap().to_owned();
    (status, head, raw[split + 4..].to_vec())
}

#[test]
fn the_guest_page_is_served_with_strict_headers_and_nothing_else_leaks() {
    let dir = TempDir::new("http");
    let wasm = dir.0.join("wasm");
    std::fs::create_dir_all(wasm.join("pkg")).unwrap();
    std::fs::create_dir_all(wasm.join("node_modules")).unwrap();
    std::fs::write(wasm.join("web.js"), "export {};").unwrap();
    std::fs::write(wasm.join("pkg/guestlink_wasm_bg.wasm"), b"\0asm").unwrap();
    std::fs::write(wasm.join("node_modules/evil.js"), "x").unwrap();
    std::fs::write(wasm.join("secret.txt"), "x").unwrap();
    let relay = RelayProc::start(&dir.db(), &["--wasm-dir", wasm.to_str().unwrap()]);
    let (status, head, body) = http_get(&relay.url, "/g");
    assert!(status.contains(" 200 "), "{status}");
    assert!(head.contains("referrer-policy: no-referrer"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'none'; script-src 'self' 'wasm-unsafe-eval'")
    );
    assert!(head.contains("x-frame-options: deny") && head.contains("cache-control: no-store"));
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("id=\"open-chat\"") && !html.contains("<script>"), "no inline script");
    assert!(!html.contains("http://") && !html.contains("https://"), "no third-party resources");
    let (status, head, _) = http_get(&relay.url, "/wasm/pkg/guestlink_wasm_bg.wasm");
    assert!(status.contains(" 200 ") && head.contains("content-type: application/wasm"), "{head}");
    assert!(http_get(&relay.url, "/wasm/web.js").0.contains(" 200 "));
    for path in [
        "/wasm/node_modules/evil.js",
        "/wasm/secret.txt",
        "/wasm/../relay.sqlite",
        "/wasm/%2e%2e/relay.sqlite",
        "/wasm/pkg/../web.js",
        "/wasm/.hidden.js",
    ] {
        assert!(http_get(&relay.url, path).0.contains(" 404 "), "{path} must not be served");
    }
    let status = http_get(&relay.url, "/v1/mailbox/not-hex/ws").0;
    assert!(status.contains(" 400 ") || status.contains(" 404 "), "{status}");
}
