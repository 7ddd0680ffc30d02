/*
 * tests/check_ae.c: the Redis ae API (lib/include/ae.h), one test per
 * documented rule, run on every backend like the rest of the runner.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ae.h>

#include "check-internal.h"

/* What the handlers saw, in order: one letter per call. */
static char trace[64];
static int ntrace;
static int counter;
static int finalized;
static aeEventLoop *loop;
static int sp[2]; /* a socketpair: sp[0] is the one registered */

static void
note(char c)
{
	if (ntrace < (int)sizeof(trace) - 1)
		trace[ntrace++] = c;
	trace[ntrace] = '\0';
}

static void
setup(void)
{
	ntrace = 0;
	trace[0] = '\0';
	counter = finalized = 0;
	loop = aeCreateEventLoop(64);
	ck_assert_ptr_nonnull(loop);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	fcntl(sp[1], F_SETFL, O_NONBLOCK);
}

static void
teardown(void)
{
	if (loop != NULL)
		aeDeleteEventLoop(loop);
	loop = NULL;
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
read_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	char buf[16];

	(void)el, (void)data;
	ck_assert(mask & AE_READABLE);
	note('r');
	while (read(fd, buf, sizeof(buf)) > 0)
		continue; /* drained: not readable again */
}

static void
write_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	(void)el, (void)fd, (void)data;
	ck_assert(mask & AE_WRITABLE);
	note('w');
}

static void
both_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	(void)el, (void)fd, (void)data, (void)mask;
	note('b');
}

static void
stop_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	(void)fd, (void)data, (void)mask;
	note('s');
	aeStop(el);
}

START_TEST(test_create_and_sizes)
{
	struct event_base *base = event_base_new();

	ck_assert_int_eq(aeGetSetSize(loop), 64);
	ck_assert_int_eq(loop->maxfd, -1);
	/* The backend is the one a plain event_base picks. */
	ck_assert_str_eq(aeGetApiName(), event_base_get_method(base));
	event_base_free(base);
	ck_assert_ptr_null(aeCreateEventLoop(0));
}
END_TEST

START_TEST(test_erange)
{
	errno = 0;
	ck_assert_int_eq(aeCreateFileEvent(loop, 64, AE_READABLE, read_proc,
	                     NULL),
	    AE_ERR);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(aeGetFileEvents(loop, 64), AE_NONE);
	ck_assert_int_eq(loop->maxfd, -1);
}
END_TEST

START_TEST(test_resize)
{
	int fd = sp[0];

	ck_assert_int_eq(aeResizeSetSize(loop, 64), AE_OK);
	ck_assert_int_eq(aeCreateFileEvent(loop, fd, AE_READABLE, read_proc,
	                     NULL),
	    AE_OK);
	/* The registered fd must stay below the new size. */
	ck_assert_int_eq(aeResizeSetSize(loop, fd), AE_ERR);
	ck_assert_int_eq(aeGetSetSize(loop), 64);
	ck_assert_int_eq(aeResizeSetSize(loop, fd + 1), AE_OK);
	ck_assert_int_eq(aeGetSetSize(loop), fd + 1);
	ck_assert_int_eq(aeGetFileEvents(loop, fd), AE_READABLE);
	errno = 0;
	ck_assert_int_eq(aeCreateFileEvent(loop, sp[1], AE_READABLE, read_proc,
	                     NULL),
	    sp[1] > fd ? AE_ERR : AE_OK);
	aeDeleteFileEvent(loop, sp[1], AE_READABLE);
	/* Growing again: the new slots are empty and usable. */
	ck_assert_int_eq(aeResizeSetSize(loop, 1024), AE_OK);
	ck_assert_int_eq(aeGetFileEvents(loop, fd + 1), AE_NONE);
	ck_assert_int_eq(aeCreateFileEvent(loop, sp[1], AE_WRITABLE, write_proc,
	                     NULL),
	    AE_OK);
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 1);
	ck_assert_str_eq(trace, "w");
}
END_TEST

