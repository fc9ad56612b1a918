/*
 * sv_accesslog.c — the access log (--access-log): one line per request, in
 * the combined log format followed by the instance id, the request's
 * sequence number in its instance, the model and the duration in seconds.
 *
 * A worker never writes the file: it appends lines to a buffer of its own
 * and hands the buffer to the writer thread when it is full or at its tick
 * (every 20 ms), taking a mutex once per hand-over, not per request. The
 * writer thread does the blocking writes, so a slow disk cannot stall a
 * worker; what it has not written yet is bounded (PENDING_MAX), past which
 * lines are dropped and counted (wasmhttpd_access_log_lines_dropped_total).
 * SIGUSR1 makes the writer reopen the file, for logrotate.
 */
#include "sv_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    WORKER_BUF = 64 * 1024,        /* a worker's buffer */
    PENDING_MAX = 8 * 1024 * 1024, /* bytes handed over, not yet written */
    FIELD_MAX = 1024,              /* longest target, referer, user-agent kept */
};

struct sv_alog {
    char *path; /* NULL: stdout */
    int fd;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *pending; /* PENDING_MAX bytes */
    size_t len;
    bool reopen, stop;
};

static int open_file(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return; /* a full disk: the lines are lost, the server goes on */
        p += r;
        n -= (size_t)r;
    }
}

static void *writer(void *arg)
{
    sv_alog_t *a = arg;
    char *buf = malloc(PENDING_MAX);
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->len && !a->reopen && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        /* take what is pending, write it without the lock (without a
         * buffer of its own, what is pending is lost: counted nowhere, but
         * the thread cannot spin on it) */
        size_t n = buf ? a->len : 0;
        if (n)
            memcpy(buf, a->pending, n);
        a->len = 0;
        bool reopen = a->reopen, stop = a->stop;
        a->reopen = false;
        pthread_mutex_unlock(&a->mu);
        if (n)
            write_all(a->fd, buf, n);
        if (reopen && a->path) {
            int fd = open_file(a->path);
            if (fd >= 0) {
                close(a->fd);
                a->fd = fd;
                sv_log("SIGUSR1: access log %s reopened", a->path);
            } else {
                sv_log("SIGUSR1: cannot reopen the access log %s (%s); writing on to the file "
                       "open before",
                       a->path, strerror(errno));
            }
        }
        pthread_mutex_lock(&a->mu);
        if (stop && !a->len)
            break;
    }
    pthread_mutex_unlock(&a->mu);
    free(buf);
    return NULL;
}

