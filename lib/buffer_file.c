/*
 * buffer_file.c: evbuffers and file descriptors: evbuffer_read,
 * evbuffer_write, and file segments.
 *
 * Reads go into the free room of the last chains with readv, sized with
 * FIONREAD and capped at 4096 bytes as in libevent 2.1; writes gather up
 * to 128 chains into one writev.
 *
 * A segment is a range of an open file.  Added to a buffer that drains to
 * a file descriptor (EVBUFFER_FLAG_DRAINS_TO_FD), its chain stays on disk
 * and evbuffer_write sends it with sendfile(2); added anywhere else, the
 * segment is "materialized" first, mapped with mmap or, failing that,
 * read into memory, so that its chains are ordinary immutable memory.
 * Offsets are 64-bit, so segments may lie beyond 2 GiB.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "evbuffer-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/* The most the fallback copies through memory per call. */
#define FALLBACK_CHUNK 16384

/* writev and readv extents per call (libevent's figures). */
#define NUM_WRITE_IOVEC 128
#define NUM_READ_IOVEC 4
/* evbuffer_read never asks for more than this at once. */
#define EVBUFFER_MAX_READ 4096

/*
 * Puts the segment's bytes in memory: a private read-only mapping unless
 * mapping is disabled or fails, else a copy read with pread.  Requires the
 * segment's lock.
 */
static int
evbuffer_file_segment_materialize(struct evbuffer_file_segment *seg)
{
	const ev_off_t length = seg->length;
	const ev_off_t offset = seg->file_offset;
	char *mem;
	ev_off_t done = 0;

	if (seg->contents)
		return 0;

	if (!(seg->flags & EVBUF_FS_DISABLE_MMAP)) {
		/* mmap wants a page-aligned offset. */
		long page = sysconf(_SC_PAGESIZE);
		ev_off_t leftover = page > 0 ? offset % page : 0;
		void *mapped = mmap(NULL, (size_t)(length + leftover),
		    PROT_READ, MAP_PRIVATE, seg->fd, offset - leftover);
		if (mapped == MAP_FAILED) {
			event_warn("%s: mmap(%d, %d, %zu) failed", __func__,
			    seg->fd, 0, (size_t)(offset + length));
		} else {
			seg->mapping = mapped;
			seg->mapping_len = (size_t)(length + leftover);
			seg->contents = (char *)mapped + leftover;
			seg->is_mapping = 1;
			return 0;
		}
	}

	/* As libevent, an empty segment cannot be read into memory. */
	mem = mm_malloc((size_t)length);
	if (mem == NULL)
		return -1;
	while (done < length) {
		ssize_t n = pread(seg->fd, mem + done, (size_t)(length - done),
		    offset + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;
			mm_free(mem);
			/* A short file: as a read error. */
			errno = n == 0 ? EINVAL : e;
			return -1;
		}
		done += n;
	}
	seg->contents = mem;
	return 0;
}

int
evbuffer_chain_to_memory_(struct evbuffer_chain *chain)
{
	static const unsigned char none[1];
	struct evbuffer_chain_file_segment *extra =
	    EVBUFFER_CHAIN_EXTRA(struct evbuffer_chain_file_segment, chain);
	struct evbuffer_file_segment *seg = extra->segment;
	int r = 0;

	if (!(chain->flags & EVBUFFER_SENDFILE))
		return 0;
	if (chain->off == 0) {
		/* Nothing to read (and an empty segment cannot be). */
		chain->buffer = (unsigned char *)none;
		chain->misalign = 0;
		chain->buffer_len = 0;
	} else {
		EVLOCK_LOCK(seg->lock, 0);
		r = evbuffer_file_segment_materialize(seg);
		EVLOCK_UNLOCK(seg->lock, 0);
		if (r < 0)
			return -1;
		chain->buffer = (unsigned char *)seg->contents +
		    (extra->file_offset - seg->file_offset);
	}
	chain->flags &= ~(unsigned)EVBUFFER_SENDFILE;
	return 0;
}

int
evbuffer_chains_to_memory_(struct evbuffer_chain *chain, size_t pos_in_chain,
    size_t len)
{
	for (; chain != NULL && len > 0; chain = chain->next) {
		size_t here = chain->off - pos_in_chain;

		if (!EVBUFFER_CHAIN_IN_MEMORY(chain))
			return -1;
		len -= here < len ? here : len;
		pos_in_chain = 0;
	}
	return 0;
}

