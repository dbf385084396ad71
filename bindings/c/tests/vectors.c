/* Replays the shared test vectors (the JSON files of test-vectors/, converted to lines by
 * `vectors-to-lines`, see bindings/c/tools) through the C ABI: same bytes and codes as Rust. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

typedef struct {
  uint8_t *data; /* never NULL, even when empty: NULL means "absent" only via `present` */
  size_t len;
  int present;
} bytes;

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes a hex token ("-" is absent). Returns 0 on malformed input. */
static int unhex(const char *tok, bytes *out) {
  size_t n = strlen(tok);
  out->present = strcmp(tok, "-") != 0;
  out->len = out->present ? n / 2 : 0;
  out->data = malloc(out->len + 1);
  if (out->data == NULL || (out->present && n % 2 != 0)) return 0;
  for (size_t i = 0; i < out->len; i++) {
    int hi = hexval(tok[2 * i]), lo = hexval(tok[2 * i + 1]);
    if (hi < 0 || lo < 0) return 0;
    out->data[i] = (uint8_t)(hi << 4 | lo);
  }
  return 1;
}

static void bytes_free(bytes *b) {
  free(b->data);
  b->data = NULL;
}

#define MAX_TOKENS 12
static size_t split(char *line, char **tok) {
  size_t n = 0;
  char *p = line;
  while (*p != '\0' && n < MAX_TOKENS) {
    tok[n++] = p;
    while (*p != '\0' && *p != ' ' && *p != '\n') p++;
    if (*p == '\0') break;
    *p++ = '\0';
  }
  return n;
}

static uint64_t num(const char *tok) { return strtoull(tok, NULL, 10); }

static unsigned vector_cases = 0;

#define CHECK_CODE(call, expected, where)                                                                 \
  do {                                                                                                    \
    guestlink_result rc_ = (call);                                                                        \
    if (rc_ == (guestlink_result)(expected)) {                                                            \
      checks_passed++;                                                                                    \
    } else {                                                                                              \
      checks_failed++;                                                                                    \
      fprintf(stderr, "vectors line %u (%s): %s returned %u (%s), expected %u (%s)\n", lineno, (where), \
              #call, (unsigned)rc_, guestlink_result_name(rc_), (unsigned)(expected),                    \
              guestlink_result_name((expected)));                                                         \
    }                                                                                                     \
  } while (0)

static unsigned lineno = 0;

static guestlink_snapshot_key *load_key(const bytes *k) {
  guestlink_snapshot_key *key = NULL;
  CHECK_OK(guestlink_snapshot_key_new(k->data, k->len, &key));
  return key;
}

static void run_link(char **t) {
  bytes link, mailbox, host, link_mailbox;
  CHECK(unhex(t[2], &link) && unhex(t[4], &mailbox) && unhex(t[5], &host) && unhex(t[6], &link_mailbox));
  uint32_t code = (uint32_t)num(t[3]);
  guestlink_invite_link *l = NULL;
  if (strcmp(t[1], "1") == 0) {
    CHECK_CODE(guestlink_invite_link_from_fragment(link.data, link.len, &l), code, "link/fragment");
  } else {
    CHECK_CODE(guestlink_invite_link_parse(link.data, link.len, &l), code, "link");
  }
  if (l != NULL) {
    uint8_t buf[32];
    size_t len = 0;
    if (mailbox.present) {
      CHECK_OK(guestlink_invite_link_mailbox_id(l, buf, sizeof buf, &len));
      CHECK(len == mailbox.len && memcmp(buf, mailbox.data, len) == 0);
    }
    if (host.present) {
      CHECK_OK(guestlink_invite_link_host_identity(l, buf, sizeof buf, &len));
      CHECK(len == host.len && memcmp(buf, host.data, len) == 0);
    }
    if (link_mailbox.present) {
      CHECK_OK(guestlink_invite_link_mailbox_public_key(l, buf, sizeof buf, &len));
      CHECK(len == link_mailbox.len && memcmp(buf, link_mailbox.data, len) == 0);
    }
    guestlink_invite_link_free(l);
  }
  bytes_free(&link);
  bytes_free(&mailbox);
  bytes_free(&host);
  bytes_free(&link_mailbox);
}

