/*
 * internal.h — what the files of src/http/ share: the server and
 * connection structures and the entry points between the socket glue
 * (hx_server.c) and the per-connection protocol (hx_conn.c).
 *
 * A connection can run without a socket ("detached"): its input is fed from
 * a buffer and its output goes to a sink function. The fuzz target and the
 * unit tests drive the protocol that way; nothing else differs.
 */
#ifndef HX_INTERNAL_H
#define HX_INTERNAL_H

#include "http/hx.h"

#include <llhttp.h>
#include <string.h>
#include <strings.h>

typedef struct hx_conn hx_conn_t;
typedef struct hx_h2 hx_h2_t;             /* a connection's HTTP/2 session (hx_h2.c) */
typedef struct hx_h2stream hx_h2stream_t; /* one HTTP/2 stream: a request (hx_h2.c) */
struct ssl_st;                            /* OpenSSL's SSL */
typedef void (*hx__sink_fn)(void *sink_ud, const char *data, size_t len);

/* What the connection's single timer is waiting for. */
typedef enum {
    HX_T_NONE,
    HX_T_HEADER, /* headers of a request must complete */
    HX_T_IDLE,   /* keep-alive wait for the next request */
    HX_T_BODY,   /* the next body bytes must come */
    HX_T_WRITE,  /* queued output must make progress */
    HX_T_LINGER, /* after our shutdown(WR), read and drop until EOF */
} hx__timer_kind;

/* Where the response of the current request is. */
typedef enum {
    HX_R_NONE, /* not started */
    HX_R_HEAD, /* head written, body going out */
    HX_R_DONE, /* ended (or server answered itself) */
} hx__resp_state;

typedef enum {
    HX_FRAME_LENGTH,  /* Content-Length */
    HX_FRAME_CHUNKED, /* Transfer-Encoding: chunked */
    HX_FRAME_CLOSE,   /* body ends with the connection (HTTP/1.0) */
    HX_FRAME_NONE,    /* no body: HEAD, 204, 304 */
} hx__framing;

/* Where the line scanner of hx_parse.c is: it runs ahead of llhttp over a
 * request head or a trailer section, and is off for bodies. */
typedef enum {
    HX_SCAN_OFF,
    HX_SCAN_REQ_START,    /* before the request line (empty lines allowed) */
    HX_SCAN_REQ_START_CR, /* an empty line's CR there */
    HX_SCAN_REQ_LINE,     /* in the request line */
    HX_SCAN_LINE_CR,      /* the CR ending the request line or a field line */
    HX_SCAN_FIELD_START,  /* at the start of a field line or of the empty line */
    HX_SCAN_FIELD,        /* in a field line */
    HX_SCAN_END_CR,       /* the empty line's CR: the section ends at its LF */
} hx__scan_state;

enum { HX_NO_PLAIN = UINT32_MAX };

/* An output buffer; two per connection: one handed to uv_write, one
 * collecting what comes meanwhile. Reused across requests. */
typedef WH_VEC(char) hx__buf;

/* A header being collected: offsets into hbuf, fixed up into hx_header_t
 * once the block is complete (hbuf may move while it grows). */
typedef struct {
    uint32_t name_off, name_len, value_off, value_len;
} hx__href;

struct hx_req {
    hx_conn_t *conn;
    hx_h2stream_t *h2s; /* the HTTP/2 stream it is, or NULL: HTTP/1.x */
    const char *method; /* HTTP/2 only (HTTP/1.x asks llhttp) */
    void *data;
    const hx_req_events_t *ev; /* the subscriber's, or NULL: the handler's */
    void *ev_ud;
    const hx_header_t *headers;
    size_t nheaders;
    const char *target;
    size_t target_len;
    int64_t content_length;
};

