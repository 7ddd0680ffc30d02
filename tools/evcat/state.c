/*
 * state.c: what evcat's modes share: the options and the event base
 * (struct evcat ec), the exit status, the -v notes, the exit hooks, the
 * accept error reporting of listeners, the signals that end evcat and the
 * standard descriptors made safe at start.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "cli.h"
#include "evcat.h"

struct evcat ec;

static const char *unlink_path;

void
evcat_verbose(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (cli_verbosity() < 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_note("%s", buf);
}

struct timeval
evcat_ms_tv(long long ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

void
evcat_rate_limit(struct bufferevent *bev)
{
	static struct ev_token_bucket_cfg *cfg;
	struct timeval tick = { 0, 100000 };
	size_t per_tick;

	if (cfg == NULL) {
		/* Ten ticks a second keep the flow smooth; slow rates: one. */
		if (ec.o.rate < 1000) {
			tick.tv_sec = 1;
			tick.tv_usec = 0;
			per_tick = (size_t)ec.o.rate;
		} else {
			per_tick = (size_t)(ec.o.rate / 10);
		}
		cfg = ev_token_bucket_cfg_new(per_tick, per_tick, per_tick,
		    per_tick, &tick);
	}
	if (cfg == NULL || bufferevent_set_rate_limit(bev, cfg) != 0)
		cli_diex("cannot set the rate limit");
}

int
evcat_arm_quit(struct event **timer, event_callback_fn cb, void *arg)
{
	struct timeval tv;

	if (ec.o.quit_ms == 0)
		return 1;
	if (ec.o.quit_ms > 0) {
		tv = evcat_ms_tv(ec.o.quit_ms);
		*timer = evtimer_new(ec.base, cb, arg);
		if (*timer == NULL || evtimer_add(*timer, &tv))
			cli_diex("cannot arm the -q timer");
	}
	return 0;
}

void
evcat_exit(int status)
{
	if (status > ec.status)
		ec.status = status;
	event_base_loopexit(ec.base, NULL);
}

void
evcat_unlink_at_exit(const char *path)
{
	unlink_path = path;
}

void
evcat_cleanup(void)
{
	interactive_stop();
	stdio_restore();
	if (unlink_path != NULL) {
		unlink(unlink_path);
		unlink_path = NULL;
	}
}


/* The accept error last reported; 0 once an accept succeeded. */
static int accept_errno;

void
evcat_accept_ok(void)
{
	accept_errno = 0;
}

void
evcat_listen_error_cb(struct evconnlistener *lev, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	/*
	 * Out of descriptors or memory: the listener pauses and retries by
	 * itself, reporting each retry; say it once per shortage.
	 */
	if (err != accept_errno)
		cli_warnx("accept: %s", strerror(err));
	accept_errno = err;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		evcat_exit(1);
}


/* ---- signals and standard descriptors ---- */

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	/* Put the terminal and files back, then die of the signal. */
	evcat_cleanup();
	signal((int)sig, SIG_DFL);
	raise((int)sig);
	_exit(128 + (int)sig);
}

void
watch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction old;
	struct event *ev;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/*
		 * A signal ignored when we started (nohup, a background job
		 * of a non-interactive shell) stays ignored, as in nc.
		 */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		ev = evsignal_new(ec.base, sigs[i], signal_cb, NULL);
		if (ev == NULL || evsignal_add(ev, NULL) != 0)
			cli_diex("cannot watch signal %d", sigs[i]);
	}
}

/*
 * A closed fd 0, 1 or 2 would be taken by the first socket evcat opens,
 * which would then be relayed to itself or get our messages: /dev/null
 * stands in for it, so that a closed stdin reads as empty and a closed
 * stdout takes the data away.
 */
void
open_std_fds(void)
{
	int fd;

	for (;;) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(CLI_EXIT_FAILURE); /* nowhere to say it */
		if (fd > 2) {
			close(fd);
			return;
		}
		/* Keep it open past exec, as a standard descriptor is. */
		fcntl(fd, F_SETFD, 0);
	}
}

/* ---- accepted connections: --allow, --deny, -m ---- */

static long long nconns; /* open now */

static struct {
	int init;
	struct acl_entry allow[EVCAT_ACL_RANGES], deny[EVCAT_ACL_RANGES];
	int nallow, ndeny;
} acl;

static int
acl_permits(const struct sockaddr *sa)
{
	char msg[256];
	int i;

	if (!acl.init) {
		/* acl_check_options() passed: these cannot fail. */
		acl.init = 1;
		for (i = 0; i < ec.o.nallow; i++)
			acl_parse_list("--allow", ec.o.allow[i], acl.allow,
			    EVCAT_ACL_RANGES, &acl.nallow, msg, sizeof(msg));
		for (i = 0; i < ec.o.ndeny; i++)
			acl_parse_list("--deny", ec.o.deny[i], acl.deny,
			    EVCAT_ACL_RANGES, &acl.ndeny, msg, sizeof(msg));
	}
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return 1; /* unix-domain peers have no address */
	if (acl_match(acl.deny, acl.ndeny, sa))
		return 0;
	if (ec.o.nallow > 0 && !acl_match(acl.allow, acl.nallow, sa))
		return 0;
	return 1;
}


int
evcat_admit(evutil_socket_t fd, const struct sockaddr *sa, const char *peer)
{
	if (!acl_permits(sa)) {
		evcat_verbose("%s: refused by --allow/--deny", peer);
		evutil_closesocket(fd);
		return 0;
	}
	if (ec.o.max_conns > 0 && nconns >= ec.o.max_conns) {
		evcat_verbose("%s: refused, %lld connection(s) already (-m)",
		    peer, nconns);
		evutil_closesocket(fd);
		return 0;
	}
	nconns++;
	return 1;
}

void
evcat_conn_closed(void)
{
	if (nconns > 0)
		nconns--;
}