static void run_record(char **t) {
  bytes link, record;
  CHECK(unhex(t[1], &link) && unhex(t[2], &record));
  guestlink_invite_link *l = NULL;
  CHECK_OK(guestlink_invite_link_parse(link.data, link.len, &l));
  guestlink_opened_invite *o = NULL;
  CHECK_CODE(guestlink_invite_link_open(l, record.data, record.len, num(t[3]), &o), num(t[4]), "record");
  guestlink_opened_invite_free(o);
  guestlink_invite_link_free(l);
  bytes_free(&link);
  bytes_free(&record);
}

/* Loads a snapshot of the named kind ("-": the kind its header names) and frees it. */
static guestlink_result load_snapshot(const char *kind, const bytes *s, guestlink_snapshot_key *key, uint64_t min) {
  uint32_t k = 0;
  if (strcmp(kind, "host_identity") == 0) k = GUESTLINK_SNAPSHOT_KIND_HOST_IDENTITY;
  else if (strcmp(kind, "host_session") == 0) k = GUESTLINK_SNAPSHOT_KIND_HOST_SESSION;
  else if (strcmp(kind, "opened_invite") == 0) k = GUESTLINK_SNAPSHOT_KIND_OPENED_INVITE;
  else if (strcmp(kind, "guest_session") == 0) k = GUESTLINK_SNAPSHOT_KIND_GUEST_SESSION;
  else {
    guestlink_snapshot_info info;
    guestlink_result rc = guestlink_snapshot_peek(s->data, s->len, &info);
    if (rc != GUESTLINK_RESULT_OK) return rc;
    k = info.kind;
  }
  guestlink_result rc = GUESTLINK_RESULT_UNKNOWN_ERROR;
  if (k == GUESTLINK_SNAPSHOT_KIND_HOST_IDENTITY) {
    guestlink_host_identity *h = NULL;
    rc = guestlink_host_identity_from_snapshot(s->data, s->len, key, min, &h);
    guestlink_host_identity_free(h);
  } else if (k == GUESTLINK_SNAPSHOT_KIND_HOST_SESSION) {
    guestlink_host_session *h = NULL;
    rc = guestlink_host_session_from_snapshot(s->data, s->len, key, min, &h);
    guestlink_host_session_free(h);
  } else if (k == GUESTLINK_SNAPSHOT_KIND_OPENED_INVITE) {
    guestlink_opened_invite *h = NULL;
    rc = guestlink_opened_invite_from_snapshot(s->data, s->len, key, min, &h);
    guestlink_opened_invite_free(h);
  } else if (k == GUESTLINK_SNAPSHOT_KIND_GUEST_SESSION) {
    guestlink_guest_session *h = NULL;
    rc = guestlink_guest_session_from_snapshot(s->data, s->len, key, min, &h);
    guestlink_guest_session_free(h);
  }
  return rc;
}

static void run_snapshot(char **t) {
  bytes snap, k, object_id;
  CHECK(unhex(t[2], &snap) && unhex(t[3], &k) && unhex(t[7], &object_id));
  guestlink_snapshot_key *key = load_key(&k);
  uint32_t code = (uint32_t)num(t[5]);
  CHECK_CODE(load_snapshot(t[1], &snap, key, num(t[4])), code, "snapshot");
  if (code == 0) {
    guestlink_snapshot_info info;
    CHECK_OK(guestlink_snapshot_peek(snap.data, snap.len, &info));
    if (strcmp(t[6], "-") != 0) CHECK(info.counter == num(t[6]));
    CHECK(info.version == 1 || info.version == guestlink_snapshot_version());
    if (object_id.present) CHECK(object_id.len == 16 && memcmp(info.object_id, object_id.data, 16) == 0);
  }
  guestlink_snapshot_key_free(key);
  bytes_free(&snap);
  bytes_free(&k);
  bytes_free(&object_id);
}

