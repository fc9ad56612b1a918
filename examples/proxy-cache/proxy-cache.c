/*
 * proxy-cache.c — a small caching HTTP proxy as a wasi:http@0.2.0 guest.
 * GET /PATH is forwarded to BACKEND/PATH through
 * wasi:http/outgoing-handler, and the answer is kept in a cache in this
 * instance's linear memory: at most 256 entries and 8 MiB, least recently
 * used out first, each entry at most 1 MiB and CACHE_TTL seconds old.
 * Every answer says where it came from in `x-cache`: `hit`, `miss`, or
 * `bypass` for paths below /nocache/, which are always forwarded (with the
 * prefix taken off) and never stored.
 *
 * The environment (wasi:cli/environment), read once per instance:
 *   BACKEND     the back end's base URL, http://HOST[:PORT][/PREFIX]
 *               (https too, where the host has TLS); required
 *   CACHE_TTL   seconds an entry stays fresh (default 60; 0: no expiry)
 *
 * Built twice: without STATEFUL for wasmhttpd:http/serverless-proxy, where
 * every request gets a fresh instance and so every cacheable request is a
 * miss, and with -DSTATEFUL=1 for stateful-proxy, which exports
 * wasmhttpd:http/lifecycle@0.1.0#init: init reads the environment (and
 * fails, naming the variable, when BACKEND is missing or malformed), and
 * the cache lives as long as the instance. Both builds also read the
 * environment lazily, so a host that never calls init works too.
 *
 * What is cached: 200 answers to GET whose body arrived complete, up to
 * 1 MiB, without `cache-control: no-store` or `private`. The key is the
 * path with its query. No other HTTP freshness rule is applied: this is an
 * example of instance state, not a standards-complete cache. No request
 * header is forwarded; the answer's headers are, except those the host
 * refuses on a response (connection-specific ones).
 *
 * Canonical ABI glue by hand, as in examples/counter/counter.c
 * (CanonicalABI.md flatten_functype; the layouts next to each import). A
 * result whose payload includes error-code (8-aligned: option<u64>
 * payloads) has its payload at offset 8. No stdio, so no
 * wasi_snapshot_preview1 imports and no adapter.
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
#define HTTP_OUT   "wasi:http/outgoing-handler@0.2.0"
#define IO_STREAMS "wasi:io/streams@0.2.0"
#define IO_POLL    "wasi:io/poll@0.2.0"
#define IO_ERROR   "wasi:io/error@0.2.0"
#define CLI_ENV    "wasi:cli/environment@0.2.0"
#define CLOCK      "wasi:clocks/monotonic-clock@0.2.0"

typedef int32_t handle;

/* ---- wasi:http/types@0.2.0 ---- */

IMPORT(HTTP_TYPES, "[constructor]fields") handle fields_new(void);
/* append(name: string, value: list<u8>) -> result<_, header-error>:
 * ret = {u8 is_err; u8 header-error} */
IMPORT(HTTP_TYPES, "[method]fields.append")
void fields_append(handle self, const char *name, size_t name_len, const void *value,
                   size_t value_len, void *ret);
/* entries() -> list<tuple<string, list<u8>>>: ret = {ptr; len}, elements
 * of 16 bytes {name ptr, name len, value ptr, value len}; the list and every
 * non-empty string and value allocated through cabi_realloc (ours) */
IMPORT(HTTP_TYPES, "[method]fields.entries") void fields_entries(handle self, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]fields") void fields_drop(handle h);

/* method() -> method: ret = {u8 case; other: string ptr @4, len @8} */
IMPORT(HTTP_TYPES, "[method]incoming-request.method")
void incoming_request_method(handle self, void *ret);
/* path-with-query() -> option<string>: ret = {u8 is_some; ptr @4; len @8} */
IMPORT(HTTP_TYPES, "[method]incoming-request.path-with-query")
void incoming_request_path_with_query(handle self, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]incoming-request") void incoming_request_drop(handle h);

