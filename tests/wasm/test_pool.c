/* Tests for the pool of stacks and memories (wm_pool.c): a store made
 * from the pool finds its memory exactly as a fresh one, whatever the
 * store before it wrote, both when the pool zeroes the whole memory in
 * place (small memories) and when it zeroes the pages touched, or drops
 * them (large ones). */
#include "wat_module.h"

#include <stdio.h>
#include <stdlib.h>

static int32_t call(wm_store_t *s, wm_instance_t *inst, const char *name, int n, int32_t a,
                    int32_t b)
{
    wh_rc rc;
    int32_t r = wat_call(s, inst, name, n, a, b, &rc);
    return rc ? -1000 : r;
}

/* Each round: a store from the pool must see zeroes (and the data
 * segment) where the previous round wrote, then writes everywhere. */
static void rounds(const char *module, int32_t pages, int32_t data_at, char data0)
{
    wm_set_data_image_min(SIZE_MAX); /* a plain memory: images are not pooled */
    uint8_t *bytes;
    wm_module_t *m = wat_module(module, &bytes);
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

TH_TEST(pool_large_memory_reset)
{
    rounds("big_memory", 8, 16, 'b');
}
