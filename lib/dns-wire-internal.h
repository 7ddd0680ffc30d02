/*
 * dns-wire-internal.h: the DNS wire format, with no I/O (lib/dns_wire.c).
 *
 * The parser (evdns_msg_parse in <event2/dns_query.h>) and these builders
 * are pure functions over byte arrays: the resolver (evdns.c), the server
 * side (evdns_server.c) and the fuzz target use them, and tests can feed
 * them anything.  Every function bounds-checks before it reads or writes.
 */
#ifndef DNS_WIRE_INTERNAL_H_INCLUDED_
#define DNS_WIRE_INTERNAL_H_INCLUDED_

#include <stddef.h>
#include <event2/util.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255 /* wire bytes, final root label included */
#define DNS_LABEL_MAX 63
#define DNS_EDNS_DEFAULT_UDP 1232 /* DNS flag day 2020 */

/* Big-endian fields; the caller has checked the bounds. */
static inline ev_uint16_t
dns_get16(const unsigned char *p)
{
	return (ev_uint16_t)((p[0] << 8) | p[1]);
}

static inline ev_uint32_t
dns_get32(const unsigned char *p)
{
	return ((ev_uint32_t)p[0] << 24) | ((ev_uint32_t)p[1] << 16) |
	    ((ev_uint32_t)p[2] << 8) | p[3];
}

static inline void
dns_put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static inline void
dns_put32(unsigned char *p, ev_uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/*
 * Converts a presentation-form name ("www.example.com", with or without
 * the final dot, escapes \. \\ \DDD allowed) to wire form in out (at least
 * DNS_NAME_MAX bytes).  Returns the wire length, or -1 when the name is
 * invalid: an empty label ("a..b"), a label over 63 bytes, over 255 bytes
 * in all, a bad escape.  "" and "." are the root.
 */
int dns_name_from_text_(const char *text, unsigned char *out);

/*
 * Writes wire name `name` (uncompressed, as dns_name_from_text_ makes it)
 * in presentation form with the final dot and escapes, NUL-terminated.
 * Returns the length without the NUL, or -1 when outlen is too small
 * (1,009 bytes always suffice: 255 bytes as \DDD, plus dots).
 */
int dns_name_to_text_(const unsigned char *name, char *out, size_t outlen);

/*
 * Reads a possibly compressed name at *pos in msg (len bytes), writes it
 * uncompressed in wire form to out (DNS_NAME_MAX bytes) and advances *pos
 * past it in the message.  Pointers must point strictly backwards (to an
 * offset before the name or pointer that uses them) and at most 127 are
 * followed.  Returns the wire length or -1 when malformed.
 */
int dns_name_unpack_(const unsigned char *msg, size_t len, size_t *pos,
    unsigned char *out);

/* A record's fixed fields, as dns_rr_read_ finds them. */
struct dns_rr_head {
	ev_uint16_t type, rclass, rdlen;
	ev_uint32_t ttl;
	size_t rdata; /* offset of the rdata in the message */
};

/*
 * Reads the record at *pos in msg: its owner (uncompressed, into owner,
 * DNS_NAME_MAX bytes) and fixed fields, checking that the rdata fits in
 * the message, and moves *pos past it.  Returns the owner's wire length,
 * or -1 when the record is malformed.  The rdata itself is not checked.
 */
int dns_rr_read_(const unsigned char *msg, size_t len, size_t *pos,
    unsigned char *owner, struct dns_rr_head *h);

/* Wire names equal, ASCII case ignored (RFC 4343) or exact. */
int dns_name_equal_(const unsigned char *a, const unsigned char *b,
    int exact_case);

/* Flips the case of each letter of a wire name at random (0x20 bits,
 * draft-vixie-dnsext-dns0x20); next16(arg) gives 16 random bits at a
 * time, so a caller can serve them from a batch of its secure RNG. */
void dns_name_randomize_case_(unsigned char *name,
    ev_uint16_t (*next16)(void *arg), void *arg);

/* Parameters of a query. */
struct dns_query_spec {
	ev_uint16_t id;
	ev_uint16_t flags;          /* header word 2: RD, CD, AD, opcode */
	const unsigned char *qname; /* wire form */
	ev_uint16_t qtype;
	ev_uint16_t qclass;
	ev_uint16_t edns_udp_size; /* 0: no OPT record */
	ev_uint16_t edns_flags;    /* EVDNS_EDNS_DO */
};

/*
 * Writes a query message to out (cap bytes).  Returns its length, or -1
 * when it does not fit (12 + 255 + 4 + 11 = 282 bytes always do).
 */
int dns_query_build_(const struct dns_query_spec *q, unsigned char *out,
    size_t cap);

/*
 * A reply under construction, for the server side: names are compressed
 * against those already written.  Writing past cap sets `truncated` and
 * rolls back the record that did not fit, so the reply stays well formed.
 */
#define DNS_BUILDER_MAX_PTRS 64
struct dns_builder {
	unsigned char *buf;
	size_t len;
	size_t cap;
	int truncated;
	ev_uint16_t counts[4]; /* QD, AN, NS, AR written so far */
	/* Offsets of names written, for compression. */
	ev_uint16_t names[DNS_BUILDER_MAX_PTRS];
	int n_names;
};

void dns_builder_init_(struct dns_builder *b, unsigned char *buf, size_t cap,
    ev_uint16_t id, ev_uint16_t flags);
/* The question; 0 or -1. */
int dns_builder_question_(struct dns_builder *b, const unsigned char *qname,
    ev_uint16_t qtype, ev_uint16_t qclass);
/* A record in section 0..2.  rdata is raw, or (is_name) a wire name that
 * is written compressed.  0, or -1 when it did not fit (truncated set). */
int dns_builder_rr_(struct dns_builder *b, int section,
    const unsigned char *owner, ev_uint16_t type, ev_uint16_t rclass,
    ev_uint32_t ttl, const unsigned char *rdata, size_t rdlen, int is_name);
/* Writes the counts (and TC if truncated) into the header; returns len. */
size_t dns_builder_finish_(struct dns_builder *b, int rcode);

#endif /* DNS_WIRE_INTERNAL_H_INCLUDED_ */
