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
 */
#define WASI_GLUE_VERSION "0.2.12"

#include "text.h"
#include "wasi_http.h"

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

EXPORT(WASI("http/incoming-handler") "#handle")
void handle_request(handle req, handle out)
{
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
