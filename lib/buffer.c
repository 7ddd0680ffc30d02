/*
 * buffer.c: evbuffer, a queue of bytes kept as a list of chains.
 *
 * Every public function here behaves as libevent 2.1's does, including
 * where chains are split, which callbacks see which counts, and what
 * fails on a frozen buffer: programs observe chain boundaries through
 * evbuffer_peek(), evbuffer_reserve_space() and
 * evbuffer_get_contiguous_space(), so the layout rules are part of the
 * interface.  Where libevent reads freed memory or past the end of data
 * on bad input, we fail cleanly instead (marked "Unlike libevent").
 *
 * Speed comes from the hot paths (evbuffer_add into the last chain,
 * draining inside the first chain, readln of a line held in one chain)
 * being straight-line code that only reaches the general machinery on a
 * chain boundary, from callbacks costing one test when there are none,
 * and from each buffer keeping one spare minimum-size chain so that a
 * buffer which is filled and emptied in turn stops allocating.
 *
 * Reading and writing file descriptors, file segments and sendfile live
 * in buffer_file.c; positions, peeking, searching and reading lines in
 * buffer_search.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/uio.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/thread.h>

#include "event-internal.h"
#include "evbuffer-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/*
 * Allocation sizes, as libevent computes them: a chain is one block of a
 * power of two bytes, at least MIN_BUFFER_SIZE, header included.
 */
#if EVENT__SIZEOF_VOID_P < 8
#define MIN_BUFFER_SIZE 512
#else
#define MIN_BUFFER_SIZE 1024
#endif
#define CHAIN_HDR sizeof(struct evbuffer_chain)
#define MIN_CHAIN_LEN (MIN_BUFFER_SIZE - CHAIN_HDR)

/* An append that does not fit doubles the last chain's size up to this. */
#define EVBUFFER_CHAIN_MAX_AUTO_SIZE 4096
/* expand: copy at most this much to grow a chain instead of adding one. */
#define MAX_TO_COPY_IN_EXPAND 4096
/* Slide at most this much data to the front of a chain to make room. */
#define MAX_TO_REALIGN_IN_EXPAND 2048


/*
 * May a call skip the lock, the callbacks and the freeze checks?  True
 * for the common unlocked buffer without callbacks; the hot paths below
 * test it once and fall back to the general code otherwise.
 */
#define PLAIN_BUFFER(buf) ((buf)->lock == NULL && (buf)->callbacks == NULL)

/*
 * memcpy, with the short copies typical of protocol code done inline so
 * that the hot paths make no call for them.
 */
static inline void
copy_bytes(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (n > 16) {
		memcpy(d, s, n);
	} else if (n >= 8) {
		ev_uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		ev_uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

/* Can this chain become the buffer's spare once it holds no data? */
#define CHAIN_REUSABLE(ch)                                                 \
	((ch)->refcnt == 1 && !((ch)->flags & EVBUFFER_CHAIN_HAS_EXTRA) && \
	    (ch)->buffer_len == MIN_CHAIN_LEN)

/* The bufferevent layer, if linked in (see evbuffer_set_parent_). */
void bufferevent_incref(struct bufferevent *bufev) __attribute__((weak));
int bufferevent_decref(struct bufferevent *bufev) __attribute__((weak));

static void evbuffer_deferred_callback(struct event_callback *cb, void *arg);
static struct evbuffer_chain *expand_singlechain(struct evbuffer *buf,
    size_t datlen);

/* ------------------------------------------------------------------ */
/* Chains.                                                             */

/*
 * A chain with room for at least size bytes, sized by libevent's rule;
 * buf (may be NULL) lends its spare chain when the minimum size will do.
 */
static struct evbuffer_chain *
chain_new(struct evbuffer *buf, size_t size)
{
	struct evbuffer_chain *chain;
	size_t to_alloc;

	if (size > EVBUFFER_CHAIN_MAX - CHAIN_HDR)
		return NULL;
	size += CHAIN_HDR;
	if (size <= MIN_BUFFER_SIZE) {
		if (buf != NULL && buf->spare != NULL) {
			chain = buf->spare;
			buf->spare = NULL;
			return chain;
		}
		to_alloc = MIN_BUFFER_SIZE;
	} else if (size < EVBUFFER_CHAIN_MAX / 2) {
		/* The next power of two. */
		to_alloc = (size_t)1
		    << (sizeof(size_t) * CHAR_BIT - __builtin_clzl(size - 1));
	} else {
		to_alloc = size;
	}
	chain = mm_malloc(to_alloc);
	if (chain == NULL)
		return NULL;
	chain->next = NULL;
	chain->buffer_len = to_alloc - CHAIN_HDR;
	chain->misalign = 0;
	chain->off = 0;
	chain->flags = 0;
	chain->refcnt = 1;
	chain->buffer = (unsigned char *)(chain + 1);
	return chain;
}

/* A header for memory the chain does not own, with an extra record. */
static struct evbuffer_chain *
chain_new_extra(size_t extra)
{
	struct evbuffer_chain *chain = mm_malloc(CHAIN_HDR + extra);

	if (chain == NULL)
		return NULL;
	memset(chain, 0, CHAIN_HDR + extra);
	chain->refcnt = 1;
	return chain;
}

static void
chain_free_extra(struct evbuffer_chain *chain)
{
	if (chain->flags & EVBUFFER_REFERENCE) {
		struct evbuffer_chain_reference *info =
		    EVBUFFER_CHAIN_EXTRA(struct evbuffer_chain_reference,
		        chain);
		if (info->cleanupfn)
			info->cleanupfn(chain->buffer, chain->buffer_len,
			    info->extra);
	}
	if (chain->flags & EVBUFFER_FILESEGMENT) {
		struct evbuffer_chain_file_segment *info =
		    EVBUFFER_CHAIN_EXTRA(struct evbuffer_chain_file_segment,
		        chain);
		if (info->segment)
			evbuffer_file_segment_free(info->segment);
	}
	if (chain->flags & EVBUFFER_MULTICAST) {
		struct evbuffer_multicast_parent *info =
		    EVBUFFER_CHAIN_EXTRA(struct evbuffer_multicast_parent,
		        chain);
		struct evbuffer *source = info->source;
		EVBUFFER_LOCK(source);
		if (--info->parent->refcnt == 0) {
			if (info->parent->flags & EVBUFFER_CHAIN_HAS_EXTRA)
				chain_free_extra(info->parent);
			else
				mm_free(info->parent);
		}
		evbuffer_decref_and_unlock_(source);
	}
	mm_free(chain);
}

/*
 * Drops one reference to chain; the last one frees it, or parks a plain
 * minimum-size chain as buf's spare (buf may be NULL).
 */
static inline void
chain_free(struct evbuffer *buf, struct evbuffer_chain *chain)
{
	if (EVUTIL_UNLIKELY(chain->refcnt > 1)) {
		--chain->refcnt;
		return;
	}
	if (EVUTIL_UNLIKELY(chain->flags & EVBUFFER_CHAIN_HAS_EXTRA)) {
		chain_free_extra(chain);
		return;
	}
	if (buf != NULL && buf->spare == NULL &&
	    chain->buffer_len == MIN_CHAIN_LEN) {
		chain->next = NULL;
		chain->misalign = 0;
		chain->off = 0;
		chain->flags = 0;
		buf->spare = chain;
		return;
	}
	mm_free(chain);
}

static void
free_all_chains(struct evbuffer *buf, struct evbuffer_chain *chain)
{
	struct evbuffer_chain *next;

	for (; chain != NULL; chain = next) {
		next = chain->next;
		chain_free(buf, chain);
	}
}

static inline void
zero_chain(struct evbuffer *buf)
{
	buf->first = NULL;
	buf->last = NULL;
	buf->last_with_datap = &buf->first;
	buf->total_len = 0;
}

/*
 * Frees the empty chains after the last chain with data and returns the
 * link where a new chain goes.  The caller fixes buf->last.
 */
static struct evbuffer_chain **
free_trailing_empty_chains(struct evbuffer *buf)
{
	struct evbuffer_chain **ch = buf->last_with_datap;

	while (*ch != NULL && (*ch)->off != 0)
		ch = &(*ch)->next;
	if (*ch != NULL) {
		free_all_chains(buf, *ch);
		*ch = NULL;
	}
	return ch;
}

void
evbuffer_chain_insert_(struct evbuffer *buf, struct evbuffer_chain *chain)
{
	ASSERT_EVBUFFER_LOCKED(buf);
	if (*buf->last_with_datap == NULL) {
		buf->first = buf->last = chain;
	} else {
		struct evbuffer_chain **chp = free_trailing_empty_chains(buf);
		*chp = chain;
		if (chain->off)
			buf->last_with_datap = chp;
		buf->last = chain;
	}
	buf->total_len += chain->off;
}

static inline struct evbuffer_chain *
chain_insert_new(struct evbuffer *buf, size_t datlen)
{
	struct evbuffer_chain *chain = chain_new(buf, datlen);

	if (chain == NULL)
		return NULL;
	evbuffer_chain_insert_(buf, chain);
	return chain;
}

/* Moves the data of a mutable chain to the start of its memory. */
static void
chain_align(struct evbuffer_chain *chain)
{
	memmove(chain->buffer, chain->buffer + chain->misalign, chain->off);
	chain->misalign = 0;
}

/* Is sliding the data down the cheapest way to fit datlen more bytes? */
static inline int
chain_should_realign(const struct evbuffer_chain *chain, size_t datlen)
{
	return chain->buffer_len - chain->off >= datlen &&
	    chain->off < chain->buffer_len / 2 &&
	    chain->off <= MAX_TO_REALIGN_IN_EXPAND;
}

/* Moves last_with_datap to the last chain with data (empty chains may
 * sit between data chains after chains were moved in). */
static void
advance_last_with_data(struct evbuffer *buf)
{
	struct evbuffer_chain **chainp = buf->last_with_datap;

	if (*chainp == NULL)
		return;
	while ((*chainp)->next != NULL) {
		chainp = &(*chainp)->next;
		if ((*chainp)->off)
			buf->last_with_datap = chainp;
	}
}

/* ------------------------------------------------------------------ */
/* Life cycle, locking, flags.                                         */

struct evbuffer *
evbuffer_new(void)
{
	struct evbuffer *buffer = mm_calloc(1, sizeof(struct evbuffer));

	if (buffer == NULL)
		return NULL;
	buffer->refcnt = 1;
	buffer->last_with_datap = &buffer->first;
	return buffer;
}

int
evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags)
{
	EVBUFFER_LOCK(buf);
	buf->flags |= (ev_uint32_t)flags;
	EVBUFFER_UNLOCK(buf);
	return 0;
}

int
evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags)
{
	EVBUFFER_LOCK(buf);
	buf->flags &= ~(ev_uint32_t)flags;
	EVBUFFER_UNLOCK(buf);
	return 0;
}

