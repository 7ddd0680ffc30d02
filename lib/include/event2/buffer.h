/*
 * event2/buffer.h: evbuffer, a byte queue for network I/O.
 *
 * An evbuffer holds its bytes in a list of chains (segments).  Bytes are
 * appended at the end and consumed at the front; moving a whole buffer into
 * another moves the chains, not the bytes.  Memory owned by the program
 * (evbuffer_add_reference) and ranges of files (evbuffer_add_file_segment)
 * can be queued without copying.
 *
 * Unless noted, functions return 0 on success and -1 on failure.
 * Thread safety: a buffer is unlocked until evbuffer_enable_locking() is
 * called on it; callbacks then run with the buffer's lock held.
 */
#ifndef EVENT2_BUFFER_H_INCLUDED_
#define EVENT2_BUFFER_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>
#ifdef EVENT__HAVE_SYS_UIO_H
#include <sys/uio.h>
#endif

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque: the layout belongs to the library. */
struct evbuffer;

/*
 * A position inside a buffer, from its first byte to one past its last.
 * Only evbuffer_ptr_set() and the search functions should write one; any
 * change to the buffer's front invalidates it.  pos is -1 after a failed
 * search.  The internal_ fields locate the byte in the chain list.
 */
struct evbuffer_ptr {
	ev_ssize_t pos;

	struct {
		void *chain;
		size_t pos_in_chain;
	} internal_;
};

/*
 * One extent of memory, for reserve/commit and peek.  It is the system's
 * struct iovec where there is one, so that it can be passed to readv().
 */
#ifdef EVENT__HAVE_SYS_UIO_H
#define evbuffer_iovec iovec
#define EVBUFFER_IOVEC_IS_NATIVE_
#else
struct evbuffer_iovec {
	void *iov_base;
	size_t iov_len;
};
#endif

/* A new empty buffer, or NULL when out of memory. */
EVENT2_EXPORT_SYMBOL
struct evbuffer *evbuffer_new(void);

/*
 * Frees the buffer and releases its chains (reference cleanups run now).
 * A buffer still referenced by evbuffer_add_buffer_reference() users, or
 * with deferred callbacks pending, is freed when the last user lets go.
 */
EVENT2_EXPORT_SYMBOL
void evbuffer_free(struct evbuffer *buf);

/*
 * Gives the buffer a lock: lock, or a new recursive lock when lock is NULL
 * (which needs lock callbacks, see event2/thread.h).  -1 when the buffer
 * already has a lock or none can be made.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_enable_locking(struct evbuffer *buf, void *lock);

/* Take and release the buffer's lock; no-ops for an unlocked buffer. */
EVENT2_EXPORT_SYMBOL
void evbuffer_lock(struct evbuffer *buf);
EVENT2_EXPORT_SYMBOL
void evbuffer_unlock(struct evbuffer *buf);

/*
 * The buffer will be written to a file descriptor and never read in
 * memory: file segments added afterwards may be sent with sendfile().
 */
#define EVBUFFER_FLAG_DRAINS_TO_FD 1

/* Set or clear EVBUFFER_FLAG_* bits; always 0. */
EVENT2_EXPORT_SYMBOL
int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags);
EVENT2_EXPORT_SYMBOL
int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags);

/* Bytes stored in the buffer. */
EVENT2_EXPORT_SYMBOL
size_t evbuffer_get_length(const struct evbuffer *buf);

/* Bytes stored in the first chain: what evbuffer_pullup() gets for free. */
EVENT2_EXPORT_SYMBOL
size_t evbuffer_get_contiguous_space(const struct evbuffer *buf);

/* Makes room so that datlen more bytes can be added in one chain. */
EVENT2_EXPORT_SYMBOL
int evbuffer_expand(struct evbuffer *buf, size_t datlen);

/*
 * Offers at least size bytes of writable space at the end of the buffer,
 * as up to n_vec extents in vec (one extent when n_vec is 1).  Returns the
 * number of extents filled, or -1.  The bytes become part of the buffer
 * only through evbuffer_commit_space(); until then nothing else may change
 * the buffer.  Calling it again without committing offers the same space.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
    struct evbuffer_iovec *vec, int n_vec);

/*
 * Appends the bytes written into extents from evbuffer_reserve_space();
 * lower iov_len to commit less.  -1 when the extents do not match the
 * reservation.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec,
    int n_vecs);

/* Appends a copy of datlen bytes. */
EVENT2_EXPORT_SYMBOL
int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen);

/*
 * Moves up to datlen bytes from the front of the buffer into data.
 * Returns the number of bytes moved, or -1.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen);

/* Like evbuffer_remove(), but leaves the buffer unchanged. */
EVENT2_EXPORT_SYMBOL
ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out,
    size_t datlen);

/* Like evbuffer_copyout(), starting at pos (NULL: the front). */
EVENT2_EXPORT_SYMBOL
ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf,
    const struct evbuffer_ptr *pos, void *data_out, size_t datlen);

