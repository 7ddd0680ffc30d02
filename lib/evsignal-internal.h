/*
 * evsignal-internal.h: signal events.
 *
 * Two ways in, chosen per base when it is made:
 *
 * The self-pipe (the default, libevent 2.1's way).  A signal handler may
 * only do async-signal-safe work, so it writes the signal number into a
 * socketpair; the base reads the pair with an internal event and activates
 * the signal's events from the loop.  One process-wide handler serves
 * every base: the last base to add a signal, or to enter its loop with
 * signals added, receives them all.
 *
 * signalfd(2) (EVENT_BASE_FLAG_USE_SIGNALFD or EVENT_USE_SIGNALFD, as in
 * libevent 2.2).  A signal added to the base is blocked with
 * pthread_sigmask in the thread that adds it and read from one signalfd
 * per base, an internal read event polled by the backend like the pipe.
 * The program's handler is left in place, except that SIG_IGN is
 * replaced by an empty handler while the signal is held (the kernel
 * sends no SIGCHLD at all under SIG_IGN, and discards an ignored signal
 * that a thread does not block).  Blocking is per thread: a thread that
 * does not block the signal receives it by its disposition, and the
 * signalfd only sees signals sent to the process or to the thread that
 * reads it.  Every base in this mode that holds a signal has it in its
 * signalfd; whichever reads first gets each delivery.  The mask and the
 * SIG_IGN are put back when the last such base lets go of the signal
 * (last event_del or event_base_free); deliveries still pending then are
 * dropped, as the self-pipe's handler would have taken them.  Where
 * signalfd cannot be made the base uses the self-pipe.
 */
#ifndef EVSIGNAL_INTERNAL_H_INCLUDED_
#define EVSIGNAL_INTERNAL_H_INCLUDED_

#include <signal.h>

#include <event2/event_struct.h>

struct event_base;

struct evsig_info {
	struct event ev_signal; /* reads ev_signal_pair[0] or sfd */
	evutil_socket_t ev_signal_pair[2];
	int ev_signal_added; /* ev_signal is added to the base */
	int ev_n_signals_added;
	/* The handlers we replaced, restored when we let go of a signal. */
	struct sigaction **sh_old;
	int sh_old_max;
	/* signalfd mode: the fd (-1 otherwise) and the signals it reads. */
	int use_signalfd;
	int sfd;
	sigset_t sfd_mask;
};

/* Sets up the pipe or the signalfd; clears EVENT_BASE_FLAG_USE_SIGNALFD
 * from base->flags when the signalfd could not be made. */
int evsig_init_(struct event_base *base);
void evsig_dealloc_(struct event_base *base);
/* Installs or removes our handler for sig on behalf of base. */
int evsig_add_(struct event_base *base, int sig);
int evsig_del_(struct event_base *base, int sig);
/* Makes base the one that receives signals (it runs its loop). */
void evsig_set_base_(struct event_base *base);
/*
 * event_reinit in a child: evsig_fork_close_ deletes ev_signal and closes
 * the fds shared with the parent (returns whether ev_signal was added);
 * evsig_fork_open_ makes new ones in the same mode, watching the same
 * signals, with ev_signal assigned but not added.
 */
int evsig_fork_close_(struct event_base *base);
int evsig_fork_open_(struct event_base *base);

#endif /* EVSIGNAL_INTERNAL_H_INCLUDED_ */
