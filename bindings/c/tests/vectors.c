#include "check.h"
void test_vectors(const char *path) { (void)path; }
