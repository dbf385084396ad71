/* Runs every C test of the binding; exits non-zero when a check fails. */
#include <stdlib.h>

#include "check.h"

unsigned checks_passed = 0;
unsigned checks_failed = 0;

int main(int argc, char **argv) {
  test_conversation();
  test_misuse();
  test_panic();
  test_threads();
  test_vectors(argc > 1 ? argv[1] : NULL);
  printf("%u passed, %u failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
