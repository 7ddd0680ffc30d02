/*
 * tests/check_util.c: the evutil helpers and the process-wide settings.
 * Sockets (socketpair, nonblocking, close-on-exec, listen options), time
 * (gettimeofday, timeval macros, monotonic timers), the secure RNG,
 * strings (snprintf, strtoll, ASCII case-insensitive compares), addresses
 * (inet_pton/ntop, parse_sockaddr_port, sockaddr_cmp, getaddrinfo with
 * numeric hosts, gai_strerror), replaceable memory functions with
 * allocation-failure injection, logging (warnings, debug logging, the
 * fatal callback), the version, and libevent_global_shutdown.
 *
 * Every test runs in its own process (Check's fork mode): the memory and
 * log callbacks set here never reach another test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-internal.h"

/* ---- logging capture ---- */

#define MAX_LOGS 64

static struct {
	int severity;
	char msg[256];
} logs[MAX_LOGS];
static int nlogs;   /* messages recorded */
static int nlogged; /* messages seen, recorded or not */
static int ndebug;  /* of which EVENT_LOG_DEBUG */

static void
record_log_cb(int severity, const char *msg)
{
	nlogged++;
	if (severity == EVENT_LOG_DEBUG)
		ndebug++;
	if (nlogs < MAX_LOGS) {
		logs[nlogs].severity = severity;
		snprintf(logs[nlogs].msg, sizeof(logs[nlogs].msg), "%s", msg);
		nlogs++;
	}
}

static void
reset_logs(void)
{
	nlogs = nlogged = ndebug = 0;
}

/* Number of recorded messages with that severity. */
static int
count_logs(int severity)
{
	int i, n = 0;

	for (i = 0; i < nlogs; i++)
		n += logs[i].severity == severity;
	return n;
}

static void
noop_cb(evutil_socket_t fd, short what, void *arg)
{
}

static void
count_cb(evutil_socket_t fd, short what, void *arg)
{
	(*(int *)arg)++;
}

/* ---- sockets ---- */

START_TEST(test_socketpair)
{
	evutil_socket_t sv[2];
	char buf[8];

	ck_assert_int_eq(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_ge(sv[0], 0);
	ck_assert_int_ge(sv[1], 0);
	ck_assert_int_ne(sv[0], sv[1]);
	ck_assert_int_eq(send(sv[0], "ping", 4, 0), 4);
	ck_assert_int_eq(recv(sv[1], buf, sizeof(buf), 0), 4);
	ck_assert(!memcmp(buf, "ping", 4));
	ck_assert_int_eq(send(sv[1], "pong!", 5, 0), 5);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), 5);
	ck_assert(!memcmp(buf, "pong!", 5));
	ck_assert_int_eq(evutil_closesocket(sv[0]), 0);
	/* The peer sees end of file. */
	ck_assert_int_eq(recv(sv[1], buf, sizeof(buf), 0), 0);
	ck_assert_int_eq(evutil_closesocket(sv[1]), 0);
	/* Closing again fails with EBADF. */
	errno = 0;
	ck_assert_int_eq(evutil_closesocket(sv[1]), -1);
	ck_assert_int_eq(errno, EBADF);

	/* Datagram pairs work too. */
	ck_assert_int_eq(evutil_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	ck_assert_int_eq(send(sv[1], "dg", 2, 0), 2);
	ck_assert_int_eq(recv(sv[0], buf, sizeof(buf), 0), 2);
	ck_assert_int_eq(evutil_closesocket(sv[0]), 0);
	ck_assert_int_eq(evutil_closesocket(sv[1]), 0);

	/* On a system with socketpair, other families are refused. */
	ck_assert_int_eq(evutil_socketpair(AF_INET, SOCK_STREAM, 0, sv), -1);
}
END_TEST