void
evbuffer_incref_(struct evbuffer *buf)
{
	EVBUFFER_LOCK(buf);
	++buf->refcnt;
	EVBUFFER_UNLOCK(buf);
}

void
evbuffer_incref_and_lock_(struct evbuffer *buf)
{
	EVBUFFER_LOCK(buf);
	++buf->refcnt;
}

static void
remove_all_callbacks(struct evbuffer *buffer)
{
	struct evbuffer_cb_entry *cbent;

	while ((cbent = buffer->callbacks) != NULL) {
		buffer->callbacks = cbent->next;
		mm_free(cbent);
	}
}

void
evbuffer_decref_and_unlock_(struct evbuffer *buffer)
{
	ASSERT_EVBUFFER_LOCKED(buffer);
	EVUTIL_ASSERT(buffer->refcnt > 0);
	if (--buffer->refcnt > 0) {
		EVBUFFER_UNLOCK(buffer);
		return;
	}
	remove_all_callbacks(buffer);
	if (buffer->deferred_cbs)
		event_deferred_cb_cancel_(buffer->cb_queue, &buffer->deferred);
	EVBUFFER_UNLOCK(buffer);
	/* The last reference is gone: the chains are freed unlocked, since
	 * a chain referring to another buffer (add_buffer_reference) locks
	 * that one, and holding ours then could deadlock against a
	 * remove_buffer between the two that locks in the other order. */
	free_all_chains(NULL, buffer->first);
	if (buffer->spare != NULL)
		mm_free(buffer->spare);
	if (buffer->own_lock)
		EVTHREAD_FREE_LOCK(buffer->lock, EVTHREAD_LOCKTYPE_RECURSIVE);
	mm_free(buffer);
}

void
evbuffer_free(struct evbuffer *buffer)
{
	EVBUFFER_LOCK(buffer);
	evbuffer_decref_and_unlock_(buffer);
}

int
evbuffer_enable_locking(struct evbuffer *buf, void *lock)
{
	if (buf->lock)
		return -1;
	if (lock == NULL) {
		EVTHREAD_ALLOC_LOCK(lock, EVTHREAD_LOCKTYPE_RECURSIVE);
		if (lock == NULL)
			return -1;
		buf->lock = lock;
		buf->own_lock = 1;
	} else {
		buf->lock = lock;
		buf->own_lock = 0;
	}
	return 0;
}

void
evbuffer_lock(struct evbuffer *buf)
{
	EVBUFFER_LOCK(buf);
}

void
evbuffer_unlock(struct evbuffer *buf)
{
	EVBUFFER_UNLOCK(buf);
}

void
evbuffer_set_parent_(struct evbuffer *buf, struct bufferevent *bev)
{
	EVBUFFER_LOCK(buf);
	buf->parent = bev;
	EVBUFFER_UNLOCK(buf);
}

size_t
evbuffer_get_length(const struct evbuffer *buf)
{
	size_t result;

	EVBUFFER_LOCK(buf);
	result = buf->total_len;
	EVBUFFER_UNLOCK(buf);
	return result;
}

size_t
evbuffer_get_contiguous_space(const struct evbuffer *buf)
{
	size_t result;

	EVBUFFER_LOCK(buf);
	result = buf->first != NULL ? buf->first->off : 0;
	EVBUFFER_UNLOCK(buf);
	return result;
}

int
evbuffer_freeze(struct evbuffer *buffer, int start)
{
	EVBUFFER_LOCK(buffer);
	if (start)
		buffer->freeze_start = 1;
	else
		buffer->freeze_end = 1;
	EVBUFFER_UNLOCK(buffer);
	return 0;
}

