/*
 * tests/check_fork.c: a base across fork(), through the public API only,
 * on every backend of the matrix.
 *
 * - reinit: after event_reinit the child's loop sees the fds and timers it
 *   inherited and the ones it adds; the parent's loop is unaffected once
 *   the child is gone.
 * - free: a child that frees the inherited base without event_reinit
 *   (what a program does before exec or _exit) must leave the parent's
 *   registrations alone: an epoll set, like an io_uring ring, is shared
 *   with the child, so a delete the child passed to the kernel would be
 *   the parent's loss.  Each test runs with and without threads, before
 *   and after the loop ran, and with the loop run by another thread
 *   (then the child's deletes are not its loop thread's, and were passed
 *   to the kernel at once before event_free.c detached the backend).
 * - io_uring refused: a seccomp filter makes io_uring_setup fail with
 *   EPERM in a child; a base must still come up, silently, on the next
 *   method, and a config that allows only io_uring gets NULL.  Without
 *   io_uring compiled in these pass at once, saying so on stdout.
 *
 * Each child reports through its exit status (the step that failed) and
 * is bounded by alarm(); the parent waits for it with a blocking waitpid,
 * bounded by the tcase timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include <event2/thread.h>

#include "check-internal.h"

/* How long a child may take before it is killed (alarm) and fails. */
#define CHILD_SECONDS 10

/* Forks; in the child, bounds its life and returns 0. */
static pid_t
fork_child(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ck_assert_msg(pid != -1, "fork: %s", strerror(errno));
	if (pid == 0)
		alarm(CHILD_SECONDS);
	return pid;
}