/*
 * Moves up to datlen bytes from the front of src to the end of dst,
 * handing over whole chains where it can.  Returns the number of bytes
 * moved, or -1.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
    size_t datlen);

/* What ends a line, for evbuffer_readln() and evbuffer_search_eol(). */
enum evbuffer_eol_style {
	/* Any run of CR and LF characters. */
	EVBUFFER_EOL_ANY,
	/* LF, or CR LF. */
	EVBUFFER_EOL_CRLF,
	/* CR LF only. */
	EVBUFFER_EOL_CRLF_STRICT,
	/* LF only. */
	EVBUFFER_EOL_LF,
	/* A NUL byte. */
	EVBUFFER_EOL_NUL
};

/*
 * Removes one line and its end-of-line marker from the front of the
 * buffer.  Returns the line, NUL-terminated and without the marker, to be
 * released with free(); stores its length in *n_read_out when that is not
 * NULL.  NULL when no complete line is buffered.
 */
EVENT2_EXPORT_SYMBOL
char *evbuffer_readln(struct evbuffer *buffer, size_t *n_read_out,
    enum evbuffer_eol_style eol_style);

/* Moves all of inbuf to the end of outbuf, without copying the bytes. */
EVENT2_EXPORT_SYMBOL
int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf);

/*
 * Appends the contents of inbuf to outbuf without copying and without
 * draining inbuf: the chains are shared and frozen.  inbuf may not hold
 * file segments or shared chains itself.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_add_buffer_reference(struct evbuffer *outbuf,
    struct evbuffer *inbuf);

/* Called once when the buffer no longer needs referenced memory. */
typedef void (
    *evbuffer_ref_cleanup_cb)(const void *data, size_t datalen, void *extra);

/*
 * Appends datlen bytes at data without copying them.  The memory must stay
 * valid until cleanupfn (when not NULL) is called with data, datlen and
 * cleanupfn_arg, which happens once, when the last of the bytes has been
 * drained or the buffer freed.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_add_reference(struct evbuffer *outbuf, const void *data,
    size_t datlen, evbuffer_ref_cleanup_cb cleanupfn, void *cleanupfn_arg);

/*
 * Appends length bytes of file fd from offset (length -1: to the end of
 * the file).  The buffer owns fd from then on and closes it.  Reading the
 * bytes back in memory is only defined when the file could be mapped or
 * read, i.e. when the buffer does not have EVBUFFER_FLAG_DRAINS_TO_FD.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_add_file(struct evbuffer *outbuf, int fd, ev_off_t offset,
    ev_off_t length);

/*
 * A reference-counted range of a file that can be added to buffers, whole
 * or in part, any number of times.
 */
struct evbuffer_file_segment;

/* Close the file descriptor when the segment is released. */
#define EVBUF_FS_CLOSE_ON_FREE 0x01
/* Never map the file into memory. */
#define EVBUF_FS_DISABLE_MMAP 0x02
/* Never use sendfile() or other fd-to-fd copies. */
#define EVBUF_FS_DISABLE_SENDFILE 0x04
/* The segment gets no lock: use it from one thread only. */
#define EVBUF_FS_DISABLE_LOCKING 0x08

/* Called when a segment is released, with the flags it was made with. */
typedef void (
    *evbuffer_file_segment_cleanup_cb)(struct evbuffer_file_segment const *seg,
    int flags, void *arg);

/*
 * A segment for length bytes of fd from offset (length -1: to the end of
 * the file), with EVBUF_FS_* flags; NULL on failure.  fd must stay open
 * while the segment lives.
 */
EVENT2_EXPORT_SYMBOL
struct evbuffer_file_segment *evbuffer_file_segment_new(int fd, ev_off_t offset,
    ev_off_t length, unsigned flags);

/*
 * Drops the caller's reference; the segment goes away when no buffer uses
 * it any more.
 */
EVENT2_EXPORT_SYMBOL
void evbuffer_file_segment_free(struct evbuffer_file_segment *seg);

/* Sets the function called when the segment is finally released. */
EVENT2_EXPORT_SYMBOL
void evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
    evbuffer_file_segment_cleanup_cb cb, void *arg);

/*
 * Appends length bytes of seg starting offset bytes into the segment
 * (length -1: to the end of the segment).
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_add_file_segment(struct evbuffer *buf,
    struct evbuffer_file_segment *seg, ev_off_t offset, ev_off_t length);

/* Appends printf-formatted text; returns the number of bytes added. */
EVENT2_EXPORT_SYMBOL
int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

EVENT2_EXPORT_SYMBOL
int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 0)))
#endif
    ;

/* Discards len bytes (or all there are) from the front. */
EVENT2_EXPORT_SYMBOL
int evbuffer_drain(struct evbuffer *buf, size_t len);

/*
 * Writes from the front of the buffer to fd and drains what was written.
 * Returns the number of bytes written, or -1.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_write(struct evbuffer *buffer, evutil_socket_t fd);

/* Like evbuffer_write(), at most howmuch bytes (-1: no limit). */
EVENT2_EXPORT_SYMBOL
int evbuffer_write_atmost(struct evbuffer *buffer, evutil_socket_t fd,
    ev_ssize_t howmuch);