int
evbuffer_unfreeze(struct evbuffer *buffer, int start)
{
	EVBUFFER_LOCK(buffer);
	if (start)
		buffer->freeze_start = 0;
	else
		buffer->freeze_end = 0;
	EVBUFFER_UNLOCK(buffer);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Callbacks.                                                          */

/*
 * Runs the callbacks whose flags match, with the changes counted since
 * the last run.  Run straight after a change, with deferred callbacks,
 * only the NODEFER ones run and the counts are kept for the deferred run.
 */
static void
run_callbacks(struct evbuffer *buffer, int running_deferred)
{
	struct evbuffer_cb_entry *cbent, *next;
	struct evbuffer_cb_info info;
	size_t new_size;
	ev_uint32_t mask, masked_val;
	int clear = 1;

	if (running_deferred) {
		mask = EVBUFFER_CB_NODEFER | EVBUFFER_CB_ENABLED;
		masked_val = EVBUFFER_CB_ENABLED;
	} else if (buffer->deferred_cbs) {
		mask = EVBUFFER_CB_NODEFER | EVBUFFER_CB_ENABLED;
		masked_val = EVBUFFER_CB_NODEFER | EVBUFFER_CB_ENABLED;
		clear = 0;
	} else {
		mask = EVBUFFER_CB_ENABLED;
		masked_val = EVBUFFER_CB_ENABLED;
	}

	ASSERT_EVBUFFER_LOCKED(buffer);
	if (buffer->callbacks == NULL) {
		buffer->n_add_for_cb = buffer->n_del_for_cb = 0;
		return;
	}
	if (buffer->n_add_for_cb == 0 && buffer->n_del_for_cb == 0)
		return;

	new_size = buffer->total_len;
	info.orig_size = new_size + buffer->n_del_for_cb - buffer->n_add_for_cb;
	info.n_added = buffer->n_add_for_cb;
	info.n_deleted = buffer->n_del_for_cb;
	if (clear) {
		buffer->n_add_for_cb = 0;
		buffer->n_del_for_cb = 0;
	}
	for (cbent = buffer->callbacks; cbent != NULL; cbent = next) {
		/* The callback may remove itself. */
		next = cbent->next;
		if ((cbent->flags & mask) != masked_val)
			continue;
		if (cbent->flags & EVBUFFER_CB_OBSOLETE)
			cbent->cb.cb_obsolete(buffer, info.orig_size, new_size,
			    cbent->cbarg);
		else if (cbent->cb.cb_func != NULL)
			cbent->cb.cb_func(buffer, &info, cbent->cbarg);
	}
}

void
evbuffer_invoke_callbacks_(struct evbuffer *buffer)
{
	if (buffer->callbacks == NULL) {
		buffer->n_add_for_cb = buffer->n_del_for_cb = 0;
		return;
	}
	if (buffer->deferred_cbs) {
		if (event_deferred_cb_schedule_(buffer->cb_queue,
		        &buffer->deferred)) {
			/* The pending run holds a reference, and one on the
			 * owning bufferevent. */
			++buffer->refcnt;
			if (buffer->parent != NULL &&
			    bufferevent_incref != NULL)
				bufferevent_incref(buffer->parent);
		}
	}
	run_callbacks(buffer, 0);
}

static void
evbuffer_deferred_callback(struct event_callback *cb, void *arg)
{
	struct evbuffer *buffer = arg;
	struct bufferevent *parent;

	EVBUFFER_LOCK(buffer);
	parent = buffer->parent;
	run_callbacks(buffer, 1);
	evbuffer_decref_and_unlock_(buffer);
	if (parent != NULL && bufferevent_decref != NULL)
		bufferevent_decref(parent);
}

int
evbuffer_defer_callbacks(struct evbuffer *buffer, struct event_base *base)
{
	EVBUFFER_LOCK(buffer);
	buffer->cb_queue = base;
	buffer->deferred_cbs = 1;
	event_deferred_cb_init_(&buffer->deferred,
	    (ev_uint8_t)(event_base_get_npriorities(base) / 2),
	    evbuffer_deferred_callback, buffer);
	EVBUFFER_UNLOCK(buffer);
	return 0;
}

int
evbuffer_get_callbacks_(struct evbuffer *buffer, struct event_callback **cbs,
    int max_cbs)
{
	int r = 0;

	EVBUFFER_LOCK(buffer);
	if (buffer->deferred_cbs) {
		if (max_cbs < 1) {
			r = -1;
		} else {
			cbs[0] = &buffer->deferred;
			r = 1;
		}
	}
	EVBUFFER_UNLOCK(buffer);
	return r;
}

struct evbuffer_cb_entry *
evbuffer_add_cb(struct evbuffer *buffer, evbuffer_cb_func cb, void *cbarg)
{
	struct evbuffer_cb_entry *e = mm_calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	EVBUFFER_LOCK(buffer);
	e->cb.cb_func = cb;
	e->cbarg = cbarg;
	e->flags = EVBUFFER_CB_ENABLED;
	/* Newest first, as libevent runs them. */
	e->next = buffer->callbacks;
	if (e->next != NULL)
		e->next->prevp = &e->next;
	e->prevp = &buffer->callbacks;
	buffer->callbacks = e;
	EVBUFFER_UNLOCK(buffer);
	return e;
}

int
evbuffer_remove_cb_entry(struct evbuffer *buffer, struct evbuffer_cb_entry *ent)
{
	EVBUFFER_LOCK(buffer);
	if (ent->next != NULL)
		ent->next->prevp = ent->prevp;
	*ent->prevp = ent->next;
	EVBUFFER_UNLOCK(buffer);
	mm_free(ent);
	return 0;
}

int
evbuffer_remove_cb(struct evbuffer *buffer, evbuffer_cb_func cb, void *cbarg)
{
	struct evbuffer_cb_entry *cbent;
	int result = -1;

	EVBUFFER_LOCK(buffer);
	for (cbent = buffer->callbacks; cbent != NULL; cbent = cbent->next) {
		if (cb == cbent->cb.cb_func && cbarg == cbent->cbarg) {
			result = evbuffer_remove_cb_entry(buffer, cbent);
			break;
		}
	}
	EVBUFFER_UNLOCK(buffer);
	return result;
}

int
evbuffer_cb_set_flags(struct evbuffer *buffer, struct evbuffer_cb_entry *cb,
    ev_uint32_t flags)
{
	flags &= ~EVBUFFER_CB_INTERNAL_FLAGS;
	EVBUFFER_LOCK(buffer);
	cb->flags |= flags;
	EVBUFFER_UNLOCK(buffer);
	return 0;
}

int
evbuffer_cb_clear_flags(struct evbuffer *buffer, struct evbuffer_cb_entry *cb,
    ev_uint32_t flags)
{
	flags &= ~EVBUFFER_CB_INTERNAL_FLAGS;
	EVBUFFER_LOCK(buffer);
	cb->flags &= ~flags;
	EVBUFFER_UNLOCK(buffer);
	return 0;
}

int
evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg)
{
	int r = 0;

	EVBUFFER_LOCK(buffer);
	remove_all_callbacks(buffer);
	if (cb != NULL) {
		struct evbuffer_cb_entry *ent =
		    evbuffer_add_cb(buffer, NULL, cbarg);
		if (ent != NULL) {
			ent->cb.cb_obsolete = cb;
			ent->flags |= EVBUFFER_CB_OBSOLETE;
		} else {
			r = -1;
		}
	}
	EVBUFFER_UNLOCK(buffer);
	return r;
}

/* ------------------------------------------------------------------ */
/* Adding.                                                             */

