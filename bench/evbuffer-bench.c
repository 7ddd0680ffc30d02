/*
 * evbuffer-bench.c: micro-benchmark of the evbuffer hot paths.
 *
 * The same source is compiled against libevkit and against the system
 * libevent (bench/evbuffer-vs-libevent does both).  Each workload runs its
 * timed part in its own out-of-line function named phase_<workload>, so
 * that callgrind can count the instructions of that part alone
 * (--toggle-collect=phase_<workload>); setup and teardown are outside.
 *
 * usage: evbuffer-bench [-l] [-r reps] [workload [ops]]
 *   no workload: every workload, one line each: name ns/op
 *   -l: list the workloads with their default operation counts
 *   -r: repetitions for the wall-time median (default 5)
 *   workload [ops]: run that one phase once (for callgrind); prints
 *   "name ops" so the caller can divide.
 */
#include <event2/buffer.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static unsigned char payload[65536];
static volatile size_t sink;

/* add: 16-byte appends into a growing buffer. */
static NOINLINE void
phase_add_small(struct evbuffer *buf, int n)
{
	for (int i = 0; i < n; i++)
		evbuffer_add(buf, payload, 16);
}

/* add: 4 KiB appends into a growing buffer. */
static NOINLINE void
phase_add_large(struct evbuffer *buf, int n)
{
	for (int i = 0; i < n; i++)
		evbuffer_add(buf, payload, 4096);
}

/* drain: 100 bytes at a time from a buffer of many chains. */
static NOINLINE void
phase_drain(struct evbuffer *buf, int n)
{
	for (int i = 0; i < n; i++)
		evbuffer_drain(buf, 100);
}

/* add+remove: a 64-byte message in and out of an empty buffer. */
static NOINLINE void
phase_add_remove(struct evbuffer *buf, int n)
{
	unsigned char out[64];

	for (int i = 0; i < n; i++) {
		evbuffer_add(buf, payload, sizeof(out));
		sink += (size_t)evbuffer_remove(buf, out, sizeof(out));
	}
}

/* readln: CRLF lines of 20 to 80 bytes, as HTTP headers. */
static NOINLINE void
phase_readln(struct evbuffer *buf, int n)
{
	for (int i = 0; i < n; i++) {
		size_t len;
		char *line = evbuffer_readln(buf, &len, EVBUFFER_EOL_CRLF);
		sink += len;
		free(line);
	}
}

/* search: a 4-byte pattern found only at the end of 256 KiB of text. */
static NOINLINE void
phase_search(struct evbuffer *buf, int n)
{
	for (int i = 0; i < n; i++) {
		struct evbuffer_ptr p =
		    evbuffer_search(buf, "\r\n\r\n", 4, NULL);
		sink += (size_t)p.pos;
	}
}

/* search_next: walk a buffer from one CRLF to the next. */
static NOINLINE void
phase_search_next(struct evbuffer *buf, int n)
{
	struct evbuffer_ptr p;

	evbuffer_ptr_set(buf, &p, 0, EVBUFFER_PTR_SET);
	for (int i = 0; i < n; i++) {
		p = evbuffer_search(buf, "\r\n", 2, &p);
		if (p.pos < 0)
			evbuffer_ptr_set(buf, &p, 0, EVBUFFER_PTR_SET);
		else
			evbuffer_ptr_set(buf, &p, 2, EVBUFFER_PTR_ADD);
		sink += (size_t)p.pos;
	}
}

/* Header-like text: lines of 20 to 80 bytes ending in CRLF. */
static void
add_lines(struct evbuffer *buf, int nlines)
{
	char line[96];
	unsigned seed = 1;

	for (int i = 0; i < nlines; i++) {
		int len;
		seed = seed * 1103515245u + 12345u;
		len = 18 + (int)((seed >> 16) % 61);
		memset(line, 'a' + i % 26, (size_t)len);
		memcpy(line, "X-Header: ", 10);
		line[len] = '\r';
		line[len + 1] = '\n';
		evbuffer_add(buf, line, (size_t)len + 2);
	}
}

