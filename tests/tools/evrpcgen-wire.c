/*
 * evrpcgen-wire: the program tests/tools/evrpcgen.sh builds twice from
 * the code evrpcgen writes for evrpcgen-all.rpc, once against evkit and
 * once against the system libevent, through the EVTAG_* macros of
 * rpc.h only.
 *     evrpcgen-wire write FILE   fill a struct all, marshal it to FILE
 *     evrpcgen-wire read FILE    unmarshal FILE, check every value
 *     evrpcgen-wire api          accessors, completeness, every cut
 * Exit 0 when all is as expected, 1 with a message otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/rpc.h>
#include <event2/tag.h>

#include "evrpcgen-all.gen.h"

static int failures;

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "evrpcgen-wire:%d: %s\n", __LINE__, \
			    #cond);                                         \
			failures++;                                         \
		}                                                           \
	} while (0)

static ev_uint8_t blob[300];

static void
fill_point(struct point *p, ev_uint32_t x, ev_uint32_t y)
{
	CHECK(EVTAG_ASSIGN(p, x, x) == 0);
	CHECK(EVTAG_ASSIGN(p, y, y) == 0);
}

/* The required fields, with edge values. */
static void
fill_required(struct all *a)
{
	struct point *p = NULL;

	CHECK(EVTAG_ASSIGN(a, i32, 0xffffffffu) == 0);
	CHECK(EVTAG_ASSIGN(a, i64, 0xffffffffffffffffull) == 0);
	CHECK(EVTAG_ASSIGN(a, name, "") == 0);
	CHECK(EVTAG_ASSIGN(a, key, (const ev_uint8_t *)"abcd") == 0);
	CHECK(EVTAG_ASSIGN_WITH_LEN(a, blob, blob, sizeof(blob)) == 0);
	CHECK(EVTAG_GET(a, where, &p) == 0 && p != NULL);
	fill_point(p, 0, 1);
}

static void
fill(struct all *a)
{
	struct point *p = point_new(), *q;
	struct all *child = NULL;

	fill_required(a);
	CHECK(EVTAG_ASSIGN(a, o_i32, 0) == 0);
	CHECK(EVTAG_ASSIGN(a, o_i64, (ev_uint64_t)1 << 40) == 0);
	CHECK(EVTAG_ASSIGN(a, o_name, "h\xc3\xa9llo") == 0);
	CHECK(EVTAG_ASSIGN(a, o_key, (const ev_uint8_t *)"01234567") == 0);
	CHECK(
	    EVTAG_ASSIGN_WITH_LEN(a, o_blob, (const ev_uint8_t *)"x", 1) == 0);
	fill_point(p, 3, 4);
	CHECK(EVTAG_ASSIGN(p, z, 5) == 0);
	CHECK(EVTAG_ASSIGN(a, o_where, p) == 0);
	point_free(p);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_i32, 0) != NULL);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_i32, 1) != NULL);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_i32, 0xffffffffu) != NULL);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_i64, 0) != NULL);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_i64, 0xffffffffffffffffull) != NULL);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_name, "a") != NULL);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_name, "") != NULL);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_name, "ccc") != NULL);
	CHECK((q = EVTAG_ARRAY_ADD(a, a_where)) != NULL);
	fill_point(q, 7, 8);
	CHECK((q = EVTAG_ARRAY_ADD(a, a_where)) != NULL);
	fill_point(q, 9, 10);
	CHECK(EVTAG_GET(a, child, &child) == 0 && child != NULL);
	fill_required(child);
}

static void
verify_required(struct all *a)
{
	ev_uint32_t u32 = 0, len = 0, x = 0, y = 0;
	ev_uint64_t u64 = 0;
	ev_uint8_t *bytes = NULL;
	char *s = NULL;
	struct point *p = NULL;

	CHECK(EVTAG_GET(a, i32, &u32) == 0 && u32 == 0xffffffffu);
	CHECK(EVTAG_GET(a, i64, &u64) == 0 && u64 == 0xffffffffffffffffull);
	CHECK(EVTAG_GET(a, name, &s) == 0 && s != NULL && strcmp(s, "") == 0);
	CHECK(EVTAG_GET(a, key, &bytes) == 0 && memcmp(bytes, "abcd", 4) == 0);
	CHECK(EVTAG_GET_WITH_LEN(a, blob, &bytes, &len) == 0 &&
	    len == sizeof(blob) && memcmp(bytes, blob, len) == 0);
	CHECK(EVTAG_HAS(a, where));
	CHECK(EVTAG_GET(a, where, &p) == 0 && EVTAG_GET(p, x, &x) == 0 &&
	    EVTAG_GET(p, y, &y) == 0 && x == 0 && y == 1 && !EVTAG_HAS(p, z));
}