/* constructor(headers: own<fields>) */
IMPORT(HTTP_TYPES, "[constructor]outgoing-request") handle outgoing_request_new(handle headers);
/* set-method(method) -> result: the variant flat as (case, ptr, len) */
IMPORT(HTTP_TYPES, "[method]outgoing-request.set-method")
int32_t outgoing_request_set_method(handle self, int32_t method, const char *other, size_t len);
/* set-scheme(option<scheme>) -> result: (is_some, case, ptr, len) */
IMPORT(HTTP_TYPES, "[method]outgoing-request.set-scheme")
int32_t outgoing_request_set_scheme(handle self, int32_t is_some, int32_t scheme, const char *other,
                                    size_t len);
/* set-authority(option<string>) -> result */
IMPORT(HTTP_TYPES, "[method]outgoing-request.set-authority")
int32_t outgoing_request_set_authority(handle self, int32_t is_some, const char *s, size_t len);
/* set-path-with-query(option<string>) -> result */
IMPORT(HTTP_TYPES, "[method]outgoing-request.set-path-with-query")
int32_t outgoing_request_set_path_with_query(handle self, int32_t is_some, const char *s,
                                             size_t len);
IMPORT(HTTP_TYPES, "[resource-drop]outgoing-request") void outgoing_request_drop(handle h);

IMPORT(HTTP_TYPES, "[method]future-incoming-response.subscribe")
handle future_response_subscribe(handle self);
/* get() -> option<result<result<own<incoming-response>, error-code>>>:
 * ret = {u8 is_some @0; u8 outer is_err @8 (already taken);
 *        u8 inner is_err @16; own<incoming-response> or error-code @24} */
IMPORT(HTTP_TYPES, "[method]future-incoming-response.get")
void future_response_get(handle self, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]future-incoming-response") void future_response_drop(handle h);

IMPORT(HTTP_TYPES, "[method]incoming-response.status") int32_t incoming_response_status(handle h);
IMPORT(HTTP_TYPES, "[method]incoming-response.headers") handle incoming_response_headers(handle h);
/* consume() -> result<own<incoming-body>>: ret = {u8 is_err; handle @4} */
IMPORT(HTTP_TYPES, "[method]incoming-response.consume")
void incoming_response_consume(handle self, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]incoming-response") void incoming_response_drop(handle h);

/* stream() -> result<own<input-stream>>: ret = {u8 is_err; handle @4} */
IMPORT(HTTP_TYPES, "[method]incoming-body.stream")
void incoming_body_stream(handle self, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]incoming-body") void incoming_body_drop(handle h);

IMPORT(HTTP_TYPES, "[constructor]outgoing-response") handle outgoing_response_new(handle headers);
IMPORT(HTTP_TYPES, "[method]outgoing-response.set-status-code")
int32_t outgoing_response_set_status_code(handle self, int32_t status);
/* body() -> result<own<outgoing-body>>: ret = {u8 is_err; handle @4} */
IMPORT(HTTP_TYPES, "[method]outgoing-response.body")
void outgoing_response_body(handle self, void *ret);
/* write() -> result<own<output-stream>>: ret = {u8 is_err; handle @4} */
IMPORT(HTTP_TYPES, "[method]outgoing-body.write") void outgoing_body_write(handle self, void *ret);
/* finish(own<outgoing-body>, option<own<trailers>>) -> result<_, error-code>:
 * ret = {u8 is_err; error-code @8} */
IMPORT(HTTP_TYPES, "[static]outgoing-body.finish")
void outgoing_body_finish(handle self, int32_t has_trailers, handle trailers, void *ret);
IMPORT(HTTP_TYPES, "[resource-drop]outgoing-body") void outgoing_body_drop(handle h);

/* set(own<response-outparam>, result<own<outgoing-response>, error-code>):
 * the result flat as its case and the join of own and error-code's flat
 * form (i32 i32 i64 i32 i32 i32 i32) */
IMPORT(HTTP_TYPES, "[static]response-outparam.set")
void response_outparam_set(handle param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2,
                           int32_t v3, int32_t v4, int32_t v5, int32_t v6);

/* ---- wasi:http/outgoing-handler@0.2.0 ----
 * handle(own<outgoing-request>, option<own<request-options>>)
 *   -> result<own<future-incoming-response>, error-code>:
 * ret = {u8 is_err; own<future-incoming-response> or error-code @8} */
