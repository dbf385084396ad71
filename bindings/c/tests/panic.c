/* The panic boundary seen from C (needs a library built with the `testing` feature and
 * -DGUESTLINK_TESTING): a panic inside a call returns GUESTLINK_RESULT_PANIC, poisons the handle
 * (every later call but _free is refused), leaves other handles alone, and leaks nothing
 * (checked by the Valgrind and ASan runs). */
#include <stdint.h>

#include "check.h"

void test_panic(void) {
#ifdef GUESTLINK_TESTING
  guestlink_host_identity *identity = NULL;
  guestlink_created_invite *created = NULL;
  guestlink_host_session *session = NULL, *other = NULL;
  const char url[] = "https://chat.example/g";
  CHECK_OK(guestlink_host_identity_new(&identity));
  for (int i = 0; i < 2; i++) {
    CHECK_OK(guestlink_host_identity_create_invite(identity, 1000, 2000, (const uint8_t *)url, sizeof url - 1,
                                                   &created));
    CHECK_OK(guestlink_created_invite_take_session(created, i == 0 ? &session : &other));
    guestlink_created_invite_free(created);
  }
  uint8_t out[512];
  size_t len = 0x5eed;
  uint32_t state = 0;
  CHECK_OK(guestlink_host_session_encrypt(session, 1000, (const uint8_t *)"hi", 2, out, sizeof out, &len));

  CHECK_RC(guestlink_host_session_panic_for_testing_only(session), GUESTLINK_RESULT_PANIC);
  len = 0x5eed;
  CHECK_RC(guestlink_host_session_encrypt(session, 1000, (const uint8_t *)"hi", 2, out, sizeof out, &len),
           GUESTLINK_RESULT_HANDLE_POISONED);
  CHECK(len == 0x5eed);
  CHECK_RC(guestlink_host_session_state(session, &state), GUESTLINK_RESULT_HANDLE_POISONED);
  CHECK_RC(guestlink_host_session_mailbox_id(session, out, sizeof out, &len), GUESTLINK_RESULT_HANDLE_POISONED);
  CHECK_RC(guestlink_host_session_panic_for_testing_only(session), GUESTLINK_RESULT_HANDLE_POISONED);
  CHECK(state == 0 && len == 0x5eed);

  /* Another session is unaffected. */
  CHECK_OK(guestlink_host_session_state(other, &state));
  CHECK(state == GUESTLINK_HOST_STATE_UNCLAIMED);
  CHECK_OK(guestlink_host_session_encrypt(other, 1000, (const uint8_t *)"hi", 2, out, sizeof out, &len));

  /* A poisoned handle is still freed, without leaks. */
  guestlink_host_session_free(session);
  guestlink_host_session_free(other);
  guestlink_host_identity_free(identity);
#else
  printf("panic: library built without the testing feature; skipped\n");
#endif
}
