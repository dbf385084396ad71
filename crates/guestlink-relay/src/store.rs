//! Storage behind a small trait: SQLite by default, something else (PostgreSQL) later.
//!
//! The relay stores only what it is given: signed records and opaque envelopes, each tagged
//! with the direction it travels in. Every method is a single short transaction.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

/// Which party an envelope is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Posted by the host (pre-claim or post-claim), fetched by the guest.
    ToGuest,
    /// Posted by a link holder or the claimed guest, fetched by the host.
    ToHost,
}

impl Direction {
    fn as_i64(self) -> i64 {
        match self {
            Direction::ToGuest => 0,
            Direction::ToHost => 1,
        }
    }
}

/// One mailbox as stored: the invite record and, once posted, the claimed and revocation records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxRow {
    /// The host-signed invite record, verified when it was stored.
    pub record: Vec<u8>,
    /// The record's expiry (seconds since the Unix epoch), kept for purging.
    pub expires_at: u64,
    /// The host-signed claimed record, once the host accepted a claim.
    pub claimed: Option<Vec<u8>>,
    /// The host-signed revocation record, once the host revoked the invite.
    pub revocation: Option<Vec<u8>>,
}

/// What [`Store::create_mailbox`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    /// A new mailbox.
    New,
    /// The same record was already stored (a retry).
    Existing,
    /// Another record is stored under this mailbox id.
    Conflict,
}

/// What [`Store::set_claimed`] or [`Store::set_revoked`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetRecord {
    /// Stored now.
    Stored,
    /// The identical record was already stored (a retry).
    Unchanged,
    /// A different record is already stored: the first one wins.
    Conflict,
    /// No such mailbox.
    Missing,
}

/// A storage failure. Messages never contain stored bytes.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "storage error: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// Result alias for storage calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// What the relay needs from its storage. Implementations must make each call atomic.
pub trait Store: Send + Sync + 'static {
    /// Stores a new mailbox with its (already verified) invite record.
    fn create_mailbox(&self, id: &[u8; 16], record: &[u8], expires_at: u64) -> StoreResult<Created>;
    /// Loads a mailbox.
    fn mailbox(&self, id: &[u8; 16]) -> StoreResult<Option<MailboxRow>>;
    /// Stores the claimed record unless one is already stored (first claim wins).
    fn set_claimed(&self, id: &[u8; 16], record: &[u8]) -> StoreResult<SetRecord>;
    /// Stores the revocation record unless one is already stored.
    fn set_revoked(&self, id: &[u8; 16], record: &[u8]) -> StoreResult<SetRecord>;
    /// Appends an envelope; returns its sequence number (increasing per relay), or `None` when
    /// the mailbox already holds `max_pending` envelopes in that direction.
    fn append(
        &self,
        id: &[u8; 16],
        dir: Direction,
        data: &[u8],
        max_pending: usize,
    ) -> StoreResult<Option<u64>>;
    /// Envelopes in `dir` with a sequence number above `after`, oldest first, at most `limit`.
    fn fetch(
        &self,
        id: &[u8; 16],
        dir: Direction,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<(u64, Vec<u8>)>>;
    /// Deletes envelopes in `dir` up to and including `upto`; returns how many went.
    fn delete_upto(&self, id: &[u8; 16], dir: Direction, upto: u64) -> StoreResult<usize>;
    /// Deletes unclaimed mailboxes that expired before `before`, with their envelopes.
    fn purge_expired(&self, before: u64) -> StoreResult<usize>;
}