static void
verify(struct all *a)
{
	ev_uint32_t u32 = 1, len = 0, x = 0, y = 0;
	ev_uint64_t u64 = 0;
	ev_uint8_t *bytes = NULL;
	char *s = NULL;
	struct point *p = NULL;
	struct all *child = NULL;

	verify_required(a);
	CHECK(EVTAG_GET(a, o_i32, &u32) == 0 && u32 == 0);
	CHECK(EVTAG_GET(a, o_i64, &u64) == 0 && u64 == (ev_uint64_t)1 << 40);
	CHECK(EVTAG_GET(a, o_name, &s) == 0 && strcmp(s, "h\xc3\xa9llo") == 0);
	CHECK(EVTAG_GET(a, o_key, &bytes) == 0 &&
	    memcmp(bytes, "01234567", 8) == 0);
	CHECK(EVTAG_GET_WITH_LEN(a, o_blob, &bytes, &len) == 0 && len == 1 &&
	    bytes[0] == 'x');
	CHECK(EVTAG_GET(a, o_where, &p) == 0 && EVTAG_GET(p, z, &u64) == 0 &&
	    u64 == 5);
	CHECK(EVTAG_ARRAY_LEN(a, a_i32) == 3);
	CHECK(EVTAG_ARRAY_GET(a, a_i32, 2, &u32) == 0 && u32 == 0xffffffffu);
	CHECK(EVTAG_ARRAY_GET(a, a_i32, 3, &u32) == -1);
	CHECK(EVTAG_ARRAY_GET(a, a_i32, -1, &u32) == -1);
	CHECK(EVTAG_ARRAY_LEN(a, a_i64) == 2);
	CHECK(EVTAG_ARRAY_GET(a, a_i64, 1, &u64) == 0 &&
	    u64 == 0xffffffffffffffffull);
	CHECK(EVTAG_ARRAY_LEN(a, a_name) == 3);
	CHECK(EVTAG_ARRAY_GET(a, a_name, 0, &s) == 0 && strcmp(s, "a") == 0);
	CHECK(EVTAG_ARRAY_GET(a, a_name, 1, &s) == 0 && strcmp(s, "") == 0);
	CHECK(EVTAG_ARRAY_GET(a, a_name, 2, &s) == 0 && strcmp(s, "ccc") == 0);
	CHECK(EVTAG_ARRAY_LEN(a, a_where) == 2);
	CHECK(EVTAG_ARRAY_GET(a, a_where, 1, &p) == 0 &&
	    EVTAG_GET(p, x, &x) == 0 && EVTAG_GET(p, y, &y) == 0 && x == 9 &&
	    y == 10);
	CHECK(EVTAG_HAS(a, child));
	CHECK(EVTAG_GET(a, child, &child) == 0);
	verify_required(child);
	CHECK(!EVTAG_HAS(child, o_i32) && !EVTAG_HAS(child, child));
}

/* Marshals a chain of depth structs linked by child and reads it back. */
static int
nested(int depth)
{
	struct all *top = all_new(), *cur = top, *back = all_new();
	struct evbuffer *buf = evbuffer_new();
	int i, r;

	fill_required(top);
	for (i = 1; i < depth; i++) {
		struct all *c = NULL;
		CHECK(EVTAG_GET(cur, child, &c) == 0 && c != NULL);
		fill_required(c);
		cur = c;
	}
	all_marshal(buf, top);
	r = all_unmarshal(back, buf);
	all_free(top);
	all_free(back);
	evbuffer_free(buf);
	return r;
}

