/*
 * io_uring.c: the io_uring(7) backend, polling readiness through the ring.
 *
 * Every interest change is a submission queue entry (SQE) written into the
 * shared ring; nothing reaches the kernel until the loop waits, and then
 * one io_uring_enter submits the iteration's changes, waits with the
 * timeout (IORING_ENTER_EXT_ARG, nanoseconds) and returns.  The fd map is
 * in changelist mode (defer_all), so it calls change() once per fd with
 * the iteration's final interest, just before dispatch.
 *
 * Level-triggered interest is a one-shot POLL_ADD.  When it completes, the
 * fd goes on a re-arm list, and before the next wait it gets a new
 * one-shot poll if it is still wanted: the kernel checks readiness when a
 * poll is armed, so unread data fires again, which is level-triggering.
 * EV_ET is a multishot poll (edge-triggered by default); one that the
 * kernel ends (a completion without IORING_CQE_F_MORE) is re-armed too.
 *
 * Each poll's user data is the fd and a generation, which the fd map's
 * per-fd int keeps with our state bits.  Every new poll takes a new
 * generation, and a completion whose generation is not the fd's current
 * one is dropped: that makes an fd removed, closed and reopened under the
 * same number within one iteration safe, and makes the completions of
 * cancelled polls harmless.  Removals and in-place updates carry a kind
 * bit and their completions are ignored.
 *
 * A poll holds a reference to its file, so a removal must reach the kernel
 * before the program's close() matters: the fd map passes deletes at once
 * outside a running loop (pins_files), change() submits them at once from
 * another thread or outside a loop, and the leave hook submits those
 * queued when the loop returns.
 *
 * After fork() the ring's memory is shared with the child, which must
 * never write to it: a pthread_atfork handler counts forks, and a base
 * made before the last fork leaves its ring alone until event_reinit
 * builds a new one.
 */
#include "config.h"

#ifdef HAVE_IO_URING

#include <errno.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "event-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "pollmask-internal.h"
#include "util-internal.h"


/*
 * Ring sizes.  The submission ring is flushed when full, so its size only
 * bounds the changes one system call carries; the completion ring holds
 * one poll completion per ready fd, and overflow is kept by the kernel
 * (IORING_FEAT_NODROP) and flushed, so it bounds only the batch.  Larger
 * rings cost event_base_new dearly: on Linux 6.18, 1024/4096 entries took
 * 0.6-1 ms to set up against 50-60 us for 256/1024 (epoll: 30-55 us).
 */
#define SQ_ENTRIES 256
#define CQ_ENTRIES 1024

/* The per-fd int: the generation of the current poll, and state bits. */
#define ST_ARMED 0x10000000  /* a poll is (or may still be) in the kernel */
#define ST_MULTI 0x20000000  /* it is multishot (EV_ET) */
#define ST_LISTED 0x40000000 /* on the re-arm list */
/* Registration failed (EBADF...): the events stay added, never fire. */
#define ST_FAILED 0x01000000
#define GEN_BITS 0x00ffffff

/* User data: fd in the low half, generation above, kind bit on top. */
#define UD(fd, gen) \
	((ev_uint64_t)(ev_uint32_t)(fd) | ((ev_uint64_t)(gen) << 32))
#define UD_INTERNAL ((ev_uint64_t)1 << 63)
#define UD_FD(u) ((int)(ev_uint32_t)(u))
#define UD_GEN(u) ((int)(((u) >> 32) & GEN_BITS))

struct uringop {
	int ring_fd;
	unsigned fork_count; /* uring_forks when the ring was made */
	/* Submission ring. */
	unsigned *sq_head, *sq_tail, *sq_flags;
	unsigned sq_mask, sq_entries;
	unsigned sq_local; /* our tail, published before each enter */
	struct io_uring_sqe *sqes;
	/* Completion ring. */
	unsigned *cq_head, *cq_tail;
	unsigned cq_mask;
	struct io_uring_cqe *cqes;
	/* The mappings. */
	void *ring_mem;
	size_t ring_len;
	void *sqe_mem;
	size_t sqe_len;
	int skip_success; /* IOSQE_CQE_SKIP_SUCCESS for removals */
	/*
	 * Removals written and not yet submitted.  Each ends a poll, whose
	 * last completion (its own, or -ECANCELED) is sure to come.
	 */
	int removals;
	/* Level-triggered fds whose one-shot poll completed. */
	int *rearm;
	int nrearm, rearm_cap;
};

/* Counted in every forked child; a ring made before a fork is left alone. */
static unsigned uring_forks;
static pthread_once_t uring_atfork_once = PTHREAD_ONCE_INIT;

