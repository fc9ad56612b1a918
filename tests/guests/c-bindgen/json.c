/* Reads the request body as JSON {"numbers": [...]} and answers JSON
 * {"sum": S, "count": N} (S an integer when every number is one and the sum
 * fits in 64 bits), the contract of the Rust and Python guests' /sum; a body
 * that is not such JSON: 400 "bad JSON: ...". Every document is parsed
 * whole (RFC 8259): other members are allowed, anything malformed is not.
 */
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p, *end;
    const char *error; /* the first thing found wrong */
    /* the numbers of the top-level "numbers" */
    bool have_numbers;
    bool all_int;
    int64_t isum;
    double fsum;
    size_t count;
} parser_t;

static bool fail(parser_t *j, const char *why)
{
    if (!j->error)
        j->error = why;
    return false;
}

static void skip_ws(parser_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool literal(parser_t *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return fail(j, "expected a value");
    j->p += n;
    return true;
}

/* A string; when key is given, whether it equals key. */
static bool string(parser_t *j, const char *key, bool *out_is_key)
{
    const char *start = ++j->p; /* past the quote */
    bool escaped = false;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return fail(j, "a control character in a string");
        if (c == '\\') {
            escaped = true;
            if (++j->p >= j->end)
                break;
            c = (unsigned char)*j->p;
            if (c == 'u') {
                for (int i = 0; i < 4; i++)
                    if (++j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
                        return fail(j, "a bad \\u escape");
            } else if (!strchr("\"\\/bfnrt", c) || !c) {
                return fail(j, "a bad escape");
            }
        }
        j->p++;
    }
    if (j->p >= j->end)
        return fail(j, "an unterminated string");
    if (out_is_key)
        *out_is_key = !escaped && (size_t)(j->p - start) == strlen(key) &&
                      memcmp(start, key, strlen(key)) == 0;
    j->p++;
    return true;
}

/* A number (RFC 8259 grammar); counted in the sum when add. */
static bool number(parser_t *j, bool add)
{
    const char *start = j->p;
    bool integral = true;
    if (*j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    else
        return fail(j, "a bad number");
    if (j->p < j->end && *j->p == '.') {
        integral = false;
        if (++j->p >= j->end || *j->p < '0' || *j->p > '9')
            return fail(j, "a bad number");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        integral = false;
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9')
            return fail(j, "a bad number");
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (!add)
        return true;
    /* the body is NUL-terminated (read_all), so strto* stop in it */
    double d = strtod(start, NULL);
    j->fsum += d;
    j->count++;
    if (integral && j->all_int) {
        errno = 0;
        long long v = strtoll(start, NULL, 10); /* 64 bits on wasm32 */
        if (errno == ERANGE || __builtin_add_overflow(j->isum, v, &j->isum))
            j->all_int = false;
    } else {
        j->all_int = false;
    }
    return true;
}

static bool value(parser_t *j, int depth, bool numbers);

/* An array; its elements must be numbers when numbers. */
static bool array(parser_t *j, int depth, bool numbers)
{
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return true;
    }
    for (;;) {
        skip_ws(j);
        if (numbers && (j->p >= j->end || !(*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))))
            return fail(j, "\"numbers\" holds something that is not a number");
        if (!value(j, depth + 1, numbers))
            return false;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return true;
        }
        return fail(j, "expected , or ] in an array");
    }
}

static bool object(parser_t *j, int depth)
{
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return true;
    }
    for (;;) {
        skip_ws(j);
        bool is_numbers = false;
        if (j->p >= j->end || *j->p != '"')
            return fail(j, "expected a member name");
        if (!string(j, "numbers", &is_numbers))
            return false;
        is_numbers = is_numbers && depth == 0;
        skip_ws(j);
        if (j->p >= j->end || *j->p != ':')
            return fail(j, "expected : after a member name");
        j->p++;
        skip_ws(j);
        if (is_numbers) {
            if (j->have_numbers)
                return fail(j, "duplicate field \"numbers\"");
            if (j->p >= j->end || *j->p != '[')
                return fail(j, "\"numbers\" is not a list");
            j->have_numbers = true;
        }
        if (!value(j, depth + 1, is_numbers))
            return false;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return true;
        }
        return fail(j, "expected , or } in an object");
    }
}