wh_rc sv_alog_open(const char *path, sv_alog_t **out, wh_err_t *err)
{
    *out = NULL;
    sv_alog_t *a = wh_calloc(1, sizeof *a);
    if (!a || !(a->pending = wh_malloc(PENDING_MAX))) {
        wh_free(a);
        return wh_err(err, WH_NOMEM, -1, "out of memory");
    }
    if (strcmp(path, "-") == 0) {
        a->fd = 1;
    } else {
        if (!(a->path = wh_strdup(path)) || (a->fd = open_file(path)) < 0) {
            int e = errno;
            wh_free(a->path);
            wh_free(a->pending);
            wh_free(a);
            return wh_err(err, WH_IO, -1, "--access-log %s: cannot open it for appending: %s", path,
                          strerror(e));
        }
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    if (pthread_create(&a->thread, NULL, writer, a)) {
        if (a->path)
            close(a->fd);
        wh_free(a->path);
        wh_free(a->pending);
        wh_free(a);
        return wh_err(err, WH_IO, -1, "cannot start the access log's thread");
    }
    *out = a;
    return WH_OK;
}

void sv_alog_reopen(sv_alog_t *a)
{
    pthread_mutex_lock(&a->mu);
    a->reopen = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void sv_alog_close(sv_alog_t *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    if (a->path)
        close(a->fd);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    wh_free(a->path);
    wh_free(a->pending);
    wh_free(a);
}

/* ---- the workers' side ---- */

void sv_alog_flush(sv_worker_t *w)
{
    sv_alog_t *a = w->sh->alog;
    if (!a || !w->alog_len)
        return;
    pthread_mutex_lock(&a->mu);
    if (a->len + w->alog_len <= PENDING_MAX) {
        memcpy(a->pending + a->len, w->alog_buf, w->alog_len);
        a->len += w->alog_len;
    } else {
        uint64_t lines = 0;
        for (size_t i = 0; i < w->alog_len; i++)
            lines += w->alog_buf[i] == '\n';
        sv_count(&w->m.access_log_dropped, lines);
    }
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    w->alog_len = 0;
}

/* Appends s[0..n) to out as the inside of a quoted field: '"', '\' and
 * bytes outside printable ASCII as \xHH (as nginx does), so that a client
 * cannot forge a line. */
static size_t put_escaped(char *out, const char *s, size_t n)
{
    size_t k = 0;
    if (n > FIELD_MAX)
        n = FIELD_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            k += (size_t)sprintf(out + k, "\\x%02X", c);
        else
            out[k++] = (char)c;
    }
    return k;
}

void sv_alog_begin(sv_job_t *job, hx_req_t *req)
{
    size_t tlen, rlen = 0, ulen = 0;
    const char *target = hx_req_target(req, &tlen);
    const char *ref = hx_req_header(req, "referer", &rlen);
    const char *ua = hx_req_header(req, "user-agent", &ulen);
    /* escaping at most quadruples a field, and a field is cut at FIELD_MAX */
    size_t need =
        256 + 4 * ((tlen < FIELD_MAX ? tlen : FIELD_MAX) + (rlen < FIELD_MAX ? rlen : FIELD_MAX) +
                   (ulen < FIELD_MAX ? ulen : FIELD_MAX));
    char *s = wh_malloc(need);
    if (!s)
        return;
    char peer[64] = "-";
    const struct sockaddr_storage *ss = hx_req_peer(req);
    if (ss->ss_family == AF_INET)
        uv_ip4_name((const struct sockaddr_in *)ss, peer, sizeof peer);
    else if (ss->ss_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)ss, peer, sizeof peer);
    /* the time, formatted once a second per worker */
    sv_worker_t *w = job->w;
    time_t t = time(NULL);
    if (t != w->alog_when_t) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(w->alog_when, sizeof w->alog_when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
        w->alog_when_t = t;
    }
    const char *when = w->alog_when;
    int maj, min;
    hx_req_version(req, &maj, &min);
    size_t k = (size_t)sprintf(s, "%s - - [%s] \"%.16s ", peer, when, hx_req_method(req));
    k += put_escaped(s + k, target, tlen);
    k += (size_t)sprintf(s + k, " HTTP/%d.%d\"", maj, min);
    s[k++] = 0;
    s[k++] = '"';
    if (ref)
        k += put_escaped(s + k, ref, rlen);
    else
        s[k++] = '-';
    k += (size_t)sprintf(s + k, "\" \"");
    if (ua)
        k += put_escaped(s + k, ua, ulen);
    else
        s[k++] = '-';
    s[k++] = '"';
    s[k] = 0;
    job->alog = s;
}

void sv_alog_request(sv_worker_t *w, sv_job_t *job, int status, uint64_t now)
{
    if (!job->alog)
        return;
    if (!w->alog_buf && !(w->alog_buf = wh_malloc(WORKER_BUF)))
        return;
    const char *start = job->alog, *tail = start + strlen(start) + 1;
    size_t need = strlen(start) + strlen(tail) + 160;
    if (w->alog_len + need > WORKER_BUF)
        sv_alog_flush(w);
    if (need > WORKER_BUF)
        return;
    char st[8] = "-";
    if (status)
        snprintf(st, sizeof st, "%d", status);
    char inst[48] = "- -";
    if (job->inst)
        snprintf(inst, sizeof inst, "%" PRIu64 " %" PRIu64, job->inst->id, job->inst->seq);
    /* the body bytes sent, "-" for none (as Apache's %b) */
    char bytes[24] = "-";
    if (job->body_bytes)
        snprintf(bytes, sizeof bytes, "%" PRIu64, job->body_bytes);
    uint64_t d = now - job->arrive_ns;
    w->alog_len += (size_t)snprintf(w->alog_buf + w->alog_len, WORKER_BUF - w->alog_len,
                                    "%s %s %s %s %s %s %" PRIu64 ".%06" PRIu64 "\n", start, st,
                                    bytes, tail, inst, sv_model_name(w->sh->model), d / 1000000000u,
                                    (d / 1000u) % 1000000u);
    if (w->alog_len > WORKER_BUF - 4096)
        sv_alog_flush(w);
}