/* Waits for the child; fails the test unless it exited with 0. */
static void
expect_child_ok(pid_t pid, const char *what)
{
	int status = 0;
	pid_t w;

	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		continue;
	ck_assert_int_eq(w, pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: child %s %d", what,
	    WIFEXITED(status) ? "failed at step" : "killed by signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void
set_flag_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Reads one byte; the flag becomes the byte. */
static void
read_byte_cb(evutil_socket_t fd, short what, void *arg)
{
	char c;

	if (recv(fd, &c, 1, 0) == 1)
		*(int *)arg = c;
}

static int
all_set(int *const *flags, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!*flags[i])
			return 0;
	return 1;
}

/*
 * Runs base until each of the n flags is non-zero, or timeout_ms passed
 * (a timer of its own bounds the waits).  Asserts nothing, so that a
 * child can use it too; 0 when every flag was set.
 */
static int
loop_until_all(struct event_base *base, int *const *flags, int n,
    int timeout_ms)
{
	struct event *guard;
	struct timeval tv;
	int timed_out = 0;

	guard = evtimer_new(base, set_flag_cb, &timed_out);
	if (guard == NULL ||
	    evtimer_add(guard, evkit_ms_tv(&tv, timeout_ms)) != 0)
		return -1;
	while (!all_set(flags, n) && !timed_out)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			break;
	event_free(guard);
	return all_set(flags, n) ? 0 : -1;
}

/*
 * How the base got to the fork: with or without threads, before or after
 * a loop iteration, or with its loop run by another thread (then the
 * forking thread is not the loop's thread).
 */
enum variant {
	V_FRESH,          /* the loop never ran */
	V_LOOPED,         /* one loop iteration ran before fork */
	V_THREADS_FRESH,  /* evthread_use_pthreads, loop never ran */
	V_THREADS_LOOPED, /* ... and one iteration in this thread */
	V_THREADS_OTHER,  /* ... the loop ran in another thread */
	V_COUNT
};

static const char *const variant_names[V_COUNT] = {
	"fresh base",
	"after a loop iteration",
	"threads, fresh base",
	"threads, after a loop iteration",
	"threads, loop run by another thread",
};

static struct event_base *
variant_base(enum variant v)
{
	if (v >= V_THREADS_FRESH)
		ck_assert_int_eq(evthread_use_pthreads(), 0);
	return evkit_new_base();
}

static void *
loop_once_thread(void *arg)
{
	event_base_loop(arg, EVLOOP_NONBLOCK);
	return NULL;
}

/* Runs the loop as the variant says, once everything is added. */
static void
variant_loop(enum variant v, struct event_base *base)
{
	pthread_t t;

	if (v == V_LOOPED || v == V_THREADS_LOOPED)
		ck_assert_int_ne(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	if (v == V_THREADS_OTHER) {
		ck_assert_int_eq(pthread_create(&t, NULL, loop_once_thread,
		                     base),
		    0);
		ck_assert_int_eq(pthread_join(t, NULL), 0);
	}
}

/* ---- event_reinit in the child ---- */

START_TEST(test_reinit_child_and_parent)
{
	enum variant v = (enum variant)_i;
	struct event_base *base;
	struct event *pev, *ptimer, *psig;
	evutil_socket_t pair[2];
	int pread = 0, ptimed = 0, psigged = 0;
	struct timeval tv = { 0, 1000 };
	pid_t pid;

	base = variant_base(v);
	evkit_socketpair(pair);
	pev = event_new(base, pair[0], EV_READ | EV_PERSIST, read_byte_cb,
	    &pread);
	ptimer = evtimer_new(base, set_flag_cb, &ptimed);
	psig = evsignal_new(base, SIGUSR2, set_flag_cb, &psigged);
	ck_assert_int_eq(event_add(pev, NULL), 0);
	ck_assert_int_eq(evtimer_add(ptimer, &tv), 0);
	ck_assert_int_eq(event_add(psig, NULL), 0);
	variant_loop(v, base);
	ptimed = 0; /* it may have fired already; add it again */
	ck_assert_int_eq(evtimer_add(ptimer, &tv), 0);

	pid = fork_child();
	if (pid == 0) {
		evutil_socket_t own[2];
		struct event *cev, *ctimer;
		int cread = 0, ctimed = 0;
		int *const all[] = { &pread, &ptimed, &psigged, &cread,
			&ctimed };

		if (event_reinit(base) != 0)
			_exit(2);
		/* A new fd and a new timer, beside the inherited ones. */
		if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, own) != 0)
			_exit(3);
		evutil_make_socket_nonblocking(own[0]);
		cev = event_new(base, own[0], EV_READ | EV_PERSIST,
		    read_byte_cb, &cread);
		ctimer = evtimer_new(base, set_flag_cb, &ctimed);
		if (!cev || !ctimer || event_add(cev, NULL) != 0 ||
		    evtimer_add(ctimer, &tv) != 0)
			_exit(4);
		if (send(own[1], "k", 1, 0) != 1 ||
		    send(pair[1], "c", 1, 0) != 1 || raise(SIGUSR2) != 0)
			_exit(5);
		if (loop_until_all(base, all, 5, CHILD_SECONDS * 1000) != 0)
			_exit(6);
		if (pread != 'c' || cread != 'k')
			_exit(7);
		event_free(cev);
		event_free(ctimer);
		event_free(pev);
		event_free(ptimer);
		event_free(psig);
		event_base_free(base);
		_exit(0);
	}
	expect_child_ok(pid, variant_names[v]);

	/* The parent's events, as they were. */
	{
		int *const all[] = { &pread, &ptimed, &psigged };

		ck_assert_int_eq(event_pending(pev, EV_READ, NULL), EV_READ);
		evkit_write(pair[1], "p");
		ck_assert_int_eq(raise(SIGUSR2), 0);
		ck_assert_msg(loop_until_all(base, all, 3, 5000) == 0,
		    "%s: after the child's reinit, the parent saw read %d, "
		    "timer %d, signal %d",
		    variant_names[v], pread, ptimed, psigged);
		ck_assert_int_eq(pread, 'p');
	}
	event_free(pev);
	event_free(ptimer);
	event_free(psig);
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
	evkit_free_base(base);
}
END_TEST

/*
 * ---- event_base_free in the child, without event_reinit ----
 * libevent 2.1 passes these deletes to the shared epoll set (its parent
 * then loses every registration, with or without threads): evkit only.
 */
#ifndef EVKIT_REFERENCE

