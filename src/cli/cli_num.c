/*
 * cli_num.c — reading numbers from the command line and the spec JSON, and
 * printing floats for `wasmhttpd run`.
 *
 * Floats are handled as bit patterns throughout, so that NaN payloads and
 * the sign of zero survive; the conversions to C floats happen only at the
 * edges (strtof/strtod when reading, snprintf when printing).
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool parse_hex_u64(const char *s, uint64_t *out)
{
    if (!*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (v >> 60)
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

bool cli_parse_int(const char *s, unsigned bits, uint64_t *out)
{
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    uint64_t mag;
    bool ok = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? parse_hex_u64(s + 2, &mag)
                                                            : cli_parse_u64(s, &mag);
    if (!ok)
        return false;
    uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    uint64_t nmax = UINT64_C(1) << (bits - 1); /* magnitude of the most negative */
    if (neg ? mag > nmax : mag > umax)
        return false;
    /* Unsigned negation is the two's complement; mask to the width. */
    *out = (neg ? (uint64_t)0 - mag : mag) & umax;
    return true;
}

/* Both float readers refuse leading blanks (strto* would skip them) and
 * anything left over after the number. */
bool cli_parse_f32(const char *s, uint32_t *out_bits)
{
    if (!*s || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    float f = strtof(s, &end);
    if (*end)
        return false;
    memcpy(out_bits, &f, 4);
    return true;
}

bool cli_parse_f64(const char *s, uint64_t *out_bits)
{
    if (!*s || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end)
        return false;
    memcpy(out_bits, &d, 8);
    return true;
}

/* Writes x (finite, non-zero) in full positional notation using the
 * fewest significant digits that read back as the same value. The digits
 * come from %.*e with growing precision: the first precision whose
 * correctly rounded output reads back is the shortest. (Rust's algorithm
 * can in rare cases at powers of two pick a different digit string of the
 * same length; both read back to the same bits.) */
static void fmt_positional(double x, bool single, char *buf, size_t n)
{
    char tmp[64];
    int maxp = single ? 9 : 17;
    for (int p = 1; p <= maxp; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (single ? strtof(tmp, NULL) == (float)x : strtod(tmp, NULL) == x)
            break;
    }
    /* tmp is "[-]d[.ddd]e[+-]XX": collect sign, digits and exponent. */
    const char *p = tmp;
    bool neg = *p == '-';
    if (neg)
        p++;
    char digits[32];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    long exp10 = strtol(p + 1, NULL, 10);
    long point = exp10 + 1; /* digits before the decimal point */

    size_t o = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (o + 1 < n)                                                                             \
            buf[o++] = (c);                                                                        \
    } while (0)
    if (neg)
        PUT('-');
    if (point <= 0) {
        PUT('0');
        PUT('.');
        for (long i = 0; i < -point; i++)
            PUT('0');
        for (size_t i = 0; i < nd; i++)
            PUT(digits[i]);
    } else if ((size_t)point >= nd) {
        for (size_t i = 0; i < nd; i++)
            PUT(digits[i]);
        for (long i = (long)nd; i < point; i++)
            PUT('0');
    } else {
        for (size_t i = 0; i < nd; i++) {
            if ((long)i == point)
                PUT('.');
            PUT(digits[i]);
        }
    }
#undef PUT
    if (n)
        buf[o] = 0;
}

static void fmt_float(double x, bool single, char *buf, size_t n)
{
    if (isnan(x))
        snprintf(buf, n, "NaN");
    else if (isinf(x))
        snprintf(buf, n, x < 0 ? "-inf" : "inf");
    else if (x == 0)
        snprintf(buf, n, signbit(x) ? "-0" : "0");
    else
        fmt_positional(x, single, buf, n);
}

void cli_fmt_f32(uint32_t bits, char *buf, size_t n)
{
    float f;
    memcpy(&f, &bits, 4);
    fmt_float((double)f, true, buf, n);
}

void cli_fmt_f64(uint64_t bits, char *buf, size_t n)
{
    double d;
    memcpy(&d, &bits, 8);
    fmt_float(d, false, buf, n);
}

/* ---- option values of serve and run ---- */

/* "500ms", "10s", "2m"; "0" alone (no unit needed for nothing). A bare
 * number is refused: "--timeout 2" read as 2 ms surprises those who read
 * it as 2 s, as nginx does. */
bool cli_parse_duration(const char *s, uint32_t *out_ms)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || s[0] == '-' || s[0] == '+' || (!*end && v != 0))
        return false;
    unsigned long long mult = 1;
    if (!strcmp(end, "ms") || !*end)
        mult = 1;
    else if (!strcmp(end, "s"))
        mult = 1000;
    else if (!strcmp(end, "m"))
        mult = 60000;
    else
        return false;
    if (v > UINT32_MAX / mult)
        return false;
    *out_ms = (uint32_t)(v * mult);
    return true;
}

bool cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || s[0] == '-')
        return false;
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10;
    else if (*end == 'm' || *end == 'M')
        shift = 20;
    else if (*end == 'g' || *end == 'G')
        shift = 30;
    else if (*end)
        return false;
    if (shift && end[1])
        return false;
    if (v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

bool cli_parse_count(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (s[0] == '-' || !cli_parse_int(s, 64, &v) || v > max)
        return false;
    *out = v;
    return true;
}

bool cli_duration_opt(const char *opt, const char *val, uint32_t *out_ms)
{
    if (cli_parse_duration(val, out_ms))
        return true;
    fprintf(stderr,
            "error: %s: \"%s\" is not a duration: write it with a unit, as 500ms, 10s or "
            "2m (0 alone turns it off where that is allowed)\n",
            opt, val);
    return false;
}
