/*
 * allocfail: the allocation-failure sweep.
 *
 * For each scenario (af_core.c, af_io.c) a first run in a child counts the
 * allocations the scenario makes when none fails.  Then, for every N from 1
 * to that count, a fresh child runs it with the Nth allocation failing.
 * Each such run must end with success or an error returned or reported;
 * it fails the sweep when it crashes, hangs (AF_TIMEOUT seconds), leaves
 * allocations behind (counted here, and by LeakSanitizer in the sanitizer
 * build), or reports success with wrong data.
 *
 * usage: allocfail [SCENARIO...]   (default: all of them)
 * AF_ONLY=N runs only the Nth-failure run of each scenario named, in the
 * foreground, to debug one failure.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "allocfail.h"

#define AF_TIMEOUT 10

static long n_allocs;   /* allocation attempts so far */
static long fail_at;    /* the attempt that fails; 0: none */
static long live;       /* blocks handed out and not freed */
static int failed_once; /* the planned failure happened */

static int
should_fail(void)
{
	if (++n_allocs == fail_at) {
		failed_once = 1;
		return 1;
	}
	return 0;
}

static void *
af_malloc(size_t sz)
{
	void *p;

	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(sz);
	if (p)
		live++;
	return p;
}

static void *
af_realloc(void *old, size_t sz)
{
	void *p;

	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	p = realloc(old, sz);
	if (p && !old)
		live++;
	return p;
}

static void
af_free(void *p)
{
	if (p)
		live--;
	free(p);
}

void
af_free_returned(void *p)
{
	af_free(p);
}

static void
quiet_log(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

static void
fatal_cb(int err)
{
	fprintf(stderr,
	    "allocfail: the library called its fatal callback "
	    "(%d)\n",
	    err);
	abort();
}

void
af_note_wrong(const char *file, int line, const char *what)
{
	fprintf(stderr, "allocfail: %s:%d: wrong result: %s\n", file, line,
	    what);
}

/* In a child: runs the scenario with allocation n failing. */
static void
child(const struct af_scenario *sc, long n, int count_fd)
{
	int rc;

	alarm(AF_TIMEOUT);
	n_allocs = 0;
	fail_at = n;
	live = 0;
	failed_once = 0;
	rc = sc->run();
	if (count_fd >= 0) {
		ssize_t w = write(count_fd, &n_allocs, sizeof(n_allocs));
		(void)w;
	}
	if (rc != AF_OK && rc != AF_ERROR)
		exit(10 + rc);
	if (live != 0) {
		fprintf(stderr,
		    "allocfail: %s, allocation %ld failing: %ld "
		    "blocks left allocated\n",
		    sc->name, n, live);
		exit(3);
	}
	/* exit(), not _exit(): LeakSanitizer checks at exit. */
	exit(rc);
}

static const char *
describe(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM)
			snprintf(buf, len, "hung (over %d s)", AF_TIMEOUT);
		else
			snprintf(buf, len, "crashed (signal %d)",
			    WTERMSIG(status));
	} else if (WEXITSTATUS(status) == 3) {
		snprintf(buf, len, "leaked");
	} else if (WEXITSTATUS(status) == 10 + AF_WRONG) {
		snprintf(buf, len, "wrong result");
	} else {
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	}
	return buf;
}

/* Runs sc in a child with allocation n failing; *rc gets its result. */
static int
run_one(const struct af_scenario *sc, long n, long *count, int *rc)
{
	int fds[2] = { -1, -1 }, status;
	pid_t pid;

	if (count && pipe(fds) == -1)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid == 0) {
		if (count)
			close(fds[0]);
		child(sc, n, count ? fds[1] : -1);
	}
	if (count) {
		close(fds[1]);
		if (read(fds[0], count, sizeof(*count)) != sizeof(*count))
			*count = -1;
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	*rc = status;
	return 0;
}

static int
sweep(const struct af_scenario *sc)
{
	long total = 0, n, errors = 0, oks = 0;
	int status, bad = 0;
	char why[64];

	if (run_one(sc, 0, &total, &status) == -1) {
		perror("allocfail: fork");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != AF_OK || total <= 0) {
		printf("FAIL %s: the run with no failure %s\n", sc->name,
		    describe(status, why, sizeof(why)));
		return 1;
	}
	for (n = 1; n <= total; n++) {
		if (run_one(sc, n, NULL, &status) == -1) {
			perror("allocfail: fork");
			return 1;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == AF_OK) {
			oks++;
		} else if (WIFEXITED(status) &&
		    WEXITSTATUS(status) == AF_ERROR) {
			errors++;
		} else {
			printf("FAIL %s: allocation %ld of %ld failing: %s "
			       "(rerun: AF_ONLY=%ld allocfail %s)\n",
			    sc->name, n, total,
			    describe(status, why, sizeof(why)), n, sc->name);
			bad++;
		}
	}
	printf("%s %s: %ld allocations; %ld runs reported an error, %ld "
	       "coped\n",
	    bad ? "FAIL" : "ok", sc->name, total, errors, oks);
	return bad ? 1 : 0;
}

static const struct af_scenario *const tables[] = {
	af_core_scenarios,
	af_io_scenarios,
	af_dns_wire_scenarios,
	af_http_uri_scenarios,
};

static int
wanted(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *only = getenv("AF_ONLY");
	int failed = 0, ran = 0;
	size_t t;

	event_set_mem_functions(af_malloc, af_realloc, af_free);
	event_set_log_callback(quiet_log);
	event_set_fatal_callback(fatal_cb);
	signal(SIGPIPE, SIG_IGN);

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		const struct af_scenario *sc;

		for (sc = tables[t]; sc->name; sc++) {
			if (!wanted(sc->name, argc, argv))
				continue;
			ran++;
			if (only) {
				/* Foreground, with the library's messages. */
				event_set_log_callback(NULL);
				fail_at = atol(only);
				printf("%s, allocation %s failing: %d\n",
				    sc->name, only, sc->run());
				printf("%ld allocations, %ld left allocated\n",
				    n_allocs, live);
				continue;
			}
			failed |= sweep(sc);
		}
	}
	if (ran == 0) {
		fprintf(stderr, "allocfail: no such scenario\n");
		return 99;
	}
	return failed;
}