struct evbuffer_file_segment *
evbuffer_file_segment_new(int fd, ev_off_t offset, ev_off_t length,
    unsigned flags)
{
	struct evbuffer_file_segment *seg = mm_calloc(1, sizeof(*seg));

	if (seg == NULL)
		return NULL;
	seg->refcnt = 1;
	seg->fd = fd;
	seg->flags = flags;
	seg->file_offset = offset;
	if (length == -1) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			goto err;
		/* Unlike libevent, which takes the whole file's size and so
		 * claims bytes past its end whenever offset is not 0: the
		 * rest of the file. */
		length = (ev_off_t)st.st_size - offset;
	}
	seg->length = length;
	if (offset < 0 || length < 0 ||
	    (ev_uint64_t)length > EVBUFFER_CHAIN_MAX ||
	    (ev_uint64_t)offset > (ev_uint64_t)(EVBUFFER_CHAIN_MAX - length))
		goto err;

	if (!(flags & EVBUF_FS_DISABLE_SENDFILE))
		seg->can_sendfile = 1; /* materialized when first needed */
	else if (evbuffer_file_segment_materialize(seg) < 0)
		goto err;

	if (!(flags & EVBUF_FS_DISABLE_LOCKING))
		EVTHREAD_ALLOC_LOCK(seg->lock, 0);
	return seg;
err:
	mm_free(seg);
	return NULL;
}

void
evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
    evbuffer_file_segment_cleanup_cb cb, void *arg)
{
	EVUTIL_ASSERT(seg->refcnt > 0);
	seg->cleanup_cb = cb;
	seg->cleanup_cb_arg = arg;
}

void
evbuffer_file_segment_free(struct evbuffer_file_segment *seg)
{
	int refcnt;

	EVLOCK_LOCK(seg->lock, 0);
	refcnt = --seg->refcnt;
	EVLOCK_UNLOCK(seg->lock, 0);
	if (refcnt > 0)
		return;
	EVUTIL_ASSERT(refcnt == 0);

	if (seg->is_mapping) {
		if (munmap(seg->mapping, seg->mapping_len) == -1)
			event_warn("%s: munmap failed", __func__);
	} else if (seg->contents) {
		mm_free(seg->contents);
	}
	if ((seg->flags & EVBUF_FS_CLOSE_ON_FREE) && seg->fd >= 0)
		close(seg->fd);
	if (seg->cleanup_cb) {
		seg->cleanup_cb(seg, (int)seg->flags, seg->cleanup_cb_arg);
		seg->cleanup_cb = NULL;
		seg->cleanup_cb_arg = NULL;
	}
	EVTHREAD_FREE_LOCK(seg->lock, 0);
	mm_free(seg);
}

int
evbuffer_add_file_segment(struct evbuffer *buf,
    struct evbuffer_file_segment *seg, ev_off_t offset, ev_off_t length)
{
	struct evbuffer_chain *chain;
	struct evbuffer_chain_file_segment *extra;
	int can_use_sendfile = 0;

	EVBUFFER_LOCK(buf);
	EVLOCK_LOCK(seg->lock, 0);
	if (buf->flags & EVBUFFER_FLAG_DRAINS_TO_FD) {
		can_use_sendfile = 1;
	} else if (evbuffer_file_segment_materialize(seg) < 0) {
		EVLOCK_UNLOCK(seg->lock, 0);
		EVBUFFER_UNLOCK(buf);
		return -1;
	}
	EVLOCK_UNLOCK(seg->lock, 0);

	if (buf->freeze_end)
		goto err;
	/* Unlike libevent, a negative offset is refused rather than read
	 * before the segment. */
	if (offset < 0 || offset > seg->length)
		goto err;
	if (length < 0)
		length = seg->length - offset;
	if (length > seg->length - offset)
		goto err;
	if ((ev_uint64_t)length > EV_SIZE_MAX - buf->total_len)
		goto err;