START_TEST(test_nonblocking_closeonexec)
{
	evutil_socket_t sv[2];
	int flags;

	event_set_log_callback(record_log_cb);
	ck_assert_int_eq(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	flags = fcntl(sv[0], F_GETFL);
	ck_assert_int_eq(flags & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, 0);

	ck_assert_int_eq(evutil_make_socket_nonblocking(sv[0]), 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFL), flags | O_NONBLOCK);
	ck_assert_int_eq(evutil_make_socket_nonblocking(sv[0]), 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFL), flags | O_NONBLOCK);
	/* A read with nothing there no longer blocks. */
	errno = 0;
	ck_assert_int_eq(recv(sv[0], &flags, 1, 0), -1);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	/* The other end is untouched. */
	ck_assert_int_eq(fcntl(sv[1], F_GETFL) & O_NONBLOCK, 0);

	ck_assert_int_eq(evutil_make_socket_closeonexec(sv[0]), 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(evutil_make_socket_closeonexec(sv[0]), 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(fcntl(sv[1], F_GETFD) & FD_CLOEXEC, 0);

	/* Bad descriptors fail, with a warning. */
	reset_logs();
	ck_assert_int_eq(evutil_make_socket_nonblocking(-1), -1);
	ck_assert_int_eq(evutil_make_socket_closeonexec(-1), -1);
	ck_assert_int_eq(count_logs(EVENT_LOG_WARN), 2);

	ck_assert_int_eq(evutil_closesocket(sv[0]), 0);
	ck_assert_int_eq(evutil_closesocket(sv[1]), 0);
	event_set_log_callback(NULL);
}
END_TEST

static int
get_int_opt(evutil_socket_t fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	ck_assert_int_eq(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

START_TEST(test_listen_socket_options)
{
	evutil_socket_t fd;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	event_set_log_callback(record_log_cb);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(get_int_opt(fd, SOL_SOCKET, SO_REUSEADDR), 0);
	ck_assert_int_eq(evutil_make_listen_socket_reuseable(fd), 0);
	ck_assert_int_ne(get_int_opt(fd, SOL_SOCKET, SO_REUSEADDR), 0);
	ck_assert_int_eq(get_int_opt(fd, SOL_SOCKET, SO_REUSEPORT), 0);
	ck_assert_int_eq(evutil_make_listen_socket_reuseable_port(fd), 0);
	ck_assert_int_ne(get_int_opt(fd, SOL_SOCKET, SO_REUSEPORT), 0);
	ck_assert_int_eq(evutil_make_tcp_listen_socket_deferred(fd), 0);
	ck_assert_int_ne(get_int_opt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 0);

	/* Still a normal socket that can listen on loopback. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_ne(sin.sin_port, 0);
	ck_assert_int_eq(evutil_closesocket(fd), 0);

	ck_assert_int_eq(evutil_make_listen_socket_reuseable(-1), -1);
	ck_assert_int_eq(evutil_make_listen_socket_reuseable_port(-1), -1);

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd >= 0) {
		ck_assert_int_eq(evutil_make_listen_socket_ipv6only(fd), 0);
		ck_assert_int_ne(get_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY), 0);
		ck_assert_int_eq(evutil_closesocket(fd), 0);
	}
	event_set_log_callback(NULL);
}
END_TEST

/* ---- time ---- */

START_TEST(test_gettimeofday)
{
	struct timeval ev_tv, sys_tv;
	double diff;

	ck_assert_int_eq(evutil_gettimeofday(&ev_tv, NULL), 0);
	ck_assert_int_eq(gettimeofday(&sys_tv, NULL), 0);
	diff = evkit_tv_ms(&sys_tv) - evkit_tv_ms(&ev_tv);
	ck_assert_msg(diff >= 0 && diff < 1000, "clocks %.3f ms apart", diff);
	ck_assert_int_ge(ev_tv.tv_usec, 0);
	ck_assert_int_lt(ev_tv.tv_usec, 1000000);
}
END_TEST

START_TEST(test_timeval_macros)
{
	struct timeval a = { 1, 900000 }, b = { 0, 200000 }, c, d;

	evutil_timeradd(&a, &b, &c);
	ck_assert_int_eq(c.tv_sec, 2);
	ck_assert_int_eq(c.tv_usec, 100000);
	evutil_timersub(&c, &b, &d);
	ck_assert_int_eq(d.tv_sec, 1);
	ck_assert_int_eq(d.tv_usec, 900000);
	evutil_timersub(&b, &a, &d); /* negative: borrow into tv_sec */
	ck_assert_int_eq(d.tv_sec, -2);
	ck_assert_int_eq(d.tv_usec, 300000);
	evutil_timeradd(&b, &b, &d); /* no carry */
	ck_assert_int_eq(d.tv_sec, 0);
	ck_assert_int_eq(d.tv_usec, 400000);

	ck_assert(evutil_timercmp(&b, &a, <));
	ck_assert(evutil_timercmp(&a, &c, <));
	ck_assert(evutil_timercmp(&c, &a, >));
	ck_assert(evutil_timercmp(&a, &a, ==));
	ck_assert(evutil_timercmp(&a, &a, <=));
	ck_assert(evutil_timercmp(&a, &a, >=));
	ck_assert(evutil_timercmp(&a, &b, !=));
	ck_assert(!evutil_timercmp(&a, &b, <));
	c.tv_sec = a.tv_sec; /* same seconds, compare microseconds */
	c.tv_usec = a.tv_usec + 1;
	ck_assert(evutil_timercmp(&a, &c, <));

	ck_assert(evutil_timerisset(&a));
	d.tv_sec = 0;
	d.tv_usec = 1;
	ck_assert(evutil_timerisset(&d));
	evutil_timerclear(&a);
	ck_assert_int_eq(a.tv_sec, 0);
	ck_assert_int_eq(a.tv_usec, 0);
	ck_assert(!evutil_timerisset(&a));
}
END_TEST

/* Reads timer 10,000 times, asserting it never goes back. */
static void
check_monotonic(struct evutil_monotonic_timer *timer)
{
	struct timeval prev, now, start;
	int i;

	ck_assert_int_eq(evutil_gettime_monotonic(timer, &start), 0);
	prev = start;
	for (i = 0; i < 10000; i++) {
		ck_assert_int_eq(evutil_gettime_monotonic(timer, &now), 0);
		ck_assert_int_ge(now.tv_usec, 0);
		ck_assert_int_lt(now.tv_usec, 1000000);
		ck_assert_msg(!evutil_timercmp(&now, &prev, <),
		    "went back at read %d: %ld.%06ld < %ld.%06ld", i,
		    (long)now.tv_sec, (long)now.tv_usec, (long)prev.tv_sec,
		    (long)prev.tv_usec);
		prev = now;
	}
	/* It measures real time: 20 ms of sleep show up. */
	usleep(20000);
	ck_assert_int_eq(evutil_gettime_monotonic(timer, &now), 0);
	ck_assert_msg(evkit_tv_ms(&now) - evkit_tv_ms(&start) >= 15,
	    "only %.3f ms passed", evkit_tv_ms(&now) - evkit_tv_ms(&start));
	ck_assert_msg(evkit_tv_ms(&now) - evkit_tv_ms(&start) < 5000,
	    "%.3f ms passed", evkit_tv_ms(&now) - evkit_tv_ms(&start));
}

START_TEST(test_monotonic_timer)
{
	static const int flags[] = { 0, EV_MONOT_PRECISE, EV_MONOT_FALLBACK,
		EV_MONOT_PRECISE | EV_MONOT_FALLBACK };
	struct evutil_monotonic_timer *timer;
	struct timeval tv, a, b;
	struct timespec ts;
	unsigned i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		timer = evutil_monotonic_timer_new();
		ck_assert_ptr_nonnull(timer);
		ck_assert_int_eq(evutil_configure_monotonic_time(timer,
		                     flags[i]),
		    0);
		check_monotonic(timer);
		evutil_monotonic_timer_free(timer);
	}

	/* A precise timer follows CLOCK_MONOTONIC to the microsecond. */
	timer = evutil_monotonic_timer_new();
	ck_assert_int_eq(evutil_configure_monotonic_time(timer,
	                     EV_MONOT_PRECISE),
	    0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	a.tv_sec = ts.tv_sec;
	a.tv_usec = ts.tv_nsec / 1000;
	ck_assert_int_eq(evutil_gettime_monotonic(timer, &tv), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	b.tv_sec = ts.tv_sec;
	b.tv_usec = ts.tv_nsec / 1000;
	ck_assert(!evutil_timercmp(&tv, &a, <));
	ck_assert(!evutil_timercmp(&tv, &b, >));
	evutil_monotonic_timer_free(timer);
	/* Freeing NULL is harmless. */
	evutil_monotonic_timer_free(NULL);
}
END_TEST

/* ---- random numbers ---- */

START_TEST(test_secure_rng)
{
	unsigned char a[32], b[32], zero[32], big[4096];
	int i, same = 0;

	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(evutil_secure_rng_init(), 0);
	ck_assert_int_eq(evutil_secure_rng_init(), 0);
	evutil_secure_rng_get_bytes(a, sizeof(a));
	evutil_secure_rng_get_bytes(b, sizeof(b));
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert(memcmp(a, zero, sizeof(a)) != 0);

	evutil_secure_rng_add_bytes("some extra entropy", 18);
	evutil_secure_rng_get_bytes(a, sizeof(a));
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	evutil_secure_rng_get_bytes(a, 0);

	/* A long draw is not constant. */
	evutil_secure_rng_get_bytes(big, sizeof(big));
	for (i = 1; i < (int)sizeof(big); i++)
		same += big[i] == big[0];
	ck_assert_int_lt(same, 200);
}
END_TEST

/* ---- strings ---- */

START_TEST(test_snprintf)
{
	char buf[16];

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(evutil_snprintf(buf, 5, "%s", "hello world"), 11);
	ck_assert_str_eq(buf, "hell");
	ck_assert_int_eq(buf[5], 'X');
	ck_assert_int_eq(evutil_snprintf(buf, sizeof(buf), "%d-%s", 42, "x"),
	    4);
	ck_assert_str_eq(buf, "42-x");
	/* Exact fit: the terminator takes the last byte. */
	ck_assert_int_eq(evutil_snprintf(buf, 6, "%s", "12345"), 5);
	ck_assert_str_eq(buf, "12345");
	ck_assert_int_eq(evutil_snprintf(buf, 5, "%s", "12345"), 5);
	ck_assert_str_eq(buf, "1234");
	ck_assert_int_eq(evutil_snprintf(buf, 1, "%s", "abc"), 3);
	ck_assert_str_eq(buf, "");
	/* With no room at all, nothing is written and 0 is returned. */
	buf[0] = 'Q';
	ck_assert_int_eq(evutil_snprintf(buf, 0, "%d", 12345), 0);
	ck_assert_int_eq(buf[0], 'Q');
	ck_assert_int_eq(evutil_snprintf(buf, sizeof(buf), "%s", ""), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_strtoll)
{
	static const struct {
		const char *s;
		int base;
		long long value;
		int end; /* offset of *endptr */
	} cases[] = {
		{ "0", 10, 0, 1 },
		{ "12345", 10, 12345, 5 },
		{ "  -123abc", 10, -123, 6 },
		{ "+77", 10, 77, 3 },
		{ "077", 10, 77, 3 },
		{ "077", 0, 63, 3 },
		{ "0x1f", 16, 31, 4 },
		{ "0x1f", 0, 31, 4 },
		{ "0x1f", 10, 0, 1 },
		{ "abc", 16, 2748, 3 },
		{ "abc", 10, 0, 0 },
		{ "", 10, 0, 0 },
		{ "9223372036854775807", 10, 9223372036854775807LL, 19 },
		{ "-9223372036854775808", 10, -9223372036854775807LL - 1, 20 },
		{ "9223372036854775808", 10, 9223372036854775807LL, 19 },
		{ "-9223372036854775809", 10, -9223372036854775807LL - 1, 20 },
	};
	unsigned i;
	char *end;
	ev_int64_t v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = evutil_strtoll(cases[i].s, &end, cases[i].base);
		ck_assert_msg(v == cases[i].value,
		    "evutil_strtoll(\"%s\", %d) = %lld, want %lld", cases[i].s,
		    cases[i].base, (long long)v, cases[i].value);
		ck_assert_msg(end - cases[i].s == cases[i].end,
		    "evutil_strtoll(\"%s\", %d) stopped at %d, want %d",
		    cases[i].s, cases[i].base, (int)(end - cases[i].s),
		    cases[i].end);
	}
	/* endptr may be NULL. */
	ck_assert(evutil_strtoll("-42", NULL, 10) == -42);
}
END_TEST

START_TEST(test_ascii_strcasecmp)
{
	ck_assert_int_eq(evutil_ascii_strcasecmp("HeLLo", "hello"), 0);
	ck_assert_int_eq(evutil_ascii_strcasecmp("", ""), 0);
	ck_assert_int_eq(evutil_ascii_strcasecmp("abc", "ABD"), -1);
	ck_assert_int_eq(evutil_ascii_strcasecmp("ABD", "abc"), 1);
	ck_assert_int_eq(evutil_ascii_strcasecmp("abc", "abcd"), -1);
	ck_assert_int_eq(evutil_ascii_strcasecmp("abcd", "ABC"), 1);
	/* Only A-Z fold: '[' and '{', '@' and '`' stay apart. */
	ck_assert_int_eq(evutil_ascii_strcasecmp("[", "{"), -1);
	ck_assert_int_eq(evutil_ascii_strcasecmp("@", "`"), -1);
	/* Bytes above 127 compare as (signed on this ABI) chars. */
	ck_assert_int_eq(evutil_ascii_strcasecmp("\xc4", "\xe4"), -1);
	if ((char)0xe4 < 0)
		ck_assert_int_eq(evutil_ascii_strcasecmp("\xe4", "a"), -1);

	ck_assert_int_eq(evutil_ascii_strncasecmp("HeLLoX", "helloY", 5), 0);
	ck_assert_int_eq(evutil_ascii_strncasecmp("abcX", "ABCy", 3), 0);
	ck_assert_int_eq(evutil_ascii_strncasecmp("abcX", "ABCy", 4), -1);
	ck_assert_int_eq(evutil_ascii_strncasecmp("abcY", "ABCx", 4), 1);
	ck_assert_int_eq(evutil_ascii_strncasecmp("ab", "abc", 5), -1);
	ck_assert_int_eq(evutil_ascii_strncasecmp("abc", "ABC", 99), 0);
	ck_assert_int_eq(evutil_ascii_strncasecmp("abc", "xyz", 0), 0);
}
END_TEST

/* ---- addresses ---- */

START_TEST(test_inet_pton_ntop)
{
	static const struct {
		int af;
		const char *in;
		int result;
		const char *out; /* canonical text, when result is 1 */
	} cases[] = {
		{ AF_INET, "1.2.3.4", 1, "1.2.3.4" },
		{ AF_INET, "0.0.0.0", 1, "0.0.0.0" },
		{ AF_INET, "255.255.255.255", 1, "255.255.255.255" },
		{ AF_INET, "256.1.1.1", 0, NULL },
		{ AF_INET, "1.2.3", 0, NULL },
		{ AF_INET, "1.2.3.4.5", 0, NULL },
		{ AF_INET, "1.2.3.4 ", 0, NULL },
		{ AF_INET, "", 0, NULL },
		{ AF_INET, "a.b.c.d", 0, NULL },
		/* libevent's parser reads each part as a decimal number. */
		{ AF_INET, "01.2.3.4", 1, "1.2.3.4" },
		{ AF_INET, " 1.2.3.4", 1, "1.2.3.4" },
		{ AF_INET6, "::", 1, "::" },
		{ AF_INET6, "::1", 1, "::1" },
		{ AF_INET6, "1:2:3:4:5:6:7:8", 1, "1:2:3:4:5:6:7:8" },
		{ AF_INET6, "1::8", 1, "1::8" },
		{ AF_INET6, "ABCD::ef", 1, "abcd::ef" },
		{ AF_INET6, "::ffff:1.2.3.4", 1, "::ffff:1.2.3.4" },
		{ AF_INET6, "::1.2.3.4", 1, "::1.2.3.4" },
		{ AF_INET6, "1:2:3:4:5:6:1.2.3.4", 1, "1:2:3:4:5:6:102:304" },
		{ AF_INET6, "fe80:0:0:0:0:0:0:1", 1, "fe80::1" },
		{ AF_INET6, "1:0:0:2:0:0:0:3", 1, "1:0:0:2::3" },
		{ AF_INET6, "1:2:3:4:5:6:7:8:9", 0, NULL },
		{ AF_INET6, ":::", 0, NULL },
		{ AF_INET6, "1::2::3", 0, NULL },
		{ AF_INET6, "g::1", 0, NULL },
		{ AF_INET6, "fe80::1%eth0", 0, NULL },
		{ AF_INET6, "12345::", 0, NULL },
	};
	unsigned char addr[16];
	char out[64];
	unsigned i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = evutil_inet_pton(cases[i].af, cases[i].in, addr);
		ck_assert_msg(r == cases[i].result,
		    "evutil_inet_pton(%d, \"%s\") = %d, want %d", cases[i].af,
		    cases[i].in, r, cases[i].result);
		if (r != 1)
			continue;
		ck_assert_ptr_eq(evutil_inet_ntop(cases[i].af, addr, out,
		                     sizeof(out)),
		    out);
		ck_assert_msg(!strcmp(out, cases[i].out),
		    "\"%s\" came back as \"%s\", want \"%s\"", cases[i].in, out,
		    cases[i].out);
	}
	/* Unknown family. */
	ck_assert_int_eq(evutil_inet_pton(12345, "1.2.3.4", addr), -1);

	/* ntop needs room for the terminator. */
	ck_assert_int_eq(evutil_inet_pton(AF_INET, "1.2.3.4", addr), 1);
	ck_assert_ptr_null(evutil_inet_ntop(AF_INET, addr, out, 7));
	ck_assert_ptr_eq(evutil_inet_ntop(AF_INET, addr, out, 8), out);
	ck_assert_str_eq(out, "1.2.3.4");
	ck_assert_int_eq(evutil_inet_pton(AF_INET6, "::1", addr), 1);
	ck_assert_ptr_null(evutil_inet_ntop(AF_INET6, addr, out, 2));
	ck_assert_ptr_eq(evutil_inet_ntop(AF_INET6, addr, out, 4), out);
	ck_assert_str_eq(out, "::1");
}
END_TEST

START_TEST(test_parse_sockaddr_port)
{
	static const struct {
		const char *in;
		int family; /* 0: must fail */
		const char *addr;
		int port;
	} cases[] = {
		{ "1.2.3.4:80", AF_INET, "1.2.3.4", 80 },
		{ "1.2.3.4", AF_INET, "1.2.3.4", 0 },
		{ "1.2.3.4:65535", AF_INET, "1.2.3.4", 65535 },
		{ "[::1]:8080", AF_INET6, "::1", 8080 },
		{ "::1", AF_INET6, "::1", 0 },
		{ "[::1]", AF_INET6, "::1", 0 },
		{ "[ffff::1:2]:443", AF_INET6, "ffff::1:2", 443 },
		{ "[::ffff:1.2.3.4]:7", AF_INET6, "::ffff:1.2.3.4", 7 },
		/* The port is read like atoi(). */
		{ "1.2.3.4:80x", AF_INET, "1.2.3.4", 80 },
		{ "1.2.3.4:0", 0, NULL, 0 },
		{ "1.2.3.4:65536", 0, NULL, 0 },
		{ "1.2.3.4:99999", 0, NULL, 0 },
		{ "1.2.3.4:-1", 0, NULL, 0 },
		{ "1.2.3.4:abc", 0, NULL, 0 },
		{ "1.2.3.4:", 0, NULL, 0 },
		{ "300.1.1.1:80", 0, NULL, 0 },
		{ "[1.2.3.4]:5", 0, NULL, 0 },
		{ "[::1", 0, NULL, 0 },
		{ "::1]:80", 0, NULL, 0 },
		{ "[::1]:", 0, NULL, 0 },
		{ "localhost:80", 0, NULL, 0 },
		{ "", 0, NULL, 0 },
		{ ":80", 0, NULL, 0 },
	};
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char text[64];
	unsigned i;
	int len, r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ss, 0, sizeof(ss));
		len = sizeof(ss);
		r = evutil_parse_sockaddr_port(cases[i].in,
		    (struct sockaddr *)&ss, &len);
		if (cases[i].family == 0) {
			ck_assert_msg(r == -1, "\"%s\" was accepted",
			    cases[i].in);
			continue;
		}
		ck_assert_msg(r == 0, "\"%s\" was refused", cases[i].in);
		ck_assert_int_eq(ss.ss_family, cases[i].family);
		if (cases[i].family == AF_INET) {
			ck_assert_int_eq(len, sizeof(struct sockaddr_in));
			evutil_inet_ntop(AF_INET, &sin->sin_addr, text,
			    sizeof(text));
			ck_assert_int_eq(ntohs(sin->sin_port), cases[i].port);
		} else {
			ck_assert_int_eq(len, sizeof(struct sockaddr_in6));
			evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, text,
			    sizeof(text));
			ck_assert_int_eq(ntohs(sin6->sin6_port), cases[i].port);
		}
		ck_assert_msg(!strcmp(text, cases[i].addr),
		    "\"%s\" gave address %s", cases[i].in, text);
	}

	/* Too small an output buffer: -1, and the length is left alone. */
	len = 4;
	ck_assert_int_eq(evutil_parse_sockaddr_port("1.2.3.4:80",
	                     (struct sockaddr *)&ss, &len),
	    -1);
	ck_assert_int_eq(len, 4);
	len = sizeof(struct sockaddr_in);
	ck_assert_int_eq(evutil_parse_sockaddr_port("1.2.3.4:80",
	                     (struct sockaddr *)&ss, &len),
	    0);
	ck_assert_int_eq(len, sizeof(struct sockaddr_in));
	len = sizeof(struct sockaddr_in);
	ck_assert_int_eq(evutil_parse_sockaddr_port("[::1]:80",
	                     (struct sockaddr *)&ss, &len),
	    -1);
}
END_TEST

static struct sockaddr_in
mk_sin(const char *addr, int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ck_assert_int_eq(evutil_inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	sin.sin_port = htons(port);
	return sin;
}

static struct sockaddr_in6
mk_sin6(const char *addr, int port)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	ck_assert_int_eq(evutil_inet_pton(AF_INET6, addr, &sin6.sin6_addr), 1);
	sin6.sin6_port = htons(port);
	return sin6;
}

static int
sign(int v)
{
	return v < 0 ? -1 : v > 0;
}

#define SA(x) ((const struct sockaddr *)&(x))

START_TEST(test_sockaddr_cmp)
{
	struct sockaddr_in a = mk_sin("1.2.3.4", 80),
	                   a2 = mk_sin("1.2.3.4", 80),
	                   b = mk_sin("1.2.3.4", 81), e = mk_sin("1.2.3.5", 80),
	                   c = mk_sin("2.0.0.0", 80);
	struct sockaddr_in6 x = mk_sin6("::1", 80), x2 = mk_sin6("::1", 80),
	                    y = mk_sin6("::2", 80), z = mk_sin6("::1", 81);

	ck_assert_int_eq(evutil_sockaddr_cmp(SA(a), SA(a2), 1), 0);
	ck_assert_int_eq(evutil_sockaddr_cmp(SA(a), SA(a2), 0), 0);
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(a), SA(b), 1)), -1);
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(b), SA(a), 1)), 1);
	ck_assert_int_eq(evutil_sockaddr_cmp(SA(a), SA(b), 0), 0);
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(a), SA(e), 1)), -1);
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(e), SA(a), 0)), 1);
	/*
	 * IPv4 addresses compare as 32-bit integers in network byte order
	 * read in host order: on a little-endian host 1.2.3.4 sorts after
	 * 2.0.0.0.
	 */
	{
		const union {
			int i;
			char c;
		} probe = { 1 };

		if (probe.c == 1) {
			ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(a), SA(c),
			                     1)),
			    1);
			ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(c), SA(a),
			                     1)),
			    -1);
		}
	}

	ck_assert_int_eq(evutil_sockaddr_cmp(SA(x), SA(x2), 1), 0);
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(x), SA(y), 1)), -1);
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(y), SA(x), 0)), 1);
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(x), SA(z), 1)), -1);
	ck_assert_int_eq(evutil_sockaddr_cmp(SA(x), SA(z), 0), 0);

	/* Different families order by family number. */
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(a), SA(x), 1)),
	    sign(AF_INET - AF_INET6));
	ck_assert_int_eq(sign(evutil_sockaddr_cmp(SA(x), SA(a), 0)),
	    sign(AF_INET6 - AF_INET));
}
END_TEST

