/*
 * buffer_search.c: positions in an evbuffer (evbuffer_ptr_set), peeking
 * at its extents, searching for bytes, and finding and reading lines
 * (evbuffer_search_eol, evbuffer_readln).  Moved out of buffer.c, whose
 * chain helpers it uses through evbuffer-internal.h.
 *
 * readln's fast path (a CRLF or LF line held in the first chain of a
 * buffer without callbacks) stays straight-line code: it copies the line
 * and moves the chain's start itself, reaching the general drain only
 * when the line empties the chain or callbacks must run.
 */
#include "config.h"

#include <sys/types.h>
#include <string.h>

#include <event2/buffer.h>

#include "evbuffer-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

#define PTR_NOT_FOUND(ptr)                         \
	do {                                       \
		(ptr)->pos = -1;                   \
		(ptr)->internal_.chain = NULL;     \
		(ptr)->internal_.pos_in_chain = 0; \
	} while (0)

/* ------------------------------------------------------------------ */
/* Positions, peeking and searching.                                   */

/* evbuffer_ptr_set, the general case. */
static __attribute__((noinline)) int
ptr_set_locked(struct evbuffer *buf, struct evbuffer_ptr *pos, size_t position,
    enum evbuffer_ptr_how how)
{
	size_t left = position;
	struct evbuffer_chain *chain = NULL;
	int result = 0;

	EVBUFFER_LOCK(buf);
	switch (how) {
	case EVBUFFER_PTR_SET:
		chain = buf->first;
		pos->pos = (ev_ssize_t)position;
		position = 0;
		break;
	case EVBUFFER_PTR_ADD:
		if (pos->pos < 0 || EV_SIZE_MAX - position < (size_t)pos->pos) {
			EVBUFFER_UNLOCK(buf);
			return -1;
		}
		chain = pos->internal_.chain;
		pos->pos += (ev_ssize_t)position;
		position = pos->internal_.pos_in_chain;
		break;
	default:
		/* Unlike libevent, which leaves ptr untouched, fail. */
		EVBUFFER_UNLOCK(buf);
		return -1;
	}

	while (chain && position + left >= chain->off) {
		left -= chain->off - position;
		chain = chain->next;
		position = 0;
	}
	if (chain) {
		pos->internal_.chain = chain;
		pos->internal_.pos_in_chain = position + left;
	} else if (left == 0) {
		/* One past the end. */
		pos->internal_.chain = NULL;
		pos->internal_.pos_in_chain = 0;
	} else {
		PTR_NOT_FOUND(pos);
		result = -1;
	}
	EVBUFFER_UNLOCK(buf);
	return result;
}

int
evbuffer_ptr_set(struct evbuffer *buf, struct evbuffer_ptr *pos,
    size_t position, enum evbuffer_ptr_how how)
{
	const struct evbuffer_chain *chain = pos->internal_.chain;

	/* Forward inside the current chain. */
	if (how == EVBUFFER_PTR_ADD && buf->lock == NULL && pos->pos >= 0 &&
	    chain != NULL &&
	    position < chain->off - pos->internal_.pos_in_chain) {
		pos->pos += (ev_ssize_t)position;
		pos->internal_.pos_in_chain += position;
		return 0;
	}
	return ptr_set_locked(buf, pos, position, how);
}

/* Moves pos back howfar bytes.  Requires the lock. */
static int
ptr_subtract(struct evbuffer *buf, struct evbuffer_ptr *pos, size_t howfar)
{
	if (pos->pos < 0 || howfar > (size_t)pos->pos)
		return -1;
	if (pos->internal_.chain && howfar <= pos->internal_.pos_in_chain) {
		pos->internal_.pos_in_chain -= howfar;
		pos->pos -= (ev_ssize_t)howfar;
		return 0;
	}
	return evbuffer_ptr_set(buf, pos, (size_t)pos->pos - howfar,
	    EVBUFFER_PTR_SET);
}

int
evbuffer_peek(struct evbuffer *buffer, ev_ssize_t len,
    struct evbuffer_ptr *start_at, struct evbuffer_iovec *vec, int n_vec)
{
	struct evbuffer_chain *chain;
	ev_ssize_t len_so_far = 0;
	int idx = 0;

	if (start_at && start_at->internal_.chain == NULL)
		return 0;

	EVBUFFER_LOCK(buffer);
	if (start_at) {
		chain = start_at->internal_.chain;
		if (!EVBUFFER_CHAIN_IN_MEMORY(chain)) {
			EVBUFFER_UNLOCK(buffer);
			return 0;
		}
		len_so_far =
		    (ev_ssize_t)(chain->off - start_at->internal_.pos_in_chain);
		idx = 1;
		if (n_vec > 0) {
			vec[0].iov_base = chain->buffer + chain->misalign +
			    start_at->internal_.pos_in_chain;
			vec[0].iov_len = (size_t)len_so_far;
		}
		chain = chain->next;
	} else {
		chain = buffer->first;
	}

