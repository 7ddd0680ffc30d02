/*
 * bench/dns-bench.c: queries per second of an evdns resolver.
 *
 * Keeps -c requests in flight against one nameserver until -n have
 * completed, asking for h0.ZONE, h1.ZONE, ... (A records), and prints one
 * line: queries, answered, errors, wall seconds, queries/s.  It uses only
 * libevent 2.1's API (evdns_base_resolve_ipv4), so the same file builds
 * against libevkit and the system libevent (bench/dns-vs-libevent); with
 * -q and EVKIT_DNS_QUERY defined it uses evkit's evdns_base_query.
 *
 * usage: dns-bench -s ADDR:PORT [-n total] [-c concurrency] [-z zone]
 *                  [-N names] [-o option=value]... [-q]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/dns.h>
#ifdef EVKIT_DNS_QUERY
#include <event2/dns_query.h>
#endif

#include "bench-util.h"

static struct event_base *base;
static struct evdns_base *dns;
static long total = 100000, started, done, answered, errors[128];
static long names = 10000;
static const char *zone = "bench.test";
static int use_query;

static void start_one(void);

static void
finish(int err)
{
	done++;
	if (err == DNS_ERR_NONE)
		answered++;
	else
		errors[err & 127]++;
	if (started < total)
		start_one();
	else if (done == total)
		event_base_loopbreak(base);
}

static void
resolve_cb(int err, char type, int count, int ttl, void *addrs, void *arg)
{
	(void)type;
	(void)count;
	(void)ttl;
	(void)addrs;
	(void)arg;
	finish(err);
}

#ifdef EVKIT_DNS_QUERY
static void
query_cb(const struct evdns_query_result *r, void *arg)
{
	(void)arg;
	finish(r->err != DNS_ERR_NONE ? r->err
	        : r->msg->rcode       ? r->msg->rcode
	                              : DNS_ERR_NONE);
}
#endif

static void
start_one(void)
{
	char name[300];
	void *req;

	snprintf(name, sizeof(name), "h%ld.%s.", started % names, zone);
	started++;
#ifdef EVKIT_DNS_QUERY
	if (use_query)
		req = evdns_base_query(dns, name, NULL, query_cb, NULL);
	else
#endif
		req = evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH,
		    resolve_cb, NULL);
	if (!req) {
		fprintf(stderr, "dns-bench: cannot start a request\n");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	const char *server = NULL;
	long conc = 100, i;
	double t0, t;
	int c;

	base = event_base_new();
	dns = base ? evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE)
	           : NULL;
	if (!dns) {
		fprintf(stderr, "dns-bench: cannot make a resolver\n");
		return 1;
	}
	while ((c = getopt(argc, argv, "s:n:c:z:N:o:q")) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'n':
			total = atol(optarg);
			break;
		case 'c':
			conc = atol(optarg);
			break;
		case 'z':
			zone = optarg;
			break;
		case 'N':
			names = atol(optarg);
			break;
		case 'o': {
			char *eq = strchr(optarg, '=');

			if (!eq) {
				fprintf(stderr, "dns-bench: -o NAME=VALUE\n");
				return 2;
			}
			*eq = '\0';
			if (evdns_base_set_option(dns, optarg, eq + 1) < 0) {
				fprintf(stderr,
				    "dns-bench: option %s refused\n", optarg);
				return 2;
			}
			break;
		}
		case 'q':
			use_query = 1;
			break;
		default:
			fprintf(stderr,
			    "usage: dns-bench -s ADDR:PORT [-n total] "
			    "[-c concurrency] [-z zone] [-N names] "
			    "[-o option=value]... [-q]\n");
			return 2;
		}
	}
	if (!server || total <= 0 || conc <= 0 || names <= 0 ||
	    evdns_base_nameserver_ip_add(dns, server) != 0) {
		fprintf(stderr,
		    "dns-bench: need -s ADDR:PORT, positive -n -c\n");
		return 2;
	}
	t0 = bench_now();
	for (i = 0; i < conc && started < total; i++)
		start_one();
	event_base_dispatch(base);
	t = bench_now() - t0;
	printf("queries %ld answered %ld timeouts %ld other-errors %ld "
	       "seconds %.3f qps %.0f\n",
	    done, answered, errors[DNS_ERR_TIMEOUT],
	    done - answered - errors[DNS_ERR_TIMEOUT], t, done / t);
	evdns_base_free(dns, 0);
	event_base_free(base);
	return answered == total ? 0 : 1;
}
