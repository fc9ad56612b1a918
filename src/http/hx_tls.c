/*
 * hx_tls.c — TLS on the server's connections, with OpenSSL: the context
 * (certificate chain, key, TLS 1.2 and 1.3, ALPN), reloaded whole on
 * demand, and per connection an SSL object over two memory BIOs, so that
 * the socket stays libuv's:
 *
 *   socket --ciphertext--> rbio --SSL_read--> plaintext in c->in (the parser)
 *   hx__out_write plaintext --SSL_write--> wbio --ciphertext--> c->out (the socket)
 *
 * Invariants:
 * - Ciphertext from the socket goes into rbio at once (a read's bytes live
 *   only in the server's scratch buffer); plaintext leaves SSL only as far
 *   as c->in has room, so a paused body stops reading the socket as in
 *   plain HTTP (what rbio holds is one read at most).
 * - Whatever SSL writes (handshake, session tickets, alerts, records) is
 *   moved from wbio to the output queue right after the call that wrote
 *   it, in order with the records of the response.
 * - A connection gets its SSL object with its first bytes, not at accept:
 *   one that sends nothing costs no TLS state.
 * - A context is shared, read-only, by every worker's connections; a
 *   reload makes a new one and swaps the pointer under a mutex. Each SSL
 *   object keeps a reference to the context it was made from, so
 *   connections made before a reload go on with the old certificate.
 */
#include "http/internal.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct hx_tls {
    pthread_mutex_t mu;
    SSL_CTX *ctx; /* the current one, for new connections */
    char *cert_file, *key_file;
};

/* Bytes read from the socket at once, before they go into rbio: a TLS
 * record is at most 16 KiB and its overhead, so four of them. */
enum { SCRATCH = 64 * 1024 };

/* ---- the context ---- */

/* OpenSSL's reason for the last failure, for a message. */
static const char *ossl_reason(char *buf, size_t n)
{
    unsigned long e = ERR_get_error();
    if (!e)
        return "no reason given";
    ERR_error_string_n(e, buf, n);
    ERR_clear_error();
    return buf;
}

/* h2 is preferred to http/1.1 (the server's order decides). A client that
 * offers neither gets no ALPN at all rather than an alert: it may still
 * speak HTTP/1.1. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x02h2\x08http/1.1";
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, ours, sizeof ours - 1, in, inlen) ==
        OPENSSL_NPN_NEGOTIATED) {
        *out = sel;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static wh_rc readable(const char *what, const char *file, wh_err_t *err)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return wh_err(err, WH_IO, -1, "cannot read the TLS %s %s: %s", what, file, strerror(errno));
    fclose(f);
    return WH_OK;
}

static wh_rc make_ctx(const char *cert, const char *key, SSL_CTX **out, wh_err_t *err)
{
    char why[256];
    *out = NULL;
    wh_rc rc = readable("certificate", cert, err);
    if (rc || (rc = readable("key", key, err)))
        return rc;
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return wh_err(err, WH_NOMEM, -1, "cannot make a TLS context: %s",
                      ossl_reason(why, sizeof why));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* An idle connection keeps no record buffers (OpenSSL frees them
     * between records): what idle TLS connections cost stays small. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        rc = wh_err(err, WH_IO, -1, "the TLS certificate %s holds no usable PEM certificate: %s",
                    cert, ossl_reason(why, sizeof why));
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        /* OpenSSL 3 compares the key with the certificate already here */
        unsigned long e = ERR_peek_last_error();
        if (ERR_GET_LIB(e) == ERR_LIB_X509 && (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH ||
                                               ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH)) {
            ERR_clear_error();
            rc = wh_err(err, WH_IO, -1, "the TLS key %s does not match the certificate %s", key,
                        cert);
        } else {
            rc = wh_err(err, WH_IO, -1, "the TLS key %s holds no usable PEM private key: %s", key,
                        ossl_reason(why, sizeof why));
        }
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        rc = wh_err(err, WH_IO, -1, "the TLS key %s does not match the certificate %s", key, cert);
    }
    if (rc) {
        SSL_CTX_free(ctx);
        return rc;
    }
    *out = ctx;
    return WH_OK;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = wh_malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

