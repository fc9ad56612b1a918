/*
 * wm_image.c — a module's data image: the initial contents of its defined
 * memory (zeroes, with every active data segment written in order), made
 * once when the module loads, in a sealed memfd. Each instance maps it
 * copy-on-write over the start of its memory instead of copying the
 * segments: instantiating costs one mmap whatever the data's size, a page
 * the guest only reads is shared with every other instance, and a page it
 * writes is copied for it alone, so nothing written by one instance is
 * ever seen by another.
 *
 * Only where it is exactly equivalent to copying: one defined memory, all
 * active segments into it at i32.const offsets that fit its initial size
 * (so instantiation cannot trap on them), and enough bytes to be worth a
 * mapping (image_min). Otherwise, or on any failure here, instances copy
 * the segments as before.
 */
#define _GNU_SOURCE /* memfd_create */
#include "internal.h"

#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__linux__)
#include <fcntl.h>
#define HAVE_MEMFD 1
#endif

static atomic_size_t image_min = 64 * 1024;

void wm_set_data_image_min(size_t bytes)
{
    atomic_store(&image_min, bytes);
}

void wm__image_build(wm_module_t *m)
{
    m->has_image = false;
#ifdef HAVE_MEMFD
    if (m->nmems != m->nmem_imports + 1)
        return; /* no defined memory, or several */
    uint32_t mem = m->nmem_imports;
    uint64_t size = m->mems[mem].limits.min * WM_PAGE_SIZE, bytes = 0;
    bool any = false;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wm__data *d = &m->datas[i];
        if (d->mode != WM__SEG_ACTIVE)
            continue;
        if (d->memory != mem || d->offset.op != 0x41 ||
            (uint64_t)d->offset.val[0].i32 + d->len > size)
            return;
        bytes += d->len;
        any = true;
    }
    if (!any || bytes < atomic_load(&image_min) || size > (uint64_t)INT64_MAX)
        return;
    int fd = memfd_create("wasm-data-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return;
    bool ok = ftruncate(fd, (off_t)size) == 0;
    for (uint32_t i = 0; ok && i < m->ndatas; i++) {
        const wm__data *d = &m->datas[i];
        if (d->mode != WM__SEG_ACTIVE || !d->len)
            continue;
        off_t off = (off_t)d->offset.val[0].i32;
        for (uint32_t done = 0; ok && done < d->len;) {
            ssize_t n = pwrite(fd, d->bytes + done, d->len - done, off + done);
            ok = n > 0;
            done += ok ? (uint32_t)n : 0;
        }
    }
    /* sealed: nothing can change what instances map */
    ok =
        ok && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
    if (!ok) {
        close(fd);
        return;
    }
    m->image_fd = fd;
    m->image_mem = mem;
    m->has_image = true;
    /* what a reset copies back into the pages an instance wrote */
    void *view = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    m->image_view = view == MAP_FAILED ? NULL : view;
    m->image_len = size;
#else
    (void)image_min;
#endif
}

void wm__image_free(wm_module_t *m)
{
    if (m->has_image)
        close(m->image_fd);
    if (m->image_view)
        munmap((void *)m->image_view, m->image_len);
    m->image_view = NULL;
    m->has_image = false;
}

bool wm__image_map(const wm_module_t *m, wm_memory_t *mem)
{
    if (!m->has_image || !mem->size)
        return false;
    void *p =
        mmap(mem->base, mem->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, m->image_fd, 0);
    if (p != mem->base)
        return false;
    /* its dropped pages come back from the file, not as zeroes: the pool
     * must not take it, a reset drops its pages to get the image back */
    mem->imaged = true;
    mem->image = m->image_view;
    mem->image_len = mem->size;
    return true;
}
