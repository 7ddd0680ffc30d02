/*
 * evmap-internal.h: what the kernel is asked to watch, per fd and signal.
 *
 * The map keeps, for every fd, the events added on it, the interest they
 * want together and the interest the backend has now.  Raising interest
 * goes to the backend at once, so that event_add can report the kernel's
 * refusal.  Lowering it in the loop's thread is only noted: the fd is
 * queued and the backend hears of it just before the next wait, so that an fd
 * deleted for good costs nothing until then and several changes to one fd in an
 * iteration cost one call.  Interest lowered and raised again within one
 * iteration (a bufferevent's disable/enable, a non-persistent event re-added in
 * its callback) is told to the backend once, when it is raised: the fd may name
 * another file by then (see io_add_needs_backend in evmap.c).
 */
#ifndef EVMAP_INTERNAL_H_INCLUDED_
#define EVMAP_INTERNAL_H_INCLUDED_

#include <event2/util.h>

struct event;
struct event_base;

/* The interest bits a backend sees. */
#define EVMAP_IO_BITS (EV_READ | EV_WRITE | EV_CLOSED | EV_ET)

/*
 * Set in change()'s `old` beside the kernel's interest when interest that
 * was lowered this iteration (and not yet passed on) comes back: between
 * the delete and this add the program may have closed the fd and opened
 * another file under its number, so the backend must not trust that its
 * registration is on the file the fd names now.  Without it, every bit of
 * `old` is still wanted by an added event, so the fd cannot have been
 * closed legitimately and a registration may be updated in place.
 */
#define EVMAP_MAYBE_NEW_FILE 0x100

struct evmap_io {
	struct event *events; /* linked through ev_.ev_io.ev_io_next */
	ev_uint16_t nread;
	ev_uint16_t nwrite;
	ev_uint16_t nclose;
	ev_uint8_t wanted; /* union of the added events' interest */
	ev_uint8_t kernel; /* what the backend was last told */
	ev_uint8_t queued; /* 1 while on the change queue */
	ev_uint8_t force;  /* queued: tell the backend even if unchanged;
	                      2: and set EVMAP_MAYBE_NEW_FILE */
	int backend;       /* one int of backend state per fd (poll's slot) */
};

struct event_io_map {
	struct evmap_io *entries;
	int nentries;
	int *changes; /* fds whose interest was lowered */
	int nchanges;
	int changes_cap;
};

struct evmap_signal {
	struct event *events; /* linked through ev_.ev_signal.ev_signal_next */
};

struct event_signal_map {
	struct evmap_signal *entries;
	int nentries;
};

void evmap_io_initmap_(struct event_io_map *map);
void evmap_io_clear_(struct event_io_map *map);
void evmap_signal_initmap_(struct event_signal_map *map);
void evmap_signal_clear_(struct event_signal_map *map);

/* 1 when the backend was told something, 0 when not, -1 on error. */
int evmap_io_add_(struct event_base *base, evutil_socket_t fd,
    struct event *ev);
int evmap_io_del_(struct event_base *base, evutil_socket_t fd,
    struct event *ev);
void evmap_io_active_(struct event_base *base, evutil_socket_t fd,
    short events);
int *evmap_io_backend_slot_(struct event_base *base, evutil_socket_t fd);

int evmap_signal_add_(struct event_base *base, int sig, struct event *ev);
int evmap_signal_del_(struct event_base *base, int sig, struct event *ev);
void evmap_signal_active_(struct event_base *base, int sig, int ncalls);

/* Tells the backend about lowered interest; called before each wait. */
void evmap_flush_changes_(struct event_base *base);
static inline int
evmap_has_changes_(const struct event_io_map *map)
{
	return map->nchanges != 0;
}

/* Registers everything again with a fresh backend (event_reinit). */
int evmap_reinit_(struct event_base *base);
/* Deletes every event that is not internal (event_base_free). */
void evmap_delete_all_(struct event_base *base);
/* Calls fn on every added fd and signal event until it returns non-zero. */
int evmap_foreach_event_(struct event_base *base,
    int (*fn)(const struct event_base *, const struct event *, void *),
    void *arg);

#endif /* EVMAP_INTERNAL_H_INCLUDED_ */