	if (n_vec == 0 && len < 0) {
		/* No room for extents: count those covering the rest. */
		len = (ev_ssize_t)buffer->total_len;
		if (start_at)
			len -= start_at->pos;
	}

	while (chain) {
		if (len >= 0 && len_so_far >= len)
			break;
		if (idx < n_vec && !EVBUFFER_CHAIN_IN_MEMORY(chain))
			break; /* a file that cannot be read: what comes before
			        */
		if (idx < n_vec) {
			vec[idx].iov_base = chain->buffer + chain->misalign;
			vec[idx].iov_len = chain->off;
		} else if (len < 0) {
			break;
		}
		++idx;
		len_so_far += (ev_ssize_t)chain->off;
		chain = chain->next;
	}
	EVBUFFER_UNLOCK(buffer);
	return idx;
}

/*
 * Compares the len bytes at pos (which must lie inside the buffer) with
 * mem, across chains (brought into memory if need be).
 */
static int
ptr_memcmp(const struct evbuffer *buf, const struct evbuffer_ptr *pos,
    const char *mem, size_t len)
{
	struct evbuffer_chain *chain;
	size_t position;
	int r;

	if (pos->pos < 0 || EV_SIZE_MAX - len < (size_t)pos->pos ||
	    (size_t)pos->pos + len > buf->total_len)
		return -1;
	chain = pos->internal_.chain;
	position = pos->internal_.pos_in_chain;
	while (len && chain) {
		size_t n_comparable =
		    len + position > chain->off ? chain->off - position : len;
		if (!EVBUFFER_CHAIN_IN_MEMORY(chain))
			return -1;
		r = memcmp(chain->buffer + chain->misalign + position, mem,
		    n_comparable);
		if (r)
			return r;
		mem += n_comparable;
		len -= n_comparable;
		position = 0;
		chain = chain->next;
	}
	return 0;
}

/*
 * The first occurrence of what[0..len) at or after start (NULL: the
 * front) that ends by end (NULL: anywhere).  Candidates are found with
 * memchr on the first byte and checked in place; positions are worked
 * out only for the result.
 */
static inline __attribute__((always_inline)) struct evbuffer_ptr
search_range_nolock(struct evbuffer *buffer, const char *what, size_t len,
    const struct evbuffer_ptr *start, const struct evbuffer_ptr *end)
{
	struct evbuffer_ptr pos;
	struct evbuffer_chain *chain, *last_chain = NULL;
	size_t in_chain;
	ev_ssize_t chain_pos; /* buffer offset of the chain's first byte */
	unsigned char first, last;

	if (start) {
		pos = *start;
		chain = pos.internal_.chain;
		in_chain = pos.internal_.pos_in_chain;
	} else {
		pos.pos = 0;
		chain = pos.internal_.chain = buffer->first;
		in_chain = pos.internal_.pos_in_chain = 0;
	}
	if (end)
		last_chain = end->internal_.chain;
	if (!len || len > EV_SSIZE_MAX)
		return pos;

	first = (unsigned char)what[0];
	last = (unsigned char)what[len - 1];
	chain_pos = pos.pos - (ev_ssize_t)in_chain;
	for (; chain != NULL; chain = chain->next, in_chain = 0) {
		const unsigned char *base, *cur, *stop, *p;

		if (!EVBUFFER_CHAIN_IN_MEMORY(chain))
			break;
		base = chain->buffer + chain->misalign;
		cur = base + in_chain;
		stop = base + chain->off;

		while (cur < stop &&
		    (p = memchr(cur, first, (size_t)(stop - cur))) != NULL) {
			size_t avail = (size_t)(stop - p);
			int found;

			cur = p + 1;
			if (avail >= len) {
				/* Most candidates fail on the last byte. */
				if (p[len - 1] != last)
					continue;
				found = len <= 2 ||
				    memcmp(p + 1, what + 1, len - 2) == 0;
			} else {
				/* The match would span chains. */
				pos.internal_.chain = chain;
				pos.internal_.pos_in_chain = (size_t)(p - base);
				pos.pos = chain_pos + (ev_ssize_t)(p - base);
				found =
				    ptr_memcmp(buffer, &pos, what, len) == 0;
			}
			if (found) {
				pos.internal_.chain = chain;
				pos.internal_.pos_in_chain = (size_t)(p - base);
				pos.pos = chain_pos + (ev_ssize_t)(p - base);
				if (end && pos.pos + (ev_ssize_t)len > end->pos)
					goto not_found;
				return pos;
			}
		}
		if (chain == last_chain)
			goto not_found;
		chain_pos += (ev_ssize_t)chain->off;
	}
not_found:
	PTR_NOT_FOUND(&pos);
	return pos;
}

