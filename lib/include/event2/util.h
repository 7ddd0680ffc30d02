/*
 * event2/util.h: portable integer types, socket helpers, time helpers,
 * address parsing, getaddrinfo and a secure random number generator.
 *
 * Unless noted, functions return 0 on success and -1 on failure with errno
 * set.
 */
#ifndef EVENT2_UTIL_H_INCLUDED_
#define EVENT2_UTIL_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <netdb.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Fixed-width integer types.  They are macros, not typedefs, exactly as in
 * libevent, so that programs may test them with #ifdef.
 */
#define ev_uint64_t uint64_t
#define ev_int64_t int64_t
#define ev_uint32_t uint32_t
#define ev_int32_t int32_t
#define ev_uint16_t uint16_t
#define ev_int16_t int16_t
#define ev_uint8_t uint8_t
#define ev_int8_t int8_t
#define ev_uintptr_t uintptr_t
#define ev_intptr_t intptr_t
#define ev_ssize_t ssize_t
#define ev_socklen_t socklen_t

#if EVENT__SIZEOF_OFF_T == 8
#define ev_off_t ev_int64_t
#else
#define ev_off_t ev_int32_t
#endif

/* Limits of the types above. */
#define EV_UINT64_MAX UINT64_MAX
#define EV_INT64_MAX INT64_MAX
#define EV_INT64_MIN INT64_MIN
#define EV_UINT32_MAX UINT32_MAX
#define EV_INT32_MAX INT32_MAX
#define EV_INT32_MIN INT32_MIN
#define EV_UINT16_MAX UINT16_MAX
#define EV_INT16_MAX INT16_MAX
#define EV_INT16_MIN INT16_MIN
#define EV_UINT8_MAX UINT8_MAX
#define EV_INT8_MAX INT8_MAX
#define EV_INT8_MIN INT8_MIN

#if EVENT__SIZEOF_SIZE_T == 8
#define EV_SIZE_MAX EV_UINT64_MAX
#define EV_SSIZE_MAX EV_INT64_MAX
#else
#define EV_SIZE_MAX EV_UINT32_MAX
#define EV_SSIZE_MAX EV_INT32_MAX
#endif
#define EV_SSIZE_MIN ((-EV_SSIZE_MAX) - 1)

/* A socket: a plain file descriptor on Unix. */
#define evutil_socket_t int
#define EVUTIL_INVALID_SOCKET -1

/* Monotonic clocks that do not jump when the wall clock is changed. */
struct evutil_monotonic_timer;

/* Flags for evutil_configure_monotonic_time(). */
#define EV_MONOT_PRECISE 1  /* favour precision over speed */
#define EV_MONOT_FALLBACK 2 /* allow the wall clock if nothing better */

/*
 * Writes tm (the current time when tm is NULL) into date in the HTTP date
 * format, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".  Returns what snprintf
 * would: a value >= datelen means the text was cut short.
 */
EVENT2_EXPORT_SYMBOL int evutil_date_rfc1123(char *date, const size_t datelen,
    const struct tm *tm);

/* Allocate (NULL on failure), free, configure and read a timer. */
EVENT2_EXPORT_SYMBOL struct evutil_monotonic_timer *evutil_monotonic_timer_new(
    void);
EVENT2_EXPORT_SYMBOL void evutil_monotonic_timer_free(
    struct evutil_monotonic_timer *timer);
EVENT2_EXPORT_SYMBOL int
evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer,
    int flags);
EVENT2_EXPORT_SYMBOL int
evutil_gettime_monotonic(struct evutil_monotonic_timer *timer,
    struct timeval *tp);

/* socketpair(2) with the same arguments. */
EVENT2_EXPORT_SYMBOL int evutil_socketpair(int d, int type, int protocol,
    evutil_socket_t sv[2]);

/* Socket options: O_NONBLOCK, SO_REUSEADDR, SO_REUSEPORT, IPV6_V6ONLY,
 * FD_CLOEXEC and TCP_DEFER_ACCEPT respectively. */
EVENT2_EXPORT_SYMBOL int evutil_make_socket_nonblocking(evutil_socket_t sock);
EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_reuseable(
    evutil_socket_t sock);
EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_reuseable_port(
    evutil_socket_t sock);
EVENT2_EXPORT_SYMBOL int evutil_make_listen_socket_ipv6only(
    evutil_socket_t sock);
EVENT2_EXPORT_SYMBOL int evutil_make_socket_closeonexec(evutil_socket_t sock);
EVENT2_EXPORT_SYMBOL int evutil_make_tcp_listen_socket_deferred(
    evutil_socket_t sock);

/* close(2) for sockets. */
EVENT2_EXPORT_SYMBOL int evutil_closesocket(evutil_socket_t sock);
#define EVUTIL_CLOSESOCKET(s) evutil_closesocket(s)

/* The last socket error: errno on Unix. */
#define EVUTIL_SOCKET_ERROR() (errno)
#define EVUTIL_SET_SOCKET_ERROR(errcode) \
	do {                             \
		errno = (errcode);       \
	} while (0)
#define evutil_socket_geterror(sock) (errno)
#define evutil_socket_error_to_string(errcode) (strerror(errcode))

/*
 * struct timeval arithmetic, as the BSD timeradd() family.  The result of
 * add/sub is normalised when the operands are.
 */
#define evutil_timeradd(tvp, uvp, vvp)                            \
	do {                                                      \
		(vvp)->tv_sec = (tvp)->tv_sec + (uvp)->tv_sec;    \
		(vvp)->tv_usec = (tvp)->tv_usec + (uvp)->tv_usec; \
		if ((vvp)->tv_usec >= 1000000) {                  \
			(vvp)->tv_usec -= 1000000;                \
			(vvp)->tv_sec++;                          \
		}                                                 \
	} while (0)
#define evutil_timersub(tvp, uvp, vvp)                            \
	do {                                                      \
		(vvp)->tv_sec = (tvp)->tv_sec - (uvp)->tv_sec;    \
		(vvp)->tv_usec = (tvp)->tv_usec - (uvp)->tv_usec; \
		if ((vvp)->tv_usec < 0) {                         \
			(vvp)->tv_usec += 1000000;                \
			(vvp)->tv_sec--;                          \
		}                                                 \
	} while (0)
#define evutil_timerclear(tvp) ((tvp)->tv_sec = (tvp)->tv_usec = 0)
#define evutil_timerisset(tvp) ((tvp)->tv_sec != 0 || (tvp)->tv_usec != 0)
/* cmp is any relational operator: <, <=, ==, !=, >=, >. */
#define evutil_timercmp(tvp, uvp, cmp)                                         \
	(((tvp)->tv_sec == (uvp)->tv_sec) ? ((tvp)->tv_usec cmp(uvp)->tv_usec) \
	                                  : ((tvp)->tv_sec cmp(uvp)->tv_sec))

#define evutil_offsetof(type, field) offsetof(type, field)

/* strtoll(3). */
EVENT2_EXPORT_SYMBOL ev_int64_t evutil_strtoll(const char *s, char **endptr,
    int base);

#define evutil_gettimeofday(tv, tz) gettimeofday((tv), (tz))

/*
 * snprintf(3) that always NUL-terminates when buflen > 0; returns the
 * length the full output would have had, or -1 on error.
 */
#ifdef __GNUC__
EVENT2_EXPORT_SYMBOL int evutil_snprintf(char *buf, size_t buflen,
    const char *format, ...) __attribute__((format(printf, 3, 4)));
EVENT2_EXPORT_SYMBOL int evutil_vsnprintf(char *buf, size_t buflen,
    const char *format, va_list ap) __attribute__((format(printf, 3, 0)));
#else
EVENT2_EXPORT_SYMBOL int evutil_snprintf(char *buf, size_t buflen,
    const char *format, ...);
EVENT2_EXPORT_SYMBOL int evutil_vsnprintf(char *buf, size_t buflen,
    const char *format, va_list ap);
#endif

/*
 * inet_ntop(3) and inet_pton(3).  The _scope variant also accepts an IPv6
 * "%zone" suffix and stores the interface index in *indexp.
 */
