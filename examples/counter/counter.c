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
 * Every request that reaches the handler increments the counter first,
 * whatever its path, so that sequences stay observable.
 *
 * Built twice: without STATEFUL for the world serverless-proxy (only the
 * exports of wasi:http/proxy@0.2.0), and with -DSTATEFUL=1 for
 * stateful-proxy, which also exports wasmhttpd:http/lifecycle@0.1.0#init.
 *
 * There is no bindings generator for C here: the canonical ABI glue is
 * written by hand (CanonicalABI.md flatten_functype for the signatures,
 * the memory layouts next to each declaration). The imports use the core
 * names wit-component accepts (module "wasi:http/types@0.2.0", field
 * "[method]fields.append", ...). Nothing here uses stdio, so the core
 * module imports nothing from wasi_snapshot_preview1 and the component
 * needs no adapter.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef STATEFUL
#define STATEFUL 0
#endif

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define EXPORT(name)      __attribute__((export_name(name)))

#define HTTP_TYPES "wasi:http/types@0.2.0"
#define IO_STREAMS "wasi:io/streams@0.2.0"
#define IO_ERROR   "wasi:io/error@0.2.0"

/* Every resource handle is an i32 in the core ABI. */
typedef int32_t handle;

/* ---- wasi:http/types@0.2.0 ---- */

IMPORT(HTTP_TYPES, "[constructor]fields") handle fields_new(void);
/* append(name: string, value: list<u8>) -> result<_, header-error>:
 * ret = {u8 is_err; u8 header-error} */
IMPORT(HTTP_TYPES, "[method]fields.append")
void fields_append(handle self, const char *name, size_t name_len, const void *value,
                   size_t value_len, void *ret);

/* path-with-query() -> option<string>: ret = {u8 is_some; ptr @4; len @8},
 * the string allocated through cabi_realloc (ours to free) */
IMPORT(HTTP_TYPES, "[method]incoming-request.path-with-query")
void incoming_request_path_with_query(handle self, void *ret);
/* consume() -> result<own<incoming-body>>: ret = {u8 is_err; handle @4} */
IMPORT(HTTP_TYPES, "[method]incoming-request.consume")
void incoming_request_consume(handle self, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]incoming-request") void incoming_request_drop(handle h);

/* stream() -> result<own<input-stream>>: ret = {u8 is_err; handle @4} */
IMPORT(HTTP_TYPES, "[method]incoming-body.stream")
void incoming_body_stream(handle self, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]incoming-body") void incoming_body_drop(handle h);

/* constructor(headers: own<fields>): takes the fields */
IMPORT(HTTP_TYPES, "[constructor]outgoing-response") handle outgoing_response_new(handle headers);
/* set-status-code(u16) -> result: flat, 0 = ok */
IMPORT(HTTP_TYPES, "[method]outgoing-response.set-status-code")
int32_t outgoing_response_set_status_code(handle self, int32_t status);
/* body() -> result<own<outgoing-body>>: ret = {u8 is_err; handle @4} */
IMPORT(HTTP_TYPES, "[method]outgoing-response.body")
void outgoing_response_body(handle self, void *ret);

/* write() -> result<own<output-stream>>: ret = {u8 is_err; handle @4} */
IMPORT(HTTP_TYPES, "[method]outgoing-body.write") void outgoing_body_write(handle self, void *ret);
/* finish(this: own<outgoing-body>, trailers: option<own<trailers>>)
 *   -> result<_, error-code>: ret is 8-aligned, at most 40 bytes */
IMPORT(HTTP_TYPES, "[static]outgoing-body.finish")
void outgoing_body_finish(handle self, int32_t has_trailers, handle trailers, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]outgoing-body") void outgoing_body_drop(handle h);

/* set(param: own<response-outparam>,
 *     response: result<own<outgoing-response>, error-code>):
 * the result flattens to its discriminant and the join of own (i32) with
 * error-code's flat form (i32 i32 i64 i32 i32 i32 i32). */
IMPORT(HTTP_TYPES, "[static]response-outparam.set")
void response_outparam_set(handle param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2,
                           int32_t v3, int32_t v4, int32_t v5, int32_t v6);

/* ---- wasi:io@0.2.0 ---- */

/* blocking-read(len: u64) -> result<list<u8>, stream-error>:
 * ret = {u8 is_err @0; ok: ptr @4, len @8;
 *        err: u8 stream-error @4 (0 last-operation-failed, 1 closed),
 *             own<error> @8 for last-operation-failed}
 * The list is allocated through cabi_realloc (ours to free). */