/// SQLite storage in one file (or in memory for tests).
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS mailbox (
    id BLOB PRIMARY KEY NOT NULL,
    record BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    claimed BLOB,
    revocation BLOB
) STRICT;
CREATE TABLE IF NOT EXISTS envelope (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox BLOB NOT NULL REFERENCES mailbox(id) ON DELETE CASCADE,
    dir INTEGER NOT NULL,
    data BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS envelope_by_mailbox ON envelope (mailbox, dir, seq);
";

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        Self::init(Connection::open(path)?)
    }

    /// A private in-memory database (lost on drop).
    pub fn in_memory() -> StoreResult<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> StoreResult<Self> {
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| StoreError("poisoned lock".into()))
    }

    fn set_record(&self, id: &[u8; 16], column: &str, record: &[u8]) -> StoreResult<SetRecord> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        // `column` is one of two constants below, never input.
        let current: Option<Option<Vec<u8>>> = tx
            .query_row(&format!("SELECT {column} FROM mailbox WHERE id = ?1"), params![&id[..]], |r| r.get(0))
            .optional()?;
        let outcome = match current {
            None => SetRecord::Missing,
            Some(Some(existing)) if existing == record => SetRecord::Unchanged,
            Some(Some(_)) => SetRecord::Conflict,
            Some(None) => {
                tx.execute(
                    &format!("UPDATE mailbox SET {column} = ?2 WHERE id = ?1"),
                    params![&id[..], record],
                )?;
                SetRecord::Stored
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}

impl Store for SqliteStore {
    fn create_mailbox(&self, id: &[u8; 16], record: &[u8], expires_at: u64) -> StoreResult<Created> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let existing: Option<Vec<u8>> = tx
            .query_row("SELECT record FROM mailbox WHERE id = ?1", params![&id[..]], |r| r.get(0))
            .optional()?;
        let outcome = match existing {
            Some(r) if r == record => Created::Existing,
            Some(_) => Created::Conflict,
            None => {
                tx.execute(
                    "INSERT INTO mailbox (id, record, expires_at) VALUES (?1, ?2, ?3)",
                    params![&id[..], record, to_i64(expires_at)],
                )?;
                Created::New
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    fn mailbox(&self, id: &[u8; 16]) -> StoreResult<Option<MailboxRow>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT record, expires_at, claimed, revocation FROM mailbox WHERE id = ?1",
                params![&id[..]],
                |r| {
                    Ok(MailboxRow {
                        record: r.get(0)?,
                        expires_at: to_u64(r.get(1)?),
                        claimed: r.get(2)?,
                        revocation: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn set_claimed(&self, id: &[u8; 16], record: &[u8]) -> StoreResult<SetRecord> {
        self.set_record(id, "claimed", record)
    }

    fn set_revoked(&self, id: &[u8; 16], record: &[u8]) -> StoreResult<SetRecord> {
        self.set_record(id, "revocation", record)
    }

    fn append(
        &self,
        id: &[u8; 16],
        dir: Direction,
        data: &[u8],
        max_pending: usize,
    ) -> StoreResult<Option<u64>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let pending: i64 = tx.query_row(
            "SELECT COUNT(*) FROM envelope WHERE mailbox = ?1 AND dir = ?2",
            params![&id[..], dir.as_i64()],
            |r| r.get(0),
        )?;
        if to_u64(pending) >= max_pending as u64 {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO envelope (mailbox, dir, data) VALUES (?1, ?2, ?3)",
            params![&id[..], dir.as_i64(), data],
        )?;
        let seq = to_u64(tx.last_insert_rowid());
        tx.commit()?;
        Ok(Some(seq))
    }

    fn fetch(
        &self,
        id: &[u8; 16],
        dir: Direction,
        after: u64,
        limit: usize,
    ) -> StoreResult<Vec<(u64, Vec<u8>)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT seq, data FROM envelope WHERE mailbox = ?1 AND dir = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![&id[..], dir.as_i64(), to_i64(after), i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| Ok((to_u64(r.get(0)?), r.get(1)?)),
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn delete_upto(&self, id: &[u8; 16], dir: Direction, upto: u64) -> StoreResult<usize> {
        let conn = self.conn()?;
        Ok(conn.execute(
            "DELETE FROM envelope WHERE mailbox = ?1 AND dir = ?2 AND seq <= ?3",
            params![&id[..], dir.as_i64(), to_i64(upto)],
        )?)
    }

    fn purge_expired(&self, before: u64) -> StoreResult<usize> {
        let conn = self.conn()?;
        Ok(conn.execute(
            "DELETE FROM mailbox WHERE claimed IS NULL AND expires_at < ?1",
            params![to_i64(before)],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_record_wins_and_envelopes_are_per_direction() {
        let s = SqliteStore::in_memory().unwrap();
        let id = [7u8; 16];
        assert_eq!(s.create_mailbox(&id, b"rec", 100).unwrap(), Created::New);
        assert_eq!(s.create_mailbox(&id, b"rec", 100).unwrap(), Created::Existing);
        assert_eq!(s.create_mailbox(&id, b"other", 100).unwrap(), Created::Conflict);
        assert_eq!(s.set_claimed(&id, b"c1").unwrap(), SetRecord::Stored);
        assert_eq!(s.set_claimed(&id, b"c1").unwrap(), SetRecord::Unchanged);
        assert_eq!(s.set_claimed(&id, b"c2").unwrap(), SetRecord::Conflict);
        assert_eq!(s.set_claimed(&[0; 16], b"c1").unwrap(), SetRecord::Missing);
        let a = s.append(&id, Direction::ToGuest, b"a", 2).unwrap().unwrap();
        let b = s.append(&id, Direction::ToGuest, b"b", 2).unwrap().unwrap();
        assert!(b > a);
        assert_eq!(s.append(&id, Direction::ToGuest, b"c", 2).unwrap(), None, "quota");
        s.append(&id, Direction::ToHost, b"h", 2).unwrap().unwrap();
        assert_eq!(
            s.fetch(&id, Direction::ToGuest, 0, 10).unwrap(),
            vec![(a, b"a".to_vec()), (b, b"b".to_vec())]
        );
        assert_eq!(s.fetch(&id, Direction::ToGuest, a, 10).unwrap(), vec![(b, b"b".to_vec())]);
        assert_eq!(s.delete_upto(&id, Direction::ToGuest, a).unwrap(), 1);
        assert_eq!(s.fetch(&id, Direction::ToGuest, 0, 10).unwrap().len(), 1);
        assert_eq!(s.fetch(&id, Direction::ToHost, 0, 10).unwrap().len(), 1);
        let row = s.mailbox(&id).unwrap().unwrap();
        assert_eq!(row.claimed.as_deref(), Some(&b"c1"[..]));
        assert_eq!(row.revocation, None);
    }

    #[test]
    fn purge_keeps_claimed_mailboxes() {
        let s = SqliteStore::in_memory().unwrap();
        s.create_mailbox(&[1; 16], b"r1", 10).unwrap();
        s.create_mailbox(&[2; 16], b"r2", 10).unwrap();
        s.create_mailbox(&[3; 16], b"r3", 50).unwrap();
        s.append(&[1; 16], Direction::ToGuest, b"x", 10).unwrap();
        s.set_claimed(&[2; 16], b"c").unwrap();
        assert_eq!(s.purge_expired(20).unwrap(), 1);
        assert!(s.mailbox(&[1; 16]).unwrap().is_none());
        assert!(s.fetch(&[1; 16], Direction::ToGuest, 0, 10).unwrap().is_empty(), "cascade");
        assert!(s.mailbox(&[2; 16]).unwrap().is_some());
        assert!(s.mailbox(&[3; 16]).unwrap().is_some());
    }
}