/* evbuffer_add, the general case.  Requires the lock. */
static __attribute__((noinline)) int
add_slow(struct evbuffer *buf, const unsigned char *data, size_t datlen)
{
	struct evbuffer_chain *chain, *tmp;
	size_t remain, to_alloc;

	if (buf->freeze_end)
		return -1;
	if (datlen > EV_SIZE_MAX - buf->total_len)
		return -1;

	chain = *buf->last_with_datap;
	if (chain == NULL) {
		chain = chain_new(buf, datlen);
		if (chain == NULL)
			return -1;
		evbuffer_chain_insert_(buf, chain);
	}

	if ((chain->flags & EVBUFFER_IMMUTABLE) == 0) {
		remain = chain->buffer_len - chain->misalign - chain->off;
		if (remain >= datlen) {
			memcpy(chain->buffer + chain->misalign + chain->off,
			    data, datlen);
			chain->off += datlen;
			buf->total_len += datlen;
			buf->n_add_for_cb += datlen;
			goto out;
		} else if (chain_should_realign(chain, datlen)) {
			chain_align(chain);
			memcpy(chain->buffer + chain->off, data, datlen);
			chain->off += datlen;
			buf->total_len += datlen;
			buf->n_add_for_cb += datlen;
			goto out;
		}
	} else {
		remain = 0;
	}

	/* A new chain, twice the last one's size while that is small. */
	to_alloc = chain->buffer_len;
	/* Unlike libevent, a file segment's length is no hint: it could
	 * ask for gigabytes of memory to append a few bytes. */
	if (chain->flags & EVBUFFER_FILESEGMENT)
		to_alloc = 0;
	if (to_alloc <= EVBUFFER_CHAIN_MAX_AUTO_SIZE / 2)
		to_alloc <<= 1;
	if (datlen > to_alloc)
		to_alloc = datlen;
	tmp = chain_new(buf, to_alloc);
	if (tmp == NULL)
		return -1;

	if (remain) {
		memcpy(chain->buffer + chain->misalign + chain->off, data,
		    remain);
		chain->off += remain;
		buf->total_len += remain;
		buf->n_add_for_cb += remain;
	}
	data += remain;
	datlen -= remain;

	memcpy(tmp->buffer, data, datlen);
	tmp->off = datlen;
	if (chain->next == NULL && chain->off != 0) {
		/* After the last chain: what evbuffer_chain_insert_ would do,
		 * with no empty chains to free. */
		chain->next = tmp;
		buf->last = tmp;
		if (datlen)
			buf->last_with_datap = &chain->next;
		buf->total_len += datlen;
	} else {
		evbuffer_chain_insert_(buf, tmp);
	}
	buf->n_add_for_cb += datlen;
out:
	evbuffer_changed_(buf);
	return 0;
}

/* Out of line, so that the fast path of evbuffer_add stays a leaf. */
static __attribute__((noinline)) int
add_locked(struct evbuffer *buf, const void *data_in, size_t datlen)
{
	int r;

	EVBUFFER_LOCK(buf);
	r = add_slow(buf, data_in, datlen);
	EVBUFFER_UNLOCK(buf);
	return r;
}

int
evbuffer_add(struct evbuffer *buf, const void *data_in, size_t datlen)
{
	struct evbuffer_chain *chain;
	unsigned char *dst;
	size_t newlen;

	/* The usual case: an unlocked buffer without callbacks, and bytes
	 * that fit after the last data, or in the spare chain of an empty
	 * buffer (where libevent would allocate the same size). */
	if (EVUTIL_LIKELY(PLAIN_BUFFER(buf) && !buf->freeze_end)) {
		chain = *buf->last_with_datap;
		if (chain != NULL) {
			size_t room =
			    chain->buffer_len - chain->misalign - chain->off;
			if (chain->flags & EVBUFFER_IMMUTABLE || room < datlen)
				goto slow;
			if (__builtin_add_overflow(buf->total_len, datlen,
			        &newlen))
				goto slow;
		} else {
			chain = buf->spare;
			if (chain == NULL || datlen > MIN_CHAIN_LEN)
				goto slow;
			buf->spare = NULL;
			buf->first = buf->last = chain;
			newlen = datlen;
		}
		dst = chain->buffer + chain->misalign + chain->off;
		chain->off += datlen;
		buf->total_len = newlen;
		buf->n_add_for_cb = 0;
		buf->n_del_for_cb = 0;
		copy_bytes(dst, data_in, datlen);
		return 0;
	}
slow:
	return add_locked(buf, data_in, datlen);
}

int
evbuffer_prepend(struct evbuffer *buf, const void *data, size_t datlen)
{
	struct evbuffer_chain *chain, *tmp;
	int result = -1;

	EVBUFFER_LOCK(buf);
	if (datlen == 0) {
		result = 0;
		goto done;
	}
	if (buf->freeze_start)
		goto done;
	if (datlen > EV_SIZE_MAX - buf->total_len)
		goto done;

	chain = buf->first;
	if (chain == NULL) {
		chain = chain_new(buf, datlen);
		if (chain == NULL)
			goto done;
		evbuffer_chain_insert_(buf, chain);
	}

	if ((chain->flags & EVBUFFER_IMMUTABLE) == 0) {
		/* An empty chain is all room at the front. */
		if (chain->off == 0)
			chain->misalign = chain->buffer_len;
		if (chain->misalign >= datlen) {
			memcpy(chain->buffer + chain->misalign - datlen, data,
			    datlen);
			chain->off += datlen;
			chain->misalign -= datlen;
			buf->total_len += datlen;
			buf->n_add_for_cb += datlen;
			goto out;
		} else if (chain->misalign) {
			/* The tail of the data fits in front of the chain. */
			memcpy(chain->buffer,
			    (const char *)data + datlen - chain->misalign,
			    chain->misalign);
			chain->off += chain->misalign;
			buf->total_len += chain->misalign;
			buf->n_add_for_cb += chain->misalign;
			datlen -= chain->misalign;
			chain->misalign = 0;
		}
	}

	tmp = chain_new(buf, datlen);
	if (tmp == NULL)
		goto done;
	buf->first = tmp;
	if (buf->last_with_datap == &buf->first && chain->off)
		buf->last_with_datap = &tmp->next;
	tmp->next = chain;
	tmp->off = datlen;
	tmp->misalign = tmp->buffer_len - datlen;
	memcpy(tmp->buffer + tmp->misalign, data, datlen);
	buf->total_len += datlen;
	buf->n_add_for_cb += datlen;
out:
	evbuffer_invoke_callbacks_(buf);
	result = 0;
done:
	EVBUFFER_UNLOCK(buf);
	return result;
}

int
evbuffer_add_reference(struct evbuffer *outbuf, const void *data, size_t datlen,
    evbuffer_ref_cleanup_cb cleanupfn, void *extra)
{
	struct evbuffer_chain *chain;
	struct evbuffer_chain_reference *info;
	int result = -1;

	chain = chain_new_extra(sizeof(struct evbuffer_chain_reference));
	if (chain == NULL)
		return -1;
	chain->flags = EVBUFFER_REFERENCE | EVBUFFER_IMMUTABLE;
	chain->buffer = (unsigned char *)(uintptr_t)data;
	chain->buffer_len = datlen;
	chain->off = datlen;
	info = EVBUFFER_CHAIN_EXTRA(struct evbuffer_chain_reference, chain);
	info->cleanupfn = cleanupfn;
	info->extra = extra;

	EVBUFFER_LOCK(outbuf);
	if (outbuf->freeze_end || datlen > EV_SIZE_MAX - outbuf->total_len) {
		/* Not added, so the cleanup must not run. */
		mm_free(chain);
		goto done;
	}
	evbuffer_chain_insert_(outbuf, chain);
	outbuf->n_add_for_cb += datlen;
	evbuffer_invoke_callbacks_(outbuf);
	result = 0;
done:
	EVBUFFER_UNLOCK(outbuf);
	return result;
}

