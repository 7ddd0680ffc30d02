/*
 * dns-wire-parse.c: cost of evdns_msg_parse on a typical reply, the one
 * evdig's batch mode parses for every query: "www.example.com. A" with
 * a CNAME and two A records, all names compressed, and an OPT record.
 *
 *	cc -O2 -Ilib/include bench/dns-wire-parse.c lib/libevkit.a -lpthread \
 *	    -o /tmp/dns-wire-parse
 *	/tmp/dns-wire-parse [parses]              # ns per parse
 *	valgrind --tool=callgrind --toggle-collect=phase_parse \
 *	    /tmp/dns-wire-parse 1000              # Ir / 1000 = per parse
 */
#include <event2/dns_query.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench-util.h"

static const unsigned char reply[] = { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0,
	0, 1,
	/* www.example.com. A IN */
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o',
	'm', 0, 0, 1, 0, 1,
	/* www.example.com. 300 CNAME web.example.com. */
	0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 44, 0, 6, 3, 'w', 'e', 'b', 0xc0, 16,
	/* web.example.com. 300 A 192.0.2.1, 192.0.2.2 */
	0xc0, 45, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1, 0xc0, 45, 0, 1,
	0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 2,
	/* OPT 1232 */
	0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0 };

static volatile size_t sink;

static NOINLINE void
phase_parse(long n)
{
	struct evdns_msg *m;
	long i;

	for (i = 0; i < n; i++) {
		if (evdns_msg_parse(reply, sizeof(reply), &m) < 0)
			abort();
		sink += m->n_section[0];
		evdns_msg_free(m);
	}
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	double s;

	if (n <= 0)
		return 2;
	s = bench_timed(phase_parse, n); /* the warm-up checks the message */
	printf("parse %ld in %.3f s: %.0f ns/parse\n", n, s,
	    s * 1e9 / (double)n);
	return 0;
}
