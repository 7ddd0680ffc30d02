/*
 * dns_wire_text.c: the presentation text of rdata, as dig 9.18 prints it
 * (its default style: one line, long hex and base64 split every 56
 * characters), and the layout check of each known type: a reader that
 * runs out of rdata, or leaves some over, refuses the record.
 *
 * The expected strings in tests/check_dns_wire.c were taken from dig
 * itself, fed the same rdata by a scripted server.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include <event2/dns_query.h>
#include <event2/util.h>

#include "dns-wire-internal.h"
#include "dns-wire-text-internal.h"
#include "mm-internal.h"

/* ---- the text buffer ---- */

int
dns_tbuf_reserve_(struct dns_tbuf *t, size_t n)
{
	size_t cap;
	char *p;

	if (t->oom)
		return -1;
	if (t->len + n + 1 <= t->cap)
		return 0;
	cap = t->cap ? t->cap : 256;
	while (cap < t->len + n + 1)
		cap *= 2;
	p = mm_realloc(t->p, cap);
	if (p == NULL) {
		t->oom = 1;
		return -1;
	}
	t->p = p;
	t->cap = cap;
	return 0;
}

static void
tb_putn(struct dns_tbuf *t, const char *s, size_t n)
{
	if (dns_tbuf_reserve_(t, n) < 0)
		return;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

void
dns_tbuf_puts_(struct dns_tbuf *t, const char *s)
{
	tb_putn(t, s, strlen(s));
}

static void
tb_putc(struct dns_tbuf *t, char c)
{
	tb_putn(t, &c, 1);
}

static void
tb_u32(struct dns_tbuf *t, ev_uint32_t v)
{
	char tmp[12], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	tb_putn(t, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* ---- reading rdata ---- */

struct rd {
	const unsigned char *msg; /* the whole message, for pointers */
	size_t pos;
	size_t end; /* of the rdata */
	struct dns_tbuf *t;
};

static size_t
rd_left(const struct rd *r)
{
	return r->end - r->pos;
}

static int
rd_u8(struct rd *r, unsigned *v)
{
	if (rd_left(r) < 1)
		return -1;
	*v = r->msg[r->pos++];
	return 0;
}

static int
rd_u16(struct rd *r, unsigned *v)
{
	if (rd_left(r) < 2)
		return -1;
	*v = (unsigned)(r->msg[r->pos] << 8 | r->msg[r->pos + 1]);
	r->pos += 2;
	return 0;
}

static int
rd_u32(struct rd *r, ev_uint32_t *v)
{
	const unsigned char *p = r->msg + r->pos;

	if (rd_left(r) < 4)
		return -1;
	*v = (ev_uint32_t)p[0] << 24 | (ev_uint32_t)p[1] << 16 |
	    (ev_uint32_t)p[2] << 8 | p[3];
	r->pos += 4;
	return 0;
}

/* Numbers: an 8-, 16- or 32-bit field in decimal. */
static int
num8(struct rd *r)
{
	unsigned v;

	if (rd_u8(r, &v) < 0)
		return -1;
	tb_u32(r->t, v);
	return 0;
}

static int
num16(struct rd *r)
{
	unsigned v;

	if (rd_u16(r, &v) < 0)
		return -1;
	tb_u32(r->t, v);
	return 0;
}

static int
num32(struct rd *r)
{
	ev_uint32_t v;

	if (rd_u32(r, &v) < 0)
		return -1;
	tb_u32(r->t, v);
	return 0;
}

static void
sp(struct rd *r)
{
	tb_putc(r->t, ' ');
}

/* A domain name (it may point back into the message; its own bytes lie
 * in the rdata). */
static int
name(struct rd *r)
{
	unsigned char wire[DNS_NAME_MAX];
	struct dns_tbuf *t = r->t;

	if (dns_name_unpack_(r->msg, r->end, &r->pos, wire) < 0 ||
	    dns_tbuf_reserve_(t, DNS_NAME_TEXT_MAX) < 0)
		return -1;
	t->len += dns_name_escape_(wire, t->p + t->len);
	return 0;
}

/* n bytes as a quoted string with dig's escapes. */
static void
quoted(struct dns_tbuf *t, const unsigned char *s, size_t n)
{
	size_t i;
	char *o;

	if (dns_tbuf_reserve_(t, 4 * n + 2) < 0)
		return;
	o = t->p + t->len;
	*o++ = '"';
	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (c < 0x20 || c >= 0x7f) {
			*o++ = '\\';
			*o++ = (char)('0' + c / 100);
			*o++ = (char)('0' + c / 10 % 10);
			*o++ = (char)('0' + c % 10);
		} else {
			if (c == '"' || c == '\\')
				*o++ = '\\';
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
	t->len = (size_t)(o - t->p);
}

/* A <character-string>: length byte and bytes, quoted. */
static int
cstring(struct rd *r)
{
	unsigned n;

	if (rd_u8(r, &n) < 0 || rd_left(r) < n)
		return -1;
	quoted(r->t, r->msg + r->pos, n);
	r->pos += n;
	return 0;
}

/* ---- the types ---- */

static int
text_a(struct rd *r)
{
	char buf[16];

	if (rd_left(r) != 4 ||
	    evutil_inet_ntop(AF_INET, r->msg + r->pos, buf, sizeof(buf)) ==
	        NULL)
		return -1;
	r->pos += 4;
	dns_tbuf_puts_(r->t, buf);
	return 0;
}

static int
text_aaaa(struct rd *r)
{
	char buf[64];

	if (rd_left(r) != 16 ||
	    evutil_inet_ntop(AF_INET6, r->msg + r->pos, buf, sizeof(buf)) ==
	        NULL)
		return -1;
	r->pos += 16;
	dns_tbuf_puts_(r->t, buf);
	return 0;
}

static int
text_soa(struct rd *r)
{
	int i;

	if (name(r) < 0)
		return -1;
	sp(r);
	if (name(r) < 0)
		return -1;
	for (i = 0; i < 5; i++) {
		sp(r);
		if (num32(r) < 0)
			return -1;
	}
	return 0;
}

/* TXT, SPF: one or more strings. */
static int
text_txt(struct rd *r)
{
	if (cstring(r) < 0)
		return -1;
	while (rd_left(r) > 0) {
		sp(r);
		if (cstring(r) < 0)
			return -1;
	}
	return 0;
}

/* A 16-bit number, a space and a name (MX, KX, AFSDB, RT). */
static int
text_num_name(struct rd *r)
{
	if (num16(r) < 0)
		return -1;
	sp(r);
	return name(r);
}

static int
text_two_names(struct rd *r)
{
	if (name(r) < 0)
		return -1;
	sp(r);
	return name(r);
}

static int
text_two_strings(struct rd *r)
{
	if (cstring(r) < 0)
		return -1;
	sp(r);
	return cstring(r);
}

static int
text_srv(struct rd *r)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (num16(r) < 0)
			return -1;
		sp(r);
	}
	return name(r);
}

/* CAA: flags, the tag bare (letters and digits, as BIND requires) and
 * the value quoted. */
static int
text_caa(struct rd *r)
{
	unsigned n, i;

	if (num8(r) < 0 || rd_u8(r, &n) < 0 || n == 0 || rd_left(r) < n)
		return -1;
	sp(r);
	for (i = 0; i < n; i++) {
		unsigned c = r->msg[r->pos + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		        (c >= 'A' && c <= 'Z')))
			return -1;
	}
	tb_putn(r->t, (const char *)r->msg + r->pos, n);
	r->pos += n;
	sp(r);
	quoted(r->t, r->msg + r->pos, rd_left(r));
	r->pos = r->end;
	return 0;
}

/* RFC 3597: "\# LEN HEX", the hex split like dig's. */
static void hex_words(struct dns_tbuf *t, const unsigned char *p, size_t n);

static int
text_unknown(struct rd *r)
{
	size_t n = rd_left(r);

	dns_tbuf_puts_(r->t, "\\# ");
	tb_u32(r->t, (ev_uint32_t)n);
	if (n > 0) {
		tb_putc(r->t, ' ');
		hex_words(r->t, r->msg + r->pos, n);
	}
	r->pos += n;
	return 0;
}

/* ---- hex and base64, split in words of 56 characters like dig ---- */

#define DIG_SPLIT 56

static void
hex_words(struct dns_tbuf *t, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i, col = 0;
	char *o;

	if (dns_tbuf_reserve_(t, 2 * n + n / (DIG_SPLIT / 2) + 1) < 0)
		return;
	o = t->p + t->len;
	for (i = 0; i < n; i++) {
		if (col == DIG_SPLIT) {
			*o++ = ' ';
			col = 0;
		}
		*o++ = digits[p[i] >> 4];
		*o++ = digits[p[i] & 15];
		col += 2;
	}
	*o = '\0';
	t->len = (size_t)(o - t->p);
}

/* ---- dispatch ---- */

int
dns_rdata_text_(struct dns_tbuf *t, const unsigned char *msg, size_t pos,
    size_t rdlen, int type)
{
	struct rd r;
	int rc;

	r.msg = msg;
	r.pos = pos;
	r.end = pos + rdlen;
	r.t = t;
	switch (type) {
	case EVDNS_TYPE_A:
		rc = text_a(&r);
		break;
	case EVDNS_TYPE_AAAA:
		rc = text_aaaa(&r);
		break;
	case EVDNS_TYPE_NS:
	case EVDNS_TYPE_CNAME:
	case EVDNS_TYPE_PTR:
	case EVDNS_TYPE_DNAME:
	case EVDNS_TYPE_MB:
	case EVDNS_TYPE_MD:
	case EVDNS_TYPE_MF:
	case EVDNS_TYPE_MG:
	case EVDNS_TYPE_MR:
		rc = name(&r);
		break;
	case EVDNS_TYPE_SOA:
		rc = text_soa(&r);
		break;
	case EVDNS_TYPE_MX:
	case EVDNS_TYPE_KX:
	case EVDNS_TYPE_AFSDB:
	case 21: /* RT */
		rc = text_num_name(&r);
		break;
	case EVDNS_TYPE_TXT:
	case EVDNS_TYPE_SPF:
		rc = text_txt(&r);
		break;
	case EVDNS_TYPE_HINFO:
		rc = text_two_strings(&r);
		break;
	case EVDNS_TYPE_MINFO:
	case EVDNS_TYPE_RP:
		rc = text_two_names(&r);
		break;
	case EVDNS_TYPE_SRV:
		rc = text_srv(&r);
		break;
	case EVDNS_TYPE_CAA:
		rc = text_caa(&r);
		break;
	default:
		rc = text_unknown(&r);
		break;
	}
	if (rc < 0 || r.pos != r.end || t->oom)
		return -1;
	return 0;
}

int
dns_opt_text_(struct dns_tbuf *t, const unsigned char *rdata, size_t rdlen)
{
	size_t pos = 0, start = t->len;

	while (pos < rdlen) {
		unsigned code, n;

		if (rdlen - pos < 4)
			return -1;
		code = (unsigned)(rdata[pos] << 8 | rdata[pos + 1]);
		n = (unsigned)(rdata[pos + 2] << 8 | rdata[pos + 3]);
		pos += 4;
		if (rdlen - pos < n)
			return -1;
		if (t->len > start)
			tb_putc(t, '\n');
		dns_tbuf_puts_(t, "; OPT");
		tb_u32(t, code);
		dns_tbuf_puts_(t, ": ");
		hex_words(t, rdata + pos, n);
		pos += n;
	}
	return t->oom ? -1 : 0;
}
