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

void test_conversation(void);
void test_misuse(void);
void test_vectors(const char *path);

#endif
