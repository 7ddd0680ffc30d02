/*
 * af_http_uri.c: allocation-failure scenario for URIs, query strings and
 * header lists (lib/http_uri.c, lib/http_headers.c).  A failed
 * allocation must give NULL or -1 with nothing leaked, never a URI with
 * a part missing or a list with a pair missing.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "allocfail.h"

static int
run_http_uri(void)
{
	struct evhttp_uri *u = NULL;
	struct evkeyvalq q, h;
	char buf[128], *enc = NULL, *dec = NULL;
	int rc = AF_OK;

	q.tqh_first = NULL;
	q.tqh_last = &q.tqh_first;
	h.tqh_first = NULL;
	h.tqh_last = &h.tqh_first;
	AF_CHECK(
	    (u = evhttp_uri_parse(
	         "http://me@example.org:8080/a%20b?x=1&y=a+b#top")) != NULL);
	AF_EXPECT(strcmp(evhttp_uri_get_userinfo(u), "me") == 0);
	AF_EXPECT(strcmp(evhttp_uri_get_host(u), "example.org") == 0);
	AF_EXPECT(strcmp(evhttp_uri_get_path(u), "/a%20b") == 0);
	AF_EXPECT(strcmp(evhttp_uri_get_query(u), "x=1&y=a+b") == 0);
	AF_EXPECT(strcmp(evhttp_uri_get_fragment(u), "top") == 0);
	AF_CHECK(evhttp_uri_set_path(u, "/c") == 0);
	AF_EXPECT(strcmp(evhttp_uri_join(u, buf, sizeof(buf)),
	              "http://me@example.org:8080/c?x=1&y=a+b#top") == 0);

	AF_CHECK(evhttp_parse_query("/p?x=1&y=a+b&z=%41", &q) == 0);
	AF_EXPECT(strcmp(evhttp_find_header(&q, "y"), "a b") == 0);
	AF_EXPECT(strcmp(evhttp_find_header(&q, "z"), "A") == 0);

	AF_CHECK(evhttp_add_header(&h, "Host", "example.org") == 0);
	AF_CHECK(evhttp_add_header(&h, "Accept", "*/*") == 0);
	AF_EXPECT(strcmp(evhttp_find_header(&h, "accept"), "*/*") == 0);

	AF_CHECK((enc = evhttp_encode_uri("a b/c")) != NULL);
	AF_EXPECT(strcmp(enc, "a%20b%2Fc") == 0);
	AF_CHECK((dec = evhttp_decode_uri(enc)) != NULL);
	AF_EXPECT(strcmp(dec, "a b/c") == 0);
out:
	af_free_returned(enc);
	af_free_returned(dec);
	evhttp_clear_headers(&q);
	evhttp_clear_headers(&h);
	evhttp_uri_free(u);
	return rc;
}

const struct af_scenario af_http_uri_scenarios[] = {
	{ "http_uri", run_http_uri },
	{ NULL, NULL },
};
