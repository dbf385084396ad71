/* Misuse of the C ABI: NULL for every pointer argument of every function, zero and huge lengths,
 * too-small output buffers, invalid UTF-8, consumed and already-used handles, outputs overlapping
 * *out_len or an input. Every failing call
 * must leave its outputs untouched (checked with sentinels), and under ASan/Valgrind must not
 * read or write out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

#define NOW 1800000000ull
#define SENTINEL ((size_t)0x5eed)
#define NUL GUESTLINK_RESULT_NULL_ARGUMENT

static const char BASE_URL[] = "https://chat.example/g";
static const uint8_t CHALLENGE[16] = "0123456789abcdef";

/* A getter writing bytes: NULL for each pointer; a too-small buffer reports the size and writes
 * nothing; the exact size works. */
#define CHECK_BUF_GETTER(fn, handle)                                               \
  do {                                                                             \
    uint8_t b_[512];                                                               \
    size_t l_ = SENTINEL, need_ = 0;                                               \
    CHECK_RC(fn(NULL, b_, sizeof b_, &l_), NUL);                                   \
    CHECK_RC(fn((handle), NULL, sizeof b_, &l_), NUL);                             \
    CHECK_RC(fn((handle), NULL, 0, &l_), NUL);                                     \
    CHECK_RC(fn((handle), b_, sizeof b_, NULL), NUL);                              \
    CHECK(l_ == SENTINEL);                                                         \
    memset(b_, 0xAA, sizeof b_);                                                   \
    CHECK_RC(fn((handle), b_, 0, &need_), GUESTLINK_RESULT_BUFFER_TOO_SMALL);      \
    CHECK(need_ > 0 && need_ <= sizeof b_);                                        \
    CHECK(b_[0] == 0xAA);                                                          \
    CHECK_RC(fn((handle), b_, need_ - 1, &l_), GUESTLINK_RESULT_BUFFER_TOO_SMALL); \
    CHECK(l_ == need_);                                                            \
    CHECK(b_[0] == 0xAA && b_[need_ - 1] == 0xAA);                                 \
    l_ = SENTINEL;                                                                 \
    CHECK_OK(fn((handle), b_, need_, &l_));                                        \
    CHECK(l_ == need_);                                                            \
    /* *out_len inside the output: refused, nothing written. */                   \
    size_t w_[64];                                                                 \
    memset(w_, 0xAB, sizeof w_);                                                   \
    CHECK_RC(fn((handle), (uint8_t *)w_, sizeof w_, &w_[0]), GUESTLINK_RESULT_INVALID_ARGUMENT); \
    CHECK(w_[0] == w_[63] && ((uint8_t *)w_)[0] == 0xAB);                          \
    /* A huge capacity over an exact-size heap buffer: only `need_` bytes are     \
     * written (ASan and Valgrind would report more). */                          \
    uint8_t *exact_ = malloc(need_);                                               \
    CHECK(exact_ != NULL);                                                         \
    if (exact_ != NULL) {                                                          \
      CHECK_OK(fn((handle), exact_, SIZE_MAX, &l_));                               \
      CHECK(l_ == need_ && memcmp(exact_, b_, need_) == 0);                        \
      free(exact_);                                                                \
    }                                                                              \
  } while (0)

/* A getter writing one value. */
#define CHECK_VALUE_GETTER(fn, handle, type) \
  do {                                       \
    type v_;                                 \
    CHECK_RC(fn(NULL, &v_), NUL);            \
    CHECK_RC(fn((handle), NULL), NUL);       \
    CHECK_OK(fn((handle), &v_));             \
  } while (0)

/* A relay-auth signer: NULL for each pointer, challenge lengths out of range. */
#define CHECK_RELAY_AUTH(fn, handle)                                                                   \
  do {                                                                                                 \
    uint8_t s_[GUESTLINK_SIGNATURE_LEN];                                                               \
    size_t l_ = SENTINEL;                                                                              \
    CHECK_RC(fn(NULL, CHALLENGE, sizeof CHALLENGE, s_, sizeof s_, &l_), NUL);                          \
    CHECK_RC(fn((handle), NULL, sizeof CHALLENGE, s_, sizeof s_, &l_), NUL);                           \
    CHECK_RC(fn((handle), CHALLENGE, sizeof CHALLENGE, NULL, sizeof s_, &l_), NUL);                    \
    CHECK_RC(fn((handle), CHALLENGE, sizeof CHALLENGE, s_, sizeof s_, NULL), NUL);                     \
    CHECK_RC(fn((handle), CHALLENGE, 0, s_, sizeof s_, &l_), GUESTLINK_RESULT_INVALID_ARGUMENT);        \
    CHECK_RC(fn((handle), CHALLENGE, SIZE_MAX, s_, sizeof s_, &l_), GUESTLINK_RESULT_INVALID_ARGUMENT); \
    /* The challenge inside the output, *out_len inside the challenge: refused, nothing written. */   \
    size_t w_[(GUESTLINK_SIGNATURE_LEN + 16) / sizeof(size_t)];                                        \
    uint8_t *o_ = (uint8_t *)w_;                                                                       \
    memcpy(o_ + 8, CHALLENGE, sizeof CHALLENGE);                                                       \
    CHECK_RC(fn((handle), o_ + 8, sizeof CHALLENGE, o_, sizeof w_, &l_), GUESTLINK_RESULT_INVALID_ARGUMENT); \
    CHECK(memcmp(o_ + 8, CHALLENGE, sizeof CHALLENGE) == 0);                                           \
    CHECK_RC(fn((handle), o_, sizeof CHALLENGE, s_, sizeof s_, &w_[1]), GUESTLINK_RESULT_INVALID_ARGUMENT); \
    CHECK(memcmp(o_ + 8, CHALLENGE, sizeof CHALLENGE) == 0);                                           \
    CHECK(l_ == SENTINEL);                                                                             \
    CHECK_RC(fn((handle), CHALLENGE, sizeof CHALLENGE, s_, sizeof s_ - 1, &l_),                        \
             GUESTLINK_RESULT_BUFFER_TOO_SMALL);                                                       \
    CHECK(l_ == GUESTLINK_SIGNATURE_LEN);                                                              \
    CHECK_OK(fn((handle), CHALLENGE, sizeof CHALLENGE, s_, sizeof s_, &l_));                           \
  } while (0)

