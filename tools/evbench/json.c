/*
 * A small strict JSON reader: recursive descent over the grammar of
 * RFC 8259, with a bound on nesting so that a hostile file cannot exhaust
 * the stack.  Duplicate names are kept; json_get() returns the first and
 * json_count() tells a caller that wants one.  Strings are C strings, so
 * "\u0000" is refused rather than cutting one short unseen.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	const char *p, *start, *end;
	char *err;
	size_t errlen;
	int failed;
	long values; /* read so far, at most JSON_VALUES_MAX */
};

static int
fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return -1;
	ps->failed = 1;
	n = snprintf(ps->err, ps->errlen,
	    "offset %zu: ", (size_t)(ps->p - ps->start));
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void
skip_space(struct parser *ps)
{
	while (ps->p < ps->end &&
	    (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	        *ps->p == '\r'))
		ps->p++;
}

static int
literal(struct parser *ps, const char *word, struct json *j,
    enum json_type type)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "unexpected character");
	ps->p += n;
	j->type = type;
	return 0;
}

static int
is_digit(const struct parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
number(struct parser *ps, struct json *j)
{
	const char *s = ps->p;
	char buf[64];

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (!is_digit(ps))
		return fail(ps, "a digit expected");
	if (*ps->p++ != '0')
		while (is_digit(ps))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!is_digit(ps))
			return fail(ps, "a digit expected after '.'");
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return fail(ps, "a digit expected in the exponent");
		while (is_digit(ps))
			ps->p++;
	}
	if ((size_t)(ps->p - s) >= sizeof(buf))
		return fail(ps, "number too long");
	memcpy(buf, s, (size_t)(ps->p - s));
	buf[ps->p - s] = '\0';
	errno = 0;
	j->number = strtod(buf, NULL);
	if (errno == ERANGE && (j->number > 1 || j->number < -1))
		return fail(ps, "number out of range");
	j->type = JSON_NUMBER;
	return 0;
}

static int
hex4(struct parser *ps, unsigned *v)
{
	int i;
	char c;

	*v = 0;
	if (ps->end - ps->p < 4)
		return fail(ps, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		c = *ps->p++;
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return fail(ps, "bad \\u escape");
	}
	return 0;
}