wh_rc hx_tls_new(const char *cert_file, const char *key_file, hx_tls_t **out, wh_err_t *err)
{
    *out = NULL;
    SSL_CTX *ctx;
    wh_rc rc = make_ctx(cert_file, key_file, &ctx, err);
    if (rc)
        return rc;
    hx_tls_t *t = wh_calloc(1, sizeof *t);
    if (!t || !(t->cert_file = dup_str(cert_file)) || !(t->key_file = dup_str(key_file))) {
        if (t)
            wh_free(t->cert_file);
        wh_free(t);
        SSL_CTX_free(ctx);
        return wh_err(err, WH_NOMEM, -1, "out of memory for TLS");
    }
    pthread_mutex_init(&t->mu, NULL);
    t->ctx = ctx;
    *out = t;
    return WH_OK;
}

wh_rc hx_tls_reload(hx_tls_t *t, wh_err_t *err)
{
    SSL_CTX *ctx;
    wh_rc rc = make_ctx(t->cert_file, t->key_file, &ctx, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&t->mu);
    SSL_CTX *old = t->ctx;
    t->ctx = ctx;
    pthread_mutex_unlock(&t->mu);
    SSL_CTX_free(old); /* connections made from it keep their own reference */
    return WH_OK;
}

void hx_tls_free(hx_tls_t *t)
{
    if (!t)
        return;
    SSL_CTX_free(t->ctx);
    pthread_mutex_destroy(&t->mu);
    wh_free(t->cert_file);
    wh_free(t->key_file);
    wh_free(t);
}

/* ---- a connection ---- */

/* The SSL object of a connection whose first bytes came (not at accept: a
 * connection that sends nothing costs no TLS state). */
static bool tls_begin(hx_conn_t *c)
{
    hx_tls_t *t = c->srv->cfg.tls;
    pthread_mutex_lock(&t->mu);
    SSL *ssl = SSL_new(t->ctx); /* takes its own reference to the context */
    pthread_mutex_unlock(&t->mu);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    if (!ssl || !rb || !wb) {
        SSL_free(ssl);
        BIO_free(rb);
        BIO_free(wb);
        ERR_clear_error();
        return false;
    }
    /* An empty memory BIO says "retry" rather than "end of file". */
    BIO_set_mem_eof_return(rb, -1);
    BIO_set_mem_eof_return(wb, -1);
    SSL_set_bio(ssl, rb, wb); /* the SSL object owns them now */
    SSL_set_accept_state(ssl);
    c->ssl = ssl;
    return true;
}

void hx__tls_end(hx_conn_t *c)
{
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
}

char *hx__tls_scratch(hx_server_t *srv, size_t *len)
{
    if (!srv->tls_scratch)
        srv->tls_scratch = wh_malloc(SCRATCH);
    *len = srv->tls_scratch ? SCRATCH : 0;
    return srv->tls_scratch;
}

/* Moves what SSL wrote to the output queue (not written yet). False when
 * out of memory. */
static bool take_output(hx_conn_t *c)
{
    BIO *wb = SSL_get_wbio(c->ssl);
    size_t n = (size_t)BIO_ctrl_pending(wb);
    if (n == 0)
        return true;
    hx__buf *acc = &c->out[c->cur];
    if (n > UINT32_MAX - acc->len || !wh_vec_reserve(acc, (uint32_t)n))
        return false;
    int r = BIO_read(wb, acc->data + acc->len, (int)n);
    if (r > 0)
        acc->len += (uint32_t)r;
    return true;
}

/* The output SSL made outside of a response (handshake, tickets, alerts)
 * goes with the rest of the turn's. */
static void send_output(hx_conn_t *c)
{
    if (!take_output(c)) {
        hx__conn_kill(c, HX_ABORT_NOMEM);
        return;
    }
    hx__out_flush(c);
}

bool hx__tls_encrypt(hx_conn_t *c, const uv_buf_t *bufs, unsigned n)
{
    if (!c->ssl || !SSL_is_init_finished(c->ssl))
        return true; /* nobody to encrypt for: the output is dropped */
    for (unsigned i = 0; i < n; i++) {
        if (bufs[i].len == 0)
            continue;
        /* A memory BIO takes everything: SSL_write writes it all or fails. */
        if (SSL_write(c->ssl, bufs[i].base, (int)bufs[i].len) <= 0) {
            ERR_clear_error();
            return false;
        }
        if (!take_output(c))
            return false;
    }
    return true;
}

