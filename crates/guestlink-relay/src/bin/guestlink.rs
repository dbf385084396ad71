//! `guestlink`: the host's command line. Creates an identity and invites, chats in the terminal,
//! lists and revokes invites. State lives in encrypted snapshots under `--home` (see README).
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64ct::{Base64, Encoding};
use guestlink::{HostIdentity, HostReceived, HostSession, HostState, InviteRecord, SnapshotKey};
use guestlink_relay::client::{Client, ClientError};
use guestlink_relay::wire::{ClientMsg, ServerMsg, mailbox_hex};
use guestlink_relay::{now, os_rng};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;

const USAGE: &str = "usage: guestlink [--home DIR] <command>

commands:
  init                      create the host identity (once)
  invite [options]          create an invite, publish it on the relay, print the link
      --relay URL           relay address (default http://127.0.0.1:8787)
      --base-url URL        what the link starts with (default <relay>/g)
      --expires-in SECS     how long the link can be claimed (default 86400)
      --message TEXT        a first message the guest reads when it opens the link
      --chat                start chatting right away
  chat <invite>             chat with the guest in the terminal (lines you type are sent)
  list                      list invites and their state
  revoke <invite>           revoke an invite (and end its chat)

<invite> is the invite id printed by `invite`, or any unique prefix of it.
--home defaults to $GUESTLINK_HOME, else ~/.guestlink.";

type CliResult<T> = Result<T, String>;

fn core_err(e: guestlink::Error) -> String {
    format!("{} ({}, {})", e.message(), e.name(), e.code())
}

/// What is kept next to each session snapshot. Nothing in it is secret: the link is not kept.
#[derive(Serialize, Deserialize, Clone)]
struct InviteMeta {
    relay: String,
    created_at: u64,
    expires_at: u64,
    /// The counter of the last snapshot written: older snapshots are refused as rollbacks.
    counter: u64,
    /// The highest envelope sequence number processed and saved.
    acked: u64,
    /// The signed invite record (public), to recreate the mailbox if the relay lost it.
    record: String,
    /// After the claim: the claimed record and the confirmation, re-posted if they never arrived.
    #[serde(default)]
    claimed_record: Option<String>,
    #[serde(default)]
    confirmation: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct IdentityMeta {
    counter: u64,
}

struct Home {
    dir: PathBuf,
    key: SnapshotKey,
}

fn write_private(path: &Path, bytes: &[u8]) -> CliResult<()> {
    // Write then rename, so a crash never leaves half a snapshot.
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn read(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> CliResult<T> {
    serde_json::from_slice(&read(path)?).map_err(|e| format!("{} is damaged: {e}", path.display()))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> CliResult<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    write_private(path, &bytes)
}

impl Home {
    /// Opens the state directory, creating it and the snapshot key file when `create` is set.
    fn open(dir: PathBuf, create: bool) -> CliResult<Home> {
        let key_path = dir.join("snapshot.key");
        if !key_path.exists() {
            if !create {
                return Err(format!("no host identity in {}: run `guestlink init` first", dir.display()));
            }
            std::fs::create_dir_all(dir.join("invites"))
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| e.to_string())?;
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| format!("no OS randomness: {e}"))?;
            // create_new: never overwrite a key that snapshots depend on.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&key_path)
                .map_err(|e| format!("cannot create {}: {e}", key_path.display()))?;
            f.write_all(&key).and_then(|()| f.sync_all()).map_err(|e| e.to_string())?;
        }
        let mode = std::fs::metadata(&key_path).map_err(|e| e.to_string())?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} is readable by others (mode {:o}): chmod 600 it",
                key_path.display(),
                mode & 0o777
            ));
        }
        let bytes: [u8; 32] = read(&key_path)?
            .try_into()
            .map_err(|_| format!("{} is not a 32-byte key", key_path.display()))?;
        Ok(Home { dir, key: SnapshotKey::from_bytes(bytes) })
    }

    fn identity(&self) -> CliResult<HostIdentity> {
        let meta: IdentityMeta = read_json(&self.dir.join("identity.json"))?;
        HostIdentity::from_snapshot(&read(&self.dir.join("identity.snap"))?, &self.key, meta.counter)
            .map_err(core_err)
    }

    fn save_identity(&self, id: &mut HostIdentity) -> CliResult<()> {
        let snap = id.snapshot(&mut os_rng(), &self.key);
        write_private(&self.dir.join("identity.snap"), &snap)?;
        write_json(&self.dir.join("identity.json"), &IdentityMeta { counter: id.snapshot_counter() })
    }

    fn invite_path(&self, hex: &str, ext: &str) -> PathBuf {
        self.dir.join("invites").join(format!("{hex}.{ext}"))
    }

    fn invites(&self) -> CliResult<Vec<String>> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(self.dir.join("invites")).map_err(|e| e.to_string())?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(hex) = name.strip_suffix(".json") {
                out.push(hex.to_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Finds an invite by id or unique prefix.
    fn find(&self, prefix: &str) -> CliResult<String> {
        let matches: Vec<String> = self.invites()?.into_iter().filter(|h| h.starts_with(prefix)).collect();
        match matches.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(format!("no invite {prefix}: see `guestlink list`")),
            _ => Err(format!("{prefix} matches several invites: give more of the id")),
        }
    }

    fn load(&self, hex: &str) -> CliResult<(HostSession, InviteMeta)> {
        let meta: InviteMeta = read_json(&self.invite_path(hex, "json"))?;
        let session =
            HostSession::from_snapshot(&read(&self.invite_path(hex, "snap"))?, &self.key, meta.counter)
                .map_err(core_err)?;
        if mailbox_hex(&session.mailbox_id()) != hex {
            return Err(format!("{hex}: the snapshot holds another invite"));
        }
        Ok((session, meta))
    }

    fn save(&self, session: &mut HostSession, meta: &mut InviteMeta) -> CliResult<()> {
        let hex = mailbox_hex(&session.mailbox_id());
        let snap = session.snapshot(&mut os_rng(), &self.key);
        write_private(&self.invite_path(&hex, "snap"), &snap)?;
        meta.counter = session.snapshot_counter();
        write_json(&self.invite_path(&hex, "json"), meta)
    }
}