struct evbuffer_ptr
evbuffer_search_range(struct evbuffer *buffer, const char *what, size_t len,
    const struct evbuffer_ptr *start, const struct evbuffer_ptr *end)
{
	struct evbuffer_ptr pos;

	EVBUFFER_LOCK(buffer);
	pos = search_range_nolock(buffer, what, len, start, end);
	EVBUFFER_UNLOCK(buffer);
	return pos;
}

struct evbuffer_ptr
evbuffer_search(struct evbuffer *buffer, const char *what, size_t len,
    const struct evbuffer_ptr *start)
{
	struct evbuffer_ptr pos;

	EVBUFFER_LOCK(buffer);
	pos = search_range_nolock(buffer, what, len, start, NULL);
	EVBUFFER_UNLOCK(buffer);
	return pos;
}

unsigned char *
evbuffer_find(struct evbuffer *buffer, const unsigned char *what, size_t len)
{
	struct evbuffer_ptr ptr;
	unsigned char *search;

	EVBUFFER_LOCK(buffer);
	ptr = search_range_nolock(buffer, (const char *)what, len, NULL, NULL);
	if (ptr.pos < 0) {
		search = NULL;
	} else {
		search = evbuffer_pullup(buffer, ptr.pos + (ev_ssize_t)len);
		if (search)
			search += ptr.pos;
	}
	EVBUFFER_UNLOCK(buffer);
	return search;
}

/* ------------------------------------------------------------------ */
/* Lines.                                                              */

/* The first CR or LF in s[0..len), looking ahead a chunk at a time. */
static inline const unsigned char *
find_eol_char(const unsigned char *s, size_t len)
{
	while (len) {
		size_t chunk = len < 256 ? len : 256;
		const unsigned char *lf = memchr(s, '\n', chunk);
		const unsigned char *cr =
		    memchr(s, '\r', lf ? (size_t)(lf - s) : chunk);
		if (cr)
			return cr;
		if (lf)
			return lf;
		s += chunk;
		len -= chunk;
	}
	return NULL;
}

/*
 * Finds the first end of line at or after *it in the given style.  On
 * success *it points at it, *eol_len is its length and 0 is returned;
 * -1 when there is none.  Requires the lock; it->internal_.chain is not
 * NULL.
 */
static int
find_eol(struct evbuffer *buffer, struct evbuffer_ptr *it, size_t *eol_len,
    enum evbuffer_eol_style style)
{
	struct evbuffer_chain *chain = it->internal_.chain;
	size_t i = it->internal_.pos_in_chain;
	ev_ssize_t pos = it->pos;
	/* CRLF: the byte before the LF, when it lies after the start. */
	int prev = -1;
	int c;

	switch (style) {
	case EVBUFFER_EOL_LF:
	case EVBUFFER_EOL_CRLF:
		c = '\n';
		break;
	case EVBUFFER_EOL_NUL:
		c = '\0';
		break;
	case EVBUFFER_EOL_ANY:
		c = -1;
		break;
	case EVBUFFER_EOL_CRLF_STRICT: {
		struct evbuffer_ptr r =
		    search_range_nolock(buffer, "\r\n", 2, it, NULL);
		if (r.pos < 0)
			return -1;
		*it = r;
		*eol_len = 2;
		return 0;
	}
	default:
		return -1;
	}

	for (; chain != NULL; chain = chain->next, i = 0) {
		const unsigned char *data;
		const unsigned char *p;

		if (i >= chain->off)
			continue;
		if (!EVBUFFER_CHAIN_IN_MEMORY(chain))
			return -1;
		data = chain->buffer + chain->misalign;
		p = c >= 0 ? memchr(data + i, c, chain->off - i)
		           : find_eol_char(data + i, chain->off - i);
		if (p == NULL) {
			pos += (ev_ssize_t)(chain->off - i);
			prev = data[chain->off - 1];
			continue;
		}
		pos += (ev_ssize_t)((size_t)(p - data) - i);
		it->internal_.chain = chain;
		it->internal_.pos_in_chain = (size_t)(p - data);
		it->pos = pos;
		if (p > data + i)
			prev = p[-1];
		if (style == EVBUFFER_EOL_ANY) {
			/* The whole run of CR and LF characters. */
			struct evbuffer_chain *ch = chain;
			size_t j = (size_t)(p - data), n = 0;
			for (;;) {
				const unsigned char *d =
				    ch->buffer + ch->misalign;
				while (j < ch->off &&
				    (d[j] == '\r' || d[j] == '\n')) {
					++j;
					++n;
				}
				if (j < ch->off || ch->next == NULL ||
				    !EVBUFFER_CHAIN_IN_MEMORY(ch->next))
					break;
				ch = ch->next;
				j = 0;
			}
			*eol_len = n;
		} else if (style == EVBUFFER_EOL_CRLF && prev == '\r') {
			*eol_len = 2;
			/* Step back onto the CR. */
			if (it->internal_.pos_in_chain > 0) {
				--it->internal_.pos_in_chain;
				--it->pos;
			} else {
				ptr_subtract(buffer, it, 1);
			}
		} else {
			*eol_len = 1;
		}
		return 0;
	}
	return -1;
}

