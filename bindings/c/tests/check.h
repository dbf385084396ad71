/* A tiny test harness shared by the C tests: counts checks, reports failures with their line. */
#ifndef GUESTLINK_TEST_CHECK_H
#define GUESTLINK_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "guestlink.h"

extern unsigned checks_passed;
extern unsigned checks_failed;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (cond) {                                                                      \
      checks_passed++;                                                               \
    } else {                                                                         \
      checks_failed++;                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
    }                                                                                \
  } while (0)

#define CHECK_RC(call, expected)                                                     \
  do {                                                                               \
    guestlink_result rc_ = (call);                                                   \
    if (rc_ == (guestlink_result)(expected)) {                                       \
      checks_passed++;                                                               \
    } else {                                                                         \
      checks_failed++;                                                               \
      fprintf(stderr, "%s:%d: %s\n  returned %u (%s), expected %s\n", __FILE__,     \
              __LINE__, #call, (unsigned)rc_, guestlink_result_name(rc_), #expected); \
    }                                                                                \
  } while (0)

#define CHECK_OK(call) CHECK_RC(call, GUESTLINK_RESULT_OK)

/* Compares a byte output with a C string. */
#define CHECK_BYTES_EQ_STR(buf, len, str) \
  CHECK((len) == strlen(str) && memcmp((buf), (str), (len)) == 0)

/* With the testing feature: a digest of a session's whole state, to check that failed calls
 * change nothing. Without it these compile to nothing. */
#ifdef GUESTLINK_TESTING
#define SAVE_DIGEST(fn, handle, digest)                      \
  do {                                                       \
    size_t l_ = 0;                                           \
    CHECK_OK(fn((handle), (digest), sizeof(digest), &l_));   \
  } while (0)
#define CHECK_DIGEST(fn, handle, digest)                     \
  do {                                                       \
    uint8_t now_[32];                                        \
    size_t l_ = 0;                                           \
    CHECK_OK(fn((handle), now_, sizeof now_, &l_));          \
    CHECK(memcmp(now_, (digest), sizeof now_) == 0);         \
  } while (0)
#else
#define SAVE_DIGEST(fn, handle, digest) (void)(digest)
#define CHECK_DIGEST(fn, handle, digest) (void)(digest)
#endif
#define HOST_DIGEST guestlink_host_session_state_digest_for_testing_only
#define OPENED_DIGEST guestlink_opened_invite_state_digest_for_testing_only
#define GUEST_DIGEST guestlink_guest_session_state_digest_for_testing_only

void test_conversation(void);
void test_misuse(void);
void test_vectors(const char *path);
void test_panic(void);
void test_threads(void);

#endif
