/*
 * wm_pagemap.c — which pages of a memory a use touched, asked of the
 * kernel (the PAGEMAP_SCAN ioctl of /proc/self/pagemap, Linux 6.7), so that
 * resetting a big memory costs the pages touched, not its size: they are
 * zeroed or copied back in place and stay mapped, where MADV_DONTNEED would
 * make the next use fault on each of them again. mincore cannot replace it:
 * it answers page by page over the whole range, and does not tell a page
 * written in a private file mapping from one only read.
 *
 * Where the kernel is older (ENOTTY) or the answer does not fit, callers
 * drop the pages instead, as before.
 */
#include "internal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The kernel's interface (include/uapi/linux/fs.h since 6.7), declared
 * here because the C library headers of older distributions predate it. */
struct wm__page_region {
    uint64_t start, end, categories;
};

struct wm__pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

enum {
    PAGE_IS_FILE = 1 << 2,
    PAGE_IS_PRESENT = 1 << 3,
    PAGE_IS_SWAPPED = 1 << 4,
};

#define WM__PAGEMAP_SCAN _IOWR('f', 16, struct wm__pm_scan_arg)

int wm__pagemap_open(void)
{
    return open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

int wm__pagemap_touched(int fd, const uint8_t *base, size_t len, bool written_only, uint64_t *runs,
                        int max)
{
    if (fd < 0 || max <= 0)
        return -1;
    struct wm__page_region vec[64];
    if (max > 64)
        max = 64;
    /* present or swapped (a swapped page still holds what was written);
     * written_only: and not a page of the file (a private copy) */
    struct wm__pm_scan_arg arg = {
        .size = sizeof arg,
        .start = (uintptr_t)base,
        .end = (uintptr_t)base + len,
        .vec = (uintptr_t)vec,
        .vec_len = (uint64_t)max,
        .category_inverted = written_only ? PAGE_IS_FILE : 0,
        .category_mask = written_only ? PAGE_IS_FILE : 0,
        .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
        .return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE,
    };
    int n = ioctl(fd, WM__PAGEMAP_SCAN, &arg);
    if (n < 0 || arg.walk_end < arg.end)
        return -1; /* no such ioctl, or more runs than fit */
    for (int i = 0; i < n; i++) {
        runs[2 * i] = vec[i].start - (uintptr_t)base;
        runs[2 * i + 1] = vec[i].end - vec[i].start;
    }
    return n;
}