/* Does the list hold an entry of that socktype and protocol? */
static int
has_entry(const struct evutil_addrinfo *ai, int socktype, int protocol)
{
	for (; ai; ai = ai->ai_next)
		if (ai->ai_socktype == socktype && ai->ai_protocol == protocol)
			return 1;
	return 0;
}

START_TEST(test_getaddrinfo_numeric)
{
	struct evutil_addrinfo hints, *res, *ai;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	char text[64];
	int r;

	/* IPv4, numeric host, stream: one entry. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_NUMERICHOST;
	res = NULL;
	ck_assert_int_eq(evutil_getaddrinfo("127.0.0.1", "80", &hints, &res),
	    0);
	ck_assert_ptr_nonnull(res);
	ck_assert_ptr_null(res->ai_next);
	ck_assert_int_eq(res->ai_family, AF_INET);
	ck_assert_int_eq(res->ai_socktype, SOCK_STREAM);
	ck_assert_int_eq(res->ai_protocol, IPPROTO_TCP);
	ck_assert_int_eq(res->ai_addrlen, sizeof(struct sockaddr_in));
	sin = (struct sockaddr_in *)res->ai_addr;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_int_eq(ntohs(sin->sin_port), 80);
	ck_assert_int_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	evutil_freeaddrinfo(res);

	/* IPv6, any socktype: at least a TCP and a UDP entry. */
	hints.ai_socktype = 0;
	res = NULL;
	ck_assert_int_eq(evutil_getaddrinfo("::1", "8080", &hints, &res), 0);
	ck_assert(has_entry(res, SOCK_STREAM, IPPROTO_TCP));
	ck_assert(has_entry(res, SOCK_DGRAM, IPPROTO_UDP));
	for (ai = res; ai; ai = ai->ai_next) {
		ck_assert_int_eq(ai->ai_family, AF_INET6);
		ck_assert_int_eq(ai->ai_addrlen, sizeof(struct sockaddr_in6));
		sin6 = (struct sockaddr_in6 *)ai->ai_addr;
		ck_assert_int_eq(ntohs(sin6->sin6_port), 8080);
		evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, text,
		    sizeof(text));
		ck_assert_str_eq(text, "::1");
	}
	evutil_freeaddrinfo(res);

	/* No service: port 0. */
	res = NULL;
	ck_assert_int_eq(evutil_getaddrinfo("1.2.3.4", NULL, &hints, &res), 0);
	for (ai = res; ai; ai = ai->ai_next) {
		sin = (struct sockaddr_in *)ai->ai_addr;
		ck_assert_int_eq(ntohs(sin->sin_port), 0);
	}
	evutil_freeaddrinfo(res);

	/* Passive with no host: the wildcard address. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	res = NULL;
	ck_assert_int_eq(evutil_getaddrinfo(NULL, "53", &hints, &res), 0);
	ck_assert_ptr_nonnull(res);
	ck_assert_int_eq(res->ai_socktype, SOCK_DGRAM);
	ck_assert_int_eq(res->ai_protocol, IPPROTO_UDP);
	sin = (struct sockaddr_in *)res->ai_addr;
	ck_assert_int_eq(ntohl(sin->sin_addr.s_addr), INADDR_ANY);
	ck_assert_int_eq(ntohs(sin->sin_port), 53);
	evutil_freeaddrinfo(res);

	/* Not passive, no host: loopback. */
	hints.ai_flags = 0;
	res = NULL;
	ck_assert_int_eq(evutil_getaddrinfo(NULL, "53", &hints, &res), 0);
	sin = (struct sockaddr_in *)res->ai_addr;
	ck_assert_int_eq(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	evutil_freeaddrinfo(res);

	/* Canonical name of a numeric host is the host itself. */
	hints.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_CANONNAME;
	res = NULL;
	ck_assert_int_eq(evutil_getaddrinfo("10.1.2.3", "1", &hints, &res), 0);
	ck_assert_ptr_nonnull(res->ai_canonname);
	ck_assert_str_eq(res->ai_canonname, "10.1.2.3");
	evutil_freeaddrinfo(res);

	/* Errors. */
	hints.ai_flags = EVUTIL_AI_NUMERICHOST;
	hints.ai_family = AF_UNSPEC;
	ck_assert_int_eq(evutil_getaddrinfo("localhost", "80", &hints, &res),
	    EVUTIL_EAI_NONAME);
	ck_assert_int_eq(evutil_getaddrinfo(NULL, NULL, &hints, &res),
	    EVUTIL_EAI_NONAME);
	hints.ai_family = 12345;
	ck_assert_int_eq(evutil_getaddrinfo("1.2.3.4", "80", &hints, &res),
	    EVUTIL_EAI_FAMILY);
	hints.ai_family = AF_INET6;
	r = evutil_getaddrinfo("1.2.3.4", "80", &hints, &res);
	ck_assert_int_ne(r, 0);
}
END_TEST

