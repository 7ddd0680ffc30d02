/*
 * event2/tag.h: tagged data in an evbuffer, the wire format of evrpc and
 * of the code evrpcgen writes.
 *
 * An item is a tag, a length and that many bytes of payload.  The tag is
 * a 32-bit number in 7-bit groups, lowest group first, each byte but the
 * last with its high bit set (at most 5 bytes).  Numbers (the length, and
 * the payload of an integer item) are written as nibbles: the high nibble
 * of the first byte holds the count of nibbles minus one, the nibbles of
 * the value follow, lowest first, from the first byte's low nibble on.
 * A 32-bit number takes 1 to 5 bytes, a 64-bit one 1 to 9.
 *
 * The functions that read return -1 on a malformed, truncated or
 * mismatching item and leave the buffer as it was; on success they
 * consume the whole item.
 */
#ifndef EVENT2_TAG_H_INCLUDED_
#define EVENT2_TAG_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>
#include <event2/util.h>
#include <event2/visibility.h>

struct evbuffer;

/* Does nothing; kept for programs written for older versions. */
EVENT2_EXPORT_SYMBOL
void evtag_init(void);

/* Reads an item's tag (into *ptag, may be NULL) and length, and consumes
 * both when the whole payload is in the buffer.  Returns the payload's
 * length, or -1. */
EVENT2_EXPORT_SYMBOL
int evtag_unmarshal_header(struct evbuffer *evbuf, ev_uint32_t *ptag);

/* Appends an item with len bytes of data as its payload. */
EVENT2_EXPORT_SYMBOL
void evtag_marshal(struct evbuffer *evbuf, ev_uint32_t tag, const void *data,
    ev_uint32_t len);

/* Appends an item whose payload is the content of data, which is moved
 * (data is left empty). */
EVENT2_EXPORT_SYMBOL
void evtag_marshal_buffer(struct evbuffer *evbuf, ev_uint32_t tag,
    struct evbuffer *data);

/* Appends a number in the nibble encoding, without tag or length. */
EVENT2_EXPORT_SYMBOL
void evtag_encode_int(struct evbuffer *evbuf, ev_uint32_t number);
EVENT2_EXPORT_SYMBOL
void evtag_encode_int64(struct evbuffer *evbuf, ev_uint64_t number);

/* Append an item whose payload is the number in the nibble encoding. */
EVENT2_EXPORT_SYMBOL
void evtag_marshal_int(struct evbuffer *evbuf, ev_uint32_t tag,
    ev_uint32_t integer);
EVENT2_EXPORT_SYMBOL
void evtag_marshal_int64(struct evbuffer *evbuf, ev_uint32_t tag,
    ev_uint64_t integer);

/* Appends an item whose payload is the string without its NUL. */
EVENT2_EXPORT_SYMBOL
void evtag_marshal_string(struct evbuffer *buf, ev_uint32_t tag,
    const char *string);

/* Appends an item whose payload is tv_sec then tv_usec, each as a 32-bit
 * number in the nibble encoding. */
EVENT2_EXPORT_SYMBOL
void evtag_marshal_timeval(struct evbuffer *evbuf, ev_uint32_t tag,
    struct timeval *tv);

/* Moves the next item's payload to the end of dst and its tag to *ptag.
 * Returns the payload's length, or -1. */
EVENT2_EXPORT_SYMBOL
int evtag_unmarshal(struct evbuffer *src, ev_uint32_t *ptag,
    struct evbuffer *dst);

/* Reads the next item's tag without consuming anything.  Returns the
 * number of bytes the tag takes, or -1. */
EVENT2_EXPORT_SYMBOL
int evtag_peek(struct evbuffer *evbuf, ev_uint32_t *ptag);

/* Stores the size of the whole next item (tag, length and payload) in
 * *plength, consuming nothing; the payload need not be there yet.  0 or
 * -1. */
EVENT2_EXPORT_SYMBOL
int evtag_peek_length(struct evbuffer *evbuf, ev_uint32_t *plength);

/* Stores the length of the next item's payload in *plength, consuming
 * nothing.  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evtag_payload_length(struct evbuffer *evbuf, ev_uint32_t *plength);

/* Drops the next item, which must be complete.  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evtag_consume(struct evbuffer *evbuf);

/* Read an item with tag need_tag whose payload is a number; trailing
 * bytes in the payload are skipped.  Return the size of the number's
 * encoding, or -1 (also for a number too large for the type). */
EVENT2_EXPORT_SYMBOL
int evtag_unmarshal_int(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint32_t *pinteger);
EVENT2_EXPORT_SYMBOL
int evtag_unmarshal_int64(struct evbuffer *evbuf, ev_uint32_t need_tag,
    ev_uint64_t *pinteger);

/* Reads an item with tag need_tag and a payload of exactly len bytes into
 * data.  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evtag_unmarshal_fixed(struct evbuffer *src, ev_uint32_t need_tag,
    void *data, size_t len);

/* Reads an item with tag need_tag into a new NUL-terminated string, freed
 * by the caller with free().  0 or -1. */
EVENT2_EXPORT_SYMBOL
int evtag_unmarshal_string(struct evbuffer *evbuf, ev_uint32_t need_tag,
    char **pstring);

/* Reads an item with tag need_tag written by evtag_marshal_timeval.  0 or
 * -1. */
EVENT2_EXPORT_SYMBOL
int evtag_unmarshal_timeval(struct evbuffer *evbuf, ev_uint32_t need_tag,
    struct timeval *ptv);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_TAG_H_INCLUDED_ */