	chain = mm_calloc(1,
	    sizeof(struct evbuffer_chain) +
	        sizeof(struct evbuffer_chain_file_segment));
	if (chain == NULL)
		goto err;
	chain->refcnt = 1;
	extra = EVBUFFER_CHAIN_EXTRA(struct evbuffer_chain_file_segment, chain);
	chain->flags = EVBUFFER_IMMUTABLE | EVBUFFER_FILESEGMENT;
	chain->off = (size_t)length;
	chain->buffer_len = (size_t)length;
	if (can_use_sendfile && seg->can_sendfile) {
		/* Left on disk; the data are at file_offset + misalign. */
		chain->flags |= EVBUFFER_SENDFILE;
		extra->file_offset = seg->file_offset + offset;
	} else {
		chain->buffer = (unsigned char *)seg->contents + offset;
	}

	EVLOCK_LOCK(seg->lock, 0);
	++seg->refcnt;
	EVLOCK_UNLOCK(seg->lock, 0);
	extra->segment = seg;
	buf->n_add_for_cb += (size_t)length;
	evbuffer_chain_insert_(buf, chain);
	evbuffer_invoke_callbacks_(buf);
	EVBUFFER_UNLOCK(buf);
	return 0;
err:
	EVBUFFER_UNLOCK(buf);
	return -1;
}

int
evbuffer_add_file(struct evbuffer *buf, int fd, ev_off_t offset,
    ev_off_t length)
{
	struct evbuffer_file_segment *seg;
	int r;

	seg = evbuffer_file_segment_new(fd, offset, length,
	    EVBUF_FS_CLOSE_ON_FREE);
	if (seg == NULL)
		return -1;
	r = evbuffer_add_file_segment(buf, seg, 0, -1);
	if (r < 0) {
		/* As libevent, the caller keeps fd when adding fails; unlike
		 * libevent, the segment is not leaked. */
		seg->flags &= ~EVBUF_FS_CLOSE_ON_FREE;
	}
	evbuffer_file_segment_free(seg);
	return r;
}

/*
 * When the kernel will not sendfile between these descriptors: one chunk
 * read with pread and written with write.
 */