START_TEST(test_masks_and_client_data)
{
	int a, b;

	ck_assert_int_eq(aeCreateFileEvent(loop, sp[0], AE_READABLE, read_proc,
	                     &a),
	    AE_OK);
	ck_assert_int_eq(aeCreateFileEvent(loop, sp[0],
	                     AE_WRITABLE | AE_BARRIER, write_proc, &b),
	    AE_OK);
	ck_assert_int_eq(aeGetFileEvents(loop, sp[0]),
	    AE_READABLE | AE_WRITABLE | AE_BARRIER);
	ck_assert_int_eq(loop->maxfd, sp[0]);
	/* One client data per fd: the last one given. */
	ck_assert_ptr_eq(aeGetFileClientData(loop, sp[0]), &b);
	ck_assert(loop->events[sp[0]].rfileProc == read_proc);
	ck_assert(loop->events[sp[0]].wfileProc == write_proc);
	/* Deleting the write side takes the barrier with it. */
	aeDeleteFileEvent(loop, sp[0], AE_WRITABLE);
	ck_assert_int_eq(aeGetFileEvents(loop, sp[0]), AE_READABLE);
	aeDeleteFileEvent(loop, sp[0], AE_READABLE);
	ck_assert_int_eq(aeGetFileEvents(loop, sp[0]), AE_NONE);
	ck_assert_ptr_null(aeGetFileClientData(loop, sp[0]));
	ck_assert_int_eq(loop->maxfd, -1);
}
END_TEST

START_TEST(test_read_before_write)
{
	ck_assert_int_eq(write(sp[1], "x", 1), 1);
	aeCreateFileEvent(loop, sp[0], AE_WRITABLE, write_proc, NULL);
	aeCreateFileEvent(loop, sp[0], AE_READABLE, read_proc, NULL);
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 1);
	ck_assert_str_eq(trace, "rw");
}
END_TEST

START_TEST(test_barrier_inverts)
{
	ck_assert_int_eq(write(sp[1], "x", 1), 1);
	aeCreateFileEvent(loop, sp[0], AE_READABLE, read_proc, NULL);
	aeCreateFileEvent(loop, sp[0], AE_WRITABLE | AE_BARRIER, write_proc,
	    NULL);
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 1);
	ck_assert_str_eq(trace, "wr");
}
END_TEST

START_TEST(test_same_proc_runs_once)
{
	ck_assert_int_eq(write(sp[1], "x", 1), 1);
	aeCreateFileEvent(loop, sp[0], AE_READABLE | AE_WRITABLE, both_proc,
	    NULL);
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 1);
	ck_assert_str_eq(trace, "b");
	/* With the barrier too. */
	aeCreateFileEvent(loop, sp[0], AE_BARRIER, both_proc, NULL);
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 1);
	ck_assert_str_eq(trace, "bb");
}
END_TEST

static int victims[2];

static void
delete_other_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	(void)data, (void)mask;
	note('d');
	aeDeleteFileEvent(el, fd == victims[0] ? victims[1] : victims[0],
	    AE_WRITABLE);
}

START_TEST(test_deleted_earlier_not_called)
{
	/* Both ends are writable; whichever runs first deletes the other. */
	victims[0] = sp[0];
	victims[1] = sp[1];
	aeCreateFileEvent(loop, sp[0], AE_WRITABLE, delete_other_proc, NULL);
	aeCreateFileEvent(loop, sp[1], AE_WRITABLE, delete_other_proc, NULL);
	/* Both fds fired, so both count, though one handler did not run. */
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 2);
	ck_assert_str_eq(trace, "d");
}
END_TEST

static int hup_mask;

static void
hup_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	(void)el, (void)fd, (void)data;
	hup_mask = mask;
	note('h');
}

START_TEST(test_hangup_fires_both)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
	close(p[1]);
	/* A pipe's read end is never writable: only the hang-up says so. */
	aeCreateFileEvent(loop, p[0], AE_READABLE, read_proc, NULL);
	aeCreateFileEvent(loop, p[0], AE_WRITABLE, hup_proc, NULL);
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 1);
	if (strcmp(aeGetApiName(), "select") == 0) {
		/* select has no hang-up report: readable only. */
		ck_assert_str_eq(trace, "r");
	} else {
		ck_assert_str_eq(trace, "rh");
		ck_assert_int_eq(hup_mask, AE_READABLE | AE_WRITABLE);
	}
	aeDeleteFileEvent(loop, p[0], AE_READABLE | AE_WRITABLE);
	close(p[0]);
}
END_TEST