static void
uring_child(void)
{
	uring_forks++;
}

static void
uring_register_atfork(void)
{
	pthread_atfork(NULL, NULL, uring_child);
}

static inline int
uring_forked(const struct uringop *op)
{
	return EVUTIL_UNLIKELY(op->fork_count != uring_forks);
}

static int
sys_setup(unsigned entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int
sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
    const void *arg, size_t argsz)
{
	return (int)syscall(__NR_io_uring_enter, fd, to_submit, min_complete,
	    flags, arg, argsz);
}

static int
sys_register(int fd, unsigned opcode, void *arg, unsigned nr)
{
	return (int)syscall(__NR_io_uring_register, fd, opcode, arg, nr);
}

/* 1 when the kernel knows both poll opcodes (multishot came with 5.13). */
static int
probe_poll_ops(int ring_fd)
{
	size_t len = sizeof(struct io_uring_probe) +
	    256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *probe = mm_calloc(1, len);
	int ok = 0;

	if (probe == NULL)
		return 0;
	if (sys_register(ring_fd, IORING_REGISTER_PROBE, probe, 256) == 0 &&
	    probe->last_op >= IORING_OP_POLL_REMOVE &&
	    (probe->ops[IORING_OP_POLL_ADD].flags & IO_URING_OP_SUPPORTED) &&
	    (probe->ops[IORING_OP_POLL_REMOVE].flags & IO_URING_OP_SUPPORTED))
		ok = 1;
	mm_free(probe);
	return ok;
}

static void
uring_unmap(struct uringop *op)
{
	if (op->sqe_mem != NULL && op->sqe_mem != MAP_FAILED)
		munmap(op->sqe_mem, op->sqe_len);
	if (op->ring_mem != NULL && op->ring_mem != MAP_FAILED)
		munmap(op->ring_mem, op->ring_len);
	if (op->ring_fd >= 0)
		close(op->ring_fd);
	mm_free(op->rearm);
	mm_free(op);
}

/* Maps the rings of a ring fd made with the parameters p. */
static int
uring_map(struct uringop *op, const struct io_uring_params *p)
{
	size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	size_t cq_len =
	    p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
	char *ring;
	unsigned *array, i;

	op->ring_len = sq_len > cq_len ? sq_len : cq_len;
	op->ring_mem = mmap(NULL, op->ring_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, op->ring_fd, IORING_OFF_SQ_RING);
	if (op->ring_mem == MAP_FAILED)
		return -1;
	op->sqe_len = p->sq_entries * sizeof(struct io_uring_sqe);
	op->sqe_mem = mmap(NULL, op->sqe_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_POPULATE, op->ring_fd, IORING_OFF_SQES);
	if (op->sqe_mem == MAP_FAILED)
		return -1;
	ring = op->ring_mem;
	op->sq_head = (unsigned *)(ring + p->sq_off.head);
	op->sq_tail = (unsigned *)(ring + p->sq_off.tail);
	op->sq_flags = (unsigned *)(ring + p->sq_off.flags);
	op->sq_mask = *(unsigned *)(ring + p->sq_off.ring_mask);
	op->sq_entries = p->sq_entries;
	op->sqes = op->sqe_mem;
	op->cq_head = (unsigned *)(ring + p->cq_off.head);
	op->cq_tail = (unsigned *)(ring + p->cq_off.tail);
	op->cq_mask = *(unsigned *)(ring + p->cq_off.ring_mask);
	op->cqes = (struct io_uring_cqe *)(ring + p->cq_off.cqes);
	/* Slot i of the ring always names SQE i. */
	array = (unsigned *)(ring + p->sq_off.array);
	for (i = 0; i < p->sq_entries; i++)
		array[i] = i;
	op->sq_local = *op->sq_tail;
	return 0;
}

static void *
uring_init(struct event_base *base)
{
	const unsigned need =
	    IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG;
	struct io_uring_params p;
	struct uringop *op;

	(void)base;
	if (pthread_once(&uring_atfork_once, uring_register_atfork) != 0)
		return NULL;
	op = mm_calloc(1, sizeof(*op));
	if (op == NULL)
		return NULL;
	op->fork_count = uring_forks;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
	p.cq_entries = CQ_ENTRIES;
	op->ring_fd = sys_setup(SQ_ENTRIES, &p);
	if (op->ring_fd < 0 && errno == EINVAL) {
		/* Before 5.18: no SUBMIT_ALL (a failed SQE ends a batch). */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = CQ_ENTRIES;
		op->ring_fd = sys_setup(SQ_ENTRIES, &p);
	}
	if (op->ring_fd < 0) {
		event_debug(
		    ("%s: io_uring_setup: %s", __func__, strerror(errno)));
		goto err;
	}
	if ((p.features & need) != need) {
		event_debug(("%s: kernel lacks io_uring features %#x", __func__,
		    need & ~p.features));
		goto err;
	}
	if (!probe_poll_ops(op->ring_fd)) {
		event_debug(("%s: no io_uring poll opcodes", __func__));
		goto err;
	}
	op->skip_success = (p.features & IORING_FEAT_CQE_SKIP) != 0;
	if (uring_map(op, &p) == -1) {
		event_debug(("%s: mmap: %s", __func__, strerror(errno)));
		goto err;
	}
	return op;
err:
	uring_unmap(op);
	return NULL;
}