START_TEST(test_gai_strerror)
{
	/*
	 * The POSIX codes.  EVUTIL_EAI_ADDRFAMILY and _NODATA take the
	 * system's value only where its <netdb.h> shows them (_GNU_SOURCE on
	 * glibc), so the library and a test may disagree on them.
	 */
	static const int codes[] = { EVUTIL_EAI_AGAIN, EVUTIL_EAI_BADFLAGS,
		EVUTIL_EAI_FAIL, EVUTIL_EAI_FAMILY, EVUTIL_EAI_MEMORY,
		EVUTIL_EAI_NONAME, EVUTIL_EAI_SERVICE, EVUTIL_EAI_SOCKTYPE,
		EVUTIL_EAI_SYSTEM, EVUTIL_EAI_CANCEL };
	const char *msg[sizeof(codes) / sizeof(codes[0])];
	unsigned i, j;

	/* Where the system has getaddrinfo, the codes are the system's. */
	ck_assert_int_eq(EVUTIL_EAI_NONAME, EAI_NONAME);
	ck_assert_int_eq(EVUTIL_EAI_FAMILY, EAI_FAMILY);
	ck_assert_int_eq(EVUTIL_EAI_AGAIN, EAI_AGAIN);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		msg[i] = evutil_gai_strerror(codes[i]);
		ck_assert_ptr_nonnull(msg[i]);
		ck_assert_msg(msg[i][0] != '\0', "empty text for %d", codes[i]);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(msg[i], msg[j]) != 0,
			    "codes %d and %d share \"%s\"", codes[i], codes[j],
			    msg[i]);
	}
	ck_assert_ptr_nonnull(evutil_gai_strerror(EVUTIL_EAI_ADDRFAMILY));
	ck_assert_ptr_nonnull(evutil_gai_strerror(EVUTIL_EAI_NODATA));
	ck_assert_ptr_nonnull(evutil_gai_strerror(0));
	ck_assert_ptr_nonnull(evutil_gai_strerror(12345));
}
END_TEST