START_TEST(test_wait)
{
	int p[2];

	/* Nothing ready: 0 after the timeout. */
	ck_assert_int_eq(aeWait(sp[0], AE_READABLE, 10), 0);
	ck_assert_int_eq(aeWait(sp[0], AE_READABLE | AE_WRITABLE, 1000),
	    AE_WRITABLE);
	ck_assert_int_eq(write(sp[1], "x", 1), 1);
	ck_assert_int_eq(aeWait(sp[0], AE_READABLE, 1000), AE_READABLE);
	/* A hang-up is reported as writable, even when not asked for. */
	ck_assert_int_eq(pipe(p), 0);
	close(p[1]);
	ck_assert_int_eq(aeWait(p[0], AE_READABLE, 1000), AE_WRITABLE);
	close(p[0]);
	/* An error likewise: a pipe whose reader is gone. */
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(aeWait(p[1], AE_READABLE, 1000), AE_WRITABLE);
	close(p[1]);
	/* No open fd: an error at once, not a timeout. */
	errno = 0;
	ck_assert_int_eq(aeWait(p[1], AE_READABLE, 1000), -1);
	ck_assert_int_eq(errno, EBADF);
	errno = 0;
	ck_assert_int_eq(aeWait(-1, AE_READABLE, 10), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

static int
count_proc(aeEventLoop *el, long long id, void *data)
{
	(void)el, (void)id, (void)data;
	counter++;
	return counter < 3 ? 1 : AE_NOMORE;
}

static void
finalizer(aeEventLoop *el, void *data)
{
	(void)el;
	ck_assert_ptr_eq(data, &finalized);
	finalized++;
}

START_TEST(test_time_ids_and_delete)
{
	ck_assert_int_eq(aeCreateTimeEvent(loop, 1000, count_proc, NULL, NULL),
	    0);
	ck_assert_int_eq(aeCreateTimeEvent(loop, 1000, count_proc, NULL, NULL),
	    1);
	ck_assert_int_eq(aeCreateTimeEvent(loop, 1000, count_proc, &finalized,
	                     finalizer),
	    2);
	ck_assert_int_eq(aeDeleteTimeEvent(loop, 2), AE_OK);
	/* Only marked: still listed, finalizer not run yet. */
	ck_assert_ptr_nonnull(loop->timeEventHead);
	ck_assert_int_eq(loop->timeEventHead->id, AE_DELETED_EVENT_ID);
	ck_assert_int_eq(finalized, 0);
	ck_assert_int_eq(aeDeleteTimeEvent(loop, 2), AE_ERR);
	ck_assert_int_eq(aeDeleteTimeEvent(loop, 7), AE_ERR);
	/* Reaped by the next pass, finalizer and all. */
	ck_assert_int_eq(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT),
	    0);
	ck_assert_int_eq(finalized, 1);
	ck_assert_int_eq(loop->timeEventHead->id, 1);
	ck_assert_int_eq(aeCreateTimeEvent(loop, 1000, count_proc, NULL, NULL),
	    3);
}
END_TEST

START_TEST(test_time_rearm_and_nomore)
{
	double t0 = now_s();

	aeCreateTimeEvent(loop, 0, count_proc, &finalized, finalizer);
	while (counter < 3 && now_s() - t0 < 5)
		aeProcessEvents(loop, AE_TIME_EVENTS);
	ck_assert_int_eq(counter, 3);
	/* AE_NOMORE marked it; the next pass reaps it. */
	ck_assert_int_eq(loop->timeEventHead->id, AE_DELETED_EVENT_ID);
	ck_assert_int_eq(finalized, 0);
	ck_assert_int_eq(aeProcessEvents(loop, AE_TIME_EVENTS), 0);
	ck_assert_int_eq(finalized, 1);
	ck_assert_ptr_null(loop->timeEventHead);
	/* Two re-arms of 1 ms each: at least 2 ms in all. */
	ck_assert(now_s() - t0 >= 0.002);
}
END_TEST

START_TEST(test_finalizers_at_delete_loop)
{
	aeCreateTimeEvent(loop, 100000, count_proc, &finalized, finalizer);
	aeCreateTimeEvent(loop, 100000, count_proc, &finalized, finalizer);
	aeDeleteTimeEvent(loop, 1);
	aeDeleteEventLoop(loop);
	loop = NULL;
	ck_assert_int_eq(finalized, 2);
	ck_assert_int_eq(counter, 0);
}
END_TEST

/* At aeDeleteEventLoop: deletes event 0, creates one, drops sp[0]. */
static void
busy_finalizer(aeEventLoop *el, void *data)
{
	(void)data;
	finalized++;
	if (finalized == 1) {
		/* Itself (1, listed first) is off the list already. */
		ck_assert_int_eq(aeDeleteTimeEvent(el, 1), AE_ERR);
		ck_assert_int_eq(aeDeleteTimeEvent(el, 0), AE_OK);
		aeCreateTimeEvent(el, 100000, count_proc, &finalized,
		    finalizer);
		aeDeleteFileEvent(el, sp[0], AE_READABLE);
		ck_assert_int_eq(aeGetFileEvents(el, sp[0]), AE_NONE);
	}
}

START_TEST(test_finalizer_uses_ae_at_delete_loop)
{
	ck_assert_int_eq(aeCreateFileEvent(loop, sp[0], AE_READABLE, read_proc,
	                     NULL),
	    AE_OK);
	aeCreateTimeEvent(loop, 100000, count_proc, &finalized, finalizer);
	aeCreateTimeEvent(loop, 100000, count_proc, NULL, busy_finalizer);
	aeDeleteEventLoop(loop);
	loop = NULL;
	/* Both listed events and the one made at deletion are finalized. */
	ck_assert_int_eq(finalized, 3);
	ck_assert_int_eq(counter, 0);
}
END_TEST

static int
spawn_proc(aeEventLoop *el, long long id, void *data)
{
	(void)id, (void)data;
	note('p');
	aeCreateTimeEvent(el, 0, count_proc, NULL, NULL);
	return AE_NOMORE;
}

START_TEST(test_time_created_in_pass_waits)
{
	double t0 = now_s();

	aeCreateTimeEvent(loop, 0, spawn_proc, NULL, NULL);
	ck_assert_int_eq(aeProcessEvents(loop, AE_TIME_EVENTS), 1);
	ck_assert_str_eq(trace, "p");
	ck_assert_int_eq(counter, 0);
	/* The next pass runs it. */
	while (counter == 0 && now_s() - t0 < 5)
		aeProcessEvents(loop, AE_TIME_EVENTS);
	ck_assert_int_eq(counter, 1);
}
END_TEST

START_TEST(test_only_deleted_time_events)
{
	double t0;

	aeCreateTimeEvent(loop, 100000, count_proc, &finalized, finalizer);
	aeCreateTimeEvent(loop, 100000, count_proc, &finalized, finalizer);
	aeDeleteTimeEvent(loop, 0);
	aeDeleteTimeEvent(loop, 1);
	/* No fd, no live timer: the pass reaps them without waiting. */
	t0 = now_s();
	ck_assert_int_eq(aeProcessEvents(loop, AE_ALL_EVENTS), 0);
	ck_assert(now_s() - t0 < 1);
	ck_assert_int_eq(finalized, 2);
	ck_assert_ptr_null(loop->timeEventHead);
	ck_assert_int_eq(aeProcessEvents(loop, AE_ALL_EVENTS | AE_DONT_WAIT),
	    0);
}
END_TEST

static int
once_proc(aeEventLoop *el, long long id, void *data)
{
	(void)el, (void)id, (void)data;
	counter++;
	return AE_NOMORE;
}

static void
before_proc(aeEventLoop *el)
{
	(void)el;
	note('B');
}

static void
after_proc(aeEventLoop *el)
{
	(void)el;
	note('A');
}

START_TEST(test_process_flags)
{
	double t0;
	char c;

	aeSetBeforeSleepProc(loop, before_proc);
	aeSetAfterSleepProc(loop, after_proc);
	aeCreateFileEvent(loop, sp[0], AE_READABLE, read_proc, NULL);
	aeCreateTimeEvent(loop, 0, once_proc, NULL, NULL);
	/* No event kind asked: nothing at all. */
	ck_assert_int_eq(aeProcessEvents(loop, AE_DONT_WAIT), 0);
	ck_assert_str_eq(trace, "");
	/* Nothing ready on the fd, a timer due: no wait, hooks asked. */
	usleep(2000);
	ck_assert_int_eq(aeProcessEvents(loop,
	                     AE_ALL_EVENTS | AE_CALL_BEFORE_SLEEP |
	                         AE_CALL_AFTER_SLEEP),
	    1);
	ck_assert_str_eq(trace, "BA");
	ck_assert_int_eq(counter, 1);
	/* Hooks not asked: not called; the fd's handler runs after sleep. */
	ck_assert_int_eq(write(sp[1], "x", 1), 1);
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 1);
	ck_assert_str_eq(trace, "BAr");
	ck_assert_int_eq(write(sp[1], "x", 1), 1);
	ck_assert_int_eq(aeProcessEvents(loop,
	                     AE_FILE_EVENTS | AE_CALL_AFTER_SLEEP),
	    1);
	ck_assert_str_eq(trace, "BArAr");
	/* Time events only: the ready fd's handler is not called. */
	ck_assert_int_eq(write(sp[1], "x", 1), 1);
	ck_assert_int_eq(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT),
	    0);
	ck_assert_str_eq(trace, "BArAr");
	ck_assert_int_eq(aeWait(sp[0], AE_READABLE, 0), AE_READABLE);
	ck_assert_int_eq(read(sp[0], &c, 1), 1);
	/* AE_DONT_WAIT, as a flag or set on the loop: no wait. */
	aeDeleteFileEvent(loop, sp[0], AE_READABLE);
	aeCreateTimeEvent(loop, 100000, count_proc, NULL, NULL);
	t0 = now_s();
	ck_assert_int_eq(aeProcessEvents(loop, AE_ALL_EVENTS | AE_DONT_WAIT),
	    0);
	aeCreateFileEvent(loop, sp[0], AE_READABLE, read_proc, NULL);
	aeSetDontWait(loop, 1);
	ck_assert_int_eq(aeProcessEvents(loop, AE_ALL_EVENTS), 0);
	aeSetDontWait(loop, 0);
	ck_assert_int_eq(loop->flags & AE_DONT_WAIT, 0);
	ck_assert(now_s() - t0 < 1);
}
END_TEST

