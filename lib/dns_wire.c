/*
 * dns_wire.c: DNS messages on the wire, with no I/O: names in wire and
 * presentation form, the message parser, the query and reply builders,
 * and the mnemonics of types, classes, rcodes and opcodes.
 *
 * The parser follows ldns' defensive reading: the position is compared
 * with the end before every read, compression pointers must point
 * strictly backwards and are followed at most 127 times, labels and names
 * are bounded, and every rdata of a known type must have that type's
 * layout exactly (checked while its text is written, in dns_wire_text.c).
 * A parsed message is one block (header struct, record arrays, a copy of
 * the wire) plus one block for all its text.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/dns_query.h>
#include <event2/util.h>

#include "dns-wire-internal.h"
#include "dns-wire-text-internal.h"
#include "mm-internal.h"

#define DNS_MAX_HOPS 127 /* compression pointers followed per name */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ---- names ---- */

int
dns_name_from_text_(const char *text, unsigned char *out)
{
	size_t len = 1; /* out[0] is the first label's length */
	size_t label = 0, llen = 0;
	const char *s = text;

	if (s[0] == '.' && s[1] == '\0')
		s++;
	while (*s) {
		unsigned c = (unsigned char)*s++;

		if (c == '.') {
			if (llen == 0)
				return -1; /* empty label */
			out[label] = (unsigned char)llen;
			label = len++;
			llen = 0;
			if (len > DNS_NAME_MAX)
				return -1;
			continue;
		}
		if (c == '\\') {
			if (isdigit((unsigned char)s[0])) {
				if (!isdigit((unsigned char)s[1]) ||
				    !isdigit((unsigned char)s[2]))
					return -1;
				c = (unsigned)(s[0] - '0') * 100 +
				    (unsigned)(s[1] - '0') * 10 +
				    (unsigned)(s[2] - '0');
				if (c > 255)
					return -1;
				s += 3;
			} else if (*s == '\0') {
				return -1;
			} else {
				c = (unsigned char)*s++;
			}
		}
		if (++llen > DNS_LABEL_MAX || len + 1 >= DNS_NAME_MAX)
			return -1;
		out[len++] = (unsigned char)c;
	}
	if (llen > 0) {
		/* No final dot: close the last label. */
		out[label] = (unsigned char)llen;
		label = len++;
	}
	out[label] = 0;
	return (int)len;
}

/* How dig writes each byte of a label, by value: '0' as itself, '1'
 * after a backslash (. \ " ( ) $ ; @), '2' as \DDD (space, and all
 * outside printable ASCII). */
static const char esc_class[257] =
    "2222222222222222222222222222222220101000110000100000000000010000"
    "1000000000000000000000000000100000000000000000000000000000000002"
    "2222222222222222222222222222222222222222222222222222222222222222"
    "2222222222222222222222222222222222222222222222222222222222222222";

size_t
dns_name_escape_(const unsigned char *name, char *out)
{
	char *o = out;
	size_t i = 0;

	if (name[0] == 0) {
		*o++ = '.';
		*o = '\0';
		return 1;
	}
	while (name[i] != 0) {
		size_t n = name[i++], end = i + n;

		for (; i < end; i++) {
			unsigned c = name[i];

			switch (esc_class[c]) {
			case '0':
				*o++ = (char)c;
				break;
			case '1':
				*o++ = '\\';
				*o++ = (char)c;
				break;
			default:
				*o++ = '\\';
				*o++ = (char)('0' + c / 100);
				*o++ = (char)('0' + c / 10 % 10);
				*o++ = (char)('0' + c % 10);
			}
		}
		*o++ = '.';
	}
	*o = '\0';
	return (size_t)(o - out);
}

int
dns_name_to_text_(const unsigned char *name, char *out, size_t outlen)
{
	char tmp[DNS_NAME_TEXT_MAX];
	size_t n = dns_name_escape_(name, tmp);

	if (n + 1 > outlen)
		return -1;
	memcpy(out, tmp, n + 1);
	return (int)n;
}

