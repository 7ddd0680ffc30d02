/*
 * event2/event_struct.h: the layout of struct event.
 *
 * Exposed only so that programs can embed a struct event in their own
 * structures (event_assign).  Programs should use the accessors in
 * event2/event.h instead of these fields; the field names match libevent
 * 2.1 because some programs read them anyway.
 */
#ifndef EVENT2_EVENT_STRUCT_H_INCLUDED_
#define EVENT2_EVENT_STRUCT_H_INCLUDED_

#include <event2/event-config.h>
#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>
#include <event2/keyvalq_struct.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where an event currently is: the bits of ev_evcallback.evcb_flags. */
#define EVLIST_TIMEOUT 0x01
#define EVLIST_INSERTED 0x02
#define EVLIST_SIGNAL 0x04
#define EVLIST_ACTIVE 0x08
#define EVLIST_INTERNAL 0x10
#define EVLIST_ACTIVE_LATER 0x20
#define EVLIST_FINALIZING 0x40
#define EVLIST_INIT 0x80

#define EVLIST_ALL 0xff

struct event;
struct event_base;

/*
 * What the loop runs: a struct event starts with one, and deferred
 * callbacks (bufferevents, evbuffers) are bare ones.
 */
struct event_callback {
	struct {
		struct event_callback *tqe_next;
		struct event_callback **tqe_prev;
	} evcb_active_next;
	short evcb_flags;
	ev_uint8_t evcb_pri; /* lower runs first */
	ev_uint8_t evcb_closure;
	union {
		void (*evcb_callback)(evutil_socket_t, short, void *);
		void (*evcb_selfcb)(struct event_callback *, void *);
		void (*evcb_evfinalize)(struct event *, void *);
		void (*evcb_cbfinalize)(struct event_callback *, void *);
	} evcb_cb_union;
	void *evcb_arg;
};

struct event {
	struct event_callback ev_evcallback;

	/* A timer sits either in the heap or in a common-timeout queue. */
	union {
		struct {
			struct event *tqe_next;
			struct event **tqe_prev;
		} ev_next_with_common_timeout;
		int min_heap_idx;
	} ev_timeout_pos;
	evutil_socket_t ev_fd;

	struct event_base *ev_base;

	union {
		struct {
			struct {
				struct event *le_next;
				struct event **le_prev;
			} ev_io_next;
			/* The interval a persistent timeout re-arms with. */
			struct timeval ev_timeout;
		} ev_io;

		struct {
			struct {
				struct event *le_next;
				struct event **le_prev;
			} ev_signal_next;
			short ev_ncalls;
			/* Lets a callback stop the remaining calls. */
			short *ev_pncalls;
		} ev_signal;
	} ev_;

	short ev_events;
	short ev_res; /* what the callback is told happened */
	struct timeval ev_timeout;
};

/* List heads some programs name; the element links above match them. */
struct event_list {
	struct event *tqh_first;
	struct event **tqh_last;
};

struct event_dlist {
	struct event *lh_first;
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_STRUCT_H_INCLUDED_ */
