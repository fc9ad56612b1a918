/*
 * hw_allow.c — which destinations outbound requests may reach: the
 * allow-list (--allow-http SCHEME://HOST[:PORT]) and the addresses
 * --deny-private-addresses refuses after name resolution.
 *
 * The list is matched on what the guest wrote (scheme, host, port), before
 * any name is looked up, so a denied request costs nothing and reveals
 * nothing. A host pattern "*.example.com" stands for exactly one label
 * ("api.example.com", not "example.com" nor "a.b.example.com"), as in a TLS
 * certificate's wildcard.
 */
#include "wasihttp/internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint16_t default_port(const char *scheme)
{
    return strcmp(scheme, "https") == 0 ? 443 : 80;
}

wh_rc hw_allow_parse(const char *spec, hw_allow_t *out, wh_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (strcmp(spec, "*") == 0) {
        strcpy(out->scheme, "*");
        strcpy(out->host, "*");
        return WH_OK;
    }
    const char *p = strstr(spec, "://");
    if (!p)
        return wh_err(err, WH_ARG, -1,
                      "\"%s\" is not SCHEME://HOST[:PORT] (e.g. https://api.example.com, "
                      "http://127.0.0.1:8081, http://*.internal:*) or *",
                      spec);
    size_t sl = (size_t)(p - spec);
    if ((sl == 4 && strncasecmp(spec, "http", 4) == 0) ||
        (sl == 5 && strncasecmp(spec, "https", 5) == 0)) {
        for (size_t i = 0; i < sl; i++)
            out->scheme[i] = (char)tolower((unsigned char)spec[i]);
    } else {
        return wh_err(err, WH_ARG, -1, "\"%s\": the scheme must be http or https", spec);
    }
    const char *h = p + 3, *end = h + strlen(h);
    if (end > h && end[-1] == '/')
        end--; /* "https://api.example.com/" */
    const char *hend, *port = NULL;
    if (*h == '[') { /* [v6]:port */
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (!close)
            return wh_err(err, WH_ARG, -1, "\"%s\": an IPv6 address needs its ']'", spec);
        hend = close;
        h++;
        if (close + 1 < end) {
            if (close[1] != ':')
                return wh_err(err, WH_ARG, -1, "\"%s\": junk after ']'", spec);
            port = close + 2;
        }
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        hend = colon ? colon : end;
        port = colon ? colon + 1 : NULL;
    }
    size_t hl = (size_t)(hend - h);
    if (hl == 0 || hl >= sizeof out->host)
        return wh_err(err, WH_ARG, -1, "\"%s\": no host, or one too long", spec);
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '*' || c == ':' || c == '_'))
            return wh_err(err, WH_ARG, -1, "\"%s\": '%c' cannot be in a host name", spec, c);
        out->host[i] = (char)tolower(c);
    }
    const char *star = strchr(out->host, '*');
    if (star && strcmp(out->host, "*") != 0 &&
        !(star == out->host && out->host[1] == '.' && out->host[2] && !strchr(star + 1, '*')))
        return wh_err(err, WH_ARG, -1,
                      "\"%s\": '*' stands alone or as the first label (*.example.com)", spec);
    if (!port) {
        out->port = default_port(out->scheme);
    } else if (strcmp(port, "*") == 0 || (end - port == 1 && *port == '*')) {
        out->port = 0;
    } else {
        char *e;
        unsigned long v = strtoul(port, &e, 10);
        if (e == port || e != end || v == 0 || v > 65535)
            return wh_err(err, WH_ARG, -1, "\"%s\": the port must be 1-65535 or *", spec);
        out->port = (uint16_t)v;
    }
    return WH_OK;
}

/* Does pattern (lowercase) match host (any case)? */
static bool host_match(const char *pattern, const char *host)
{
    if (strcmp(pattern, "*") == 0)
        return true;
    if (pattern[0] == '*') {
        const char *dot = strchr(host, '.');
        return dot && dot > host && strcasecmp(dot, pattern + 1) == 0;
    }
    return strcasecmp(pattern, host) == 0;
}

bool hw_allowed(const hw_allow_t *list, size_t n, const char *scheme, const char *host,
                uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        const hw_allow_t *a = &list[i];
        if (a->scheme[0] != '*' && strcasecmp(a->scheme, scheme) != 0)
            continue;
        if (a->port && a->port != port)
            continue;
        if (host_match(a->host, host))
            return true;
    }
    return false;
}

void hw_outbound_describe(const hw_outbound_config_t *cfg, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < cfg->nallow && k < n; i++) {
        const hw_allow_t *a = &cfg->allow[i];
        bool v6 = strchr(a->host, ':') != NULL;
        char port[8] = "*";
        if (a->port)
            snprintf(port, sizeof port, "%u", a->port);
        int w = a->scheme[0] == '*'
                    ? snprintf(buf + k, n - k, "%s*", i ? ", " : "")
                    : snprintf(buf + k, n - k, "%s%s://%s%s%s:%s", i ? ", " : "", a->scheme,
                               v6 ? "[" : "", a->host, v6 ? "]" : "", port);
        k += w > 0 ? (size_t)w : 0;
    }
    if (k < n)
        snprintf(buf + k, n - k, "%s%s", cfg->nallow ? "" : "nothing allowed",
                 cfg->deny_private ? "; private addresses denied" : "");
}

static bool private_v4(uint32_t a) /* host order */
{
    uint8_t b0 = (uint8_t)(a >> 24), b1 = (uint8_t)(a >> 16);
    return b0 == 0 ||                                          /* "this network" */
           b0 == 10 ||                                         /* RFC 1918 */
           b0 == 127 ||                                        /* loopback */
           (b0 == 100 && (b1 & 0xc0) == 64) ||                 /* 100.64/10 carrier-grade NAT */
           (b0 == 169 && b1 == 254) ||                         /* link-local (cloud metadata) */
           (b0 == 172 && (b1 & 0xf0) == 16) ||                 /* RFC 1918 */
           (b0 == 192 && b1 == 168) ||                         /* RFC 1918 */
           (b0 == 192 && b1 == 0 && (uint8_t)(a >> 8) == 0) || /* 192.0.0/24 */
           (b0 == 198 && (b1 & 0xfe) == 18) ||                 /* 198.18/15 benchmarking */
           b0 >= 224;                                          /* multicast, reserved, broadcast */
}

bool hw_private_address(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return private_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family != AF_INET6)
        return true; /* nothing else is an Internet address */
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    const uint8_t *b = a->s6_addr;
    bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                 !memcmp(b + 4, "\0\0\0\0\0\0\0\0", 8); /* 64:ff9b::/96 */
    if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a) || nat64) {
        uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
        return private_v4(v4);
    }
    return IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
           (b[0] & 0xfe) == 0xfc ||                   /* fc00::/7 unique-local */
           (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || /* fe80::/10 link-local */
           (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) || /* fec0::/10 site-local */
           b[0] == 0xff;                              /* multicast */
}