static void run_envelope(char **t) {
  bytes snap, k, env;
  CHECK(unhex(t[2], &snap) && unhex(t[3], &k) && unhex(t[5], &env));
  guestlink_snapshot_key *key = load_key(&k);
  uint64_t now = num(t[4]);
  uint32_t code = (uint32_t)num(t[6]);
  guestlink_received *r = NULL;
  uint8_t digest[32];
  if (strcmp(t[1], "host") == 0) {
    guestlink_host_session *h = NULL;
    CHECK_OK(guestlink_host_session_from_snapshot(snap.data, snap.len, key, 0, &h));
    SAVE_DIGEST(HOST_DIGEST, h, digest);
    CHECK_CODE(guestlink_host_session_decrypt(h, now, env.data, env.len, &r), code, "envelope/host");
    if (code != 0) CHECK_DIGEST(HOST_DIGEST, h, digest);
    guestlink_host_session_free(h);
  } else if (strcmp(t[1], "opened") == 0) {
    guestlink_opened_invite *o = NULL;
    CHECK_OK(guestlink_opened_invite_from_snapshot(snap.data, snap.len, key, 0, &o));
    SAVE_DIGEST(OPENED_DIGEST, o, digest);
    CHECK_CODE(guestlink_opened_invite_decrypt(o, env.data, env.len, &r), code, "envelope/opened");
    if (code != 0) CHECK_DIGEST(OPENED_DIGEST, o, digest);
    guestlink_opened_invite_free(o);
  } else if (strcmp(t[1], "guest") == 0) {
    guestlink_guest_session *g = NULL;
    CHECK_OK(guestlink_guest_session_from_snapshot(snap.data, snap.len, key, 0, &g));
    SAVE_DIGEST(GUEST_DIGEST, g, digest);
    CHECK_CODE(guestlink_guest_session_decrypt(g, env.data, env.len, &r), code, "envelope/guest");
    if (code != 0) CHECK_DIGEST(GUEST_DIGEST, g, digest);
    guestlink_guest_session_free(g);
  } else {
    fprintf(stderr, "vectors line %u: unknown party %s\n", lineno, t[1]);
    checks_failed++;
  }
  guestlink_received_free(r);
  guestlink_snapshot_key_free(key);
  bytes_free(&snap);
  bytes_free(&k);
  bytes_free(&env);
}

/* The conversation being replayed: its snapshot key and the guest's state right after the claim. */
static struct {
  guestlink_snapshot_key *key;
  bytes guest_after_claim;
} conv;

static void run_conversation(char **t) {
  bytes k, link, record;
  CHECK(unhex(t[2], &k) && unhex(t[3], &link) && unhex(t[4], &record));
  conv.key = load_key(&k);
  guestlink_invite_link *l = NULL;
  guestlink_opened_invite *o = NULL;
  CHECK_OK(guestlink_invite_link_parse(link.data, link.len, &l));
  CHECK_OK(guestlink_invite_link_open(l, record.data, record.len, num(t[5]), &o));
  guestlink_opened_invite_free(o);
  guestlink_invite_link_free(l);
  bytes_free(&k);
  bytes_free(&link);
  bytes_free(&record);
}

static uint32_t outcome_kind(const char *outcome) {
  if (strcmp(outcome, "text") == 0) return GUESTLINK_RECEIVED_KIND_TEXT;
  if (strcmp(outcome, "claimed") == 0) return GUESTLINK_RECEIVED_KIND_CLAIMED;
  if (strcmp(outcome, "join") == 0) return GUESTLINK_RECEIVED_KIND_JOIN;
  if (strcmp(outcome, "confirmed") == 0) return GUESTLINK_RECEIVED_KIND_CONFIRMED;
  if (strcmp(outcome, "ended") == 0) return GUESTLINK_RECEIVED_KIND_ENDED;
  return 0;
}

static void check_safety_code(guestlink_safety_code *code, const bytes *long_form) {
  char buf[GUESTLINK_SAFETY_CODE_LONG_LEN];
  size_t len = 0;
  CHECK_OK(guestlink_safety_code_long_form(code, (uint8_t *)buf, sizeof buf, &len));
  CHECK(len == long_form->len && memcmp(buf, long_form->data, len) == 0);
}

/* Our own confirmation (randomised, so not byte-equal to the vector's) must confirm the guest. */
static void check_confirmation(guestlink_received *r) {
  static uint8_t confirmation[GUESTLINK_MAX_ENVELOPE_LEN];
  size_t len = 0;
  CHECK_OK(guestlink_received_confirmation(r, confirmation, sizeof confirmation, &len));
  CHECK(conv.guest_after_claim.present);
  if (!conv.guest_after_claim.present) return;
  guestlink_guest_session *g = NULL;
  guestlink_received *c = NULL;
  CHECK_OK(guestlink_guest_session_from_snapshot(conv.guest_after_claim.data, conv.guest_after_claim.len, conv.key,
                                                 0, &g));
  CHECK_OK(guestlink_guest_session_decrypt(g, confirmation, len, &c));
  uint32_t kind = 0;
  CHECK_OK(guestlink_received_get_kind(c, &kind));
  CHECK(kind == GUESTLINK_RECEIVED_KIND_CONFIRMED);
  guestlink_received_free(c);
  guestlink_guest_session_free(g);
}

