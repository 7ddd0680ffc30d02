/*
 * log-internal.h: the library's only logging path.
 *
 * Messages go to the callback given to event_set_log_callback(), or to
 * stderr as "[severity] message".  Every function here leaves errno as it
 * found it, so they may be called between a failing system call and the
 * code that reports its errno.
 *
 * event_warn() and event_err() append ": strerror(errno)";
 * event_sock_warn() and event_sock_err() append the socket error of their
 * fd.  The event_err*() functions log at EVENT_LOG_ERR, call the fatal
 * callback if there is one, then exit(eval); eval EVENT_ERR_ABORT_ calls
 * abort() instead when no fatal callback is set.
 *
 * event_debug((fmt, ...)), with double parentheses, logs at
 * EVENT_LOG_DEBUG once event_enable_debug_logging() turned debug messages
 * on.  When they are off it costs one load and one branch: the arguments
 * are not evaluated.
 */
#ifndef LOG_INTERNAL_H_INCLUDED_
#define LOG_INTERNAL_H_INCLUDED_

#include <stdarg.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __GNUC__
#define EV_CHECK_FMT(a, b) __attribute__((format(printf, a, b)))
#define EV_NORETURN __attribute__((noreturn))
#else
#define EV_CHECK_FMT(a, b)
#define EV_NORETURN
#endif

/* The eval that makes event_err*() abort; the value libevent uses. */
#define EVENT_ERR_ABORT_ ((int)0xdeaddead)

/* Nonzero when debug messages are on; set by event_enable_debug_logging. */
extern ev_uint32_t event_debug_logging_mask_;
#define event_debug_get_logging_mask_() (event_debug_logging_mask_)

void event_err(int eval, const char *fmt, ...) EV_CHECK_FMT(2, 3) EV_NORETURN;
void event_warn(const char *fmt, ...) EV_CHECK_FMT(1, 2);
void event_sock_err(int eval, evutil_socket_t sock, const char *fmt, ...)
    EV_CHECK_FMT(3, 4) EV_NORETURN;
void event_sock_warn(evutil_socket_t sock, const char *fmt, ...)
    EV_CHECK_FMT(2, 3);
void event_errx(int eval, const char *fmt, ...) EV_CHECK_FMT(2, 3) EV_NORETURN;
void event_warnx(const char *fmt, ...) EV_CHECK_FMT(1, 2);
void event_msgx(const char *fmt, ...) EV_CHECK_FMT(1, 2);
void event_debugx_(const char *fmt, ...) EV_CHECK_FMT(1, 2);

/*
 * Formats fmt and, when errstr is not NULL, appends ": errstr", then logs
 * the result at severity.  The message is cut to 1023 bytes.
 */
void event_logv_(int severity, const char *errstr, const char *fmt, va_list ap)
    EV_CHECK_FMT(3, 0);

#ifdef __GNUC__
#define EVENT_DEBUG_ON_() __builtin_expect(event_debug_logging_mask_ != 0, 0)
#else
#define EVENT_DEBUG_ON_() (event_debug_logging_mask_ != 0)
#endif

#define event_debug(x)                   \
	do {                             \
		if (EVENT_DEBUG_ON_()) { \
			event_debugx_ x; \
		}                        \
	} while (0)

#ifdef __cplusplus
}
#endif

#endif /* LOG_INTERNAL_H_INCLUDED_ */