fn b64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

fn unb64(s: &str) -> CliResult<Vec<u8>> {
    Base64::decode_vec(s).map_err(|_| "damaged base64 in state".to_owned())
}

fn cmd_init(home: &Home) -> CliResult<()> {
    if home.dir.join("identity.snap").exists() {
        let id = home.identity()?;
        println!("host identity already exists; fingerprint: {}", id.public_key().fingerprint());
        return Ok(());
    }
    let mut id = HostIdentity::generate(&mut os_rng());
    home.save_identity(&mut id)?;
    println!("host identity created; fingerprint: {}", id.public_key().fingerprint());
    println!("state: {} (snapshots encrypted under snapshot.key, mode 600)", home.dir.display());
    Ok(())
}

struct InviteOpts {
    relay: String,
    base_url: Option<String>,
    expires_in: u64,
    message: Option<String>,
    chat: bool,
}

async fn cmd_invite(home: &Home, opts: InviteOpts) -> CliResult<()> {
    if !home.dir.join("identity.snap").exists() {
        cmd_init(home)?;
    }
    let id = home.identity()?;
    let rng = &mut os_rng();
    let created_at = now();
    let base = opts.base_url.unwrap_or_else(|| format!("{}/g", opts.relay.trim_end_matches('/')));
    let inv = id.create_invite(rng, created_at, created_at + opts.expires_in, &base).map_err(core_err)?;
    let mut session = inv.session;
    let hex = mailbox_hex(&session.mailbox_id());
    let mut meta = InviteMeta {
        relay: opts.relay.clone(),
        created_at,
        expires_at: created_at + opts.expires_in,
        counter: 0,
        acked: 0,
        record: b64(&inv.record),
        claimed_record: None,
        confirmation: None,
    };
    let first = match &opts.message {
        Some(text) => Some(session.encrypt(rng, created_at, text).map_err(core_err)?),
        None => None,
    };
    // Persist before publishing anything.
    home.save(&mut session, &mut meta)?;
    let (mut client, _) = Client::connect(
        &opts.relay,
        &session.mailbox_id(),
        |c| session.relay_auth(c),
        0,
        Some(inv.record.clone()),
    )
    .await
    .map_err(|e| format!("cannot publish the invite on {}: {e}", opts.relay))?;
    if let Some(envelope) = first {
        post_and_wait(&mut client, 1, envelope).await?;
    }
    client.close().await;
    println!("invite: {hex}");
    println!("host fingerprint: {}", id.public_key().fingerprint());
    println!("link: {}", inv.link.as_str());
    println!(
        "Send the link to your guest (anyone holding it can read what you send before they reply). \
         It can be claimed for {} minutes.",
        opts.expires_in / 60
    );
    if opts.chat {
        chat(home, &hex).await
    } else {
        println!("Then run: guestlink chat {}", hex.get(..8).unwrap_or(&hex));
        Ok(())
    }
}

