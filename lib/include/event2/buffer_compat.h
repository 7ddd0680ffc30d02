/*
 * event2/buffer_compat.h: the evbuffer interface of libevent 1.x, kept
 * for old programs.  New code uses event2/buffer.h.
 */
#ifndef EVENT2_BUFFER_COMPAT_H_INCLUDED_
#define EVENT2_BUFFER_COMPAT_H_INCLUDED_

#include <event2/visibility.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;

/* evbuffer_readln(buffer, NULL, EVBUFFER_EOL_ANY). */
EVENT2_EXPORT_SYMBOL
char *evbuffer_readline(struct evbuffer *buffer);

/* The 1.x callback: the length before and after a change. */
typedef void (*evbuffer_cb)(struct evbuffer *buffer, size_t old_len,
    size_t new_len, void *arg);

/*
 * Replaces every callback of the buffer with cb (NULL: removes them all).
 * Always 0.
 */
EVENT2_EXPORT_SYMBOL
int evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg);

/*
 * The first occurrence of the len bytes at what, made contiguous in the
 * buffer's memory; NULL when there is none.
 */
EVENT2_EXPORT_SYMBOL
unsigned char *evbuffer_find(struct evbuffer *buffer, const unsigned char *what,
    size_t len);

#define EVBUFFER_LENGTH(x) evbuffer_get_length(x)
#define EVBUFFER_DATA(x) evbuffer_pullup((x), -1)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_COMPAT_H_INCLUDED_ */
