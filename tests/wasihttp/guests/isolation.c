/*
 * isolation.c — the serverless contract's test guest: does a request see
 * anything an earlier request wrote? Its memory holds 32 pages of
 * initialised data (more than 64 KiB, so the host maps its data image
 * copy-on-write) and a heap. Each request first checks that every page is
 * as the component shipped it and that the heap is fresh, then writes a
 * secret over all of it and answers:
 *
 *   clean                 nothing of an earlier request was seen
 *   dirty page N          page N of the data held another request's secret
 *   dirty heap            the heap had been used by another request
 *
 * Serverless, every answer must be "clean"; stateful, the second request on
 * an instance says "dirty" (which shows the check can fail).
 *
 * /far?c=P,Q,...&g=G&h=H tests the far reaches of a memory that grew: the
 * guest grows its memory by FAR_PAGES pages (the base B is the size a
 * fresh instance has), checks that pages B+P, B+Q, ... are zero ("dirty
 * far P" if not), then writes a secret into page B+G itself, and has the
 * host write one into page B+H: it asks for its request's path again with
 * realloc placing the string there, and never reads it. A client that
 * names pages further on each time writes past everything touched before,
 * by the guest and by the host, and checks every earlier page.
 */
#define WASI_GLUE_VERSION "0.2.12"

#include <stddef.h>
#include <stdint.h>

/* where the next canonical-ABI allocation goes, when set (cabi.h) */
static void *far_next;
static void *far_alloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
    (void)ptr, (void)old_size, (void)align, (void)new_size;
    void *p = far_next;
    far_next = NULL;
    return p;
}
#define CABI_REALLOC_FIRST far_alloc

#include "text.h"
#include "wasi_http.h"

enum { FAR_PAGES = 1024 };

enum { PAGES = 32, PAGE = 65536 };

/* Initialised, so in the data segments: "page" and its number at the start
 * of each page, zeroes after. */
#define P(n)                                                                                       \
    {                                                                                              \
        'p', 'a', 'g', 'e', (char)('A' + (n))                                                      \
    }
static volatile char data[PAGES][PAGE] = {P(0),  P(1),  P(2),  P(3),  P(4),  P(5),  P(6),  P(7),
                                          P(8),  P(9),  P(10), P(11), P(12), P(13), P(14), P(15),
                                          P(16), P(17), P(18), P(19), P(20), P(21), P(22), P(23),
                                          P(24), P(25), P(26), P(27), P(28), P(29), P(30), P(31)};
static volatile uint64_t heap_marks; /* in .bss: zero in a fresh instance */

static int dirty_page(void)
{
    for (int n = 0; n < PAGES; n++) {
        if (data[n][0] != 'p' || data[n][4] != (char)('A' + n))
            return n;
        for (int i = 5; i < PAGE; i += 509) /* a sample of every page */
            if (data[n][i])
                return n;
    }
    return -1;
}

/* The number at *p, maybe negative (advanced past it); false if none. */
static bool take_num(const char **p, long *out)
{
    bool neg = **p == '-', any = false;
    long n = 0;
    for (*p += neg; **p >= '0' && **p <= '9'; (*p)++, any = true)
        n = n * 10 + (**p - '0');
    *out = neg ? -n : n;
    return any;
}

static bool far_page_dirty(const volatile uint8_t *page)
{
    for (int i = 0; i < 64; i++) /* where the host's string lands */
        if (page[i])
            return true;
    for (int i = 64; i < PAGE; i += 509)
        if (page[i])
            return true;
    return false;
}

static void far(handle req, handle out, const char *query)
{
    long base = __builtin_wasm_memory_grow(0, FAR_PAGES);
    text_t b = {0};
    if (base < 0) {
        text_str(&b, "memory.grow failed\n");
        respond(out, fields_new(), 500, b.p, b.len);
        incoming_request_drop(req);
        return;
    }
    volatile uint8_t *mem = (volatile uint8_t *)(uintptr_t)(base * PAGE);
    long g = -1, h = -1, dirty = 0;
    bool found = false;
    for (const char *p = query; *p;) {
        char key = *p;
        p += p[1] == '=' ? 2 : 1;
        for (long n; take_num(&p, &n);) {
            /* below 0: the pages an earlier grow of a kept instance gave */
            if (key == 'c' && n < FAR_PAGES && base + n >= 0 && !found &&
                far_page_dirty(mem + n * PAGE))
                found = true, dirty = n;
            else if (key == 'g')
                g = n;
            else if (key == 'h')
                h = n;
            if (*p != ',')
                break;
            p++;
        }
        while (*p && *p != '&')
            p++;
        if (*p)
            p++;
    }
    if (g >= 0 && g < FAR_PAGES)
        for (int i = 0; i < PAGE; i += 509)
            mem[g * PAGE + i] = 'S';
    if (h >= 0 && h < FAR_PAGES) {
        far_next = (void *)(mem + h * PAGE);
        incoming_request_path_with_query(req, ret); /* the host writes there */
        far_next = NULL;
    }
    if (found) {
        text_str(&b, dirty < 0 ? "dirty far -" : "dirty far ");
        text_u64(&b, (uint64_t)(dirty < 0 ? -dirty : dirty));
    } else {
        text_str(&b, "clean");
    }
    text_str(&b, "\n");
    respond(out, fields_new(), 200, b.p, b.len);
    incoming_request_drop(req);
}

EXPORT(WASI("http/incoming-handler") "#handle")
void handle_request(handle req, handle out)
{
    char *target = request_target(req);
    if (target && strncmp(target, "/far?", 5) == 0) {
        far(req, out, target + 5);
        free(target);
        return;
    }
    free(target);
    int page = dirty_page();
    bool heap = heap_marks != 0;
    text_t b = {0};
    if (page >= 0) {
        text_str(&b, "dirty page ");
        text_u64(&b, (uint64_t)page);
    } else if (heap) {
        text_str(&b, "dirty heap");
    } else {
        text_str(&b, "clean");
    }
    text_str(&b, "\n");
    /* the secret, everywhere */
    for (int n = 0; n < PAGES; n++)
        for (int i = 0; i < PAGE; i += 509)
            data[n][i] = 'S';
    heap_marks++;
    char *h = malloc(1 << 20);
    if (h)
        memset(h, 'S', 1 << 20); /* left for the next request to find, were it to come */
    respond(out, fields_new(), 200, b.p, b.len);
    incoming_request_drop(req);
}
