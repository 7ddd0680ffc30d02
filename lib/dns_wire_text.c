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
	int n = dns_name_unpack_(r->msg, r->end, &r->pos, wire);

	/* Each wire byte takes four characters at most ("\DDD"). */
	if (n < 0 || dns_tbuf_reserve_(t, 4 * (size_t)n) < 0)
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

/*
 * Fields of rdata one after another, separated by spaces, as `layout`
 * lists them: 'n' a name, 's' a <character-string>, '1', '2' and '4' an
 * unsigned number of that many bytes, in decimal.
 */
static int
fields(struct rd *r, const char *layout)
{
	const char *f;

	for (f = layout; *f; f++) {
		unsigned v = 0;
		ev_uint32_t v32 = 0;
		int rc;

		if (f > layout)
			sp(r);
		switch (*f) {
		case 'n':
			rc = name(r);
			break;
		case 's':
			rc = cstring(r);
			break;
		case '1':
		case '2':
			rc = *f == '1' ? rd_u8(r, &v) : rd_u16(r, &v);
			tb_u32(r->t, v);
			break;
		default:
			rc = rd_u32(r, &v32);
			tb_u32(r->t, v32);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- the types ---- */

/* Dotted quad, without snprintf: half the cost of a typical parse was
 * inet_ntop's printf before. */
static void
tb_ipv4(struct dns_tbuf *t, const unsigned char *a)
{
	char *o;
	int i;

	if (dns_tbuf_reserve_(t, 16) < 0)
		return;
	o = t->p + t->len;
	for (i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (i > 0)
			*o++ = '.';
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
	}
	*o = '\0';
	t->len = (size_t)(o - t->p);
}

static int
text_a(struct rd *r)
{
	if (rd_left(r) != 4)
		return -1;
	tb_ipv4(r->t, r->msg + r->pos);
	r->pos += 4;
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

/* CAA: flags, the tag bare (letters and digits, as BIND requires) and
 * the value quoted. */
static int
text_caa(struct rd *r)
{
	unsigned n, i;

	if (fields(r, "1") < 0 || rd_u8(r, &n) < 0 || n == 0 || rd_left(r) < n)
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


/* Base64, a space every `split` characters (0: none). */
static void
b64_words(struct dns_tbuf *t, const unsigned char *p, size_t n, size_t split)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0, k;
	char *o, quad[4];

	if (dns_tbuf_reserve_(t, (n + 2) / 3 * 4 + n / 42 + 2) < 0)
		return;
	o = t->p + t->len;
	for (i = 0; i < n; i += 3) {
		ev_uint32_t v = (ev_uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (ev_uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		quad[0] = digits[v >> 18 & 63];
		quad[1] = digits[v >> 12 & 63];
		quad[2] = i + 1 < n ? digits[v >> 6 & 63] : '=';
		quad[3] = i + 2 < n ? digits[v & 63] : '=';
		for (k = 0; k < 4; k++) {
			if (split && col == split) {
				*o++ = ' ';
				col = 0;
			}
			*o++ = quad[k];
			col++;
		}
	}
	*o = '\0';
	t->len = (size_t)(o - t->p);
}

/* The rest of the rdata (at least min bytes) after a space, in hex or
 * base64 split like dig's; nothing, not even the space, when empty. */
static int
rest_encoded(struct rd *r, size_t min, int base64)
{
	size_t n = rd_left(r);

	if (n < min)
		return -1;
	if (n > 0) {
		sp(r);
		if (base64)
			b64_words(r->t, r->msg + r->pos, n, DIG_SPLIT);
		else
			hex_words(r->t, r->msg + r->pos, n);
	}
	r->pos = r->end;
	return 0;
}
#define rest_hex(r, min) rest_encoded((r), (min), 0)
#define rest_b64(r, min) rest_encoded((r), (min), 1)

/* RFC 4648 base32hex, upper case, unpadded (NSEC3's hashes). */
static void
b32hex(struct dns_tbuf *t, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
	size_t i, bits = 0;
	ev_uint32_t acc = 0;
	char *o;

	if (dns_tbuf_reserve_(t, (n * 8 + 4) / 5) < 0)
		return;
	o = t->p + t->len;
	for (i = 0; i < n; i++) {
		acc = (acc << 8 | p[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*o++ = digits[acc >> bits & 31];
		}
	}
	if (bits > 0)
		*o++ = digits[acc << (5 - bits) & 31];
	*o = '\0';
	t->len = (size_t)(o - t->p);
}

/* ---- DNSSEC and friends ---- */

static void
type_mnemonic(struct dns_tbuf *t, unsigned type)
{
	const char *s = evdns_type_name((int)type);

	if (s != NULL) {
		dns_tbuf_puts_(t, s);
	} else {
		dns_tbuf_puts_(t, "TYPE");
		tb_u32(t, type);
	}
}

/*
 * An RFC 4034 type bitmap, each type preceded by a space.  Windows in
 * increasing order, 1 to 32 bytes each, the last byte not zero (as BIND
 * checks); empty only where allowed.
 */
static int
type_bitmap(struct rd *r, int allow_empty)
{
	int last = -1;

	if (rd_left(r) == 0 && !allow_empty)
		return -1;
	while (rd_left(r) > 0) {
		unsigned window, n, i, bit;
		const unsigned char *bits;

		if (rd_u8(r, &window) < 0 || rd_u8(r, &n) < 0 || n == 0 ||
		    n > 32 || (int)window <= last || rd_left(r) < n ||
		    r->msg[r->pos + n - 1] == 0)
			return -1;
		bits = r->msg + r->pos;
		for (i = 0; i < n; i++) {
			for (bit = 0; bit < 8; bit++) {
				if (!(bits[i] & (0x80 >> bit)))
					continue;
				sp(r);
				type_mnemonic(r->t,
				    window << 8 | (i * 8 + bit));
			}
		}
		r->pos += n;
		last = (int)window;
	}
	return 0;
}

/*
 * Numbers as `layout` lists them, then the rest of the rdata in hex, at
 * least min bytes.  The last number picks the hex's exact length when
 * exact[] has a non-zero entry for it: DS digest types, SSHFP fingerprint
 * types, ZONEMD hash algorithms (whose lengths BIND checks too).
 */
static int
numbers_then_hex(struct rd *r, const char *layout, const unsigned char *exact,
    size_t n_exact, size_t min)
{
	unsigned last;

	if (fields(r, layout) < 0)
		return -1;
	last = r->msg[r->pos - 1];
	if (last < n_exact && exact[last] != 0 && rd_left(r) != exact[last])
		return -1;
	return rest_hex(r, min);
}

/* By digest type: SHA-1, SHA-256, GOST R 34.11-94, SHA-384. */
static const unsigned char ds_len[] = { 0, 20, 32, 32, 48 };
/* By fingerprint type: SHA-1, SHA-256. */
static const unsigned char sshfp_len[] = { 0, 20, 32 };
/* By hash algorithm: SHA-384, SHA-512. */
static const unsigned char zonemd_len[] = { 0, 48, 64 };
#define N(a) (sizeof(a) / sizeof(a[0]))
/* DNSKEY, CDNSKEY, KEY: flags, protocol, algorithm, the key. */
static int
text_dnskey(struct rd *r, int type)
{
	size_t start = r->pos;
	unsigned flags;

	if (fields(r, "211") < 0)
		return -1;
	flags = (unsigned)(r->msg[start] << 8 | r->msg[start + 1]);
	/* KEY may carry no key when it says so (RFC 2535 "no key"). */
	return rest_b64(r,
	    type == EVDNS_TYPE_KEY && (flags & 0xc000) == 0xc000 ? 0 : 1);
}

/* A 32-bit time as YYYYMMDDHHMMSS: like dig, the one within 68 years of
 * now (RFC 4034 serial arithmetic). */
static void
tb_time(struct dns_tbuf *t, ev_uint32_t v)
{
	time_t now = time(NULL);
	ev_uint32_t d = v - (ev_uint32_t)now;
	ev_int64_t when = (ev_int64_t)now +
	    (d < 0x80000000u ? (ev_int64_t)d : (ev_int64_t)d - 0x100000000LL);
	time_t tt = (time_t)when;
	struct tm tm;
	char buf[32];

	if (gmtime_r(&tt, &tm) == NULL) {
		tb_u32(t, v);
		return;
	}
	evutil_snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	dns_tbuf_puts_(t, buf);
}

/* RRSIG and SIG. */
static int
text_rrsig(struct rd *r)
{
	unsigned covered;
	ev_uint32_t v;
	int i;

	if (rd_u16(r, &covered) < 0)
		return -1;
	type_mnemonic(r->t, covered);
	sp(r);
	if (fields(r, "114") < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		sp(r);
		if (rd_u32(r, &v) < 0)
			return -1;
		tb_time(r->t, v);
	}
	sp(r);
	if (fields(r, "2n") < 0)
		return -1;
	return rest_b64(r, 1);
}

/* NSEC (a name, a bitmap not empty), CSYNC (serial, flags, a bitmap). */
static int
fields_then_bitmap(struct rd *r, const char *layout, int allow_empty)
{
	if (fields(r, layout) < 0)
		return -1;
	return type_bitmap(r, allow_empty);
}

/* Algorithm, flags, iterations and the salt (hex, "-" when empty). */
static int
nsec3_params(struct rd *r)
{
	unsigned n;

	if (fields(r, "112") < 0 || rd_u8(r, &n) < 0 || rd_left(r) < n)
		return -1;
	sp(r);
	if (n == 0) {
		tb_putc(r->t, '-');
	} else {
		hex_words(r->t, r->msg + r->pos, n);
		r->pos += n;
	}
	return 0;
}

static int
text_nsec3(struct rd *r)
{
	unsigned n;

	if (nsec3_params(r) < 0 || rd_u8(r, &n) < 0 || n == 0 || rd_left(r) < n)
		return -1;
	sp(r);
	b32hex(r->t, r->msg + r->pos, n);
	r->pos += n;
	return type_bitmap(r, 1);
}

static int
text_uri(struct rd *r)
{
	if (fields(r, "22") < 0)
		return -1;
	sp(r);
	quoted(r->t, r->msg + r->pos, rd_left(r));
	r->pos = r->end;
	return 0;
}

static int
text_eui(struct rd *r, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (rd_left(r) != n)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned c = r->msg[r->pos + i];

		if (i > 0)
			tb_putc(r->t, '-');
		tb_putc(r->t, digits[c >> 4]);
		tb_putc(r->t, digits[c & 15]);
	}
	r->pos += n;
	return 0;
}

/* ---- SVCB and HTTPS (RFC 9460), as dig 9.18 prints them ---- */

static const char *const svc_keys[] = { "mandatory", "alpn", "no-default-alpn",
	"port", "ipv4hint", "ech", "ipv6hint" };

static void
svc_key_name(struct dns_tbuf *t, unsigned key)
{
	if (key < sizeof(svc_keys) / sizeof(svc_keys[0])) {
		dns_tbuf_puts_(t, svc_keys[key]);
	} else {
		dns_tbuf_puts_(t, "key");
		tb_u32(t, key);
	}
}

/* One alpn-id inside alpn="...": a comma or backslash in it is escaped
 * for the list and again for the quotes. */
static void
alpn_id(struct dns_tbuf *t, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (c <= 0x20 || c >= 0x7f) {
			char buf[5];

			evutil_snprintf(buf, sizeof(buf), "\\%03u", c);
			dns_tbuf_puts_(t, buf);
		} else if (c == ',') {
			dns_tbuf_puts_(t, "\\\\,");
		} else if (c == '\\') {
			dns_tbuf_puts_(t, "\\\\\\\\");
		} else if (c == '"') {
			dns_tbuf_puts_(t, "\\\"");
		} else {
			tb_putc(t, (char)c);
		}
	}
}

/* Is key present among the parameters at msg[pos, end)? (Already
 * checked to be well formed.) */
static int
svc_has_key(const unsigned char *msg, size_t pos, size_t end, unsigned key)
{
	while (pos + 4 <= end) {
		unsigned k = (unsigned)(msg[pos] << 8 | msg[pos + 1]);
		unsigned n = (unsigned)(msg[pos + 2] << 8 | msg[pos + 3]);

		if (k == key)
			return 1;
		pos += 4 + n;
	}
	return 0;
}

/* Does a dohpath hold the "{?dns}" variable? */
static int
has_dns_variable(const unsigned char *v, size_t n)
{
	size_t i;

	for (i = 0; i + 6 <= n; i++) {
		if (memcmp(v + i, "{?dns}", 6) == 0)
			return 1;
	}
	return 0;
}

/* The value of one parameter (n bytes at r->pos); -1 when malformed. */
static int
svc_value(struct rd *r, unsigned key, size_t n)
{
	const unsigned char *v = r->msg + r->pos;
	struct dns_tbuf *t = r->t;
	char buf[64];
	size_t i;

	switch (key) {
	case 0: /* mandatory: keys in increasing order, not itself */
		if (n == 0 || n % 2)
			return -1;
		tb_putc(t, '=');
		for (i = 0; i < n; i += 2) {
			unsigned k = (unsigned)(v[i] << 8 | v[i + 1]);

			if (k == 0 ||
			    (i > 0 &&
			        k <= (unsigned)(v[i - 2] << 8 | v[i - 1])))
				return -1;
			if (i > 0)
				tb_putc(t, ',');
			svc_key_name(t, k);
		}
		return 0;
	case 1: /* alpn: non-empty ids */
		if (n == 0)
			return -1;
		dns_tbuf_puts_(t, "=\"");
		for (i = 0; i < n; i += 1u + v[i]) {
			if (v[i] == 0 || n - i - 1 < v[i])
				return -1;
			if (i > 0)
				tb_putc(t, ',');
			alpn_id(t, v + i + 1, v[i]);
		}
		tb_putc(t, '"');
		return 0;
	case 2: /* no-default-alpn */
		return n == 0 ? 0 : -1;
	case 3: /* port */
		if (n != 2)
			return -1;
		tb_putc(t, '=');
		tb_u32(t, (ev_uint32_t)(v[0] << 8 | v[1]));
		return 0;
	case 4: /* ipv4hint */
	case 6: /* ipv6hint */
	{
		size_t each = key == 4 ? 4 : 16;

		if (n == 0 || n % each)
			return -1;
		tb_putc(t, '=');
		for (i = 0; i < n; i += each) {
			if (i > 0)
				tb_putc(t, ',');
			if (evutil_inet_ntop(key == 4 ? AF_INET : AF_INET6,
			        v + i, buf, sizeof(buf)) == NULL)
				return -1;
			dns_tbuf_puts_(t, buf);
		}
		return 0;
	}
	case 5: /* ech */
		if (n > 0) {
			tb_putc(t, '=');
			b64_words(t, v, n, 0); /* dig does not split it */
		}
		return 0;
	case 7: /* dohpath (RFC 9461), which dig 9.18 calls key7 */
		if (n == 0 || v[0] != '/' || !has_dns_variable(v, n))
			return -1;
		/* FALLTHROUGH */
	default:
		if (n > 0) {
			tb_putc(t, '=');
			quoted(t, v, n);
		}
		return 0;
	}
}

static int
text_svcb(struct rd *r)
{
	size_t params;
	int last = -1, alpn = 0, no_default_alpn = 0;

	if (fields(r, "2n") < 0)
		return -1;
	params = r->pos;
	while (rd_left(r) > 0) {
		unsigned key, n;

		if (rd_u16(r, &key) < 0 || rd_u16(r, &n) < 0 ||
		    (int)key <= last || rd_left(r) < n)
			return -1;
		sp(r);
		svc_key_name(r->t, key);
		if (svc_value(r, key, n) < 0)
			return -1;
		r->pos += n;
		last = (int)key;
		alpn |= key == 1;
		no_default_alpn |= key == 2;
	}
	if (no_default_alpn && !alpn)
		return -1;
	/* Every key mandatory names must be there. */
	if (svc_has_key(r->msg, params, r->end, 0)) {
		const unsigned char *v = r->msg + params + 4;
		size_t i,
		    n = (size_t)(r->msg[params + 2] << 8 | r->msg[params + 3]);

		for (i = 0; i < n; i += 2) {
			if (!svc_has_key(r->msg, params, r->end,
			        (unsigned)(v[i] << 8 | v[i + 1])))
				return -1;
		}
	}
	return 0;
}

/* ---- LOC (RFC 1876), as dig prints it ---- */

/* A size or precision: mantissa and power of ten of centimetres, in
 * metres ("1m", "0.01m"). */
static int
loc_size(struct dns_tbuf *t, unsigned v)
{
	unsigned m = v >> 4, e = v & 15;
	char buf[24];

	if (m > 9 || e > 9)
		return -1;
	if (e >= 2) {
		ev_uint32_t x = m;

		while (e-- > 2)
			x *= 10;
		evutil_snprintf(buf, sizeof(buf), " %lum", (unsigned long)x);
	} else {
		evutil_snprintf(buf, sizeof(buf), " 0.%02um", e ? m * 10 : m);
	}
	dns_tbuf_puts_(t, buf);
	return 0;
}

/* Latitude or longitude: thousandths of an arc second from 2^31. */
static int
loc_angle(struct dns_tbuf *t, ev_uint32_t v, ev_uint32_t max_deg, char pos,
    char neg)
{
	ev_uint32_t a = v >= 0x80000000u ? v - 0x80000000u : 0x80000000u - v;
	char buf[48];

	if (a > max_deg * 3600000u)
		return -1;
	evutil_snprintf(buf, sizeof(buf), "%lu %lu %lu.%03lu %c",
	    (unsigned long)(a / 3600000), (unsigned long)(a / 60000 % 60),
	    (unsigned long)(a / 1000 % 60), (unsigned long)(a % 1000),
	    v >= 0x80000000u ? pos : neg);
	dns_tbuf_puts_(t, buf);
	return 0;
}

static int
text_loc(struct rd *r)
{
	const unsigned char *p = r->msg + r->pos;
	ev_uint32_t lat, lon, alt;
	char buf[32];

	/* Versions other than 0 have no text form: dig writes them in
	 * RFC 3597 form, and so do we. */
	if (rd_left(r) == 0 || p[0] != 0)
		return text_unknown(r);
	if (rd_left(r) != 16)
		return -1;
	r->pos += 4;
	if (rd_u32(r, &lat) < 0 || rd_u32(r, &lon) < 0 || rd_u32(r, &alt) < 0)
		return -1;
	if (loc_angle(r->t, lat, 90, 'N', 'S') < 0)
		return -1;
	sp(r);
	if (loc_angle(r->t, lon, 180, 'E', 'W') < 0)
		return -1;
	if (alt < 10000000u)
		evutil_snprintf(buf, sizeof(buf), " -%lu.%02lum",
		    (unsigned long)((10000000u - alt) / 100),
		    (unsigned long)((10000000u - alt) % 100));
	else
		evutil_snprintf(buf, sizeof(buf), " %lu.%02lum",
		    (unsigned long)((alt - 10000000u) / 100),
		    (unsigned long)((alt - 10000000u) % 100));
	dns_tbuf_puts_(r->t, buf);
	if (loc_size(r->t, p[1]) < 0 || loc_size(r->t, p[2]) < 0 ||
	    loc_size(r->t, p[3]) < 0)
		return -1;
	return 0;
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
		rc = fields(&r, "n");
		break;
	case EVDNS_TYPE_SOA:
		rc = fields(&r, "nn44444");
		break;
	case EVDNS_TYPE_MX:
	case EVDNS_TYPE_KX:
	case EVDNS_TYPE_AFSDB:
	case 21: /* RT */
		rc = fields(&r, "2n");
		break;
	case EVDNS_TYPE_TXT:
	case EVDNS_TYPE_SPF:
		rc = text_txt(&r);
		break;
	case EVDNS_TYPE_HINFO:
		rc = fields(&r, "ss");
		break;
	case EVDNS_TYPE_MINFO:
	case EVDNS_TYPE_RP:
		rc = fields(&r, "nn");
		break;
	case EVDNS_TYPE_SRV:
		rc = fields(&r, "222n");
		break;
	case EVDNS_TYPE_CAA:
		rc = text_caa(&r);
		break;
	case EVDNS_TYPE_NAPTR:
		rc = fields(&r, "22sssn");
		break;
	case EVDNS_TYPE_SSHFP:
		rc = numbers_then_hex(&r, "11", sshfp_len, N(sshfp_len), 0);
		break;
	case EVDNS_TYPE_DS:
	case EVDNS_TYPE_CDS:
	case 32769: /* DLV */
		rc = numbers_then_hex(&r, "211", ds_len, N(ds_len), 1);
		break;
	case EVDNS_TYPE_DNSKEY:
	case EVDNS_TYPE_CDNSKEY:
	case EVDNS_TYPE_KEY:
		rc = text_dnskey(&r, type);
		break;
	case EVDNS_TYPE_RRSIG:
	case EVDNS_TYPE_SIG:
		rc = text_rrsig(&r);
		break;
	case EVDNS_TYPE_NSEC:
		rc = fields_then_bitmap(&r, "n", 0);
		break;
	case EVDNS_TYPE_NSEC3:
		rc = text_nsec3(&r);
		break;
	case EVDNS_TYPE_NSEC3PARAM:
		rc = nsec3_params(&r);
		break;
	case EVDNS_TYPE_TLSA:
	case EVDNS_TYPE_SMIMEA:
		rc = numbers_then_hex(&r, "111", NULL, 0, 1);
		break;
	case EVDNS_TYPE_OPENPGPKEY:
	case EVDNS_TYPE_DHCID:
		if (rdlen == 0)
			return -1;
		b64_words(t, msg + pos, rdlen, DIG_SPLIT);
		r.pos = r.end;
		rc = 0;
		break;
	case EVDNS_TYPE_ZONEMD:
		rc = numbers_then_hex(&r, "411", zonemd_len, N(zonemd_len), 12);
		break;
	case EVDNS_TYPE_CSYNC:
		rc = fields_then_bitmap(&r, "42", 1);
		break;
	case EVDNS_TYPE_URI:
		rc = text_uri(&r);
		break;
	case EVDNS_TYPE_EUI48:
		rc = text_eui(&r, 6);
		break;
	case EVDNS_TYPE_EUI64:
		rc = text_eui(&r, 8);
		break;
	case EVDNS_TYPE_LOC:
		rc = text_loc(&r);
		break;
	case EVDNS_TYPE_SVCB:
	case EVDNS_TYPE_HTTPS:
		rc = text_svcb(&r);
		break;
	default:
		rc = text_unknown(&r);
		break;
	}
	if (rc < 0 || r.pos != r.end || t->oom)
		return -1;
	return 0;
}

/* ---- OPT: one "; NAME: value" line per option, as dig 9.18 ---- */

static const char *const ede_names[] = { "Other",
	"Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type",
	"Stale Answer", "Forged Answer", "DNSSEC Indeterminate", "DNSSEC Bogus",
	"Signature Expired", "Signature Not Yet Valid", "DNSKEY Missing",
	"RRSIGs Missing", "No Zone Key Bit Set", "NSEC Missing", "Cached Error",
	"Not Ready", "Blocked", "Censored", "Filtered", "Prohibited",
	"Stale NXDOMAIN Answer", "Not Authoritative", "Not Supported",
	"No Reachable Authority", "Network Error", "Invalid Data" };

/* ("text") with a dot for every byte outside printable ASCII. */
static void
dotted_text(struct dns_tbuf *t, const unsigned char *p, size_t n)
{
	size_t i;

	dns_tbuf_puts_(t, "(\"");
	for (i = 0; i < n; i++)
		tb_putc(t, p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
	dns_tbuf_puts_(t, "\")");
}

/* Lower-case hex bytes separated by spaces, then ("text"). */
static void
hex_bytes_text(struct dns_tbuf *t, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		tb_putc(t, ' ');
		tb_putc(t, digits[p[i] >> 4]);
		tb_putc(t, digits[p[i] & 15]);
	}
	tb_putc(t, ' ');
	dotted_text(t, p, n);
}

/* CLIENT-SUBNET (RFC 7871) as ADDR/SOURCE/SCOPE; -1 when malformed. */
static int
ecs_text(struct dns_tbuf *t, const unsigned char *p, size_t n)
{
	unsigned char addr[16];
	char buf[64];
	unsigned family, src;
	size_t alen;

	if (n < 4)
		return -1;
	family = (unsigned)(p[0] << 8 | p[1]);
	src = p[2];
	alen = family == 1 ? 4 : family == 2 ? 16 : 0;
	if (alen == 0 || src > alen * 8 || n - 4 != (src + 7) / 8)
		return -1;
	memset(addr, 0, sizeof(addr));
	memcpy(addr, p + 4, n - 4);
	if (evutil_inet_ntop(family == 1 ? AF_INET : AF_INET6, addr, buf,
	        sizeof(buf)) == NULL)
		return -1;
	dns_tbuf_puts_(t, " ");
	dns_tbuf_puts_(t, buf);
	tb_putc(t, '/');
	tb_u32(t, src);
	tb_putc(t, '/');
	tb_u32(t, p[3]);
	return 0;
}

static void
opt_line(struct dns_tbuf *t, unsigned code, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i, mark;

	switch (code) {
	case 3:
		dns_tbuf_puts_(t, "; NSID:");
		hex_bytes_text(t, p, n);
		return;
	case 8:
		mark = t->len;
		dns_tbuf_puts_(t, "; CLIENT-SUBNET:");
		if (ecs_text(t, p, n) == 0)
			return;
		t->len = mark; /* malformed: the generic form */
		break;
	case 10:
		dns_tbuf_puts_(t, "; COOKIE: ");
		for (i = 0; i < n; i++) {
			tb_putc(t, digits[p[i] >> 4]);
			tb_putc(t, digits[p[i] & 15]);
		}
		return;
	case 11:
		dns_tbuf_puts_(t, "; TCP KEEPALIVE:");
		if (n == 2) {
			unsigned v = (unsigned)(p[0] << 8 | p[1]);

			tb_putc(t, ' ');
			tb_u32(t, v / 10);
			tb_putc(t, '.');
			tb_u32(t, v % 10);
			dns_tbuf_puts_(t, " secs");
		}
		return;
	case 12:
		dns_tbuf_puts_(t, "; PAD: (");
		tb_u32(t, (ev_uint32_t)n);
		dns_tbuf_puts_(t, " bytes)");
		return;
	case 14:
		if (n == 0 || n % 2)
			break;
		dns_tbuf_puts_(t, "; KEY-TAG:");
		for (i = 0; i < n; i += 2) {
			dns_tbuf_puts_(t, i ? ", " : " ");
			tb_u32(t, (ev_uint32_t)(p[i] << 8 | p[i + 1]));
		}
		return;
	case 15:
		if (n < 2)
			break;
		dns_tbuf_puts_(t, "; EDE: ");
		i = (size_t)(p[0] << 8 | p[1]);
		tb_u32(t, (ev_uint32_t)i);
		if (i < sizeof(ede_names) / sizeof(ede_names[0])) {
			dns_tbuf_puts_(t, " (");
			dns_tbuf_puts_(t, ede_names[i]);
			tb_putc(t, ')');
		}
		if (n > 2) {
			dns_tbuf_puts_(t, ": ");
			/* dig's parentheses, without its quotes */
			tb_putc(t, '(');
			for (i = 2; i < n; i++)
				tb_putc(t,
				    p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i]
				                                : '.');
			tb_putc(t, ')');
		}
		return;
	default:
		break;
	}
	dns_tbuf_puts_(t, "; OPT=");
	tb_u32(t, code);
	tb_putc(t, ':');
	hex_bytes_text(t, p, n);
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
		opt_line(t, code, rdata + pos, n);
		pos += n;
	}
	return t->oom ? -1 : 0;
}
