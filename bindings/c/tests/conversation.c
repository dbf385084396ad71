/* A whole host <-> guest conversation through the C ABI: invite, pre-claim messages, claim,
 * confirmation, safety codes, messages both ways, relay auth, snapshots restored mid-way,
 * revocation. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

#define NOW 1800000000ull
#define DAY 86400ull

static const char BASE_URL[] = "https://chat.example/g";

typedef struct {
  uint8_t data[GUESTLINK_MAX_ENVELOPE_LEN];
  size_t len;
} envelope;

static void host_send(guestlink_host_session *host, uint64_t now, const char *text, envelope *out) {
  out->len = 0;
  CHECK_OK(guestlink_host_session_encrypt(host, now, (const uint8_t *)text, strlen(text), out->data,
                                          sizeof out->data, &out->len));
  CHECK(out->len > strlen(text) && out->len <= guestlink_max_envelope_len(strlen(text)));
}

static void guest_send(guestlink_guest_session *guest, const char *text, envelope *out) {
  out->len = 0;
  CHECK_OK(guestlink_guest_session_encrypt(guest, (const uint8_t *)text, strlen(text), out->data,
                                           sizeof out->data, &out->len));
}

/* Checks that `r` is a TEXT equal to `expected`, then frees it. */
static void expect_text(guestlink_received *r, const char *expected) {
  uint32_t kind = 0;
  CHECK_OK(guestlink_received_get_kind(r, &kind));
  CHECK(kind == GUESTLINK_RECEIVED_KIND_TEXT);
  char text[256];
  size_t len = 0;
  CHECK_OK(guestlink_received_text(r, (uint8_t *)text, sizeof text, &len));
  CHECK_BYTES_EQ_STR(text, len, expected);
  guestlink_received_free(r);
}

static void expect_kind(guestlink_received *r, uint32_t expected) {
  uint32_t kind = 0;
  CHECK_OK(guestlink_received_get_kind(r, &kind));
  CHECK(kind == expected);
  guestlink_received_free(r);
}

static void check_relay_auth(guestlink_result rc, const uint8_t *sig, size_t sig_len, const uint8_t *key,
                             const uint8_t *mailbox, const uint8_t *challenge, size_t challenge_len) {
  CHECK(rc == GUESTLINK_RESULT_OK);
  CHECK(sig_len == GUESTLINK_SIGNATURE_LEN);
  CHECK_OK(guestlink_verify_relay_auth(key, GUESTLINK_PUBLIC_KEY_LEN, mailbox, GUESTLINK_MAILBOX_ID_LEN, challenge,
                                       challenge_len, sig, sig_len));
  uint8_t bad[GUESTLINK_SIGNATURE_LEN];
  memcpy(bad, sig, sizeof bad);
  bad[0] ^= 1;
  CHECK_RC(guestlink_verify_relay_auth(key, GUESTLINK_PUBLIC_KEY_LEN, mailbox, GUESTLINK_MAILBOX_ID_LEN, challenge,
                                       challenge_len, bad, sizeof bad),
           GUESTLINK_RESULT_BAD_SIGNATURE);
}

