/*
 * signal.c: signal events (see evsignal-internal.h for the design).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "event-internal.h"
#include "evmap-internal.h"
#include "evthread-internal.h"
#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/*
 * The process-wide receiver.  The handler reads only evsig_base_fd, a
 * single int read and written atomically, so it needs no lock.
 */
static struct event_base *evsig_base;
static int evsig_base_n_signals_added;
static volatile sig_atomic_t evsig_base_fd = -1;

static void
set_base_fd(int fd)
{
	__atomic_store_n(&evsig_base_fd, fd, __ATOMIC_RELAXED);
}

static void
evsig_handler(int sig)
{
	int saved_errno = errno;
	unsigned char msg = (unsigned char)sig;
	/* Atomic: the loop thread may be setting it while another thread
	 * takes the signal. */
	int fd = __atomic_load_n(&evsig_base_fd, __ATOMIC_RELAXED);

	if (fd >= 0) {
		/* A full pipe drops the byte: the signal is still pending
		 * delivery for the events already queued. */
		ssize_t r = write(fd, &msg, 1);
		(void)r;
	}
	errno = saved_errno;
}

/* Reads what the handler wrote and activates each signal's events. */
static void
evsig_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	int ncaught[NSIG];
	unsigned char buf[1024];
	ssize_t n;
	int i;

	memset(ncaught, 0, sizeof(ncaught));
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				event_sock_warn(fd, "%s: read", __func__);
			break;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (buf[i] < NSIG)
				ncaught[buf[i]]++;
		}
	}

	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	for (i = 0; i < NSIG; i++) {
		if (ncaught[i])
			evmap_signal_active_(base, i, ncaught[i]);
	}
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

int
evsig_init_(struct event_base *base)
{
	if (evutil_make_internal_pipe_(base->sig.ev_signal_pair) == -1) {
		event_sock_warn(-1, "%s: could not make the signal pipe",
		    __func__);
		base->sig.ev_signal_pair[0] = -1;
		base->sig.ev_signal_pair[1] = -1;
		return -1;
	}
	base->sig.sh_old = NULL;
	base->sig.sh_old_max = 0;
	base->sig.ev_signal_added = 0;
	base->sig.ev_n_signals_added = 0;
	event_assign(&base->sig.ev_signal, base, base->sig.ev_signal_pair[0],
	    EV_READ | EV_PERSIST, evsig_cb, base);
	base->sig.ev_signal.ev_flags |= EVLIST_INTERNAL;
	event_priority_set(&base->sig.ev_signal, 0);
	return 0;
}

void
evsig_set_base_(struct event_base *base)
{
	evsig_base = base;
	evsig_base_n_signals_added = base->sig.ev_n_signals_added;
	set_base_fd(base->sig.ev_signal_pair[1]);
}

/* Saves the handler we replace, so that it can be put back. */
static int
save_and_install_handler(struct evsig_info *sig, int evsignal)
{
	struct sigaction sa;

	if (evsignal >= sig->sh_old_max) {
		int new_max = evsignal + 1;
		struct sigaction **p = mm_realloc(sig->sh_old,
		    (size_t)new_max * sizeof(*sig->sh_old));
		if (p == NULL) {
			event_warn("realloc");
			return -1;
		}
		memset(p + sig->sh_old_max, 0,
		    (size_t)(new_max - sig->sh_old_max) * sizeof(*p));
		sig->sh_old_max = new_max;
		sig->sh_old = p;
	}
	if (sig->sh_old[evsignal] == NULL) {
		sig->sh_old[evsignal] = mm_malloc(sizeof(struct sigaction));
		if (sig->sh_old[evsignal] == NULL) {
			event_warn("malloc");
			return -1;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = evsig_handler;
	sa.sa_flags |= SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(evsignal, &sa, sig->sh_old[evsignal]) == -1) {
		event_warn("sigaction");
		mm_free(sig->sh_old[evsignal]);
		sig->sh_old[evsignal] = NULL;
		return -1;
	}
	return 0;
}

static int
restore_handler(struct event_base *base, int evsignal)
{
	struct evsig_info *sig = &base->sig;
	struct sigaction *old;
	int ret = 0;

	if (evsignal >= sig->sh_old_max || sig->sh_old[evsignal] == NULL)
		return 0;
	old = sig->sh_old[evsignal];
	sig->sh_old[evsignal] = NULL;
	if (sigaction(evsignal, old, NULL) == -1) {
		event_warn("sigaction");
		ret = -1;
	}
	mm_free(old);
	return ret;
}

int
evsig_add_(struct event_base *base, int evsignal)
{
	struct evsig_info *sig = &base->sig;

	if (evsignal < 0 || evsignal >= NSIG)
		return -1;
	if (sig->ev_signal_pair[0] < 0) {
		event_warnx("%s: this base has no signal pipe", __func__);
		return -1;
	}
	if (evsig_base != base && evsig_base_n_signals_added) {
		event_warnx("Added a signal to event base %p while base %p "
		            "has signals too: only one base receives signals "
		            "at a time, the one that added a signal or ran "
		            "its loop last.",
		    (void *)base, (void *)evsig_base);
	}
	evsig_base = base;
	evsig_base_n_signals_added = ++sig->ev_n_signals_added;
	set_base_fd(sig->ev_signal_pair[1]);

	if (save_and_install_handler(sig, evsignal) == -1)
		goto err;
	if (!sig->ev_signal_added) {
		if (event_add_nolock_(&sig->ev_signal, NULL, 0) == -1)
			goto err;
		sig->ev_signal_added = 1;
	}
	return 0;
err:
	--evsig_base_n_signals_added;
	--sig->ev_n_signals_added;
	return -1;
}

int
evsig_del_(struct event_base *base, int evsignal)
{
	if (evsignal < 0 || evsignal >= NSIG)
		return -1;
	if (base == evsig_base)
		--evsig_base_n_signals_added;
	--base->sig.ev_n_signals_added;
	return restore_handler(base, evsignal);
}

void
evsig_dealloc_(struct event_base *base)
{
	struct evsig_info *sig = &base->sig;
	int i;

	if (sig->ev_signal_added) {
		event_del_nolock_(&sig->ev_signal,
		    EVENT_DEL_EVEN_IF_FINALIZING);
		sig->ev_signal_added = 0;
	}
	/* The signal pipe's event stays set up, as after evsig_init_. */
	for (i = 0; i < sig->sh_old_max; ++i)
		restore_handler(base, i);
	mm_free(sig->sh_old);
	sig->sh_old = NULL;
	sig->sh_old_max = 0;

	if (base == evsig_base) {
		evsig_base = NULL;
		evsig_base_n_signals_added = 0;
		set_base_fd(-1);
	}
	if (sig->ev_signal_pair[0] != -1) {
		evutil_closesocket(sig->ev_signal_pair[0]);
		sig->ev_signal_pair[0] = -1;
	}
	if (sig->ev_signal_pair[1] != -1) {
		evutil_closesocket(sig->ev_signal_pair[1]);
		sig->ev_signal_pair[1] = -1;
	}
}

void
evsig_free_globals_(void)
{
	evsig_base = NULL;
	evsig_base_n_signals_added = 0;
	set_base_fd(-1);
}