/* ---- memory functions ---- */

/*
 * Counting wrappers that remember every live block, so that a free of a
 * block allocated before they were installed is not mistaken for ours.
 */
#define MAX_BLOCKS 8192

static struct {
	void *blocks[MAX_BLOCKS];
	int nlive;
	int overflow;
	long calls;   /* malloc and realloc calls, failed ones included */
	long fail_at; /* fail that call (1-based); 0: never */
	long failed;
	long mallocs, reallocs, frees, foreign_frees;
} mem;

static int
mem_find(void *p)
{
	int i;

	for (i = mem.nlive - 1; i >= 0; i--)
		if (mem.blocks[i] == p)
			return i;
	return -1;
}

static void
mem_track(void *p)
{
	if (mem.nlive < MAX_BLOCKS)
		mem.blocks[mem.nlive++] = p;
	else
		mem.overflow++;
}

static void
mem_untrack(int i)
{
	mem.blocks[i] = mem.blocks[--mem.nlive];
}

static int
mem_should_fail(void)
{
	mem.calls++;
	if (mem.fail_at && mem.calls == mem.fail_at) {
		mem.failed++;
		return 1;
	}
	return 0;
}

static void *
mem_malloc(size_t sz)
{
	void *p;

	if (mem_should_fail())
		return NULL;
	p = malloc(sz);
	if (p) {
		mem.mallocs++;
		mem_track(p);
	}
	return p;
}