START_TEST(test_free_in_child_keeps_parent)
{
	enum variant v = (enum variant)_i;
	struct event_base *base;
	struct event *rev, *cev, *sev;
	evutil_socket_t pair[2], pair2[2];
	int got = 0, closed = 0, sig = 0;
	pid_t pid;

	base = variant_base(v);
	evkit_socketpair(pair);
	evkit_socketpair(pair2);
	/* A read event, an EV_CLOSED one on another fd, and a signal. */
	rev =
	    event_new(base, pair[0], EV_READ | EV_PERSIST, read_byte_cb, &got);
	cev = event_new(base, pair2[0], EV_CLOSED, set_flag_cb, &closed);
	sev = evsignal_new(base, SIGUSR2, set_flag_cb, &sig);
	ck_assert_int_eq(event_add(rev, NULL), 0);
	if (event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE)
		ck_assert_int_eq(event_add(cev, NULL), 0);
	else
		closed = -1; /* not asked for: counts as seen */
	ck_assert_int_eq(event_add(sev, NULL), 0);
	variant_loop(v, base);

	pid = fork_child();
	if (pid == 0) {
		/*
		 * No event_reinit: the base goes, with every event on it,
		 * as before an exec.  (event_del on an event would be a use
		 * of the base, which needs event_reinit first.)
		 */
		event_base_free(base);
		_exit(0);
	}
	expect_child_ok(pid, variant_names[v]);

	/* Everything the parent added still reaches its loop. */
	{
		int *const all[] = { &got, &closed, &sig };

		evkit_write(pair[1], "r");
		evkit_close(&pair2[1]);
		ck_assert_int_eq(raise(SIGUSR2), 0);
		ck_assert_msg(loop_until_all(base, all, 3, 5000) == 0,
		    "%s: after the child freed the base, the parent saw "
		    "read %d, close %d, signal %d",
		    variant_names[v], got, closed, sig);
		ck_assert_int_eq(got, 'r');
	}
	event_free(rev);
	event_free(cev);
	event_free(sev);
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
	evkit_close(&pair2[0]);
	evkit_free_base(base);
}
END_TEST

#endif

/* ---- event_reinit that cannot make a new backend ---- */

#ifndef EVKIT_REFERENCE
static int reinit_warned;

static void
reinit_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN && strstr(msg, "event_reinit") != NULL)
		reinit_warned = 1;
}

/*
 * With no fd left to the child (RLIMIT_NOFILE 0), event_reinit can make
 * neither a backend object (epoll, io_uring) nor a signal pipe (poll,
 * select): it returns -1 instead of exiting, and the base can still be
 * freed.  A backend that had to be made again warns, and its base then
 * refuses fd events, loops and another event_reinit.  The exit status
 * names the failed step.
 */
static int
reinit_failure_child(struct event_base *base, evutil_socket_t fd)
{
	const char *method = event_base_get_method(base);
	struct rlimit old, none;
	struct event *ev;
	int r, remade;

	remade =
	    strcmp(method, "epoll") == 0 || strcmp(method, "io_uring") == 0;
	event_set_log_callback(reinit_log_cb);
	if (getrlimit(RLIMIT_NOFILE, &old) == -1)
		return 2;
	none = old;
	none.rlim_cur = 0;
	if (setrlimit(RLIMIT_NOFILE, &none) == -1)
		return 3;
	r = event_reinit(base);
	if (setrlimit(RLIMIT_NOFILE, &old) == -1)
		return 4;
	if (r != -1)
		return 5;
	if (remade) {
		if (!reinit_warned)
			return 6;
		ev = event_new(base, fd, EV_WRITE, set_flag_cb, NULL);
		if (ev == NULL)
			return 7;
		if (event_add(ev, NULL) != -1)
			return 8;
		if (event_base_loop(base, EVLOOP_NONBLOCK) != -1)
			return 9;
		event_free(ev);
		/* The backend stays lost: fds are back, but the old
		 * kernel object is gone for good. */
		reinit_warned = 0;
		if (event_reinit(base) != -1 || !reinit_warned)
			return 10;
	}
	event_base_free(base);
	return 0;
}

START_TEST(test_reinit_failure_returns)
{
	struct event_base *base;
	struct event *rev;
	evutil_socket_t pair[2];
	int got = 0;
	int *flags[] = { &got };
	pid_t pid;

	base = evkit_new_base();
	evkit_socketpair(pair);
	rev =
	    event_new(base, pair[0], EV_READ | EV_PERSIST, read_byte_cb, &got);
	ck_assert_ptr_nonnull(rev);
	ck_assert_int_eq(event_add(rev, NULL), 0);
	pid = fork_child();
	if (pid == 0)
		_exit(reinit_failure_child(base, pair[1]));
	expect_child_ok(pid, "event_reinit without fds");
	/* The parent's base still works. */
	ck_assert_int_eq(send(pair[1], "x", 1, 0), 1);
	ck_assert_int_eq(loop_until_all(base, flags, 1, 5000), 0);
	ck_assert_int_eq(got, 'x');
	event_free(rev);
	evutil_closesocket(pair[0]);
	evutil_closesocket(pair[1]);
	evkit_free_base(base);
}
END_TEST
#endif

/* ---- io_uring refused by the kernel ---- */

static int
have_method(const char *name)
{
	const char *m[16];
	int i;

	evkit_methods(m, 16);
	for (i = 0; m[i]; i++)
		if (!strcmp(m[i], name))
			return 1;
	return 0;
}

#if defined(__linux__) && defined(__NR_io_uring_setup) && \
    (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__))