/* Accessors and malformed input, in one build. */
static void
api(void)
{
	struct all *a = all_new(), *b = all_new();
	struct evbuffer *buf = evbuffer_new(), *cut = evbuffer_new();
	ev_uint32_t u32 = 0;
	char *s = NULL;
	size_t n, i, required;
	unsigned char *bytes;

	CHECK(all_complete(a) == -1);
	fill_required(a);
	CHECK(all_complete(a) == 0);
	CHECK(!EVTAG_HAS(a, o_name));
	CHECK(EVTAG_GET(a, o_name, &s) == -1);
	all_marshal(buf, a);
	required = evbuffer_get_length(buf);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_i32, 5) != NULL);
	CHECK(EVTAG_ARRAY_ADD_VALUE(a, a_i32, 7) != NULL);
	CHECK(all_a_i32_assign(a, 0, 6) == 0);
	CHECK(all_a_i32_assign(a, 2, 6) == -1);
	CHECK(EVTAG_ARRAY_GET(a, a_i32, 0, &u32) == 0 && u32 == 6);
	evbuffer_drain(buf, required);
	all_marshal(buf, a);
	/* every truncation before the end of the required fields fails,
	 * later ones end on an element or fail; a field twice and an
	 * unknown tag fail */
	n = evbuffer_get_length(buf);
	bytes = evbuffer_pullup(buf, -1);
	for (i = 0; i < n; i++) {
		evbuffer_drain(cut, evbuffer_get_length(cut));
		evbuffer_add(cut, bytes, i);
		all_clear(b);
		if (all_unmarshal(b, cut) == 0)
			CHECK(
			    (i == required && EVTAG_ARRAY_LEN(b, a_i32) == 0) ||
			    (i == required + 3 &&
			        EVTAG_ARRAY_LEN(b, a_i32) == 1));
	}
	evbuffer_drain(cut, evbuffer_get_length(cut));
	evbuffer_add(cut, bytes, n);
	evtag_marshal_int(cut, ALL_I32, 1);
	all_clear(b);
	CHECK(all_unmarshal(b, cut) == -1);
	evbuffer_drain(cut, evbuffer_get_length(cut));
	evbuffer_add(cut, bytes, n);
	evtag_marshal_int(cut, 99, 1);
	all_clear(b);
	CHECK(all_unmarshal(b, cut) == -1);
	/* a whole message in a tagged item */
	evbuffer_drain(cut, evbuffer_get_length(cut));
	evtag_marshal_all(cut, 42, a);
	all_clear(b);
	CHECK(evtag_unmarshal_all(cut, 41, b) == -1);
	all_clear(b);
	CHECK(evtag_unmarshal_all(cut, 42, b) == 0);
	verify_required(b);
	all_free(a);
	all_free(b);
	evbuffer_free(buf);
	evbuffer_free(cut);
	/* nesting: 200 levels read back, 300 are refused (the generated
	 * code's EVRPCGEN_MAX_DEPTH, 256) */
	CHECK(nested(200) == 0);
	CHECK(nested(300) == -1);
}

int
main(int argc, char **argv)
{
	struct evbuffer *buf = evbuffer_new();
	struct all *a = all_new();
	unsigned char chunk[4096];
	size_t n;
	FILE *fp;
	unsigned i;

	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (ev_uint8_t)(i * 7);
	if (argc == 2 && strcmp(argv[1], "api") == 0) {
		api();
	} else if (argc == 3 && strcmp(argv[1], "write") == 0) {
		fill(a);
		verify(a);
		CHECK(all_complete(a) == 0);
		all_marshal(buf, a);
		if ((fp = fopen(argv[2], "wb")) == NULL ||
		    fwrite(evbuffer_pullup(buf, -1), 1,
		        evbuffer_get_length(buf),
		        fp) != evbuffer_get_length(buf) ||
		    fclose(fp) != 0) {
			perror(argv[2]);
			return 1;
		}
	} else if (argc == 3 && strcmp(argv[1], "read") == 0) {
		if ((fp = fopen(argv[2], "rb")) == NULL) {
			perror(argv[2]);
			return 1;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			evbuffer_add(buf, chunk, n);
		fclose(fp);
		CHECK(all_unmarshal(a, buf) == 0);
		verify(a);
	} else {
		fprintf(stderr,
		    "usage: evrpcgen-wire api | write FILE | read FILE\n");
		return 2;
	}
	all_free(a);
	evbuffer_free(buf);
	return failures ? 1 : 0;
}