/*
 * Passes every written SQE to the kernel, waiting for nothing; also moves
 * completions the kernel kept aside (overflow) into the ring.
 */
static int
uring_submit(struct uringop *op, unsigned flags)
{
	unsigned n;
	int res;

	__atomic_store_n(op->sq_tail, op->sq_local, __ATOMIC_RELEASE);
	n = op->sq_local - __atomic_load_n(op->sq_head, __ATOMIC_ACQUIRE);
	op->removals = 0;
	do {
		res = sys_enter(op->ring_fd, n, 0, flags, NULL, 0);
	} while (res < 0 && errno == EINTR);
	return res;
}

/* Makes room in a full submission ring; -1 when the kernel takes none. */
static int
uring_make_room(struct uringop *op)
{
	if (uring_submit(op, 0) < 0 && errno != EBUSY && errno != EAGAIN)
		event_warn("io_uring_enter");
	if (op->sq_local - __atomic_load_n(op->sq_head, __ATOMIC_ACQUIRE) >=
	    op->sq_entries) {
		errno = EBUSY;
		return -1;
	}
	return 0;
}

/* A zeroed SQE at the tail; flushes the ring when it is full. */
static inline struct io_uring_sqe *
uring_get_sqe(struct uringop *op)
{
	struct io_uring_sqe *sqe;

	if (EVUTIL_UNLIKELY(
	        op->sq_local - __atomic_load_n(op->sq_head, __ATOMIC_ACQUIRE) >=
	        op->sq_entries) &&
	    uring_make_room(op) == -1)
		return NULL;
	sqe = &op->sqes[op->sq_local & op->sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	op->sq_local++;
	return sqe;
}

/* Arms a new poll for fd with a new generation, stored in *info. */
static inline int
uring_poll_add(struct uringop *op, int fd, short wanted, int *info)
{
	struct io_uring_sqe *sqe = uring_get_sqe(op);
	int gen = ((*info & GEN_BITS) + 1) & GEN_BITS;

	if (sqe == NULL)
		return -1;
	sqe->opcode = IORING_OP_POLL_ADD;
	sqe->fd = fd;
	sqe->poll32_events = ev_to_pollmask_(wanted);
	if (wanted & EV_ET)
		sqe->len = IORING_POLL_ADD_MULTI;
	sqe->user_data = UD(fd, gen);
	*info = (*info & ST_LISTED) | gen | ST_ARMED |
	    ((wanted & EV_ET) ? ST_MULTI : 0);
	return 0;
}

/*
 * Removes the poll of user data `target`, or with update set, changes its
 * events to those of `wanted` in place.
 */
static int
uring_poll_remove(struct uringop *op, ev_uint64_t target, int update,
    short wanted)
{
	struct io_uring_sqe *sqe = uring_get_sqe(op);

	if (sqe == NULL)
		return -1;
	sqe->opcode = IORING_OP_POLL_REMOVE;
	sqe->fd = -1;
	sqe->addr = target;
	if (update) {
		sqe->len = IORING_POLL_UPDATE_EVENTS;
		if (wanted & EV_ET)
			sqe->len |= IORING_POLL_ADD_MULTI;
		sqe->poll32_events = ev_to_pollmask_(wanted);
	} else {
		op->removals++;
	}
	if (op->skip_success)
		sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = UD_INTERNAL | target;
	return 0;
}

static int
uring_change(struct event_base *base, evutil_socket_t fd, short old,
    short wanted, void *fdinfo)
{
	struct uringop *op = base->evbase;
	int *slot = fdinfo;
	int info = *slot < 0 ? 0 : *slot;
	ev_uint64_t ud = UD(fd, info & GEN_BITS);
	int res = 0;

	if (uring_forked(op))
		return 0; /* the ring is the parent's: see the top */
	wanted &= EVMAP_IO_BITS;
	info &= ~ST_FAILED;
	if (!(wanted & (EV_READ | EV_WRITE | EV_CLOSED))) {
		if (info & ST_ARMED)
			res = uring_poll_remove(op, ud, 0, 0);
		/* In-flight completions of the old poll are stale now. */
		info =
		    (info & ST_LISTED) | (((info & GEN_BITS) + 1) & GEN_BITS);
	} else if ((info & ST_ARMED) && !(old & EVMAP_MAYBE_NEW_FILE) &&
	    !(info & ST_MULTI) == !(wanted & EV_ET)) {
		res = uring_poll_remove(op, ud, 1, wanted);
	} else {
		if (info & ST_ARMED)
			res = uring_poll_remove(op, ud, 0, 0);
		if (res == 0)
			res = uring_poll_add(op, fd, wanted, &info);
	}
	*slot = info;
	if (res == -1) {
		event_warn("io_uring: cannot queue a change for fd %d",
		    (int)fd);
		return -1;
	}
	/*
	 * A removal made outside the loop's run, or from another thread,
	 * goes now: the program may close the fd next, and the poll would
	 * keep its file open.
	 */
	if (op->removals &&
	    (!base->running_loop ||
	        (base->th_base_lock != NULL && !EVBASE_IN_THREAD(base)))) {
		if (uring_submit(op, 0) < 0)
			event_warn("io_uring_enter");
	}
	return 0;
}

static void
uring_leave(struct event_base *base)
{
	struct uringop *op = base->evbase;

	if (uring_forked(op))
		return;
	if (evmap_has_changes_(&base->io))
		evmap_flush_changes_(base);
	if (op->removals && uring_submit(op, 0) < 0)
		event_warn("io_uring_enter");
}

/* Makes room on the re-arm list; -1 when memory runs out. */
static int
uring_grow_rearm(struct uringop *op)
{
	int cap = op->rearm_cap ? op->rearm_cap * 2 : 64;
	int *list = mm_realloc(op->rearm, (size_t)cap * sizeof(int));

	if (list == NULL)
		return -1;
	op->rearm = list;
	op->rearm_cap = cap;
	return 0;
}

/* Puts fd on the re-arm list; the poll it had has ended. */
static inline void
uring_list_rearm(struct uringop *op, int fd, int *slot)
{
	int info = *slot & ~ST_ARMED;

	if (!(info & ST_LISTED)) {
		if (EVUTIL_UNLIKELY(op->nrearm == op->rearm_cap) &&
		    uring_grow_rearm(op) == -1) {
			event_warn("io_uring: fd %d will not fire again", fd);
		} else {
			op->rearm[op->nrearm++] = fd;
			info |= ST_LISTED;
		}
	}
	*slot = info;
}

/* Arms a new poll for every listed fd that still wants one. */
static void
uring_rearm(struct event_base *base, struct uringop *op)
{
	struct evmap_io *entries = base->io.entries;
	int i, n = op->nrearm;

	op->nrearm = 0;
	for (i = 0; i < n; i++) {
		int fd = op->rearm[i];
		struct evmap_io *ctx;

		if (fd >= base->io.nentries)
			continue;
		ctx = &entries[fd];
		ctx->backend &= ~ST_LISTED;
		if (ctx->backend < 0 ||
		    (ctx->backend & (ST_ARMED | ST_FAILED)) ||
		    !(ctx->kernel & (EV_READ | EV_WRITE | EV_CLOSED)))
			continue;
		if (uring_poll_add(op, fd, ctx->kernel, &ctx->backend) == -1)
			event_warn("io_uring: cannot re-arm fd %d", fd);
	}
}

/* One completion of a poll of ours. */
static inline void
uring_complete(struct uringop *op, struct evmap_ready_ctx *ready,
    const struct io_uring_cqe *cqe)
{
	int fd = UD_FD(cqe->user_data);
	int *slot;

	if (EVUTIL_UNLIKELY((unsigned)fd >= ready->nentries))
		return;
	slot = &ready->entries[fd].backend;
	if (*slot < 0 || (*slot & GEN_BITS) != UD_GEN(cqe->user_data))
		return; /* a poll removed or replaced since */
	if (EVUTIL_UNLIKELY(cqe->res < 0)) {
		if (cqe->res == -ECANCELED) {
			/* Not by us (the submitting thread exited): again. */
			uring_list_rearm(op, fd, slot);
			return;
		}
		*slot = (*slot & ~ST_ARMED) | ST_FAILED;
		errno = -cqe->res;
		event_warn("io_uring: poll on fd %d failed", fd);
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_MORE))
		uring_list_rearm(op, fd, slot);
	evmap_io_ready_in_map_(ready, fd,
	    pollmask_to_ev_((unsigned)cqe->res) | EV_ET);
}

