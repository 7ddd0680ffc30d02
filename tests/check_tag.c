/*
 * check_tag.c: the tagged data codec of event2/tag.h.
 *
 * The expected bytes in the tables were printed by a program built
 * against the system libevent 2.1, so the wire format is libevent's; the
 * whole suite also runs against libevent (make libevent-check).  Where
 * evkit is stricter on purpose it is tested under #ifndef
 * EVKIT_REFERENCE: a failed read leaves the buffer untouched (libevent
 * consumes the header, sometimes the payload), and evtag_peek_length
 * fails instead of wrapping around.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/tag.h>
#include <event2/tag_compat.h>

#include "check-internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct evbuffer *
from_hex(const char *hex)
{
	struct evbuffer *b = evbuffer_new();
	unsigned v;

	ck_assert_ptr_nonnull(b);
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned char c;
		ck_assert_int_eq(sscanf(hex, "%2x", &v), 1);
		c = (unsigned char)v;
		evbuffer_add(b, &c, 1);
	}
	return b;
}

/* Checks that b holds exactly the bytes of hex, and empties it. */
static void
expect_hex(struct evbuffer *b, const char *hex)
{
	size_t n = evbuffer_get_length(b), i;
	unsigned char *p = evbuffer_pullup(b, -1);
	char got[256];

	ck_assert_uint_lt(n * 2, sizeof(got));
	for (i = 0; i < n; i++)
		snprintf(got + 2 * i, 3, "%02x", p[i]);
	got[2 * n] = '\0';
	ck_assert_str_eq(got, hex);
	evbuffer_drain(b, n);
}

/* After a failed read: evkit leaves the buffer as it was. */
static void
expect_intact(struct evbuffer *b, size_t len)
{
#ifndef EVKIT_REFERENCE
	ck_assert_uint_eq(evbuffer_get_length(b), len);
#else
	(void)b;
	(void)len;
#endif
}

static const struct {
	ev_uint32_t v;
	const char *hex;
} ints[] = {
	{ 0x0u, "00" },
	{ 0x1u, "01" },
	{ 0xfu, "0f" },
	{ 0x10u, "1010" },
	{ 0xffu, "1ff0" },
	{ 0x100u, "2001" },
	{ 0x1234u, "343210" },
	{ 0xffffu, "3ffff0" },
	{ 0x10000u, "400001" },
	{ 0x7fffffffu, "7fffffff70" },
	{ 0x80000000u, "7000000080" },
	{ 0xffffffffu, "7ffffffff0" },
};

static const struct {
	ev_uint64_t v;
	const char *hex;
} ints64[] = {
	{ 0x0ull, "00" },
	{ 0x1ull, "01" },
	{ 0xffffffffull, "7ffffffff0" },
	{ 0x100000000ull, "8000000001" },
	{ 0x123456789abcdef0ull, "f0fedcba9876543210" },
	{ 0x8000000000000000ull, "f00000000000000080" },
	{ 0xffffffffffffffffull, "fffffffffffffffff0" },
};

/* evtag_marshal_int(tag, 0x55) */
static const struct {
	ev_uint32_t tag;
	const char *hex;
} tags[] = {
	{ 0x0u, "00021550" },
	{ 0x1u, "01021550" },
	{ 0x7fu, "7f021550" },
	{ 0x80u, "8001021550" },
	{ 0x3fffu, "ff7f021550" },
	{ 0x4000u, "808001021550" },
	{ 0x1fffffu, "ffff7f021550" },
	{ 0x200000u, "80808001021550" },
	{ 0xfffffffu, "ffffff7f021550" },
	{ 0x10000000u, "8080808001021550" },
	{ 0xffffffffu, "ffffffff0f021550" },
};

