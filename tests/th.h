/*
 * th.h — the small test harness every layer's test binary uses.
 *
 * A test is a function declared with TH_TEST(name); it registers itself at
 * start-up. The runner (th.c) runs them all, or those whose names contain
 * argv[1], prints one line per test and ends with "N passed, N failed".
 * A check that fails prints where and why and marks the test failed; the
 * test goes on so that one run shows every broken check.
 */
#ifndef TH_H
#define TH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef void (*th_fn)(void);
void th_register(const char *name, th_fn fn);
bool th_check(bool ok, const char *expr, const char *file, int line);
bool th_check_int(int64_t got, int64_t want, const char *expr, const char *file, int line);
bool th_check_str(const char *got, const char *want, const char *expr, const char *file, int line);

#define TH_TEST(name)                                                                              \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void name##__reg(void)                                     \
    {                                                                                              \
        th_register(#name, name);                                                                  \
    }                                                                                              \
    static void name(void)

#define TH_OK(x) th_check(!!(x), #x, __FILE__, __LINE__)
#define TH_EQ(got, want) th_check_int((int64_t)(got), (int64_t)(want), #got, __FILE__, __LINE__)
#define TH_STR(got, want) th_check_str((got), (want), #got, __FILE__, __LINE__)
/* Checks that haystack contains needle. */
#define TH_HAS(hay, needle)                                                                        \
    th_check((hay) && strstr((hay), (needle)) != NULL, #hay " contains " #needle, __FILE__, __LINE__)

#endif