IMPORT(HTTP_OUT, "handle")
void outgoing_handle(handle request, int32_t has_options, handle options, void *ret);

/* ---- wasi:io@0.2.0 ---- */

/* blocking-read(len: u64) -> result<list<u8>, stream-error>:
 * ret = {u8 is_err; ok: ptr @4, len @8; err: u8 case @4 (0
 * last-operation-failed, 1 closed), own<error> @8} */
IMPORT(IO_STREAMS, "[method]input-stream.blocking-read")
void input_stream_blocking_read(handle self, int64_t len, void *ret);
IMPORT(IO_STREAMS, "[resource-drop]input-stream") void input_stream_drop(handle h);
/* check-write() -> result<u64, stream-error>:
 * ret = {u8 is_err; u64 @8; err: u8 case @8, own<error> @12} */
IMPORT(IO_STREAMS, "[method]output-stream.check-write")
void output_stream_check_write(handle self, void *ret);
/* write(list<u8>) -> result<_, stream-error>: ret = {u8 is_err; u8 case @4;
 * own<error> @8} */
IMPORT(IO_STREAMS, "[method]output-stream.write")
void output_stream_write(handle self, const void *buf, size_t len, void *ret);
IMPORT(IO_STREAMS, "[method]output-stream.subscribe") handle output_stream_subscribe(handle self);
IMPORT(IO_STREAMS, "[resource-drop]output-stream") void output_stream_drop(handle h);
IMPORT(IO_POLL, "[method]pollable.block") void pollable_block(handle self);
IMPORT(IO_POLL, "[resource-drop]pollable") void pollable_drop(handle h);
IMPORT(IO_ERROR, "[resource-drop]error") void io_error_drop(handle h);

/* ---- wasi:cli/environment, wasi:clocks/monotonic-clock ---- */

/* get-environment() -> list<tuple<string, string>>: ret = {ptr; len},
 * elements of 16 bytes {key ptr, key len, value ptr, value len}, all ours */
IMPORT(CLI_ENV, "get-environment") void get_environment(void *ret);
IMPORT(CLOCK, "now") int64_t monotonic_now(void);

/* ---- what the host calls ---- */

void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size);
void handle_request(handle request, handle response_out);
#if STATEFUL
void *lifecycle_init(void);
#endif

/* The allocator the host lowers strings and lists with. A zero-byte
 * request gets no block, only an aligned non-null address, so only
 * non-empty strings and lists are ours to free (see counter.c). */
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

/* Return areas of the imports and of init; one at a time is in use. */
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

static uint64_t ret_u64(size_t off)
{
    uint64_t v;
    memcpy(&v, ret + off, sizeof v);
    return v;
}

static void free_list(uint32_t ptr, uint32_t len)
{
    if (len > 0)
        free((void *)(uintptr_t)ptr);
}

/* ---- small text helpers ---- */

typedef struct {
    char *p;
    size_t len, cap;
} text_t;

static void text_add(text_t *t, const void *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap < t->len + n + 1)
            cap *= 2;
        t->p = cabi_realloc(t->p, t->cap, 1, cap);
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_str(text_t *t, const char *s)
{
    text_add(t, s, strlen(s));
}

static void text_u64(text_t *t, uint64_t v)
{
    char d[20];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        text_add(t, &d[--n], 1);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* name (len bytes) equals the lower-case word, case-insensitively */
static bool name_is(const char *name, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(name[i]) != word[i])
            return false;
    return true;
}

/* the lower-case word occurs in s (len bytes), case-insensitively */
static bool contains_word(const uint8_t *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && lower((char)s[i + k]) == word[k])
            k++;
        if (k == n)
            return true;
    }
    return false;
}

/* ---- configuration ---- */

enum { SCHEME_HTTP = 0, SCHEME_HTTPS = 1 };

static struct {
    bool loaded;
    const char *error; /* why BACKEND cannot be used, or NULL */
    int32_t scheme;
    char *authority; /* host[:port] */
    char *prefix;    /* the base URL's path without its last '/', maybe "" */
    uint64_t ttl_ns; /* 0: entries never expire */
} cfg;

