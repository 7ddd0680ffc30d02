/*
 * af_core.c: allocation-failure scenarios for the core loop and evbuffer.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "allocfail.h"

struct core_state {
	int fd_fired, timer_fired, sig_fired, persist_fired, common_fired,
	    once_fired;
	struct event *persist, *sig;
};

static void
fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct core_state *st = arg;
	char c;

	if (read(fd, &c, 1) == 1 && c == 'x')
		st->fd_fired++;
}

static void
count_cb(evutil_socket_t fd, short what, void *arg)
{
	(*(int *)arg)++;
}

/* evsignal_new makes a persistent event: this one goes after a signal. */
static void
sig_cb(evutil_socket_t fd, short what, void *arg)
{
	struct core_state *st = arg;

	st->sig_fired++;
	event_del(st->sig);
}

static void
persist_cb(evutil_socket_t fd, short what, void *arg)
{
	struct core_state *st = arg;

	if (++st->persist_fired == 3)
		event_del(st->persist);
}

/*
 * A base with one event of each kind: fd, timer, signal, persistent
 * timer, common timeout, event_base_once; the loop ends when all have
 * fired and none is left.
 */
static int
run_base_events(void)
{
	struct core_state st;
	struct event_base *base = NULL;
	struct event *rd = NULL, *tm = NULL, *com = NULL;
	const struct timeval *common;
	struct timeval zero = { 0, 0 }, ms = { 0, 1000 };
	int fds[2] = { -1, -1 }, rc = AF_OK;

	memset(&st, 0, sizeof(st));
	AF_CHECK((base = event_base_new()) != NULL);
	AF_CHECK(pipe(fds) == 0);
	AF_CHECK((rd = event_new(base, fds[0], EV_READ, fd_cb, &st)));
	AF_CHECK(event_add(rd, NULL) == 0);
	AF_CHECK(write(fds[1], "x", 1) == 1);
	AF_CHECK((tm = evtimer_new(base, count_cb, &st.timer_fired)));
	AF_CHECK(evtimer_add(tm, &zero) == 0);
	AF_CHECK((st.sig = evsignal_new(base, SIGUSR1, sig_cb, &st)));
	AF_CHECK(evsignal_add(st.sig, NULL) == 0);
	AF_CHECK(
	    (st.persist = event_new(base, -1, EV_PERSIST, persist_cb, &st)));
	AF_CHECK(event_add(st.persist, &ms) == 0);
	AF_CHECK((common = event_base_init_common_timeout(base, &ms)));
	AF_CHECK((com = evtimer_new(base, count_cb, &st.common_fired)));
	AF_CHECK(evtimer_add(com, common) == 0);
	AF_CHECK(event_base_once(base, -1, EV_TIMEOUT, count_cb, &st.once_fired,
	             &zero) == 0);
	/* Pending until the loop reads the signal pipe. */
	AF_CHECK(raise(SIGUSR1) == 0);
	AF_CHECK(event_base_dispatch(base) >= 0);
	AF_EXPECT(st.fd_fired == 1);
	AF_EXPECT(st.timer_fired == 1);
	AF_EXPECT(st.sig_fired == 1);
	AF_EXPECT(st.persist_fired == 3);
	AF_EXPECT(st.common_fired == 1);
	AF_EXPECT(st.once_fired == 1);
out:
	if (rd)
		event_free(rd);
	if (tm)
		event_free(tm);
	if (st.sig)
		event_free(st.sig);
	if (st.persist)
		event_free(st.persist);
	if (com)
		event_free(com);
	if (base)
		event_base_free(base);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return rc;
}

static int refs_released;

static void
ref_cleanup(const void *data, size_t len, void *extra)
{
	refs_released++;
}

/*
 * evbuffer operations across chains: every length is checked against
 * what the operations that succeeded should have left.
 */
static int
run_evbuffer_ops(void)
{
	static const char ref[] = "referenced bytes\n";
	struct evbuffer *a = NULL, *b = NULL;
	struct evbuffer_iovec v[2];
	struct evbuffer_ptr p;
	char block[1000], out[64], *line = NULL;
	size_t want_a = 0, n;
	int rc = AF_OK, i;

	refs_released = 0;
	memset(block, 'b', sizeof(block));
	AF_CHECK((a = evbuffer_new()) != NULL);
	AF_CHECK((b = evbuffer_new()) != NULL);
	AF_CHECK(evbuffer_add(a, "hello\r\nworld\n", 13) == 0);
	want_a += 13;
	AF_CHECK(evbuffer_prepend(a, ">", 1) == 0);
	want_a += 1;
	AF_CHECK(evbuffer_add_printf(a, "%d-%s\n", 42, "x") == 5);
	want_a += 5;
	for (i = 0; i < 8; i++) {
		AF_CHECK(evbuffer_add(a, block, sizeof(block)) == 0);
		want_a += sizeof(block);
	}
	AF_EXPECT(evbuffer_get_length(a) == want_a);
	AF_CHECK(evbuffer_expand(a, 10000) == 0);
	AF_CHECK(evbuffer_reserve_space(a, 100, v, 2) >= 1);
	memset(v[0].iov_base, 'r', 10);
	v[0].iov_len = 10;
	AF_CHECK(evbuffer_commit_space(a, v, 1) == 0);
	want_a += 10;
	AF_CHECK(evbuffer_add_reference(a, ref, sizeof(ref) - 1, ref_cleanup,
	             NULL) == 0);
	want_a += sizeof(ref) - 1;
	AF_EXPECT(evbuffer_get_length(a) == want_a);

	AF_CHECK((line = evbuffer_readln(a, &n, EVBUFFER_EOL_CRLF)) != NULL);
	AF_EXPECT(n == 6 && !strcmp(line, ">hello"));
	want_a -= 8;
	af_free_returned(line);
	line = NULL;
	p = evbuffer_search(a, "42-x", 4, NULL);
	AF_EXPECT(p.pos == 6);
	AF_CHECK(evbuffer_pullup(a, 2000) != NULL);
	AF_EXPECT(evbuffer_get_length(a) == want_a);

	AF_CHECK(evbuffer_remove_buffer(a, b, 300) == 300);
	want_a -= 300;
	AF_CHECK(evbuffer_add_buffer_reference(b, a) == 0);
	AF_EXPECT(evbuffer_get_length(b) == 300 + want_a);
	AF_CHECK(evbuffer_prepend_buffer(a, b) == 0);
	want_a += 300 + want_a;
	AF_EXPECT(evbuffer_get_length(a) == want_a);
	AF_EXPECT(evbuffer_get_length(b) == 0);
	AF_CHECK(evbuffer_copyout(a, out, 6) == 6);
	AF_EXPECT(!memcmp(out, "world\n", 6));
	AF_CHECK(evbuffer_drain(a, want_a - 10) == 0);
	AF_CHECK(evbuffer_remove(a, out, sizeof(out)) == 10);
out:
	af_free_returned(line);
	if (a)
		evbuffer_free(a);
	if (b)
		evbuffer_free(b);
	if (rc == AF_OK && refs_released != 1) {
		af_note_wrong(__FILE__, __LINE__, "reference not released");
		rc = AF_WRONG;
	}
	return rc;
}

const struct af_scenario af_core_scenarios[] = {
	{ "base_events", run_base_events },
	{ "evbuffer_ops", run_evbuffer_ops },
	{ NULL, NULL },
};