static void
dont_wait_before(aeEventLoop *el)
{
	note('B');
	aeSetDontWait(el, 1);
}

START_TEST(test_beforesleep_sets_dont_wait)
{
	double t0 = now_s();

	aeSetBeforeSleepProc(loop, dont_wait_before);
	aeCreateFileEvent(loop, sp[0], AE_READABLE, read_proc, NULL);
	ck_assert_int_eq(aeProcessEvents(loop,
	                     AE_ALL_EVENTS | AE_CALL_BEFORE_SLEEP),
	    0);
	ck_assert_str_eq(trace, "B");
	ck_assert(now_s() - t0 < 1);
}
END_TEST

static int nested_result = -1;

static void
reenter_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	(void)data, (void)mask;
	note('o');
	aeDeleteFileEvent(el, fd, AE_WRITABLE);
	/* The other end is readable now: the nested call runs its handler. */
	ck_assert_int_eq(write(sp[0], "x", 1), 1);
	nested_result = aeProcessEvents(el, AE_FILE_EVENTS);
	note('O');
}

START_TEST(test_reentrant)
{
	aeCreateFileEvent(loop, sp[0], AE_WRITABLE, reenter_proc, NULL);
	aeCreateFileEvent(loop, sp[1], AE_READABLE, read_proc, NULL);
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS), 1);
	ck_assert_str_eq(trace, "orO");
	ck_assert_int_eq(nested_result, 1);
}
END_TEST