static char *dup_n(const char *s, size_t n)
{
    char *p = cabi_realloc(NULL, 0, 1, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* BACKEND = http[s]://AUTHORITY[/PREFIX] */
static const char *parse_backend(const char *v, size_t len)
{
    const char *end = v + len;
    if (len >= 7 && memcmp(v, "http://", 7) == 0) {
        cfg.scheme = SCHEME_HTTP;
        v += 7;
    } else if (len >= 8 && memcmp(v, "https://", 8) == 0) {
        cfg.scheme = SCHEME_HTTPS;
        v += 8;
    } else {
        return "BACKEND must start with http:// or https://";
    }
    const char *slash = memchr(v, '/', (size_t)(end - v));
    const char *auth_end = slash ? slash : end;
    if (auth_end == v)
        return "BACKEND has no host";
    for (const char *c = v; c < auth_end; c++)
        if (*c == '?' || *c == '#' || *c == '@' || *c <= ' ')
            return "BACKEND must be http[s]://HOST[:PORT][/PREFIX], without query or user";
    cfg.authority = dup_n(v, (size_t)(auth_end - v));
    size_t plen = slash ? (size_t)(end - slash) : 0;
    while (plen > 0 && slash[plen - 1] == '/')
        plen--;
    cfg.prefix = dup_n(slash ? slash : "", plen);
    return NULL;
}

static uint64_t parse_seconds(const char *v, size_t len, uint64_t dflt)
{
    if (len == 0 || len > 9)
        return dflt;
    uint64_t s = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return dflt;
        s = s * 10 + (uint64_t)(v[i] - '0');
    }
    return s;
}

/* Reads BACKEND and CACHE_TTL once per instance; cfg.error says what is
 * wrong, and stays for the instance's life. */
static void load_config(void)
{
    if (cfg.loaded)
        return;
    cfg.loaded = true;
    cfg.ttl_ns = 60ull * 1000000000ull;
    cfg.error = "BACKEND is not set (serve with --env BACKEND=http://HOST:PORT)";
    get_environment(ret);
    uint32_t list = ret_u32(0), n = ret_u32(4);
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t *e = (const uint32_t *)(uintptr_t)(list + 16 * i);
        const char *key = (const char *)(uintptr_t)e[0];
        const char *val = (const char *)(uintptr_t)e[2];
        if (e[1] == 7 && memcmp(key, "BACKEND", 7) == 0)
            cfg.error = parse_backend(val, e[3]);
        else if (e[1] == 9 && memcmp(key, "CACHE_TTL", 9) == 0)
            cfg.ttl_ns = parse_seconds(val, e[3], 60) * 1000000000ull;
        free_list(e[0], e[1]);
        free_list(e[2], e[3]);
    }
    free_list(list, n);
}

/* ---- the cache ----
 * A fixed table of entries, each in two lists: its hash bucket's chain and
 * the recency list (most recent first). Links are slot numbers plus one,
 * 0 for none, so that the zeroed static state is an empty cache. */

#define CACHE_ENTRIES  256
#define CACHE_BYTES    (8u << 20)
#define ENTRY_MAX_BODY (1u << 20)
#define CACHE_BUCKETS  512 /* a power of two */

typedef struct {
    bool used;
    uint32_t hash;
    char *key;
    size_t key_len;
    int32_t status;
    /* the headers to answer with: repeated {u32 name_len, u32 value_len,
     * name, value} */
    uint8_t *head;
    size_t head_len;
    uint8_t *body;
    size_t body_len;
    uint64_t stored_at; /* monotonic ns */
    uint16_t chain;     /* next in the bucket */
    uint16_t newer, older;
} entry_t;

static entry_t entries[CACHE_ENTRIES];
static uint16_t buckets[CACHE_BUCKETS];
static uint16_t newest, oldest;
static size_t cache_count, cache_bytes;

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static size_t entry_cost(const entry_t *e)
{
    return sizeof *e + e->key_len + e->head_len + e->body_len;
}

