/*
 * evbuffer-internal.h: the layout of an evbuffer, and what buffer.c offers
 * the rest of the library (bufferevents, http).
 *
 * A buffer is a singly linked list of chains.  A chain is one allocation:
 * this header followed by its bytes (buffer points just past the header),
 * except for chains that point at memory they do not own (references,
 * mapped or read file segments, shared chains), whose header is followed by
 * a small record saying how to release that memory.  In a chain, the data
 * are the off bytes starting misalign bytes into buffer; the space after
 * them, up to buffer_len, is free for appending unless the chain is
 * immutable.
 *
 * Chain sizes follow libevent's rule exactly (allocations are powers of two
 * from 1 KiB, less this header), because programs can see them: through
 * evbuffer_reserve_space() extents, evbuffer_peek() counts and
 * evbuffer_get_contiguous_space().
 *
 * Trailing empty chains may follow the last chain with data (room made by
 * evbuffer_expand() or reserve_space()); last_with_datap points at the
 * pointer to the last chain with data (or at first when there is none),
 * which is where appending starts.
 */
#ifndef EVBUFFER_INTERNAL_H_INCLUDED_
#define EVBUFFER_INTERNAL_H_INCLUDED_

#include <event2/event-config.h>
#include <event2/event_struct.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>

#include "evthread-internal.h"
#include "util-internal.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bufferevent;

/* chain->flags */
#define EVBUFFER_FILESEGMENT 0x0001 /* data of a file segment */
#define EVBUFFER_SENDFILE 0x0002    /* not in memory: sent with sendfile() */
#define EVBUFFER_REFERENCE 0x0004   /* memory of the program */
#define EVBUFFER_IMMUTABLE 0x0008   /* nothing may be appended */
#define EVBUFFER_MULTICAST 0x0080   /* shares another buffer's chain */
/* Chains with a release record after the header. */
#define EVBUFFER_CHAIN_HAS_EXTRA \
	(EVBUFFER_FILESEGMENT | EVBUFFER_REFERENCE | EVBUFFER_MULTICAST)

struct evbuffer_chain {
	struct evbuffer_chain *next;
	size_t buffer_len; /* bytes at buffer */
	size_t misalign;   /* unused bytes before the data */
	size_t off;        /* bytes of data */
	unsigned flags;
	int refcnt; /* >1 while shared by evbuffer_add_buffer_reference */
	unsigned char *buffer;
};

/* The record after a chain's header (EVBUFFER_CHAIN_HAS_EXTRA). */
struct evbuffer_chain_reference {
	evbuffer_ref_cleanup_cb cleanupfn;
	void *extra;
};

struct evbuffer_chain_file_segment {
	struct evbuffer_file_segment *segment;
	/* For EVBUFFER_SENDFILE: the file offset of buffer_len's start, so
	 * that the data are at file_offset + misalign (64-bit even where
	 * size_t is not). */
	ev_off_t file_offset;
};

struct evbuffer_multicast_parent {
	struct evbuffer *source;       /* holds a reference on it */
	struct evbuffer_chain *parent; /* holds a reference on it */
};

/* The free room after a chain's data (none in an immutable chain). */
#define CHAIN_SPACE_PTR(ch) ((ch)->buffer + (ch)->misalign + (ch)->off)
#define CHAIN_SPACE_LEN(ch)                 \
	(((ch)->flags & EVBUFFER_IMMUTABLE) \
	        ? 0                         \
	        : (ch)->buffer_len - ((ch)->misalign + (ch)->off))

#define EVBUFFER_CHAIN_EXTRA(t, c) \
	((t *)(void *)((struct evbuffer_chain *)(c) + 1))

struct evbuffer_file_segment {
	void *lock;
	int refcnt;
	unsigned flags;   /* EVBUF_FS_* */
	int can_sendfile; /* may be sent without being in memory */
	int is_mapping;   /* contents come from mmap */
	int fd;
	char *contents;       /* the segment's bytes, once materialized */
	void *mapping;        /* what mmap returned */
	size_t mapping_len;   /* its length */
	ev_off_t file_offset; /* where the segment starts in the file */
	ev_off_t length;
	evbuffer_file_segment_cleanup_cb cleanup_cb;
	void *cleanup_cb_arg;
};

