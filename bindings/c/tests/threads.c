/* Concurrent calls on one handle. Two threads hammer guestlink_host_session_encrypt on the same
 * claimed session (retrying when refused) while a third reads it: every call must return OK or
 * HANDLE_BUSY (a mutating
 * call overlapping any other call on the handle is refused, never raced). Afterwards the guest
 * decrypts every envelope an OK produced exactly once (a race in the ratchet would reuse a
 * message counter: DUPLICATE or DECRYPT_FAILED) and the session still works both ways. The
 * threads record what they saw; only the main thread runs CHECKs (the counters are not atomic).
 * Whether calls overlapped at all is up to the scheduler: the counts are printed, not asserted. */
#define _POSIX_C_SOURCE 200112L
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"

#define NOW 1800000000ull
#define ROUNDS 300
#define WRITERS 2
#define PAD 2000 /* long calls overlap more often */
#define ENV_CAP (PAD + 512)

typedef struct {
  guestlink_host_session *host;
  pthread_barrier_t *start;
  int id;
  unsigned ok, busy, other;
  size_t sent; /* envelopes below */
  char text[ROUNDS][PAD + 16];
  uint8_t env[ROUNDS][ENV_CAP];
  size_t env_len[ROUNDS];
} writer;

typedef struct {
  guestlink_host_session *host;
  pthread_barrier_t *start;
  atomic_int *writers_done;
  uint8_t mailbox[GUESTLINK_MAILBOX_ID_LEN];
  unsigned ok, busy, other, wrong;
} reader;

/* A barrier for the writers that spins rather than sleeps, so that both leave it together (a
 * sleeping barrier wakes the last thread so late that the calls no longer overlap). It yields now
 * and then for schedulers that run one thread at a time (Valgrind). */
static atomic_uint arrived, generation;

static void spin_barrier(void) {
  unsigned gen = atomic_load(&generation);
  if (atomic_fetch_add(&arrived, 1) + 1 == WRITERS) {
    atomic_store(&arrived, 0);
    atomic_fetch_add(&generation, 1);
    return;
  }
  for (unsigned spins = 1; atomic_load(&generation) == gen; spins++)
    if (spins % 1024 == 0) sched_yield();
}

/* Sends ROUNDS texts, retrying each refused call (as an app would) up to a bound. */
static void *write_loop(void *arg) {
  writer *w = arg;
  pthread_barrier_wait(w->start);
  for (int i = 0; i < ROUNDS; i++) {
    /* Both writers call at the same moment each round: overlaps are the rule, not luck. */
    spin_barrier();
    char *text = w->text[w->sent];
    int n = snprintf(text, sizeof w->text[0], "w%d-%d:", w->id, i);
    memset(text + n, 'x', PAD);
    n += PAD;
    text[n] = 0;
    for (long attempt = 0; attempt < 1000000; attempt++) {
      size_t len = 0x5eed;
      guestlink_result rc = guestlink_host_session_encrypt(w->host, NOW, (const uint8_t *)text, (size_t)n,
                                                           w->env[w->sent], ENV_CAP, &len);
      if (rc == GUESTLINK_RESULT_OK) {
        w->env_len[w->sent++] = len;
        w->ok++;
        break;
      }
      if (rc == GUESTLINK_RESULT_HANDLE_BUSY && len == 0x5eed) {
        w->busy++;
        sched_yield();
      } else {
        w->other++;
        break;
      }
    }
  }
  return NULL;
}

static void *read_loop(void *arg) {
  reader *r = arg;
  pthread_barrier_wait(r->start);
  while (atomic_load(r->writers_done) < WRITERS) {
    uint8_t id[GUESTLINK_MAILBOX_ID_LEN];
    size_t len = 0;
    guestlink_result rc = guestlink_host_session_mailbox_id(r->host, id, sizeof id, &len);
    if (rc == GUESTLINK_RESULT_OK) {
      r->ok++;
      if (len != sizeof id || memcmp(id, r->mailbox, sizeof id) != 0) r->wrong++;
    } else if (rc == GUESTLINK_RESULT_HANDLE_BUSY) {
      r->busy++;
    } else {
      r->other++;
    }
    sched_yield(); /* leave the writers room */
  }
  return NULL;
}

/* Decrypts `env` on the guest and checks it is the TEXT `expected`. */
static void guest_expects(guestlink_guest_session *guest, const uint8_t *env, size_t env_len, const char *expected) {
  guestlink_received *r = NULL;
  CHECK_OK(guestlink_guest_session_decrypt(guest, env, env_len, &r));
  if (r == NULL) return;
  uint32_t kind = 0;
  char text[PAD + 64];
  size_t len = 0;
  CHECK_OK(guestlink_received_get_kind(r, &kind));
  CHECK(kind == GUESTLINK_RECEIVED_KIND_TEXT);
  CHECK_OK(guestlink_received_text(r, (uint8_t *)text, sizeof text, &len));
  CHECK_BYTES_EQ_STR(text, len, expected);
  guestlink_received_free(r);
}