async fn post_and_wait(client: &mut Client, id: u64, data: Vec<u8>) -> CliResult<u64> {
    client.send(&ClientMsg::Post { id, data }).await.map_err(|e| e.to_string())?;
    loop {
        match client.recv().await.map_err(|e| e.to_string())? {
            Some(ServerMsg::Posted { id: i, seq }) if i == id => return Ok(seq),
            Some(ServerMsg::Error { id: Some(i), name, code, .. }) if i == id => {
                return Err(format!("the relay refused: {name} ({code})"));
            }
            Some(ServerMsg::Error { id: None, name, code, .. }) => {
                return Err(format!("the relay refused: {name} ({code})"));
            }
            None => return Err("the relay closed the connection".into()),
            Some(_) => {}
        }
    }
}

fn cmd_list(home: &Home) -> CliResult<()> {
    let invites = home.invites()?;
    if invites.is_empty() {
        println!("no invites yet: guestlink invite");
        return Ok(());
    }
    let t = now();
    println!("{:<32}  {:<9}  {:<22}  relay", "invite", "state", "expiry");
    for hex in invites {
        match home.load(&hex) {
            Ok((session, meta)) => {
                let state = match session.state() {
                    HostState::Unclaimed if t >= meta.expires_at => "expired",
                    HostState::Unclaimed => "open",
                    HostState::Claimed => "claimed",
                    HostState::Revoked => "revoked",
                    _ => "unknown",
                };
                let expiry = if t >= meta.expires_at {
                    format!("expired {} min ago", (t - meta.expires_at) / 60)
                } else {
                    format!("in {} min", (meta.expires_at - t) / 60)
                };
                println!("{hex:<32}  {state:<9}  {expiry:<22}  {}", meta.relay);
            }
            Err(e) => println!("{hex:<32}  unreadable: {e}"),
        }
    }
    Ok(())
}

async fn cmd_revoke(home: &Home, hex: &str) -> CliResult<()> {
    let (mut session, mut meta) = home.load(hex)?;
    let rev = session.revoke(&mut os_rng(), now()).map_err(core_err)?;
    home.save(&mut session, &mut meta)?;
    let (mut client, _) =
        Client::connect(&meta.relay, &session.mailbox_id(), |c| session.relay_auth(c), u64::MAX, None)
            .await
            .map_err(|e| {
                format!("revoked locally, but cannot reach the relay ({e}); run revoke again later")
            })?;
    if let Some(end) = rev.end_message {
        post_and_wait(&mut client, 1, end).await?;
    }
    post_and_wait(&mut client, 2, rev.record).await?;
    client.close().await;
    println!("invite {hex} revoked");
    Ok(())
}