static int
stop_after_three(aeEventLoop *el, long long id, void *data)
{
	(void)id, (void)data;
	if (++counter < 3)
		return 1;
	aeStop(el);
	return AE_NOMORE;
}

static int shrink_fd; /* set size the handler shrinks the loop to */

static void
shrink_proc(aeEventLoop *el, int fd, void *data, int mask)
{
	(void)fd, (void)data, (void)mask;
	note('s');
	aeDeleteFileEvent(el, sp[0], AE_READABLE);
	aeDeleteFileEvent(el, shrink_fd, AE_READABLE);
	ck_assert_int_eq(aeResizeSetSize(el, shrink_fd), AE_OK);
}

START_TEST(test_shrink_below_fired_fd)
{
	int hi = fcntl(sp[1], F_DUPFD, 40), lo = sp[0];

	ck_assert_int_ge(hi, 40);
	shrink_fd = hi;
	/* Both ready: whichever runs first drops both and shrinks. */
	ck_assert_int_eq(aeCreateFileEvent(loop, lo, AE_READABLE, shrink_proc,
	                     NULL),
	    AE_OK);
	ck_assert_int_eq(aeCreateFileEvent(loop, hi, AE_READABLE, read_proc,
	                     NULL),
	    AE_OK);
	ck_assert_int_eq(write(sp[1], "x", 1), 1);
	ck_assert_int_eq(write(sp[0], "x", 1), 1);
	ck_assert_int_eq(aeWait(lo, AE_READABLE, 1000), AE_READABLE);
	ck_assert_int_eq(aeWait(hi, AE_READABLE, 1000), AE_READABLE);
	/* Both fired and count; only the shrinking handler ran. */
	ck_assert_int_eq(aeProcessEvents(loop, AE_FILE_EVENTS | AE_DONT_WAIT),
	    2);
	ck_assert_str_eq(trace, "s");
	ck_assert_int_eq(aeGetSetSize(loop), hi);
	close(hi);
}
END_TEST