/* Any value; numbers: this is "numbers" (an array) or one of its elements. */
static bool value(parser_t *j, int depth, bool numbers)
{
    if (depth > 128)
        return fail(j, "nested too deep");
    skip_ws(j);
    if (j->p >= j->end)
        return fail(j, "expected a value");
    switch (*j->p) {
    case '{':
        return object(j, depth);
    case '[':
        return array(j, depth, numbers);
    case '"':
        return string(j, "", NULL);
    case 't':
        return literal(j, "true");
    case 'f':
        return literal(j, "false");
    case 'n':
        return literal(j, "null");
    default:
        return number(j, numbers);
    }
}

/* A finite double as the JSON number with the fewest significant digits
 * that reads back (strtod) as the same double, as serde_json and Python
 * print it; positional ("499500.5", "6.0") unless far from 1, then
 * "DIGITSeEXP". The digits come from scaling in long double, which is IEEE
 * binary128 on wasm32: exact enough that 17 digits are correctly rounded.
 */
static char *put_double(char *p, double x)
{
    if (x == 0)
        return put_str(p, "0.0");
    if (x < 0) {
        *p++ = '-';
        x = -x;
    }
    long double v = x;
    int e10 = 0; /* 10^e10 <= x < 10^(e10+1) */
    while (v >= 10) {
        v /= 10;
        e10++;
    }
    while (v < 1) {
        v *= 10;
        e10--;
    }
    /* m = round(x / 10^(e10 - n + 1)): n significant digits, from 1 to
     * 17 until one reads back */
    int64_t m = 0;
    int exp10 = 0; /* x = m * 10^exp10 */
    long double scaled = v;
    for (int n = 1; n <= 17; n++, scaled *= 10) {
        m = (int64_t)(scaled + 0.5L);
        exp10 = e10 - n + 1;
        char text[48];
        *put_i64(put_str(put_i64(text, m), "e"), exp10) = '\0';
        if (strtod(text, NULL) == x)
            break;
    }
    while (m % 10 == 0) {
        m /= 10;
        exp10++;
    }
    char digits[24];
    int len = (int)(put_i64(digits, m) - digits);
    int point = len + exp10; /* digits before the decimal point */
    if (point > 0 && point <= 21) {
        if (point >= len) {
            memcpy(p, digits, (size_t)len);
            p += len;
            for (int i = len; i < point; i++)
                *p++ = '0';
            return put_str(p, ".0");
        }
        memcpy(p, digits, (size_t)point);
        p += point;
        *p++ = '.';
        memcpy(p, digits + point, (size_t)(len - point));
        return p + (len - point);
    }
    if (point <= 0 && point > -6) {
        p = put_str(p, "0.");
        for (int i = point; i < 0; i++)
            *p++ = '0';
        memcpy(p, digits, (size_t)len);
        return p + len;
    }
    *p++ = digits[0];
    if (len > 1) {
        *p++ = '.';
        memcpy(p, digits + 1, (size_t)(len - 1));
        p += len - 1;
    }
    return put_i64(put_str(p, "e"), point - 1);
}

void exports_wasi_http_incoming_handler_handle(request_t request, outparam_t out)
{
    wasi_http_types_own_incoming_body_t body;
    char *data;
    size_t len;
    bool consumed = wasi_http_types_method_incoming_request_consume(
        wasi_http_types_borrow_incoming_request(request), &body);
    int rc = consumed ? read_all(body, &data, &len) : -1;
    wasi_http_types_incoming_request_drop_own(request);
    if (rc) {
        char text[128];
        const char *why = consumed ? data : "the body was taken";
        *put_str(put_str(put_str(text, "reading: "), why), "\n") = '\0';
        respond_text(out, 500, "text/plain", text);
        return;
    }
    parser_t j = {.p = data, .end = data + len, .all_int = true};
    skip_ws(&j);
    if (j.p >= j.end || *j.p != '{')
        fail(&j, "expected an object");
    else if (value(&j, 0, false)) {
        skip_ws(&j);
        if (j.p != j.end)
            fail(&j, "trailing characters");
        else if (!j.have_numbers)
            fail(&j, "missing field \"numbers\"");
        else if (!j.all_int && (j.fsum != j.fsum || j.fsum - j.fsum != 0))
            fail(&j, "the sum is not finite");
    }
    free(data);
    char text[160], *p = text;
    if (j.error) {
        *put_str(put_str(put_str(p, "bad JSON: "), j.error), "\n") = '\0';
        respond_text(out, 400, "text/plain", text);
        return;
    }
    p = put_str(p, "{\"sum\":");
    p = j.all_int ? put_i64(p, j.isum) : put_double(p, j.fsum);
    p = put_str(put_i64(put_str(p, ",\"count\":"), (int64_t)j.count), "}");
    respond(out, 200, "application/json", text, (size_t)(p - text));
}