static void lru_unlink(uint16_t id)
{
    entry_t *e = &entries[id - 1];
    if (e->newer)
        entries[e->newer - 1].older = e->older;
    else
        newest = e->older;
    if (e->older)
        entries[e->older - 1].newer = e->newer;
    else
        oldest = e->newer;
    e->newer = e->older = 0;
}

static void lru_push_newest(uint16_t id)
{
    entry_t *e = &entries[id - 1];
    e->older = newest;
    e->newer = 0;
    if (newest)
        entries[newest - 1].newer = id;
    newest = id;
    if (!oldest)
        oldest = id;
}

static void cache_remove(uint16_t id)
{
    entry_t *e = &entries[id - 1];
    uint16_t *link = &buckets[e->hash & (CACHE_BUCKETS - 1)];
    while (*link != id)
        link = &entries[*link - 1].chain;
    *link = e->chain;
    lru_unlink(id);
    cache_count--;
    cache_bytes -= entry_cost(e);
    free(e->key);
    free(e->head);
    free(e->body);
    memset(e, 0, sizeof *e);
}

static uint16_t cache_find(const char *key, size_t key_len, uint32_t hash)
{
    for (uint16_t id = buckets[hash & (CACHE_BUCKETS - 1)]; id; id = entries[id - 1].chain) {
        const entry_t *e = &entries[id - 1];
        if (e->hash == hash && e->key_len == key_len && memcmp(e->key, key, key_len) == 0)
            return id;
    }
    return 0;
}

/* A fresh entry for key, moved to the front; 0 when there is none (or it
 * was too old, and is gone now). */
static uint16_t cache_lookup(const char *key, size_t key_len, uint64_t now)
{
    uint16_t id = cache_find(key, key_len, fnv1a(key, key_len));
    if (!id)
        return 0;
    if (cfg.ttl_ns && now - entries[id - 1].stored_at >= cfg.ttl_ns) {
        cache_remove(id);
        return 0;
    }
    lru_unlink(id);
    lru_push_newest(id);
    return id;
}

/* Takes head and body (malloc'd, or NULL when empty). */
static void cache_insert(const char *key, size_t key_len, int32_t status, uint8_t *head,
                         size_t head_len, uint8_t *body, size_t body_len, uint64_t now)
{
    uint32_t hash = fnv1a(key, key_len);
    uint16_t old = cache_find(key, key_len, hash);
    if (old)
        cache_remove(old);
    size_t cost = sizeof(entry_t) + key_len + head_len + body_len;
    while (oldest && (cache_count >= CACHE_ENTRIES || cache_bytes + cost > CACHE_BYTES))
        cache_remove(oldest);
    uint16_t id = 0;
    for (uint16_t i = 0; i < CACHE_ENTRIES; i++)
        if (!entries[i].used) {
            id = (uint16_t)(i + 1);
            break;
        }
    entry_t *e = &entries[id - 1];
    *e = (entry_t){.used = true,
                   .hash = hash,
                   .key = dup_n(key, key_len),
                   .key_len = key_len,
                   .status = status,
                   .head = head,
                   .head_len = head_len,
                   .body = body,
                   .body_len = body_len,
                   .stored_at = now};
    uint16_t *bucket = &buckets[hash & (CACHE_BUCKETS - 1)];
    e->chain = *bucket;
    *bucket = id;
    lru_push_newest(id);
    cache_count++;
    cache_bytes += cost;
}

/* ---- responding ---- */

static void append_header(handle fields, const char *name, size_t name_len, const void *value,
                          size_t value_len)
{
    /* a header the host refuses (forbidden, invalid) is left out */
    fields_append(fields, name, name_len, value, value_len, ret);
}

static void append_str(handle fields, const char *name, const char *value)
{
    append_header(fields, name, strlen(name), value, strlen(value));
}

/* Sets the response on the outparam; returns its body and output stream. */
static void start_response(handle response_out, handle headers, int32_t status, handle *out_body,
                           handle *out_stream)
{
    handle resp = outgoing_response_new(headers);
    outgoing_response_set_status_code(resp, status);
    outgoing_response_body(resp, ret);
    if (ret_u8(0))
        __builtin_trap(); /* body() fails only on a bad Content-Length */
    *out_body = (handle)ret_u32(4);
    response_outparam_set(response_out, 0, resp, 0, 0, 0, 0, 0, 0);
    outgoing_body_write(*out_body, ret);
    if (ret_u8(0))
        __builtin_trap(); /* write() fails only when called twice */
    *out_stream = (handle)ret_u32(4);
}

