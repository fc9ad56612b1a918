/* Tests for the data image (wm_image.c): instances of a module whose data
 * segments are mapped copy-on-write see exactly what copying the segments
 * gives, and never each other's writes. */
#include "wasm/internal.h"
#include "wat_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same checks with and without the image. */
static void check_module(bool image)
{
    wm_set_data_image_min(image ? 0 : SIZE_MAX);
    uint8_t *bytes;
    wm_module_t *m = wat_module("data_image", &bytes);
    wm_set_data_image_min(64 * 1024);
    if (!m)
        return;
    TH_EQ(m->has_image, image);
    wm_store_t *s1 = wm_store_new(NULL), *s2 = wm_store_new(NULL);
    wm_instance_t *a, *b;
    wh_err_t e;
    TH_EQ(wm_instantiate(s1, m, NULL, 0, &a, &e), WH_OK);
    TH_EQ(wm_instantiate(s2, m, NULL, 0, &b, &e), WH_OK);
    TH_EQ(a->imaged, image);
    wh_rc rc;
    /* the segments' bytes, zeroes elsewhere */
    TH_EQ(wat_call(s1, a, "load8", 1, 0, 0, &rc), 'h');
    TH_EQ(wat_call(s1, a, "load8", 1, 4, 0, &rc), 'o');
    TH_EQ(wat_call(s1, a, "load8", 1, 5, 0, &rc), 0);
    TH_EQ(wat_call(s1, a, "load8", 1, 65535, 0, &rc), '5');
    TH_EQ(wat_call(s1, a, "load8", 1, 65536, 0, &rc), '6');
    TH_EQ(wat_call(s1, a, "load8", 1, 131071, 0, &rc), 'z');
    TH_EQ(wat_call(s1, a, "load8", 1, 70000, 0, &rc), 0);
    /* a write in one instance, on a page of the image and on a page of
     * zeroes, is not seen by the other */
    wat_call(s1, a, "store8", 2, 1, 'X', &rc);
    wat_call(s1, a, "store8", 2, 90000, 'Y', &rc);
    TH_EQ(wat_call(s1, a, "load8", 1, 1, 0, &rc), 'X');
    TH_EQ(wat_call(s2, b, "load8", 1, 1, 0, &rc), 'e');
    TH_EQ(wat_call(s2, b, "load8", 1, 90000, 0, &rc), 0);
    /* nor by an instance made after it */
    wm_store_t *s3 = wm_store_new(NULL);
    wm_instance_t *c;
    TH_EQ(wm_instantiate(s3, m, NULL, 0, &c, &e), WH_OK);
    TH_EQ(wat_call(s3, c, "load8", 1, 1, 0, &rc), 'e');
    /* growing gives zero pages after the image */
    TH_EQ(wat_call(s1, a, "grow", 1, 1, 0, &rc), 2);
    TH_EQ(wat_call(s1, a, "load8", 1, 131072 + 5, 0, &rc), 0);
    wat_call(s1, a, "store8", 2, 131072 + 5, 7, &rc);
    TH_EQ(wat_call(s1, a, "load8", 1, 131072 + 5, 0, &rc), 7);
    /* active segments are dropped, passive ones are not */
    wat_call(s1, a, "init_active", 0, 0, 0, &rc);
    TH_EQ(rc, WH_TRAP);
    wat_call(s1, a, "init_passive", 0, 0, 0, &rc);
    TH_EQ(rc, WH_OK);
    TH_EQ(wat_call(s1, a, "load8", 1, 200, 0, &rc), 'p');
    wm_store_free(s1);
    wm_store_free(s2);
    wm_store_free(s3);
    wm_module_free(m);
    wh_free(bytes);
}

TH_TEST(image_instances_see_the_segments_and_not_each_other)
{
    check_module(true);
    check_module(false);
}

TH_TEST(image_not_for_small_data)
{
    uint8_t *bytes;
    wm_module_t *m = wat_module("data_image", &bytes); /* 16 bytes: under 64 KiB */
    if (m)
        TH_OK(!m->has_image);
    wm_module_free(m);
    wh_free(bytes);
}

/* Entries in a /proc/self directory or lines of a /proc/self file. */
static long count_fds(void)
{
    long n = 0;
    char path[64];
    for (int fd = 0; fd < 4096; fd++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        FILE *f = fopen(path, "r");
        if (f) {
            n++;
            fclose(f);
        }
    }
    return n;
}

/* The engine's mappings: memory reservations and data images. Counted by
 * kind, not all lines of maps, which the allocator (and a sanitizer's)
 * also changes: data_image.wat's reservation is 4 pages and a guard page
 * (320 KiB; 192 KiB of it beside the image while mapped), others 4 GiB
 * and more. */
