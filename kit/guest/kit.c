/*
 * kit.c — the semantics kit's guest in C: every request is answered with a
 * one-line JSON report of what this instance has seen, so that a client
 * that knows nothing of the host can tell how the host treats instances
 * (kit/check reads these reports; the fields are listed in kit/README.md).
 *
 *   /slow?ms=N          waits N ms (at most 10 s) on a wasi:clocks pollable
 *                       before answering: a host that let another request
 *                       into this instance meanwhile shows as "overlap"
 *   /trap               traps on purpose, before any response; the next
 *                       request this instance answers (if any) says
 *                       "after_trap": true
 *   /secret/write?v=N   keeps N (decimal digits, at most 15) in linear memory
 *                       (the text) and in a wasm global (the number)
 *   anything else       just the report; /secret/read is a name for it
 *
 * The identity is 64 random bits from wasi:random, drawn by the first
 * request that finds none (init does not draw it). Not drawn by a start function or at
 * build time: a host that snapshots an instance after init (docs/semantics.md
 * 4.7) would then give every request the identity of the snapshot, and a
 * reset instance could not be told from a reused one.
 *
 * Built twice, like examples/counter: without STATEFUL for the world
 * serverless-proxy, and with -DSTATEFUL=1 for stateful-proxy, which also
 * exports wasmhttpd:http/lifecycle@0.1.0#init.
 */
#define WASI_GLUE_VERSION "0.2.0"

#include "lifecycle.h"
#include "text.h"
#include "wasi_clocks.h"
#include "wasi_http.h"
#include "wasi_random.h"

/* ---- what this instance has seen ---- */

static uint64_t identity;      /* 0: not drawn yet */
static uint32_t request_count; /* requests that entered, this one included */
static uint32_t init_count;
static uint32_t in_flight; /* requests inside this instance now */
static bool trapped;       /* a request trapped on purpose here */

/* The secret in linear memory: the text as written (NUL-terminated). */
static char secret_text[16];

/* The secret in a wasm global of its own, outside linear memory: a host
 * that restored memories but not globals (or the reverse) shows in one of
 * the two. clang has no C syntax for a wasm global, hence the assembler. */
__asm__(".globaltype kit_secret_global, i64\n"
        "kit_secret_global:\n");

static uint64_t secret_global_get(void)
{
    uint64_t v;
    __asm__ volatile("global.get kit_secret_global\n"
                     "local.set %0\n"
                     : "=r"(v));
    return v;
}

static void secret_global_set(uint64_t v)
{
    __asm__ volatile("local.get %0\n"
                     "global.set kit_secret_global\n"
                     :
                     : "r"(v));
}

static void draw_identity(void)
{
    while (identity == 0)
        identity = (uint64_t)random_get_u64();
}

/* ---- the report ---- */

static void add_bool(text_t *t, const char *name, bool v)
{
    text_str(t, name);
    text_str(t, v ? "true" : "false");
}

static void add_hex64(text_t *t, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char d[16];
    for (int i = 15; i >= 0; i--, v >>= 4)
        d[i] = digits[v & 15];
    text_add(t, d, sizeof d);
}

/* The path is echoed back as far as it is plain (letters, digits, "/_-."),
 * so the JSON needs no escaping. */
static void add_plain(text_t *t, const char *s)
{
    for (; *s; s++) {
        char c = *s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '/' || c == '_' || c == '-' || c == '.';
        text_add(t, plain ? &c : "?", 1);
    }
}