static void *
mem_realloc(void *old, size_t sz)
{
	void *p;
	int i;

	if (mem_should_fail())
		return NULL;
	i = old ? mem_find(old) : -1;
	p = realloc(old, sz);
	if (p == NULL && sz != 0)
		return NULL; /* old is still valid */
	mem.reallocs++;
	if (i >= 0)
		mem_untrack(i);
	if (p)
		mem_track(p);
	return p;
}

static void
mem_free(void *p)
{
	int i;

	if (p == NULL)
		return;
	i = mem_find(p);
	if (i >= 0) {
		mem_untrack(i);
		mem.frees++;
	} else {
		mem.foreign_frees++;
	}
	free(p);
}

static void
install_mem_functions(void)
{
	memset(&mem, 0, sizeof(mem));
	event_set_mem_functions(mem_malloc, mem_realloc, mem_free);
}

/* Everything a base goes through, allocated with the counting wrappers. */
START_TEST(test_mem_functions_count)
{
	struct event_base *base;
	struct event_config *cfg;
	struct event *io, *timer, *sig;
	evutil_socket_t pair[2];
	struct timeval tv;
	int calls = 0, live;

	install_mem_functions();
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_int_gt(mem.mallocs, 0);
	ck_assert_int_gt(mem.nlive, 0);
	live = mem.nlive;
	evkit_socketpair(pair);
	io = event_new(base, pair[0], EV_READ | EV_PERSIST, count_cb, &calls);
	ck_assert_ptr_nonnull(io);
	ck_assert_int_gt(mem.nlive, live); /* event_new allocates */
	timer = evtimer_new(base, count_cb, &calls);
	sig = evsignal_new(base, SIGUSR1, count_cb, &calls);
	ck_assert_int_eq(event_add(io, NULL), 0);
	ck_assert_int_eq(evtimer_add(timer, evkit_ms_tv(&tv, 1)), 0);
	ck_assert_int_eq(evsignal_add(sig, NULL), 0);
	ck_assert_int_eq(event_base_once(base, -1, EV_TIMEOUT, count_cb, &calls,
	                     evkit_ms_tv(&tv, 1)),
	    0);
	/* A once-event that never runs is freed with the base. */
	ck_assert_int_eq(event_base_once(base, -1, EV_TIMEOUT, count_cb, &calls,
	                     evkit_ms_tv(&tv, 60000)),
	    0);
	evkit_write(pair[1], "x");
	ck_assert_int_eq(raise(SIGUSR1), 0);
	while (calls < 4)
		ck_assert_int_ne(event_base_loop(base, EVLOOP_ONCE), -1);
	event_free(io);
	event_free(timer);
	event_free(sig);
	event_base_free(base);

	/* Configs and methods too. */
	cfg = event_config_new();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(event_config_avoid_method(cfg, "nosuchmethod"), 0);
	base = event_base_new_with_config(cfg);
	ck_assert_ptr_nonnull(base);
	event_config_free(cfg);
	event_base_free(base);

	/* Debug mode keeps a table until libevent_global_shutdown. */
	if (!evkit_test_debug())
		ck_assert_msg(mem.nlive == 0, "%d block(s) leaked", mem.nlive);
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
	libevent_global_shutdown();
	ck_assert_msg(mem.nlive == 0, "%d block(s) leaked after shutdown",
	    mem.nlive);
	ck_assert_int_eq(mem.overflow, 0);
	ck_assert_int_eq(mem.mallocs + mem.reallocs, mem.calls);
}
END_TEST