struct evbuffer_ptr
evbuffer_search_eol(struct evbuffer *buffer, struct evbuffer_ptr *start,
    size_t *eol_len_out, enum evbuffer_eol_style eol_style)
{
	struct evbuffer_ptr it;
	size_t extra_drain = 0;

	if (start && start->internal_.chain == NULL) {
		PTR_NOT_FOUND(&it);
		if (eol_len_out)
			*eol_len_out = 0;
		return it;
	}
	EVBUFFER_LOCK(buffer);
	if (start) {
		it = *start;
	} else {
		it.pos = 0;
		it.internal_.chain = buffer->first;
		it.internal_.pos_in_chain = 0;
	}
	if (it.internal_.chain == NULL ||
	    find_eol(buffer, &it, &extra_drain, eol_style) < 0) {
		PTR_NOT_FOUND(&it);
		extra_drain = 0;
	}
	EVBUFFER_UNLOCK(buffer);
	if (eol_len_out)
		*eol_len_out = extra_drain;
	return it;
}

char *
evbuffer_readln(struct evbuffer *buffer, size_t *n_read_out,
    enum evbuffer_eol_style eol_style)
{
	struct evbuffer_chain *chain;
	struct evbuffer_ptr it;
	size_t n_to_copy = 0, extra_drain = 0;
	char *line = NULL;

	EVBUFFER_LOCK(buffer);
	chain = buffer->first;
	if (buffer->freeze_start || chain == NULL)
		goto done;

	if (EVUTIL_LIKELY(eol_style == EVBUFFER_EOL_CRLF ||
	        eol_style == EVBUFFER_EOL_LF) &&
	    chain->off != 0 && EVBUFFER_CHAIN_IN_MEMORY(chain)) {
		/* Fast path: the line ends in the first chain. */
		const unsigned char *data = chain->buffer + chain->misalign;
		const unsigned char *p = memchr(data, '\n', chain->off);
		if (p != NULL) {
			n_to_copy = (size_t)(p - data);
			extra_drain = 1;
			if (eol_style == EVBUFFER_EOL_CRLF && n_to_copy &&
			    p[-1] == '\r') {
				--n_to_copy;
				extra_drain = 2;
			}
			line = mm_malloc(n_to_copy + 1);
			if (line == NULL) {
				event_warn("%s: out of memory", __func__);
				goto done;
			}
			memcpy(line, data, n_to_copy);
			line[n_to_copy] = '\0';
			if (EVUTIL_LIKELY(buffer->callbacks == NULL) &&
			    n_to_copy + extra_drain < chain->off) {
				size_t n = n_to_copy + extra_drain;
				chain->misalign += n;
				chain->off -= evbuffer_opaque_(n);
				buffer->total_len -= n_to_copy + extra_drain;
				buffer->n_add_for_cb = 0;
				buffer->n_del_for_cb = 0;
				goto done;
			}
			goto drain;
		}
	}

	it.pos = 0;
	it.internal_.chain = chain;
	it.internal_.pos_in_chain = 0;
	if (find_eol(buffer, &it, &extra_drain, eol_style) < 0)
		goto done;
	n_to_copy = (size_t)it.pos;
	line = mm_malloc(n_to_copy + 1);
	if (line == NULL) {
		event_warn("%s: out of memory", __func__);
		goto done;
	}
	if (n_to_copy)
		evbuffer_copy_from_chains_(chain, 0, (unsigned char *)line,
		    n_to_copy);
	line[n_to_copy] = '\0';
drain:
	/* As libevent: the line and its end are two changes for the
	 * callbacks. */
	if (n_to_copy) {
		evbuffer_drain_chains_(buffer, n_to_copy);
		buffer->n_del_for_cb += n_to_copy;
		evbuffer_changed_(buffer);
	}
	if (extra_drain && buffer->total_len) {
		if (extra_drain > buffer->total_len)
			extra_drain = buffer->total_len;
		evbuffer_drain_chains_(buffer, extra_drain);
		buffer->n_del_for_cb += extra_drain;
		evbuffer_changed_(buffer);
	}
done:
	EVBUFFER_UNLOCK(buffer);
	if (n_read_out)
		*n_read_out = line ? n_to_copy : 0;
	return line;
}

char *
evbuffer_readline(struct evbuffer *buffer)
{
	return evbuffer_readln(buffer, NULL, EVBUFFER_EOL_ANY);
}