int
evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
{
	struct evbuffer_chain *chain;
	char *buffer;
	size_t space;
	int sz, result = -1;
	va_list aq;

	EVBUFFER_LOCK(buf);
	if (buf->freeze_end)
		goto done;
	chain = expand_singlechain(buf, 64);
	if (chain == NULL)
		goto done;
	for (;;) {
		buffer = (char *)CHAIN_SPACE_PTR(chain);
		space = CHAIN_SPACE_LEN(chain);
		va_copy(aq, ap);
		sz = vsnprintf(buffer, space, fmt, aq);
		va_end(aq);
		if (sz < 0)
			goto done;
		if ((size_t)sz < space) {
			chain->off += sz;
			buf->total_len += sz;
			buf->n_add_for_cb += sz;
			advance_last_with_data(buf);
			evbuffer_invoke_callbacks_(buf);
			result = sz;
			goto done;
		}
		chain = expand_singlechain(buf, (size_t)sz + 1);
		if (chain == NULL)
			goto done;
	}
done:
	EVBUFFER_UNLOCK(buf);
	return result;
}

int
evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
{
	va_list ap;
	int res;

	va_start(ap, fmt);
	res = evbuffer_add_vprintf(buf, fmt, ap);
	va_end(ap);
	return res;
}

size_t
evbuffer_add_iovec(struct evbuffer *buf, struct evbuffer_iovec *vec, int n_vec)
{
	size_t res = 0, to_alloc = 0;
	int n;

	EVBUFFER_LOCK(buf);
	for (n = 0; n < n_vec; n++)
		to_alloc += vec[n].iov_len;
	if (evbuffer_expand_fast_(buf, to_alloc, 2) < 0)
		goto done;
	for (n = 0; n < n_vec; n++) {
		if (evbuffer_add(buf, vec[n].iov_base, vec[n].iov_len) < 0)
			goto done;
		res += vec[n].iov_len;
	}
done:
	EVBUFFER_UNLOCK(buf);
	return res;
}

/* ------------------------------------------------------------------ */
/* Moving chains between buffers.                                      */

static inline void
copy_chain(struct evbuffer *dst, struct evbuffer *src)
{
	dst->first = src->first;
	if (src->last_with_datap == &src->first)
		dst->last_with_datap = &dst->first;
	else
		dst->last_with_datap = src->last_with_datap;
	dst->last = src->last;
	dst->total_len = src->total_len;
}

static void
append_chain(struct evbuffer *dst, struct evbuffer *src)
{
	struct evbuffer_chain **chp = free_trailing_empty_chains(dst);

	*chp = src->first;
	if (src->last_with_datap == &src->first)
		dst->last_with_datap = chp;
	else
		dst->last_with_datap = src->last_with_datap;
	dst->last = src->last;
	dst->total_len += src->total_len;
}

static void
prepend_chain(struct evbuffer *dst, struct evbuffer *src)
{
	src->last->next = dst->first;
	dst->first = src->first;
	dst->total_len += src->total_len;
	if (*dst->last_with_datap == NULL) {
		if (src->last_with_datap == &src->first)
			dst->last_with_datap = &dst->first;
		else
			dst->last_with_datap = src->last_with_datap;
	} else if (dst->last_with_datap == &dst->first) {
		dst->last_with_datap = &src->last->next;
	}
}

/*
 * Moves all of inbuf's chains to the end (or, with at_front, the front) of
 * outbuf without copying data: the work of add_buffer and prepend_buffer.
 */
static int
move_all_chains(struct evbuffer *outbuf, struct evbuffer *inbuf, int at_front)
{
	size_t in_total_len, out_total_len;
	int result = 0;

	EVBUFFER_LOCK2(inbuf, outbuf);
	in_total_len = inbuf->total_len;
	out_total_len = outbuf->total_len;
	if (in_total_len == 0 || outbuf == inbuf)
		goto done;
	if ((at_front ? outbuf->freeze_start : outbuf->freeze_end) ||
	    inbuf->freeze_start || in_total_len > EV_SIZE_MAX - out_total_len) {
		result = -1;
		goto done;
	}
	if (out_total_len == 0) {
		/* outbuf may hold empty chains. */
		free_all_chains(outbuf, outbuf->first);
		copy_chain(outbuf, inbuf);
	} else if (at_front) {
		prepend_chain(outbuf, inbuf);
	} else {
		append_chain(outbuf, inbuf);
	}
	zero_chain(inbuf);
	inbuf->n_del_for_cb += in_total_len;
	outbuf->n_add_for_cb += in_total_len;
	evbuffer_invoke_callbacks_(inbuf);
	evbuffer_invoke_callbacks_(outbuf);
done:
	EVBUFFER_UNLOCK2(inbuf, outbuf);
	return result;
}

int
evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf)
{
	return move_all_chains(outbuf, inbuf, 0);
}

int
evbuffer_prepend_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf)
{
	return move_all_chains(outbuf, inbuf, 1);
}

int
evbuffer_add_buffer_reference(struct evbuffer *outbuf, struct evbuffer *inbuf)
{
	struct evbuffer_chain *chain, *tmp, *copies, **last;
	struct evbuffer_multicast_parent *extra;
	size_t in_total_len, out_total_len;
	int result = 0;

	EVBUFFER_LOCK2(inbuf, outbuf);
	in_total_len = inbuf->total_len;
	out_total_len = outbuf->total_len;
	if (in_total_len == 0)
		goto done;
	if (outbuf->freeze_end || outbuf == inbuf ||
	    in_total_len > EV_SIZE_MAX - out_total_len) {
		result = -1;
		goto done;
	}
	for (chain = inbuf->first; chain != NULL; chain = chain->next) {
		if (chain->flags &
		    (EVBUFFER_FILESEGMENT | EVBUFFER_SENDFILE |
		        EVBUFFER_MULTICAST)) {
			result = -1;
			goto done;
		}
	}
	/* All the headers first: out of memory, nothing is added (libevent
	 * adds the chains it could and still returns 0). */
	copies = NULL;
	last = &copies;
	for (chain = inbuf->first; chain != NULL; chain = chain->next) {
		if (chain->off == 0)
			continue;
		tmp = chain_new_extra(sizeof(struct evbuffer_multicast_parent));
		if (tmp == NULL) {
			event_warn("%s: out of memory", __func__);
			while ((tmp = copies) != NULL) {
				copies = tmp->next;
				mm_free(tmp);
			}
			result = -1;
			goto done;
		}
		*last = tmp;
		last = &tmp->next;
	}
	if (out_total_len == 0) {
		/* Unlike libevent, which keeps pointing at the chains it
		 * frees here, forget them. */
		free_all_chains(outbuf, outbuf->first);
		zero_chain(outbuf);
	}
	for (chain = inbuf->first; chain != NULL; chain = chain->next) {
		if (chain->off == 0)
			continue;
		tmp = copies;
		copies = tmp->next;
		tmp->next = NULL;
		extra =
		    EVBUFFER_CHAIN_EXTRA(struct evbuffer_multicast_parent, tmp);
		/* The source buffer and chain live as long as the copy. */
		evbuffer_incref_(inbuf);
		extra->source = inbuf;
		++chain->refcnt;
		extra->parent = chain;
		chain->flags |= EVBUFFER_IMMUTABLE;
		tmp->buffer_len = chain->buffer_len;
		tmp->misalign = chain->misalign;
		tmp->off = chain->off;
		tmp->flags = EVBUFFER_MULTICAST | EVBUFFER_IMMUTABLE;
		tmp->buffer = chain->buffer;
		evbuffer_chain_insert_(outbuf, tmp);
	}
	outbuf->n_add_for_cb += in_total_len;
	evbuffer_invoke_callbacks_(outbuf);
done:
	EVBUFFER_UNLOCK2(inbuf, outbuf);
	return result;
}

/* ------------------------------------------------------------------ */
/* Removing.                                                           */