/* Callback entry flags: the public EVBUFFER_CB_ENABLED (1), then these. */
/* With deferred callbacks: this one still runs at once. */
#define EVBUFFER_CB_NODEFER 2
/* Bits a program may set with evbuffer_cb_set_flags(). */
#define EVBUFFER_CB_USER_FLAGS 0xffff
#define EVBUFFER_CB_INTERNAL_FLAGS 0xffff0000
/* Set by evbuffer_setcb(): the 1.x callback signature. */
#define EVBUFFER_CB_OBSOLETE 0x00040000

struct evbuffer_cb_entry {
	struct evbuffer_cb_entry *next;
	struct evbuffer_cb_entry **prevp;
	union {
		evbuffer_cb_func cb_func;
		evbuffer_cb cb_obsolete;
	} cb;
	void *cbarg;
	ev_uint32_t flags;
};

struct evbuffer {
	/* What the fast paths (add, drain, remove, readln) read: the first
	 * 64 bytes. */
	struct evbuffer_chain *first;
	struct evbuffer_chain *last;
	struct evbuffer_chain **last_with_datap;
	size_t total_len;
	void *lock;
	struct evbuffer_cb_entry *callbacks; /* newest first */
	/* One empty minimum-size chain kept from the last drain, so that a
	 * buffer that is filled and emptied in turn (the usual life of a
	 * socket's buffers) does not allocate for every message. */
	struct evbuffer_chain *spare;
	unsigned char freeze_start;
	unsigned char freeze_end;
	unsigned char deferred_cbs; /* callbacks run from cb_queue */
	unsigned char own_lock;
	ev_uint32_t flags; /* EVBUFFER_FLAG_* */
	/* Changes since the callbacks last ran. */
	size_t n_add_for_cb;
	size_t n_del_for_cb;
	int refcnt;
	/* The last read into this buffer did not fit a minimum-size chain:
	 * the next one goes straight into a chain sized for the read. */
	unsigned char reads_big;
	struct event_base *cb_queue;
	struct event_callback deferred;
	struct bufferevent *parent;
};

#define EVBUFFER_LOCK(buffer) EVLOCK_LOCK((buffer)->lock, 0)
#define EVBUFFER_UNLOCK(buffer) EVLOCK_UNLOCK((buffer)->lock, 0)
#define EVBUFFER_LOCK2(buffer1, buffer2) \
	EVLOCK_LOCK2((buffer1)->lock, (buffer2)->lock, 0, 0)
#define EVBUFFER_UNLOCK2(buffer1, buffer2) \
	EVLOCK_UNLOCK2((buffer1)->lock, (buffer2)->lock, 0, 0)
#define ASSERT_EVBUFFER_LOCKED(buffer) EVLOCK_ASSERT_LOCKED((buffer)->lock)

/*
 * For the bufferevent layer.  It needs nothing else: the public API does
 * the I/O (evbuffer_read() reads at most 4096 bytes per call, sized with
 * FIONREAD, like libevent 2.1; evbuffer_write_atmost() sends a file
 * segment at the front with sendfile() when the buffer has
 * EVBUFFER_FLAG_DRAINS_TO_FD, falling back to pread+write when the kernel
 * refuses).
 */

/*
 * One read of up to howmuch bytes (4096 when howmuch <= 0) without
 * asking FIONREAD first: what a socket bufferevent uses, so that a
 * readable socket costs one system call.  Returns like evbuffer_read().
 */
int evbuffer_read_upto_(struct evbuffer *buf, evutil_socket_t fd, int howmuch);

/*
 * A read of up to howmuch (> 0) bytes into buf, locked and not frozen at
 * its end, when buf is empty and its reads have been small: one readv
 * into the buffer's spare minimum-size chain, with a stack buffer behind
 * it for what does not fit (copied into a new chain; the buffer's next
 * reads then go the usual way).  A small message thus costs no
 * allocation where the usual way allocates (and frees) a chain of twice
 * howmuch.  Returns what readv did (the callbacks are run), or -2 when
 * buf is not in that state.
 */
int evbuffer_read_small_(struct evbuffer *buf, evutil_socket_t fd, int howmuch);

/*
 * Ties the buffer to the bufferevent that owns it: while a deferred
 * callback of the buffer is pending, the bufferevent is kept alive with
 * bufferevent_incref() and released with bufferevent_decref() once the
 * callback ran.  (Both are referenced weakly, so programs that use bare
 * evbuffers do not link the bufferevent code.)
 */