/// One interactive chat session on one invite.
struct Chat<'a> {
    home: &'a Home,
    session: HostSession,
    meta: InviteMeta,
    /// Posts not yet confirmed by the relay, re-sent after a reconnect.
    outbox: VecDeque<(u64, Vec<u8>)>,
    next_id: u64,
    quitting: bool,
}

enum Line {
    Text(String),
    Eof,
}

fn say(text: &str) {
    println!("* {text}");
}

impl Chat<'_> {
    fn save(&mut self) -> CliResult<()> {
        self.home.save(&mut self.session, &mut self.meta)
    }

    fn queue(&mut self, data: Vec<u8>) -> u64 {
        self.next_id += 1;
        self.outbox.push_back((self.next_id, data));
        self.next_id
    }

    async fn send_queued(&mut self, client: &mut Client, id: u64) -> Result<(), ClientError> {
        if let Some((_, data)) = self.outbox.iter().find(|(i, _)| *i == id) {
            client.send(&ClientMsg::Post { id, data: data.clone() }).await?;
        }
        Ok(())
    }

    async fn on_line(&mut self, client: &mut Client, line: &str) -> CliResult<()> {
        let line = line.trim_end_matches(['\r', '\n']);
        match line.trim() {
            "" => Ok(()),
            "/quit" => {
                self.quitting = true;
                Ok(())
            }
            "/help" => {
                say(
                    "type a line to send it; /code shows the safety code; /revoke ends the chat; /quit leaves",
                );
                Ok(())
            }
            "/code" => {
                match self.session.safety_code() {
                    Some(code) => say(&format!("safety code: {}", code.long_form())),
                    None => say("no safety code yet: the guest has not opened the chat"),
                }
                Ok(())
            }
            "/revoke" => {
                let rev = self.session.revoke(&mut os_rng(), now()).map_err(core_err)?;
                self.save()?;
                if let Some(end) = rev.end_message {
                    let id = self.queue(end);
                    let _ = self.send_queued(client, id).await;
                }
                let id = self.queue(rev.record);
                let _ = self.send_queued(client, id).await;
                say("invite revoked: the chat is over");
                self.quitting = true;
                Ok(())
            }
            _ => {
                let envelope = match self.session.encrypt(&mut os_rng(), now(), line) {
                    Ok(e) => e,
                    Err(e) => {
                        say(&format!("not sent: {}", core_err(e)));
                        return Ok(());
                    }
                };
                self.save()?;
                let id = self.queue(envelope);
                let _ = self.send_queued(client, id).await;
                Ok(())
            }
        }
    }

    async fn on_envelope(&mut self, client: &mut Client, seq: u64, data: &[u8]) -> CliResult<()> {
        match self.session.decrypt(&mut os_rng(), now(), data) {
            Ok(HostReceived::Claimed(acc)) => {
                // Persist the acceptance before acting on it (SPEC: claim acceptance).
                self.meta.claimed_record = Some(b64(&acc.claimed_record));
                self.meta.confirmation = Some(b64(&acc.confirmation));
                self.meta.acked = seq;
                self.save()?;
                let a = self.queue(acc.claimed_record);
                let b = self.queue(acc.confirmation);
                let _ = self.send_queued(client, a).await;
                let _ = self.send_queued(client, b).await;
                say(&format!("the guest opened the chat. Safety code: {}", acc.safety_code.long_form()));
                say("compare it with the code on the guest's screen, over another channel");
                if let Some(text) = acc.text {
                    println!("guest: {text}");
                }
            }
            Ok(HostReceived::Text(text)) => {
                self.meta.acked = seq;
                self.save()?;
                println!("guest: {text}");
            }
            Ok(HostReceived::Join) | Err(guestlink::Error::Duplicate) => {
                self.meta.acked = seq;
                self.save()?;
            }
            Ok(_) => {}
            Err(guestlink::Error::CompetingClaim) => {
                say(
                    "someone else holding the link tried to claim it too: refused (only the first claim counts)",
                );
            }
            Err(e) => say(&format!("dropped an envelope that does not verify: {}", core_err(e))),
        }
        client.send(&ClientMsg::Ack { upto: seq }).await.map_err(|e| e.to_string())
    }

    async fn on_server(&mut self, client: &mut Client, msg: ServerMsg) -> CliResult<()> {
        match msg {
            ServerMsg::Envelope { seq, data } => self.on_envelope(client, seq, &data).await?,
            ServerMsg::Posted { id, .. } => self.outbox.retain(|(i, _)| *i != id),
            ServerMsg::Error { id: Some(id), name, code, .. } => {
                self.outbox.retain(|(i, _)| *i != id);
                say(&format!("the relay refused a message: {name} ({code})"));
            }
            ServerMsg::Error { id: None, name, code, .. } => {
                return Err(format!("the relay ended the connection: {name} ({code})"));
            }
            _ => {}
        }
        Ok(())
    }

    /// One connection's life: returns Ok when the user quits, Err(ClientError) to reconnect.
    async fn connected(&mut self, lines: &mut mpsc::Receiver<Line>) -> Result<bool, ClientError> {
        let record = unb64(&self.meta.record).map_err(ClientError::Protocol)?;
        let (mut client, ready) = Client::connect(
            &self.meta.relay,
            &self.session.mailbox_id(),
            |c| self.session.relay_auth(c),
            self.meta.acked,
            Some(record),
        )
        .await?;
        // A claim we accepted whose record never reached the relay (we crashed): post it again.
        if let (None, Some(c), Some(conf)) =
            (&ready.claimed, self.meta.claimed_record.clone(), self.meta.confirmation.clone())
        {
            let c = unb64(&c).map_err(ClientError::Protocol)?;
            let conf = unb64(&conf).map_err(ClientError::Protocol)?;
            self.queue(c);
            self.queue(conf);
        }
        let pending: Vec<u64> = self.outbox.iter().map(|(i, _)| *i).collect();
        for id in pending {
            self.send_queued(&mut client, id).await?;
        }
        loop {
            if self.quitting && self.outbox.is_empty() {
                client.close().await;
                return Ok(true);
            }
            tokio::select! {
                line = lines.recv() => match line {
                    Some(Line::Text(l)) => {
                        self.on_line(&mut client, &l).await.map_err(ClientError::Protocol)?;
                    }
                    Some(Line::Eof) | None => {
                        self.quitting = true;
                        if !self.outbox.is_empty() {
                            // Give the relay a moment to confirm what is in flight.
                            let deadline = tokio::time::sleep(Duration::from_secs(3));
                            tokio::pin!(deadline);
                            while !self.outbox.is_empty() {
                                tokio::select! {
                                    _ = &mut deadline => break,
                                    m = client.recv() => match m? {
                                        Some(m) => self.on_server(&mut client, m).await.map_err(ClientError::Protocol)?,
                                        None => break,
                                    },
                                }
                            }
                        }
                        client.close().await;
                        return Ok(true);
                    }
                },
                msg = client.recv() => match msg? {
                    Some(m) => self.on_server(&mut client, m).await.map_err(ClientError::Protocol)?,
                    None => return Err(ClientError::Connection("closed".into())),
                },
            }
        }
    }
}