static long count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    long n = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
            (hi - lo >= (1ul << 32) || hi - lo == 5 * 65536 || hi - lo == 3 * 65536 ||
             strstr(line, "wasm-data-image")))
            n++;
    }
    fclose(f);
    return n;
}

/* Many instances of an imaged module, each made, written and freed: no
 * file descriptor and no mapping is left behind. */
TH_TEST(image_no_fd_or_mapping_leaks)
{
    wm_set_data_image_min(0);
    uint8_t *bytes;
    wm_module_t *m = wat_module("data_image", &bytes);
    wm_set_data_image_min(64 * 1024);
    if (!m || !TH_OK(m->has_image))
        return;
    long fds = count_fds(), maps = count_maps();
    wh_rc rc = WH_OK;
    for (int i = 0; i < 100000 && rc == WH_OK; i++) {
        wm_store_t *s = wm_store_new(NULL);
        wm_instance_t *inst;
        wh_err_t e;
        rc = wm_instantiate(s, m, NULL, 0, &inst, &e);
        if (rc == WH_OK)
            wat_call(s, inst, "store8", 2, i & 0xffff, 1, &rc);
        wm_store_free(s);
    }
    TH_EQ(rc, WH_OK);
    TH_EQ(count_fds(), fds);
    /* a leak would leave one per instance: 100,000; the allocator (or a
     * sanitizer's) may map a region or two of the same kind meanwhile */
    long more = count_maps() - maps;
    if (!TH_OK(more >= 0 && more < 16))
        fprintf(stderr, "  %ld more mappings of the engine's kinds\n", more);
    wm_module_free(m);
    wh_free(bytes);
}

/* What a memory counts as touched (wm__memory_touch), which a reset and a
 * pool clear: a prefix, and a window for what lies far above it. */
TH_TEST(memory_touched_ranges)
{
    enum { K = 1024, M = 1024 * 1024 };
    wm_store_t *s = wm_store_new(NULL);
    wm_memory_t *m = wm_memory_new(s, (wm_limits_t){.min = 1024, .max = 2048, .has_max = true});
    if (!TH_OK(m != NULL))
        return;
    size_t r[4];
    TH_EQ(wm__memory_dirty(m, r), 0); /* nothing yet */
    TH_OK(wm__memory_touch(m, 10, 14));
    TH_EQ(wm__memory_dirty(m, r), 1);
    TH_EQ(r[0], 0);
    TH_EQ(r[1], 4 * K); /* whole pages */
    /* near: the prefix grows over it */
    TH_OK(wm__memory_touch(m, 70 * K, 70 * K + 8));
    TH_EQ(wm__memory_dirty(m, r), 1);
    TH_EQ(r[1], 72 * K);
    /* far (the end of a 64 MiB memory): a window of its own */
    TH_OK(wm__memory_touch(m, 64 * M - 8, 64 * M));
    TH_EQ(wm__memory_dirty(m, r), 2);
    TH_EQ(r[1], 72 * K);
    TH_EQ(r[2], 64 * M - 4 * K);
    TH_EQ(r[3], 4 * K);
    /* inside what is counted already: nothing changes */
    TH_OK(wm__memory_touch(m, 100, 200));
    TH_OK(wm__memory_touch(m, 64 * M - 100, 64 * M - 90));
    TH_EQ(wm__memory_dirty(m, r), 2);
    TH_EQ(r[1] + r[3], 76 * K);
    /* past the size: out of bounds, counted nowhere */
    TH_OK(!wm__memory_touch(m, 64 * M, 64 * M + 1));
    TH_OK(!wm__memory_touch(m, 64 * M - 1, 64 * M + 1));
    /* the host's accesses count as the guest's */
    TH_OK(wm_memory_at(m, 32 * M, 16) != NULL);
    TH_OK(wm_memory_at(m, 64 * M - 1, 2) == NULL);
    int n = wm__memory_dirty(m, r);
    TH_EQ(n, 2);
    /* in the range that grew least: the prefix (32 MiB more) */
    TH_EQ(r[1], 32 * M + 4 * K);
    TH_EQ(r[2] + r[3], 64 * M);
    /* a window used too often between two resets joins the prefix */
    for (int i = 0; i < 200; i++)
        TH_OK(wm__memory_touch(m, 64 * M - 16, 64 * M - 8));
    TH_EQ(wm__memory_dirty(m, r), 1);
    TH_EQ(r[1], 64 * M);
    /* and the whole memory, once a host asked for all of it */
    wm_memory_t *m2 = wm_memory_new(s, (wm_limits_t){.min = 16});
    TH_OK(wm_memory_data(m2) != NULL);
    TH_EQ(wm__memory_dirty(m2, r), 1);
    TH_EQ(r[1], 16 * 64 * K);
    wm_store_free(s);
}