/*
 * Reads from fd to the end of the buffer, at most howmuch bytes (negative:
 * as much as one read allows).  Returns the number of bytes read, 0 at end
 * of file, or -1.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_read(struct evbuffer *buffer, evutil_socket_t fd, int howmuch);

/*
 * The first occurrence of the len bytes at what, at start or after it
 * (NULL: from the front); pos is -1 when there is none.
 */
EVENT2_EXPORT_SYMBOL
struct evbuffer_ptr evbuffer_search(struct evbuffer *buffer, const char *what,
    size_t len, const struct evbuffer_ptr *start);

/* Like evbuffer_search(), for a match that ends at end or before it. */
EVENT2_EXPORT_SYMBOL
struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buffer,
    const char *what, size_t len, const struct evbuffer_ptr *start,
    const struct evbuffer_ptr *end);

/* How evbuffer_ptr_set() moves a position. */
enum evbuffer_ptr_how {
	/* To an absolute offset; the pointer need not be initialized. */
	EVBUFFER_PTR_SET,
	/* Forward from where it is. */
	EVBUFFER_PTR_ADD
};

/*
 * Sets or advances ptr.  -1 (and ptr->pos -1) when the result would lie
 * past the end of the buffer.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_ptr_set(struct evbuffer *buffer, struct evbuffer_ptr *ptr,
    size_t position, enum evbuffer_ptr_how how);

/*
 * The first end of line at start or after it (NULL: from the front); its
 * length goes to *eol_len_out when that is not NULL.  pos is -1 when there
 * is none.
 */
EVENT2_EXPORT_SYMBOL
struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buffer,
    struct evbuffer_ptr *start, size_t *eol_len_out,
    enum evbuffer_eol_style eol_style);

/*
 * Points vec_out at the buffer's memory, one extent per chain, from
 * start_at (NULL: the front), until len bytes are covered (len < 0: as
 * many extents as fit in n_vec, or with n_vec 0 the whole buffer).
 * Returns the number of extents needed, which may exceed n_vec.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_peek(struct evbuffer *buffer, ev_ssize_t len,
    struct evbuffer_ptr *start_at, struct evbuffer_iovec *vec_out, int n_vec);

/* What changed since a buffer's callbacks last ran. */
struct evbuffer_cb_info {
	/* The length then. */
	size_t orig_size;
	/* Bytes added since. */
	size_t n_added;
	/* Bytes removed since. */
	size_t n_deleted;
};

/*
 * Called after the buffer's length changed.  It may add or remove data,
 * add callbacks or remove itself, but not remove another callback.
 */
typedef void (*evbuffer_cb_func)(struct evbuffer *buffer,
    const struct evbuffer_cb_info *info, void *arg);

/* A handle on one callback of a buffer. */
struct evbuffer_cb_entry;

/* Adds a callback (enabled); NULL on failure. */
EVENT2_EXPORT_SYMBOL
struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buffer,
    evbuffer_cb_func cb, void *cbarg);

/* Removes a callback by its handle, which becomes invalid. */
EVENT2_EXPORT_SYMBOL
int evbuffer_remove_cb_entry(struct evbuffer *buffer,
    struct evbuffer_cb_entry *ent);

/* Removes the first callback with this function and argument, or -1. */
EVENT2_EXPORT_SYMBOL
int evbuffer_remove_cb(struct evbuffer *buffer, evbuffer_cb_func cb,
    void *cbarg);

/* The callback runs (set by evbuffer_add_cb()). */
#define EVBUFFER_CB_ENABLED 1

/* Set or clear EVBUFFER_CB_* flags of a callback. */
EVENT2_EXPORT_SYMBOL
int evbuffer_cb_set_flags(struct evbuffer *buffer, struct evbuffer_cb_entry *cb,
    ev_uint32_t flags);
EVENT2_EXPORT_SYMBOL
int evbuffer_cb_clear_flags(struct evbuffer *buffer,
    struct evbuffer_cb_entry *cb, ev_uint32_t flags);

/*
 * Makes the first size bytes (-1: all) contiguous and returns them; NULL
 * when the buffer holds fewer bytes, or none.
 */
EVENT2_EXPORT_SYMBOL
unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size);

/* Inserts a copy of size bytes at the front. */
EVENT2_EXPORT_SYMBOL
int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size);

/* Moves all of src to the front of dst. */
EVENT2_EXPORT_SYMBOL
int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src);

/*
 * Makes every change at the front (at_front true: drain, remove, prepend)
 * or at the end (false: add, read, reserve) fail until unfrozen.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_freeze(struct evbuffer *buf, int at_front);
EVENT2_EXPORT_SYMBOL
int evbuffer_unfreeze(struct evbuffer *buf, int at_front);

struct event_base;

/* From now on callbacks run from base's loop rather than at once. */
EVENT2_EXPORT_SYMBOL
int evbuffer_defer_callbacks(struct evbuffer *buffer, struct event_base *base);

/* Appends the n_vec extents; returns the number of bytes added. */
EVENT2_EXPORT_SYMBOL
size_t evbuffer_add_iovec(struct evbuffer *buffer, struct evbuffer_iovec *vec,
    int n_vec);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_H_INCLUDED_ */
