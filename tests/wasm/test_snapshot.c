/* Tests for store snapshots (wm_snapshot.c): after wm_store_reset a store
 * is as it was at wm_store_snapshot, whatever calls did in between —
 * memory contents (both ways of clearing: in place and dropped pages, and
 * a data image brought back from its file), memory and table sizes,
 * globals, table contents, dropped segments — and what a start function
 * did before the snapshot stays. */
#include "wat_module.h"

#include <fcntl.h>
#include <stdint.h>

static int32_t call(wm_store_t *s, wm_instance_t *inst, const char *name, int n, int32_t a,
                    int32_t b)
{
    wh_rc rc;
    int32_t r = wat_call(s, inst, name, n, a, b, &rc);
    return rc ? -1000 : r;
}

/* A module of wat/ instantiated in a store of its own (from pool, when
 * not NULL) and, with snap, snapshotted: ok false when any step failed. */
typedef struct {
    uint8_t *bytes;
    wm_module_t *m;
    wm_store_t *s;
    wm_instance_t *inst;
    bool ok;
} fixture;

static fixture setup(const char *name, size_t image_min, wm_pool_t *pool, bool snap)
{
    fixture f = {0};
    wm_set_data_image_min(image_min);
    f.m = wat_module(name, &f.bytes);
    wm_set_data_image_min(64 * 1024);
    if (!f.m)
        return f;
    wm_store_config_t cfg = {.pool = pool};
    f.s = wm_store_new(&cfg);
    wh_err_t e;
    f.ok = TH_EQ(wm_instantiate(f.s, f.m, NULL, 0, &f.inst, &e), WH_OK) &&
           (!snap || TH_EQ(wm_store_snapshot(f.s, &e), WH_OK));
    return f;
}

static void teardown(fixture *f)
{
    wm_store_free(f->s);
    wm_module_free(f->m);
    wh_free(f->bytes);
}

enum { NO_IMAGE = SIZE_MAX, ANY_IMAGE = 1, DEFAULT_IMAGE = 64 * 1024 };

/* The state right after instantiation (the start function ran). */
static bool pristine(wm_store_t *s, wm_instance_t *inst)
{
    return TH_EQ(call(s, inst, "load8", 1, 10, 0), 'a') &&
           TH_EQ(call(s, inst, "load8", 1, 5000, 0), 0x77) &&
           TH_EQ(call(s, inst, "load8", 1, 100, 0), 0) &&
           TH_EQ(call(s, inst, "load8", 1, 40000, 0), 0) &&
           TH_EQ(call(s, inst, "grow", 1, 0, 0), 1) && TH_EQ(call(s, inst, "get_g", 0, 0, 0), 7) &&
           TH_EQ(call(s, inst, "get_h", 0, 0, 0), 5) &&
           TH_EQ(call(s, inst, "call_at", 1, 0, 0), 1) &&
           TH_EQ(call(s, inst, "call_at", 1, 1, 0), 2) &&
           TH_EQ(call(s, inst, "table_size", 0, 0, 0), 2);
}

/* Everything a call can change, changed. */
static void dirty(wm_store_t *s, wm_instance_t *inst)
{
    call(s, inst, "store8", 2, 10, 'Z');
    call(s, inst, "store8", 2, 100, 1);
    call(s, inst, "store8", 2, 5000, 2);
    call(s, inst, "store8", 2, 40000, 3);
    TH_EQ(call(s, inst, "grow", 1, 2, 0), 1);
    call(s, inst, "store8", 2, 70000, 4);
    call(s, inst, "set_g", 1, 99, 0);
    call(s, inst, "set_h", 1, 42, 0);
    call(s, inst, "swap_slot0", 0, 0, 0);
    TH_EQ(call(s, inst, "table_grow", 1, 3, 0), 2);
    TH_EQ(call(s, inst, "use_passive", 0, 0, 0), 'y');
    call(s, inst, "drop_passive", 0, 0, 0);
    TH_EQ(call(s, inst, "use_passive", 0, 0, 0), -1000);
}

static void rounds(wm_pool_t *pool)
{
    fixture f = setup("snapshot", DEFAULT_IMAGE, pool, true);
    wm_store_t *s = f.s;
    wm_instance_t *inst = f.inst;
    wh_err_t e;
    for (int round = 0; f.ok && round < 3; round++) {
        dirty(s, inst);
        if (!TH_EQ(wm_store_reset(s, &e), WH_OK) || !pristine(s, inst)) {
            fprintf(stderr, "  round %d\n", round);
            break;
        }
        /* the grown page is gone: growing again finds it zero */
        TH_EQ(call(s, inst, "grow", 1, 1, 0), 1);
        TH_EQ(call(s, inst, "load8", 1, 70000, 0), 0);
        TH_EQ(call(s, inst, "use_passive", 0, 0, 0), 'y');
        TH_EQ(wm_store_reset(s, &e), WH_OK);
    }
    teardown(&f);
}

TH_TEST(snapshot_reset_restores_everything)
{
    rounds(NULL);
}

/* Runs a case twice on one pool: the second time from the pool's memory
 * and stack. */
static void pooled(void (*fn)(wm_pool_t *))
{
    wm_pool_t *pool = wm_pool_new(2);
    fn(pool);
    fn(pool);
    wm_pool_free(pool);
}

TH_TEST(snapshot_reset_with_pool)
{
    pooled(rounds);
}

/* A memory past the size zeroed whole in place: without a pool its pages
 * are dropped; with one, the pages touched are found (pagemap) and zeroed
 * in place. */