void evbuffer_set_parent_(struct evbuffer *buf, struct bufferevent *bev);

/* Runs (or schedules, when deferred) the callbacks for pending changes. */
void evbuffer_invoke_callbacks_(struct evbuffer *buf);

/* Reference counting: the buffer is freed when the count drops to 0. */
void evbuffer_incref_(struct evbuffer *buf);
void evbuffer_incref_and_lock_(struct evbuffer *buf);
void evbuffer_decref_and_unlock_(struct evbuffer *buf);

/*
 * The buffer's deferred callback (when it defers): for finalizers that
 * must wait for it.  Returns the number stored in cbs (0 or 1), -1 when
 * max_cbs is too small.
 */
int evbuffer_get_callbacks_(struct evbuffer *buffer,
    struct event_callback **cbs, int max_cbs);

/*
 * Makes sure datlen bytes can be appended in at most n (>= 2) chains,
 * never moving data.  Requires the lock.
 */
int evbuffer_expand_fast_(struct evbuffer *buf, size_t datlen, int n);

/*
 * Fills up to n_vecs_avail extents with the free space after the data,
 * howmuch bytes in all (exact: no more than that); *chainp is set to the
 * link of the first chain used.  Requires the lock and a preceding
 * evbuffer_expand_fast_(buf, howmuch, n_vecs_avail).
 */
int evbuffer_read_setup_vecs_(struct evbuffer *buf, ev_ssize_t howmuch,
    struct evbuffer_iovec *vecs, int n_vecs_avail,
    struct evbuffer_chain ***chainp, int exact);

/* Largest chain and segment: lengths must fit in an ev_ssize_t. */
#define EVBUFFER_CHAIN_MAX ((size_t)EV_SSIZE_MAX)

/* buffer.c, for buffer_file.c: inserts a chain at the end (freeing
 * trailing empty chains).  Requires the lock. */
void evbuffer_chain_insert_(struct evbuffer *buf, struct evbuffer_chain *chain);

/*
 * buffer.c, for buffer_search.c: drops len bytes (at most total_len, more
 * than 0) from the front without running callbacks, freeing the chains
 * drained exactly; and copies datlen bytes (all present) starting
 * pos_in_chain bytes into chain.  Both require the lock.
 */
void evbuffer_drain_chains_(struct evbuffer *buf, size_t len);
void evbuffer_copy_from_chains_(const struct evbuffer_chain *chain,
    size_t pos_in_chain, unsigned char *data, size_t datlen);

/*
 * buffer_file.c: a sendfile chain (EVBUFFER_SENDFILE, its bytes still on
 * disk) made an ordinary immutable chain in memory, its segment
 * materialized.  libevent forbids reading a buffer that drains to an fd
 * and crashes when one is read anyway; evkit's readers (search, readln,
 * peek, copyout, remove, pullup) bring the chains they reach into memory
 * instead.  0, or -1 when the file cannot be read or mapped.
 */
int evbuffer_chain_to_memory_(struct evbuffer_chain *chain);
/* The same for the chains holding len bytes from pos_in_chain of chain. */
int evbuffer_chains_to_memory_(struct evbuffer_chain *chain,
    size_t pos_in_chain, size_t len);
/* Whether chain's bytes may be read in place (made so if need be). */
#define EVBUFFER_CHAIN_IN_MEMORY(ch)                          \
	(EVUTIL_LIKELY(!((ch)->flags & EVBUFFER_SENDFILE)) || \
	    evbuffer_chain_to_memory_(ch) == 0)

/*
 * After a change that added or removed bytes: the common case, no
 * callbacks, is a test and two stores.  Requires the lock.
 */
static inline void
evbuffer_changed_(struct evbuffer *buffer)
{
	if (EVUTIL_LIKELY(buffer->callbacks == NULL)) {
		buffer->n_add_for_cb = 0;
		buffer->n_del_for_cb = 0;
		return;
	}
	evbuffer_invoke_callbacks_(buffer);
}

/*
 * Returns x, hiding from the compiler that it did.  Used where data move
 * from the front of a chain ("misalign += n; off -= n"): GCC otherwise
 * merges the two updates into SSE shuffles that cost more than they save
 * (drain was measurably slower that way).
 */
static inline size_t
evbuffer_opaque_(size_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

#ifdef __cplusplus
}
#endif

#endif /* EVBUFFER_INTERNAL_H_INCLUDED_ */
