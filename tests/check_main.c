/*
 * tests/check_main.c: the Check runner over every suite, and the helpers
 * declared in check-internal.h.
 *
 * Environment:
 *   EVKIT_TEST_BACKEND  the backend run-backend.sh asked for; the runner
 *                       refuses to run (exit 99) when a fresh base uses
 *                       another method, and skips (exit 77) when the
 *                       method is not compiled in.
 *   EVKIT_TEST_DEBUG=1  event_enable_debug_mode() before anything else.
 *   EVKIT_TEST_ALL_SUITES=1  run the suites that need no backend (below)
 *                       in this pass too.
 *   CK_FORK=no          run the tests in-process (for a debugger); each
 *                       test runs in its own child otherwise.
 *   CK_RUN_SUITE, CK_RUN_CASE, CK_TIMEOUT_MULTIPLIER: as in Check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <time.h>
#include <unistd.h>

#include "check-internal.h"

struct event_base *evkit_base;
evutil_socket_t evkit_pair[2] = { -1, -1 };

const char *
evkit_test_backend(void)
{
	const char *name = getenv("EVKIT_TEST_BACKEND");

	return name && *name ? name : NULL;
}

const char *
evkit_test_method(void)
{
	const char *name = evkit_test_backend();

	if (name == NULL || !strcmp(name, "debug"))
		return NULL;
	/* libevent names the changelist variant apart. */
	if (!strcmp(name, "epoll-changelist"))
		return "epoll (with changelist)";
	return name;
}

int
evkit_test_debug(void)
{
	const char *v = getenv("EVKIT_TEST_DEBUG");

	return v && !strcmp(v, "1");
}

int
evkit_methods(const char **out, int max)
{
	const char **m = event_get_supported_methods();
	int n;

	for (n = 0; m[n] && n < max - 1; n++)
		out[n] = m[n];
	out[n] = NULL;
	return n;
}

int
evkit_has_features(struct event_base *base, int features)
{
	return (event_base_get_features(base) & features) == features;
}

char evkit_order[256];
static size_t evkit_order_len;

void
evkit_order_note(char tag)
{
	if (evkit_order_len < sizeof(evkit_order) - 1) {
		evkit_order[evkit_order_len++] = tag;
		evkit_order[evkit_order_len] = '\0';
	}
}

void
evkit_order_reset(void)
{
	evkit_order_len = 0;
	evkit_order[0] = '\0';
}

void
evkit_noop_cb(evutil_socket_t fd, short what, void *arg)
{
}

long evkit_live_blocks;
int evkit_fail_malloc;

static void *
counting_malloc(size_t n)
{
	void *p = evkit_fail_malloc ? NULL : malloc(n);

	if (p)
		evkit_live_blocks++;
	return p;
}

static void *
counting_realloc(void *old, size_t n)
{
	void *p = realloc(old, n);

	if (p && !old)
		evkit_live_blocks++;
	return p;
}

static void
counting_free(void *p)
{
	if (p)
		evkit_live_blocks--;
	free(p);
}

void
evkit_count_blocks(void)
{
	event_set_mem_functions(counting_malloc, counting_realloc,
	    counting_free);
}

void
evkit_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	p->calls++;
	p->fd = fd;
	p->what = what;
	evkit_order_note(p->tag);
	if (p->action)
		p->action(p);
}

void
evkit_setup_ordered(void)
{
	evkit_setup();
	evkit_order_reset();
}

double
evkit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double
evkit_wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return evkit_tv_ms(&tv);
}

double
evkit_tv_ms(const struct timeval *tv)
{
	return tv->tv_sec * 1e3 + tv->tv_usec / 1e3;
}

struct timeval *
evkit_ms_tv(struct timeval *tv, long ms)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
	return tv;
}

struct event_base *
evkit_new_base(void)
{
	struct event_base *base = event_base_new();

	ck_assert_msg(base != NULL, "event_base_new failed");
	return base;
}

