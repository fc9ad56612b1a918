/* Tests for the pool of stacks and memories (wm_pool.c): a store made
 * from the pool finds its memory exactly as a fresh one, whatever the
 * store before it wrote, both when the pool zeroes pages in place (small
 * memories) and when it drops them (large ones). */
#include "th.h"
#include "wasm/wm.h"

#include <stdio.h>
#include <stdlib.h>

static wm_module_t *load(const char *name, uint8_t **bytes)
{
    char path[512];
    size_t len;
    wh_err_t e;
    snprintf(path, sizeof path, "%s/%s.wasm", WH_TEST_WAT_DIR, name);
    if (!TH_EQ(wh_read_file(path, bytes, &len, &e), WH_OK))
        return NULL;
    wm_module_t *m = NULL;
    TH_EQ(wm_module_load(*bytes, len, NULL, &m, &e), WH_OK);
    return m;
}

static int32_t call(wm_store_t *s, wm_instance_t *inst, const char *name, int n, int32_t a,
                    int32_t b)
{
    wm_extern_t ex;
    wh_err_t e;
    if (wm_instance_export(inst, name, &ex))
        return -1000;
    wm_val_t args[2] = {{.type = WM_I32, .of.i32 = (uint32_t)a},
                        {.type = WM_I32, .of.i32 = (uint32_t)b}};
    wm_val_t r = {0};
    if (wm_func_call(s, ex.of.func, args, (uint32_t)n, &r, wm_func_type(ex.of.func)->nresults, &e))
        return -1001;
    return (int32_t)r.of.i32;
}

/* Each round: a store from the pool must see zeroes (and the data
 * segment) where the previous round wrote, then writes everywhere. */
static void rounds(const char *module, int32_t pages, int32_t data_at, char data0)
{
    wm_set_data_image_min(SIZE_MAX); /* a plain memory: images are not pooled */
    uint8_t *bytes;
    wm_module_t *m = load(module, &bytes);
    wm_set_data_image_min(64 * 1024);
    if (!m)
        return;
    wm_pool_t *pool = wm_pool_new(2);
    wm_store_config_t cfg = {.pool = pool};
    int32_t size = pages * 65536;
    for (int round = 0; round < 4; round++) {
        wm_store_t *s = wm_store_new(&cfg);
        wm_instance_t *inst;
        wh_err_t e;
        if (!TH_EQ(wm_instantiate(s, m, NULL, 0, &inst, &e), WH_OK))
            break;
        /* what a fresh memory holds */
        TH_EQ(call(s, inst, "load8", 1, data_at, 0), data0);
        for (int32_t at = 4096; at < size; at += 4096)
            if (!TH_EQ(call(s, inst, "load8", 1, at + 7, 0), 0)) {
                fprintf(stderr, "  round %d: byte %d not zero\n", round, at + 7);
                break;
            }
        /* the size is the module's, not the last store's */
        TH_EQ(call(s, inst, "grow", 1, 0, 0), pages);
        /* grown pages are zero too */
        TH_EQ(call(s, inst, "grow", 1, 1, 0), pages);
        TH_EQ(call(s, inst, "load8", 1, size + 100, 0), 0);
        /* dirty everything for the next round */
        for (int32_t at = 4096; at < size + 65536; at += 4096)
            call(s, inst, "store8", 2, at + 7, 0x5a);
        call(s, inst, "store8", 2, data_at, 'Q');
        wm_store_free(s);
    }
    wm_pool_free(pool);
    wm_module_free(m);
    wh_free(bytes);
}

TH_TEST(pool_small_memory_zeroed_in_place)
{
    rounds("data_image", 2, 0, 'h');
}

TH_TEST(pool_large_memory_dropped)
{
    rounds("big_memory", 8, 16, 'b');
}
