/*
 * uring-syscalls: the probe bench/uring-syscalls runs under strace.
 *
 *	uring-syscalls METHOD toggle N ITER   N interest changes per iteration
 *	uring-syscalls METHOD setup N         add N fds, one loop pass
 *	uring-syscalls METHOD base N          make and free N bases
 *
 * toggle: a zero-time timer runs ITER loop iterations; its callback adds
 * or deletes (in turn) one read event on each of N fds, so every
 * iteration passes N changes to the backend.  setup: N fds (both ends of
 * N/2 socketpairs) are added and one EVLOOP_NONBLOCK pass registers
 * them.  Only METHOD may be used; times go to stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/event.h>

static struct event **evs;
static struct event *driver;
static int nevs, iterations, done, added;

static void
noop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void
toggle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval zero = { 0, 0 };
	int i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < nevs; i++) {
		if (added)
			event_del(evs[i]);
		else
			event_add(evs[i], NULL);
	}
	added = !added;
	if (++done < iterations)
		evtimer_add(driver, &zero);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct event_base *
base_only(const char *method)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	const char **m;

	for (m = event_get_supported_methods(); *m; m++)
		if (strcmp(*m, method))
			event_config_avoid_method(cfg, *m);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL || strcmp(event_base_get_method(base), method)) {
		fprintf(stderr, "uring-syscalls: no %s base\n", method);
		exit(1);
	}
	return base;
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct timeval zero = { 0, 0 };
	struct rlimit rl;
	double t0;
	int i, n;

	if (argc < 4 || (n = atoi(argv[3])) < 1) {
		fprintf(stderr,
		    "usage: uring-syscalls METHOD "
		    "toggle|setup|base N [ITER]\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!strcmp(argv[2], "base")) {
		t0 = now_ms();
		for (i = 0; i < n; i++)
			event_base_free(base_only(argv[1]));
		printf("%s: %.1f us per event_base_new + free\n", argv[1],
		    (now_ms() - t0) * 1e3 / n);
		return 0;
	}
	base = base_only(argv[1]);
	nevs = n / 2 * 2;
	evs = calloc(nevs, sizeof(*evs));
	for (i = 0; i < nevs; i += 2) {
		evutil_socket_t p[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p)) {
			perror("uring-syscalls: socketpair");
			return 1;
		}
		evs[i] =
		    event_new(base, p[0], EV_READ | EV_PERSIST, noop_cb, NULL);
		evs[i + 1] =
		    event_new(base, p[1], EV_READ | EV_PERSIST, noop_cb, NULL);
	}
	if (!strcmp(argv[2], "setup")) {
		t0 = now_ms();
		for (i = 0; i < nevs; i++)
			event_add(evs[i], NULL);
		event_base_loop(base, EVLOOP_NONBLOCK);
		printf("%s: setup of %d fds %.3f ms\n", argv[1], nevs,
		    now_ms() - t0);
		return 0;
	}
	iterations = argc > 4 ? atoi(argv[4]) : 0;
	driver = evtimer_new(base, toggle_cb, NULL);
	if (iterations > 0) {
		evtimer_add(driver, &zero);
		t0 = now_ms();
		event_base_loop(base, 0);
		printf("%s: %d changes per iteration, %.2f us per iteration\n",
		    argv[1], nevs, (now_ms() - t0) * 1e3 / iterations);
	}
	return 0;
}