bool hx__tls_seal(hx_conn_t *c, uint32_t from)
{
    hx__buf *acc = &c->out[c->cur];
    uint32_t n = acc->len - from;
    if (n == 0)
        return true;
    if (!SSL_is_init_finished(c->ssl)) {
        acc->len = from; /* nobody to send it to */
        return true;
    }
    /* SSL_write copies the plaintext into its record before it returns,
     * so the bytes may be dropped from the queue before the record takes
     * their place. */
    int r = SSL_write(c->ssl, acc->data + from, (int)n);
    acc->len = from;
    if (r <= 0) {
        ERR_clear_error();
        return false;
    }
    return take_output(c);
}

/* A plain HTTP request on the TLS port: it gets a plain answer saying so
 * (what a browser or curl shows its user), and the connection closes. */
static void refuse_plain(hx_conn_t *c)
{
    static const char body[] = "400 Bad Request: this port speaks HTTPS, and the request was "
                               "plain HTTP\n";
    char head[160];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      sizeof body - 1);
    hx__tls_end(c); /* from here the connection is plain, and ends */
    uv_buf_t b[2] = {uv_buf_init(head, (unsigned)hn), uv_buf_init((char *)body, sizeof body - 1)};
    c->resp = HX_R_DONE;
    hx__out_write(c, b, 2);
    hx__begin_close(c);
}

void hx__tls_input(hx_conn_t *c, const char *data, size_t n)
{
    if (!c->tls_started) {
        c->tls_started = 1;
        /* A TLS connection starts with a handshake record (22); an HTTP
         * request starts with a method, in capitals. */
        if (data[0] >= 'A' && data[0] <= 'Z') {
            refuse_plain(c);
            return;
        }
        if (!tls_begin(c)) {
            hx__conn_kill(c, HX_ABORT_NOMEM);
            return;
        }
    }
    if (!c->ssl)
        return; /* refused as plain HTTP, or the handshake failed: dropped */
    if (BIO_write(SSL_get_rbio(c->ssl), data, (int)n) != (int)n) {
        hx__conn_kill(c, HX_ABORT_NOMEM);
        return;
    }
    if (!SSL_is_init_finished(c->ssl)) {
        int r = SSL_do_handshake(c->ssl);
        int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
        send_output(c); /* the server's flight, or an alert */
        if (e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ) {
            /* a failed handshake: the alert goes, then the connection */
            ERR_clear_error();
            hx__tls_end(c);
            hx__begin_close(c);
        }
    }
}

void hx__tls_fill(hx_conn_t *c)
{
    if (!c->ssl || !SSL_is_init_finished(c->ssl))
        return;
    if (!c->in) {
        /* Idle: a buffer only for plaintext that is there. */
        if (!SSL_has_pending(c->ssl) && BIO_ctrl_pending(SSL_get_rbio(c->ssl)) == 0)
            return;
        if (!(c->in = hx__inbuf_get(c->srv))) {
            hx__conn_kill(c, HX_ABORT_NOMEM);
            return;
        }
    }
    if (c->in_off > 0) {
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
    bool failed_read = false;
    while (c->in_len < c->in_cap) {
        int r = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));
        if (r > 0) {
            c->in_len += (size_t)r;
            continue;
        }
        int e = SSL_get_error(c->ssl, r);
        failed_read = true;
        if (e == SSL_ERROR_WANT_READ)
            break;
        ERR_clear_error();
        if (e == SSL_ERROR_ZERO_RETURN) {
            c->peer_eof = 1; /* the client's close_notify: its side is done */
            break;
        }
        /* a bad record, or a client that broke the protocol */
        send_output(c);
        hx__tls_end(c);
        hx__conn_kill(c, HX_ABORT_CLIENT_GONE);
        return;
    }
    /* Reading may have made output (TLS 1.3 key updates, alerts). */
    if (failed_read || BIO_ctrl_pending(SSL_get_wbio(c->ssl)))
        send_output(c);
}

bool hx__tls_close_notify(hx_conn_t *c, uv_buf_t *out, char *buf, size_t cap)
{
    if (!c->ssl || !SSL_is_init_finished(c->ssl))
        return false;
    SSL_shutdown(c->ssl);
    ERR_clear_error();
    BIO *wb = SSL_get_wbio(c->ssl);
    int r = BIO_read(wb, buf, (int)cap);
    if (r <= 0)
        return false;
    *out = uv_buf_init(buf, (unsigned)r);
    return true;
}

bool hx__tls_alpn_h2(hx_conn_t *c)
{
    if (!c->ssl || !SSL_is_init_finished(c->ssl))
        return false;
    const unsigned char *p;
    unsigned int n;
    SSL_get0_alpn_selected(c->ssl, &p, &n);
    return n == 2 && memcmp(p, "h2", 2) == 0;
}
