/* A host and a guest chat through guestlink, in one process (a real app runs one side and moves
 * the envelopes and records through the relay). Build: see bindings/c/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <guestlink.h>

/* Every call returns a guestlink_result; stop at the first failure and say why. */
#define TRY(call)                                                                    \
  do {                                                                               \
    guestlink_result rc_ = (call);                                                   \
    if (rc_ != GUESTLINK_RESULT_OK) {                                                \
      fprintf(stderr, "%s failed: %s (%u): %s\n", #call, guestlink_result_name(rc_), \
              (unsigned)rc_, guestlink_result_message(rc_));                         \
      exit(EXIT_FAILURE);                                                            \
    }                                                                                \
  } while (0)

typedef struct {
  uint8_t data[GUESTLINK_MAX_ENVELOPE_LEN];
  size_t len;
} envelope;

/* Prints the text of a received message and frees it. */
static void show(const char *who, guestlink_received *received) {
  char text[GUESTLINK_MAX_BODY_LEN];
  size_t len = 0;
  TRY(guestlink_received_text(received, (uint8_t *)text, sizeof text, &len));
  printf("%s got: %.*s\n", who, (int)len, text);
  guestlink_received_free(received);
}

int main(void) {
  const uint64_t now = 1800000000; /* seconds since the Unix epoch: pass your clock */
  static envelope env;             /* large: keep it off the stack */
  guestlink_received *received = NULL;

  /* Host: a long-term identity and an invite valid for a day. */
  guestlink_host_identity *identity = NULL;
  TRY(guestlink_host_identity_new(&identity));
  const char base_url[] = "https://chat.example/g";
  guestlink_created_invite *created = NULL;
  TRY(guestlink_host_identity_create_invite(identity, now, now + 86400, (const uint8_t *)base_url,
                                            strlen(base_url), &created));
  char link[GUESTLINK_MAX_LINK_LEN];
  size_t link_len = 0;
  TRY(guestlink_created_invite_link(created, (uint8_t *)link, sizeof link, &link_len));
  uint8_t record[GUESTLINK_INVITE_RECORD_LEN]; /* publish on the relay */
  size_t record_len = 0;
  TRY(guestlink_created_invite_record(created, record, sizeof record, &record_len));
  guestlink_host_session *host = NULL;
  TRY(guestlink_created_invite_take_session(created, &host));
  guestlink_created_invite_free(created);

  /* The host can write before the guest arrives. */
  const char hello[] = "Welcome! Ask me anything.";
  TRY(guestlink_host_session_encrypt(host, now, (const uint8_t *)hello, strlen(hello), env.data,
                                     sizeof env.data, &env.len));

  /* Guest: open the link against the record, read, then claim. */
  guestlink_invite_link *parsed = NULL;
  TRY(guestlink_invite_link_parse((const uint8_t *)link, link_len, &parsed));
  guestlink_opened_invite *opened = NULL;
  TRY(guestlink_invite_link_open(parsed, record, record_len, now, &opened));
  guestlink_invite_link_free(parsed);
  TRY(guestlink_opened_invite_decrypt(opened, env.data, env.len, &received));
  show("guest", received);
  guestlink_guest_session *guest = NULL;
  TRY(guestlink_opened_invite_claim(&opened, now, &guest, env.data, sizeof env.data, &env.len));
  /* `opened` is now NULL: the claim consumed it. */

  /* Host: accept the claim, post the claimed record, send the confirmation. */
  TRY(guestlink_host_session_decrypt(host, now, env.data, env.len, &received));
  uint32_t kind = 0;
  TRY(guestlink_received_get_kind(received, &kind));
  if (kind != GUESTLINK_RECEIVED_KIND_CLAIMED) return EXIT_FAILURE;
  guestlink_safety_code *host_code = NULL;
  TRY(guestlink_received_safety_code(received, &host_code));
  TRY(guestlink_received_confirmation(received, env.data, sizeof env.data, &env.len));
  guestlink_received_free(received);

  /* Guest: the confirmation confirms the chat. */
  TRY(guestlink_guest_session_decrypt(guest, env.data, env.len, &received));
  guestlink_received_free(received);
  bool confirmed = false;
  TRY(guestlink_guest_session_is_confirmed(guest, &confirmed));

  /* Both show the safety code; people compare it out of band. */
  guestlink_safety_code *guest_code = NULL;
  TRY(guestlink_guest_session_safety_code(guest, &guest_code));
  char code[GUESTLINK_SAFETY_CODE_LONG_LEN];
  size_t code_len = 0;
  TRY(guestlink_safety_code_long_form(guest_code, (uint8_t *)code, sizeof code, &code_len));
  bool same = false;
  TRY(guestlink_safety_code_equal(host_code, guest_code, &same));
  printf("confirmed: %s, safety code %.*s (%s on both sides)\n", confirmed ? "yes" : "no", (int)code_len,
         code, same ? "same" : "DIFFERENT");
  guestlink_safety_code_free(host_code);
  guestlink_safety_code_free(guest_code);

  /* Chat. */
  const char question[] = "Is the flat still free?";
  TRY(guestlink_guest_session_encrypt(guest, (const uint8_t *)question, strlen(question), env.data,
                                      sizeof env.data, &env.len));
  TRY(guestlink_host_session_decrypt(host, now, env.data, env.len, &received));
  show("host", received);

  /* Persist the host session encrypted under a key from the platform keystore, and restore it. */
  guestlink_snapshot_key *key = NULL;
  TRY(guestlink_snapshot_key_generate(&key));
  uint8_t *snapshot = malloc(GUESTLINK_MAX_SNAPSHOT_LEN);
  if (snapshot == NULL) return EXIT_FAILURE;
  size_t snapshot_len = 0;
  TRY(guestlink_host_session_snapshot(host, key, snapshot, GUESTLINK_MAX_SNAPSHOT_LEN, &snapshot_len));
  uint64_t counter = 0;
  TRY(guestlink_host_session_snapshot_counter(host, &counter));
  guestlink_host_session_free(host);
  host = NULL;
  TRY(guestlink_host_session_from_snapshot(snapshot, snapshot_len, key, counter, &host));
  free(snapshot);
  guestlink_snapshot_key_free(key);

  const char answer[] = "Yes, come by at five.";
  TRY(guestlink_host_session_encrypt(host, now, (const uint8_t *)answer, strlen(answer), env.data,
                                     sizeof env.data, &env.len));
  TRY(guestlink_guest_session_decrypt(guest, env.data, env.len, &received));
  show("guest", received);

  /* The host ends the chat: a record for the relay and an end message for the guest. */
  guestlink_revocation *revocation = NULL;
  TRY(guestlink_host_session_revoke(host, now + 60, &revocation));
  TRY(guestlink_revocation_end_message(revocation, env.data, sizeof env.data, &env.len));
  guestlink_revocation_free(revocation);
  TRY(guestlink_guest_session_decrypt(guest, env.data, env.len, &received));
  TRY(guestlink_received_get_kind(received, &kind));
  guestlink_received_free(received);
  printf("guest: chat %s\n", kind == GUESTLINK_RECEIVED_KIND_ENDED ? "ended" : "still open?");

  guestlink_guest_session_free(guest);
  guestlink_host_session_free(host);
  guestlink_host_identity_free(identity);
  return kind == GUESTLINK_RECEIVED_KIND_ENDED && same ? EXIT_SUCCESS : EXIT_FAILURE;
}
