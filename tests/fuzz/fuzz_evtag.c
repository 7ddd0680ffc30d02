/* fuzz-sources: */
/* fuzz-rpc: tests/tools/evrpcgen-all.rpc */
/*
 * fuzz_evtag: arbitrary bytes through every evtag_* reader and through
 * the unmarshalling code evrpcgen writes for tests/tools/evrpcgen-all.rpc
 * (run.sh builds evrpcgen and generates it, see the fuzz-rpc line).
 * - each reader either fails and leaves the buffer as it was, or
 *   consumes exactly the item evtag_peek_length measured;
 * - what a reader returns marshals back to an item it reads the same;
 * - the input split into two evbuffer chains reads as the whole does;
 * - a struct that unmarshals marshals to bytes that unmarshal to a
 *   struct marshalling to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/tag.h>

#include "evrpcgen-all.gen.h"
#include "fuzz-check.h"

/* A copy of the input in one or two chains (split at split). */
static struct evbuffer *
load(const uint8_t *data, size_t size, size_t split)
{
	struct evbuffer *b = evbuffer_new(), *tail = evbuffer_new();

	CHECK(b != NULL && tail != NULL);
	if (split > size)
		split = size;
	evbuffer_add(b, data, split);
	evbuffer_add(tail, data + split, size - split);
	evbuffer_add_buffer(b, tail);
	evbuffer_free(tail);
	return b;
}

/* Runs reader number which on b; returns its result and checks the
 * buffer: untouched on failure, one whole item gone on success. */
static int
read_one(struct evbuffer *b, int which, ev_uint32_t tag)
{
	size_t before = evbuffer_get_length(b);
	ev_uint32_t item = 0, u32 = 0, t2 = 0;
	ev_uint64_t u64 = 0;
	struct timeval tv;
	char *s = NULL, fixed[8];
	struct evbuffer *d = evbuffer_new(), *again = evbuffer_new();
	int have_len = evtag_peek_length(b, &item) == 0;
	int r = -1;

	CHECK(d != NULL && again != NULL);
	switch (which) {
	case 0:
		if ((r = evtag_unmarshal_int(b, tag, &u32)) >= 0) {
			ev_uint32_t v = u32;
			evtag_marshal_int(again, tag, u32);
			CHECK(evtag_unmarshal_int(again, tag, &u32) >= 0);
			CHECK(u32 == v);
		}
		break;
	case 1:
		if ((r = evtag_unmarshal_int64(b, tag, &u64)) >= 0) {
			ev_uint64_t v = u64;
			evtag_marshal_int64(again, tag, u64);
			CHECK(evtag_unmarshal_int64(again, tag, &u64) >= 0);
			CHECK(u64 == v);
		}
		break;
	case 2:
		if ((r = evtag_unmarshal_string(b, tag, &s)) == 0) {
			CHECK(strlen(s) < before);
			free(s);
		}
		break;
	case 3:
		r = evtag_unmarshal_fixed(b, tag, fixed, (size_t)(tag % 9));
		break;
	case 4:
		if ((r = evtag_unmarshal_timeval(b, tag, &tv)) == 0) {
			evtag_marshal_timeval(again, tag, &tv);
			CHECK(evtag_unmarshal_timeval(again, tag, &tv) == 0);
		}
		break;
	case 5:
		if ((r = evtag_unmarshal(b, &t2, d)) >= 0) {
			CHECK(t2 == tag);
			CHECK(evbuffer_get_length(d) == (size_t)r);
			evtag_marshal_buffer(again, t2, d);
			CHECK(evtag_unmarshal(again, &t2, d) == r);
		}
		break;
	case 6:
		r = evtag_consume(b);
		break;
	default:
		if ((r = evtag_unmarshal_header(b, &t2)) >= 0) {
			CHECK((size_t)r <= evbuffer_get_length(b));
			evbuffer_drain(b, (size_t)r);
		}
		break;
	}
	if (r < 0) {
		CHECK(evbuffer_get_length(b) == before);
	} else {
		CHECK(have_len);
		CHECK(evbuffer_get_length(b) + item == before);
	}
	evbuffer_free(d);
	evbuffer_free(again);
	return r;
}

static void
generated(const uint8_t *data, size_t size)
{
	struct evbuffer *b = load(data, size, size / 2);
	struct evbuffer *m1 = evbuffer_new(), *m2 = evbuffer_new();
	struct all *a = all_new(), *c = all_new();
	struct point *p = point_new();

	CHECK(m1 != NULL && m2 != NULL && a != NULL && c != NULL && p);
	if (all_unmarshal(a, b) == 0) {
		CHECK(all_complete(a) == 0);
		all_marshal(m1, a);
		CHECK(all_unmarshal(c, m1) == 0);
		all_marshal(m1, a);
		all_marshal(m2, c);
		CHECK(evbuffer_get_length(m1) == evbuffer_get_length(m2));
		CHECK(memcmp(evbuffer_pullup(m1, -1), evbuffer_pullup(m2, -1),
		          evbuffer_get_length(m1)) == 0);
	}
	evbuffer_free(b);
	b = load(data, size, 1);
	all_clear(a);
	(void)evtag_unmarshal_all(b, ALL_CHILD, a);
	evbuffer_free(b);
	b = load(data, size, 0);
	(void)point_unmarshal(p, b);
	evbuffer_free(b);
	all_free(a);
	all_free(c);
	point_free(p);
	evbuffer_free(m1);
	evbuffer_free(m2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *whole, *split;
	ev_uint32_t tag, t2;
	int which, items = 0;

	if (size < 1)
		return 0;
	/* the first byte picks the split and the readers' order */
	whole = load(data + 1, size - 1, size - 1);
	split = load(data + 1, size - 1, data[0] % (size));
	for (which = data[0] & 7; items < 64; which = (which + 1) & 7) {
		int r1, r2, p1 = evtag_peek(whole, &tag);
		CHECK(evtag_peek(split, &t2) == p1);
		if (p1 < 0)
			break;
		CHECK(t2 == tag);
		r1 = read_one(whole, which, tag);
		r2 = read_one(split, which, tag);
		CHECK(r1 == r2);
		CHECK(evbuffer_get_length(whole) == evbuffer_get_length(split));
		/* a reader that failed is followed by consume, so the walk
		 * goes on while the items are whole */
		if (r1 < 0 && evtag_consume(whole) < 0)
			break;
		if (r1 < 0)
			CHECK(evtag_consume(split) == 0);
		items++;
	}
	evbuffer_free(whole);
	evbuffer_free(split);
	generated(data + 1, size - 1);
	return 0;
}