int
dns_name_unpack_(const unsigned char *msg, size_t len, size_t *pos,
    unsigned char *out)
{
	size_t p = *pos, limit = *pos, next = 0, olen = 0;
	int hops = 0;

	for (;;) {
		unsigned c;

		if (p >= len)
			return -1;
		c = msg[p];
		if (c == 0)
			break;
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len)
				return -1;
			target = ((size_t)(c & 0x3f) << 8) | msg[p + 1];
			/* Strictly before whatever led here: no loops, and
			 * never into the header. */
			if (target >= limit || target < DNS_HEADER_LEN ||
			    ++hops > DNS_MAX_HOPS)
				return -1;
			if (hops == 1)
				next = p + 2;
			p = limit = target;
			continue;
		}
		if (c & 0xc0)
			return -1; /* 0x40 and 0x80: reserved label types */
		if (p + 1 + c > len || olen + 1 + c + 1 > DNS_NAME_MAX)
			return -1;
		memcpy(out + olen, msg + p, 1 + c);
		olen += 1 + c;
		p += 1 + c;
	}
	out[olen++] = 0;
	*pos = hops ? next : p + 1;
	return (int)olen;
}

int
dns_name_equal_(const unsigned char *a, const unsigned char *b, int exact_case)
{
	size_t i = 0;

	for (;;) {
		size_t n = a[i], end;

		if (b[i] != n)
			return 0;
		if (n == 0)
			return 1;
		end = i + 1 + n;
		for (i++; i < end; i++) {
			if (a[i] == b[i])
				continue;
			if (exact_case || lower(a[i]) != lower(b[i]))
				return 0;
		}
	}
}

void
dns_name_randomize_case_(unsigned char *name, ev_uint16_t (*next16)(void *arg),
    void *arg)
{
	size_t i = 0;
	unsigned bits = 0;
	int nbits = 0;

	while (name[i] != 0) {
		size_t end = i + 1 + name[i];

		for (i++; i < end; i++) {
			unsigned c = name[i] | 0x20;

			if (c < 'a' || c > 'z')
				continue;
			if (nbits == 0) {
				bits = next16(arg);
				nbits = 16;
			}
			if (bits & 1)
				name[i] ^= 0x20;
			bits >>= 1;
			nbits--;
		}
	}
}

/* The wire length of an uncompressed name (as built above). */
static size_t
name_len(const unsigned char *name)
{
	size_t i = 0;

	while (name[i] != 0)
		i += 1u + name[i];
	return i + 1;
}

/* ---- the query builder ---- */

int
dns_query_build_(const struct dns_query_spec *q, unsigned char *out, size_t cap)
{
	size_t nl = name_len(q->qname);
	size_t len = DNS_HEADER_LEN + nl + 4 + (q->edns_udp_size ? 11 : 0);

	if (nl > DNS_NAME_MAX || len > cap)
		return -1;
	memset(out, 0, DNS_HEADER_LEN);
	dns_put16(out, q->id);
	dns_put16(out + 2, q->flags);
	dns_put16(out + 4, 1);
	memcpy(out + DNS_HEADER_LEN, q->qname, nl);
	dns_put16(out + DNS_HEADER_LEN + nl, q->qtype);
	dns_put16(out + DNS_HEADER_LEN + nl + 2, q->qclass);
	if (q->edns_udp_size) {
		unsigned char *o = out + DNS_HEADER_LEN + nl + 4;

		dns_put16(out + 10, 1);
		o[0] = 0; /* the root */
		dns_put16(o + 1, EVDNS_TYPE_OPT);
		dns_put16(o + 3, q->edns_udp_size);
		dns_put32(o + 5, q->edns_flags); /* ext rcode 0, version 0 */
		dns_put16(o + 9, 0);
	}
	return (int)len;
}

/* ---- the reply builder ---- */

void
dns_builder_init_(struct dns_builder *b, unsigned char *buf, size_t cap,
    ev_uint16_t id, ev_uint16_t flags)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	if (cap >= DNS_HEADER_LEN) {
		memset(buf, 0, DNS_HEADER_LEN);
		dns_put16(buf, id);
		dns_put16(buf + 2, flags);
		b->len = DNS_HEADER_LEN;
	} else {
		b->truncated = 1;
	}
}

/*
 * Is `name` (a suffix of a name being written) the name written at
 * message offset `at`?  Case counts, so that every name reads back with
 * the bytes it was given (a 0x20-randomized question stays as asked).
 */
