/*
 * http-parse.c: cost of the HTTP parser (lib/http_parse.c) on a typical
 * browser request head: 8 fields, about 400 bytes.  One parse is what the
 * server does per request: http_head_length_ to find the head, then
 * http_parse_request_head_ with a field callback (here one that only
 * counts, so the figure is the parser's alone).
 *
 * The parser has no public entry point, so this bench lives under tests/
 * (which may include lib/'s internal headers) rather than bench/ (public
 * headers only, checked by tests/layering.sh).  From the top directory:
 *
 *	cc -O2 -Ilib/include -Ilib -Ibench tests/bench/http-parse.c \
 *	    lib/libevkit.a -lpthread -o /tmp/http-parse
 *	/tmp/http-parse [parses]                  # ns per parse
 *	valgrind --tool=callgrind --toggle-collect=phase_parse \
 *	    /tmp/http-parse 1000                  # Ir / 1000 = per parse
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http-parse-internal.h"

#include "bench-util.h"

static const char head[] =
    "GET /docs/index.html?lang=en HTTP/1.1\r\n"
    "Host: www.example.org\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
    "Firefox/128.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;"
    "q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Connection: keep-alive\r\n"
    "Referer: https://www.example.org/\r\n"
    "Cookie: session=4f1c2a9e7b; theme=dark\r\n"
    "\r\n";

static volatile size_t sink;

static int
count_field(void *arg, const char *name, size_t name_len, const char *value,
    size_t value_len)
{
	(void)name;
	(void)value;
	*(size_t *)arg += name_len + value_len;
	return 0;
}

static NOINLINE void
phase_parse(long n)
{
	struct http_head_ h;
	size_t scanned, len, bytes = 0;
	long i;

	for (i = 0; i < n; i++) {
		scanned = 0;
		len = http_head_length_(head, sizeof(head) - 1, &scanned);
		if (len != sizeof(head) - 1 ||
		    http_parse_request_head_(head, len, &h, count_field,
		        &bytes) != HTTP_PARSE_OK ||
		    h.nfields != 8)
			abort();
	}
	sink += bytes;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	double s;

	if (n <= 0)
		return 2;
	s = bench_timed(phase_parse, n); /* the warm-up checks the head */
	printf("parse %ld heads of %zu bytes in %.3f s: %.0f ns/parse\n", n,
	    sizeof(head) - 1, s, s * 1e9 / (double)n);
	return 0;
}