/* An envelope/record input: NULL, zero length, huge length (never read), then `ok_len`. */
#define CHECK_BYTES_INPUT(call_with, ptr_ok, too_long_code)                       \
  do {                                                                            \
    CHECK_RC(call_with(NULL, 10), NUL);                                           \
    CHECK_RC(call_with(NULL, 0), NUL);                                            \
    CHECK_RC(call_with((ptr_ok), 0), GUESTLINK_RESULT_ENVELOPE_MALFORMED);        \
    CHECK_RC(call_with((ptr_ok), SIZE_MAX), too_long_code);                       \
    CHECK_RC(call_with((ptr_ok), GUESTLINK_MAX_ENVELOPE_LEN + 1), too_long_code); \
  } while (0)

/* A snapshot function: NULL key, NULL buffers, a too-small buffer that changes nothing. */
#define CHECK_SNAPSHOT(fn, handle, counter_fn)                                                        \
  do {                                                                                                \
    size_t l_ = SENTINEL;                                                                             \
    uint64_t before_ = 0, after_ = 0;                                                                 \
    CHECK_OK(counter_fn((handle), &before_));                                                         \
    CHECK_RC(fn(NULL, key, snap, GUESTLINK_MAX_SNAPSHOT_LEN, &l_), NUL);                              \
    CHECK_RC(fn((handle), NULL, snap, GUESTLINK_MAX_SNAPSHOT_LEN, &l_), NUL);                         \
    CHECK_RC(fn((handle), key, NULL, GUESTLINK_MAX_SNAPSHOT_LEN, &l_), NUL);                          \
    CHECK_RC(fn((handle), key, snap, GUESTLINK_MAX_SNAPSHOT_LEN, NULL), NUL);                         \
    CHECK(l_ == SENTINEL);                                                                            \
    CHECK_RC(fn((handle), key, snap, 16, &l_), GUESTLINK_RESULT_BUFFER_TOO_SMALL);                    \
    CHECK(l_ == GUESTLINK_MAX_SNAPSHOT_LEN);                                                          \
    /* *out_len inside the output (malloc'd: aligned): refused before the counter moves. */          \
    CHECK_RC(fn((handle), key, snap, GUESTLINK_MAX_SNAPSHOT_LEN, (size_t *)(void *)(snap + 64)),     \
             GUESTLINK_RESULT_INVALID_ARGUMENT);                                                      \
    CHECK_OK(counter_fn((handle), &after_));                                                          \
    CHECK(after_ == before_);                                                                         \
    CHECK_OK(fn((handle), key, snap, GUESTLINK_MAX_SNAPSHOT_LEN, &l_));                               \
    CHECK_OK(counter_fn((handle), &after_));                                                          \
    CHECK(after_ == before_ + 1);                                                                     \
    snap_len = l_;                                                                                    \
  } while (0)

/* A from_snapshot function, given a valid snapshot of its kind in snap/snap_len. */
#define CHECK_FROM_SNAPSHOT(fn, type, free_fn)                                                        \
  do {                                                                                                \
    type *h_ = NULL;                                                                                  \
    CHECK_RC(fn(NULL, snap_len, key, 0, &h_), NUL);                                                   \
    CHECK_RC(fn(snap, snap_len, NULL, 0, &h_), NUL);                                                  \
    CHECK_RC(fn(snap, snap_len, key, 0, NULL), NUL);                                                  \
    CHECK_RC(fn(snap, 0, key, 0, &h_), GUESTLINK_RESULT_SNAPSHOT_MALFORMED);                          \
    CHECK_RC(fn(snap, SIZE_MAX, key, 0, &h_), GUESTLINK_RESULT_SNAPSHOT_MALFORMED);                   \
    CHECK_RC(fn(snap, snap_len - 1, key, 0, &h_), GUESTLINK_RESULT_SNAPSHOT_DECRYPT_FAILED);          \
    CHECK_RC(fn(snap, snap_len, other_key, 0, &h_), GUESTLINK_RESULT_SNAPSHOT_DECRYPT_FAILED);        \
    CHECK_RC(fn(snap, snap_len, key, UINT64_MAX, &h_), GUESTLINK_RESULT_SNAPSHOT_ROLLED_BACK);        \
    CHECK(h_ == NULL);                                                                                \
    CHECK_OK(fn(snap, snap_len, key, 0, &h_));                                                        \
    CHECK(h_ != NULL);                                                                                \
    free_fn(h_);                                                                                      \
  } while (0)

static size_t snap_len;
static uint8_t *snap;
static guestlink_snapshot_key *key, *other_key;

