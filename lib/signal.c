/*
 * signal.c: signal events (see evsignal-internal.h for the design).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__) && defined(__has_include)
#if __has_include(<sys/signalfd.h>)
#include <sys/signalfd.h>
#define EVSIG_HAVE_SIGNALFD 1
#endif
#endif

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

/*
 * Reads the pipe (a byte per handler call) or the signalfd (a record per
 * pending signal) until it is empty and activates each signal's events
 * with the count.  The kernel keeps one pending instance of a standard
 * signal, so in signalfd mode the deliveries made between two reads come
 * as one record (libevent 2.2 reports them once too); real-time signals
 * are queued and each one counts.
 */
static void
evsig_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	union {
		unsigned char bytes[2048];
#ifdef EVSIG_HAVE_SIGNALFD
		struct signalfd_siginfo
		    si[2048 / sizeof(struct signalfd_siginfo)];
#endif
	} buf;
	size_t i, rec = 1;
	int ncaught[NSIG];
	ssize_t n;

#ifdef EVSIG_HAVE_SIGNALFD
	if (base->sig.use_signalfd)
		rec = sizeof(buf.si[0]);
#endif
	memset(ncaught, 0, sizeof(ncaught));
	for (;;) {
		n = read(fd, &buf, sizeof(buf));
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				event_sock_warn(fd, "%s: read", __func__);
			break;
		}
		for (i = 0; i < (size_t)n / rec; i++) {
			unsigned signo = buf.bytes[i];
#ifdef EVSIG_HAVE_SIGNALFD
			if (rec != 1)
				signo = buf.si[i].ssi_signo;
#endif
			if (signo < NSIG)
				ncaught[signo]++;
		}
		if ((size_t)n < sizeof(buf))
			break;
	}
	EVBASE_ACQUIRE_LOCK(base, th_base_lock);
	for (i = 0; i < NSIG; i++) {
		if (ncaught[i])
			evmap_signal_active_(base, (int)i, ncaught[i]);
	}
	EVBASE_RELEASE_LOCK(base, th_base_lock);
}

#ifdef EVSIG_HAVE_SIGNALFD
/*
 * What signalfd mode changed for a signal, shared by the bases in that
 * mode (the disposition is the process's; the mask is the thread's, and
 * this table assumes the bases that hold a signal share a thread).
 */
struct sfd_hold {
	int users;              /* bases whose signalfd reads the signal */
	unsigned char unblock;  /* we blocked it: unblock after the last */
	unsigned char replaced; /* we replaced SIG_IGN by sfd_ign_handler */
	struct sigaction old;   /* that SIG_IGN, flags and all */
};
static struct sfd_hold sfd_holds[NSIG];
static pthread_mutex_t sfd_lock = PTHREAD_MUTEX_INITIALIZER;

/* Takes the place of SIG_IGN while a signalfd reads the signal. */
static void
sfd_ign_handler(int sig)
{
	(void)sig;
}

/* Blocks sig in this thread; the first holder replaces SIG_IGN. */
static int
sfd_hold(int sig)
{
	struct sfd_hold *h = &sfd_holds[sig];
	struct sigaction sa;
	sigset_t one, prev;
	int err = 0;

	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_mutex_lock(&sfd_lock);
	/* sa_handler shares its storage with sa_sigaction. */
	if (h->users == 0 && sigaction(sig, NULL, &h->old) == 0 &&
	    h->old.sa_handler == SIG_IGN) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = sfd_ign_handler;
		sa.sa_flags = SA_RESTART;
		sigfillset(&sa.sa_mask);
		if (sigaction(sig, &sa, NULL) == -1)
			err = errno;
		else
			h->replaced = 1;
	}
	if (!err)
		err = pthread_sigmask(SIG_BLOCK, &one, &prev);
	if (!err) {
		if (!sigismember(&prev, sig))
			h->unblock = 1;
		h->users++;
	} else if (h->users == 0 && h->replaced) {
		sigaction(sig, &h->old, NULL);
		h->replaced = 0;
	}
	pthread_mutex_unlock(&sfd_lock);
	if (err) {
		errno = err;
		event_warn("%s: signal %d", __func__, sig);
		return -1;
	}
	return 0;
}