EVENT2_EXPORT_SYMBOL const char *evutil_inet_ntop(int af, const void *src,
    char *dst, size_t len);
EVENT2_EXPORT_SYMBOL int evutil_inet_pton_scope(int af, const char *src,
    void *dst, unsigned *indexp);
EVENT2_EXPORT_SYMBOL int evutil_inet_pton(int af, const char *src, void *dst);

struct sockaddr;

/*
 * Parses "ip", "ip:port", "[ipv6]" or "[ipv6]:port" into *out, whose size
 * is given in and returned through *outlen.  0 on success, -1 on error.
 */
EVENT2_EXPORT_SYMBOL int evutil_parse_sockaddr_port(const char *str,
    struct sockaddr *out, int *outlen);

/* Orders two addresses (family, address, then port if include_port);
 * negative, 0 or positive like strcmp. */
EVENT2_EXPORT_SYMBOL int evutil_sockaddr_cmp(const struct sockaddr *sa1,
    const struct sockaddr *sa2, int include_port);

/* Locale-independent ASCII case-insensitive comparisons. */
EVENT2_EXPORT_SYMBOL int evutil_ascii_strcasecmp(const char *str1,
    const char *str2);
EVENT2_EXPORT_SYMBOL int evutil_ascii_strncasecmp(const char *str1,
    const char *str2, size_t n);

/* getaddrinfo(3): the system's struct addrinfo under another name. */
#define evutil_addrinfo addrinfo

/*
 * getaddrinfo error codes and flags: the system's values.  When the system
 * macros are hidden (a strict -std= mode with a libc header included before
 * this one), the Linux values are used so that the numbers always agree
 * with the library's.
 */
#if defined(EAI_ADDRFAMILY)
#define EVUTIL_EAI_ADDRFAMILY EAI_ADDRFAMILY
#elif defined(__linux__)
#define EVUTIL_EAI_ADDRFAMILY -9
#else
#define EVUTIL_EAI_ADDRFAMILY -901
#endif
#if defined(EAI_AGAIN)
#define EVUTIL_EAI_AGAIN EAI_AGAIN
#elif defined(__linux__)
#define EVUTIL_EAI_AGAIN -3
#else
#define EVUTIL_EAI_AGAIN -902
#endif
#if defined(EAI_BADFLAGS)
#define EVUTIL_EAI_BADFLAGS EAI_BADFLAGS
#elif defined(__linux__)
#define EVUTIL_EAI_BADFLAGS -1
#else
#define EVUTIL_EAI_BADFLAGS -903
#endif
#if defined(EAI_FAIL)
#define EVUTIL_EAI_FAIL EAI_FAIL
#elif defined(__linux__)
#define EVUTIL_EAI_FAIL -4
#else
#define EVUTIL_EAI_FAIL -904
#endif
#if defined(EAI_FAMILY)
#define EVUTIL_EAI_FAMILY EAI_FAMILY
#elif defined(__linux__)
#define EVUTIL_EAI_FAMILY -6
#else
#define EVUTIL_EAI_FAMILY -905
#endif
#if defined(EAI_MEMORY)
#define EVUTIL_EAI_MEMORY EAI_MEMORY
#elif defined(__linux__)
#define EVUTIL_EAI_MEMORY -10
#else
#define EVUTIL_EAI_MEMORY -906
#endif
#if defined(EAI_NODATA) && (!defined(EAI_NONAME) || EAI_NODATA != EAI_NONAME)
#define EVUTIL_EAI_NODATA EAI_NODATA
#elif defined(__linux__)
#define EVUTIL_EAI_NODATA -5
#else
#define EVUTIL_EAI_NODATA -907
#endif
#if defined(EAI_NONAME)
#define EVUTIL_EAI_NONAME EAI_NONAME
#elif defined(__linux__)
#define EVUTIL_EAI_NONAME -2
#else
#define EVUTIL_EAI_NONAME -908
#endif
#if defined(EAI_SERVICE)
#define EVUTIL_EAI_SERVICE EAI_SERVICE
#elif defined(__linux__)
#define EVUTIL_EAI_SERVICE -8
#else
#define EVUTIL_EAI_SERVICE -909
#endif
#if defined(EAI_SOCKTYPE)
#define EVUTIL_EAI_SOCKTYPE EAI_SOCKTYPE
#elif defined(__linux__)
#define EVUTIL_EAI_SOCKTYPE -7
#else
#define EVUTIL_EAI_SOCKTYPE -910
#endif
#if defined(EAI_SYSTEM)
#define EVUTIL_EAI_SYSTEM EAI_SYSTEM
#elif defined(__linux__)
#define EVUTIL_EAI_SYSTEM -11
#else
#define EVUTIL_EAI_SYSTEM -911
#endif
/* The request was cancelled (evdns): never a system value. */
#define EVUTIL_EAI_CANCEL -90001