/*
 * Drops len bytes (at most total_len, more than 0) from the front,
 * without callbacks.  Chains drained exactly are freed.
 */
void
evbuffer_drain_chains_(struct evbuffer *buf, size_t len)
{
	struct evbuffer_chain *chain, *next;

	if (len >= buf->total_len) {
		free_all_chains(buf, buf->first);
		zero_chain(buf);
		return;
	}
	buf->total_len -= len;
	for (chain = buf->first; len >= chain->off; chain = next) {
		next = chain->next;
		len -= chain->off;
		if (chain == *buf->last_with_datap)
			buf->last_with_datap = &buf->first;
		if (&chain->next == buf->last_with_datap)
			buf->last_with_datap = &buf->first;
		chain_free(buf, chain);
	}
	buf->first = chain;
	chain->misalign += len;
	chain->off -= evbuffer_opaque_(len);
}

/* evbuffer_drain, the general case. */
static __attribute__((noinline)) int
drain_locked(struct evbuffer *buf, size_t len)
{
	size_t old_len;
	int result = 0;

	EVBUFFER_LOCK(buf);
	old_len = buf->total_len;
	if (old_len == 0)
		goto done;
	if (buf->freeze_start) {
		result = -1;
		goto done;
	}
	if (len > old_len)
		len = old_len;
	evbuffer_drain_chains_(buf, len);
	buf->n_del_for_cb += len;
	evbuffer_changed_(buf);
done:
	EVBUFFER_UNLOCK(buf);
	return result;
}

int
evbuffer_drain(struct evbuffer *buf, size_t len)
{
	struct evbuffer_chain *chain = buf->first;

	if (EVUTIL_LIKELY(PLAIN_BUFFER(buf) && !buf->freeze_start &&
	        chain != NULL && len < chain->off)) {
		/* Inside the first chain. */
		chain->misalign += len;
		chain->off -= evbuffer_opaque_(len);
		buf->total_len -= len;
		buf->n_add_for_cb = 0;
		buf->n_del_for_cb = 0;
		return 0;
	}
	return drain_locked(buf, len);
}

/*
 * Copies datlen bytes (all present) starting pos_in_chain bytes into
 * chain.
 */
void
evbuffer_copy_from_chains_(const struct evbuffer_chain *chain,
    size_t pos_in_chain, unsigned char *data, size_t datlen)
{
	while (datlen && datlen >= chain->off - pos_in_chain) {
		size_t copylen = chain->off - pos_in_chain;
		/* An empty chain may have no memory at all (sendfile). */
		if (copylen)
			memcpy(data,
			    chain->buffer + chain->misalign + pos_in_chain,
			    copylen);
		data += copylen;
		datlen -= copylen;
		chain = chain->next;
		pos_in_chain = 0;
	}
	if (datlen)
		memcpy(data, chain->buffer + chain->misalign + pos_in_chain,
		    datlen);
}

static ev_ssize_t
copyout_from_nolock(struct evbuffer *buf, const struct evbuffer_ptr *pos,
    void *data_out, size_t datlen)
{
	struct evbuffer_chain *chain;
	size_t pos_in_chain;

	if (pos) {
		/* Unlike libevent, a position outside the buffer copies
		 * nothing rather than reading past the end. */
		if (pos->pos < 0 || (size_t)pos->pos > buf->total_len)
			return -1;
		if (datlen > (size_t)(EV_SSIZE_MAX - pos->pos))
			return -1;
		chain = pos->internal_.chain;
		pos_in_chain = pos->internal_.pos_in_chain;
		if (datlen + pos->pos > buf->total_len)
			datlen = buf->total_len - pos->pos;
	} else {
		chain = buf->first;
		pos_in_chain = 0;
		if (datlen > buf->total_len)
			datlen = buf->total_len;
	}
	if (datlen == 0)
		return 0;
	if (buf->freeze_start ||
	    evbuffer_chains_to_memory_(chain, pos_in_chain, datlen) < 0)
		return -1;
	evbuffer_copy_from_chains_(chain, pos_in_chain, data_out, datlen);
	return (ev_ssize_t)datlen;
}

ev_ssize_t
evbuffer_copyout_from(struct evbuffer *buf, const struct evbuffer_ptr *pos,
    void *data_out, size_t datlen)
{
	ev_ssize_t r;

	EVBUFFER_LOCK(buf);
	r = copyout_from_nolock(buf, pos, data_out, datlen);
	EVBUFFER_UNLOCK(buf);
	return r;
}

ev_ssize_t
evbuffer_copyout(struct evbuffer *buf, void *data_out, size_t datlen)
{
	return evbuffer_copyout_from(buf, NULL, data_out, datlen);
}

/* evbuffer_remove, the general case. */
static __attribute__((noinline)) int
remove_locked(struct evbuffer *buf, void *data_out, size_t datlen)
{
	size_t n;

	EVBUFFER_LOCK(buf);
	n = buf->total_len;
	if (datlen < n)
		n = datlen;
	if (n == 0) {
		EVBUFFER_UNLOCK(buf);
		return 0;
	}
	if (buf->freeze_start ||
	    evbuffer_chains_to_memory_(buf->first, 0, n) < 0) {
		EVBUFFER_UNLOCK(buf);
		return -1;
	}
	evbuffer_copy_from_chains_(buf->first, 0, data_out, n);
	evbuffer_drain_chains_(buf, n);
	buf->n_del_for_cb += n;
	evbuffer_changed_(buf);
	EVBUFFER_UNLOCK(buf);
	return (int)n;
}

int
evbuffer_remove(struct evbuffer *buf, void *data_out, size_t datlen)
{
	struct evbuffer_chain *chain = buf->first;
	const unsigned char *src;
	size_t n;

	if (EVUTIL_UNLIKELY(!PLAIN_BUFFER(buf) || buf->freeze_start ||
	        chain == NULL || (chain->flags & EVBUFFER_SENDFILE)))
		return remove_locked(buf, data_out, datlen);
	src = chain->buffer + chain->misalign;
	if (datlen < chain->off) {
		/* Inside the first chain. */
		chain->misalign += datlen;
		chain->off -= evbuffer_opaque_(datlen);
		buf->total_len -= datlen;
		n = datlen;
	} else if (chain->next == NULL && chain->off != 0 &&
	    buf->spare == NULL && CHAIN_REUSABLE(chain)) {
		/* Everything, from a single chain: it becomes the spare,
		 * whose bytes stay put until the next add. */
		n = chain->off;
		chain->misalign = 0;
		chain->off = 0;
		chain->flags = 0;
		buf->spare = chain;
		zero_chain(buf);
	} else {
		return remove_locked(buf, data_out, datlen);
	}
	buf->n_add_for_cb = 0;
	buf->n_del_for_cb = 0;
	copy_bytes(data_out, src, n);
	return (int)n;
}

