/*
 * event2/bufferevent_struct.h: the layout of struct bufferevent.
 *
 * Exposed only for programs written before libevent 2.0 that read these
 * fields directly; new programs use the functions of event2/bufferevent.h.
 * The fields and their order are those of libevent 2.1.
 */
#ifndef EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>
#include <event2/event_struct.h>
#include <event2/bufferevent.h>

/* Low and high watermarks of one direction, in bytes. */
struct event_watermark {
	size_t low;
	size_t high;
};

struct bufferevent_ops;

struct bufferevent {
	struct event_base *ev_base;           /* the base it was made for */
	const struct bufferevent_ops *be_ops; /* its kind */

	/* Socket bufferevents read and write with these; the other kinds
	 * use them as timeout timers. */
	struct event ev_read;
	struct event ev_write;

	struct evbuffer *input;  /* filled by the bufferevent */
	struct evbuffer *output; /* drained by the bufferevent */

	struct event_watermark wm_read;
	struct event_watermark wm_write;

	bufferevent_data_cb readcb;
	bufferevent_data_cb writecb;
	bufferevent_event_cb errorcb; /* the event callback, by its old name */
	void *cbarg;

	struct timeval timeout_read;
	struct timeval timeout_write;

	short enabled; /* EV_READ and/or EV_WRITE */
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_ */