static void check_received(guestlink_received *r, const char *kind_name, const bytes *text, const bytes *safety,
                           const bytes *claimed_record) {
  uint32_t kind = 0;
  CHECK_OK(guestlink_received_get_kind(r, &kind));
  CHECK(kind == outcome_kind(kind_name));
  static uint8_t buf[GUESTLINK_MAX_BODY_LEN];
  size_t len = 0;
  if (text->present) {
    CHECK_OK(guestlink_received_text(r, buf, sizeof buf, &len));
    CHECK(len == text->len && memcmp(buf, text->data, len) == 0);
  } else {
    CHECK_RC(guestlink_received_text(r, buf, sizeof buf, &len), GUESTLINK_RESULT_NO_VALUE);
  }
  if (safety->present) {
    guestlink_safety_code *code = NULL;
    CHECK_OK(guestlink_received_safety_code(r, &code));
    check_safety_code(code, safety);
    guestlink_safety_code_free(code);
  }
  if (claimed_record->present) { /* deterministic: the same bytes as Rust */
    CHECK_OK(guestlink_received_claimed_record(r, buf, sizeof buf, &len));
    CHECK(len == claimed_record->len && memcmp(buf, claimed_record->data, len) == 0);
  }
  if (kind == GUESTLINK_RECEIVED_KIND_CLAIMED) check_confirmation(r);
}

static void run_decrypt(char **t) {
  bytes state, env, text, safety, claimed;
  CHECK(unhex(t[3], &state) && unhex(t[4], &env) && unhex(t[7], &text) && unhex(t[8], &safety) &&
        unhex(t[9], &claimed));
  uint64_t now = num(t[2]);
  uint32_t code = (uint32_t)num(t[5]);
  uint8_t digest[32];
  guestlink_received *r = NULL;
  if (strcmp(t[1], "host_decrypt") == 0) {
    guestlink_host_session *h = NULL;
    CHECK_OK(guestlink_host_session_from_snapshot(state.data, state.len, conv.key, 0, &h));
    SAVE_DIGEST(HOST_DIGEST, h, digest);
    CHECK_CODE(guestlink_host_session_decrypt(h, now, env.data, env.len, &r), code, t[1]);
    if (code != 0) CHECK_DIGEST(HOST_DIGEST, h, digest);
    guestlink_host_session_free(h);
  } else if (strcmp(t[1], "opened_decrypt") == 0) {
    guestlink_opened_invite *o = NULL;
    CHECK_OK(guestlink_opened_invite_from_snapshot(state.data, state.len, conv.key, 0, &o));
    SAVE_DIGEST(OPENED_DIGEST, o, digest);
    CHECK_CODE(guestlink_opened_invite_decrypt(o, env.data, env.len, &r), code, t[1]);
    if (code != 0) CHECK_DIGEST(OPENED_DIGEST, o, digest);
    guestlink_opened_invite_free(o);
  } else if (strcmp(t[1], "guest_decrypt") == 0) {
    guestlink_guest_session *g = NULL;
    CHECK_OK(guestlink_guest_session_from_snapshot(state.data, state.len, conv.key, 0, &g));
    SAVE_DIGEST(GUEST_DIGEST, g, digest);
    CHECK_CODE(guestlink_guest_session_decrypt(g, env.data, env.len, &r), code, t[1]);
    if (code != 0) CHECK_DIGEST(GUEST_DIGEST, g, digest);
    guestlink_guest_session_free(g);
  } else {
    fprintf(stderr, "vectors line %u: unknown step %s\n", lineno, t[1]);
    checks_failed++;
  }
  if (r != NULL) {
    check_received(r, t[6], &text, &safety, &claimed);
    guestlink_received_free(r);
  }
  bytes_free(&state);
  bytes_free(&env);
  bytes_free(&text);
  bytes_free(&safety);
  bytes_free(&claimed);
}

