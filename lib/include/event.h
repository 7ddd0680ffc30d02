/*
 * event.h: the libevent 1.x umbrella header.
 *
 * Old programs include only this file and expect the whole 1.x interface.
 * It pulls in the event2/ headers evkit ships; the bufferevent and tag
 * headers are added here when their modules land.  Only headers from this
 * tree are named, so the system's libevent is never reached.
 */
#ifndef EVENT1_EVENT_H_INCLUDED_
#define EVENT1_EVENT_H_INCLUDED_

#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>
#include <stdint.h>
#include <stdarg.h>

#include <evutil.h>

#include <event2/event_struct.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>

#endif /* EVENT1_EVENT_H_INCLUDED_ */
