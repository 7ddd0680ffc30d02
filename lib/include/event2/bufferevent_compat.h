/*
 * event2/bufferevent_compat.h: the libevent 1.4 names for bufferevents.
 *
 * Kept for old programs; new ones use bufferevent_socket_new(),
 * bufferevent_setcb() and bufferevent_set_timeouts().
 */
#ifndef EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <event2/bufferevent.h>

#define evbuffercb bufferevent_data_cb
#define everrorcb bufferevent_event_cb

/*
 * A socket bufferevent on the current base (event_init()) with its
 * callbacks set; call bufferevent_base_set() to use another base.  NULL
 * on failure.
 */
EVENT2_EXPORT_SYMBOL struct bufferevent *bufferevent_new(evutil_socket_t fd,
    evbuffercb readcb, evbuffercb writecb, everrorcb errorcb, void *cbarg);

/* Read and write timeouts in whole seconds; 0 means none. */
EVENT2_EXPORT_SYMBOL void bufferevent_settimeout(struct bufferevent *bufev,
    int timeout_read, int timeout_write);

#define EVBUFFER_READ BEV_EVENT_READING
#define EVBUFFER_WRITE BEV_EVENT_WRITING
#define EVBUFFER_EOF BEV_EVENT_EOF
#define EVBUFFER_ERROR BEV_EVENT_ERROR
#define EVBUFFER_TIMEOUT BEV_EVENT_TIMEOUT

#define EVBUFFER_INPUT(x) bufferevent_get_input(x)
#define EVBUFFER_OUTPUT(x) bufferevent_get_output(x)

#endif /* EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_ */