/* Handles every completion in the ring. */
static void
uring_reap(struct event_base *base, struct uringop *op)
{
	struct evmap_ready_ctx ready;
	unsigned head = *op->cq_head;
	unsigned tail = __atomic_load_n(op->cq_tail, __ATOMIC_ACQUIRE);

	if (head == tail)
		return;
	evmap_ready_begin_(base, &ready);
	for (; head != tail; head++) {
		const struct io_uring_cqe *cqe = &op->cqes[head & op->cq_mask];
		if (EVUTIL_LIKELY(!(cqe->user_data & UD_INTERNAL)))
			uring_complete(op, &ready, cqe);
	}
	__atomic_store_n(op->cq_head, tail, __ATOMIC_RELEASE);
	evmap_ready_end_(base, &ready);
}

static int
uring_dispatch(struct event_base *base, struct timeval *tv)
{
	struct uringop *op = base->evbase;
	struct io_uring_getevents_arg arg;
	struct __kernel_timespec ts;
	unsigned to_submit, ready, wait_for, flags = 0;
	int i, res;

	if (uring_forked(op)) {
		event_warnx("%s: the ring belongs to the parent process; "
		            "call event_reinit after fork",
		    __func__);
		errno = EINVAL;
		return -1;
	}
	if (op->nrearm)
		uring_rearm(base, op);

	__atomic_store_n(op->sq_tail, op->sq_local, __ATOMIC_RELEASE);
	to_submit =
	    op->sq_local - __atomic_load_n(op->sq_head, __ATOMIC_ACQUIRE);
	/*
	 * The completions of the polls this batch removes are sure to come
	 * and mean nothing: wait for one more than those, or a removal would
	 * end the wait at once and cost an iteration.
	 */
	wait_for = 1 + (unsigned)op->removals * (op->skip_success ? 1 : 2);
	op->removals = 0;
	ready = __atomic_load_n(op->cq_tail, __ATOMIC_ACQUIRE) - *op->cq_head;
	if (__atomic_load_n(op->sq_flags, __ATOMIC_RELAXED) &
	    IORING_SQ_CQ_OVERFLOW)
		flags |= IORING_ENTER_GETEVENTS;

	if (ready || (tv && !tv->tv_sec && !tv->tv_usec)) {
		/* Completions wait, or no wait is wanted: do not sleep. */
		res = 0;
		if (to_submit || flags || !ready)
			res = sys_enter(op->ring_fd, to_submit, 0,
			    IORING_ENTER_GETEVENTS, NULL, 0);
	} else {
		memset(&arg, 0, sizeof(arg));
		if (tv) {
			ts.tv_sec = tv->tv_sec;
			ts.tv_nsec = (long long)tv->tv_usec * 1000;
			arg.ts = (ev_uint64_t)(uintptr_t)&ts;
		}
		EVBASE_RELEASE_LOCK(base, th_base_lock);
		res = sys_enter(op->ring_fd, to_submit, wait_for,
		    IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg,
		    sizeof(arg));
		EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	}
	if (res < 0 && errno != EINTR && errno != ETIME && errno != EBUSY &&
	    errno != EAGAIN) {
		event_warn("io_uring_enter");
		return -1;
	}

	for (i = 0;; i++) {
		uring_reap(base, op);
		if (!(__atomic_load_n(op->sq_flags, __ATOMIC_RELAXED) &
		        IORING_SQ_CQ_OVERFLOW) ||
		    i == 64)
			break;
		/* The kernel kept completions aside: bring them in. */
		if (sys_enter(op->ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL,
		        0) < 0 &&
		    errno != EINTR && errno != EBUSY && errno != EAGAIN)
			break;
	}
	return 0;
}

static void
uring_dealloc(struct event_base *base)
{
	struct uringop *op = base->evbase;

	if (op == NULL)
		return;
	uring_unmap(op);
	base->evbase = NULL;
}

const struct eventop io_uringops = {
	.name = "io_uring",
	.init = uring_init,
	.change = uring_change,
	.dispatch = uring_dispatch,
	.dealloc = uring_dealloc,
	.leave = uring_leave,
	/* The ring is shared with a forked child: make a new one. */
	.need_reinit = 1,
	.features = EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE,
	.max_fd = -1,
	/* The map coalesces an iteration's changes into one call per fd. */
	.defer_all = 1,
	/* A poll holds its file: removals must not wait (see the top). */
	.pins_files = 1,
};

#endif /* HAVE_IO_URING */