void test_threads(void) {
  static writer writers[WRITERS]; /* large: not on the stack */
  guestlink_host_identity *identity = NULL;
  guestlink_created_invite *created = NULL;
  guestlink_host_session *host = NULL;
  guestlink_invite_link *link = NULL;
  guestlink_opened_invite *opened = NULL;
  guestlink_guest_session *guest = NULL;
  guestlink_received *r = NULL;
  const char url[] = "https://chat.example/g";
  char link_text[GUESTLINK_MAX_LINK_LEN];
  uint8_t record[GUESTLINK_INVITE_RECORD_LEN], env[ENV_CAP], confirmation[ENV_CAP];
  size_t link_len = 0, record_len = 0, env_len = 0, confirmation_len = 0;

  CHECK(guestlink_max_envelope_len(PAD + 15) <= ENV_CAP);
  /* A claimed session: the ratchet runs. */
  CHECK_OK(guestlink_host_identity_new(&identity));
  CHECK_OK(guestlink_host_identity_create_invite(identity, NOW, NOW + 1000, (const uint8_t *)url, sizeof url - 1,
                                                 &created));
  CHECK_OK(guestlink_created_invite_link(created, (uint8_t *)link_text, sizeof link_text, &link_len));
  CHECK_OK(guestlink_created_invite_record(created, record, sizeof record, &record_len));
  CHECK_OK(guestlink_created_invite_take_session(created, &host));
  CHECK_OK(guestlink_invite_link_parse((const uint8_t *)link_text, link_len, &link));
  CHECK_OK(guestlink_invite_link_open(link, record, record_len, NOW, &opened));
  CHECK_OK(guestlink_opened_invite_claim(&opened, NOW, &guest, env, sizeof env, &env_len));
  CHECK_OK(guestlink_host_session_decrypt(host, NOW, env, env_len, &r));
  CHECK_OK(guestlink_received_confirmation(r, confirmation, sizeof confirmation, &confirmation_len));
  guestlink_received_free(r);
  r = NULL;
  CHECK_OK(guestlink_guest_session_decrypt(guest, confirmation, confirmation_len, &r));
  guestlink_received_free(r);
  r = NULL;
  if (host == NULL || guest == NULL) goto out;

  pthread_barrier_t start;
  atomic_int writers_done = 0;
  static reader rd;
  rd.host = host;
  rd.start = &start;
  rd.writers_done = &writers_done;
  CHECK_OK(guestlink_host_session_mailbox_id(host, rd.mailbox, sizeof rd.mailbox, &env_len));
  CHECK(pthread_barrier_init(&start, NULL, WRITERS + 1) == 0);
  pthread_t threads[WRITERS + 1];
  for (int i = 0; i < WRITERS; i++) {
    writers[i].host = host;
    writers[i].start = &start;
    writers[i].id = i;
    CHECK(pthread_create(&threads[i], NULL, write_loop, &writers[i]) == 0);
  }
  CHECK(pthread_create(&threads[WRITERS], NULL, read_loop, &rd) == 0);
  for (int i = 0; i < WRITERS; i++) {
    pthread_join(threads[i], NULL);
    atomic_fetch_add(&writers_done, 1);
  }
  pthread_join(threads[WRITERS], NULL);
  pthread_barrier_destroy(&start);

  unsigned ok = 0, busy = 0;
  for (int i = 0; i < WRITERS; i++) {
    CHECK(writers[i].other == 0);
    CHECK(writers[i].ok == ROUNDS && writers[i].sent == ROUNDS);
    ok += writers[i].ok;
    busy += writers[i].busy;
  }
  CHECK(rd.other == 0 && rd.wrong == 0);
  printf("threads: %u encrypts OK, %u HANDLE_BUSY; reader %u OK, %u HANDLE_BUSY\n", ok, busy, rd.ok, rd.busy);

  /* Every OK envelope decrypts exactly once, to its own text, in any order. */
  for (int i = 0; i < WRITERS; i++)
    for (size_t j = 0; j < writers[i].sent; j++)
      guest_expects(guest, writers[i].env[j], writers[i].env_len[j], writers[i].text[j]);
  for (int i = 0; i < WRITERS; i++)
    for (size_t j = 0; j < writers[i].sent; j++)
      CHECK_RC(guestlink_guest_session_decrypt(guest, writers[i].env[j], writers[i].env_len[j], &r),
               GUESTLINK_RESULT_DUPLICATE);
  CHECK(r == NULL);

  /* The session still works both ways. */
  CHECK_OK(guestlink_host_session_encrypt(host, NOW, (const uint8_t *)"after", 5, env, sizeof env, &env_len));
  guest_expects(guest, env, env_len, "after");
  CHECK_OK(guestlink_guest_session_encrypt(guest, (const uint8_t *)"reply", 5, env, sizeof env, &env_len));
  CHECK_OK(guestlink_host_session_decrypt(host, NOW, env, env_len, &r));
  guestlink_received_free(r);

out:
  guestlink_guest_session_free(guest);
  guestlink_opened_invite_free(opened);
  guestlink_invite_link_free(link);
  guestlink_host_session_free(host);
  guestlink_created_invite_free(created);
  guestlink_host_identity_free(identity);
}
