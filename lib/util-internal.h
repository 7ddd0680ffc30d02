/*
 * util-internal.h: helpers shared by every part of the library.
 *
 * Socket and file-descriptor helpers that hide the differences between
 * kernels, getenv that is safe in setuid programs, assertions, error
 * classification for nonblocking I/O, locale-independent character
 * classes, and a small non-cryptographic PRNG.
 */
#ifndef UTIL_INTERNAL_H_INCLUDED_
#define UTIL_INTERNAL_H_INCLUDED_

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>

#include <event2/util.h>

#include "log-internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Branch hints for conditions that are (almost) always false or true. */
#ifdef __GNUC__
#define EVUTIL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define EVUTIL_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define EVUTIL_UNLIKELY(x) (x)
#define EVUTIL_LIKELY(x) (x)
#endif

/*
 * Checks an invariant, also in release builds: a failure is a bug in the
 * library or API misuse, and it is logged then aborts (through the fatal
 * callback when the program set one).
 */
#define EVUTIL_ASSERT(cond)                                               \
	do {                                                              \
		if (EVUTIL_UNLIKELY(!(cond))) {                           \
			event_errx(EVENT_ERR_ABORT_,                      \
			    "%s:%d: Assertion %s failed in %s", __FILE__, \
			    __LINE__, #cond, __func__);                   \
		}                                                         \
	} while (0)

/* From a pointer to field inside a struct type to the struct itself. */
#define EVUTIL_UPCAST(ptr, type, field) \
	((type *)(((char *)(ptr)) - evutil_offsetof(type, field)))

#ifndef EVUTIL_SET_SOCKET_ERROR
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
	do {                             \
		errno = (errcode);       \
	} while (0)
#endif

/* Which errno values mean "try again later" for each kind of call. */
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
#define EVUTIL_ERR_IS_EAGAIN(e) ((e) == EAGAIN || (e) == EWOULDBLOCK)
#else
#define EVUTIL_ERR_IS_EAGAIN(e) ((e) == EAGAIN)
#endif
#define EVUTIL_ERR_RW_RETRIABLE(e) ((e) == EINTR || EVUTIL_ERR_IS_EAGAIN(e))
#define EVUTIL_ERR_CONNECT_RETRIABLE(e) ((e) == EINTR || (e) == EINPROGRESS)
#define EVUTIL_ERR_ACCEPT_RETRIABLE(e) \
	((e) == EINTR || EVUTIL_ERR_IS_EAGAIN(e) || (e) == ECONNABORTED)
#define EVUTIL_ERR_CONNECT_REFUSED(e) ((e) == ECONNREFUSED)

/* Arguments of shutdown(2). */
#define EVUTIL_SHUT_RD SHUT_RD
#define EVUTIL_SHUT_WR SHUT_WR
#define EVUTIL_SHUT_BOTH SHUT_RDWR

/*
 * Locale-independent ASCII character classes: bytes outside ASCII are in
 * no class and are never case-mapped.
 */
static inline int
evutil_isdigit_(char c)
{
	return c >= '0' && c <= '9';
}
static inline int
evutil_islower_(char c)
{
	return c >= 'a' && c <= 'z';
}
static inline int
evutil_isupper_(char c)
{
	return c >= 'A' && c <= 'Z';
}
static inline int
evutil_isalpha_(char c)
{
	return evutil_islower_(c) || evutil_isupper_(c);
}
static inline int
evutil_isalnum_(char c)
{
	return evutil_isalpha_(c) || evutil_isdigit_(c);
}
static inline int
evutil_isxdigit_(char c)
{
	return evutil_isdigit_(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}
static inline int
evutil_isspace_(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}
static inline int
evutil_isprint_(char c)
{
	return c >= ' ' && c <= '~';
}
static inline char
evutil_tolower_(char c)
{
	return evutil_isupper_(c) ? (char)(c - 'A' + 'a') : c;
}
static inline char
evutil_toupper_(char c)
{
	return evutil_islower_(c) ? (char)(c - 'a' + 'A') : c;
}
#define EVUTIL_ISDIGIT_(c) evutil_isdigit_(c)
#define EVUTIL_ISLOWER_(c) evutil_islower_(c)
#define EVUTIL_ISUPPER_(c) evutil_isupper_(c)
#define EVUTIL_ISALPHA_(c) evutil_isalpha_(c)
#define EVUTIL_ISALNUM_(c) evutil_isalnum_(c)
#define EVUTIL_ISXDIGIT_(c) evutil_isxdigit_(c)
#define EVUTIL_ISSPACE_(c) evutil_isspace_(c)
#define EVUTIL_ISPRINT_(c) evutil_isprint_(c)
#define EVUTIL_TOLOWER_(c) evutil_tolower_(c)
#define EVUTIL_TOUPPER_(c) evutil_toupper_(c)

/*
 * getenv(3), but NULL when the process runs with privileges it did not
 * get from its caller (setuid, setgid, file capabilities): the
 * environment then belongs to someone we should not trust.
 */
const char *evutil_getenv_(const char *name);

/*
 * Makes a pipe (a socketpair where pipe2 and pipe fail) whose ends are
 * both nonblocking and close-on-exec.  0 on success; -1 with both fds set
 * to -1 and errno set on failure.
 */
int evutil_make_internal_pipe_(evutil_socket_t fd[2]);

/* Flags of evutil_eventfd_(), translated to EFD_* there. */
#define EVUTIL_EFD_NONBLOCK 0x1
#define EVUTIL_EFD_CLOEXEC 0x2

/* eventfd(2) with EVUTIL_EFD_* flags; -1 where eventfd is missing. */
evutil_socket_t evutil_eventfd_(unsigned initval, int flags);

/* Flags for the type argument of evutil_socket_() and evutil_accept4_(). */
#ifdef SOCK_NONBLOCK
#define EVUTIL_SOCK_NONBLOCK SOCK_NONBLOCK
#else
#define EVUTIL_SOCK_NONBLOCK 0x4000000
#endif
#ifdef SOCK_CLOEXEC
#define EVUTIL_SOCK_CLOEXEC SOCK_CLOEXEC
#else
#define EVUTIL_SOCK_CLOEXEC 0x80000000
#endif

/*
 * socket(2) where type may include EVUTIL_SOCK_NONBLOCK and
 * EVUTIL_SOCK_CLOEXEC.  Returns the fd, or -1 with errno set.
 */
evutil_socket_t evutil_socket_(int domain, int type, int protocol);

/* accept4(2) with EVUTIL_SOCK_* flags.  Returns the fd or -1. */
evutil_socket_t evutil_accept4_(evutil_socket_t sockfd, struct sockaddr *addr,
    ev_socklen_t *addrlen, int flags);

/* open(2) that always sets close-on-exec. */
int evutil_open_closeonexec_(const char *pathname, int flags, unsigned mode);

/*
 * Reads a whole file into a new NUL-terminated mm_malloc'd buffer (NUL not
 * counted in *len_out).  Text mode (is_binary == 0) is the same on POSIX.
 * 0 on success, -1 when the file cannot be opened, -2 on any other error.
 */
int evutil_read_file_(const char *filename, char **content_out, size_t *len_out,
    int is_binary);

/*
 * Writes "1.2.3.4:80", "[::1]:80" or a placeholder for other families into
 * out (always NUL-terminated when outlen > 0) and returns out.
 */
const char *evutil_format_sockaddr_port_(const struct sockaddr *sa, char *out,
    size_t outlen);

/* True for 127.0.0.0/8 and ::1. */
int evutil_sockaddr_is_loopback_(const struct sockaddr *sa);

/*
 * An ai_flags bit no getaddrinfo(3) uses: set on lists built by
 * evutil_new_addrinfo_(), so that evutil_freeaddrinfo() frees them with
 * mm_free() instead of freeaddrinfo(3).
 */
#define EVUTIL_AI_LIBEVENT_ALLOCATED 0x80000000

/*
 * One addrinfo (two when hints ask for no particular socket type and
 * protocol: TCP stream then UDP datagram) holding a copy of sa.  NULL when
 * out of memory.  Free with evutil_freeaddrinfo().
 */
struct evutil_addrinfo *evutil_new_addrinfo_(struct sockaddr *sa,
    ev_socklen_t socklen, const struct evutil_addrinfo *hints);

/* Appends the list append to the list first; returns the new head. */
struct evutil_addrinfo *evutil_addrinfo_append_(struct evutil_addrinfo *first,
    struct evutil_addrinfo *append);

/* Releases what evutil_* keeps globally; for libevent_global_shutdown. */
void evutil_free_globals_(void);

/* Secure RNG glue (evutil_rand.c). */
int evutil_secure_rng_global_setup_locks_(const int enable_locks);
void evutil_free_secure_rng_globals_(void);

/*
 * A fast, non-cryptographic PRNG (xorshift64*) with caller-owned state:
 * for jitter and load spreading, never for anything an attacker must not
 * guess (use evutil_secure_rng_get_bytes for DNS ids).
 */
struct evutil_weakrand_state {
	ev_uint64_t state;
};

#define EVUTIL_WEAKRAND_MAX EV_INT32_MAX

/*
 * Seeds state with seed, or with a value taken from the clock and the pid
 * when seed is 0.  Returns the seed used.
 */
ev_uint32_t evutil_weakrand_seed_(struct evutil_weakrand_state *state,
    ev_uint32_t seed);

/* A number in [0, EVUTIL_WEAKRAND_MAX]. */
ev_int32_t evutil_weakrand_(struct evutil_weakrand_state *state);

/* A uniformly distributed number in [0, top); top must be positive. */
ev_int32_t evutil_weakrand_range_(struct evutil_weakrand_state *state,
    ev_int32_t top);

#ifdef __cplusplus
}
#endif

#endif /* UTIL_INTERNAL_H_INCLUDED_ */