/*
 * The last holder puts SIG_IGN back (unless the program installed
 * something else since) and unblocks the signal if we blocked it, after
 * dropping the deliveries still pending: its events are gone, and the
 * self-pipe's handler would have swallowed them too.
 */
static void
sfd_release(int sig)
{
	struct sfd_hold *h = &sfd_holds[sig];
	struct timespec zero = { 0, 0 };
	struct sigaction cur;
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_mutex_lock(&sfd_lock);
	if (h->users > 0 && --h->users == 0) {
		if (h->replaced && sigaction(sig, NULL, &cur) == 0 &&
		    cur.sa_handler == sfd_ign_handler)
			sigaction(sig, &h->old, NULL);
		if (h->unblock) {
			while (sigtimedwait(&one, NULL, &zero) == sig ||
			    (errno == EINTR))
				;
			pthread_sigmask(SIG_UNBLOCK, &one, NULL);
		}
		h->replaced = h->unblock = 0;
	}
	pthread_mutex_unlock(&sfd_lock);
}

/* The base's signalfd reads sig too. */
static int
sfd_add(struct event_base *base, int sig)
{
	struct evsig_info *info = &base->sig;
	sigset_t mask = info->sfd_mask;

	if (info->sfd < 0) {
		event_warnx("%s: this base has no signalfd", __func__);
		return -1;
	}
	if (sig == SIGKILL || sig == SIGSTOP || sigaddset(&mask, sig) == -1) {
		errno = EINVAL;
		event_warn("%s: signal %d", __func__, sig);
		return -1;
	}
	if (sfd_hold(sig) == -1)
		return -1;
	if (signalfd(info->sfd, &mask, 0) == -1) {
		event_warn("%s: signalfd", __func__);
		sfd_release(sig);
		return -1;
	}
	info->sfd_mask = mask;
	return 0;
}

static void
sfd_del(struct event_base *base, int sig)
{
	struct evsig_info *info = &base->sig;

	sigdelset(&info->sfd_mask, sig);
	if (signalfd(info->sfd, &info->sfd_mask, 0) == -1)
		event_warn("%s: signalfd", __func__);
	sfd_release(sig);
}

