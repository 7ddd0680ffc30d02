/*
 * evtag.c: the tagged data codec of event2/tag.h.  Pure: it only reads
 * and writes evbuffers.
 *
 * Reading never trusts a length: the header (at most 10 bytes) and the
 * start of a number's payload are copied out into small arrays and
 * decoded there with the end checked before every byte; nothing is
 * allocated or consumed until the whole item is known to be in the
 * buffer, so a failed read leaves the buffer as it was.  A number inside
 * a payload is decoded within the payload's bounds only.
 */
#include "event2/event-config.h"

#include <limits.h>
#include <string.h>
#include <sys/time.h>

#include "event2/buffer.h"
#include "event2/tag.h"
#include "event2/util.h"
#include "mm-internal.h"

/* The longest encodings: a tag, a 32-bit and a 64-bit number. */
#define TAG_MAX 5
#define INT32_ENC_MAX 5
#define INT64_ENC_MAX 9
#define HEADER_MAX (TAG_MAX + INT32_ENC_MAX)

/* A decoded item header. */
struct evtag_header {
	ev_uint32_t tag;
	ev_uint32_t len; /* of the payload */
	size_t hdr_len;  /* bytes taken by tag and length */
	size_t avail;    /* bytes in the buffer after the header */
};

static size_t
put_tag(unsigned char *out, ev_uint32_t tag)
{
	size_t n = 0;

	do {
		out[n] = tag & 0x7f;
		tag >>= 7;
		if (tag)
			out[n] |= 0x80;
		n++;
	} while (tag);
	return n;
}

static size_t
put_number(unsigned char *out, ev_uint64_t number)
{
	size_t nibbles = 0, i;
	ev_uint64_t v;

	for (v = number; v; v >>= 4)
		nibbles++;
	if (nibbles == 0)
		nibbles = 1;
	memset(out, 0, (nibbles + 2) / 2);
	out[0] = (unsigned char)((nibbles - 1) << 4);
	/* nibble i of the value goes to nibble position i + 1 of the output:
	 * odd positions are low nibbles, even ones high nibbles */
	for (i = 0; i < nibbles; i++, number >>= 4) {
		size_t pos = i + 1;
		unsigned char nib = number & 0x0f;
		if (pos & 1)
			out[pos / 2] |= nib;
		else
			out[pos / 2] |= (unsigned char)(nib << 4);
	}
	return (nibbles + 2) / 2;
}

/* Decodes a tag from n bytes; returns the bytes it takes, or -1 when it
 * is truncated or does not fit in 32 bits. */
static int
get_tag(const unsigned char *p, size_t n, ev_uint32_t *ptag)
{
	ev_uint32_t tag = 0;
	size_t i;

	for (i = 0; i < n && i < TAG_MAX; i++) {
		unsigned char b = p[i];
		if (i == TAG_MAX - 1 && (b & 0x80 || (b & 0x7f) > 0x0f))
			return -1;
		tag |= (ev_uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (ptag)
				*ptag = tag;
			return (int)i + 1;
		}
	}
	return -1;
}

/* Decodes a number of at most max_nibbles nibbles from n bytes; returns
 * the bytes it takes, or -1. */
static int
get_number(const unsigned char *p, size_t n, size_t max_nibbles,
    ev_uint64_t *pnumber)
{
	size_t nibbles, bytes, pos;
	ev_uint64_t v = 0;

	if (n < 1)
		return -1;
	nibbles = (size_t)(p[0] >> 4) + 1;
	bytes = nibbles / 2 + 1;
	if (nibbles > max_nibbles || bytes > n)
		return -1;
	for (pos = nibbles; pos >= 1; pos--) {
		unsigned char b = p[pos / 2];
		v = (v << 4) | ((pos & 1) ? (b & 0x0f) : (b >> 4));
	}
	*pnumber = v;
	return (int)bytes;
}

/* Reads the header at the front of buf into *h.  0, or -1 when it is
 * malformed or incomplete; the payload may still be missing. */
static int
get_header(struct evbuffer *buf, struct evtag_header *h)
{
	unsigned char p[HEADER_MAX];
	ev_ssize_t n = evbuffer_copyout(buf, p, sizeof(p));
	size_t total = evbuffer_get_length(buf);
	ev_uint64_t len;
	int tl, ll;

	if (n <= 0)
		return -1;
	if ((tl = get_tag(p, (size_t)n, &h->tag)) < 0)
		return -1;
	ll = get_number(p + tl, (size_t)n - (size_t)tl, 8, &len);
	if (ll < 0)
		return -1;
	h->len = (ev_uint32_t)len;
	h->hdr_len = (size_t)tl + (size_t)ll;
	h->avail = total - h->hdr_len;
	return 0;
}

