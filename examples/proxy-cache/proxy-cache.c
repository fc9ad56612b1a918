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
 *   INIT_CHECK  a path (/health): the stateful build's init GETs
 *               BACKEND/PATH and fails unless the answer is 200, so that an
 *               instance whose back end is down does not join the pool
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
 * The canonical ABI glue is shared with the other C guests
 * (examples/glue/). No stdio, so no wasi_snapshot_preview1 imports and no
 * adapter.
 */
#define WASI_GLUE_VERSION "0.2.0"

#include "lifecycle.h"
#include "text.h"
#include "wasi_cli.h"
#include "wasi_clocks.h"
#include "wasi_http.h"

/* ---- small text helpers ---- */

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
    char *authority;  /* host[:port] */
    char *prefix;     /* the base URL's path without its last '/', maybe "" */
    uint64_t ttl_ns;  /* 0: entries never expire */
    char *init_check; /* INIT_CHECK, or NULL */
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
    size_t n;
    env_var_t *env = environment(&n);
    for (size_t i = 0; i < n; i++) {
        str_t val = env[i].value;
        if (str_eq(env[i].key, "BACKEND"))
            cfg.error = parse_backend(val.ptr, val.len);
        else if (str_eq(env[i].key, "CACHE_TTL"))
            cfg.ttl_ns = parse_seconds(val.ptr, val.len, 60) * 1000000000ull;
        else if (str_eq(env[i].key, "INIT_CHECK") && val.len)
            cfg.init_check = dup_n(val.ptr, val.len);
    }
    cabi_free_pairs(env, n);
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

/* Answers text/plain, with x-cache when it is not NULL. */
static void respond_text(handle response_out, int32_t status, const char *x_cache, const char *text,
                         size_t len)
{
    handle headers = fields_new();
    append_field(headers, "content-type", "text/plain");
    if (x_cache)
        append_field(headers, "x-cache", x_cache);
    respond(response_out, headers, status, text, len);
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
    append_field(headers, "x-cache", "hit");
    text_t age = {0};
    text_u64(&age, (now - e->stored_at) / 1000000000ull);
    append_header(headers, "age", 3, age.p, age.len);
    free(age.p);
    respond(response_out, headers, e->status, e->body, e->body_len);
}

/* The error-code at ret + off (wasi_http.h), as a 502 (504 for the
 * timeouts) whose body names it. Only internal-error's message is shown of
 * the payloads. */