static void respond_report(handle response_out, const char *path, uint32_t seq,
                           uint32_t in_flight_at_entry, bool overlap)
{
    text_t t = {0};
    text_str(&t, "{\"kit\":1,\"guest\":\"c\",\"world\":\"");
    text_str(&t, STATEFUL ? "stateful-proxy" : "serverless-proxy");
    text_str(&t, "\",\"path\":\"");
    add_plain(&t, path);
    text_str(&t, "\",\"instance\":\"");
    add_hex64(&t, identity);
    text_str(&t, "\",\"count\":");
    text_u64(&t, seq);
    text_str(&t, ",\"init\":");
    text_u64(&t, init_count);
    text_str(&t, ",\"in_flight\":");
    text_u64(&t, in_flight_at_entry);
    add_bool(&t, ",\"overlap\":", overlap);
    add_bool(&t, ",\"after_trap\":", trapped);
    text_str(&t, ",\"secret_memory\":");
    if (secret_text[0]) {
        text_str(&t, "\"");
        text_str(&t, secret_text);
        text_str(&t, "\"");
    } else {
        text_str(&t, "null");
    }
    text_str(&t, ",\"secret_global\":");
    uint64_t g = secret_global_get();
    if (g)
        text_u64(&t, g);
    else
        text_str(&t, "null");
    text_str(&t, "}\n");

    handle headers = fields_new();
    append_field(headers, "content-type", "application/json");
    append_field(headers, "cache-control", "no-store");
    respond_blocking(response_out, headers, 200, t.p, t.len);
    free(t.p);
}

static void respond_error(handle response_out, int32_t status, const char *msg)
{
    handle headers = fields_new();
    append_field(headers, "content-type", "text/plain");
    respond_blocking(response_out, headers, status, msg, strlen(msg));
}

/* /secret/write?v=N: N is 1 to 15 decimal digits, not all zero (0 stands
 * for "nothing stored" in the global). */
static bool secret_write(const char *query)
{
    const char *v = query ? query_value(query, "v") : NULL;
    size_t n = 0;
    uint64_t num = 0;
    for (; v && v[n] >= '0' && v[n] <= '9'; n++) {
        if (n == 15)
            return false;
        num = num * 10 + (uint64_t)(v[n] - '0');
    }
    if (n == 0 || num == 0 || (v[n] != '\0' && v[n] != '&'))
        return false;
    memcpy(secret_text, v, n);
    secret_text[n] = '\0';
    secret_global_set(num);
    return true;
}

EXPORT(WASI("http/incoming-handler") "#handle")
void handle_request(handle request, handle response_out)
{
    /* Entry: raised before anything can wait, lowered after the response
     * is out, so that a second request let in meanwhile sees it. */
    uint32_t seq = ++request_count;
    uint32_t in_flight_at_entry = ++in_flight;
    draw_identity();

    char *target = request_target(request);
    char *query = target ? strchr(target, '?') : NULL;
    if (query)
        *query++ = '\0';
    const char *path = target ? target : "/";

    if (strcmp(path, "/trap") == 0) {
        /* Left as if the request had ended, so that an instance a host
         * keeps after the trap reports the trap and not a request stuck
         * inside. */
        trapped = true;
        in_flight--;
        __builtin_trap();
    }
    if (strcmp(path, "/slow") == 0) {
        const char *v = query ? query_value(query, "ms") : NULL;
        uint64_t ms = 0;
        for (size_t d = 0; v && v[d] >= '0' && v[d] <= '9' && d < 6; d++)
            ms = ms * 10 + (uint64_t)(v[d] - '0');
        if (ms > 10000)
            ms = 10000;
        block_on(monotonic_clock_subscribe_duration((int64_t)(ms * 1000000)));
    }
    if (strcmp(path, "/secret/write") == 0 && !secret_write(query)) {
        respond_error(response_out, 400, "usage: /secret/write?v=N, N of 1 to 15 digits\n");
    } else {
        /* overlap: someone else was inside at entry, or came in since */
        bool overlap = in_flight_at_entry > 1 || request_count != seq;
        respond_report(response_out, path, seq, in_flight_at_entry, overlap);
    }
    free(target);
    incoming_request_drop(request);
    in_flight--;
}

#if STATEFUL
EXPORT("wasmhttpd:http/lifecycle@0.1.0#init")
void *lifecycle_init(void)
{
    init_count++;
    return ret_result_string(NULL);
}
#endif