START_TEST(test_encode_int)
{
	struct evbuffer *b = evbuffer_new();
	ev_uint32_t got = 1;

	evtag_encode_int(b, ints[_i].v);
	expect_hex(b, ints[_i].hex);
	encode_int(b, ints[_i].v); /* tag_compat.h */
	expect_hex(b, ints[_i].hex);
	/* as the payload of an item, the number reads back */
	evtag_marshal_int(b, 7, ints[_i].v);
	ck_assert_int_eq(evtag_unmarshal_int(b, 7, &got),
	    (int)strlen(ints[_i].hex) / 2);
	ck_assert_uint_eq(got, ints[_i].v);
	ck_assert_uint_eq(evbuffer_get_length(b), 0);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_encode_int64)
{
	struct evbuffer *b = evbuffer_new();
	ev_uint64_t got = 1;

	evtag_encode_int64(b, ints64[_i].v);
	expect_hex(b, ints64[_i].hex);
	encode_int64(b, ints64[_i].v);
	expect_hex(b, ints64[_i].hex);
	evtag_marshal_int64(b, 7, ints64[_i].v);
	ck_assert_int_eq(evtag_unmarshal_int64(b, 7, &got),
	    (int)strlen(ints64[_i].hex) / 2);
	ck_assert(got == ints64[_i].v);
	ck_assert_uint_eq(evbuffer_get_length(b), 0);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_tags)
{
	struct evbuffer *b = evbuffer_new();
	ev_uint32_t tag = 1, len = 0, v = 0;
	size_t total = strlen(tags[_i].hex) / 2;

	evtag_marshal_int(b, tags[_i].tag, 0x55);
	ck_assert_int_eq(evtag_peek(b, &tag), (int)total - 3);
	ck_assert_uint_eq(tag, tags[_i].tag);
	ck_assert_int_eq(evtag_peek_length(b, &len), 0);
	ck_assert_uint_eq(len, total);
	ck_assert_int_eq(evtag_payload_length(b, &len), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_uint_eq(evbuffer_get_length(b), total);
	ck_assert_int_eq(evtag_unmarshal_int(b, tags[_i].tag, &v), 2);
	ck_assert_uint_eq(v, 0x55);
	evtag_marshal_int(b, tags[_i].tag, 0x55);
	expect_hex(b, tags[_i].hex);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_marshal_bytes)
{
	struct evbuffer *b = evbuffer_new(), *d = evbuffer_new();
	struct timeval tv;
	char big[300];

	evtag_marshal_string(b, 2, "");
	expect_hex(b, "0200");
	evtag_marshal_string(b, 2, "abc");
	expect_hex(b, "0203616263");
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	evtag_marshal_timeval(b, 3, &tv);
	expect_hex(b, "03020000");
	tv.tv_sec = 1;
	tv.tv_usec = 999999;
	evtag_marshal_timeval(b, 3, &tv);
	expect_hex(b, "0304014f324f");
	tv.tv_sec = 0xffffffffL;
	tv.tv_usec = 0;
	evtag_marshal_timeval(b, 3, &tv);
	expect_hex(b, "03067ffffffff000");
	evtag_marshal_int64(b, 4, 0xffffffffffffffffull);
	expect_hex(b, "0409fffffffffffffffff0");
	evtag_marshal_int64(b, 4, 0);
	expect_hex(b, "040100");
	evtag_marshal(b, 5, "", 0);
	expect_hex(b, "0500");
	memset(big, 'x', sizeof(big));
	evtag_marshal(b, 5, big, sizeof(big));
	ck_assert_uint_eq(evbuffer_get_length(b), 3 + sizeof(big));
	evbuffer_drain(b, 3 + sizeof(big) - 4);
	expect_hex(b, "78787878");
	/* evtag_marshal_buffer moves the data */
	evbuffer_add(d, "ABC", 3);
	evtag_marshal_buffer(b, 3, d);
	ck_assert_uint_eq(evbuffer_get_length(d), 0);
	expect_hex(b, "0303414243");
	evtag_marshal_buffer(b, 3, d);
	expect_hex(b, "0300");
	evtag_init();
	evbuffer_free(b);
	evbuffer_free(d);
}
END_TEST

/* Several items in one buffer read back in order. */
START_TEST(test_round_trip)
{
	struct evbuffer *b = evbuffer_new(), *d = evbuffer_new();
	struct timeval tv = { 1234567, 890 }, tv2;
	ev_uint32_t tag, u32, len;
	ev_uint64_t u64;
	char *s = NULL, fixed[4];

	evtag_marshal_int(b, 1, 0);
	evtag_marshal_int(b, 0xffffffffu, 0xffffffffu);
	evtag_marshal_int64(b, 2, 0xffffffffffffffffull);
	evtag_marshal_string(b, 3, "");
	evtag_marshal_string(b, 3, "hello");
	evtag_marshal_timeval(b, 4, &tv);
	evtag_marshal(b, 5, "wxyz", 4);
	evtag_marshal(b, 6, "nested", 6);
	evtag_marshal(b, 7, "skip", 4);
	evtag_marshal(b, 8, "hdr", 3);

	ck_assert_int_eq(evtag_unmarshal_int(b, 1, &u32), 1);
	ck_assert_uint_eq(u32, 0);
	ck_assert_int_eq(evtag_unmarshal_int(b, 0xffffffffu, &u32), 5);
	ck_assert_uint_eq(u32, 0xffffffffu);
	ck_assert_int_eq(evtag_unmarshal_int64(b, 2, &u64), 9);
	ck_assert(u64 == 0xffffffffffffffffull);
	ck_assert_int_eq(evtag_unmarshal_string(b, 3, &s), 0);
	ck_assert_str_eq(s, "");
	free(s);
	ck_assert_int_eq(evtag_unmarshal_string(b, 3, &s), 0);
	ck_assert_str_eq(s, "hello");
	free(s);
	ck_assert_int_eq(evtag_unmarshal_timeval(b, 4, &tv2), 0);
	ck_assert_int_eq(tv2.tv_sec, 1234567);
	ck_assert_int_eq(tv2.tv_usec, 890);
	ck_assert_int_eq(evtag_unmarshal_fixed(b, 5, fixed, 4), 0);
	ck_assert_int_eq(memcmp(fixed, "wxyz", 4), 0);
	evbuffer_add(d, "pre", 3);
	ck_assert_int_eq(evtag_unmarshal(b, &tag, d), 6);
	ck_assert_uint_eq(tag, 6);
	ck_assert_uint_eq(evbuffer_get_length(d), 9);
	ck_assert_int_eq(memcmp(evbuffer_pullup(d, -1), "prenested", 9), 0);
	ck_assert_int_eq(evtag_consume(b), 0);
	ck_assert_int_eq(evtag_unmarshal_header(b, &tag), 3);
	ck_assert_uint_eq(tag, 8);
	ck_assert_uint_eq(evbuffer_get_length(b), 3);
	evbuffer_drain(b, 3);
	/* nothing left: every reader fails */
	ck_assert_int_eq(evtag_peek(b, &tag), -1);
	ck_assert_int_eq(evtag_peek_length(b, &len), -1);
	ck_assert_int_eq(evtag_payload_length(b, &len), -1);
	ck_assert_int_eq(evtag_consume(b), -1);
	ck_assert_int_eq(evtag_unmarshal_header(b, &tag), -1);
	evbuffer_free(b);
	evbuffer_free(d);
}
END_TEST

/* A payload of 1 MiB, and strings with embedded NULs. */
START_TEST(test_large)
{
	struct evbuffer *b = evbuffer_new(), *d = evbuffer_new();
	size_t n = 1024 * 1024;
	char *data = malloc(n), *s = NULL;
	ev_uint32_t len, tag;
	size_t i;

	for (i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	evtag_marshal(b, 9, data, (ev_uint32_t)n);
	ck_assert_int_eq(evtag_payload_length(b, &len), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(evtag_peek_length(b, &len), 0);
	ck_assert_uint_eq(len, n + 1 + 4); /* 0x100000: 6 nibbles */
	ck_assert_int_eq(evtag_unmarshal(b, &tag, d), (int)n);
	ck_assert_int_eq(memcmp(evbuffer_pullup(d, -1), data, n), 0);
	evtag_marshal_buffer(b, 9, d);
	ck_assert_int_eq(evtag_unmarshal_string(b, 9, &s), 0);
	ck_assert_int_eq(memcmp(s, data, n), 0);
	ck_assert_int_eq(s[n], '\0');
	free(s);
	evtag_marshal(b, 1, "a\0b", 3);
	ck_assert_int_eq(evtag_unmarshal_string(b, 1, &s), 0);
	ck_assert_str_eq(s, "a");
	free(s);
	free(data);
	evbuffer_free(b);
	evbuffer_free(d);
}
END_TEST

/* Malformed input: every reader fails, and (evkit) consumes nothing. */
static const char *const malformed[] = {
	"",                 /* empty */
	"80",               /* tag cut */
	"8080808080",       /* tag continues past 5 bytes */
	"ffffffff1f0100",   /* tag over 32 bits */
	"ffffffff8f010100", /* 5th tag byte with continuation */
	"01",               /* no length */
	"0110",             /* length cut */
	"01800000000000",   /* length of 9 nibbles (over 32 bits) */
	"0103ab",           /* payload cut */
	"017ffffffff0abcd", /* length 4 GiB - 1, 2 bytes present */
};

START_TEST(test_malformed)
{
	const char *hex = malformed[_i];
	struct evbuffer *b = from_hex(hex), *d = evbuffer_new();
	size_t n = strlen(hex) / 2;
	ev_uint32_t tag, u32, len;
	ev_uint64_t u64;
	struct timeval tv;
	char *s = NULL, fixed[3];
	int peek = evtag_peek(b, &tag);

/* libevent consumes part of a bad item: each reader gets a fresh copy */
#define FRESH()                      \
	do {                         \
		expect_intact(b, n); \
		evbuffer_free(b);    \
		b = from_hex(hex);   \
	} while (0)

	/* a complete tag can still be peeked at */
	ck_assert(peek == -1 || (size_t)peek <= n);
	if (peek == -1 || peek == (int)n || _i == 6 || _i == 7) {
		ck_assert_int_eq(evtag_peek_length(b, &len), -1);
		ck_assert_int_eq(evtag_payload_length(b, &len), -1);
	}
	ck_assert_int_eq(evtag_unmarshal_header(b, &tag), -1);
	FRESH();
	ck_assert_int_eq(evtag_consume(b), -1);
	FRESH();
	ck_assert_int_eq(evtag_unmarshal(b, &tag, d), -1);
	ck_assert_uint_eq(evbuffer_get_length(d), 0);
	FRESH();
	ck_assert_int_eq(evtag_unmarshal_int(b, 1, &u32), -1);
	FRESH();
	ck_assert_int_eq(evtag_unmarshal_int64(b, 1, &u64), -1);
	FRESH();
	ck_assert_int_eq(evtag_unmarshal_string(b, 1, &s), -1);
	FRESH();
	ck_assert_int_eq(evtag_unmarshal_fixed(b, 1, fixed, 3), -1);
	FRESH();
	ck_assert_int_eq(evtag_unmarshal_timeval(b, 1, &tv), -1);
	FRESH();
#undef FRESH
	evbuffer_free(b);
	evbuffer_free(d);
}
END_TEST

/* Well-formed items whose payload does not fit the reader. */
START_TEST(test_bad_payload)
{
	static const struct {
		const char *hex;
		int which; /* 0 int, 1 int64, 2 fixed(3), 3 timeval */
	} cases[] = {
		{ "010690ffffffffff", 0 }, /* 10 nibbles into 32 bits */
		{ "0105800000000000", 0 }, /* 9 nibbles, even of zero */
		{ "010110ff", 0 },         /* number runs past its payload */
		{ "010010ff", 0 },         /* empty payload */
		{ "0100", 1 },             /* empty payload */
		{ "0102f0ff", 1 },         /* 16 nibbles in 2 bytes */
		{ "0102aaaa", 2 },         /* 2 bytes for a fixed 3 */
		{ "0104aaaaaaaa", 2 },     /* 4 bytes for a fixed 3 */
		{ "01010102", 3 },         /* tv_usec outside the payload */
		{ "010290ff0102", 3 },     /* tv_sec runs past the payload */
		{ "0100", 3 },             /* empty */
		{ "0105f0ffffffffff0000", 3 }, /* tv_sec over 32 bits */
		{ "020101", 0 },               /* wrong tag */
		{ "020101", 1 },
		{ "0203616263", 2 },
		{ "02020000", 3 },
	};
	struct evbuffer *b = from_hex(cases[_i].hex);
	size_t n = strlen(cases[_i].hex) / 2;
	ev_uint32_t u32;
	ev_uint64_t u64;
	struct timeval tv;
	char fixed[3];
	int rc = 0;

	switch (cases[_i].which) {
	case 0:
		rc = evtag_unmarshal_int(b, 1, &u32);
		break;
	case 1:
		rc = evtag_unmarshal_int64(b, 1, &u64);
		break;
	case 2:
		rc = evtag_unmarshal_fixed(b, 1, fixed, 3);
		break;
	case 3:
		rc = evtag_unmarshal_timeval(b, 1, &tv);
		break;
	}
	ck_assert_int_eq(rc, -1);
	expect_intact(b, n);
	evbuffer_free(b);
}
END_TEST

/* Lenient reads libevent accepts: trailing bytes inside a payload,
 * numbers with leading zero nibbles. */
START_TEST(test_lenient)
{
	struct evbuffer *b = from_hex("010310ffff"
	                              "0103220000"
	                              "0203010203"
	                              "ff");
	ev_uint32_t u32 = 0;
	struct timeval tv;

	ck_assert_int_eq(evtag_unmarshal_int(b, 1, &u32), 2);
	ck_assert_uint_eq(u32, 0xf0);
	ck_assert_int_eq(evtag_unmarshal_int(b, 1, &u32), 2);
	ck_assert_uint_eq(u32, 0x2);
	ck_assert_int_eq(evtag_unmarshal_timeval(b, 2, &tv), 0);
	ck_assert_int_eq(tv.tv_sec, 1);
	ck_assert_int_eq(tv.tv_usec, 2);
	ck_assert_uint_eq(evbuffer_get_length(b), 1);
	evbuffer_free(b);
}
END_TEST

/* Every cut of a valid sequence: readers fail on a cut item. */
START_TEST(test_truncated)
{
	struct evbuffer *full = evbuffer_new(), *b = evbuffer_new();
	struct evbuffer *d = evbuffer_new();
	struct timeval tv = { 0x7fffffff, 999999 };
	unsigned char *bytes;
	size_t n, cut, e1, e2, e3;

	/* items end at e1 (5 + 1 + 5 bytes), e2 (3 + 1 + 9), e3 (2 + 1 +
	 * 11) and n (1 + 1 + 8) */
	evtag_marshal_int(full, 0x10000000u, 0xffffffffu);
	e1 = evbuffer_get_length(full);
	evtag_marshal_int64(full, 0x4000, 0xffffffffffffffffull);
	e2 = evbuffer_get_length(full);
	evtag_marshal_string(full, 300, "truncate me");
	e3 = evbuffer_get_length(full);
	evtag_marshal_timeval(full, 1, &tv);
	ck_assert_uint_eq(e1, 11);
	ck_assert_uint_eq(e2, 24);
	ck_assert_uint_eq(e3, 38);
	n = evbuffer_get_length(full);
	bytes = evbuffer_pullup(full, -1);
	for (cut = 0; cut < n; cut++) {
		ev_uint32_t u32, len;
		ev_uint64_t u64;
		char *s = NULL;
		int r;

		evbuffer_drain(b, evbuffer_get_length(b));
		evbuffer_add(b, bytes, cut);
		r = evtag_unmarshal_int(b, 0x10000000u, &u32);
		ck_assert_int_eq(r, cut >= e1 ? 5 : -1);
		if (r < 0) {
			expect_intact(b, cut);
			ck_assert_int_eq(evtag_consume(b), -1);
			ck_assert_int_eq(evtag_unmarshal(b, &u32, d), -1);
			continue;
		}
		r = evtag_unmarshal_int64(b, 0x4000, &u64);
		ck_assert_int_eq(r, cut >= e2 ? 9 : -1);
		if (r < 0) {
			expect_intact(b, cut - e1);
			continue;
		}
		if (cut >= e2 + 3) {
			ck_assert_int_eq(evtag_payload_length(b, &len), 0);
			ck_assert_uint_eq(len, 11);
		}
		r = evtag_unmarshal_string(b, 300, &s);
		ck_assert_int_eq(r, cut >= e3 ? 0 : -1);
		if (r < 0) {
			expect_intact(b, cut - e2);
			continue;
		}
		ck_assert_str_eq(s, "truncate me");
		free(s);
		ck_assert_int_eq(evtag_unmarshal_timeval(b, 1, &tv), -1);
		expect_intact(b, cut - e3);
	}
	evbuffer_free(full);
	evbuffer_free(b);
	evbuffer_free(d);
}
END_TEST

#ifndef EVKIT_REFERENCE
/* Where libevent's answer is wrong, evkit's differs. */
START_TEST(test_evkit_strict)
{
	struct evbuffer *b = from_hex("017ffffffff0");
	ev_uint32_t len = 0;

	/* 6 header bytes + 4 GiB - 1 do not fit in 32 bits: libevent
	 * wraps around to 5 */
	ck_assert_int_eq(evtag_peek_length(b, &len), -1);
	ck_assert_int_eq(evtag_payload_length(b, &len), 0);
	ck_assert_uint_eq(len, 0xffffffffu);
	evbuffer_free(b);
}
END_TEST
#endif

Suite *
tag_suite(void)
{
	Suite *s = suite_create("tag");
	TCase *tc;

	tc = tcase_create("wire");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_encode_int, 0, N(ints));
	tcase_add_loop_test(tc, test_encode_int64, 0, N(ints64));
	tcase_add_loop_test(tc, test_tags, 0, N(tags));
	tcase_add_test(tc, test_marshal_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_lenient);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_malformed, 0, N(malformed));
	tcase_add_loop_test(tc, test_bad_payload, 0, 16);
	tcase_add_test(tc, test_truncated);
#ifndef EVKIT_REFERENCE
	tcase_add_test(tc, test_evkit_strict);
#endif
	suite_add_tcase(s, tc);
	return s;
}
