/*
 * evsignal-internal.h: signal events.
 *
 * A signal handler may only do async-signal-safe work, so it writes the
 * signal number into a socketpair; the base reads the pair with an internal
 * event and activates the signal's events from the loop.  One process-wide
 * handler serves every base: the last base to add a signal receives it.
 */
#ifndef EVSIGNAL_INTERNAL_H_INCLUDED_
#define EVSIGNAL_INTERNAL_H_INCLUDED_

#include <signal.h>

#include <event2/event_struct.h>

struct event_base;

struct evsig_info {
	struct event ev_signal; /* reads ev_signal_pair[0] */
	evutil_socket_t ev_signal_pair[2];
	int ev_signal_added; /* ev_signal is added to the base */
	int ev_n_signals_added;
	/* The handlers we replaced, restored when we let go of a signal. */
	struct sigaction **sh_old;
	int sh_old_max;
};

int evsig_init_(struct event_base *base);
void evsig_dealloc_(struct event_base *base);
/* Installs or removes our handler for sig on behalf of base. */
int evsig_add_(struct event_base *base, int sig);
int evsig_del_(struct event_base *base, int sig);
/* Makes base the one that receives signals (it runs its loop). */
void evsig_set_base_(struct event_base *base);

#endif /* EVSIGNAL_INTERNAL_H_INCLUDED_ */