IMPORT(IO_STREAMS, "[method]input-stream.blocking-read")
void input_stream_blocking_read(handle self, int64_t len, void *ret);
IMPORT(IO_STREAMS, "[resource-drop]input-stream") void input_stream_drop(handle h);

/* blocking-write-and-flush(contents: list<u8>) -> result<_, stream-error>:
 * ret = {u8 is_err @0; u8 stream-error @4; own<error> @8} */
IMPORT(IO_STREAMS, "[method]output-stream.blocking-write-and-flush")
void output_stream_blocking_write_and_flush(handle self, const void *buf, size_t len, void *ret);
IMPORT(IO_STREAMS, "[resource-drop]output-stream") void output_stream_drop(handle h);

IMPORT(IO_ERROR, "[resource-drop]error") void io_error_drop(handle h);

/* ---- what the host calls ---- */

void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size);
void handle_request(handle request, handle response_out);
#if STATEFUL
void *lifecycle_init(void);
#endif

/* The allocator the host lowers strings and lists into this memory with
 * (CanonicalABI.md Realloc). malloc's 16-byte alignment covers every align
 * asked here.
 *
 * An empty string or list is never freed here: a host need not call
 * realloc for one and may pass any pointer with length 0 (jco passes 1).
 * So a zero-byte request gets no block either, only a non-null aligned
 * address, and only non-empty strings and lists are ours to free. */
EXPORT("cabi_realloc")
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    if (new_size == 0)
        return (void *)align;
    void *p = realloc(ptr, new_size);
    if (!p)
        __builtin_trap();
    return p;
}

/* The module state the whole example is about. */
static uint32_t request_count;
static uint32_t init_count;

/* Return areas of imports and of the init export. One at a time is in use:
 * the host reads an import's before the call returns and init's before it
 * calls into this instance again. 8-aligned because error-code holds u64. */
static _Alignas(8) uint8_t ret[64];

static uint8_t ret_u8(size_t off)
{
    return ret[off];
}

static uint32_t ret_u32(size_t off)
{
    uint32_t v;
    memcpy(&v, ret + off, sizeof v);
    return v;
}