START_TEST(test_main_and_stop)
{
	aeCreateTimeEvent(loop, 1, stop_after_three, NULL, NULL);
	aeMain(loop);
	ck_assert_int_eq(counter, 3);
	/* aeMain clears the stop flag when it starts. */
	aeCreateFileEvent(loop, sp[0], AE_WRITABLE, stop_proc, NULL);
	aeMain(loop);
	ck_assert_str_eq(trace, "s");
	ck_assert_int_eq(counter, 3);
}
END_TEST

Suite *
ae_suite(void)
{
	Suite *s = suite_create("ae");
	TCase *tc = tcase_create("ae");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_create_and_sizes);
	tcase_add_test(tc, test_erange);
	tcase_add_test(tc, test_resize);
	tcase_add_test(tc, test_masks_and_client_data);
	tcase_add_test(tc, test_read_before_write);
	tcase_add_test(tc, test_barrier_inverts);
	tcase_add_test(tc, test_same_proc_runs_once);
	tcase_add_test(tc, test_deleted_earlier_not_called);
	tcase_add_test(tc, test_hangup_fires_both);
	tcase_add_test(tc, test_wait);
	tcase_add_test(tc, test_time_ids_and_delete);
	tcase_add_test(tc, test_time_rearm_and_nomore);
	tcase_add_test(tc, test_finalizers_at_delete_loop);
	tcase_add_test(tc, test_finalizer_uses_ae_at_delete_loop);
	tcase_add_test(tc, test_time_created_in_pass_waits);
	tcase_add_test(tc, test_only_deleted_time_events);
	tcase_add_test(tc, test_process_flags);
	tcase_add_test(tc, test_beforesleep_sets_dont_wait);
	tcase_add_test(tc, test_reentrant);
	tcase_add_test(tc, test_main_and_stop);
	tcase_add_test(tc, test_shrink_below_fired_fd);
	suite_add_tcase(s, tc);
	return s;
}
