/*
 * cli_outbound.c — the options of outbound HTTP (wasi:http/outgoing-handler),
 * shared by `serve` and `run`: --allow-http and the --outbound-* limits.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_outbound_help[] =
    "outbound HTTP (wasi:http/outgoing-handler; nothing is allowed by default):\n"
    "  --allow-http SCHEME://HOST[:PORT]  a destination guests may send requests\n"
    "                           to; repeatable. HOST may be *, or start with a\n"
    "                           * label (https://*.example.com); PORT defaults to\n"
    "                           the scheme's and may be *; * alone allows all\n"
    "  --deny-private-addresses refuse connections to loopback, private and\n"
    "                           link-local addresses, checked after name lookup\n"
    "  --outbound-ca FILE       PEM CA certificates trusted besides the system's\n"
    "  --outbound-max-connections N       per worker, in total [256]\n"
    "  --outbound-max-host-connections N  per worker and host [64]\n"
    "  --outbound-max-requests N          in flight per instance [32]\n"
    "  --outbound-idle-timeout D          an idle pooled connection is closed\n"
    "                           after D [60s]; 0: no pooling\n"
    "  --outbound-connect-timeout D       [10s]  the defaults a guest's\n"
    "  --outbound-first-byte-timeout D    [30s]  request-options may\n"
    "  --outbound-between-bytes-timeout D [30s]  override\n";

bool cli_outbound_init(cli_outbound_t *o, int argc)
{
    memset(o, 0, sizeof *o);
    hw_outbound_config_init(&o->cfg);
    o->allow = calloc((size_t)argc + 1, sizeof *o->allow);
    return o->allow != NULL;
}

bool cli_outbound_is_flag(const char *opt)
{
    return !strcmp(opt, "--deny-private-addresses");
}

int cli_outbound_opt(cli_outbound_t *o, const char *opt, const char *val)
{
    hw_outbound_config_t *c = &o->cfg;
    uint64_t n;
    bool ok = true;
    if (!strcmp(opt, "--deny-private-addresses")) {
        c->deny_private = true;
    } else if (!strcmp(opt, "--allow-http")) {
        wh_err_t err = {0};
        if (hw_allow_parse(val, &o->allow[o->nallow], &err)) {
            fprintf(stderr, "error: --allow-http: %s\n", err.msg);
            return -1;
        }
        o->nallow++;
    } else if (!strcmp(opt, "--outbound-ca")) {
        c->ca_file = val;
    } else if (!strcmp(opt, "--outbound-max-connections")) {
        ok = cli_parse_count(val, 1000000, &n) && n > 0 &&
             ((c->max_connections = (uint32_t)n), true);
    } else if (!strcmp(opt, "--outbound-max-host-connections")) {
        ok = cli_parse_count(val, 1000000, &n) && n > 0 &&
             ((c->max_host_connections = (uint32_t)n), true);
    } else if (!strcmp(opt, "--outbound-max-requests")) {
        ok = cli_parse_count(val, 1000000, &n) && n > 0 && ((c->max_requests = (uint32_t)n), true);
    } else if (!strcmp(opt, "--outbound-idle-timeout")) {
        if (!cli_duration_opt(opt, val, &c->idle_timeout_ms))
            return -1;
    } else if (!strcmp(opt, "--outbound-connect-timeout")) {
        if (!cli_duration_opt(opt, val, &c->connect_timeout_ms))
            return -1;
    } else if (!strcmp(opt, "--outbound-first-byte-timeout")) {
        if (!cli_duration_opt(opt, val, &c->first_byte_timeout_ms))
            return -1;
    } else if (!strcmp(opt, "--outbound-between-bytes-timeout")) {
        if (!cli_duration_opt(opt, val, &c->between_bytes_timeout_ms))
            return -1;
    } else {
        return 0;
    }
    if (!ok) {
        fprintf(stderr, "error: %s: bad value \"%s\" (see --help)\n", opt, val);
        return -1;
    }
    return 1;
}

int cli_outbound_setup(cli_outbound_t *o)
{
    o->cfg.allow = o->allow;
    o->cfg.nallow = o->nallow;
    wh_err_t err = {0};
    wh_rc rc = hw_outbound_new(&o->cfg, &o->ob, &err);
    if (rc) {
        fprintf(stderr, "error: %s\n", err.msg);
        return rc == WH_IO && o->cfg.ca_file ? CLI_EXIT_FILE : CLI_EXIT_TRAP;
    }
    return CLI_EXIT_OK;
}

void cli_outbound_free(cli_outbound_t *o)
{
    hw_outbound_free(o->ob);
    o->ob = NULL;
    free(o->allow);
    o->allow = NULL;
}