/* A signalfd for the base's mask (empty at first); -1 on failure. */
static int
sfd_open(struct event_base *base)
{
	struct evsig_info *info = &base->sig;

	info->sfd = signalfd(-1, &info->sfd_mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (info->sfd == -1)
		return -1;
	event_assign(&info->ev_signal, base, info->sfd, EV_READ | EV_PERSIST,
	    evsig_cb, base);
	return 0;
}
#else
static int
sfd_open(struct event_base *base)
{
	errno = ENOSYS;
	return -1;
}

static int
sfd_add(struct event_base *base, int sig)
{
	errno = ENOSYS;
	return -1;
}

static void
sfd_del(struct event_base *base, int sig)
{
}

static void
sfd_release(int sig)
{
}
#endif

/* The signal pipe and its event; -1 on failure. */
static int
pipe_open(struct event_base *base)
{
	struct evsig_info *info = &base->sig;

	if (evutil_make_internal_pipe_(info->ev_signal_pair) == -1) {
		event_sock_warn(-1, "%s: could not make the signal pipe",
		    __func__);
		info->ev_signal_pair[0] = -1;
		info->ev_signal_pair[1] = -1;
		return -1;
	}
	event_assign(&info->ev_signal, base, info->ev_signal_pair[0],
	    EV_READ | EV_PERSIST, evsig_cb, base);
	return 0;
}

/* Opens the mode's fd; ev_signal is set up but not added. */
static int
evsig_open(struct event_base *base)
{
	struct evsig_info *info = &base->sig;

	if (info->use_signalfd ? sfd_open(base) : pipe_open(base))
		return -1;
	info->ev_signal.ev_flags |= EVLIST_INTERNAL;
	event_priority_set(&info->ev_signal, 0);
	return 0;
}

int
evsig_init_(struct event_base *base)
{
	struct evsig_info *info = &base->sig;

	info->sh_old = NULL;
	info->sh_old_max = 0;
	info->ev_signal_added = 0;
	info->ev_n_signals_added = 0;
	info->ev_signal_pair[0] = info->ev_signal_pair[1] = -1;
	info->sfd = -1;
	sigemptyset(&info->sfd_mask);
	info->use_signalfd = 0;
	if (base->flags & EVENT_BASE_FLAG_USE_SIGNALFD) {
		info->use_signalfd = 1;
		if (evsig_open(base) == 0)
			return 0;
		event_debug(("%s: no signalfd (%s): signals go through a pipe",
		    __func__, strerror(errno)));
		info->use_signalfd = 0;
		base->flags &= ~EVENT_BASE_FLAG_USE_SIGNALFD;
	}
	return evsig_open(base);
}

void
evsig_set_base_(struct event_base *base)
{
	if (base->sig.use_signalfd)
		return; /* its signalfd needs no handler */
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

/* The pipe mode's share of evsig_add_: the handler, the receiving base. */
static int
pipe_add(struct event_base *base, int evsignal)
{
	struct evsig_info *sig = &base->sig;

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
	if (save_and_install_handler(sig, evsignal) == -1)
		return -1;
	evsig_base = base;
	evsig_base_n_signals_added = sig->ev_n_signals_added + 1;
	set_base_fd(sig->ev_signal_pair[1]);
	return 0;
}

/* Undoes what evsig_add_ did for evsignal before the count. */
static int
let_go(struct event_base *base, int evsignal)
{
	if (base->sig.use_signalfd) {
		sfd_del(base, evsignal);
		return 0;
	}
	return restore_handler(base, evsignal);
}

int
evsig_add_(struct event_base *base, int evsignal)
{
	struct evsig_info *sig = &base->sig;

	if (evsignal < 0 || evsignal >= NSIG)
		return -1;
	if ((sig->use_signalfd ? sfd_add : pipe_add)(base, evsignal) == -1)
		return -1;
	if (!sig->ev_signal_added) {
		if (event_add_nolock_(&sig->ev_signal, NULL, 0) == -1) {
			if (base == evsig_base)
				evsig_base_n_signals_added =
				    sig->ev_n_signals_added;
			let_go(base, evsignal);
			return -1;
		}
		sig->ev_signal_added = 1;
	}
	++sig->ev_n_signals_added;
	return 0;
}

int
evsig_del_(struct event_base *base, int evsignal)
{
	if (evsignal < 0 || evsignal >= NSIG)
		return -1;
	if (base == evsig_base)
		--evsig_base_n_signals_added;
	--base->sig.ev_n_signals_added;
	return let_go(base, evsignal);
}

/* Closes the pipe or the signalfd. */
static void
close_fds(struct evsig_info *sig)
{
	if (sig->ev_signal_pair[0] != -1)
		close(sig->ev_signal_pair[0]);
	if (sig->ev_signal_pair[1] != -1)
		close(sig->ev_signal_pair[1]);
	if (sig->sfd != -1)
		close(sig->sfd);
	sig->ev_signal_pair[0] = sig->ev_signal_pair[1] = sig->sfd = -1;
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
	if (sig->use_signalfd) {
		for (i = 1; i < NSIG; i++) {
			if (sigismember(&sig->sfd_mask, i) == 1)
				sfd_release(i);
		}
		sigemptyset(&sig->sfd_mask);
	}

	if (base == evsig_base) {
		evsig_base = NULL;
		evsig_base_n_signals_added = 0;
		set_base_fd(-1);
	}
	close_fds(sig);
}

int
evsig_fork_close_(struct event_base *base)
{
	struct evsig_info *sig = &base->sig;
	int was_added = sig->ev_signal_added;

	/* Only queues a change for the fd map, which event_reinit drops:
	 * the parent's registration is left alone. */
	if (was_added) {
		event_del_nolock_(&sig->ev_signal, EVENT_DEL_AUTOBLOCK);
		sig->ev_signal_added = 0;
	}
	event_debug_unassign(&sig->ev_signal);
	close_fds(sig);
	return was_added;
}

int
evsig_fork_open_(struct event_base *base)
{
	struct evsig_info *sig = &base->sig;

	/* The child's one thread has the mask of the thread that forked,
	 * which may not be the one that added the signals. */
	if (sig->use_signalfd)
		pthread_sigmask(SIG_BLOCK, &sig->sfd_mask, NULL);
	sig->ev_n_signals_added = 0; /* event_reinit counts them again */
	return evsig_open(base);
}

void
evsig_free_globals_(void)
{
	evsig_base = NULL;
	evsig_base_n_signals_added = 0;
	set_base_fd(-1);
}