#define HAVE_SECCOMP_TEST 1
#if defined(__x86_64__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define THIS_AUDIT_ARCH AUDIT_ARCH_I386
#else
#define THIS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* io_uring_setup fails with EPERM from now on, in this process. */
static int
refuse_io_uring(void)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_AUDIT_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { sizeof(prog) / sizeof(prog[0]), prog };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
}

/* The first supported method that is not io_uring. */
static const char *
first_other_method(int skip_before_uring)
{
	const char *m[16];
	int i, seen_uring = 0;

	evkit_methods(m, 16);
	for (i = 0; m[i]; i++) {
		if (!strcmp(m[i], "io_uring")) {
			seen_uring = 1;
			continue;
		}
		if (!skip_before_uring || seen_uring)
			return m[i];
	}
	return NULL;
}

/* The child's whole check; returns the failed step, 0 when all held. */
static int
fallback_child(void)
{
	const char *m[16];
	struct event_config *cfg;
	struct event_base *base;
	char buf[512];
	const char *want;
	int errpipe[2], saved, i, step = 0;
	ssize_t n;

	if (refuse_io_uring() != 0)
		return 10;
	errno = 0;
	if (syscall(__NR_io_uring_setup, 1, NULL) != -1 || errno != EPERM)
		return 11; /* the filter does not hold */

	/* What the library says while it falls back must be nothing. */
	if (pipe(errpipe) != 0 || (saved = dup(2)) == -1)
		return 12;
	fcntl(errpipe[0], F_SETFL, O_NONBLOCK);
	dup2(errpipe[1], 2);
	close(errpipe[1]);

	/* The default base: the method after io_uring in the order. */
	evkit_methods(m, 16);
	for (i = 0; m[i]; i++) {
		char var[64], *p;
		snprintf(var, sizeof(var), "EVENT_NO%s", m[i]);
		for (p = var; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p += 'A' - 'a';
		unsetenv(var);
	}
	unsetenv("EVENT_EPOLL_USE_CHANGELIST");
	want = first_other_method(0);
	base = event_base_new();
	if (base == NULL)
		step = 13;
	else if (want && strcmp(event_base_get_method(base), want))
		step = 14;
	if (base)
		event_base_free(base);

	/* Only io_uring and what follows it (if any): the next one. */
	want = first_other_method(1);
	if (step == 0 && want && (cfg = event_config_new()) != NULL) {
		event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
		for (i = 0; m[i] && strcmp(m[i], "io_uring"); i++)
			event_config_avoid_method(cfg, m[i]);
		base = event_base_new_with_config(cfg);
		if (base == NULL || strcmp(event_base_get_method(base), want))
			step = 15;
		if (base)
			event_base_free(base);
		event_config_free(cfg);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = read(errpipe[0], buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "check_fork: printed while falling back: %s\n",
		    buf);
		if (step == 0)
			step = 16;
	}
	close(errpipe[0]);
	if (step)
		return step;

	/* io_uring alone: no base (a warning may say why). */
	if ((cfg = event_config_new()) == NULL)
		return 17;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
	for (i = 0; m[i]; i++)
		if (strcmp(m[i], "io_uring"))
			event_config_avoid_method(cfg, m[i]);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base != NULL) {
		event_base_free(base);
		return 18;
	}
	return 0;
}
#endif

START_TEST(test_uring_refused_falls_back)
{
#ifdef HAVE_SECCOMP_TEST
	pid_t pid;

	if (!have_method("io_uring")) {
		printf("check_fork: io_uring not compiled in: the fallback "
		       "test passes without running\n");
		return;
	}
	pid = fork_child();
	if (pid == 0)
		_exit(fallback_child());
	expect_child_ok(pid, "io_uring refused by seccomp");
#else
	printf("check_fork: no seccomp test on this system: the fallback "
	       "test passes without running\n");
#endif
}
END_TEST

Suite *
fork_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc;

	tc = tcase_create("reinit");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_reinit_child_and_parent, 0, V_COUNT);
	suite_add_tcase(s, tc);

#ifndef EVKIT_REFERENCE
	tc = tcase_create("free");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_free_in_child_keeps_parent, 0, V_COUNT);
	suite_add_tcase(s, tc);
#endif

#ifndef EVKIT_REFERENCE
	tc = tcase_create("reinit_failure");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_reinit_failure_returns);
	suite_add_tcase(s, tc);
#endif

	tc = tcase_create("uring_fallback");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_uring_refused_falls_back);
	suite_add_tcase(s, tc);
	return s;
}
