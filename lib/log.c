/*
 * log.c: formatting and routing of the library's log messages.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>

#include "log-internal.h"

/* Long enough for any message we write; longer ones are cut, not lost. */
#define LOG_BUF_SIZE 1024

static event_log_cb log_fn;
static event_fatal_cb fatal_fn;

ev_uint32_t event_debug_logging_mask_ = 0;

void
event_set_log_callback(event_log_cb cb)
{
	log_fn = cb;
}

void
event_set_fatal_callback(event_fatal_cb cb)
{
	fatal_fn = cb;
}

void
event_enable_debug_logging(ev_uint32_t which)
{
	event_debug_logging_mask_ = which;
}

static const char *
severity_name(int severity)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		return "debug";
	case EVENT_LOG_MSG:
		return "msg";
	case EVENT_LOG_WARN:
		return "warn";
	case EVENT_LOG_ERR:
		return "err";
	default:
		return "???";
	}
}

static void
emit(int severity, const char *msg)
{
	if (log_fn != NULL)
		log_fn(severity, msg);
	else
		(void)fprintf(stderr, "[%s] %s\n", severity_name(severity),
		    msg);
}

void
event_logv_(int severity, const char *errstr, const char *fmt, va_list ap)
{
	char buf[LOG_BUF_SIZE];
	size_t len;
	int saved_errno = errno;

	if (severity == EVENT_LOG_DEBUG && !event_debug_logging_mask_)
		return;

	buf[0] = '\0';
	if (fmt != NULL && vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
		buf[0] = '\0';
	buf[sizeof(buf) - 1] = '\0';

	if (errstr != NULL) {
		len = strlen(buf);
		/* Only when ": " and at least one byte of errstr still fit. */
		if (len + 3 < sizeof(buf))
			(void)snprintf(buf + len, sizeof(buf) - len, ": %s",
			    errstr);
	}

	emit(severity, buf);
	errno = saved_errno;
}

/* Ends the process after a fatal message; errno is already restored. */
static void EV_NORETURN
fatal_exit(int eval)
{
	if (fatal_fn != NULL) {
		fatal_fn(eval);
		exit(eval); /* the callback should not have returned */
	}
	if (eval == EVENT_ERR_ABORT_)
		abort();
	exit(eval);
}

void
event_err(int eval, const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	event_logv_(EVENT_LOG_ERR, strerror(saved_errno), fmt, ap);
	va_end(ap);
	errno = saved_errno;
	fatal_exit(eval);
}

void
event_warn(const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	event_logv_(EVENT_LOG_WARN, strerror(saved_errno), fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
event_sock_err(int eval, evutil_socket_t sock, const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;
	int err = evutil_socket_geterror(sock);

	(void)sock;
	va_start(ap, fmt);
	event_logv_(EVENT_LOG_ERR, evutil_socket_error_to_string(err), fmt, ap);
	va_end(ap);
	errno = saved_errno;
	fatal_exit(eval);
}

void
event_sock_warn(evutil_socket_t sock, const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;
	int err = evutil_socket_geterror(sock);

	(void)sock;
	va_start(ap, fmt);
	event_logv_(EVENT_LOG_WARN, evutil_socket_error_to_string(err), fmt,
	    ap);
	va_end(ap);
	errno = saved_errno;
}

void
event_errx(int eval, const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	event_logv_(EVENT_LOG_ERR, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
	fatal_exit(eval);
}

void
event_warnx(const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	event_logv_(EVENT_LOG_WARN, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
event_msgx(const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	event_logv_(EVENT_LOG_MSG, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
event_debugx_(const char *fmt, ...)
{
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	event_logv_(EVENT_LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}