void test_misuse(void) {
  /* Every _free accepts NULL. */
  guestlink_host_identity_free(NULL);
  guestlink_host_session_free(NULL);
  guestlink_created_invite_free(NULL);
  guestlink_invite_link_free(NULL);
  guestlink_opened_invite_free(NULL);
  guestlink_guest_session_free(NULL);
  guestlink_received_free(NULL);
  guestlink_revocation_free(NULL);
  guestlink_safety_code_free(NULL);
  guestlink_snapshot_key_free(NULL);

  CHECK(guestlink_max_envelope_len(SIZE_MAX) == 0);
  CHECK(guestlink_max_envelope_len(GUESTLINK_MAX_BODY_LEN + 1) == 0);
  /* The read bound also covers version 1 message headers, 4 bytes longer than those written. */
  CHECK(guestlink_max_envelope_len(GUESTLINK_MAX_BODY_LEN) + 4 == GUESTLINK_MAX_ENVELOPE_LEN);
  CHECK(strcmp(guestlink_result_name(12345), "UNKNOWN") == 0);
  CHECK(strcmp(guestlink_result_message(UINT32_MAX), "unknown result code") == 0);

  snap = malloc(GUESTLINK_MAX_SNAPSHOT_LEN);
  CHECK(snap != NULL);
  if (snap == NULL) return;

  /* Snapshot keys. */
  uint8_t kb[GUESTLINK_SNAPSHOT_KEY_LEN] = {1};
  CHECK_RC(guestlink_snapshot_key_new(NULL, sizeof kb, &key), NUL);
  CHECK_RC(guestlink_snapshot_key_new(kb, sizeof kb, NULL), NUL);
  CHECK_RC(guestlink_snapshot_key_new(kb, sizeof kb - 1, &key), GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_snapshot_key_new(kb, 0, &key), GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_snapshot_key_new(kb, SIZE_MAX, &key), GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_snapshot_key_generate(NULL), NUL);
  CHECK_OK(guestlink_snapshot_key_new(kb, sizeof kb, &key));
  CHECK_OK(guestlink_snapshot_key_generate(&other_key));
  CHECK_BUF_GETTER(guestlink_snapshot_key_bytes, key);

  /* Host identity. */
  guestlink_host_identity *identity = NULL;
  CHECK_RC(guestlink_host_identity_new(NULL), NUL);
  CHECK_OK(guestlink_host_identity_new(&identity));
  CHECK_BUF_GETTER(guestlink_host_identity_public_key, identity);
  CHECK_VALUE_GETTER(guestlink_host_identity_snapshot_counter, identity, uint64_t);
  CHECK_SNAPSHOT(guestlink_host_identity_snapshot, identity, guestlink_host_identity_snapshot_counter);
  CHECK_FROM_SNAPSHOT(guestlink_host_identity_from_snapshot, guestlink_host_identity, guestlink_host_identity_free);

  guestlink_created_invite *created = NULL;
  const uint8_t *url = (const uint8_t *)BASE_URL;
  size_t url_len = strlen(BASE_URL);
  CHECK_RC(guestlink_host_identity_create_invite(NULL, NOW, NOW + 100, url, url_len, &created), NUL);
  CHECK_RC(guestlink_host_identity_create_invite(identity, NOW, NOW + 100, NULL, url_len, &created), NUL);
  CHECK_RC(guestlink_host_identity_create_invite(identity, NOW, NOW + 100, url, url_len, NULL), NUL);
  CHECK_RC(guestlink_host_identity_create_invite(identity, NOW, NOW + 100, url, SIZE_MAX, &created),
           GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_host_identity_create_invite(identity, NOW, NOW, url, url_len, &created),
           GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_host_identity_create_invite(identity, NOW, NOW + 100, (const uint8_t *)"a#b", 3, &created),
           GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_host_identity_create_invite(identity, NOW, NOW + 100, (const uint8_t *)"\xff", 1, &created),
           GUESTLINK_RESULT_INVALID_UTF8);
  CHECK(created == NULL);
  CHECK_OK(guestlink_host_identity_create_invite(identity, NOW, NOW + 100, url, 0, &created)); /* empty base */
  guestlink_created_invite_free(created);
  created = NULL;
  CHECK_OK(guestlink_host_identity_create_invite(identity, NOW, NOW + 100, url, url_len, &created));
  CHECK_BUF_GETTER(guestlink_created_invite_link, created);
  CHECK_BUF_GETTER(guestlink_created_invite_record, created);
  char link[GUESTLINK_MAX_LINK_LEN];
  size_t link_len = 0;
  CHECK_OK(guestlink_created_invite_link(created, (uint8_t *)link, sizeof link, &link_len));
  uint8_t record[GUESTLINK_INVITE_RECORD_LEN];
  size_t record_len = 0;
  CHECK_OK(guestlink_created_invite_record(created, record, sizeof record, &record_len));

  guestlink_host_session *host = NULL;
  CHECK_RC(guestlink_created_invite_take_session(NULL, &host), NUL);
  CHECK_RC(guestlink_created_invite_take_session(created, NULL), NUL);
  CHECK_OK(guestlink_created_invite_take_session(created, &host));
  guestlink_host_session *again = NULL;
  CHECK_RC(guestlink_created_invite_take_session(created, &again), GUESTLINK_RESULT_ALREADY_USED);
  CHECK(again == NULL);
  guestlink_created_invite_free(created);

  /* Host session getters. */
  CHECK_BUF_GETTER(guestlink_host_session_mailbox_id, host);
  CHECK_BUF_GETTER(guestlink_host_session_mailbox_public_key, host);
  CHECK_VALUE_GETTER(guestlink_host_session_expires_at, host, uint64_t);
  CHECK_VALUE_GETTER(guestlink_host_session_state, host, uint32_t);
  CHECK_VALUE_GETTER(guestlink_host_session_snapshot_counter, host, uint64_t);
  CHECK_RELAY_AUTH(guestlink_host_session_relay_auth, host);
  guestlink_safety_code *code = NULL;
  CHECK_RC(guestlink_host_session_safety_code(NULL, &code), NUL);
  CHECK_RC(guestlink_host_session_safety_code(host, NULL), NUL);
  CHECK_RC(guestlink_host_session_safety_code(host, &code), GUESTLINK_RESULT_NOT_CLAIMED);
  CHECK(code == NULL);

  /* Host encrypt: NULLs, text lengths, UTF-8, too-small buffer. */
  static uint8_t env[GUESTLINK_MAX_ENVELOPE_LEN];
  uint8_t digest[32];
  size_t env_len = SENTINEL;
  const uint8_t *hi = (const uint8_t *)"hi";
  CHECK_RC(guestlink_host_session_encrypt(NULL, NOW, hi, 2, env, sizeof env, &env_len), NUL);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW, NULL, 2, env, sizeof env, &env_len), NUL);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW, hi, 2, NULL, sizeof env, &env_len), NUL);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW, hi, 2, env, sizeof env, NULL), NUL);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW, hi, SIZE_MAX, env, sizeof env, &env_len),
           GUESTLINK_RESULT_PLAINTEXT_TOO_LARGE);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW, hi, GUESTLINK_MAX_BODY_LEN + 1, env, sizeof env, &env_len),
           GUESTLINK_RESULT_PLAINTEXT_TOO_LARGE);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW, (const uint8_t *)"\xc3\x28", 2, env, sizeof env, &env_len),
           GUESTLINK_RESULT_INVALID_UTF8);
  CHECK(env_len == SENTINEL);
  SAVE_DIGEST(HOST_DIGEST, host, digest);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW, hi, 2, env, 10, &env_len), GUESTLINK_RESULT_BUFFER_TOO_SMALL);
  CHECK(env_len == guestlink_max_envelope_len(2));
  CHECK_DIGEST(HOST_DIGEST, host, digest);
  /* A core error: *out_len and the buffer stay untouched (only BUFFER_TOO_SMALL writes *out_len). */
  env_len = SENTINEL;
  memset(env, 0xAA, 64);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW + 1000, hi, 2, env, sizeof env, &env_len),
           GUESTLINK_RESULT_INVITE_EXPIRED);
  CHECK(env_len == SENTINEL && env[0] == 0xAA && env[63] == 0xAA);
  CHECK_DIGEST(HOST_DIGEST, host, digest);
  CHECK_OK(guestlink_host_session_encrypt(host, NOW, hi, 0, env, sizeof env, &env_len)); /* empty text */
  /* Overlaps of the output, *out_len and the text are refused before anything changes. */
  {
    size_t words[256]; /* one aligned scratch buffer holding output, text and *out_len */
    uint8_t *w = (uint8_t *)words;
    const size_t bound = guestlink_max_envelope_len(2);
    CHECK(bound + 2 <= sizeof words);
    memset(words, 0, sizeof words);
    memcpy(w + 16, "hi", 2);
    SAVE_DIGEST(HOST_DIGEST, host, digest);
    env_len = SENTINEL;
    CHECK_RC(guestlink_host_session_encrypt(host, NOW, w + 16, 2, w, sizeof words, &env_len),
             GUESTLINK_RESULT_INVALID_ARGUMENT); /* text inside the output */
    CHECK_RC(guestlink_host_session_encrypt(host, NOW, w + 16, 2, w + 17, 64, &env_len),
             GUESTLINK_RESULT_INVALID_ARGUMENT); /* output starting inside the text */
    CHECK_RC(guestlink_host_session_encrypt(host, NOW, hi, 2, w, sizeof words, &words[4]),
             GUESTLINK_RESULT_INVALID_ARGUMENT); /* *out_len inside the output */
    CHECK_RC(guestlink_host_session_encrypt(host, NOW, w, 16, env, sizeof env, &words[1]),
             GUESTLINK_RESULT_INVALID_ARGUMENT); /* *out_len inside the text (NUL bytes are UTF-8) */
    CHECK_RC(guestlink_host_session_encrypt(host, NOW, w + 16, 2, w, 4, &env_len),
             GUESTLINK_RESULT_BUFFER_TOO_SMALL); /* the bytes it may write end before the text */
    CHECK(env_len == bound);
    env_len = SENTINEL;
    CHECK(w[0] == 0 && words[1] == 0 && words[4] == 0 && memcmp(w + 16, "hi", 2) == 0);
    CHECK_DIGEST(HOST_DIGEST, host, digest);
    /* Not overlaps: an empty text at the output; a text right after the bytes it may write. */
    CHECK_OK(guestlink_host_session_encrypt(host, NOW, w, 0, w, sizeof words, &env_len));
    memcpy(w + bound, "hi", 2);
    CHECK_OK(guestlink_host_session_encrypt(host, NOW, w + bound, 2, w, bound, &env_len));
    CHECK(env_len <= bound && memcmp(w + bound, "hi", 2) == 0);
  }
  /* A text of exactly the maximum length works. */
  char *big = malloc(GUESTLINK_MAX_BODY_LEN);
  CHECK(big != NULL);
  if (big != NULL) {
    memset(big, 'x', GUESTLINK_MAX_BODY_LEN);
    CHECK_OK(guestlink_host_session_encrypt(host, NOW, (const uint8_t *)big, GUESTLINK_MAX_BODY_LEN, env, sizeof env,
                                            &env_len));
    CHECK(env_len <= GUESTLINK_MAX_ENVELOPE_LEN);
  }
  uint8_t pre[512];
  size_t pre_len = 0;
  CHECK_OK(guestlink_host_session_encrypt(host, NOW, hi, 2, pre, sizeof pre, &pre_len));

  /* Host decrypt inputs. */
  guestlink_received *r = NULL;
  SAVE_DIGEST(HOST_DIGEST, host, digest);