struct hx_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    hx_server_t *srv;
    hx_conn_t *prev, *next;   /* the server's list of live connections */
    hx_conn_t *rprev, *rnext; /* the server's list of connections to process */
    hx_conn_t *fprev, *fnext; /* the server's list of connections to flush */
    int open_handles;         /* closed handles still to report back */
    struct sockaddr_storage peer;

    llhttp_t parser;
    hx_req_t req;
    wh_arena_t arena; /* the current request's; reset between requests */

    /* Input: bytes read and not yet parsed are in[in_off, in_len). `in` is
     * NULL while the connection waits, idle, with nothing buffered (it is
     * taken when bytes come); in_cap is its size all the same. */
    char *in;
    size_t in_off, in_len, in_cap;

    /* Header block under construction (request headers, then trailers). */
    hx__buf hbuf;
    WH_VEC(hx__href) hrefs;
    size_t url_len;

    /* The parser's view of the current message (hx_parse.c). */
    hx__scan_state scan;
    size_t scanned;    /* in[in_off, in_off + scanned) passed the scanner */
    uint32_t scan_raw; /* raw bytes of this head or trailer section so far */
    uint8_t scan_sp;   /* spaces in the request line so far */
    uint8_t ver_len;   /* the version's text ("1.1"), up to 4 bytes */
    char ver[4];
    uint8_t nhost, nte; /* Host and Transfer-Encoding fields so far */
    size_t ext_len;     /* bytes of the chunk extension name or value so far */

    /* Output: out[cur] collects, out[cur ^ 1] is in flight when writing. */
    hx__buf out[2];
    int cur;
    size_t wlen; /* bytes in flight */

    /* The current request. */
    uint64_t body_seen; /* request body bytes parsed so far */
    uint64_t resp_left; /* Content-Length bytes still owed */
    hx__resp_state resp;
    hx__framing framing;
    hx__timer_kind tkind;
    uint64_t deadline;
    int err_status;            /* the answer a parser callback chose when it stopped */
    hx_abort_reason err_why;   /* and the reason for the embedder */
    hx_abort_reason abort_why; /* on_abort reason when the connection is killed */

    unsigned in_request : 1;      /* bytes of a request arrived */
    unsigned owned : 1;           /* the embedder holds req */
    unsigned head_done : 1;       /* headers complete, on_request due or done */
    unsigned dispatched : 1;      /* on_request was called */
    unsigned msg_done : 1;        /* the request (body included) is parsed */
    unsigned body_end_sent : 1;   /* on_body_end was called */
    unsigned body_paused : 1;     /* the embedder paused the body */
    unsigned expect_continue : 1; /* 100 Continue owed when the body is wanted */
    unsigned keep_alive : 1;      /* this connection may serve another request */
    unsigned is_head : 1;
    unsigned in_field : 1;      /* a field name is being collected */
    unsigned scan_prev_sp : 1;  /* the request line's last byte was a space */
    unsigned kick : 1;          /* run the parser once even without input (the
                                 * end of a bodyless message is due) */
    unsigned in_process : 1;    /* inside conn_process */
    unsigned again : 1;         /* conn_process must run once more */
    unsigned scheduled : 1;     /* on the server's ready list */
    unsigned flush_queued : 1;  /* on the server's flush list: out[cur] goes at the
                                 * end of the loop's turn (hx__flush_queue) */
    unsigned writing : 1;       /* a uv_write is in flight */
    unsigned want_writable : 1; /* on_writable is owed when the queue drains */
    unsigned reading : 1;       /* uv_read_start is active */
    unsigned peer_eof : 1;      /* the client shut down its side */
    unsigned closing : 1;       /* close after the queued output is written */
    unsigned shut : 1;          /* our side is shut down (lingering) */
    unsigned closed : 1;        /* handles are closing; no more I/O */
    unsigned fresh : 1;         /* no request yet on this connection */

    /* TLS (hx_tls.c): the SSL object while the connection speaks TLS. */
    struct ssl_st *ssl;
    uint32_t tls_plain;       /* out[cur] from here on is plaintext written in place
                               * (a head, trailers), encrypted by the hx__out_write
                               * that follows in the same call; HX_NO_PLAIN: none */
    unsigned tls : 1;         /* accepted on a TLS server */
    unsigned tls_started : 1; /* its first bytes came */

    /* HTTP/2 (hx_h2.c): the session once the connection speaks it (the
     * client preface came, or TLS chose h2 by ALPN); the fields above that
     * describe one request are then unused, each stream has its own. */
    hx_h2_t *h2;
    unsigned h2_checked : 1;  /* the first bytes were looked at: HTTP/1.x */
    unsigned h2c_upgrade : 1; /* the request asks for Upgrade: h2c, and may have it */

    /* Detached mode (no socket): output goes here. */
    hx__sink_fn sink;
    void *sink_ud;
};

struct hx_server {
    uv_loop_t *loop;
    uv_poll_t listener;     /* the listening socket: readable when connections wait */
    uv_timer_t accept_wait; /* accepting paused, out of descriptors */
    uv_timer_t fd_report;   /* no report of refusals before it fires */
    uv_idle_t idle;
    uv_check_t flusher; /* writes the output of a loop turn at its end */
    uv_timer_t grace;
    hx_config_t cfg;
    const hx_handler_t *h;
    void *ud;
    int port;
    hx_conn_t *conns;              /* live connections */
    hx_conn_t *ready, *ready_tail; /* connections to process from the idle callback */
    hx_conn_t *flush, *flush_tail; /* connections whose output goes at the end of the turn */
    hx_conn_t *spare;              /* closed connections kept for reuse (via next) */
    char *spare_in;                /* read buffers kept for reuse (hx__inbuf_get) */
    uint32_t nconns, nspare, nready, nspare_in;
    int open_handles; /* listener, accept_wait, fd_report, idle, flusher, grace */
    bool listening, stopping, detached, closing_handles;
    int listen_fd;
    int reserve_fd;      /* /dev/null, given up to refuse a connection when out of descriptors */
    int fd_err;          /* UV_EMFILE or UV_ENFILE, the last shortage */
    uint64_t fd_refused; /* connections refused for want of descriptors, not yet reported */
    uint32_t fd_pauses;  /* pauses of accepting, not yet reported */
    void (*done)(hx_server_t *, void *);
    void *done_ud;
    /* The Date header, rendered once per second. */
    char date[40];
    int64_t date_sec;
    char *tls_scratch; /* ciphertext as read, before it goes into SSL (hx_tls.c) */
};