void
evkit_free_base(struct event_base *base)
{
	int added, active;

	added = event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED);
	active = event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE);
	event_base_free(base);
	ck_assert_msg(added == 0, "%d event(s) still added at teardown", added);
	ck_assert_msg(active == 0, "%d event(s) still active at teardown",
	    active);
}

void
evkit_socketpair(evutil_socket_t pair[2])
{
	int i, flags;

	ck_assert_msg(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0,
	    "socketpair: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		flags = fcntl(pair[i], F_GETFL);
		ck_assert_int_ne(flags, -1);
		ck_assert_int_ne(fcntl(pair[i], F_SETFL, flags | O_NONBLOCK),
		    -1);
		ck_assert_int_ne(fcntl(pair[i], F_SETFD, FD_CLOEXEC), -1);
	}
}

void
evkit_close(evutil_socket_t *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

void
evkit_write(evutil_socket_t fd, const char *data)
{
	size_t len = strlen(data);
	ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

	ck_assert_msg(n == (ssize_t)len, "send: %s",
	    n < 0 ? strerror(errno) : "short write");
}

void
evkit_drain(evutil_socket_t fd)
{
	char buf[4096];

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		continue;
}

void
evkit_setup(void)
{
	evkit_base = evkit_new_base();
	evkit_socketpair(evkit_pair);
}

void
evkit_teardown(void)
{
	struct event_base *base = evkit_base;

	evkit_base = NULL;
	evkit_close(&evkit_pair[0]);
	evkit_close(&evkit_pair[1]);
	if (base)
		evkit_free_base(base);
}

static void
until_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

int
evkit_loop_until(struct event_base *base, const volatile int *flag,
    int max_iterations, int timeout_ms)
{
	struct event *guard;
	struct timeval tv;
	int timed_out = 0, n = 0;

	guard = evtimer_new(base, until_timeout_cb, &timed_out);
	ck_assert_ptr_nonnull(guard);
	ck_assert_int_eq(evtimer_add(guard, evkit_ms_tv(&tv, timeout_ms)), 0);
	while (!*flag && !timed_out &&
	    (max_iterations <= 0 || n < max_iterations)) {
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;
		n++;
	}
	event_free(guard);
	return *flag ? 0 : -1;
}

/*
 * 1 when this kernel refuses to set up any io_uring ring (a container's
 * seccomp profile, kernel.io_uring_disabled, a kernel before 5.1): then
 * the io_uring pass skips instead of failing.  Asked of the kernel
 * directly, so that a backend that fails to start on a kernel that
 * allows rings still fails the pass.
 */
static int
io_uring_refused(void)
{
#if defined(__linux__) && defined(__NR_io_uring_setup)
	char params[120]; /* struct io_uring_params, all zero */
	long fd;

	memset(params, 0, sizeof(params));
	fd = syscall(__NR_io_uring_setup, 1, params);
	if (fd >= 0) {
		close((int)fd);
		return 0;
	}
	return errno == ENOSYS || errno == EPERM || errno == EACCES;
#else
	return 1;
#endif
}

/*
 * Makes sure the matrix tests what it claims: a fresh base must use the
 * method the wrapper asked for.  Returns an exit status, or -1 to go on.
 *
 * The base is made in a child process: the runner itself must create no
 * base, because in debug mode libevent refuses evthread_use_pthreads()
 * once any base exists, and every test is forked from this process.
 */
static int
check_backend(void)
{
	const char *backend = evkit_test_backend();
	const char *want = evkit_test_method();
	const char *compiled; /* the name in event_get_supported_methods() */
	const char *m[16];
	pid_t pid;
	int i, found = 0, status;

	if (backend == NULL)
		return -1;
	if (strcmp(backend, "epoll") && strcmp(backend, "epoll-changelist") &&
	    strcmp(backend, "poll") && strcmp(backend, "select") &&
	    strcmp(backend, "io_uring") && strcmp(backend, "debug")) {
		fprintf(stderr, "check_evkit: unknown EVKIT_TEST_BACKEND %s\n",
		    backend);
		return 99;
	}
	evkit_methods(m, 16);
	if (want == NULL)
		want = m[0]; /* debug: the default method */
	compiled = strcmp(backend, "epoll-changelist") ? want : "epoll";
	for (i = 0; m[i]; i++)
		found |= !strcmp(m[i], compiled);
	if (!found) {
		printf("check_evkit: method %s not available, skipping\n",
		    compiled);
		return 77;
	}
	if (!strcmp(backend, "epoll-changelist") &&
	    getenv("EVENT_EPOLL_USE_CHANGELIST") == NULL) {
		fprintf(stderr,
		    "check_evkit: epoll-changelist asked for, but "
		    "EVENT_EPOLL_USE_CHANGELIST is not set\n");
		return 99;
	}
	if (!strcmp(backend, "debug") && !evkit_test_debug()) {
		fprintf(stderr,
		    "check_evkit: debug backend asked for, but "
		    "EVKIT_TEST_DEBUG is not 1\n");
		return 99;
	}

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == -1) {
		perror("check_evkit: fork");
		return 99;
	}
	if (pid == 0) {
		struct event_base *base = event_base_new();
		const char *got;

		if (base == NULL && !strcmp(backend, "io_uring") &&
		    io_uring_refused())
			_exit(77);
		if (base == NULL) {
			fprintf(stderr, "check_evkit: event_base_new failed\n");
			_exit(1);
		}
		got = event_base_get_method(base);
		if (got == NULL || strcmp(got, want)) {
			fprintf(stderr,
			    "check_evkit: asked for backend %s (method %s), "
			    "but a new base uses %s: the backend matrix is "
			    "broken\n",
			    backend, want, got ? got : "(null)");
			_exit(1);
		}
		event_base_free(base);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 99;
	if (WEXITSTATUS(status) == 77) {
		printf("check_evkit: the kernel refuses io_uring_setup here "
		       "(seccomp, kernel.io_uring_disabled or too old), "
		       "skipping\n");
		return 77;
	}
	if (WEXITSTATUS(status) != 0)
		return 99;
	printf("check_evkit: backend %s, method %s%s%s\n", backend, want,
	    evkit_test_debug() ? ", debug mode" : "",
	    getenv("EVENT_USE_SIGNALFD") ? ", signals from a signalfd" : "");
	return -1;
}

/*
 * Suites still to come: weak, so a suite joins the runner as soon as its
 * file is listed in tests/local.mk, without touching this file.
 */
#pragma weak evmap_suite
#pragma weak buffer_suite
#pragma weak bufferevent_suite
#pragma weak listener_suite
#pragma weak reuse_suite
#pragma weak dns_wire_suite
#pragma weak dns_suite
#pragma weak dns_conf_suite
#pragma weak dns_server_suite
#pragma weak http_parse_suite
#pragma weak http_uri_suite
#pragma weak http_suite
#pragma weak http_client_suite
#pragma weak watch_suite
#pragma weak ae_suite
#pragma weak ssl_suite
#pragma weak tag_suite
#pragma weak rpc_suite
#pragma weak fork_suite
#pragma weak uring_suite

static Suite *(*const optional[])(void) = {
#ifndef EVKIT_REFERENCE
	evmap_suite,
#endif
	buffer_suite,
	bufferevent_suite,
	listener_suite,
	reuse_suite,
	dns_wire_suite,
	dns_suite,
	dns_conf_suite,
#ifndef EVKIT_REFERENCE
	dns_server_suite,
#endif
	http_uri_suite,
	http_suite,
	http_client_suite,
	ssl_suite,
	tag_suite,
	rpc_suite,
	fork_suite,
	uring_suite,
#ifndef EVKIT_REFERENCE
	http_parse_suite, /* the internal parser: evkit only */
	ae_suite,
	watch_suite,
#endif
};

/*
 * Suites that make no event_base (pure parsers and codecs) cannot depend
 * on the backend, but hold 768 of the runner's tests, each in a child of
 * its own: the matrix runs them in one backend's pass only, the first of
 * epoll, poll and select compiled in (not io_uring, which the kernel may
 * refuse: that pass may skip; not debug mode, which checks only events;
 * not a signalfd pass, EVENT_USE_SIGNALFD set, which repeats a backend).
 * Without EVKIT_TEST_BACKEND, with EVKIT_TEST_ALL_SUITES=1 or with
 * CK_RUN_SUITE set, every suite is added (Check then picks).
 */
static Suite *(*const backend_free_suites[])(void) = {
	dns_wire_suite,
	http_uri_suite,
	tag_suite,
#ifndef EVKIT_REFERENCE
	http_parse_suite,
#endif
};

static int
is_backend_free(Suite *(*fn)(void))
{
	size_t i;

	for (i = 0;
	     i < sizeof(backend_free_suites) / sizeof(backend_free_suites[0]);
	     i++)
		if (fn == backend_free_suites[i])
			return 1;
	return 0;
}

/*
 * Whether this pass runs the backend-free suites: 0 not at all, 1 with the
 * others (every suite asked for), 2 in a runner of their own that does not
 * fork (the one pass of the matrix).  Forking costs more than these tests
 * do: under ASan the four suites took 167 s forked and 1 s in one process.
 * They make no base, no socket and no signal handler, and a crash among
 * them still fails the pass.  CK_FORK=yes forks them anyway.
 */
static int
runs_backend_free(void)
{
	static const char *const once[] = { "epoll", "poll", "select" };
	const char *backend = evkit_test_backend();
	const char *all = getenv("EVKIT_TEST_ALL_SUITES");
	const char *only = getenv("CK_RUN_SUITE");
	const char *m[16];
	size_t i;
	int j;

	if (backend == NULL || (all && !strcmp(all, "1")) || (only && *only))
		return 1;
	/* The signalfd passes repeat a backend: not the one pass either. */
	if (getenv("EVENT_USE_SIGNALFD"))
		return 0;
	evkit_methods(m, 16);
	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		for (j = 0; m[j]; j++)
			if (!strcmp(m[j], once[i]))
				return strcmp(backend, once[i]) ? 0 : 2;
	return 2;
}

int
main(void)
{
	SRunner *sr;
	const char *fork_env = getenv("CK_FORK");
	int status, failed, all_suites;
	size_t i;

	/* Debug mode must be on before any event or base exists. */
	if (evkit_test_debug())
		event_enable_debug_mode();
	status = check_backend();
	if (status >= 0)
		return status;

	sr = srunner_create(event_suite());
	srunner_add_suite(sr, loop_suite());
	srunner_add_suite(sr, timer_suite());
	srunner_add_suite(sr, compat_suite());
	srunner_add_suite(sr, signal_suite());
	srunner_add_suite(sr, thread_suite());
	srunner_add_suite(sr, util_suite());
	srunner_add_suite(sr, scale_suite());
#ifndef EVKIT_REFERENCE
	srunner_add_suite(sr, minheap_suite());
#endif
	all_suites = runs_backend_free();
	if (!all_suites)
		printf("check_evkit: dns_wire, http_parse, http_uri and tag "
		       "need no backend: they run in another pass\n");
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (optional[i] &&
		    (all_suites == 1 || !is_backend_free(optional[i])))
			srunner_add_suite(sr, optional[i]());
	srunner_set_fork_status(sr,
	    fork_env && !strcmp(fork_env, "no") ? CK_NOFORK : CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	if (all_suites == 2) {
		sr = NULL;
		for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
			if (!optional[i] || !is_backend_free(optional[i]))
				continue;
			if (sr == NULL)
				sr = srunner_create(optional[i]());
			else
				srunner_add_suite(sr, optional[i]());
		}
		if (sr != NULL) {
			srunner_set_fork_status(sr,
			    fork_env && !strcmp(fork_env, "yes") ? CK_FORK
			                                         : CK_NOFORK);
			srunner_run_all(sr, CK_NORMAL);
			failed += srunner_ntests_failed(sr);
			srunner_free(sr);
		}
	}
	return failed ? 1 : 0;
}
