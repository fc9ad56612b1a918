/*
 * out_cmd.c — a wasi:cli/command component that sends one outbound request
 * (wasi:http/outgoing-handler), for the `wasmhttpd run` cases of
 * tests/wasihttp/run_outbound_tests.py:
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
 * The canonical ABI glue is shared with the other C guests
 * (examples/glue/); no wasi-libc stdio, so no preview1 adapter.
 */
#define WASI_GLUE_VERSION "0.2.12"

#include "text.h"
#include "wasi_cli.h"
#include "wasi_http.h"

#define CHUNK 65536

static void out_str(handle s, const char *text)
{
    blocking_write_all(s, text, strlen(text), NULL);
}

/* "error=CASE\n" (after a newline when the body had begun), exit 1. */
static int32_t fail(handle out, int code, int mid_body)
{
    text_t b = {0};
    if (mid_body)
        text_str(&b, "\n");
    text_str(&b, "error=");
    text_str(&b, error_code_name(code));
    text_str(&b, "\n");
    blocking_write_all(out, b.p, b.len, NULL);
    free(b.p);
    cli_exit(1);
    return 1;
}

static int32_t usage(const char *why)
{
    handle err = get_stderr();
    out_str(err, "out_cmd: ");
    out_str(err, why);
    out_str(err, "\nusage: out_cmd SCHEME://AUTHORITY/PATH?QUERY\n");
    cli_exit(1);
    return 1;
}

/* The GET of url, or 0 and *why. */
static handle make_get(const char *url, size_t len, const char **why)
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

    handle rq = outgoing_request_new(fields_new());
    int bad = outgoing_request_set_method(rq, 0, NULL, 0);
    if (sl == 4 && !strncmp(url, "http", 4))
        bad |= outgoing_request_set_scheme(rq, 1, 0, NULL, 0);
    else if (sl == 5 && !strncmp(url, "https", 5))
        bad |= outgoing_request_set_scheme(rq, 1, 1, NULL, 0);
    else
        bad |= outgoing_request_set_scheme(rq, 1, 2, url, sl);
    if (path > auth)
        bad |= outgoing_request_set_authority(rq, 1, auth, (size_t)(path - auth));
    if (path < end && *path == '/') {
        bad |= outgoing_request_set_path_with_query(rq, 1, path, (size_t)(end - path));
    } else {
        text_t p = {0};
        text_str(&p, "/");
        text_add(&p, path, (size_t)(end - path));
        bad |= outgoing_request_set_path_with_query(rq, 1, p.p, p.len);
        free(p.p);
    }
    if (bad) {
        outgoing_request_drop(rq);
        *why = "a part of the URL was refused";
        return 0;
    }
    return rq;
}

EXPORT(WASI("cli/run") "#run")
int32_t run(void)
{
    static uint8_t buf[CHUNK];

    get_arguments(ret);
    const str_t *args = ret_ptr(0);
    size_t nargs = ret_u32(4);
    if (nargs != 2)
        return usage("one argument wanted, the URL");
    const char *why = NULL;
    handle rq = make_get(args[1].ptr, args[1].len, &why);
    if (!rq)
        return usage(why);

    handle out = get_stdout();
    handle fut, resp;
    int code = send_request(rq, 0, &fut);
    if (code >= 0)
        return fail(out, code, 0);
    future_response_wait(fut, &resp, &code);
    if (code >= 0)
        return fail(out, code, 0);
    future_incoming_response_drop(fut);

    text_t b = {0};
    text_str(&b, "status=");
    text_u64(&b, (uint64_t)incoming_response_status(resp));
    text_str(&b, "\n");
    blocking_write_all(out, b.p, b.len, NULL);
    free(b.p);

    handle body = consume_response_body(resp);
    handle in = body_input_stream(body);
    size_t n;
    handle err = 0;
    stream_status_t st;
    while ((st = read_some(in, buf, sizeof buf, &n, &err)) == STREAM_OK)
        if (blocking_write_all(out, buf, n, NULL) != STREAM_OK)
            break; /* stdout closed: nothing more to say */
    code = st == STREAM_FAILED ? stream_error_code(err) : -1;
    input_stream_drop(in);
    incoming_body_drop(body);
    incoming_response_drop(resp);
    if (st == STREAM_FAILED)
        return fail(out, code, 1);
    output_stream_drop(out);
    return 0;
}