/* hx_parse.c */
void hx__parse_init(hx_conn_t *c); /* a fresh parser */
void hx__parse_next(hx_conn_t *c); /* the next message starts at in_off */
/* Runs the parser over in[in_off, in_len) and moves in_off past what it
 * consumed. Returns 0 when it stopped for want of input or at a pause,
 * the status to answer when the request is refused (err_why says why, for
 * the embedder), or -1 when the connection closed or began to close
 * meanwhile. */
int hx__parse(hx_conn_t *c);

/* hx_conn.c */
void hx__set_timer(hx_conn_t *c, hx__timer_kind kind);   /* a new purpose, a fresh deadline */
void hx__touch_timer(hx_conn_t *c, hx__timer_kind kind); /* the running purpose, extended */
void hx__conn_init(hx_conn_t *c, hx_server_t *srv);      /* fresh state, buffers kept */
void hx__conn_release(hx_conn_t *c);                     /* frees the buffers */
void hx__conn_trim(hx_conn_t *c);  /* idle: gives up what only a request needs */
void hx__conn_start(hx_conn_t *c); /* after accept: read, timer */
void hx__conn_process(hx_conn_t *c);
void hx__conn_shutdown(hx_conn_t *c, bool hard); /* server shutdown */
void hx__conn_finish(hx_conn_t *c);              /* handles closed: last on_abort */

/* Output, in order. Small output waits for the end of the loop's turn (the
 * server's flush list), so that the responses a turn makes leave together;
 * output that is big, or comes while a write is in flight, goes at once. */
void hx__out_write(hx_conn_t *c, const uv_buf_t *bufs, unsigned n);
void hx__out_flush(hx_conn_t *c);
void hx__conn_flush(hx_conn_t *c);                     /* the end of the turn: writes what waits */
void hx__conn_kill(hx_conn_t *c, hx_abort_reason why); /* close now */
void hx__begin_close(hx_conn_t *c);                    /* flush, FIN, linger, close */
void hx__send_error(hx_conn_t *c, int status);         /* answer and close */
void hx__send_continue(hx_conn_t *c);                  /* 100 Continue */

extern char hx__crlf[3];

/* The request's events, to its subscriber or else to the handler. */
void hx__emit_body(hx_conn_t *c, const uint8_t *data, size_t len);
void hx__emit_body_end(hx_conn_t *c, const hx_header_t *trailers, size_t n);
void hx__emit_writable(hx_conn_t *c);
void hx__emit_abort(hx_conn_t *c, hx_abort_reason why);

/* hx_tls.c: the connection's side of TLS (see there) */
void hx__tls_end(hx_conn_t *c);                       /* frees the connection's SSL object */
char *hx__tls_scratch(hx_server_t *srv, size_t *len); /* where the socket's bytes are read */
/* Ciphertext from the socket: into SSL (made with the first bytes), the
 * handshake driven (its output queued); a plain HTTP request is answered
 * 400 and the connection closes. */
void hx__tls_input(hx_conn_t *c, const char *data, size_t n);
/* Plaintext from SSL into c->in, as far as there is room. */
void hx__tls_fill(hx_conn_t *c);
/* Plaintext bufs encrypted onto out[cur]. False when out of memory or SSL
 * fails; before the handshake is done the bytes are dropped. */
bool hx__tls_encrypt(hx_conn_t *c, const uv_buf_t *bufs, unsigned n);
/* Encrypts out[cur] from offset `from` on (plaintext written in place: a
 * head, trailers, small body bytes), which becomes its records. */
bool hx__tls_seal(hx_conn_t *c, uint32_t from);
/* The close_notify alert into buf (cap bytes), as *out; false for none. */
bool hx__tls_close_notify(hx_conn_t *c, uv_buf_t *out, char *buf, size_t cap);
/* The handshake is done and ALPN chose h2. */
bool hx__tls_alpn_h2(hx_conn_t *c);