#if defined(AI_PASSIVE)
#define EVUTIL_AI_PASSIVE AI_PASSIVE
#elif defined(__linux__)
#define EVUTIL_AI_PASSIVE 0x0001
#else
#define EVUTIL_AI_PASSIVE 0x1000
#endif
#if defined(AI_CANONNAME)
#define EVUTIL_AI_CANONNAME AI_CANONNAME
#elif defined(__linux__)
#define EVUTIL_AI_CANONNAME 0x0002
#else
#define EVUTIL_AI_CANONNAME 0x2000
#endif
#if defined(AI_NUMERICHOST)
#define EVUTIL_AI_NUMERICHOST AI_NUMERICHOST
#elif defined(__linux__)
#define EVUTIL_AI_NUMERICHOST 0x0004
#else
#define EVUTIL_AI_NUMERICHOST 0x4000
#endif
#if defined(AI_NUMERICSERV)
#define EVUTIL_AI_NUMERICSERV AI_NUMERICSERV
#elif defined(__linux__)
#define EVUTIL_AI_NUMERICSERV 0x0400
#else
#define EVUTIL_AI_NUMERICSERV 0x8000
#endif
#if defined(AI_V4MAPPED)
#define EVUTIL_AI_V4MAPPED AI_V4MAPPED
#elif defined(__linux__)
#define EVUTIL_AI_V4MAPPED 0x0008
#else
#define EVUTIL_AI_V4MAPPED 0x10000
#endif
#if defined(AI_ALL)
#define EVUTIL_AI_ALL AI_ALL
#elif defined(__linux__)
#define EVUTIL_AI_ALL 0x0010
#else
#define EVUTIL_AI_ALL 0x20000
#endif
#if defined(AI_ADDRCONFIG)
#define EVUTIL_AI_ADDRCONFIG AI_ADDRCONFIG
#elif defined(__linux__)
#define EVUTIL_AI_ADDRCONFIG 0x0020
#else
#define EVUTIL_AI_ADDRCONFIG 0x40000
#endif

struct evutil_addrinfo;

/*
 * getaddrinfo(3) that also handles numeric hosts itself and honours the
 * flags above on every platform.  Returns 0 or an EVUTIL_EAI_* code; free
 * the result with evutil_freeaddrinfo().
 */
EVENT2_EXPORT_SYMBOL int evutil_getaddrinfo(const char *nodename,
    const char *servname, const struct evutil_addrinfo *hints_in,
    struct evutil_addrinfo **res);
EVENT2_EXPORT_SYMBOL void evutil_freeaddrinfo(struct evutil_addrinfo *ai);
/* A message for an EVUTIL_EAI_* code. */
EVENT2_EXPORT_SYMBOL const char *evutil_gai_strerror(int err);

/*
 * Cryptographically strong random bytes.  _init seeds the generator
 * (0 on success, -1 on failure); _get_bytes seeds it on first use; the
 * other two choose the seed device and mix in extra entropy.
 */
EVENT2_EXPORT_SYMBOL void evutil_secure_rng_get_bytes(void *buf, size_t n);
EVENT2_EXPORT_SYMBOL int evutil_secure_rng_init(void);
EVENT2_EXPORT_SYMBOL int evutil_secure_rng_set_urandom_device_file(char *fname);
EVENT2_EXPORT_SYMBOL void evutil_secure_rng_add_bytes(const char *dat,
    size_t datlen);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_UTIL_H_INCLUDED_ */
