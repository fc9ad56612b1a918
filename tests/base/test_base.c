/* Tests for src/base: result names, errors, vectors, the arena, allocation
 * failure injection. */
#include "base/wh_base.h"
#include "th.h"

TH_TEST(rc_names_are_distinct)
{
    TH_STR(wh_rc_name(WH_OK), "ok");
    TH_STR(wh_rc_name(WH_TRAP), "trap");
    TH_STR(wh_rc_name((wh_rc)999), "unknown result");
}

TH_TEST(err_formats_message_and_offset)
{
    wh_err_t e;
    wh_rc rc = wh_err(&e, WH_MALFORMED, 0x1a3, "type mismatch: expected %s", "i32");
    TH_EQ(rc, WH_MALFORMED);
    TH_EQ(e.code, WH_MALFORMED);
    TH_EQ(e.offset, 0x1a3);
    TH_STR(e.msg, "type mismatch: expected i32");
    TH_EQ(wh_err(NULL, WH_IO, -1, "no detail wanted"), WH_IO);
}

TH_TEST(vec_grows_and_keeps_order)
{
    WH_VEC(int) v = {0};
    for (int i = 0; i < 1000; i++)
        TH_OK(wh_vec_push(&v, i * 3));
    TH_EQ(v.len, 1000);
    TH_OK(v.cap >= 1000);
    int bad = 0;
    for (int i = 0; i < 1000; i++)
        bad += v.data[i] != i * 3;
    TH_EQ(bad, 0);
    wh_vec_free(&v);
    TH_OK(v.data == NULL && v.len == 0);
}

TH_TEST(arena_aligns_and_resets)
{
    wh_arena_t a;
    wh_arena_init(&a, 256);
    char *p = wh_arena_alloc(&a, 3);
    char *q = wh_arena_alloc(&a, 5);
    TH_OK(p && q);
    TH_EQ((uintptr_t)p % 16, 0);
    TH_EQ((uintptr_t)q % 16, 0);
    TH_OK(q != p);
    char *big = wh_arena_alloc(&a, 10000); /* larger than a chunk */
    TH_OK(big != NULL);
    memset(big, 7, 10000);
    int *z = wh_arena_calloc(&a, 64 * sizeof(int));
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += z[i] != 0;
    TH_EQ(nonzero, 0);
    wh_arena_reset(&a);
    TH_OK(wh_arena_alloc(&a, 16) != NULL);
    wh_arena_free(&a);
}

TH_TEST(alloc_failure_injection)
{
    wh_alloc_fail_after(2);
    void *a = wh_malloc(10);
    void *b = wh_malloc(10);
    TH_OK(a != NULL);
    TH_OK(b == NULL);
    wh_alloc_fail_after(0);
    void *c = wh_malloc(10);
    TH_OK(c != NULL);
    wh_free(a);
    wh_free(c);
    WH_VEC(int) v = {0};
    wh_alloc_fail_after(1);
    TH_OK(!wh_vec_push(&v, 1)); /* a failed push leaves the vector usable */
    wh_alloc_fail_after(0);
    TH_OK(wh_vec_push(&v, 1));
    TH_EQ(v.data[0], 1);
    wh_vec_free(&v);
}

TH_TEST(read_file_reports_missing_file)
{
    uint8_t *d;
    size_t n;
    wh_err_t e;
    TH_EQ(wh_read_file("/nonexistent/file.wasm", &d, &n, &e), WH_IO);
    TH_HAS(e.msg, "/nonexistent/file.wasm");
    TH_OK(d == NULL);
}
