/*
 * counter.c — the counter handler of WebAssembly/wasi-http#95 as a
 * wasi:http@0.2.0 guest: a module-level counter that every request
 * increments, answered as "Hello from WASM! (N)\n". Whether N grows from
 * one request to the next shows whether the host reuses instances.
 *
 * A few paths add behaviours the server's tests need:
 *   /trap          traps (wasm `unreachable`) before any response is set
 *   /loop          never returns (timeouts, fuel)
 *   /grow?mb=N     grows linear memory by N MiB, then answers as usual
 *   /echo          streams the request body back, in bounded memory
 *   /init          "init=K count=N\n", K = how often `init` ran here
 *   /init-at       "init-at=T\n", T = the monotonic clock when `init` last ran
 *                  here (0: never): tells whether a request's instance ran
 *                  init for it or started from a snapshot taken after it
 *   /print?n=N     writes N lines "line I of N" to stdout (I from 1) and one,
 *                  "stderr after N lines", to stderr, then answers as usual
 *                  (the server's guest log and its rate limit)
 * Every request that reaches the handler increments the counter first,
 * whatever its path, so that sequences stay observable.
 *
 * Built twice: without STATEFUL for the world serverless-proxy (only the
 * exports of wasi:http/proxy@0.2.0), and with -DSTATEFUL=1 for
 * stateful-proxy, which also exports wasmhttpd:http/lifecycle@0.1.0#init.
 *
 * The canonical ABI glue is written by hand and shared with the other C
 * guests: examples/glue/ (cabi.h says how). Nothing here uses stdio, so
 * the core module imports nothing from wasi_snapshot_preview1 and the
 * component needs no adapter; the glue's blocking stream calls keep it
 * off wasi:io/poll too.
 */
#define WASI_GLUE_VERSION "0.2.0"

#include "lifecycle.h"
#include "text.h"
#include "wasi_cli.h"
#include "wasi_clocks.h"
#include "wasi_http.h"

/* The module state the whole example is about. */
static uint32_t request_count;
static uint32_t init_count;
static uint64_t init_at;

/* text/plain, written with the blocking calls (respond_blocking: a client
 * that went away gets its body dropped, not finished) */
static void respond_text(handle response_out, int32_t status, const char *text, size_t len)
{
    handle headers = fields_new();
    append_field(headers, "content-type", "text/plain");
    respond_blocking(response_out, headers, status, text, len);
}

static void respond_count(handle response_out)
{
    char text[40];
    size_t n = put_str(text, "Hello from WASM! (");
    n += put_u64(text + n, request_count);
    n += put_str(text + n, ")\n");
    respond_text(response_out, 200, text, n);
}

/* /echo: the request body back as the response body, one read of at most
 * 64 KiB at a time, each freed before the next, so a body of any size
 * costs this instance the same memory. */
#define ECHO_CHUNK 65536

static void echo(handle request, handle response_out)
{
    handle in_body = consume_request_body(request);
    if (!in_body) {
        static const char msg[] = "request body already consumed\n";
        respond_text(response_out, 500, msg, sizeof msg - 1);
        return;
    }
    handle in = body_input_stream(in_body);

    handle headers = fields_new();
    append_field(headers, "content-type", "application/octet-stream");
    handle out_body, out;
    start_response(response_out, headers, 200, &out_body, &out);

    bool ok = true;
    for (;;) {
        bytes_t chunk;
        stream_status_t st = blocking_read_chunk(in, ECHO_CHUNK, &chunk, NULL);
        if (st != STREAM_OK) {
            /* closed is the normal end; last-operation-failed means the
             * request body broke off, so the echo is incomplete too */
            ok = st == STREAM_CLOSED;
            break;
        }
        ok = blocking_write_all(out, chunk.ptr, chunk.len, NULL) == STREAM_OK;
        cabi_free(chunk.ptr, chunk.len);
        if (!ok)
            break;
    }
    /* children before parents: the input stream before its body */
    input_stream_drop(in);
    incoming_body_drop(in_body);
    end_body(out_body, out, ok);
}

/* /grow?mb=N: N MiB more linear memory, straight from memory.grow so the
 * amount is exact and shows in the memory's size at once (malloc would
 * reuse free blocks first). The pages are never used or given back: a
 * memory cannot shrink, and the point is an instance that stays big. Each
 * new 4 KiB page is written once, with the zero it already holds, so that
 * the host's resident memory grows too and not only its reservation. */