/* hx_resp.c */
const char *hx__reason(int status);
bool hx__field_ok(const hx_header_t *h);                       /* a field the server may send */
bool hx__parse_length(const char *v, size_t n, uint64_t *out); /* a Content-Length value */
bool hx__hop_by_hop(const hx_header_t *h); /* a field of HTTP/1.1 framing or of the connection */
/* What the fields of a response head say, for both protocols: len, the body
 * length of the one Content-Length (-1: none), or forced_len when that is
 * >= 0 (hx_resp_send's, which replaces it); whether there is a Date, and
 * whether Connection asks to close. WH_ARG for a status outside 200..999, a
 * field the server may not send, or two lengths that differ. */
typedef struct {
    int64_t len;
    bool has_date, close;
} hx__head_fields;
wh_rc hx__head_scan(int status, const hx_header_t *hs, size_t n, int64_t forced_len,
                    hx__head_fields *out);

/* hx_h2.c: HTTP/2 on a connection (see there). */
/* Looks at the first bytes of a connection (and its ALPN): 1 when it now
 * speaks HTTP/2, 0 when it speaks HTTP/1.x, -1 when more bytes must come
 * to tell (they are a prefix of the client preface). */
int hx__h2_sniff(hx_conn_t *c);
void hx__h2_step(hx_conn_t *c); /* input, the streams' events, output */
/* The HTTP/1.1 request whose head is complete asked for Upgrade: h2c: 101,
 * and the request becomes stream 1 of an HTTP/2 session. False (nothing
 * sent) when its HTTP2-Settings field does not decode: it is then served
 * as HTTP/1.1. */
bool hx__h2_upgrade(hx_conn_t *c);
void hx__h2_update_timer(hx_conn_t *c); /* the purpose of the connection's timer */
void hx__h2_timeout(hx_conn_t *c, hx__timer_kind kind);
void hx__h2_drained(hx_conn_t *c);  /* the output queue has room again */
void hx__h2_shutdown(hx_conn_t *c); /* graceful: GOAWAY, the open streams finish */
void hx__h2_finish(hx_conn_t *c);   /* closed: on_abort for held streams, all freed */
/* The embedder's calls on a stream's request (hx_resp.c routes them). */
bool hx__h2_held(const hx_req_t *req);
wh_arena_t *hx__h2_arena(hx_req_t *req);
void hx__h2_pause(hx_req_t *req, bool pause);
wh_rc hx__h2_resp_start(hx_req_t *req, int status, const hx_header_t *hs, size_t n);
size_t hx__h2_resp_writable(hx_req_t *req);
wh_rc hx__h2_resp_write(hx_req_t *req, const void *data, size_t len);
wh_rc hx__h2_resp_end(hx_req_t *req, const hx_header_t *trailers, size_t n);
wh_rc hx__h2_resp_send(hx_req_t *req, int status, const hx_header_t *hs, size_t n, const void *body,
                       size_t len);
void hx__h2_resp_abort(hx_req_t *req);

/* hx_server.c */
char *hx__inbuf_get(hx_server_t *srv); /* a read buffer (cfg.read_buffer bytes), or NULL */
void hx__inbuf_put(hx_server_t *srv, char *buf);
void hx__schedule(hx_conn_t *c);
void hx__flush_queue(hx_conn_t *c); /* writes c's output at the end of this turn */
void hx__conn_close_handles(hx_conn_t *c);
const char *hx__date(hx_server_t *srv);
uint64_t hx__now(hx_server_t *srv);

/* Detached mode, for the fuzz target and unit tests: a server without a
 * loop or listener, and connections fed from buffers. */
hx_server_t *hx__server_new_detached(const hx_config_t *cfg, const hx_handler_t *h, void *ud);
void hx__server_free_detached(hx_server_t *srv);
hx_conn_t *hx__conn_new_detached(hx_server_t *srv, hx__sink_fn sink, void *sink_ud);
/* Feeds bytes (len 0: the client's EOF) and runs the connection until it
 * waits for more input. Returns false once the connection is closed. */
bool hx__conn_feed(hx_conn_t *c, const char *data, size_t len);
/* Runs scheduled work (after the embedder resumed a body or ended a
 * response outside a callback). */
void hx__conn_run(hx_conn_t *c);
/* Ends a detached connection (on_abort if the embedder still holds its
 * request) and frees it. */
void hx__conn_free_detached(hx_conn_t *c);

/* Output queued or in flight: what hx_resp_writable counts. */
static inline size_t pending_out(const hx_conn_t *c)
{
    return (c->writing ? c->wlen : 0) + c->out[c->cur].len;
}

static inline bool buf_add(hx__buf *b, const char *s, size_t n)
{
    if (n > UINT32_MAX - b->len || !wh_vec_reserve(b, (uint32_t)n))
        return false;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += (uint32_t)n;
    return true;
}

static inline bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

#endif
