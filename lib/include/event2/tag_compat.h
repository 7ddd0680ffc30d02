/*
 * event2/tag_compat.h: the names libevent 1.4 gave the number encoders.
 * New code calls evtag_encode_int and evtag_encode_int64.
 */
#ifndef EVENT2_TAG_COMPAT_H_INCLUDED_
#define EVENT2_TAG_COMPAT_H_INCLUDED_

#include <event2/tag.h>

#define encode_int(evbuf, number) evtag_encode_int((evbuf), (number))
#define encode_int64(evbuf, number) evtag_encode_int64((evbuf), (number))

#endif /* EVENT2_TAG_COMPAT_H_INCLUDED_ */