static void grow(handle response_out, const char *query)
{
    const char *v = query ? query_value(query, "mb") : NULL;
    uint32_t mb = 0;
    size_t digits = 0;
    for (; v && v[digits] >= '0' && v[digits] <= '9' && digits < 5; digits++)
        mb = mb * 10 + (uint32_t)(v[digits] - '0');
    /* 4096 MiB is all a 32-bit memory can address */
    if (digits == 0 || (v[digits] != '\0' && v[digits] != '&') || mb > 4096) {
        static const char msg[] = "usage: /grow?mb=N, N from 0 to 4096\n";
        respond_text(response_out, 400, msg, sizeof msg - 1);
        return;
    }
    if (mb > 0) {
        size_t pages = (size_t)mb * 16; /* 64 KiB wasm pages */
        size_t old = __builtin_wasm_memory_grow(0, pages);
        if (old == SIZE_MAX) {
            static const char msg[] = "memory.grow failed\n";
            respond_text(response_out, 500, msg, sizeof msg - 1);
            return;
        }
        volatile uint8_t *base = (volatile uint8_t *)(old * 65536);
        for (size_t off = 0; off < pages * 65536; off += 4096)
            base[off] = 0;
    }
    respond_count(response_out);
}

static void init_report(handle response_out)
{
    char text[48];
    size_t n = put_str(text, "init=");
    n += put_u64(text + n, init_count);
    n += put_str(text + n, " count=");
    n += put_u64(text + n, request_count);
    text[n++] = '\n';
    respond_text(response_out, 200, text, n);
}

static void init_at_report(handle response_out)
{
    char text[40];
    size_t n = put_str(text, "init-at=");
    n += put_u64(text + n, init_at);
    text[n++] = '\n';
    respond_text(response_out, 200, text, n);
}

/* Spins in a way the optimiser must keep: the host's deadline or fuel is
 * the only way out. */
static _Noreturn void spin(void)
{
    static volatile uint32_t spins;
    for (;;)
        spins++;
}

/* /print?n=N: N lines to stdout, one write each (as a guest printing in a
 * loop does), and one line to stderr. */
static void print_lines(const char *query)
{
    const char *v = query ? query_value(query, "n") : NULL;
    uint32_t n = 0;
    for (size_t d = 0; v && v[d] >= '0' && v[d] <= '9' && d < 7; d++)
        n = n * 10 + (uint32_t)(v[d] - '0');
    handle out = get_stdout(), err = get_stderr();
    char line[64];
    for (uint32_t i = 1; i <= n; i++) {
        size_t k = put_str(line, "line ");
        k += put_u64(line + k, i);
        k += put_str(line + k, " of ");
        k += put_u64(line + k, n);
        k += put_str(line + k, "\n");
        blocking_write_all(out, line, k, NULL);
    }
    size_t k = put_str(line, "stderr after ");
    k += put_u64(line + k, n);
    k += put_str(line + k, " lines\n");
    blocking_write_all(err, line, k, NULL);
    output_stream_drop(out);
    output_stream_drop(err);
}

EXPORT(WASI("http/incoming-handler") "#handle")
void handle_request(handle request, handle response_out)
{
    request_count++;

    /* The path and query, split at '?'. None or empty counts as "/". */
    char *target = request_target(request);
    char *query = target ? strchr(target, '?') : NULL;
    if (query)
        *query++ = '\0';
    const char *path = target ? target : "/";

    if (strcmp(path, "/trap") == 0) {
        __builtin_trap();
    } else if (strcmp(path, "/loop") == 0) {
        spin();
    } else if (strcmp(path, "/echo") == 0) {
        echo(request, response_out);
    } else if (strcmp(path, "/grow") == 0) {
        grow(response_out, query);
    } else if (strcmp(path, "/init") == 0) {
        init_report(response_out);
    } else if (strcmp(path, "/init-at") == 0) {
        init_at_report(response_out);
    } else if (strcmp(path, "/print") == 0) {
        print_lines(query);
        respond_count(response_out);
    } else {
        respond_count(response_out);
    }
    free(target);
    incoming_request_drop(request);
}

#if STATEFUL
/* init (lifecycle.h): counts its calls; only ok is ever returned. */
EXPORT("wasmhttpd:http/lifecycle@0.1.0#init")
void *lifecycle_init(void)
{
    init_count++;
    init_at = (uint64_t)monotonic_clock_now();
    return ret_result_string(NULL);
}
#endif