static void large_memory(wm_pool_t *pool)
{
    fixture f = setup("big_memory", NO_IMAGE, pool, true);
    wm_store_t *s = f.s;
    wm_instance_t *inst = f.inst;
    wh_err_t e;
    int32_t size = 8 * 65536;
    char data0 = f.ok ? (char)call(s, inst, "load8", 1, 16, 0) : 0;
    for (int round = 0; f.ok && round < 3; round++) {
        for (int32_t at = 4096; at < size; at += 4096)
            call(s, inst, "store8", 2, at + 7, 0x5a);
        call(s, inst, "store8", 2, 16, 'Q');
        TH_EQ(wm_store_reset(s, &e), WH_OK);
        TH_EQ(call(s, inst, "load8", 1, 16, 0), data0);
        for (int32_t at = 4096; at < size; at += 4096)
            if (!TH_EQ(call(s, inst, "load8", 1, at + 7, 0), 0))
                break;
    }
    teardown(&f);
}

TH_TEST(snapshot_reset_large_memory)
{
    large_memory(NULL);
}

TH_TEST(snapshot_reset_large_memory_pooled)
{
    pooled(large_memory);
}

/* A data image comes back (from its file, or copied from it into the
 * pages written, with a pool), and what code wrote into it before the
 * snapshot comes back too. */
static void data_image(wm_pool_t *pool)
{
    fixture f = setup("data_image", ANY_IMAGE, pool, true);
    wm_store_t *s = f.s;
    wm_instance_t *inst = f.inst;
    wh_err_t e;
    if (f.ok) {
        call(s, inst, "store8", 2, 0, 'X');
        call(s, inst, "store8", 2, 70000, 'Y');
        TH_EQ(call(s, inst, "grow", 1, 1, 0), 2);
        call(s, inst, "store8", 2, 140000, 'W');
        TH_EQ(wm_store_reset(s, &e), WH_OK);
        TH_EQ(call(s, inst, "load8", 1, 0, 0), 'h');
        TH_EQ(call(s, inst, "load8", 1, 70000, 0), 0);
        TH_EQ(call(s, inst, "load8", 1, 131071, 0), 'z');
        TH_EQ(call(s, inst, "grow", 1, 0, 0), 2);
        /* written by code before this snapshot: kept (a private copy of
         * an image page, and one past the image) */
        TH_EQ(call(s, inst, "grow", 1, 1, 0), 2);
        call(s, inst, "store8", 2, 1, 'E');
        call(s, inst, "store8", 2, 135000, 'F');
        TH_EQ(wm_store_snapshot(s, &e), WH_OK);
        call(s, inst, "store8", 2, 1, 'G');
        call(s, inst, "store8", 2, 2, 'H');
        call(s, inst, "store8", 2, 135000, 'I');
        TH_EQ(wm_store_reset(s, &e), WH_OK);
        TH_EQ(call(s, inst, "load8", 1, 0, 0), 'h');
        TH_EQ(call(s, inst, "load8", 1, 1, 0), 'E');
        TH_EQ(call(s, inst, "load8", 1, 2, 0), 'l');
        TH_EQ(call(s, inst, "load8", 1, 135000, 0), 'F');
        TH_EQ(call(s, inst, "grow", 1, 0, 0), 3);
    }
    teardown(&f);
}

TH_TEST(snapshot_data_image)
{
    data_image(NULL);
}

TH_TEST(snapshot_data_image_pooled)
{
    pooled(data_image);
}

TH_TEST(snapshot_refusals)
{
    fixture f = setup("snapshot", DEFAULT_IMAGE, NULL, false);
    wh_err_t e;
    if (f.ok) {
        TH_EQ(wm_store_reset(f.s, &e), WH_INVALID); /* nothing to go back to */
        wm_global_new(f.s, (wm_globaltype_t){.type = WM_I32, .mut = true},
                      (wm_val_t){.type = WM_I32, .of.i32 = 1});
        TH_EQ(wm_store_snapshot(f.s, &e), WH_UNSUPPORTED);
    }
    teardown(&f);
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long n = 0;
    for (int c; (c = fgetc(f)) != EOF;)
        n += c == '\n';
    fclose(f);
    return n;
}

static long count_fds(void)
{
    long n = 0;
    for (int fd = 0; fd < 4096; fd++)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* 100,000 uses of one pooled store, each writing, growing memory and a
 * table, and reset: no descriptor and no mapping is left behind (the
 * allocator may map a region or two meanwhile; a leak would leave one per
 * reset). */
TH_TEST(snapshot_no_fd_or_mapping_leaks)
{
    wm_pool_t *pool = wm_pool_new(2);
    fixture f = setup("snapshot", DEFAULT_IMAGE, pool, true);
    if (f.ok) {
        long fds = count_fds(), maps = count_lines("/proc/self/maps");
        wh_rc rc = WH_OK;
        wh_err_t e;
        for (int i = 0; i < 100000 && rc == WH_OK; i++) {
            call(f.s, f.inst, "store8", 2, i & 0xffff, 1);
            call(f.s, f.inst, "grow", 1, 1, 0);
            call(f.s, f.inst, "table_grow", 1, 1, 0);
            rc = wm_store_reset(f.s, &e);
        }
        TH_EQ(rc, WH_OK);
        TH_EQ(count_fds(), fds);
        long more = count_lines("/proc/self/maps") - maps;
        if (!TH_OK(more < 16))
            fprintf(stderr, "  %ld more mappings\n", more);
    }
    teardown(&f);
    wm_pool_free(pool);
}
