//! Named protocol limits (SPEC §11). Every check that uses them happens before key derivation.

/// Maximum number of message keys one received message may make a chain skip.
pub const MAX_MESSAGE_GAP: u32 = 1000;
/// Maximum number of stored skipped message keys per session; the oldest are evicted first.
pub const MAX_SKIPPED_KEYS: usize = 1000;
/// Maximum number of receiving chains remembered (the current one included); the oldest goes first.
pub const MAX_RECEIVING_CHAINS: usize = 5;
/// Maximum length in bytes of a message body (the UTF-8 text).
pub const MAX_BODY_LEN: usize = 65_536;
/// Smallest padded plaintext length.
pub const MIN_PADDED_LEN: usize = 64;
/// Clock skew in seconds a guest allows when it checks an invite's expiry (the host allows none).
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;
/// Shortest relay challenge accepted, in bytes.
pub const MIN_CHALLENGE_LEN: usize = 16;
/// Longest relay challenge accepted, in bytes.
pub const MAX_CHALLENGE_LEN: usize = 64;
/// Longest base URL accepted when a link is made or parsed, in bytes.
pub const MAX_BASE_URL_LEN: usize = 2048;