/* 256 KiB of header text in 4 KiB adds, then the blank line. */
static void
add_text(struct evbuffer *buf)
{
	static char text[4096];
	static int ready;

	if (!ready) {
		for (size_t i = 0; i < sizeof(text); i++)
			text[i] = (i % 40 == 38) ? '\r'
			    : (i % 40 == 39)     ? '\n'
			                         : (char)('a' + i % 23);
		ready = 1;
	}
	for (int i = 0; i < 64; i++)
		evbuffer_add(buf, text, sizeof(text));
	evbuffer_add(buf, "\r\n", 2);
}

/*
 * A workload runs in batches: setup (not timed) prepares the buffer for
 * one batch of operations, the phase does them, reset (not timed) empties
 * the buffer.  Batches keep the buffer small, so that the memory stays
 * warm and page faults do not drown the figures.
 */
struct workload {
	const char *name;
	int ops;   /* operations per run */
	int batch; /* operations per batch */
	void (*setup)(struct evbuffer *, int);
	void (*phase)(struct evbuffer *, int);
};

static void
setup_none(struct evbuffer *buf, int n)
{
	(void)buf;
	(void)n;
}

static void
setup_drain(struct evbuffer *buf, int n)
{
	/* n * 100 bytes in 1000-byte adds: chains of several sizes. */
	for (int i = 0; i < n / 10; i++)
		evbuffer_add(buf, payload, 1000);
}

static void
setup_readln(struct evbuffer *buf, int n)
{
	add_lines(buf, n);
}

static void
setup_search(struct evbuffer *buf, int n)
{
	(void)n;
	add_text(buf);
}

static const struct workload workloads[] = {
	{ "add_small", 200000, 4096, setup_none, phase_add_small },
	{ "add_large", 20000, 16, setup_none, phase_add_large },
	{ "drain", 200000, 1000, setup_drain, phase_drain },
	{ "add_remove", 200000, 200000, setup_none, phase_add_remove },
	{ "readln", 200000, 1000, setup_readln, phase_readln },
	{ "search", 200, 1, setup_search, phase_search },
	{ "search_next", 200000, 10000, setup_search, phase_search_next },
};
#define N_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One run of a workload; returns ns per operation. */
static double
run(const struct workload *w, int ops)
{
	struct evbuffer *buf = evbuffer_new();
	double spent = 0, t0;

	if (buf == NULL) {
		fprintf(stderr, "evbuffer-bench: out of memory\n");
		exit(1);
	}
	for (int done = 0; done < ops; done += w->batch) {
		int n = ops - done < w->batch ? ops - done : w->batch;
		w->setup(buf, n);
		t0 = now_ns();
		w->phase(buf, n);
		spent += now_ns() - t0;
		evbuffer_drain(buf, evbuffer_get_length(buf));
	}
	evbuffer_free(buf);
	return spent / ops;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: evbuffer-bench [-l] [-r reps] [workload [ops]]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int reps = 5;
	int i = 1;

	for (size_t k = 0; k < sizeof(payload); k++)
		payload[k] = (unsigned char)('a' + k % 26);

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-l") == 0) {
			for (size_t k = 0; k < N_WORKLOADS; k++)
				printf("%s %d\n", workloads[k].name,
				    workloads[k].ops);
			return 0;
		} else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
			reps = atoi(argv[++i]);
			if (reps < 1 || reps > 1000)
				usage();
		} else {
			usage();
		}
	}

	if (i < argc) {
		/* One phase, once: for callgrind. */
		for (size_t k = 0; k < N_WORKLOADS; k++) {
			if (strcmp(argv[i], workloads[k].name) == 0) {
				int ops = i + 1 < argc ? atoi(argv[i + 1])
				                       : workloads[k].ops;
				if (ops < 1)
					usage();
				run(&workloads[k], ops);
				printf("%s %d\n", workloads[k].name, ops);
				return 0;
			}
		}
		fprintf(stderr, "evbuffer-bench: no workload '%s'\n", argv[i]);
		return 2;
	}

	for (size_t k = 0; k < N_WORKLOADS; k++) {
		double t[1000];
		for (int r = 0; r < reps; r++)
			t[r] = run(&workloads[k], workloads[k].ops);
		qsort(t, (size_t)reps, sizeof(t[0]), cmp_double);
		printf("%s %.2f\n", workloads[k].name, t[reps / 2]);
	}
	return 0;
}
