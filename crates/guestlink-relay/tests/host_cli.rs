//! The `guestlink` host command line, driven through its stdin and stdout, against the relay
//! binary, with the guest played by the library: invite, chat, claim, list, revoke, and the
//! key file's permissions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use guestlink::{GuestReceived, InviteLink};
use guestlink_relay::client::Client;
use guestlink_relay::wire::{ClientMsg, ServerMsg};
use guestlink_relay::{now, os_rng};

struct Proc {
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_relay(db: &Path) -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_guestlink-relay"))
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    (Proc { child }, url)
}

fn host(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_guestlink")).arg("--home").arg(home).args(args).output().unwrap()
}

/// A running `guestlink chat`, its stdout read line by line on a thread.
struct ChatProc {
    _proc: Proc,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl ChatProc {
    fn start(home: &Path, invite: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_guestlink"))
            .arg("--home")
            .arg(home)
            .args(["chat", invite])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        ChatProc { _proc: Proc { child }, stdin, lines }
    }

    fn say(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits for a line containing `needle`; returns it.
    fn expect(&self, needle: &str) -> String {
        loop {
            let line =
                self.lines.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("no {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn next_envelope(c: &mut Client) -> (u64, Vec<u8>) {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), c.recv()).await.unwrap().unwrap() {
            Some(ServerMsg::Envelope { seq, data }) => return (seq, data),
            Some(_) => {}
            None => panic!("closed"),
        }
    }
}

#[tokio::test]
async fn host_command_line_invites_chats_lists_and_revokes() {
    let tmp = TempDir(std::env::temp_dir().join(format!("guestlink-cli-test-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&tmp.0);
    std::fs::create_dir_all(&tmp.0).unwrap();
    let home = tmp.0.join("home");
    let (_relay, url) = start_relay(&tmp.0.join("relay.sqlite"));

    let out = host(&home, &["init"]);
    assert!(out.status.success(), "{out:?}");
    let key_mode = std::fs::metadata(home.join("snapshot.key")).unwrap().permissions().mode();
    assert_eq!(key_mode & 0o777, 0o600);
    assert_eq!(std::fs::read(home.join("snapshot.key")).unwrap().len(), 32);
    // The identity snapshot is encrypted: the key file's bytes decide whether it loads.
    let out = host(&home, &["invite", "--relay", &url, "--message", "Welcome! Ask me anything."]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let link = stdout.lines().find_map(|l| l.strip_prefix("link: ")).unwrap().to_owned();
    let invite = stdout.lines().find_map(|l| l.strip_prefix("invite: ")).unwrap().to_owned();
    assert!(link.starts_with(&format!("{url}/g#")), "{link}");
    let list = String::from_utf8(host(&home, &["list"]).stdout).unwrap();
    assert!(list.lines().any(|l| l.starts_with(&invite) && l.contains("open")), "{list}");

    // The guest opens the link and reads the first message.
    let r = &mut os_rng();
    let parsed = InviteLink::parse(&link).unwrap();
    let (mut link_conn, ready) =
        Client::connect(&url, &parsed.mailbox_id(), |c| parsed.relay_auth(c), 0, None).await.unwrap();
    let mut opened = parsed.open(&ready.record, now()).unwrap();
    let (_, first) = next_envelope(&mut link_conn).await;
    assert_eq!(opened.decrypt(&first).unwrap(), GuestReceived::Text("Welcome! Ask me anything.".into()));

    // The host chats; the guest claims with a first reply.
    let mut chat = ChatProc::start(&home, &invite[..8]);
    chat.expect("waiting for the guest");
    let (mut guest, claim) = opened.claim(r, now()).unwrap();
    let hello = guest.encrypt(r, "Hello from the guest").unwrap();
    link_conn.send(&ClientMsg::Post { id: 1, data: claim }).await.unwrap();
    link_conn.send(&ClientMsg::Post { id: 2, data: hello }).await.unwrap();
    let code_line = chat.expect("Safety code:");
    assert!(code_line.ends_with(&guest.safety_code().long_form()), "{code_line}");
    chat.expect("guest: Hello from the guest");

    // Reconnect as the claimed guest: the confirmation, then a host message typed in the terminal.
    let (mut g, _) =
        Client::connect(&url, &guest.mailbox_id(), |c| guest.relay_auth(c), 0, None).await.unwrap();
    let (_, dup) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&dup), Err(guestlink::Error::Duplicate));
    let (_, conf) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&conf).unwrap(), GuestReceived::Confirmed);
    chat.say("Nice to meet you");
    let (_, msg) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&msg).unwrap(), GuestReceived::Text("Nice to meet you".into()));
    chat.say("/code");
    chat.expect(&guest.safety_code().long_form());
    let list = String::from_utf8(host(&home, &["list"]).stdout).unwrap();
    assert!(list.lines().any(|l| l.starts_with(&invite) && l.contains("claimed")), "{list}");

    // Revoking from the chat ends the guest's session.
    chat.say("/revoke");
    chat.expect("invite revoked");
    let (_, end) = next_envelope(&mut g).await;
    assert_eq!(guest.decrypt(&end).unwrap(), GuestReceived::Ended);
    drop(chat);
    let list = String::from_utf8(host(&home, &["list"]).stdout).unwrap();
    assert!(list.lines().any(|l| l.starts_with(&invite) && l.contains("revoked")), "{list}");

    // A tampered key file no longer opens the state.
    let mut key = std::fs::read(home.join("snapshot.key")).unwrap();
    key[0] ^= 1;
    std::fs::write(home.join("snapshot.key"), &key).unwrap();
    let out = host(&home, &["list"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("SNAPSHOT_DECRYPT_FAILED"));
    // A key file others can read is refused.
    std::fs::set_permissions(home.join("snapshot.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = host(&home, &["list"]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("readable by others"));
}