/*
 * One base lifecycle in which any allocation may fail.  Returns 0 when
 * everything worked, or the step that failed; frees all it made.
 */
static int
faulty_lifecycle(void)
{
	struct event_base *base;
	struct event *io = NULL, *timer = NULL;
	evutil_socket_t pair[2];
	struct timeval tv;
	int calls = 0, step, i;

	step = 1;
	base = event_base_new();
	if (base == NULL)
		return step;
	evkit_socketpair(pair);
	step = 2;
	io = event_new(base, pair[0], EV_READ | EV_PERSIST, count_cb, &calls);
	timer = evtimer_new(base, count_cb, &calls);
	if (io == NULL || timer == NULL)
		goto out;
	step = 3;
	if (event_add(io, NULL) == -1)
		goto out;
	if (evtimer_add(timer, evkit_ms_tv(&tv, 1)) == -1)
		goto out;
	step = 4;
	if (event_base_once(base, -1, EV_TIMEOUT, count_cb, &calls,
	        evkit_ms_tv(&tv, 1)) == -1)
		goto out;
	step = 5;
	evkit_write(pair[1], "x");
	for (i = 0; calls < 3 && i < 1000; i++)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			goto out;
	if (calls < 3)
		goto out;
	step = 0;
out:
	if (io)
		event_free(io);
	if (timer)
		event_free(timer);
	event_base_free(base);
	evkit_close(&pair[0]);
	evkit_close(&pair[1]);
	return step;
}

/*
 * Fail the first allocation, then the second, ... until a lifecycle
 * makes fewer allocations than the one we would fail: every failure must
 * surface as NULL or -1, and nothing may leak.
 */
START_TEST(test_mem_failure_injection)
{
	long n;
	int step, failed_steps = 0;

	/* libevent's debug mode exits when its own table cannot grow. */
	if (evkit_test_debug())
		return;
	install_mem_functions();
	/* A clean run first, so one-time allocations are out of the way. */
	ck_assert_int_eq(faulty_lifecycle(), 0);
	ck_assert_int_eq(mem.nlive, 0);
	for (n = 1; n < 10000; n++) {
		mem.calls = 0;
		mem.fail_at = n;
		step = faulty_lifecycle();
		mem.fail_at = 0;
		ck_assert_msg(mem.nlive == 0,
		    "%d block(s) leaked with allocation %ld failing (step %d)",
		    mem.nlive, n, step);
		if (mem.calls < n) {
			/* Nothing failed this time: it must have worked. */
			ck_assert_int_eq(step, 0);
			break;
		}
		failed_steps += step != 0;
	}
	ck_assert_int_lt(n, 10000);
	/* Some failures must have been reported (base_new at least). */
	ck_assert_int_gt(failed_steps, 0);
	ck_assert_int_eq(mem.overflow, 0);
}
END_TEST

/* ---- logging ---- */

START_TEST(test_log_callback_warn)
{
	struct event_base *base;
	struct event_config *cfg;
	const char *m[16];
	int i, n;

	event_set_log_callback(record_log_cb);
	reset_logs();
	base = evkit_new_base();
	/* EV_SIGNAL with EV_READ is refused with a warning. */
	ck_assert_ptr_null(
	    event_new(base, SIGUSR1, EV_SIGNAL | EV_READ, noop_cb, NULL));
	ck_assert_int_eq(nlogs, 1);
	ck_assert_int_eq(logs[0].severity, EVENT_LOG_WARN);
	ck_assert(logs[0].msg[0] != '\0');

	/* Avoiding every method: no base, and a warning. */
	reset_logs();
	cfg = event_config_new();
	n = evkit_methods(m, 16);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(event_config_avoid_method(cfg, m[i]), 0);
	ck_assert_ptr_null(event_base_new_with_config(cfg));
	event_config_free(cfg);
	ck_assert_int_ge(count_logs(EVENT_LOG_WARN), 1);

	/* The default logger writes to stderr again after NULL. */
	event_set_log_callback(NULL);
	reset_logs();
	{
		int pfd[2], saved;
		char buf[256];
		ssize_t len;

		ck_assert_int_eq(pipe(pfd), 0);
		fflush(stderr);
		saved = dup(STDERR_FILENO);
		ck_assert_int_ge(saved, 0);
		ck_assert_int_eq(dup2(pfd[1], STDERR_FILENO), STDERR_FILENO);
		ck_assert_ptr_null(event_new(base, SIGUSR1,
		    EV_SIGNAL | EV_WRITE, noop_cb, NULL));
		fflush(stderr);
		ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
		close(saved);
		close(pfd[1]);
		len = read(pfd[0], buf, sizeof(buf) - 1);
		close(pfd[0]);
		ck_assert_int_gt(len, 0);
		buf[len] = '\0';
		ck_assert_msg(!strncmp(buf, "[warn] ", 7), "stderr got: %s",
		    buf);
		ck_assert_int_eq(buf[len - 1], '\n');
	}
	ck_assert_int_eq(nlogs, 0);
	evkit_free_base(base);
}
END_TEST