static int
suffix_matches(const struct dns_builder *b, const unsigned char *name,
    size_t at)
{
	unsigned char other[DNS_NAME_MAX];
	size_t pos = at;

	if (dns_name_unpack_(b->buf, b->len, &pos, other) < 0)
		return 0;
	return dns_name_equal_(name, other, 1);
}

/*
 * Writes `name` at b->len compressed against the names written before;
 * records the offsets of its new labels.  0, or -1 when it does not fit.
 */
static int
builder_name(struct dns_builder *b, const unsigned char *name)
{
	size_t i = 0;
	int n_names = b->n_names;

	while (name[i] != 0) {
		int k;

		for (k = 0; k < n_names; k++) {
			if (suffix_matches(b, name + i, b->names[k])) {
				if (b->len + 2 > b->cap)
					return -1;
				dns_put16(b->buf + b->len,
				    0xc000u | b->names[k]);
				b->len += 2;
				return 0;
			}
		}
		if (b->len + 1u + name[i] > b->cap)
			return -1;
		/* A label beyond 0x3fff cannot be pointed to. */
		if (b->len <= 0x3fff && b->n_names < DNS_BUILDER_MAX_PTRS)
			b->names[b->n_names++] = (ev_uint16_t)b->len;
		memcpy(b->buf + b->len, name + i, 1u + name[i]);
		b->len += 1u + name[i];
		i += 1u + name[i];
	}
	if (b->len + 1 > b->cap)
		return -1;
	b->buf[b->len++] = 0;
	return 0;
}

/* Undoes a partly written item: back to len, forgetting its labels. */
static int
builder_rollback(struct dns_builder *b, size_t len)
{
	b->len = len;
	while (b->n_names > 0 && b->names[b->n_names - 1] >= len)
		b->n_names--;
	b->truncated = 1;
	return -1;
}

int
dns_builder_question_(struct dns_builder *b, const unsigned char *qname,
    ev_uint16_t qtype, ev_uint16_t qclass)
{
	size_t start = b->len;

	if (b->truncated)
		return -1;
	if (builder_name(b, qname) < 0 || b->len + 4 > b->cap)
		return builder_rollback(b, start);
	dns_put16(b->buf + b->len, qtype);
	dns_put16(b->buf + b->len + 2, qclass);
	b->len += 4;
	b->counts[0]++;
	return 0;
}

int
dns_builder_rr_(struct dns_builder *b, int section, const unsigned char *owner,
    ev_uint16_t type, ev_uint16_t rclass, ev_uint32_t ttl,
    const unsigned char *rdata, size_t rdlen, int is_name)
{
	size_t start = b->len, rdstart;

	if (b->truncated || section < 0 || section > 2)
		return -1;
	if (builder_name(b, owner) < 0 || b->len + 10 > b->cap)
		return builder_rollback(b, start);
	dns_put16(b->buf + b->len, type);
	dns_put16(b->buf + b->len + 2, rclass);
	dns_put32(b->buf + b->len + 4, ttl);
	b->len += 10;
	rdstart = b->len;
	if (is_name) {
		if (builder_name(b, rdata) < 0)
			return builder_rollback(b, start);
	} else {
		if (rdlen > 0xffff || b->len + rdlen > b->cap)
			return builder_rollback(b, start);
		if (rdlen)
			memcpy(b->buf + b->len, rdata, rdlen);
		b->len += rdlen;
	}
	dns_put16(b->buf + rdstart - 2, (unsigned)(b->len - rdstart));
	b->counts[section + 1]++;
	return 0;
}

size_t
dns_builder_finish_(struct dns_builder *b, int rcode)
{
	int i;

	if (b->len < DNS_HEADER_LEN)
		return 0;
	b->buf[3] = (unsigned char)((b->buf[3] & 0xf0) | (rcode & 0x0f));
	if (b->truncated)
		b->buf[2] |= 0x02; /* TC */
	for (i = 0; i < 4; i++)
		dns_put16(b->buf + 4 + 2 * i, b->counts[i]);
	return b->len;
}

/* ---- the parser ---- */

/* What evdns_msg_parse allocates: the message, its records, the wire. */
struct msg_block {
	struct evdns_msg pub;
	char *text; /* every string of the message, one block */
};

/* Appends the text of a wire name (n bytes) to t, with its NUL; returns
 * its offset in t. */