/* The guest's state after its claim: its safety code and claim envelope are the vector's. */
static void run_claim(char **t) {
  bytes env, long_form, short_form, qr;
  bytes_free(&conv.guest_after_claim);
  CHECK(unhex(t[1], &conv.guest_after_claim) && unhex(t[2], &env) && unhex(t[3], &long_form) &&
        unhex(t[4], &short_form) && unhex(t[5], &qr));
  guestlink_guest_session *g = NULL;
  CHECK_OK(guestlink_guest_session_from_snapshot(conv.guest_after_claim.data, conv.guest_after_claim.len, conv.key, 0,
                                                 &g));
  guestlink_safety_code *code = NULL;
  CHECK_OK(guestlink_guest_session_safety_code(g, &code));
  check_safety_code(code, &long_form);
  uint8_t buf[GUESTLINK_QR_PAYLOAD_LEN];
  size_t len = 0;
  CHECK_OK(guestlink_safety_code_short_form(code, buf, sizeof buf, &len));
  CHECK(len == short_form.len && memcmp(buf, short_form.data, len) == 0);
  CHECK_OK(guestlink_safety_code_qr_payload(code, buf, sizeof buf, &len));
  CHECK(len == qr.len && memcmp(buf, qr.data, len) == 0);
  guestlink_envelope_info info;
  CHECK_OK(guestlink_peek(env.data, env.len, &info));
  CHECK(info.kind == GUESTLINK_ENVELOPE_KIND_CLAIM);
  guestlink_safety_code_free(code);
  guestlink_guest_session_free(g);
  bytes_free(&env);
  bytes_free(&long_form);
  bytes_free(&short_form);
  bytes_free(&qr);
}

/* The host's revocation record is accepted by the guest (after its claim) with the same time. */
static void run_revoke(char **t) {
  bytes record;
  CHECK(unhex(t[2], &record));
  CHECK(conv.guest_after_claim.present);
  if (conv.guest_after_claim.present) {
    guestlink_guest_session *g = NULL;
    uint64_t at = 0;
    CHECK_OK(guestlink_guest_session_from_snapshot(conv.guest_after_claim.data, conv.guest_after_claim.len, conv.key,
                                                   0, &g));
    CHECK_OK(guestlink_guest_session_apply_revocation(g, record.data, record.len, &at));
    CHECK(at == num(t[1]));
    guestlink_guest_session_free(g);
  }
  bytes_free(&record);
}

static void end_conversation(void) {
  guestlink_snapshot_key_free(conv.key);
  bytes_free(&conv.guest_after_claim);
  memset(&conv, 0, sizeof conv);
}

void test_vectors(const char *path) {
  if (path == NULL) {
    printf("vectors: no vector file given; skipped\n");
    return;
  }
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  if (f == NULL) return;
  char *line = NULL;
  size_t cap = 0;
  char suite[64] = "";
  unsigned suites = 0;
  long expected_cases = -1, seen_cases = 0;
  unsigned decrypt_steps = 0;
  while (getline(&line, &cap, f) != -1) {
    lineno++;
    char *t[MAX_TOKENS] = {0};
    size_t n = split(line, t);
    if (n == 0 || t[0][0] == '#' || t[0][0] == '\0') continue;
    if (strcmp(t[0], "SUITE") == 0 && n == 3) {
      if (expected_cases >= 0) CHECK(seen_cases == expected_cases);
      vector_cases += (unsigned)seen_cases;
      snprintf(suite, sizeof suite, "%s", t[1]);
      expected_cases = (long)num(t[2]);
      seen_cases = 0;
      suites++;
    } else if (strcmp(t[0], "LINK") == 0 && n == 7) {
      run_link(t), seen_cases++;
    } else if (strcmp(t[0], "RECORD") == 0 && n == 5) {
      run_record(t), seen_cases++;
    } else if (strcmp(t[0], "SNAPSHOT") == 0 && n == 8) {
      run_snapshot(t), seen_cases++;
    } else if (strcmp(t[0], "ENVELOPE") == 0 && n == 7) {
      run_envelope(t), seen_cases++;
    } else if (strcmp(t[0], "CONVERSATION") == 0 && n == 6) {
      run_conversation(t), seen_cases++;
    } else if (strcmp(t[0], "DECRYPT") == 0 && n == 10) {
      run_decrypt(t), decrypt_steps++;
    } else if (strcmp(t[0], "CLAIM") == 0 && n == 6) {
      run_claim(t);
    } else if (strcmp(t[0], "REVOKE") == 0 && n == 3) {
      run_revoke(t);
    } else if (strcmp(t[0], "END") == 0) {
      end_conversation();
    } else {
      fprintf(stderr, "vectors line %u: cannot read a %s line with %zu fields\n", lineno, t[0], n);
      checks_failed++;
    }
  }
  if (expected_cases >= 0) CHECK(seen_cases == expected_cases);
  vector_cases += (unsigned)seen_cases;
  free(line);
  fclose(f);
  printf("vectors: %u cases (%u conversation decrypt steps) in %u suites replayed from %s\n", vector_cases,
         decrypt_steps, suites, path);
}
