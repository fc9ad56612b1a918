/*
 * th.c — the runner for tests declared with TH_TEST (see th.h).
 */
#include "th.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    const char *name;
    th_fn fn;
} th_case;

static th_case cases[1024];
static int ncases;
static bool current_failed;

void th_register(const char *name, th_fn fn)
{
    if (ncases == (int)(sizeof cases / sizeof cases[0])) {
        fprintf(stderr, "th: too many tests\n");
        exit(2);
    }
    cases[ncases].name = name;
    cases[ncases].fn = fn;
    ncases++;
}

bool th_check(bool ok, const char *expr, const char *file, int line)
{
    if (!ok) {
        fprintf(stderr, "  %s:%d: check failed: %s\n", file, line, expr);
        current_failed = true;
    }
    return ok;
}

bool th_check_int(int64_t got, int64_t want, const char *expr, const char *file, int line)
{
    if (got != want) {
        fprintf(stderr, "  %s:%d: %s is %" PRId64 ", want %" PRId64 "\n", file, line, expr, got,
                want);
        current_failed = true;
        return false;
    }
    return true;
}

bool th_check_str(const char *got, const char *want, const char *expr, const char *file, int line)
{
    if (!got || strcmp(got, want) != 0) {
        fprintf(stderr, "  %s:%d: %s is \"%s\", want \"%s\"\n", file, line, expr,
                got ? got : "(null)", want);
        current_failed = true;
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (int i = 0; i < ncases; i++) {
        if (filter && !strstr(cases[i].name, filter))
            continue;
        current_failed = false;
        cases[i].fn();
        printf("%-40s %s\n", cases[i].name, current_failed ? "FAIL" : "ok");
        fflush(stdout);
        if (current_failed)
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed || passed == 0 ? 1 : 0;
}