static int
send_by_copy(int dest_fd, int src_fd, ev_off_t offset, size_t count)
{
	char tmp[FALLBACK_CHUNK];
	ssize_t n, w;

	if (count > sizeof(tmp))
		count = sizeof(tmp);
	do {
		n = pread(src_fd, tmp, count, offset);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return (int)n;
	w = write(dest_fd, tmp, (size_t)n);
	if (w < 0 && EVUTIL_ERR_RW_RETRIABLE(errno))
		return 0;
	return (int)w;
}

/*
 * Sends the front chain, a file segment left on disk, with sendfile.
 * Returns the number of bytes sent, 0 when fd would block, -1 on error.
 * Requires the lock.
 */
static int
write_sendfile(struct evbuffer *buffer, evutil_socket_t dest_fd,
    ev_ssize_t howmuch)
{
	struct evbuffer_chain *chain = buffer->first;
	struct evbuffer_chain_file_segment *info =
	    EVBUFFER_CHAIN_EXTRA(struct evbuffer_chain_file_segment, chain);
	const int source_fd = info->segment->fd;
	off_t offset = (off_t)(info->file_offset + (ev_off_t)chain->misalign);
	size_t count = chain->off;
	ssize_t res;

	ASSERT_EVBUFFER_LOCKED(buffer);
	/* Unlike libevent, which sends the whole chain whatever howmuch
	 * says, honour the limit (bufferevent rate limits rely on it). */
	if (howmuch >= 0 && count > (size_t)howmuch)
		count = (size_t)howmuch;
	res = sendfile(dest_fd, source_fd, &offset, count);
	if (res == -1) {
		if (EVUTIL_ERR_RW_RETRIABLE(errno))
			return 0;
		if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
			return send_by_copy(dest_fd, source_fd,
			    info->file_offset + (ev_off_t)chain->misalign,
			    count);
		return -1;
	}
	return (int)res;
}

/* One readv of up to howmuch (> 0) bytes at the end of buf; small: it may
 * take evbuffer_read_small_'s way (not for evbuffer_read, whose chains
 * are laid out as libevent's). */
static int
read_into(struct evbuffer *buf, evutil_socket_t fd, int howmuch, int small)
{
	struct evbuffer_chain **chainp;
	struct iovec vecs[NUM_READ_IOVEC];
	int n, nvecs, i, remaining;
	int result;

	EVBUFFER_LOCK(buf);
	if (buf->freeze_end) {
		result = -1;
		goto done;
	}

	if (small && (result = evbuffer_read_small_(buf, fd, howmuch)) != -2)
		goto done;
	if (evbuffer_expand_fast_(buf, (size_t)howmuch, NUM_READ_IOVEC) < 0) {
		result = -1;
		goto done;
	}
	nvecs = evbuffer_read_setup_vecs_(buf, howmuch, vecs, NUM_READ_IOVEC,
	    &chainp, 1);
	n = (int)readv(fd, vecs, nvecs);
	if (n == -1) {
		result = -1;
		goto done;
	}
	if (n == 0) {
		result = 0;
		goto done;
	}

	remaining = n;
	for (i = 0; i < nvecs; ++i) {
		size_t space = CHAIN_SPACE_LEN(*chainp);
		if (space > EVBUFFER_CHAIN_MAX)
			space = EVBUFFER_CHAIN_MAX;
		if ((ev_ssize_t)space < remaining) {
			(*chainp)->off += space;
			remaining -= (int)space;
		} else {
			(*chainp)->off += (size_t)remaining;
			buf->last_with_datap = chainp;
			break;
		}
		chainp = &(*chainp)->next;
	}
	buf->total_len += (size_t)n;
	buf->n_add_for_cb += (size_t)n;
	/* Small again (well within a minimum-size chain): the next read
	 * into the emptied buffer may take evbuffer_read_small_'s way. */
	if (n <= 256)
		buf->reads_big = 0;
	evbuffer_invoke_callbacks_(buf);
	result = n;
done:
	EVBUFFER_UNLOCK(buf);
	return result;
}

int
evbuffer_read(struct evbuffer *buf, evutil_socket_t fd, int howmuch)
{
	int n;

	/* As much as is waiting, within libevent's 4096-byte cap. */
	if (ioctl(fd, FIONREAD, &n) < 0 || n <= 0 || n > EVBUFFER_MAX_READ)
		n = EVBUFFER_MAX_READ;
	if (howmuch < 0 || howmuch > n)
		howmuch = n;
	return read_into(buf, fd, howmuch, 0);
}

int
evbuffer_read_upto_(struct evbuffer *buf, evutil_socket_t fd, int howmuch)
{
	return read_into(buf, fd, howmuch > 0 ? howmuch : EVBUFFER_MAX_READ, 1);
}

/* writev of up to howmuch bytes from the front, in memory chains. */
static int
write_iovec(struct evbuffer *buffer, evutil_socket_t fd, ev_ssize_t howmuch)
{
	struct iovec iov[NUM_WRITE_IOVEC];
	struct evbuffer_chain *chain = buffer->first;
	int i = 0;

	while (chain != NULL && i < NUM_WRITE_IOVEC && howmuch) {
		/* A file chain that is not in memory stops the vector. */
		if (chain->flags & EVBUFFER_SENDFILE)
			break;
		iov[i].iov_base = chain->buffer + chain->misalign;
		if ((size_t)howmuch >= chain->off) {
			iov[i++].iov_len = chain->off;
			howmuch -= (ev_ssize_t)chain->off;
		} else {
			iov[i++].iov_len = (size_t)howmuch;
			break;
		}
		chain = chain->next;
	}
	if (!i)
		return 0;
	return (int)writev(fd, iov, i);
}

int
evbuffer_write_atmost(struct evbuffer *buffer, evutil_socket_t fd,
    ev_ssize_t howmuch)
{
	int n = -1;

	EVBUFFER_LOCK(buffer);
	if (buffer->freeze_start)
		goto done;
	if (howmuch < 0 || (size_t)howmuch > buffer->total_len)
		howmuch = (ev_ssize_t)buffer->total_len;
	if (howmuch > INT_MAX) /* the result must fit */
		howmuch = INT_MAX;
	if (howmuch > 0) {
		struct evbuffer_chain *chain = buffer->first;
		if (chain != NULL && (chain->flags & EVBUFFER_SENDFILE))
			n = write_sendfile(buffer, fd, howmuch);
		else
			n = write_iovec(buffer, fd, howmuch);
	}
	if (n > 0)
		evbuffer_drain(buffer, (size_t)n);
done:
	EVBUFFER_UNLOCK(buffer);
	return n;
}

int
evbuffer_write(struct evbuffer *buffer, evutil_socket_t fd)
{
	return evbuffer_write_atmost(buffer, fd, -1);
}
