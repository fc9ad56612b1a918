/*
 * out_cmd.c — a wasi:cli/command component that sends one outbound request
 * (wasi:http/outgoing-handler), for the `wasmhttpd run` cases of
 * tests/http/run_outbound_tests.py:
 *
 *   wasmhttpd run --allow-http ... out_cmd.wasm SCHEME://AUTHORITY/PATH?QUERY
 *
 * One GET of the URL. Writes "status=N\n", then the response's body, to
 * stdout, and exits 0. When handle() or the response fails it writes
 * "error=CASE\n" (CASE: the WIT's name of the error-code case) and exits 1;
 * when the body fails part way, the bytes read so far, then
 * "\nerror=CASE\n", and exits 1. A missing or malformed URL: a message on
 * stderr, exit 1.
 *
 * Hand-written glue as the other guests (http_glue.h), plus the few
 * wasi:cli imports it uses; no wasi-libc stdio, so no preview1 adapter.
 */
#include "http_glue.h"

#define ENV    "wasi:cli/environment@0.2.12"
#define STDOUT "wasi:cli/stdout@0.2.12"
#define STDERR "wasi:cli/stderr@0.2.12"
#define EXIT   "wasi:cli/exit@0.2.12"

/* get-arguments: list<string> (ptr, len) at ret */
IMPORT(ENV, "get-arguments") void cli_get_arguments(void *ret);
IMPORT(STDOUT, "get-stdout") h_t cli_get_stdout(void);
IMPORT(STDERR, "get-stderr") h_t cli_get_stderr(void);
/* exit(result): 0 ok, 1 err */
IMPORT(EXIT, "exit") void cli_exit(int32_t is_err);
/* result<_, stream-error>: the discriminant at 0, the stream-error's at 4 */
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush")
void os_blocking_write_and_flush(h_t self, const void *p, size_t n, void *ret);

#define CHUNK 65536
#define WRITE_MAX 4096 /* what blocking-write-and-flush takes at once */

/* Writes all of p to s; 0, or -1 when the stream failed. */
static int out_all(h_t s, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        size_t k = n < WRITE_MAX ? n : WRITE_MAX;
        os_blocking_write_and_flush(s, b, k, ret);
        if (RET_U8(0)) {
            if (RET_U8(4) == 0)
                error_drop(RET_I32(8));
            return -1;
        }
        b += k;
        n -= k;
    }
    return 0;
}

static void out_str(h_t s, const char *text)
{
    out_all(s, text, strlen(text));
}

/* "error=CASE\n" (after a newline when the body had begun), exit 1. */
static int32_t fail(h_t out, int code, int mid_body)
{
    buf_t b = {0};
    if (mid_body)
        puts_(&b, "\n");
    puts_(&b, "error=");
    puts_(&b, code < 0 ? "unknown" : ec_name(code));
    puts_(&b, "\n");
    out_all(out, b.p, b.len);
    free(b.p);
    cli_exit(1);
    return 1;
}

static int32_t usage(const char *why)
{
    h_t err = cli_get_stderr();
    out_str(err, "out_cmd: ");
    out_str(err, why);
    out_str(err, "\nusage: out_cmd SCHEME://AUTHORITY/PATH?QUERY\n");
    cli_exit(1);
    return 1;
}

/* The GET of url, or 0 and *why. */
static h_t make_get(const char *url, size_t len, const char **why)
{
    const char *end = url + len;
    const char *sep = NULL;
    for (const char *p = url; p + 3 <= end; p++)
        if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
            sep = p;
            break;
        }
    if (!sep || sep == url) {
        *why = "the URL must be SCHEME://AUTHORITY/PATH";
        return 0;
    }
    size_t sl = (size_t)(sep - url);
    const char *auth = sep + 3;
    const char *path = auth;
    while (path < end && *path != '/' && *path != '?')
        path++;

    h_t rq = outreq_new(fields_new());
    int bad = outreq_set_method(rq, 0, NULL, 0);
    if (sl == 4 && !strncmp(url, "http", 4))
        bad |= outreq_set_scheme(rq, 1, 0, NULL, 0);
    else if (sl == 5 && !strncmp(url, "https", 5))
        bad |= outreq_set_scheme(rq, 1, 1, NULL, 0);
    else
        bad |= outreq_set_scheme(rq, 1, 2, url, sl);
    if (path > auth)
        bad |= outreq_set_authority(rq, 1, auth, (size_t)(path - auth));
    if (path < end && *path == '/') {
        bad |= outreq_set_path(rq, 1, path, (size_t)(end - path));
    } else {
        buf_t p = {0};
        puts_(&p, "/");
        put(&p, path, (size_t)(end - path));
        bad |= outreq_set_path(rq, 1, p.p, p.len);
        free(p.p);
    }
    if (bad) {
        outreq_drop(rq);
        *why = "a part of the URL was refused";
        return 0;
    }
    return rq;
}

EXPORT("wasi:cli/run@0.2.12#run")
int32_t run(void)
{
    static uint8_t buf[CHUNK];

    cli_get_arguments(ret);
    str_t *args = *(str_t **)(ret + 0);
    size_t nargs = *(size_t *)(ret + 4);
    if (nargs != 2)
        return usage("one argument wanted, the URL");
    const char *why = NULL;
    h_t rq = make_get(args[1].ptr, args[1].len, &why);
    if (!rq)
        return usage(why);

    h_t out = cli_get_stdout();
    og_handle(rq, 0, 0, ret);
    if (RET_U8(0))
        return fail(out, RET_U8(8), 0);
    h_t fut = RET_I32(8);
    for (;;) {
        fresp_get(fut, ret);
        if (RET_U8(0))
            break;
        block_on(fresp_subscribe(fut));
    }
    if (RET_U8(8))
        __builtin_trap(); /* taken twice: cannot be */
    if (RET_U8(16))
        return fail(out, RET_U8(24), 0);
    h_t resp = RET_I32(24);
    fresp_drop(fut);

    buf_t b = {0};
    puts_(&b, "status=");
    putu(&b, (uint64_t)inresp_status(resp));
    puts_(&b, "\n");
    out_all(out, b.p, b.len);
    free(b.p);

    inresp_consume(resp, ret);
    if (RET_U8(0))
        __builtin_trap();
    h_t body = RET_I32(4);
    inbody_stream(body, ret);
    if (RET_U8(0))
        __builtin_trap();
    h_t in = RET_I32(4);
    long n;
    while ((n = read_some(in, buf, sizeof buf)) > 0)
        if (out_all(out, buf, (size_t)n))
            break; /* stdout closed: nothing more to say */
    is_drop(in);
    inbody_drop(body);
    inresp_drop(resp);
    if (n < 0)
        return fail(out, n <= -1000 ? (int)(-n - 1000) : -1, 1);
    os_drop(out);
    return 0;
}