static size_t
tb_name(struct dns_tbuf *t, const unsigned char *name, int n)
{
	size_t off = t->len;

	/* Each wire byte takes four characters at most ("\DDD"). */
	if (dns_tbuf_reserve_(t, 4 * (size_t)n) < 0)
		return 0;
	t->len += dns_name_escape_(name, t->p + t->len);
	t->len++; /* keep the NUL */
	return off;
}

/* Strings hold offsets into the text block until it stops moving. */
#define OFF_TO_PTR(off) ((char *)(uintptr_t)(off))
#define PTR_TO_OFF(ptr) ((size_t)(uintptr_t)(ptr))

int
dns_rr_read_(const unsigned char *msg, size_t len, size_t *pos,
    unsigned char *owner, struct dns_rr_head *h)
{
	size_t p = *pos;
	int n = dns_name_unpack_(msg, len, &p, owner);

	if (n < 0 || p + 10 > len)
		return -1;
	h->type = dns_get16(msg + p);
	h->rclass = dns_get16(msg + p + 2);
	h->ttl = dns_get32(msg + p + 4);
	h->rdlen = dns_get16(msg + p + 8);
	h->rdata = p + 10;
	if (h->rdlen > len - h->rdata)
		return -1;
	*pos = h->rdata + h->rdlen;
	return n;
}

static int
parse_rr(struct dns_tbuf *t, const unsigned char *w, size_t len, size_t *pos,
    struct evdns_msg_rr *rr)
{
	unsigned char name[DNS_NAME_MAX];
	struct dns_rr_head h;
	size_t p = *pos, rdpos;
	int n = dns_rr_read_(w, len, &p, name, &h);

	if (n < 0)
		return -1;
	rr->name = OFF_TO_PTR(tb_name(t, name, n));
	rr->type = h.type;
	rr->rclass = h.rclass;
	rr->ttl = h.ttl;
	rr->rdlength = h.rdlen;
	rdpos = h.rdata;
	rr->rdata = w + rdpos;
	rr->text = OFF_TO_PTR(t->len);
	if (rr->type == EVDNS_TYPE_OPT) {
		if (name[0] != 0 ||
		    dns_opt_text_(t, rr->rdata, rr->rdlength) < 0)
			return -1;
	} else if (rr->rdlength == 0 &&
	    (rr->rclass == EVDNS_CLASS_ANY || rr->rclass == EVDNS_CLASS_NONE)) {
		/* An UPDATE prerequisite or deletion: no rdata. */
	} else if (dns_rdata_text_(t, w, rdpos, rr->rdlength, rr->type) < 0) {
		return -1;
	}
	if (dns_tbuf_reserve_(t, 1) < 0)
		return -1;
	t->p[t->len++] = '\0';
	*pos = p;
	return t->oom ? -1 : 0;
}

static void
fix_text(char **s, char *base)
{
	*s = base + PTR_TO_OFF(*s);
}