#define HOST_DECRYPT(p, n) guestlink_host_session_decrypt(host, NOW, (p), (n), &r)
  CHECK_BYTES_INPUT(HOST_DECRYPT, pre, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_host_session_decrypt(NULL, NOW, pre, pre_len, &r), NUL);
  CHECK_RC(guestlink_host_session_decrypt(host, NOW, pre, pre_len, NULL), NUL);
  CHECK_RC(HOST_DECRYPT(pre, pre_len), GUESTLINK_RESULT_UNEXPECTED_MESSAGE_TYPE); /* its own pre-claim */
  CHECK(r == NULL);
  CHECK_DIGEST(HOST_DIGEST, host, digest);

  /* Peek, snapshot info, relay verification, fingerprint. */
  guestlink_envelope_info info;
#define PEEK(p, n) guestlink_peek((p), (n), &info)
  CHECK_BYTES_INPUT(PEEK, pre, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_peek(pre, pre_len, NULL), NUL);
  guestlink_snapshot_info sinfo;
  CHECK_RC(guestlink_snapshot_peek(NULL, 10, &sinfo), NUL);
  CHECK_RC(guestlink_snapshot_peek(snap, snap_len, NULL), NUL);
  CHECK_RC(guestlink_snapshot_peek(snap, 0, &sinfo), GUESTLINK_RESULT_SNAPSHOT_MALFORMED);
  CHECK_RC(guestlink_snapshot_peek(snap, SIZE_MAX, &sinfo), GUESTLINK_RESULT_SNAPSHOT_MALFORMED);
  uint8_t pk[GUESTLINK_PUBLIC_KEY_LEN], mb[GUESTLINK_MAILBOX_ID_LEN], sig[GUESTLINK_SIGNATURE_LEN];
  size_t l = 0;
  CHECK_OK(guestlink_host_session_mailbox_public_key(host, pk, sizeof pk, &l));
  CHECK_OK(guestlink_host_session_mailbox_id(host, mb, sizeof mb, &l));
  CHECK_OK(guestlink_host_session_relay_auth(host, CHALLENGE, sizeof CHALLENGE, sig, sizeof sig, &l));
  CHECK_OK(guestlink_verify_relay_auth(pk, 32, mb, 16, CHALLENGE, 16, sig, 64));
  CHECK_RC(guestlink_verify_relay_auth(NULL, 32, mb, 16, CHALLENGE, 16, sig, 64), NUL);
  CHECK_RC(guestlink_verify_relay_auth(pk, 32, NULL, 16, CHALLENGE, 16, sig, 64), NUL);
  CHECK_RC(guestlink_verify_relay_auth(pk, 32, mb, 16, NULL, 16, sig, 64), NUL);
  CHECK_RC(guestlink_verify_relay_auth(pk, 32, mb, 16, CHALLENGE, 16, NULL, 64), NUL);
  CHECK_RC(guestlink_verify_relay_auth(pk, 31, mb, 16, CHALLENGE, 16, sig, 64), GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_verify_relay_auth(pk, 32, mb, SIZE_MAX, CHALLENGE, 16, sig, 64),
           GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_verify_relay_auth(pk, 32, mb, 16, CHALLENGE, 15, sig, 64), GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_verify_relay_auth(pk, 32, mb, 16, CHALLENGE, 16, sig, 0), GUESTLINK_RESULT_INVALID_ARGUMENT);
  uint8_t zero_key[32] = {0};
  CHECK_RC(guestlink_verify_relay_auth(zero_key, 32, mb, 16, CHALLENGE, 16, sig, 64), GUESTLINK_RESULT_INVALID_KEY);
  uint8_t fp[GUESTLINK_FINGERPRINT_LEN];
  CHECK_RC(guestlink_fingerprint(NULL, 32, fp, sizeof fp, &l), NUL);
  CHECK_RC(guestlink_fingerprint(pk, 32, NULL, sizeof fp, &l), NUL);
  CHECK_RC(guestlink_fingerprint(pk, 32, fp, sizeof fp, NULL), NUL);
  CHECK_RC(guestlink_fingerprint(pk, SIZE_MAX, fp, sizeof fp, &l), GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_fingerprint(zero_key, 32, fp, sizeof fp, &l), GUESTLINK_RESULT_INVALID_KEY);
  uint8_t key_and_fp[32 + GUESTLINK_FINGERPRINT_LEN];
  memcpy(key_and_fp, pk, 32);
  l = SENTINEL;
  CHECK_RC(guestlink_fingerprint(key_and_fp, 32, key_and_fp + 16, GUESTLINK_FINGERPRINT_LEN, &l),
           GUESTLINK_RESULT_INVALID_ARGUMENT); /* output over the key */
  CHECK(l == SENTINEL && memcmp(key_and_fp, pk, 32) == 0);
  CHECK_OK(guestlink_fingerprint(key_and_fp, 32, key_and_fp + 32, GUESTLINK_FINGERPRINT_LEN, &l)); /* adjacent */
  size_t need = 0;
  CHECK_RC(guestlink_fingerprint(pk, 32, fp, 3, &need), GUESTLINK_RESULT_BUFFER_TOO_SMALL);
  CHECK(need == GUESTLINK_FINGERPRINT_LEN);

  /* Invite link. */
  guestlink_invite_link *parsed = NULL;
  CHECK_RC(guestlink_invite_link_parse(NULL, link_len, &parsed), NUL);
  CHECK_RC(guestlink_invite_link_parse((const uint8_t *)link, link_len, NULL), NUL);
  CHECK_RC(guestlink_invite_link_parse((const uint8_t *)link, 0, &parsed), GUESTLINK_RESULT_LINK_MISSING_FRAGMENT);
  CHECK_RC(guestlink_invite_link_parse((const uint8_t *)link, SIZE_MAX, &parsed), GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_RC(guestlink_invite_link_parse((const uint8_t *)link, link_len - 1, &parsed), GUESTLINK_RESULT_LINK_MALFORMED);
  CHECK_RC(guestlink_invite_link_parse((const uint8_t *)"\xff#", 2, &parsed), GUESTLINK_RESULT_INVALID_UTF8);
  CHECK_RC(guestlink_invite_link_from_fragment(NULL, 87, &parsed), NUL);
  CHECK_RC(guestlink_invite_link_from_fragment((const uint8_t *)link, 87, NULL), NUL);
  CHECK_RC(guestlink_invite_link_from_fragment((const uint8_t *)link, 0, &parsed), GUESTLINK_RESULT_LINK_MALFORMED);
  CHECK_RC(guestlink_invite_link_from_fragment((const uint8_t *)link, SIZE_MAX, &parsed),
           GUESTLINK_RESULT_LINK_MALFORMED);
  CHECK(parsed == NULL);
  CHECK_OK(guestlink_invite_link_parse((const uint8_t *)link, link_len, &parsed));
  CHECK_BUF_GETTER(guestlink_invite_link_mailbox_id, parsed);
  CHECK_BUF_GETTER(guestlink_invite_link_host_identity, parsed);
  CHECK_BUF_GETTER(guestlink_invite_link_mailbox_public_key, parsed);
  CHECK_RELAY_AUTH(guestlink_invite_link_relay_auth, parsed);

  guestlink_opened_invite *opened = NULL;
  CHECK_RC(guestlink_invite_link_open(NULL, record, record_len, NOW, &opened), NUL);
  CHECK_RC(guestlink_invite_link_open(parsed, record, record_len, NOW, NULL), NUL);
#define OPEN(p, n) guestlink_invite_link_open(parsed, (p), (n), NOW, &opened)
  CHECK_BYTES_INPUT(OPEN, record, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_invite_link_open(parsed, record, record_len, NOW + 100000, &opened),
           GUESTLINK_RESULT_INVITE_EXPIRED);
  record[record_len - 1] ^= 1;
  CHECK_RC(OPEN(record, record_len), GUESTLINK_RESULT_BAD_SIGNATURE);
  record[record_len - 1] ^= 1;
  CHECK(opened == NULL);
  CHECK_OK(OPEN(record, record_len));

  /* Opened invite. */
  CHECK_BUF_GETTER(guestlink_opened_invite_mailbox_id, opened);
  CHECK_BUF_GETTER(guestlink_opened_invite_host_identity, opened);
  CHECK_VALUE_GETTER(guestlink_opened_invite_expires_at, opened, uint64_t);
  CHECK_VALUE_GETTER(guestlink_opened_invite_snapshot_counter, opened, uint64_t);
  CHECK_RELAY_AUTH(guestlink_opened_invite_relay_auth, opened);
  CHECK_SNAPSHOT(guestlink_opened_invite_snapshot, opened, guestlink_opened_invite_snapshot_counter);
  CHECK_FROM_SNAPSHOT(guestlink_opened_invite_from_snapshot, guestlink_opened_invite, guestlink_opened_invite_free);
  SAVE_DIGEST(OPENED_DIGEST, opened, digest);
#define OPENED_DECRYPT(p, n) guestlink_opened_invite_decrypt(opened, (p), (n), &r)
  CHECK_BYTES_INPUT(OPENED_DECRYPT, pre, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_opened_invite_decrypt(NULL, pre, pre_len, &r), NUL);
  CHECK_RC(guestlink_opened_invite_decrypt(opened, pre, pre_len, NULL), NUL);
  pre[pre_len - 1] ^= 1; /* break the pre-claim signature */
  CHECK_RC(OPENED_DECRYPT(pre, pre_len), GUESTLINK_RESULT_BAD_SIGNATURE);
  pre[pre_len - 1] ^= 1;
  CHECK(r == NULL);
  CHECK_DIGEST(OPENED_DIGEST, opened, digest);
  CHECK_OK(OPENED_DECRYPT(pre, pre_len));
  /* Getters of the received value. */
  CHECK_VALUE_GETTER(guestlink_received_get_kind, r, uint32_t);
  CHECK_BUF_GETTER(guestlink_received_text, r);
  uint8_t b[512];
  l = SENTINEL;
  CHECK_RC(guestlink_received_claimed_record(r, b, sizeof b, &l), GUESTLINK_RESULT_NO_VALUE);
  CHECK_RC(guestlink_received_confirmation(r, b, sizeof b, &l), GUESTLINK_RESULT_NO_VALUE);
  CHECK_RC(guestlink_received_claimed_record(NULL, b, sizeof b, &l), NUL);
  CHECK_RC(guestlink_received_confirmation(r, NULL, sizeof b, &l), NUL);
  CHECK(l == SENTINEL);
  CHECK_RC(guestlink_received_safety_code(NULL, &code), NUL);
  CHECK_RC(guestlink_received_safety_code(r, NULL), NUL);
  CHECK_RC(guestlink_received_safety_code(r, &code), GUESTLINK_RESULT_NO_VALUE);
  guestlink_received_free(r);
  r = NULL;
  uint64_t at = 0;
#define OPENED_CHECK_CLAIMED(p, n) guestlink_opened_invite_check_claimed_record(opened, (p), (n))
  CHECK_BYTES_INPUT(OPENED_CHECK_CLAIMED, pre, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_opened_invite_check_claimed_record(NULL, pre, pre_len), NUL);
#define OPENED_REVOKED(p, n) guestlink_opened_invite_apply_revocation(opened, (p), (n), &at)
  CHECK_BYTES_INPUT(OPENED_REVOKED, pre, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_opened_invite_apply_revocation(NULL, pre, pre_len, &at), NUL);
  CHECK_RC(guestlink_opened_invite_apply_revocation(opened, pre, pre_len, NULL), NUL);

  /* Claim: NULLs and a too-small buffer leave the opened invite in place. */
  guestlink_guest_session *guest = NULL;
  uint8_t claim[512];
  size_t claim_len = SENTINEL;
  guestlink_opened_invite *null_opened = NULL;
  CHECK_RC(guestlink_opened_invite_claim(NULL, NOW, &guest, claim, sizeof claim, &claim_len), NUL);
  CHECK_RC(guestlink_opened_invite_claim(&null_opened, NOW, &guest, claim, sizeof claim, &claim_len), NUL);
  CHECK_RC(guestlink_opened_invite_claim(&opened, NOW, NULL, claim, sizeof claim, &claim_len), NUL);
  CHECK_RC(guestlink_opened_invite_claim(&opened, NOW, &guest, NULL, sizeof claim, &claim_len), NUL);
  CHECK_RC(guestlink_opened_invite_claim(&opened, NOW, &guest, claim, sizeof claim, NULL), NUL);
  CHECK(claim_len == SENTINEL);
  CHECK_RC(guestlink_opened_invite_claim(&opened, NOW, &guest, claim, 10, &claim_len),
           GUESTLINK_RESULT_BUFFER_TOO_SMALL);
  CHECK(claim_len == guestlink_max_envelope_len(0));
  CHECK(opened != NULL && guest == NULL);
  /* The output over the `opened` slot or the `session` slot: refused, nothing taken. */
  struct {
    guestlink_opened_invite *opened;
    uint8_t rest[512];
  } over_opened = {opened, {0}};
  struct {
    guestlink_guest_session *session;
    uint8_t rest[512];
  } over_session = {NULL, {0}};
  claim_len = SENTINEL;
  CHECK_RC(guestlink_opened_invite_claim(&over_opened.opened, NOW, &guest, (uint8_t *)&over_opened,
                                         sizeof over_opened, &claim_len),
           GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK(over_opened.opened == opened && guest == NULL);
  CHECK_RC(guestlink_opened_invite_claim(&opened, NOW, &over_session.session, (uint8_t *)&over_session,
                                         sizeof over_session, &claim_len),
           GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK(opened != NULL && over_session.session == NULL && claim_len == SENTINEL);
  CHECK_OK(guestlink_opened_invite_claim(&opened, NOW, &guest, claim, sizeof claim, &claim_len));
  CHECK(opened == NULL && guest != NULL);
  /* The consumed handle: the caller's pointer is NULL, so every use is a NULL argument. */
  guestlink_guest_session *guest2 = NULL;
  CHECK_RC(guestlink_opened_invite_claim(&opened, NOW, &guest2, claim, sizeof claim, &claim_len), NUL);
  CHECK_RC(guestlink_opened_invite_decrypt(opened, pre, pre_len, &r), NUL);
  CHECK_RC(guestlink_opened_invite_mailbox_id(opened, b, sizeof b, &l), NUL);
  guestlink_opened_invite_free(opened); /* NULL: no-op */
  CHECK(guest2 == NULL);

  /* Guest session. */
  CHECK_BUF_GETTER(guestlink_guest_session_mailbox_id, guest);
  CHECK_BUF_GETTER(guestlink_guest_session_host_identity, guest);
  CHECK_BUF_GETTER(guestlink_guest_session_claim_key, guest);
  CHECK_BUF_GETTER(guestlink_guest_session_mailbox_public_key, guest);
  CHECK_VALUE_GETTER(guestlink_guest_session_is_confirmed, guest, bool);
  CHECK_VALUE_GETTER(guestlink_guest_session_is_ended, guest, bool);
  CHECK_VALUE_GETTER(guestlink_guest_session_snapshot_counter, guest, uint64_t);
  CHECK_RELAY_AUTH(guestlink_guest_session_relay_auth, guest);
  CHECK_SNAPSHOT(guestlink_guest_session_snapshot, guest, guestlink_guest_session_snapshot_counter);
  CHECK_FROM_SNAPSHOT(guestlink_guest_session_from_snapshot, guestlink_guest_session, guestlink_guest_session_free);
  CHECK_RC(guestlink_guest_session_safety_code(NULL, &code), NUL);
  CHECK_RC(guestlink_guest_session_safety_code(guest, NULL), NUL);
  env_len = SENTINEL;
  CHECK_RC(guestlink_guest_session_encrypt(NULL, hi, 2, env, sizeof env, &env_len), NUL);
  CHECK_RC(guestlink_guest_session_encrypt(guest, NULL, 2, env, sizeof env, &env_len), NUL);
  CHECK_RC(guestlink_guest_session_encrypt(guest, hi, 2, NULL, sizeof env, &env_len), NUL);
  CHECK_RC(guestlink_guest_session_encrypt(guest, hi, 2, env, sizeof env, NULL), NUL);
  CHECK_RC(guestlink_guest_session_encrypt(guest, hi, SIZE_MAX, env, sizeof env, &env_len),
           GUESTLINK_RESULT_PLAINTEXT_TOO_LARGE);
  CHECK_RC(guestlink_guest_session_encrypt(guest, (const uint8_t *)"\x80", 1, env, sizeof env, &env_len),
           GUESTLINK_RESULT_INVALID_UTF8);
  CHECK(env_len == SENTINEL);
  CHECK_RC(guestlink_guest_session_encrypt(guest, hi, 2, env, 0, &env_len), GUESTLINK_RESULT_BUFFER_TOO_SMALL);
  CHECK(env_len == guestlink_max_envelope_len(2));
  env[8] = 'h';
  env[9] = 'i';
  CHECK_RC(guestlink_guest_session_encrypt(guest, env + 8, 2, env, sizeof env, &env_len),
           GUESTLINK_RESULT_INVALID_ARGUMENT); /* text inside the output */
  CHECK(env_len == guestlink_max_envelope_len(2) && env[8] == 'h');
  SAVE_DIGEST(GUEST_DIGEST, guest, digest);
#define GUEST_DECRYPT(p, n) guestlink_guest_session_decrypt(guest, (p), (n), &r)
  CHECK_BYTES_INPUT(GUEST_DECRYPT, claim, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_guest_session_decrypt(NULL, pre, pre_len, &r), NUL);
  CHECK_RC(guestlink_guest_session_decrypt(guest, pre, pre_len, NULL), NUL);
#define GUEST_CHECK_CLAIMED(p, n) guestlink_guest_session_check_claimed_record(guest, (p), (n))
  CHECK_BYTES_INPUT(GUEST_CHECK_CLAIMED, pre, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_guest_session_check_claimed_record(NULL, pre, pre_len), NUL);
#define GUEST_REVOKED(p, n) guestlink_guest_session_apply_revocation(guest, (p), (n), &at)
  CHECK_BYTES_INPUT(GUEST_REVOKED, pre, GUESTLINK_RESULT_ENVELOPE_TOO_LARGE);
  CHECK_RC(guestlink_guest_session_apply_revocation(NULL, pre, pre_len, &at), NUL);
  CHECK_RC(guestlink_guest_session_apply_revocation(guest, pre, pre_len, NULL), NUL);
  CHECK_DIGEST(GUEST_DIGEST, guest, digest);

  /* The host accepts the claim; the received value and the safety code. */
  CHECK_OK(guestlink_host_session_decrypt(host, NOW, claim, claim_len, &r));
  CHECK_BUF_GETTER(guestlink_received_claimed_record, r);
  CHECK_BUF_GETTER(guestlink_received_confirmation, r);
  l = SENTINEL;
  CHECK_RC(guestlink_received_text(r, b, sizeof b, &l), GUESTLINK_RESULT_NO_VALUE);
  CHECK(l == SENTINEL);
  CHECK_OK(guestlink_received_safety_code(r, &code));
  guestlink_received_free(r);
  r = NULL;
  CHECK_RC(guestlink_host_session_decrypt(host, NOW, claim, claim_len, &r), GUESTLINK_RESULT_DUPLICATE);
  CHECK_BUF_GETTER(guestlink_safety_code_long_form, code);
  CHECK_BUF_GETTER(guestlink_safety_code_short_form, code);
  CHECK_BUF_GETTER(guestlink_safety_code_qr_payload, code);
  bool flag = true;
  CHECK_RC(guestlink_safety_code_matches_long_form(NULL, hi, 2, &flag), NUL);
  CHECK_RC(guestlink_safety_code_matches_long_form(code, NULL, 2, &flag), NUL);
  CHECK_RC(guestlink_safety_code_matches_long_form(code, hi, 2, NULL), NUL);
  CHECK_RC(guestlink_safety_code_matches_long_form(code, hi, SIZE_MAX, &flag), GUESTLINK_RESULT_INVALID_ARGUMENT);
  CHECK_OK(guestlink_safety_code_matches_long_form(code, hi, 0, &flag));
  CHECK(!flag);
  /* Any length is compared, whitespace ignored, as the core does: the long form spread out with
   * spaces, tabs and newlines to well over 256 bytes matches; one digit changed does not. */
  {
    char lf[GUESTLINK_SAFETY_CODE_LONG_LEN];
    size_t lf_len = 0;
    CHECK_OK(guestlink_safety_code_long_form(code, (uint8_t *)lf, sizeof lf, &lf_len));
    char spread[1024];
    size_t n = 0;
    for (size_t i = 0; i < 300; i++) spread[n++] = " \t\n"[i % 3];
    for (size_t i = 0; i < lf_len; i++) {
      spread[n++] = lf[i];
      spread[n++] = '\t';
    }
    CHECK(n > 256 && n <= sizeof spread);
    flag = false;
    CHECK_OK(guestlink_safety_code_matches_long_form(code, (const uint8_t *)spread, n, &flag));
    CHECK(flag);
    spread[300] = spread[300] == '0' ? '1' : '0';
    CHECK_OK(guestlink_safety_code_matches_long_form(code, (const uint8_t *)spread, n, &flag));
    CHECK(!flag);
  }
  CHECK_RC(guestlink_safety_code_equal(NULL, code, &flag), NUL);
  CHECK_RC(guestlink_safety_code_equal(code, NULL, &flag), NUL);
  CHECK_RC(guestlink_safety_code_equal(code, code, NULL), NUL);
  CHECK_OK(guestlink_safety_code_equal(code, code, &flag));
  CHECK(flag);
  guestlink_safety_code_free(code);

  /* Revocation. */
  guestlink_revocation *rev = NULL;
  CHECK_RC(guestlink_host_session_revoke(NULL, NOW, &rev), NUL);
  CHECK_RC(guestlink_host_session_revoke(host, NOW, NULL), NUL);
  CHECK(rev == NULL);
  CHECK_OK(guestlink_host_session_revoke(host, NOW, &rev));
  CHECK_BUF_GETTER(guestlink_revocation_record, rev);
  CHECK_BUF_GETTER(guestlink_revocation_end_message, rev);
  guestlink_revocation_free(rev);

  /* Host snapshots (after the claim and revocation). */
  CHECK_SNAPSHOT(guestlink_host_session_snapshot, host, guestlink_host_session_snapshot_counter);
  CHECK_FROM_SNAPSHOT(guestlink_host_session_from_snapshot, guestlink_host_session, guestlink_host_session_free);

  free(big);
  free(snap);
  guestlink_guest_session_free(guest);
  guestlink_host_session_free(host);
  guestlink_invite_link_free(parsed);
  guestlink_host_identity_free(identity);
  guestlink_snapshot_key_free(key);
  guestlink_snapshot_key_free(other_key);
}