/* Writes all of p, as much at a time as check-write allows, waiting when
 * it allows nothing. false once the client is gone. */
static bool write_all(handle stream, const uint8_t *p, size_t len)
{
    while (len > 0) {
        output_stream_check_write(stream, ret);
        if (ret_u8(0)) {
            if (ret_u8(8) == 0)
                io_error_drop((handle)ret_u32(12));
            return false;
        }
        uint64_t room = ret_u64(8);
        if (room == 0) {
            handle p_ready = output_stream_subscribe(stream);
            pollable_block(p_ready);
            pollable_drop(p_ready);
            continue;
        }
        size_t n = len < room ? len : (size_t)room;
        output_stream_write(stream, p, n, ret);
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

/* Finishes a body whose writes all went out; otherwise drops it, which
 * tells the host it is incomplete. The stream goes first. */
static void end_body(handle body, handle stream, bool complete)
{
    output_stream_drop(stream);
    if (complete)
        outgoing_body_finish(body, 0, 0, ret);
    else
        outgoing_body_drop(body);
}

static void respond_text(handle response_out, int32_t status, const char *x_cache, const char *text,
                         size_t len)
{
    handle headers = fields_new();
    append_str(headers, "content-type", "text/plain");
    if (x_cache)
        append_str(headers, "x-cache", x_cache);
    handle body, stream;
    start_response(response_out, headers, status, &body, &stream);
    end_body(body, stream, write_all(stream, (const uint8_t *)text, len));
}

static void respond_hit(handle response_out, const entry_t *e, uint64_t now)
{
    handle headers = fields_new();
    for (size_t off = 0; off < e->head_len;) {
        uint32_t nl, vl;
        memcpy(&nl, e->head + off, 4);
        memcpy(&vl, e->head + off + 4, 4);
        const char *name = (const char *)e->head + off + 8;
        append_header(headers, name, nl, name + nl, vl);
        off += 8 + nl + vl;
    }
    append_str(headers, "x-cache", "hit");
    text_t age = {0};
    text_u64(&age, (now - e->stored_at) / 1000000000ull);
    append_header(headers, "age", 3, age.p, age.len);
    free(age.p);
    handle body, stream;
    start_response(response_out, headers, e->status, &body, &stream);
    end_body(body, stream, write_all(stream, e->body, e->body_len));
}

/* error-code's cases, in the WIT's order */
/* clang-format off */
static const char *const error_codes[] = {
    "DNS-timeout", "DNS-error", "destination-not-found", "destination-unavailable",
    "destination-IP-prohibited", "destination-IP-unroutable", "connection-refused",
    "connection-terminated", "connection-timeout", "connection-read-timeout",
    "connection-write-timeout", "connection-limit-reached", "TLS-protocol-error",
    "TLS-certificate-error", "TLS-alert-received", "HTTP-request-denied",
    "HTTP-request-length-required", "HTTP-request-body-size", "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid", "HTTP-request-URI-too-long", "HTTP-request-header-section-size",
    "HTTP-request-header-size", "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size", "HTTP-response-incomplete", "HTTP-response-header-section-size",
    "HTTP-response-header-size", "HTTP-response-body-size", "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size", "HTTP-response-transfer-coding",
    "HTTP-response-content-coding", "HTTP-response-timeout", "HTTP-upgrade-failed",
    "HTTP-protocol-error", "loop-detected", "configuration-error", "internal-error"};
/* clang-format on */

/* The error-code at ret + off, as a 502 (504 for the timeouts) whose body
 * names it. Only internal-error's message is shown of the payloads. */
static void respond_backend_error(handle response_out, const char *x_cache, size_t off)
{
    uint8_t code = ret_u8(off);
    const char *name = code < sizeof error_codes / sizeof *error_codes ? error_codes[code] : "?";
    text_t t = {0};
    text_str(&t, "back end: ");
    text_str(&t, name);
    if (code == 38 && ret_u8(off + 8)) { /* internal-error(some(message)) */
        uint32_t p = ret_u32(off + 12), n = ret_u32(off + 16);
        text_str(&t, ": ");
        text_add(&t, (const void *)(uintptr_t)p, n);
        free_list(p, n);
    }
    text_str(&t, "\n");
    bool timeout = code == 0 || code == 8 || code == 9 || code == 10 || code == 33;
    respond_text(response_out, timeout ? 504 : 502, x_cache, t.p, t.len);
    free(t.p);
}

/* What the host refuses on a response, and Trailer/TE, which belong to the
 * back end's connection too. */
static bool hop_by_hop(const char *name, size_t len)
{
    /* clang-format off */
    static const char *const names[] = {
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate",
        "proxy-authorization", "transfer-encoding", "upgrade", "host",
        "http2-settings", "te", "trailer"};
    /* clang-format on */
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (name_is(name, len, names[i]))
            return true;
    return false;
}

/* ---- forwarding ---- */

/* Sends GET prefix+target to the back end and answers with what comes
 * back, streaming the body; when key is not NULL, a cacheable answer is
 * stored under it. */
static void forward(handle response_out, const char *target, const char *key, size_t key_len,
                    const char *x_cache)
{
    text_t path = {0};
    text_str(&path, cfg.prefix);
    text_str(&path, target);

    handle req = outgoing_request_new(fields_new());
    /* GET is the default method; scheme and authority are set even so */
    if (outgoing_request_set_method(req, 0, NULL, 0) != 0 ||
        outgoing_request_set_scheme(req, 1, cfg.scheme, NULL, 0) != 0 ||
        outgoing_request_set_authority(req, 1, cfg.authority, strlen(cfg.authority)) != 0 ||
        outgoing_request_set_path_with_query(req, 1, path.p, path.len) != 0) {
        outgoing_request_drop(req);
        free(path.p);
        static const char msg[] = "the back end's URL or this path was refused\n";
        respond_text(response_out, 502, x_cache, msg, sizeof msg - 1);
        return;
    }
    free(path.p);

    /* No body() is taken: a GET without a body. */
    outgoing_handle(req, 0, 0, ret);
    if (ret_u8(0)) {
        respond_backend_error(response_out, x_cache, 8);
        return;
    }
    handle future = (handle)ret_u32(8);
    handle ready = future_response_subscribe(future);
    for (;;) {
        future_response_get(future, ret);
        if (ret_u8(0))
            break;
        pollable_block(ready);
    }
    pollable_drop(ready);
    if (ret_u8(8))
        __builtin_trap(); /* err(): the response was taken before, never here */
    if (ret_u8(16)) {
        respond_backend_error(response_out, x_cache, 24);
        future_response_drop(future);
        return;
    }
    handle resp = (handle)ret_u32(24);
    future_response_drop(future);
    int32_t status = incoming_response_status(resp);

    /* The answer's headers, copied to ours and, for the cache, to head. */
    bool cacheable = key != NULL && status == 200;
    text_t head = {0};
    handle theirs = incoming_response_headers(resp);
    handle ours = fields_new();
    fields_entries(theirs, ret);
    uint32_t list = ret_u32(0), n = ret_u32(4);
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t *e = (const uint32_t *)(uintptr_t)(list + 16 * i);
        const char *name = (const char *)(uintptr_t)e[0];
        const uint8_t *value = (const uint8_t *)(uintptr_t)e[2];
        if (!hop_by_hop(name, e[1])) {
            append_header(ours, name, e[1], value, e[3]);
            if (name_is(name, e[1], "cache-control") &&
                (contains_word(value, e[3], "no-store") || contains_word(value, e[3], "private")))
                cacheable = false;
            if (cacheable) {
                uint32_t lens[2] = {e[1], e[3]};
                text_add(&head, lens, sizeof lens);
                text_add(&head, name, e[1]);
                text_add(&head, value, e[3]);
            }
        }
        free_list(e[0], e[1]);
        free_list(e[2], e[3]);
    }
    free_list(list, n);
    fields_drop(theirs);
    append_str(ours, "x-cache", x_cache);

    incoming_response_consume(resp, ret);
    if (ret_u8(0))
        __builtin_trap(); /* consume() fails only when called twice */
    handle in_body = (handle)ret_u32(4);
    incoming_body_stream(in_body, ret);
    if (ret_u8(0))
        __builtin_trap();
    handle in = (handle)ret_u32(4);

    handle out_body, out;
    start_response(response_out, ours, status, &out_body, &out);

    /* The body as it comes; kept for the cache while it fits. */
    text_t body = {0};
    bool ok = true;
    for (;;) {
        input_stream_blocking_read(in, 65536, ret);
        if (ret_u8(0)) {
            /* closed is the end; last-operation-failed a broken body */
            if (ret_u8(4) == 0) {
                io_error_drop((handle)ret_u32(8));
                ok = false;
            }
            break;
        }
        uint8_t *chunk = (uint8_t *)(uintptr_t)ret_u32(4);
        size_t len = ret_u32(8);
        if (cacheable) {
            if (body.len + len <= ENTRY_MAX_BODY) {
                text_add(&body, chunk, len);
            } else {
                cacheable = false;
                free(body.p);
                body = (text_t){0};
            }
        }
        ok = write_all(out, chunk, len);
        if (len > 0)
            free(chunk);
        if (!ok)
            break;
    }
    input_stream_drop(in);
    incoming_body_drop(in_body);
    incoming_response_drop(resp);
    end_body(out_body, out, ok);

    if (ok && cacheable)
        cache_insert(key, key_len, status, (uint8_t *)head.p, head.len, (uint8_t *)body.p, body.len,
                     (uint64_t)monotonic_now());
    else {
        free(head.p);
        free(body.p);
    }
}

EXPORT("wasi:http/incoming-handler@0.2.0#handle")
void handle_request(handle request, handle response_out)
{
    load_config();

    incoming_request_method(request, ret);
    uint8_t method = ret_u8(0);
    if (method == 9) /* other(string) */
        free_list(ret_u32(4), ret_u32(8));

    incoming_request_path_with_query(request, ret);
    char *target = NULL;
    if (ret_u8(0) && ret_u32(8) > 0) {
        size_t len = ret_u32(8);
        target = cabi_realloc((void *)(uintptr_t)ret_u32(4), len, 1, len + 1);
        target[len] = '\0';
    }
    incoming_request_drop(request);
    const char *path = target ? target : "/";

    if (cfg.error) {
        text_t t = {0};
        text_str(&t, cfg.error);
        text_str(&t, "\n");
        respond_text(response_out, 500, NULL, t.p, t.len);
        free(t.p);
    } else if (method != 0) {
        static const char msg[] = "only GET is forwarded\n";
        respond_text(response_out, 405, NULL, msg, sizeof msg - 1);
    } else if (strncmp(path, "/nocache/", 9) == 0) {
        forward(response_out, path + 8, NULL, 0, "bypass");
    } else {
        size_t len = strlen(path);
        uint64_t now = (uint64_t)monotonic_now();
        uint16_t id = cache_lookup(path, len, now);
        if (id)
            respond_hit(response_out, &entries[id - 1], now);
        else
            forward(response_out, path, path, len, "miss");
    }
    free(target);
}

#if STATEFUL
/* wasmhttpd:http/lifecycle@0.1.0#init: () -> result<_, string>, returned
 * as a pointer to {u8 is_err; string ptr @4, len @8}. The message is a
 * constant, so there is nothing for a post-return function to free. */
EXPORT("wasmhttpd:http/lifecycle@0.1.0#init")
void *lifecycle_init(void)
{
    load_config();
    memset(ret, 0, 12);
    if (cfg.error) {
        uint32_t p = (uint32_t)(uintptr_t)cfg.error, n = (uint32_t)strlen(cfg.error);
        ret[0] = 1;
        memcpy(ret + 4, &p, 4);
        memcpy(ret + 8, &n, 4);
    }
    return ret;
}
#endif