int
evdns_msg_parse(const unsigned char *buf, size_t len, struct evdns_msg **msgp)
{
	struct msg_block *blk = NULL;
	struct evdns_msg *m;
	struct evdns_msg_rr *rrs, *opt = NULL;
	struct dns_tbuf t = { NULL, 0, 0, 0 };
	unsigned char *w;
	size_t n_rr, pos, i, k, size;
	int s;

	if (len < DNS_HEADER_LEN || len > 65535)
		return -1;
	/* Each question takes 5 bytes at least, each record 11: counts
	 * the data cannot hold are refused before anything is allocated. */
	n_rr = (size_t)dns_get16(buf + 6) + dns_get16(buf + 8) +
	    dns_get16(buf + 10);
	if ((size_t)dns_get16(buf + 4) * 5 + n_rr * 11 > len - DNS_HEADER_LEN)
		return -1;
	size = sizeof(*blk) + dns_get16(buf + 4) * sizeof(*m->question) +
	    n_rr * sizeof(*rrs) + len;
	blk = mm_calloc(1, size);
	if (blk == NULL)
		return -1;
	m = &blk->pub;
	m->question = (struct evdns_msg_question *)(blk + 1);
	rrs = (struct evdns_msg_rr *)(m->question + dns_get16(buf + 4));
	w = (unsigned char *)(rrs + n_rr);
	memcpy(w, buf, len);
	m->wire = w;
	m->wire_len = len;
	m->id = dns_get16(w);
	m->flags = dns_get16(w + 2);
	m->opcode = (m->flags >> 11) & 0xf;
	m->rcode = m->flags & 0xf;
	for (i = 0; i < 4; i++)
		m->count[i] = dns_get16(w + 4 + 2 * i);
	/* A first guess at the text's size, enough for most replies. */
	if (dns_tbuf_reserve_(&t, 256 + 2 * len) < 0)
		goto err;

	pos = DNS_HEADER_LEN;
	for (i = 0; i < m->count[0]; i++) {
		unsigned char name[DNS_NAME_MAX];
		struct evdns_msg_question *q = &m->question[i];
		int n = dns_name_unpack_(w, len, &pos, name);

		if (n < 0 || pos + 4 > len)
			goto err;
		q->name = OFF_TO_PTR(tb_name(&t, name, n));
		q->type = dns_get16(w + pos);
		q->qclass = dns_get16(w + pos + 2);
		pos += 4;
	}
	m->n_question = m->count[0];

	k = 0;
	for (s = 0; s < 3; s++) {
		m->section[s] = rrs + k;
		for (i = 0; i < m->count[s + 1]; i++) {
			struct evdns_msg_rr *rr = &rrs[k];

			if (parse_rr(&t, w, len, &pos, rr) < 0)
				goto err;
			if (rr->type != EVDNS_TYPE_OPT) {
				k++;
				continue;
			}
			/* One OPT, in the additional section. */
			if (s != 2 || opt != NULL)
				goto err;
			opt = &rrs[n_rr - 1];
			*opt = *rr;
		}
		m->n_section[s] = (size_t)(rrs + k - m->section[s]);
	}
	if (pos != len || t.oom)
		goto err; /* bytes left over */

	if (opt != NULL) {
		m->opt = opt;
		m->edns_udp_size = opt->rclass;
		m->rcode |= (int)(opt->ttl >> 24) << 4;
		m->edns_version = (ev_uint8_t)(opt->ttl >> 16);
		m->edns_flags = (ev_uint16_t)opt->ttl;
	}
	blk->text = t.p;
	for (i = 0; i < m->n_question; i++)
		fix_text(&m->question[i].name, t.p);
	for (i = 0; i < n_rr; i++) {
		if (i < k || &rrs[i] == opt) {
			fix_text(&rrs[i].name, t.p);
			fix_text(&rrs[i].text, t.p);
		}
	}
	*msgp = m;
	return 0;

err:
	mm_free(t.p);
	mm_free(blk);
	return -1;
}

void
evdns_msg_free(struct evdns_msg *msg)
{
	struct msg_block *blk = (struct msg_block *)msg;

	if (blk == NULL)
		return;
	mm_free(blk->text);
	mm_free(blk);
}

/* ---- mnemonics ---- */

struct mnemonic {
	int num;
	const char *name;
};

/* Every type dig 9.18.49 names (as an NSEC bitmap of all types showed),
 * in number order. */
