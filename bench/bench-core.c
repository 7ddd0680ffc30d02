/*
 * bench-core: run one evbench workload once and print its figures as
 * name=value words on one line, for bench/vs-libevent.
 *
 *	bench-core WORKLOAD N [ACTIVE WRITES TIMEOUTS]
 *	bench-core --methods
 *
 * The base is made by event_base_new(), so the EVENT_NO* variables choose
 * the backend, as they would for any libevent program.  --methods prints
 * the library's event_get_supported_methods() on one line, so that the
 * caller knows which backends it can ask for.  The same file is compiled
 * against libevkit and against the system libevent.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "workloads.h"

static int
number(const char *s, int min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min ||
	    v > INT_MAX) {
		fprintf(stderr, "bench-core: bad number '%s'\n", s);
		exit(2);
	}
	return (int)v;
}

int
main(int argc, char **argv)
{
	const struct wl_workload *w;
	struct wl_params p = { 0, 1, 0, 0 };
	struct wl_result r = { { 0 }, NULL, 0, { 0 } };
	int k;

	if (argc == 2 && strcmp(argv[1], "--methods") == 0) {
		const char **m = event_get_supported_methods();
		for (k = 0; m != NULL && m[k] != NULL; k++)
			printf("%s%s", k ? " " : "", m[k]);
		printf("\n");
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc != 3 && argc != 6) {
		fprintf(stderr,
		    "usage: bench-core workload n "
		    "[active writes timeouts]\n"
		    "       bench-core --methods\n");
		return 2;
	}
	if ((w = wl_find(argv[1])) == NULL) {
		fprintf(stderr, "bench-core: unknown workload '%s'\n", argv[1]);
		return 2;
	}
	p.n = number(argv[2], 1);
	if (argc == 6) {
		p.active = number(argv[3], 1);
		p.writes = number(argv[4], 0);
		p.timeouts = number(argv[5], 0);
	}
	if (w->run(NULL, &p, &r) != 0) {
		fprintf(stderr, "bench-core: %s: %s\n", w->name, r.error);
		return 1;
	}
	/* First word only: libevent says "epoll (with changelist)". */
	printf("method=%.*s callbacks=%ld", (int)strcspn(r.method, " "),
	    r.method, r.callbacks);
	for (k = 0; k < w->nmetrics; k++)
		printf(" %s=%.3f", w->metrics[k].name, r.value[k]);
	printf("\n");
	return fflush(stdout) == 0 ? 0 : 1;
}