/* get_header, the payload present too, and when want_tag is non-NULL
 * the tag equal to *want_tag. */
static int
get_item(struct evbuffer *buf, const ev_uint32_t *want_tag,
    struct evtag_header *h)
{
	if (get_header(buf, h) < 0)
		return -1;
	if (h->avail < h->len)
		return -1;
	if (want_tag && h->tag != *want_tag)
		return -1;
	return 0;
}

/* Copies the header and the first bytes of the payload (at most room),
 * returning how many payload bytes p holds after hdr_len. */
static size_t
copy_payload_start(struct evbuffer *buf, const struct evtag_header *h,
    unsigned char *p, size_t room)
{
	size_t want = h->len < room ? h->len : room;

	if (evbuffer_copyout(buf, p, h->hdr_len + want) !=
	    (ev_ssize_t)(h->hdr_len + want))
		return 0;
	return want;
}

void
evtag_init(void)
{
}

static void
add_header(struct evbuffer *evbuf, ev_uint32_t tag, ev_uint32_t len)
{
	unsigned char hdr[HEADER_MAX];
	size_t n = put_tag(hdr, tag);

	n += put_number(hdr + n, len);
	evbuffer_add(evbuf, hdr, n);
}

void
evtag_encode_int(struct evbuffer *evbuf, ev_uint32_t number)
{
	unsigned char p[INT32_ENC_MAX];

	evbuffer_add(evbuf, p, put_number(p, number));
}

void
evtag_encode_int64(struct evbuffer *evbuf, ev_uint64_t number)
{
	unsigned char p[INT64_ENC_MAX];

	evbuffer_add(evbuf, p, put_number(p, number));
}

void
evtag_marshal(struct evbuffer *evbuf, ev_uint32_t tag, const void *data,
    ev_uint32_t len)
{
	add_header(evbuf, tag, len);
	if (len)
		evbuffer_add(evbuf, data, len);
}

void
evtag_marshal_buffer(struct evbuffer *evbuf, ev_uint32_t tag,
    struct evbuffer *data)
{
	/* like libevent, a payload over 4 GiB gets a truncated length */
	add_header(evbuf, tag, (ev_uint32_t)evbuffer_get_length(data));
	evbuffer_add_buffer(evbuf, data);
}

static void
marshal_number(struct evbuffer *evbuf, ev_uint32_t tag, ev_uint64_t number)
{
	unsigned char p[HEADER_MAX + INT64_ENC_MAX];
	unsigned char num[INT64_ENC_MAX];
	size_t nl = put_number(num, number);
	size_t n = put_tag(p, tag);

	n += put_number(p + n, (ev_uint32_t)nl);
	memcpy(p + n, num, nl);
	evbuffer_add(evbuf, p, n + nl);
}

void
evtag_marshal_int(struct evbuffer *evbuf, ev_uint32_t tag, ev_uint32_t integer)
{
	marshal_number(evbuf, tag, integer);
}

void
evtag_marshal_int64(struct evbuffer *evbuf, ev_uint32_t tag,
    ev_uint64_t integer)
{
	marshal_number(evbuf, tag, integer);
}

void
evtag_marshal_string(struct evbuffer *buf, ev_uint32_t tag, const char *string)
{
	evtag_marshal(buf, tag, string, (ev_uint32_t)strlen(string));
}

void
evtag_marshal_timeval(struct evbuffer *evbuf, ev_uint32_t tag,
    struct timeval *tv)
{
	unsigned char p[2 * INT32_ENC_MAX];
	size_t n;

	/* both fields are sent as 32-bit numbers, as libevent does */
	n = put_number(p, (ev_uint32_t)tv->tv_sec);
	n += put_number(p + n, (ev_uint32_t)tv->tv_usec);
	evtag_marshal(evbuf, tag, p, (ev_uint32_t)n);
}

int
evtag_peek(struct evbuffer *evbuf, ev_uint32_t *ptag)
{
	unsigned char p[TAG_MAX];
	ev_ssize_t n = evbuffer_copyout(evbuf, p, sizeof(p));

	if (n <= 0)
		return -1;
	return get_tag(p, (size_t)n, ptag);
}

int
evtag_peek_length(struct evbuffer *evbuf, ev_uint32_t *plength)
{
	struct evtag_header h;
	ev_uint64_t total;

	if (get_header(evbuf, &h) < 0)
		return -1;
	total = (ev_uint64_t)h.hdr_len + h.len;
	/* libevent wraps around here; a size it cannot represent is an
	 * error */
	if (total > 0xffffffffu)
		return -1;
	*plength = (ev_uint32_t)total;
	return 0;
}