/* Append code point u to out as UTF-8 (out has room for 4 bytes). */
static size_t
utf8(char *out, unsigned u)
{
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xe0 | u >> 12);
		out[1] = (char)(0x80 | (u >> 6 & 0x3f));
		out[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | u >> 18);
	out[1] = (char)(0x80 | (u >> 12 & 0x3f));
	out[2] = (char)(0x80 | (u >> 6 & 0x3f));
	out[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

static int
escape(struct parser *ps, char *out, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned u, lo;

	if (ps->p >= ps->end)
		return fail(ps, "truncated escape");
	if (*ps->p != 'u') {
		if (*ps->p == '\0' || (e = strchr(from, *ps->p)) == NULL)
			return fail(ps, "bad escape");
		ps->p++;
		out[(*n)++] = to[e - from];
		return 0;
	}
	ps->p++;
	if (hex4(ps, &u) != 0)
		return -1;
	if (u == 0)
		return fail(ps, "\\u0000 in a string");
	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(ps, "lone low surrogate");
	if (u >= 0xd800 && u <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return fail(ps, "lone high surrogate");
		ps->p += 2;
		if (hex4(ps, &lo) != 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(ps, "bad surrogate pair");
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	*n += utf8(out + *n, u);
	return 0;
}

/*
 * The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0.
 */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A string after its opening quote; *out is allocated. */
static int
string(struct parser *ps, char **out)
{
	const char *q;
	size_t n = 0, u;
	char *s;

	/* The decoded text is never longer than the encoded one. */
	for (q = ps->p; q < ps->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < ps->end)
			q++;
	if ((s = malloc((size_t)(q - ps->p) + 1)) == NULL)
		return fail(ps, "out of memory");
	while (ps->p < ps->end && *ps->p != '"') {
		if ((unsigned char)*ps->p < 0x20) {
			free(s);
			return fail(ps, "control character in a string");
		}
		if (*ps->p == '\\') {
			ps->p++;
			if (escape(ps, s, &n) != 0) {
				free(s);
				return -1;
			}
		} else if ((u = utf8_len((const unsigned char *)ps->p,
		                (const unsigned char *)ps->end)) == 0) {
			free(s);
			return fail(ps, "not UTF-8");
		} else {
			memcpy(s + n, ps->p, u);
			n += u;
			ps->p += u;
		}
	}
	if (ps->p >= ps->end) {
		free(s);
		return fail(ps, "unterminated string");
	}
	ps->p++;
	s[n] = '\0';
	*out = s;
	return 0;
}

static int value(struct parser *ps, struct json *j, int depth);

/* Make room for one more member of j. */
static int
grow(struct parser *ps, struct json *j, size_t *cap)
{
	struct json *items;
	char **keys;
	size_t ncap = *cap ? *cap * 2 : 8;

	if (j->len < *cap)
		return 0;
	if ((items = realloc(j->items, ncap * sizeof(*items))) == NULL)
		return fail(ps, "out of memory");
	j->items = items;
	if (j->type == JSON_OBJECT) {
		if ((keys = realloc(j->keys, ncap * sizeof(*keys))) == NULL)
			return fail(ps, "out of memory");
		j->keys = keys;
	}
	*cap = ncap;
	return 0;
}

/* An array or an object after its opening bracket. */
static int
members(struct parser *ps, struct json *j, int depth)
{
	char close = j->type == JSON_OBJECT ? '}' : ']';
	size_t cap = 0;
	char *key;

	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (grow(ps, j, &cap) != 0)
			return -1;
		if (j->type == JSON_OBJECT) {
			skip_space(ps);
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "a name expected");
			ps->p++;
			if (string(ps, &key) != 0)
				return -1;
			j->keys[j->len] = key;
			skip_space(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return fail(ps, "':' expected");
			}
			ps->p++;
		}
		/* Counted now, so that json_free() releases a partial one. */
		memset(&j->items[j->len], 0, sizeof(j->items[0]));
		j->len++;
		if (value(ps, &j->items[j->len - 1], depth + 1) != 0)
			return -1;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return 0;
		}
		return fail(ps, "',' or '%c' expected", close);
	}
}

static int
value(struct parser *ps, struct json *j, int depth)
{
	if (depth > JSON_DEPTH_MAX)
		return fail(ps, "nested more than %d deep", JSON_DEPTH_MAX);
	if (++ps->values > JSON_VALUES_MAX)
		return fail(ps, "more than %ld values", JSON_VALUES_MAX);
	skip_space(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end");
	switch (*ps->p) {
	case '{':
	case '[':
		j->type = *ps->p++ == '{' ? JSON_OBJECT : JSON_ARRAY;
		return members(ps, j, depth);
	case '"':
		ps->p++;
		j->type = JSON_STRING;
		return string(ps, &j->string);
	case 't':
		return literal(ps, "true", j, JSON_TRUE);
	case 'f':
		return literal(ps, "false", j, JSON_FALSE);
	case 'n':
		return literal(ps, "null", j, JSON_NULL);
	default:
		if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9'))
			return fail(ps, "a value expected");
		return number(ps, j);
	}
}

static void
release(struct json *j)
{
	size_t i;

	for (i = 0; i < j->len; i++) {
		release(&j->items[i]);
		if (j->keys != NULL)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->string);
}

void
json_free(struct json *j)
{
	if (j == NULL)
		return;
	release(j);
	free(j);
}

struct json *
json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser ps = { text, text, text + len, err, errlen, 0, 0 };
	struct json *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (value(&ps, j, 0) == 0) {
		skip_space(&ps);
		if (ps.p == ps.end)
			return j;
		fail(&ps, "text after the value");
	}
	json_free(j);
	return NULL;
}

const struct json *
json_get(const struct json *j, const char *key)
{
	size_t i;

	if (j == NULL || j->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < j->len; i++)
		if (strcmp(j->keys[i], key) == 0)
			return &j->items[i];
	return NULL;
}

size_t
json_count(const struct json *j, const char *key)
{
	size_t i, n = 0;

	if (j == NULL || j->type != JSON_OBJECT)
		return 0;
	for (i = 0; i < j->len; i++)
		n += strcmp(j->keys[i], key) == 0;
	return n;
}