void test_conversation(void) {
  /* Versions and static strings. */
  CHECK(strlen(guestlink_version()) > 0);
  CHECK(guestlink_protocol_version() == 1);
  CHECK(guestlink_message_version() == 2);
  CHECK(guestlink_snapshot_version() == 2);
  CHECK(strcmp(guestlink_result_name(GUESTLINK_RESULT_DECRYPT_FAILED), "DECRYPT_FAILED") == 0);
  CHECK(strcmp(guestlink_result_message(GUESTLINK_RESULT_OK), "success") == 0);

  /* Host: identity and invite. */
  guestlink_host_identity *identity = NULL;
  CHECK_OK(guestlink_host_identity_new(&identity));
  uint8_t host_key[GUESTLINK_PUBLIC_KEY_LEN];
  size_t len = 0;
  CHECK_OK(guestlink_host_identity_public_key(identity, host_key, sizeof host_key, &len));
  CHECK(len == GUESTLINK_PUBLIC_KEY_LEN);
  char fingerprint[GUESTLINK_FINGERPRINT_LEN];
  CHECK_OK(guestlink_fingerprint(host_key, sizeof host_key, (uint8_t *)fingerprint, sizeof fingerprint, &len));
  CHECK(len == GUESTLINK_FINGERPRINT_LEN && fingerprint[4] == ' ');

  guestlink_created_invite *created = NULL;
  CHECK_OK(guestlink_host_identity_create_invite(identity, NOW, NOW + DAY, (const uint8_t *)BASE_URL,
                                                 strlen(BASE_URL), &created));
  char link[GUESTLINK_MAX_LINK_LEN];
  size_t link_len = 0;
  CHECK_OK(guestlink_created_invite_link(created, (uint8_t *)link, sizeof link, &link_len));
  CHECK(link_len == strlen(BASE_URL) + 1 + GUESTLINK_FRAGMENT_LEN);
  CHECK(memcmp(link, BASE_URL, strlen(BASE_URL)) == 0 && link[strlen(BASE_URL)] == '#');
  uint8_t record[GUESTLINK_INVITE_RECORD_LEN];
  size_t record_len = 0;
  CHECK_OK(guestlink_created_invite_record(created, record, sizeof record, &record_len));
  CHECK(record_len == GUESTLINK_INVITE_RECORD_LEN);
  guestlink_host_session *host = NULL;
  CHECK_OK(guestlink_created_invite_take_session(created, &host));
  guestlink_created_invite_free(created);

  guestlink_envelope_info info;
  CHECK_OK(guestlink_peek(record, record_len, &info));
  CHECK(info.kind == GUESTLINK_ENVELOPE_KIND_INVITE_RECORD);
  CHECK(info.version == guestlink_protocol_version());
  uint8_t mailbox[GUESTLINK_MAILBOX_ID_LEN];
  CHECK_OK(guestlink_host_session_mailbox_id(host, mailbox, sizeof mailbox, &len));
  CHECK(memcmp(info.mailbox_id, mailbox, sizeof mailbox) == 0);
  uint32_t state = 0;
  CHECK_OK(guestlink_host_session_state(host, &state));
  CHECK(state == GUESTLINK_HOST_STATE_UNCLAIMED);
  uint64_t expires = 0;
  CHECK_OK(guestlink_host_session_expires_at(host, &expires));
  CHECK(expires == NOW + DAY);

  /* Pre-claim messages. */
  envelope pre1, pre2;
  host_send(host, NOW, "hello before you arrive", &pre1);
  host_send(host, NOW, "second", &pre2);
  CHECK_OK(guestlink_peek(pre1.data, pre1.len, &info));
  CHECK(info.kind == GUESTLINK_ENVELOPE_KIND_PRE_CLAIM);
  CHECK(info.version == guestlink_message_version());

  /* Guest: link, record, opened invite. */
  guestlink_invite_link *parsed = NULL;
  CHECK_OK(guestlink_invite_link_parse((const uint8_t *)link, link_len, &parsed));
  uint8_t buf[GUESTLINK_PUBLIC_KEY_LEN];
  CHECK_OK(guestlink_invite_link_host_identity(parsed, buf, sizeof buf, &len));
  CHECK(memcmp(buf, host_key, sizeof host_key) == 0);
  CHECK_OK(guestlink_invite_link_mailbox_id(parsed, buf, sizeof buf, &len));
  CHECK(len == GUESTLINK_MAILBOX_ID_LEN && memcmp(buf, mailbox, sizeof mailbox) == 0);
  guestlink_invite_link *from_fragment = NULL;
  CHECK_OK(guestlink_invite_link_from_fragment((const uint8_t *)link + strlen(BASE_URL),
                                               link_len - strlen(BASE_URL), &from_fragment));
  guestlink_invite_link_free(from_fragment);

  const uint8_t challenge[32] = "relay challenge: 32 bytes long!";
  uint8_t sig[GUESTLINK_SIGNATURE_LEN], mkey[GUESTLINK_PUBLIC_KEY_LEN];
  size_t sig_len = 0;
  guestlink_result rc;
  CHECK_OK(guestlink_invite_link_mailbox_public_key(parsed, mkey, sizeof mkey, &len));
  rc = guestlink_invite_link_relay_auth(parsed, challenge, sizeof challenge, sig, sizeof sig, &sig_len);
  check_relay_auth(rc, sig, sig_len, mkey, mailbox, challenge, sizeof challenge);
  CHECK_OK(guestlink_host_session_mailbox_public_key(host, mkey, sizeof mkey, &len));
  rc = guestlink_host_session_relay_auth(host, challenge, sizeof challenge, sig, sizeof sig, &sig_len);
  check_relay_auth(rc, sig, sig_len, mkey, mailbox, challenge, sizeof challenge);

  guestlink_opened_invite *opened = NULL;
  CHECK_OK(guestlink_invite_link_open(parsed, record, record_len, NOW + 10, &opened));
  CHECK_OK(guestlink_opened_invite_expires_at(opened, &expires));
  CHECK(expires == NOW + DAY);
  guestlink_received *r = NULL;
  CHECK_OK(guestlink_opened_invite_decrypt(opened, pre2.data, pre2.len, &r));
  expect_text(r, "second");
  CHECK_OK(guestlink_opened_invite_decrypt(opened, pre1.data, pre1.len, &r));
  expect_text(r, "hello before you arrive");
  r = NULL;
  CHECK_RC(guestlink_opened_invite_decrypt(opened, pre1.data, pre1.len, &r), GUESTLINK_RESULT_DUPLICATE);
  CHECK(r == NULL);

  /* Claim: consumes the opened invite. */
  guestlink_guest_session *guest = NULL;
  envelope claim;
  CHECK_OK(guestlink_opened_invite_claim(&opened, NOW + 20, &guest, claim.data, sizeof claim.data, &claim.len));
  CHECK(opened == NULL && guest != NULL);
  CHECK(claim.len <= guestlink_max_envelope_len(0));
  CHECK_OK(guestlink_peek(claim.data, claim.len, &info));
  CHECK(info.kind == GUESTLINK_ENVELOPE_KIND_CLAIM);
  bool flag = true;
  CHECK_OK(guestlink_guest_session_is_confirmed(guest, &flag));
  CHECK(!flag);
  envelope extra;
  guest_send(guest, "are you there?", &extra);

  /* Host accepts the claim. */
  CHECK_OK(guestlink_host_session_decrypt(host, NOW + 30, claim.data, claim.len, &r));
  uint32_t kind = 0;
  CHECK_OK(guestlink_received_get_kind(r, &kind));
  CHECK(kind == GUESTLINK_RECEIVED_KIND_CLAIMED);
  CHECK_RC(guestlink_received_text(r, buf, sizeof buf, &len), GUESTLINK_RESULT_NO_VALUE); /* a join claim */
  uint8_t claimed_record[GUESTLINK_CLAIMED_RECORD_LEN];
  size_t claimed_len = 0;
  CHECK_OK(guestlink_received_claimed_record(r, claimed_record, sizeof claimed_record, &claimed_len));
  CHECK(claimed_len == GUESTLINK_CLAIMED_RECORD_LEN);
  envelope confirmation;
  CHECK_OK(guestlink_received_confirmation(r, confirmation.data, sizeof confirmation.data, &confirmation.len));
  guestlink_safety_code *host_code = NULL, *guest_code = NULL, *host_code2 = NULL;
  CHECK_OK(guestlink_received_safety_code(r, &host_code));
  guestlink_received_free(r);
  CHECK_OK(guestlink_host_session_state(host, &state));
  CHECK(state == GUESTLINK_HOST_STATE_CLAIMED);
  CHECK_OK(guestlink_host_session_safety_code(host, &host_code2));

  /* Safety codes agree. */
  CHECK_OK(guestlink_guest_session_safety_code(guest, &guest_code));
  bool equal = false;
  CHECK_OK(guestlink_safety_code_equal(host_code, guest_code, &equal));
  CHECK(equal);
  CHECK_OK(guestlink_safety_code_equal(host_code2, guest_code, &equal));
  CHECK(equal);
  char long_form[GUESTLINK_SAFETY_CODE_LONG_LEN], short_form[GUESTLINK_SAFETY_CODE_SHORT_LEN];
  CHECK_OK(guestlink_safety_code_long_form(guest_code, (uint8_t *)long_form, sizeof long_form, &len));
  CHECK(len == GUESTLINK_SAFETY_CODE_LONG_LEN);
  CHECK_OK(guestlink_safety_code_short_form(guest_code, (uint8_t *)short_form, sizeof short_form, &len));
  CHECK(len == GUESTLINK_SAFETY_CODE_SHORT_LEN && short_form[3] == ' ');
  CHECK_OK(guestlink_safety_code_matches_long_form(host_code, (const uint8_t *)long_form, sizeof long_form, &flag));
  CHECK(flag);
  long_form[0] = long_form[0] == '9' ? '0' : (char)(long_form[0] + 1);
  CHECK_OK(guestlink_safety_code_matches_long_form(host_code, (const uint8_t *)long_form, sizeof long_form, &flag));
  CHECK(!flag);
  uint8_t qr1[GUESTLINK_QR_PAYLOAD_LEN], qr2[GUESTLINK_QR_PAYLOAD_LEN];
  CHECK_OK(guestlink_safety_code_qr_payload(host_code, qr1, sizeof qr1, &len));
  CHECK_OK(guestlink_safety_code_qr_payload(guest_code, qr2, sizeof qr2, &len));
  CHECK(memcmp(qr1, qr2, sizeof qr1) == 0);
  guestlink_safety_code_free(host_code);
  guestlink_safety_code_free(host_code2);
  guestlink_safety_code_free(guest_code);

  /* The claimed record names this guest. */
  CHECK_OK(guestlink_guest_session_check_claimed_record(guest, claimed_record, claimed_len));
  uint8_t guest_mkey[GUESTLINK_PUBLIC_KEY_LEN];
  CHECK_OK(guestlink_guest_session_mailbox_public_key(guest, guest_mkey, sizeof guest_mkey, &len));
  rc = guestlink_guest_session_relay_auth(guest, challenge, sizeof challenge, sig, sizeof sig, &sig_len);
  check_relay_auth(rc, sig, sig_len, guest_mkey, mailbox, challenge, sizeof challenge);
  uint8_t claim_key[GUESTLINK_PUBLIC_KEY_LEN];
  CHECK_OK(guestlink_guest_session_claim_key(guest, claim_key, sizeof claim_key, &len));
  CHECK(len == GUESTLINK_PUBLIC_KEY_LEN);

  /* Extra claim-phase message, then confirmation. */
  CHECK_OK(guestlink_host_session_decrypt(host, NOW, extra.data, extra.len, &r));
  expect_text(r, "are you there?");
  CHECK_OK(guestlink_guest_session_decrypt(guest, confirmation.data, confirmation.len, &r));
  expect_kind(r, GUESTLINK_RECEIVED_KIND_CONFIRMED);
  CHECK_OK(guestlink_guest_session_is_confirmed(guest, &flag));
  CHECK(flag);

  /* Messages both ways; snapshot both sides half-way and carry on with the restored sessions. */
  guestlink_snapshot_key *key = NULL;
  CHECK_OK(guestlink_snapshot_key_generate(&key));
  uint8_t key_bytes[GUESTLINK_SNAPSHOT_KEY_LEN];
  CHECK_OK(guestlink_snapshot_key_bytes(key, key_bytes, sizeof key_bytes, &len));
  guestlink_snapshot_key *key2 = NULL;
  CHECK_OK(guestlink_snapshot_key_new(key_bytes, sizeof key_bytes, &key2));
  uint8_t *snap = malloc(GUESTLINK_MAX_SNAPSHOT_LEN);
  CHECK(snap != NULL);
  if (snap == NULL) return;
  size_t snap_len = 0;
  for (int i = 0; i < 6; i++) {
    char text[32];
    envelope e;
    snprintf(text, sizeof text, "g%d", i);
    guest_send(guest, text, &e);
    CHECK_OK(guestlink_peek(e.data, e.len, &info));
    CHECK(info.kind == GUESTLINK_ENVELOPE_KIND_MESSAGE);
    CHECK(info.version == guestlink_message_version());
    CHECK_OK(guestlink_host_session_decrypt(host, NOW, e.data, e.len, &r));
    expect_text(r, text);
    snprintf(text, sizeof text, "h%d", i);
    host_send(host, NOW, text, &e);
    CHECK_OK(guestlink_guest_session_decrypt(guest, e.data, e.len, &r));
    expect_text(r, text);
    if (i == 2) {
      guestlink_snapshot_info sinfo;
      uint64_t counter = 0;
      CHECK_OK(guestlink_host_session_snapshot(host, key, snap, GUESTLINK_MAX_SNAPSHOT_LEN, &snap_len));
      CHECK_OK(guestlink_snapshot_peek(snap, snap_len, &sinfo));
      CHECK(sinfo.kind == GUESTLINK_SNAPSHOT_KIND_HOST_SESSION && sinfo.counter == 1);
      CHECK(sinfo.version == guestlink_snapshot_version());
      CHECK(memcmp(sinfo.object_id, mailbox, sizeof mailbox) == 0);
      guestlink_host_session_free(host);
      host = NULL;
      CHECK_RC(guestlink_host_session_from_snapshot(snap, snap_len, key2, 2, &host),
               GUESTLINK_RESULT_SNAPSHOT_ROLLED_BACK);
      CHECK(host == NULL);
      CHECK_OK(guestlink_host_session_from_snapshot(snap, snap_len, key2, 1, &host));
      CHECK_OK(guestlink_host_session_snapshot_counter(host, &counter));
      CHECK(counter == 1);

      CHECK_OK(guestlink_guest_session_snapshot(guest, key, snap, GUESTLINK_MAX_SNAPSHOT_LEN, &snap_len));
      CHECK_OK(guestlink_snapshot_peek(snap, snap_len, &sinfo));
      CHECK(sinfo.kind == GUESTLINK_SNAPSHOT_KIND_GUEST_SESSION);
      guestlink_guest_session_free(guest);
      guest = NULL;
      CHECK_RC(guestlink_host_session_from_snapshot(snap, snap_len, key, 0, &host), /* wrong kind */
               GUESTLINK_RESULT_SNAPSHOT_WRONG_OBJECT);
      CHECK_OK(guestlink_guest_session_from_snapshot(snap, snap_len, key, 0, &guest));
      CHECK_OK(guestlink_guest_session_snapshot_counter(guest, &counter));
      CHECK(counter == 1);
    }
  }

  /* Identity snapshot round trip keeps the public key. */
  CHECK_OK(guestlink_host_identity_snapshot(identity, key, snap, GUESTLINK_MAX_SNAPSHOT_LEN, &snap_len));
  guestlink_host_identity *identity2 = NULL;
  CHECK_OK(guestlink_host_identity_from_snapshot(snap, snap_len, key2, 1, &identity2));
  CHECK_OK(guestlink_host_identity_public_key(identity2, buf, sizeof buf, &len));
  CHECK(memcmp(buf, host_key, sizeof host_key) == 0);
  uint64_t counter = 0;
  CHECK_OK(guestlink_host_identity_snapshot_counter(identity2, &counter));
  CHECK(counter == 1);
  guestlink_host_identity_free(identity2);

  /* A second guest who opens the same link sees the claim was taken, and can read revocations. */
  guestlink_opened_invite *eve = NULL;
  CHECK_OK(guestlink_invite_link_open(parsed, record, record_len, NOW, &eve));
  CHECK_RC(guestlink_opened_invite_check_claimed_record(eve, claimed_record, claimed_len),
           GUESTLINK_RESULT_CLAIMED_BY_OTHER);
  CHECK_OK(guestlink_opened_invite_snapshot(eve, key, snap, GUESTLINK_MAX_SNAPSHOT_LEN, &snap_len));
  guestlink_opened_invite *eve2 = NULL;
  CHECK_OK(guestlink_opened_invite_from_snapshot(snap, snap_len, key, 1, &eve2));
  CHECK_OK(guestlink_opened_invite_snapshot_counter(eve2, &counter));
  CHECK(counter == 1);
  CHECK_OK(guestlink_opened_invite_mailbox_id(eve2, buf, sizeof buf, &len));
  CHECK(memcmp(buf, mailbox, sizeof mailbox) == 0);
  CHECK_OK(guestlink_opened_invite_host_identity(eve2, buf, sizeof buf, &len));
  CHECK(memcmp(buf, host_key, sizeof host_key) == 0);
  CHECK_OK(guestlink_opened_invite_relay_auth(eve2, challenge, sizeof challenge, sig, sizeof sig, &sig_len));

  /* Revocation: record for the relay, end message for the guest. */
  guestlink_revocation *rev = NULL;
  CHECK_OK(guestlink_host_session_revoke(host, NOW + 40, &rev));
  uint8_t rev_record[GUESTLINK_REVOCATION_RECORD_LEN];
  size_t rev_len = 0;
  CHECK_OK(guestlink_revocation_record(rev, rev_record, sizeof rev_record, &rev_len));
  CHECK(rev_len == GUESTLINK_REVOCATION_RECORD_LEN);
  envelope end;
  CHECK_OK(guestlink_revocation_end_message(rev, end.data, sizeof end.data, &end.len));
  guestlink_revocation_free(rev);
  CHECK_OK(guestlink_host_session_state(host, &state));
  CHECK(state == GUESTLINK_HOST_STATE_REVOKED);
  CHECK_RC(guestlink_host_session_revoke(host, NOW + 41, &rev), GUESTLINK_RESULT_INVITE_REVOKED);

  CHECK_OK(guestlink_guest_session_decrypt(guest, end.data, end.len, &r));
  expect_kind(r, GUESTLINK_RECEIVED_KIND_ENDED);
  CHECK_OK(guestlink_guest_session_is_ended(guest, &flag));
  CHECK(flag);
  envelope e;
  CHECK_RC(guestlink_guest_session_encrypt(guest, (const uint8_t *)"x", 1, e.data, sizeof e.data, &e.len),
           GUESTLINK_RESULT_SESSION_ENDED);
  CHECK_RC(guestlink_host_session_encrypt(host, NOW, (const uint8_t *)"x", 1, e.data, sizeof e.data, &e.len),
           GUESTLINK_RESULT_INVITE_REVOKED);
  uint64_t revoked_at = 0;
  CHECK_OK(guestlink_guest_session_apply_revocation(guest, rev_record, rev_len, &revoked_at));
  CHECK(revoked_at == NOW + 40);
  CHECK_OK(guestlink_opened_invite_apply_revocation(eve, rev_record, rev_len, &revoked_at));
  CHECK(revoked_at == NOW + 40);
  guestlink_guest_session *eve_session = NULL;
  CHECK_RC(guestlink_opened_invite_claim(&eve, NOW, &eve_session, e.data, sizeof e.data, &e.len),
           GUESTLINK_RESULT_INVITE_REVOKED);
  CHECK(eve == NULL && eve_session == NULL); /* consumed by the attempt */

  /* An unclaimed invite's revocation has no end message. */
  CHECK_OK(guestlink_host_identity_create_invite(identity, NOW, NOW + DAY, (const uint8_t *)BASE_URL,
                                                 strlen(BASE_URL), &created));
  guestlink_host_session *host2 = NULL;
  CHECK_OK(guestlink_created_invite_take_session(created, &host2));
  guestlink_created_invite_free(created);
  CHECK_OK(guestlink_host_session_revoke(host2, NOW, &rev));
  CHECK_RC(guestlink_revocation_end_message(rev, e.data, sizeof e.data, &e.len), GUESTLINK_RESULT_NO_VALUE);
  guestlink_revocation_free(rev);
  guestlink_host_session_free(host2);

  free(snap);
  guestlink_opened_invite_free(eve2);
  guestlink_snapshot_key_free(key);
  guestlink_snapshot_key_free(key2);
  guestlink_invite_link_free(parsed);
  guestlink_guest_session_free(guest);
  guestlink_host_session_free(host);
  guestlink_host_identity_free(identity);
}