static const struct mnemonic types[] = { { 1, "A" }, { 2, "NS" }, { 3, "MD" },
	{ 4, "MF" }, { 5, "CNAME" }, { 6, "SOA" }, { 7, "MB" }, { 8, "MG" },
	{ 9, "MR" }, { 10, "NULL" }, { 11, "WKS" }, { 12, "PTR" },
	{ 13, "HINFO" }, { 14, "MINFO" }, { 15, "MX" }, { 16, "TXT" },
	{ 17, "RP" }, { 18, "AFSDB" }, { 19, "X25" }, { 20, "ISDN" },
	{ 21, "RT" }, { 22, "NSAP" }, { 23, "NSAP-PTR" }, { 24, "SIG" },
	{ 25, "KEY" }, { 26, "PX" }, { 27, "GPOS" }, { 28, "AAAA" },
	{ 29, "LOC" }, { 30, "NXT" }, { 31, "EID" }, { 32, "NIMLOC" },
	{ 33, "SRV" }, { 34, "ATMA" }, { 35, "NAPTR" }, { 36, "KX" },
	{ 37, "CERT" }, { 38, "A6" }, { 39, "DNAME" }, { 40, "SINK" },
	{ 41, "OPT" }, { 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" },
	{ 45, "IPSECKEY" }, { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" },
	{ 49, "DHCID" }, { 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 52, "TLSA" },
	{ 53, "SMIMEA" }, { 55, "HIP" }, { 56, "NINFO" }, { 57, "RKEY" },
	{ 58, "TALINK" }, { 59, "CDS" }, { 60, "CDNSKEY" },
	{ 61, "OPENPGPKEY" }, { 62, "CSYNC" }, { 63, "ZONEMD" }, { 64, "SVCB" },
	{ 65, "HTTPS" }, { 66, "DSYNC" }, { 67, "HHIT" }, { 68, "BRID" },
	{ 99, "SPF" }, { 100, "UINFO" }, { 101, "UID" }, { 102, "GID" },
	{ 103, "UNSPEC" }, { 104, "NID" }, { 105, "L32" }, { 106, "L64" },
	{ 107, "LP" }, { 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" },
	{ 250, "TSIG" }, { 251, "IXFR" }, { 252, "AXFR" }, { 253, "MAILB" },
	{ 254, "MAILA" }, { 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
	{ 258, "AVC" }, { 259, "DOA" }, { 260, "AMTRELAY" }, { 261, "RESINFO" },
	{ 262, "WALLET" }, { 32768, "TA" }, { 32769, "DLV" } };

static const struct mnemonic classes[] = { { 1, "IN" }, { 3, "CH" },
	{ 4, "HS" }, { 254, "NONE" }, { 255, "ANY" } };

/* As dig 9.18 prints them (RESERVEDnn included). */
static const char *const rcodes[] = { "NOERROR", "FORMERR", "SERVFAIL",
	"NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
	"NOTAUTH", "NOTZONE", "RESERVED11", "RESERVED12", "RESERVED13",
	"RESERVED14", "RESERVED15", "BADVERS", "BADKEY", "BADTIME", "BADMODE",
	"BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE" };

static const char *const opcodes[] = { "QUERY", "IQUERY", "STATUS", "RESERVED3",
	"NOTIFY", "UPDATE", "RESERVED6", "RESERVED7", "RESERVED8", "RESERVED9",
	"RESERVED10", "RESERVED11", "RESERVED12", "RESERVED13", "RESERVED14",
	"RESERVED15" };

static const char *
mnemonic_name(const struct mnemonic *tab, size_t n, int num)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tab[mid].num == num)
			return tab[mid].name;
		if (tab[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* "TYPE123" (prefix "TYPE") to 123; -1 unless 0..65535 in decimal. */
static int
rfc3597_number(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	long v = 0;

	if (evutil_ascii_strncasecmp(s, prefix, n) != 0 || s[n] == '\0')
		return -1;
	for (s += n; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	return (int)v;
}

static int
mnemonic_number(const struct mnemonic *tab, size_t n, const char *s,
    const char *prefix)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (evutil_ascii_strcasecmp(tab[i].name, s) == 0)
			return tab[i].num;
	}
	return rfc3597_number(s, prefix);
}

const char *
evdns_type_name(int type)
{
	return mnemonic_name(types, sizeof(types) / sizeof(types[0]), type);
}

const char *
evdns_class_name(int qclass)
{
	return mnemonic_name(classes, sizeof(classes) / sizeof(classes[0]),
	    qclass);
}

const char *
evdns_rcode_name(int rcode)
{
	if (rcode < 0 || (size_t)rcode >= sizeof(rcodes) / sizeof(rcodes[0]))
		return NULL;
	return rcodes[rcode];
}

const char *
evdns_opcode_name(int opcode)
{
	if (opcode < 0 ||
	    (size_t)opcode >= sizeof(opcodes) / sizeof(opcodes[0]))
		return NULL;
	return opcodes[opcode];
}

int
evdns_type_from_name(const char *s)
{
	if (s == NULL)
		return -1;
	return mnemonic_number(types, sizeof(types) / sizeof(types[0]), s,
	    "TYPE");
}

int
evdns_class_from_name(const char *s)
{
	if (s == NULL)
		return -1;
	if (evutil_ascii_strcasecmp(s, "CHAOS") == 0)
		return EVDNS_CLASS_CH;
	if (evutil_ascii_strcasecmp(s, "HESIOD") == 0)
		return EVDNS_CLASS_HS;
	return mnemonic_number(classes, sizeof(classes) / sizeof(classes[0]), s,
	    "CLASS");
}