/* Decimal digits of v at out; returns how many (at most 10). */
static size_t put_u32(char *out, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static size_t put_str(char *out, const char *s)
{
    size_t n = strlen(s);
    memcpy(out, s, n);
    return n;
}

/* Sets a response with one content-type header on the outparam and
 * returns its outgoing-body. The response is handed over before any body
 * byte is written, so a host can send the head and then stream. */
static handle start_response(handle response_out, int32_t status, const char *content_type)
{
    static const char ct[] = "content-type";
    handle headers = fields_new();
    fields_append(headers, ct, sizeof ct - 1, content_type, strlen(content_type), ret);
    handle resp = outgoing_response_new(headers);
    outgoing_response_set_status_code(resp, status);
    outgoing_response_body(resp, ret);
    if (ret_u8(0))
        __builtin_trap(); /* body() fails only when called twice */
    handle body = (handle)ret_u32(4);
    response_outparam_set(response_out, 0, resp, 0, 0, 0, 0, 0, 0);
    return body;
}

/* Writes len bytes in pieces of at most 4096, the amount
 * blocking-write-and-flush promises to accept in one call. Returns false
 * once the stream has failed or closed (the client went away): the caller
 * then abandons the body instead of finishing it. */
static bool write_all(handle stream, const uint8_t *p, size_t len)
{
    while (len > 0) {
        size_t n = len < 4096 ? len : 4096;
        output_stream_blocking_write_and_flush(stream, p, n, ret);
        if (ret_u8(0)) {
            if (ret_u8(4) == 0)
                io_error_drop((handle)ret_u32(8));
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

/* Finishes a body whose writes all succeeded; otherwise drops it, which
 * tells the host the body is incomplete rather than short. The stream is a
 * child of the body and goes first. */
static void end_body(handle body, handle stream, bool complete)
{
    output_stream_drop(stream);
    if (complete)
        outgoing_body_finish(body, 0, 0, ret);
    else
        outgoing_body_drop(body);
}

static void respond(handle response_out, int32_t status, const char *text, size_t len)
{
    handle body = start_response(response_out, status, "text/plain");
    outgoing_body_write(body, ret);
    if (ret_u8(0))
        __builtin_trap(); /* write() fails only when called twice */
    handle stream = (handle)ret_u32(4);
    end_body(body, stream, write_all(stream, (const uint8_t *)text, len));
}

static void respond_count(handle response_out)
{
    char text[40];
    size_t n = put_str(text, "Hello from WASM! (");
    n += put_u32(text + n, request_count);
    n += put_str(text + n, ")\n");
    respond(response_out, 200, text, n);
}

/* /echo: the request body back as the response body, one read of at most
 * 64 KiB at a time, each freed before the next, so a body of any size
 * costs this instance the same memory. */
#define ECHO_CHUNK 65536

static void echo(handle request, handle response_out)
{
    incoming_request_consume(request, ret);
    if (ret_u8(0)) {
        static const char msg[] = "request body already consumed\n";
        respond(response_out, 500, msg, sizeof msg - 1);
        return;
    }
    handle in_body = (handle)ret_u32(4);
    incoming_body_stream(in_body, ret);
    if (ret_u8(0))
        __builtin_trap(); /* stream() fails only when called twice */
    handle in = (handle)ret_u32(4);

    handle out_body = start_response(response_out, 200, "application/octet-stream");
    outgoing_body_write(out_body, ret);
    if (ret_u8(0))
        __builtin_trap();
    handle out = (handle)ret_u32(4);

    bool ok = true;
    for (;;) {
        input_stream_blocking_read(in, ECHO_CHUNK, ret);
        if (ret_u8(0)) {
            /* closed is the normal end; last-operation-failed means the
             * request body broke off, so the echo is incomplete too */
            if (ret_u8(4) == 0) {
                io_error_drop((handle)ret_u32(8));
                ok = false;
            }
            break;
        }
        uint8_t *chunk = (uint8_t *)(uintptr_t)ret_u32(4);
        size_t len = ret_u32(8);
        ok = write_all(out, chunk, len);
        if (len > 0)
            free(chunk);
        if (!ok)
            break;
    }
    /* children before parents: the input stream before its body */
    input_stream_drop(in);
    incoming_body_drop(in_body);
    end_body(out_body, out, ok);
}

/* The value of key in a query ("a=1&mb=20"), or NULL. */
static const char *query_value(const char *query, const char *key)
{
    size_t klen = strlen(key);
    const char *p = query;
    for (;;) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return p + klen + 1;
        p = strchr(p, '&');
        if (!p)
            return NULL;
        p++;
    }
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
        respond(response_out, 400, msg, sizeof msg - 1);
        return;
    }
    if (mb > 0) {
        size_t pages = (size_t)mb * 16; /* 64 KiB wasm pages */
        size_t old = __builtin_wasm_memory_grow(0, pages);
        if (old == SIZE_MAX) {
            static const char msg[] = "memory.grow failed\n";
            respond(response_out, 500, msg, sizeof msg - 1);
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
    n += put_u32(text + n, init_count);
    n += put_str(text + n, " count=");
    n += put_u32(text + n, request_count);
    text[n++] = '\n';
    respond(response_out, 200, text, n);
}

/* Spins in a way the optimiser must keep: the host's deadline or fuel is
 * the only way out. */
static _Noreturn void spin(void)
{
    static volatile uint32_t spins;
    for (;;)
        spins++;
}

EXPORT("wasi:http/incoming-handler@0.2.0#handle")
void handle_request(handle request, handle response_out)
{
    request_count++;

    /* The path and query are a copy in our memory, one byte short of a C
     * string; split them at '?'. None or empty counts as "/". */
    incoming_request_path_with_query(request, ret);
    char *target = NULL;
    if (ret_u8(0) && ret_u32(8) > 0) {
        size_t len = ret_u32(8);
        target = cabi_realloc((void *)(uintptr_t)ret_u32(4), len, 1, len + 1);
        target[len] = '\0';
    }
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
    } else {
        respond_count(response_out);
    }
    free(target);
    incoming_request_drop(request);
}

#if STATEFUL
/* wasmhttpd:http/lifecycle@0.1.0#init: () -> result<_, string>, returned
 * as a pointer to {u8 is_err; string ptr @4, len @8}. Only ok is ever
 * returned, so there is nothing for a post-return function to free. */
EXPORT("wasmhttpd:http/lifecycle@0.1.0#init")
void *lifecycle_init(void)
{
    init_count++;
    memset(ret, 0, 12);
    return ret;
}
#endif