int
evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
    size_t datlen)
{
	struct evbuffer_chain *chain, *previous;
	size_t nread = 0;
	int result;

	EVBUFFER_LOCK2(src, dst);
	chain = previous = src->first;
	if (datlen == 0 || dst == src) {
		result = 0;
		goto done;
	}
	if (dst->freeze_end || src->freeze_start) {
		result = -1;
		goto done;
	}
	if (datlen >= src->total_len) {
		datlen = src->total_len;
		result = evbuffer_add_buffer(dst, src) < 0 ? -1 : (int)datlen;
		goto done;
	}

	/* Hand over the chains that go whole. */
	while (chain->off <= datlen) {
		nread += chain->off;
		datlen -= chain->off;
		previous = chain;
		if (src->last_with_datap == &chain->next)
			src->last_with_datap = &src->first;
		chain = chain->next;
	}
	if (chain != src->first) {
		struct evbuffer_chain **chp = free_trailing_empty_chains(dst);
		if (dst->first == NULL)
			dst->first = src->first;
		else
			*chp = src->first;
		dst->last = previous;
		previous->next = NULL;
		src->first = chain;
		advance_last_with_data(dst);
		dst->total_len += nread;
		dst->n_add_for_cb += nread;
	}

	/* Copy the head of the next one; this runs dst's callbacks.  Out of
	 * memory, only the whole chains moved: a short count, or -1 when
	 * nothing did. */
	if (datlen &&
	    (!EVBUFFER_CHAIN_IN_MEMORY(chain) ||
	        evbuffer_add(dst, chain->buffer + chain->misalign, datlen) ==
	            -1)) {
		if (nread == 0) {
			result = -1;
			goto done;
		}
		datlen = 0;
	}
	chain->misalign += datlen;
	chain->off -= datlen;
	nread += datlen;

	src->total_len -= nread;
	src->n_del_for_cb += nread;
	if (nread) {
		evbuffer_invoke_callbacks_(dst);
		evbuffer_invoke_callbacks_(src);
	}
	result = (int)nread;
done:
	EVBUFFER_UNLOCK2(src, dst);
	return result;
}

unsigned char *
evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size)
{
	struct evbuffer_chain *chain, *next, *tmp, *last_with_data;
	unsigned char *buffer, *result = NULL;
	int removed_last_with_data = 0;
	int removed_last_with_datap = 0;

	EVBUFFER_LOCK(buf);
	chain = buf->first;
	if (size < 0)
		size = (ev_ssize_t)buf->total_len;
	if (size == 0 || (size_t)size > buf->total_len ||
	    evbuffer_chains_to_memory_(chain, 0, (size_t)size) < 0)
		goto done;

	if (chain->off >= (size_t)size) {
		result = chain->buffer + chain->misalign;
		goto done;
	}
	/* Unlike libevent, never into a chain shared from another buffer:
	 * all the buffers sharing it would write to the same memory. */
	if (!(chain->flags & EVBUFFER_MULTICAST) &&
	    chain->buffer_len - chain->misalign >= (size_t)size) {
		/* The rest fits after the first chain's data. */
		size_t old_off = chain->off;
		buffer = chain->buffer + chain->misalign + chain->off;
		tmp = chain;
		tmp->off = (size_t)size;
		size -= (ev_ssize_t)old_off;
		chain = chain->next;
	} else {
		tmp = chain_new(buf, (size_t)size);
		if (tmp == NULL) {
			event_warn("%s: out of memory", __func__);
			goto done;
		}
		buffer = tmp->buffer;
		tmp->off = (size_t)size;
		buf->first = tmp;
	}

	/* Copy and free the chains that go whole. */
	last_with_data = *buf->last_with_datap;
	for (; chain != NULL && (size_t)size >= chain->off; chain = next) {
		next = chain->next;
		if (chain->buffer) {
			memcpy(buffer, chain->buffer + chain->misalign,
			    chain->off);
			size -= (ev_ssize_t)chain->off;
			buffer += chain->off;
		}
		if (chain == last_with_data)
			removed_last_with_data = 1;
		if (&chain->next == buf->last_with_datap)
			removed_last_with_datap = 1;
		chain_free(buf, chain);
	}
	if (chain == NULL) {
		buf->last = tmp;
	} else if (size > 0) {
		memcpy(buffer, chain->buffer + chain->misalign, (size_t)size);
		chain->misalign += (size_t)size;
		chain->off -= (size_t)size;
	}
	tmp->next = chain;

	if (removed_last_with_data) {
		buf->last_with_datap = &buf->first;
	} else if (removed_last_with_datap) {
		if (buf->first->next && buf->first->next->off)
			buf->last_with_datap = &buf->first->next;
		else
			buf->last_with_datap = &buf->first;
	}
	result = tmp->buffer + tmp->misalign;
done:
	EVBUFFER_UNLOCK(buf);
	return result;
}

/* ------------------------------------------------------------------ */
/* Making room: expand, reserve, commit.                               */

static struct evbuffer_chain *
expand_singlechain(struct evbuffer *buf, size_t datlen)
{
	struct evbuffer_chain *chain, **chainp;
	struct evbuffer_chain *result = NULL;

	ASSERT_EVBUFFER_LOCKED(buf);
	chainp = buf->last_with_datap;
	/* The first chain with room after its data, if any. */
	if (*chainp && CHAIN_SPACE_LEN(*chainp) == 0)
		chainp = &(*chainp)->next;
	chain = *chainp;

	if (chain == NULL || (chain->flags & EVBUFFER_IMMUTABLE))
		goto insert_new;
	if (CHAIN_SPACE_LEN(chain) >= datlen)
		return chain;
	if (chain->off == 0)
		goto insert_new;
	if (chain_should_realign(chain, datlen)) {
		chain_align(chain);
		return chain;
	}
	if (CHAIN_SPACE_LEN(chain) < chain->buffer_len / 8 ||
	    chain->off > MAX_TO_COPY_IN_EXPAND ||
	    datlen >= EVBUFFER_CHAIN_MAX - chain->off) {
		/* Not worth growing: use the next chain, or a new one. */
		if (chain->next && CHAIN_SPACE_LEN(chain->next) >= datlen)
			return chain->next;
		goto insert_new;
	} else {
		/* Grow: a bigger chain with a copy of the data. */
		struct evbuffer_chain *tmp =
		    chain_new(buf, chain->off + datlen);
		if (tmp == NULL)
			return NULL;
		tmp->off = chain->off;
		memcpy(tmp->buffer, chain->buffer + chain->misalign,
		    chain->off);
		*chainp = tmp;
		if (buf->last == chain)
			buf->last = tmp;
		tmp->next = chain->next;
		chain_free(buf, chain);
		return tmp;
	}
insert_new:
	result = chain_insert_new(buf, datlen);
	return result;
}

/* The stack room of evbuffer_read_small_ (the default read max). */
#define READ_SMALL_STACK 16384

int
evbuffer_read_small_(struct evbuffer *buf, evutil_socket_t fd, int howmuch)
{
	unsigned char extra[READ_SMALL_STACK];
	struct evbuffer_chain *chain, *tmp;
	struct iovec vecs[2];
	size_t rest;
	ev_ssize_t n;
	int saved;

	ASSERT_EVBUFFER_LOCKED(buf);
	if (buf->first != NULL || buf->reads_big ||
	    (size_t)howmuch <= MIN_CHAIN_LEN)
		return -2;
	if ((chain = chain_new(buf, 0)) == NULL)
		return -1;
	vecs[0].iov_base = chain->buffer;
	vecs[0].iov_len = chain->buffer_len;
	vecs[1].iov_base = extra;
	vecs[1].iov_len = (size_t)howmuch - chain->buffer_len;
	if (vecs[1].iov_len > sizeof(extra))
		vecs[1].iov_len = sizeof(extra);
	n = readv(fd, vecs, 2);
	if (n <= 0) {
		saved = errno;
		chain_free(buf, chain);
		errno = saved;
		return (int)n;
	}
	if ((size_t)n <= chain->buffer_len) {
		chain->off = (size_t)n;
		evbuffer_chain_insert_(buf, chain);
	} else {
		rest = (size_t)n - chain->buffer_len;
		chain->off = chain->buffer_len;
		evbuffer_chain_insert_(buf, chain);
		buf->reads_big = 1;
		if ((tmp = chain_new(buf, rest)) == NULL) {
			/* What was read past the first chain is lost with
			 * the connection this error ends. */
			buf->n_add_for_cb += chain->off;
			evbuffer_invoke_callbacks_(buf);
			errno = ENOMEM;
			return -1;
		}
		memcpy(tmp->buffer, extra, rest);
		tmp->off = rest;
		evbuffer_chain_insert_(buf, tmp);
	}
	buf->n_add_for_cb += (size_t)n;
	evbuffer_invoke_callbacks_(buf);
	return (int)n;
}