static void respond_backend_error(handle response_out, const char *x_cache, size_t off)
{
    uint8_t code = ret_u8(off);
    text_t t = {0};
    text_str(&t, "back end: ");
    text_str(&t, error_code_name(code));
    if (code == 38 && ret_u8(off + 8)) { /* internal-error(some(message)) */
        const char *p = ret_ptr(off + 12);
        size_t n = ret_u32(off + 16);
        text_str(&t, ": ");
        text_add(&t, p, n);
        cabi_free(p, n);
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
    handle future;
    if (send_request(req, 0, &future) >= 0) {
        respond_backend_error(response_out, x_cache, 8);
        return;
    }
    handle resp;
    int code;
    future_response_wait(future, &resp, &code);
    if (code >= 0) {
        respond_backend_error(response_out, x_cache, 24);
        future_incoming_response_drop(future);
        return;
    }
    future_incoming_response_drop(future);
    int32_t status = incoming_response_status(resp);

    /* The answer's headers, copied to ours and, for the cache, to head. */
    bool cacheable = key != NULL && status == 200;
    text_t head = {0};
    handle theirs = incoming_response_headers(resp);
    handle ours = fields_new();
    size_t n;
    field_entry_t *fields = field_entries(theirs, &n);
    for (size_t i = 0; i < n; i++) {
        str_t name = fields[i].name;
        bytes_t value = fields[i].value;
        if (!hop_by_hop(name.ptr, name.len)) {
            append_header(ours, name.ptr, name.len, value.ptr, value.len);
            if (name_is(name.ptr, name.len, "cache-control") &&
                (contains_word(value.ptr, value.len, "no-store") ||
                 contains_word(value.ptr, value.len, "private")))
                cacheable = false;
            if (cacheable) {
                uint32_t lens[2] = {(uint32_t)name.len, (uint32_t)value.len};
                text_add(&head, lens, sizeof lens);
                text_add(&head, name.ptr, name.len);
                text_add(&head, value.ptr, value.len);
            }
        }
    }
    cabi_free_pairs(fields, n);
    fields_drop(theirs);
    append_field(ours, "x-cache", x_cache);

    handle in_body = consume_response_body(resp);
    handle in = body_input_stream(in_body);

    handle out_body, out;
    start_response(response_out, ours, status, &out_body, &out);

    /* The body as it comes; kept for the cache while it fits. */
    text_t body = {0};
    bool ok = true;
    for (;;) {
        bytes_t chunk;
        stream_status_t st = blocking_read_chunk(in, 65536, &chunk, NULL);
        if (st != STREAM_OK) {
            /* closed is the end; last-operation-failed a broken body */
            ok = st == STREAM_CLOSED;
            break;
        }
        if (cacheable) {
            if (body.len + chunk.len <= ENTRY_MAX_BODY) {
                text_add(&body, chunk.ptr, chunk.len);
            } else {
                cacheable = false;
                free(body.p);
                body = (text_t){0};
            }
        }
        ok = write_all(out, chunk.ptr, chunk.len, NULL) == STREAM_OK;
        cabi_free(chunk.ptr, chunk.len);
        if (!ok)
            break;
    }
    input_stream_drop(in);
    incoming_body_drop(in_body);
    incoming_response_drop(resp);
    end_body(out_body, out, ok);

    if (ok && cacheable)
        cache_insert(key, key_len, status, (uint8_t *)head.p, head.len, (uint8_t *)body.p, body.len,
                     (uint64_t)monotonic_clock_now());
    else {
        free(head.p);
        free(body.p);
    }
}

EXPORT(WASI("http/incoming-handler") "#handle")
void handle_request(handle request, handle response_out)
{
    load_config();

    incoming_request_method(request, ret);
    uint8_t method = ret_u8(0);
    if (method == 9) /* other(string) */
        cabi_free(ret_ptr(4), ret_u32(8));

    char *target = request_target(request);
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
        uint64_t now = (uint64_t)monotonic_clock_now();
        uint16_t id = cache_lookup(path, len, now);
        if (id)
            respond_hit(response_out, &entries[id - 1], now);
        else
            forward(response_out, path, path, len, "miss");
    }
    free(target);
}

#if STATEFUL
/* INIT_CHECK: GET BACKEND/PATH; NULL when it answered 200, else why not,
 * in a static buffer (an init error must outlive the call). */
static const char *init_check(void)
{
    static char why[160];
    text_t path = {0};
    text_str(&path, cfg.prefix);
    text_str(&path, cfg.init_check);
    handle req = outgoing_request_new(fields_new());
    bool refused =
        outgoing_request_set_method(req, 0, NULL, 0) != 0 ||
        outgoing_request_set_scheme(req, 1, cfg.scheme, NULL, 0) != 0 ||
        outgoing_request_set_authority(req, 1, cfg.authority, strlen(cfg.authority)) != 0 ||
        outgoing_request_set_path_with_query(req, 1, path.p, path.len) != 0;
    free(path.p);
    if (refused) {
        outgoing_request_drop(req);
        return "INIT_CHECK: the path was refused as a request target";
    }
    handle future, resp;
    int code = send_request(req, 0, &future);
    if (code < 0) {
        future_response_wait(future, &resp, &code);
        future_incoming_response_drop(future);
    }
    if (code >= 0) {
        size_t n = put_str(why, "INIT_CHECK: the back end could not be asked: ");
        why[n + put_str(why + n, error_code_name(code))] = '\0';
        return why;
    }
    int32_t status = incoming_response_status(resp);
    incoming_response_drop(resp);
    if (status == 200)
        return NULL;
    size_t n = put_str(why, "INIT_CHECK: the back end answered ");
    n += put_u64(why + n, (uint64_t)status);
    why[n] = '\0';
    return why;
}

/* init (lifecycle.h): reads the environment, and asks the back end when
 * INIT_CHECK says so; an err names what is wrong (a constant or a static
 * buffer, so it outlives the call). */
EXPORT("wasmhttpd:http/lifecycle@0.1.0#init")
void *lifecycle_init(void)
{
    load_config();
    if (cfg.error)
        return ret_result_string(cfg.error);
    return ret_result_string(cfg.init_check ? init_check() : NULL);
}
#endif