int
evtag_payload_length(struct evbuffer *evbuf, ev_uint32_t *plength)
{
	struct evtag_header h;

	if (get_header(evbuf, &h) < 0)
		return -1;
	*plength = h.len;
	return 0;
}

int
evtag_unmarshal_header(struct evbuffer *evbuf, ev_uint32_t *ptag)
{
	struct evtag_header h;

	if (get_item(evbuf, NULL, &h) < 0 || h.len > INT_MAX)
		return -1;
	if (ptag)
		*ptag = h.tag;
	evbuffer_drain(evbuf, h.hdr_len);
	return (int)h.len;
}

int
evtag_consume(struct evbuffer *evbuf)
{
	struct evtag_header h;

	if (get_item(evbuf, NULL, &h) < 0)
		return -1;
	evbuffer_drain(evbuf, h.hdr_len + h.len);
	return 0;
}

int
evtag_unmarshal(struct evbuffer *src, ev_uint32_t *ptag, struct evbuffer *dst)
{
	struct evtag_header h;

	if (get_item(src, NULL, &h) < 0 || h.len > INT_MAX)
		return -1;
	if (ptag)
		*ptag = h.tag;
	evbuffer_drain(src, h.hdr_len);
	if (h.len && evbuffer_remove_buffer(src, dst, h.len) != (int)h.len)
		return -1;
	return (int)h.len;
}

static int
unmarshal_number(struct evbuffer *evbuf, ev_uint32_t need_tag,
    size_t max_nibbles, ev_uint64_t *pnumber)
{
	unsigned char p[HEADER_MAX + INT64_ENC_MAX];
	struct evtag_header h;
	size_t have;
	int n;

	if (get_item(evbuf, &need_tag, &h) < 0)
		return -1;
	have = copy_payload_start(evbuf, &h, p, INT64_ENC_MAX);
	n = get_number(p + h.hdr_len, have, max_nibbles, pnumber);
	if (n < 0)
		return -1;
	evbuffer_drain(evbuf, h.hdr_len + h.len);
	return n;
}

int
evtag_unmarshal_int(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint32_t *pinteger)
{
	ev_uint64_t v;
	int n = unmarshal_number(evbuf, need_tag, 8, &v);

	if (n >= 0)
		*pinteger = (ev_uint32_t)v;
	return n;
}

int
evtag_unmarshal_int64(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint64_t *pinteger)
{
	return unmarshal_number(evbuf, need_tag, 16, pinteger);
}

int
evtag_unmarshal_fixed(struct evbuffer *src, ev_uint32_t need_tag, void *data,
    size_t len)
{
	struct evtag_header h;

	if (get_item(src, &need_tag, &h) < 0 || h.len != len)
		return -1;
	evbuffer_drain(src, h.hdr_len);
	if (len && evbuffer_remove(src, data, len) != (int)len)
		return -1;
	return 0;
}

int
evtag_unmarshal_string(struct evbuffer *evbuf, ev_uint32_t need_tag,
    char **pstring)
{
	struct evtag_header h;
	char *s;

	if (get_item(evbuf, &need_tag, &h) < 0)
		return -1;
	/* h.len is at most what the buffer holds: no allocation larger than
	 * the input */
	if ((s = mm_malloc((size_t)h.len + 1)) == NULL)
		return -1;
	evbuffer_drain(evbuf, h.hdr_len);
	if (h.len && evbuffer_remove(evbuf, s, h.len) != (int)h.len) {
		mm_free(s);
		return -1;
	}
	s[h.len] = '\0';
	*pstring = s;
	return 0;
}

int
evtag_unmarshal_timeval(struct evbuffer *evbuf, ev_uint32_t need_tag,
    struct timeval *ptv)
{
	unsigned char p[HEADER_MAX + 2 * INT32_ENC_MAX];
	struct evtag_header h;
	ev_uint64_t sec, usec;
	size_t have;
	int n1, n2;

	if (get_item(evbuf, &need_tag, &h) < 0)
		return -1;
	have = copy_payload_start(evbuf, &h, p, 2 * INT32_ENC_MAX);
	n1 = get_number(p + h.hdr_len, have, 8, &sec);
	if (n1 < 0)
		return -1;
	n2 = get_number(p + h.hdr_len + n1, have - (size_t)n1, 8, &usec);
	if (n2 < 0)
		return -1;
	ptv->tv_sec = (time_t)sec;
	ptv->tv_usec = (suseconds_t)usec;
	evbuffer_drain(evbuf, h.hdr_len + h.len);
	return 0;
}