int
evbuffer_expand_fast_(struct evbuffer *buf, size_t datlen, int n)
{
	struct evbuffer_chain *chain = buf->last, *tmp, *next;
	size_t avail;
	int used;

	ASSERT_EVBUFFER_LOCKED(buf);
	EVUTIL_ASSERT(n >= 2);

	if (chain == NULL || (chain->flags & EVBUFFER_IMMUTABLE)) {
		chain = chain_new(buf, datlen);
		if (chain == NULL)
			return -1;
		evbuffer_chain_insert_(buf, chain);
		return 0;
	}

	/* How much room do the first n chains with room have? */
	used = 0;
	avail = 0;
	for (chain = *buf->last_with_datap; chain; chain = chain->next) {
		if (chain->off) {
			size_t space = CHAIN_SPACE_LEN(chain);
			if (space) {
				avail += space;
				++used;
			}
		} else {
			/* An empty chain: all of it is room. */
			chain->misalign = 0;
			avail += chain->buffer_len;
			++used;
		}
		if (avail >= datlen)
			return 0;
		if (used == n)
			break;
	}

	if (used < n) {
		/* Fewer than n chains: add one for the rest. */
		tmp = chain_new(buf, datlen - avail);
		if (tmp == NULL)
			return -1;
		buf->last->next = tmp;
		buf->last = tmp;
		return 0;
	} else {
		/* Replace all the empty chains with one big enough. */
		int rmv_all = 0;
		chain = *buf->last_with_datap;
		if (!chain->off) {
			rmv_all = 1;
			avail = 0;
		} else {
			avail = CHAIN_SPACE_LEN(chain);
			chain = chain->next;
		}
		for (; chain; chain = next) {
			next = chain->next;
			chain_free(buf, chain);
		}
		tmp = chain_new(buf, datlen - avail);
		if (tmp == NULL) {
			if (rmv_all) {
				zero_chain(buf);
			} else {
				buf->last = *buf->last_with_datap;
				(*buf->last_with_datap)->next = NULL;
			}
			return -1;
		}
		if (rmv_all) {
			buf->first = buf->last = tmp;
			buf->last_with_datap = &buf->first;
		} else {
			(*buf->last_with_datap)->next = tmp;
			buf->last = tmp;
		}
		return 0;
	}
}

int
evbuffer_expand(struct evbuffer *buf, size_t datlen)
{
	struct evbuffer_chain *chain;

	EVBUFFER_LOCK(buf);
	chain = expand_singlechain(buf, datlen);
	EVBUFFER_UNLOCK(buf);
	return chain ? 0 : -1;
}

int
evbuffer_read_setup_vecs_(struct evbuffer *buf, ev_ssize_t howmuch,
    struct evbuffer_iovec *vecs, int n_vecs_avail,
    struct evbuffer_chain ***chainp, int exact)
{
	struct evbuffer_chain *chain;
	struct evbuffer_chain **firstchainp;
	size_t so_far = 0;
	int i;

	ASSERT_EVBUFFER_LOCKED(buf);
	if (howmuch < 0)
		return -1;
	/* The first chain with room. */
	firstchainp = buf->last_with_datap;
	if (CHAIN_SPACE_LEN(*firstchainp) == 0)
		firstchainp = &(*firstchainp)->next;
	chain = *firstchainp;
	for (i = 0; i < n_vecs_avail && so_far < (size_t)howmuch; ++i) {
		size_t avail = CHAIN_SPACE_LEN(chain);
		if (avail > (size_t)howmuch - so_far && exact)
			avail = (size_t)howmuch - so_far;
		vecs[i].iov_base = CHAIN_SPACE_PTR(chain);
		vecs[i].iov_len = avail;
		so_far += avail;
		chain = chain->next;
	}
	*chainp = firstchainp;
	return i;
}

int
evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
    struct evbuffer_iovec *vec, int n_vecs)
{
	struct evbuffer_chain *chain, **chainp;
	int n = -1;

	EVBUFFER_LOCK(buf);
	if (buf->freeze_end)
		goto done;
	if (n_vecs < 1)
		goto done;
	if (n_vecs == 1) {
		chain = expand_singlechain(buf, (size_t)size);
		if (chain == NULL)
			goto done;
		vec[0].iov_base = CHAIN_SPACE_PTR(chain);
		vec[0].iov_len = CHAIN_SPACE_LEN(chain);
		n = 1;
	} else {
		if (evbuffer_expand_fast_(buf, (size_t)size, n_vecs) < 0)
			goto done;
		n = evbuffer_read_setup_vecs_(buf, size, vec, n_vecs, &chainp,
		    0);
	}
done:
	EVBUFFER_UNLOCK(buf);
	return n;
}

/*
 * Whether p is where chain's free room starts.  A sendfile chain has no
 * memory (buffer NULL), and no room to commit.
 */
static inline int
is_space_of(const struct evbuffer_chain *chain, const void *p)
{
	return chain->buffer != NULL &&
	    p == (const void *)CHAIN_SPACE_PTR(chain);
}

int
evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec,
    int n_vecs)
{
	struct evbuffer_chain *chain, **firstchainp, **chainp;
	size_t added = 0;
	int result = -1;
	int i;

	EVBUFFER_LOCK(buf);
	if (buf->freeze_end)
		goto done;
	if (n_vecs == 0) {
		result = 0;
		goto done;
	} else if (n_vecs == 1) {
		/*
		 * One extent: in the last chain, or in the one after the
		 * last with data, which reserve hands out when the latter's
		 * room is too small to be worth growing (the first chain
		 * with room is then not where the extent is).
		 */
		chain = buf->last;
		if (chain != NULL && !is_space_of(chain, vec[0].iov_base) &&
		    *buf->last_with_datap != NULL)
			chain = (*buf->last_with_datap)->next;
		if (chain != NULL && is_space_of(chain, vec[0].iov_base)) {
			if (vec[0].iov_len > CHAIN_SPACE_LEN(chain))
				goto done;
			chain->off += vec[0].iov_len;
			added = vec[0].iov_len;
			if (added)
				advance_last_with_data(buf);
			goto okay;
		}
	}

	firstchainp = buf->last_with_datap;
	if (!*firstchainp)
		goto done;
	if (CHAIN_SPACE_LEN(*firstchainp) == 0)
		firstchainp = &(*firstchainp)->next;

	/* Check every extent before committing any. */
	chain = *firstchainp;
	for (i = 0; i < n_vecs; ++i) {
		if (!chain)
			goto done;
		if (!is_space_of(chain, vec[i].iov_base) ||
		    vec[i].iov_len > CHAIN_SPACE_LEN(chain))
			goto done;
		chain = chain->next;
	}
	chainp = firstchainp;
	for (i = 0; i < n_vecs; ++i) {
		(*chainp)->off += vec[i].iov_len;
		added += vec[i].iov_len;
		if (vec[i].iov_len)
			buf->last_with_datap = chainp;
		chainp = &(*chainp)->next;
	}
okay:
	buf->total_len += added;
	buf->n_add_for_cb += added;
	result = 0;
	evbuffer_invoke_callbacks_(buf);
done:
	EVBUFFER_UNLOCK(buf);
	return result;
}