async fn chat(home: &Home, hex: &str) -> CliResult<()> {
    let (session, meta) = home.load(hex)?;
    if let Ok(rec) = InviteRecord::parse(&unb64(&meta.record)?) {
        say(&format!("chat on invite {hex}; your fingerprint {}", rec.host_identity().fingerprint()));
    }
    match session.state() {
        HostState::Revoked => return Err("this invite was revoked".into()),
        HostState::Claimed => say("the guest has joined; type to chat (/help for commands)"),
        _ => {
            say("waiting for the guest to open the link; you can already type messages (/help for commands)")
        }
    }
    let (tx, mut lines) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut reader = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if tx.send(Line::Text(line)).await.is_err() {
                return;
            }
        }
        let _ = tx.send(Line::Eof).await;
    });
    let mut chat = Chat { home, session, meta, outbox: VecDeque::new(), next_id: 0, quitting: false };
    let mut delay = Duration::from_millis(250);
    let mut connected_once = false;
    loop {
        match chat.connected(&mut lines).await {
            Ok(_) => return Ok(()),
            Err(ClientError::Refused { name, code, .. }) => {
                return Err(format!("the relay refused this host: {name} ({code})"));
            }
            Err(ClientError::Protocol(e)) if e.starts_with("cannot") => return Err(e),
            Err(e) => {
                if connected_once || delay == Duration::from_millis(250) {
                    say(&format!("relay unreachable ({e}); retrying"));
                }
                connected_once = true;
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}

enum Cmd {
    Init,
    Invite(InviteOpts),
    Chat(String),
    List,
    Revoke(String),
}

fn parse_args() -> CliResult<(PathBuf, Cmd)> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut home = std::env::var_os("GUESTLINK_HOME").map(PathBuf::from);
    if args.first().map(String::as_str) == Some("--home") {
        args.remove(0);
        if args.is_empty() {
            return Err("--home needs a directory".into());
        }
        home = Some(PathBuf::from(args.remove(0)));
    }
    let home = match home {
        Some(h) => h,
        None => PathBuf::from(std::env::var_os("HOME").ok_or("set HOME or --home")?).join(".guestlink"),
    };
    let mut it = args.into_iter();
    let cmd = it.next().ok_or(USAGE)?;
    let rest: Vec<String> = it.collect();
    let cmd = match cmd.as_str() {
        "init" => Cmd::Init,
        "list" => Cmd::List,
        "chat" => Cmd::Chat(rest.first().ok_or("chat needs an invite id")?.clone()),
        "revoke" => Cmd::Revoke(rest.first().ok_or("revoke needs an invite id")?.clone()),
        "invite" => {
            let mut o = InviteOpts {
                relay: "http://127.0.0.1:8787".into(),
                base_url: None,
                expires_in: 86_400,
                message: None,
                chat: false,
            };
            let mut it = rest.into_iter();
            while let Some(flag) = it.next() {
                let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
                match flag.as_str() {
                    "--relay" => o.relay = value()?,
                    "--base-url" => o.base_url = Some(value()?),
                    "--expires-in" => o.expires_in = value()?.parse().map_err(|_| "bad --expires-in")?,
                    "--message" => o.message = Some(value()?),
                    "--chat" => o.chat = true,
                    other => return Err(format!("unknown option {other}\n{USAGE}")),
                }
            }
            Cmd::Invite(o)
        }
        "-h" | "--help" | "help" => return Err(USAGE.into()),
        other => return Err(format!("unknown command {other}\n{USAGE}")),
    };
    Ok((home, cmd))
}

async fn run() -> CliResult<()> {
    let (dir, cmd) = parse_args()?;
    let home = Home::open(dir, matches!(cmd, Cmd::Init | Cmd::Invite(_)))?;
    match cmd {
        Cmd::Init => cmd_init(&home),
        Cmd::Invite(o) => cmd_invite(&home, o).await,
        Cmd::Chat(prefix) => {
            let hex = home.find(&prefix)?;
            chat(&home, &hex).await
        }
        Cmd::List => cmd_list(&home),
        Cmd::Revoke(prefix) => {
            let hex = home.find(&prefix)?;
            cmd_revoke(&home, &hex).await
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("guestlink: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