/* A small workload that goes through event_add, the loop and event_del. */
static void
debug_workload(void)
{
	struct event_base *base = evkit_new_base();
	struct event *ev;
	struct timeval tv;
	int calls = 0;

	ev = evtimer_new(base, count_cb, &calls);
	ck_assert_int_eq(evtimer_add(ev, evkit_ms_tv(&tv, 1)), 0);
	ck_assert_int_eq(event_base_dispatch(base), 1);
	ck_assert_int_eq(calls, 1);
	event_free(ev);
	evkit_free_base(base);
}

START_TEST(test_debug_logging)
{
	event_set_log_callback(record_log_cb);
	reset_logs();
	debug_workload();
	ck_assert_int_eq(ndebug, 0);

	event_enable_debug_logging(EVENT_DBG_ALL);
	reset_logs();
	debug_workload();
	ck_assert_int_gt(ndebug, 0);
	ck_assert_int_eq(ndebug, nlogged);
	ck_assert(logs[0].msg[0] != '\0');

	event_enable_debug_logging(EVENT_DBG_NONE);
	reset_logs();
	debug_workload();
	ck_assert_int_eq(ndebug, 0);
	/* Warnings still come through. */
	ck_assert_int_eq(evutil_make_socket_nonblocking(-1), -1);
	ck_assert_int_eq(count_logs(EVENT_LOG_WARN), 1);
	event_set_log_callback(NULL);
}
END_TEST

static int fatal_fd = -1;

static void
fatal_log_cb(int severity, const char *msg)
{
	int rec[2] = { 0, severity };

	if (write(fatal_fd, rec, sizeof(rec)) != sizeof(rec))
		_exit(3);
}

static void
fatal_cb(int err)
{
	int rec[2] = { 1, err };

	if (write(fatal_fd, rec, sizeof(rec)) != sizeof(rec))
		_exit(3);
	_exit(42);
}

/*
 * Debug mode catches re-assigning an added event: the error is logged,
 * then the fatal callback gets libevent's abort code.  Runs in a child.
 */
START_TEST(test_fatal_callback)
{
	int pfd[2], rec[2], status, nerr = 0, fatal = 0, err = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct event_base *base;
		struct event ev;
		struct timeval tv = { 10, 0 };

		close(pfd[0]);
		fatal_fd = pfd[1];
		event_set_log_callback(fatal_log_cb);
		event_set_fatal_callback(fatal_cb);
		if (!evkit_test_debug())
			event_enable_debug_mode();
		base = event_base_new();
		if (base == NULL)
			_exit(4);
		event_assign(&ev, base, -1, 0, noop_cb, NULL);
		event_add(&ev, &tv);
		event_assign(&ev, base, -1, 0, noop_cb, NULL);
		_exit(5);
	}
	close(pfd[1]);
	while (read(pfd[0], rec, sizeof(rec)) == sizeof(rec)) {
		if (rec[0] == 0 && rec[1] == EVENT_LOG_ERR)
			nerr++;
		if (rec[0] == 1) {
			fatal++;
			err = rec[1];
		}
	}
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 42);
	ck_assert_int_eq(nerr, 1);
	ck_assert_int_eq(fatal, 1);
	/* libevent's code for "about to abort". */
	ck_assert_int_eq(err, (int)0xdeaddead);
}
END_TEST

START_TEST(test_version)
{
	const char *v = event_get_version();
	ev_uint32_t n = event_get_version_number();
	unsigned major, minor, patch;

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, LIBEVENT_VERSION);
	ck_assert_uint_eq(n, LIBEVENT_VERSION_NUMBER);
	ck_assert(!strncmp(v, "2.1.", 4));
	ck_assert_uint_ge(n, 0x02010000);
	ck_assert_uint_lt(n, 0x02020000);
	/* The string and the number tell the same version. */
	ck_assert_int_eq(sscanf(v, "%u.%u.%u", &major, &minor, &patch), 3);
	ck_assert_uint_eq(n >> 24, major);
	ck_assert_uint_eq((n >> 16) & 0xff, minor);
	ck_assert_uint_eq((n >> 8) & 0xff, patch);
}
END_TEST

/* Shutdown after everything is freed; twice is harmless. */
START_TEST(test_global_shutdown)
{
	struct event_base *base = evkit_new_base();
	struct event *ev;
	int calls = 0;

	ev = event_new(base, -1, 0, count_cb, &calls);
	event_active(ev, EV_READ, 1);
	ck_assert_int_eq(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	ck_assert_int_eq(calls, 1);
	event_free(ev);
	evkit_free_base(base);
	libevent_global_shutdown();
	libevent_global_shutdown();
}
END_TEST

Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc;

	tc = tcase_create("sockets");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_socketpair);
	tcase_add_test(tc, test_nonblocking_closeonexec);
	tcase_add_test(tc, test_listen_socket_options);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_gettimeofday);
	tcase_add_test(tc, test_timeval_macros);
	tcase_add_test(tc, test_monotonic_timer);
	tcase_add_test(tc, test_secure_rng);
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_snprintf);
	tcase_add_test(tc, test_strtoll);
	tcase_add_test(tc, test_ascii_strcasecmp);
	tcase_add_test(tc, test_inet_pton_ntop);
	tcase_add_test(tc, test_parse_sockaddr_port);
	tcase_add_test(tc, test_sockaddr_cmp);
	tcase_add_test(tc, test_getaddrinfo_numeric);
	tcase_add_test(tc, test_gai_strerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("global");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_mem_functions_count);
	tcase_add_test(tc, test_mem_failure_injection);
	tcase_add_test(tc, test_log_callback_warn);
	tcase_add_test(tc, test_debug_logging);
	tcase_add_test(tc, test_fatal_callback);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_global_shutdown);
	suite_add_tcase(s, tc);
	return s;
}
