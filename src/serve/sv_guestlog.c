/*
 * sv_guestlog.c — guests' stdout and stderr in the server log, one line at
 * a time with the instance id, under a rate limit per instance.
 *
 * A guest's write never waits for the log: its bytes are cut into lines
 * here (a line longer than LINE_MAX is logged in pieces), and each line
 * spends a token of the instance's bucket, which refills at
 * --guest-log-rate lines a second and holds at most a second's worth. A
 * line that finds the bucket empty is dropped and counted; the next line
 * logged from that instance is preceded by one saying how many were
 * dropped (also said when the request ends). So a guest printing in a loop
 * costs its worker the formatting of a bounded number of lines a second,
 * and the log grows by a bounded number of lines.
 */
#include "sv_int.h"

#include <inttypes.h>
#include <string.h>

enum { LINE_MAX_BYTES = 1024 };

struct sv_glog {
    char line[2][LINE_MAX_BYTES]; /* stdout, stderr: the line being written */
    size_t len[2];
    double tokens;
    uint64_t refilled_ns;
    uint64_t dropped; /* lines dropped not yet reported */
};

static void report_dropped(sv_inst_t *in)
{
    sv_glog_t *g = in->glog;
    if (!g->dropped)
        return;
    sv_log("instance %" PRIu64 ": %" PRIu64 " line%s of guest output dropped (over "
           "--guest-log-rate %u lines/s)",
           in->id, g->dropped, g->dropped == 1 ? "" : "s", in->w->sh->cfg->guest_log_rate);
    g->dropped = 0;
}

static void emit(sv_inst_t *in, int s)
{
    sv_glog_t *g = in->glog;
    sv_worker_t *w = in->w;
    uint32_t rate = w->sh->cfg->guest_log_rate;
    uint64_t now = sv_now_ns();
    if (rate) {
        g->tokens += (double)(now - g->refilled_ns) * rate / 1e9;
        if (g->tokens > rate)
            g->tokens = rate;
    }
    g->refilled_ns = now;
    if (g->tokens < 1) {
        g->dropped++;
        sv_count(&w->m.guest_log_dropped, 1);
    } else {
        g->tokens -= 1;
        report_dropped(in);
        sv_log_guest(in->id, s ? "stderr" : "stdout", g->line[s], g->len[s]);
        sv_count(&w->m.guest_log_lines[s], 1);
    }
    g->len[s] = 0;
}

void sv_glog_output(void *ud, int which, const uint8_t *buf, size_t n)
{
    sv_inst_t *in = ud;
    int s = which == 2;
    if (!in->glog) {
        if (!(in->glog = wh_calloc(1, sizeof *in->glog)))
            return;
        in->glog->tokens = in->w->sh->cfg->guest_log_rate; /* a full bucket to start */
        in->glog->refilled_ns = sv_now_ns();
    }
    sv_glog_t *g = in->glog;
    while (n) {
        const uint8_t *nl = memchr(buf, '\n', n);
        size_t take = nl ? (size_t)(nl - buf) : n;
        size_t room = LINE_MAX_BYTES - g->len[s];
        if (take > room)
            take = room;
        memcpy(g->line[s] + g->len[s], buf, take);
        g->len[s] += take;
        buf += take;
        n -= take;
        if (nl && n && *buf == '\n') { /* the line is complete */
            buf++;
            n--;
            emit(in, s);
        } else if (g->len[s] == LINE_MAX_BYTES) {
            emit(in, s);
        }
    }
}

void sv_glog_flush(sv_inst_t *in)
{
    if (!in->glog)
        return;
    for (int s = 0; s < 2; s++)
        if (in->glog->len[s])
            emit(in, s);
    report_dropped(in);
}

void sv_glog_free(sv_inst_t *in)
{
    sv_glog_flush(in);
    wh_free(in->glog);
    in->glog = NULL;
}
