/*
 * evutil.c: the socket, address and string helpers of event2/util.h, and
 * the internal helpers of util-internal.h.
 *
 * On POSIX systems most of event2/util.h maps straight onto a system call;
 * what is left is compatibility: the same return values, errno and log
 * messages as libevent 2.1 on the same system.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* pipe2, accept4 */
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_EVENTFD_H
#include <sys/eventfd.h>
#endif
#if defined(__linux__) && defined(__GLIBC__)
#include <sys/auxv.h>
#endif

#include <event2/util.h>

#include "log-internal.h"
#include "mm-internal.h"
#include "util-internal.h"

/* Sockets. */

int
evutil_socketpair(int family, int type, int protocol, evutil_socket_t sv[2])
{
	/* Families other than AF_UNIX fail as socketpair(2) says. */
	return socketpair(family, type, protocol, sv);
}

/*
 * Sets one fcntl flag on fd (F_GETFL/F_SETFL or F_GETFD/F_SETFD) unless it
 * is set already.  `loud` warns the way libevent's helpers do; the quiet
 * form is for fds we just created, where a failure is reported by errno.
 */
static int
fd_add_flag(evutil_socket_t fd, int get_cmd, int set_cmd, int flag, int loud)
{
	int flags = fcntl(fd, get_cmd, NULL);

	if (flags < 0) {
		if (loud)
			event_warn("fcntl(%d, %s)", fd,
			    get_cmd == F_GETFL ? "F_GETFL" : "F_GETFD");
		return -1;
	}
	if (!(flags & flag) && fcntl(fd, set_cmd, flags | flag) < 0) {
		if (loud)
			event_warn("fcntl(%d, %s)", fd,
			    set_cmd == F_SETFL ? "F_SETFL" : "F_SETFD");
		return -1;
	}
	return 0;
}

int
evutil_make_socket_nonblocking(evutil_socket_t fd)
{
	return fd_add_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, 1);
}

int
evutil_make_socket_closeonexec(evutil_socket_t fd)
{
	return fd_add_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, 1);
}

static int
set_nonblocking_quiet(evutil_socket_t fd)
{
	return fd_add_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, 0);
}

static int
set_closeonexec_quiet(evutil_socket_t fd)
{
	return fd_add_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, 0);
}

/* Closes fd without letting close(2) overwrite the errno being reported. */
static void
close_keep_errno(evutil_socket_t fd)
{
	int saved_errno = errno;

	(void)close(fd);
	errno = saved_errno;
}

static int
set_int_option(evutil_socket_t fd, int level, int name)
{
	int one = 1;

	return setsockopt(fd, level, name, &one, (ev_socklen_t)sizeof(one));
}

int
evutil_make_listen_socket_reuseable(evutil_socket_t sock)
{
	return set_int_option(sock, SOL_SOCKET, SO_REUSEADDR);
}

int
evutil_make_listen_socket_reuseable_port(evutil_socket_t sock)
{
#if defined(__linux__) && defined(SO_REUSEPORT)
	return set_int_option(sock, SOL_SOCKET, SO_REUSEPORT);
#else
	/* Elsewhere SO_REUSEPORT means something else: do nothing. */
	(void)sock;
	return 0;
#endif
}

int
evutil_make_listen_socket_ipv6only(evutil_socket_t sock)
{
	return set_int_option(sock, IPPROTO_IPV6, IPV6_V6ONLY);
}

int
evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock)
{
#ifdef TCP_DEFER_ACCEPT
	/* Wake the listener only once the client has sent data. */
	return set_int_option(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT);
#else
	(void)sock;
	return 0;
#endif
}

int
evutil_closesocket(evutil_socket_t sock)
{
	return close(sock);
}

/* On POSIX util.h makes these two macros over errno and strerror. */
#ifndef evutil_socket_geterror
int
evutil_socket_geterror(evutil_socket_t sock)
{
	(void)sock;
	return errno;
}
#endif

#ifndef evutil_socket_error_to_string
const char *
evutil_socket_error_to_string(int errcode)
{
	return strerror(errcode);
}
#endif

/* Numbers and strings. */

ev_int64_t
evutil_strtoll(const char *s, char **endptr, int base)
{
	return (ev_int64_t)strtoll(s, endptr, base);
}

int
evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap)
{
	int r;

	if (buflen == 0)
		return 0; /* libevent's answer, not vsnprintf's */
	r = vsnprintf(buf, buflen, format, ap);
	if (r < 0)
		buf[0] = '\0';
	buf[buflen - 1] = '\0';
	return r;
}

int
evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
{
	va_list ap;
	int r;

	va_start(ap, format);
	r = evutil_vsnprintf(buf, buflen, format, ap);
	va_end(ap);
	return r;
}

/*
 * Both return -1, 0 or 1.  Like libevent, bytes are compared as plain
 * char, so on x86 a non-ASCII byte sorts before every ASCII one.
 */
int
evutil_ascii_strcasecmp(const char *s1, const char *s2)
{
	char c1, c2;

	for (;;) {
		c1 = EVUTIL_TOLOWER_(*s1++);
		c2 = EVUTIL_TOLOWER_(*s2++);
		if (c1 != c2)
			return c1 < c2 ? -1 : 1;
		if (c1 == '\0')
			return 0;
	}
}

int
evutil_ascii_strncasecmp(const char *s1, const char *s2, size_t n)
{
	char c1, c2;

	for (; n > 0; n--) {
		c1 = EVUTIL_TOLOWER_(*s1++);
		c2 = EVUTIL_TOLOWER_(*s2++);
		if (c1 != c2)
			return c1 < c2 ? -1 : 1;
		if (c1 == '\0')
			return 0;
	}
	return 0;
}

/* Addresses. */

/*
 * libevent 2.1 formats and parses addresses itself instead of calling
 * inet_ntop(3) and inet_pton(3), and programs can see the difference, so
 * we follow its rules rather than the C library's:
 *
 * - IPv4 is four decimal numbers up to 255 as sscanf's %u reads them
 *   (leading blanks, zeros and '+' allowed), with nothing after them.
 * - IPv6 groups are 1 to 4 characters read by strtol base 16, "::" stands
 *   for one or more zero groups, a trailing ':' is tolerated, and the
 *   last 32 bits may be written as an IPv4 address.
 * - Output uses lowercase hex, compresses the first longest run of two or
 *   more zero groups, and writes ::a.b.c.d and ::ffff:a.b.c.d for IPv4
 *   compatible and mapped addresses.
 * - Failures leave errno alone, except where strtol or sscanf set it.
 *
 * One difference is deliberate: when the text has exactly len characters,
 * libevent's ntop returns it cut short; we return NULL.
 */

static int
pton4(const char *src, unsigned char out[4])
{
	unsigned a, b, c, d;
	char extra;

	if (sscanf(src, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4)
		return 0;
	if (a > 255 || b > 255 || c > 255 || d > 255)
		return 0;
	out[0] = (unsigned char)a;
	out[1] = (unsigned char)b;
	out[2] = (unsigned char)c;
	out[3] = (unsigned char)d;
	return 1;
}

static int
pton6(const char *src, unsigned char out[16])
{
	ev_uint16_t group[8];
	unsigned char v4[4];
	const char *dot = strchr(src, '.'), *hex_end, *p;
	char *next;
	int ngroups = 0; /* hex groups read, before the IPv4 tail */
	int gap = -1;    /* index of the group "::" stands at */
	int total, gap_len, i;
	long v;

	if (dot == src)
		return 0;
	if (dot == NULL) {
		hex_end = src + strlen(src);
	} else {
		/* The IPv4 tail starts at the digits just before the dot. */
		hex_end = dot;
		while (hex_end > src && evutil_isdigit_(hex_end[-1]))
			hex_end--;
		if (!pton4(hex_end, v4))
			return 0;
		group[6] = (ev_uint16_t)(v4[0] << 8 | v4[1]);
		group[7] = (ev_uint16_t)(v4[2] << 8 | v4[3]);
	}

	p = src;
	while (p < hex_end) {
		if (ngroups > 7)
			return 0;
		if (evutil_isxdigit_(*p)) {
			v = strtol(p, &next, 16);
			if (next == p || next - p > 4 || v < 0 || v > 0xffff)
				return 0;
			group[ngroups++] = (ev_uint16_t)v;
			p = next;
			/* A group ends at a colon or where the IPv4 tail
			 * begins. */
			if (p != hex_end && *p != ':')
				return 0;
			p++;
		} else if (*p == ':' && gap < 0 && ngroups > 0) {
			gap = ngroups; /* the second colon of "x::" */
			p++;
		} else if (*p == ':' && gap < 0 && p[1] == ':') {
			gap = 0; /* "::" at the start */
			p += 2;
		} else {
			return 0;
		}
	}

	total = ngroups + (dot != NULL ? 2 : 0);
	if (total > 8 || (total == 8 && gap >= 0) || (total < 8 && gap < 0))
		return 0;
	if (gap >= 0) {
		gap_len = 8 - total;
		memmove(&group[gap + gap_len], &group[gap],
		    (size_t)(ngroups - gap) * sizeof(group[0]));
		for (i = 0; i < gap_len; i++)
			group[gap + i] = 0;
	}
	for (i = 0; i < 8; i++) {
		out[2 * i] = (unsigned char)(group[i] >> 8);
		out[2 * i + 1] = (unsigned char)(group[i] & 0xff);
	}
	return 1;
}

static const char *
ntop6(const unsigned char *a, char *dst, size_t len)
{
	char buf[64]; /* "ffff:" * 8 is 40 */
	ev_uint16_t group[8];
	int best = -1, best_len = 0, run, i, j;
	size_t n = 0;

	for (i = 0; i < 8; i++)
		group[i] = (ev_uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);

	if (group[0] == 0 && group[1] == 0 && group[2] == 0 && group[3] == 0 &&
	    group[4] == 0 &&
	    ((group[5] == 0 && group[6] != 0 && group[7] != 0) ||
	        group[5] == 0xffff)) {
		(void)evutil_snprintf(buf, sizeof(buf), "::%s%u.%u.%u.%u",
		    group[5] == 0xffff ? "ffff:" : "", a[12], a[13], a[14],
		    a[15]);
	} else {
		/* The first longest run of zero groups, if longer than one. */
		for (i = 0; i < 8; i = j) {
			for (j = i; j < 8 && group[j] == 0; j++)
				continue;
			run = j - i;
			if (run > best_len) {
				best = i;
				best_len = run;
			}
			if (j == i)
				j++;
		}
		if (best_len < 2)
			best = -1;

		for (i = 0; i < 8; i++) {
			if (i == best) {
				if (i == 0)
					buf[n++] = ':';
				buf[n++] = ':';
				i += best_len - 1;
				continue;
			}
			n += (size_t)evutil_snprintf(buf + n, sizeof(buf) - n,
			    "%x%s", (unsigned)group[i], i == 7 ? "" : ":");
		}
		buf[n] = '\0';
	}

	if (strlen(buf) >= len)
		return NULL;
	memcpy(dst, buf, strlen(buf) + 1);
	return dst;
}

const char *
evutil_inet_ntop(int af, const void *src, char *dst, size_t len)
{
	const unsigned char *a = src;
	int r;

	if (af == AF_INET) {
		r = evutil_snprintf(dst, len, "%u.%u.%u.%u", a[0], a[1], a[2],
		    a[3]);
		if (r < 0 || (size_t)r >= len)
			return NULL;
		return dst;
	}
	if (af == AF_INET6)
		return ntop6(a, dst, len);
	return NULL;
}

int
evutil_inet_pton(int af, const char *src, void *dst)
{
	if (af == AF_INET)
		return pton4(src, dst);
	if (af == AF_INET6)
		return pton6(src, dst);
	return -1;
}

int
evutil_inet_pton_scope(int af, const char *src, void *dst, unsigned *indexp)
{
	char stackbuf[64], *addr = stackbuf;
	const char *zone;
	char *end;
	size_t len;
	unsigned ifindex;
	int r;

	*indexp = 0;
	if (af != AF_INET6 || (zone = strchr(src, '%')) == NULL)
		return evutil_inet_pton(af, src, dst);

	len = (size_t)(zone - src);
	zone++;
	/* An interface name, or else an interface number. */
	ifindex = if_nametoindex(zone);
	if (ifindex == 0) {
		ifindex = (unsigned)strtoul(zone, &end, 10);
		if (*end != '\0')
			return 0;
	}
	*indexp = ifindex;

	/* Leading zeros make valid addresses of any length. */
	if (len >= sizeof(stackbuf) && (addr = mm_malloc(len + 1)) == NULL)
		return -1;
	memcpy(addr, src, len);
	addr[len] = '\0';
	r = evutil_inet_pton(af, addr, dst);
	if (addr != stackbuf)
		mm_free(addr);
	return r;
}

/*
 * The port after a colon, read as atoi() would (leading blanks, a sign,
 * digits, then anything; errno set to ERANGE past LONG_MAX) but without
 * its int overflow: a value that does not fit is out of range.  Returns
 * -1 unless 1..65535.
 */
static int
parse_port(const char *s)
{
	long v = strtol(s, NULL, 10);

	if (v < 1 || v > 65535)
		return -1;
	return (int)v;
}

int
evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen)
{
	char buf[128];
	const char *addr = str, *port_str = NULL, *colon, *rbracket;
	size_t len;
	int is_v6 = 0, port = 0;

	colon = strchr(str, ':');
	if (str[0] == '[') {
		/* [v6], [v6]:port; anything else after ']' is ignored. */
		rbracket = strchr(str, ']');
		if (rbracket == NULL)
			return -1;
		len = (size_t)(rbracket - (str + 1));
		if (len >= sizeof(buf))
			return -1;
		memcpy(buf, str + 1, len);
		buf[len] = '\0';
		addr = buf;
		if (rbracket[1] == ':')
			port_str = rbracket + 2;
		is_v6 = 1;
	} else if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		is_v6 = 1; /* bare v6: two colons or more, no port */
	} else if (colon != NULL) {
		len = (size_t)(colon - str);
		if (len >= sizeof(buf))
			return -1;
		memcpy(buf, str, len);
		buf[len] = '\0';
		addr = buf;
		port_str = colon + 1;
	}

	if (port_str != NULL) {
		port = parse_port(port_str);
		if (port < 0)
			return -1;
	}

	if (is_v6) {
		struct sockaddr_in6 sin6;
		unsigned scope;

		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((ev_uint16_t)port);
		if (evutil_inet_pton_scope(AF_INET6, addr, &sin6.sin6_addr,
		        &scope) != 1)
			return -1;
		sin6.sin6_scope_id = scope;
		if (*outlen < (int)sizeof(sin6))
			return -1;
		memset(out, 0, (size_t)*outlen);
		memcpy(out, &sin6, sizeof(sin6));
		*outlen = (int)sizeof(sin6);
	} else {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((ev_uint16_t)port);
		if (evutil_inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
			return -1;
		if (*outlen < (int)sizeof(sin))
			return -1;
		memset(out, 0, (size_t)*outlen);
		memcpy(out, &sin, sizeof(sin));
		*outlen = (int)sizeof(sin);
	}
	return 0;
}

/*
 * Orders by family, then address, then (if include_port) port.  The
 * values match libevent's: IPv4 addresses and all ports are compared as
 * stored, in network byte order.
 */
int
evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2,
    int include_port)
{
	int r = sa1->sa_family - sa2->sa_family;

	if (r != 0)
		return r;
	if (sa1->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa1;
		const struct sockaddr_in *b = (const struct sockaddr_in *)sa2;

		if (a->sin_addr.s_addr != b->sin_addr.s_addr)
			return a->sin_addr.s_addr < b->sin_addr.s_addr ? -1 : 1;
		if (include_port)
			return (int)a->sin_port - (int)b->sin_port;
		return 0;
	}
	if (sa1->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa1;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)sa2;

		r = memcmp(a->sin6_addr.s6_addr, b->sin6_addr.s6_addr, 16);
		if (r != 0)
			return r;
		if (include_port)
			return (int)a->sin6_port - (int)b->sin6_port;
		return 0;
	}
	return 1; /* unknown families never compare equal */
}

const char *
evutil_format_sockaddr_port_(const struct sockaddr *sa, char *out,
    size_t outlen)
{
	char addr[INET6_ADDRSTRLEN];

	if (outlen == 0)
		return out;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		if (inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr)) ==
		    NULL)
			goto unknown;
		(void)evutil_snprintf(out, outlen, "%s:%u", addr,
		    (unsigned)ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		if (inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr)) ==
		    NULL)
			goto unknown;
		(void)evutil_snprintf(out, outlen, "[%s]:%u", addr,
		    (unsigned)ntohs(sin6->sin6_port));
	} else {
	unknown:
		(void)evutil_snprintf(out, outlen, "<addr with socktype %d>",
		    (int)sa->sa_family);
	}
	return out;
}

int
evutil_sockaddr_is_loopback_(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	return 0;
}

/* Name resolution. */

int
evutil_getaddrinfo(const char *nodename, const char *servname,
    const struct evutil_addrinfo *hints_in, struct evutil_addrinfo **res)
{
	struct evutil_addrinfo hints;

	if (hints_in != NULL) {
		hints = *hints_in;
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = PF_UNSPEC;
	}
	/*
	 * glibc implements every EVUTIL_AI_* flag, AI_ADDRCONFIG included;
	 * only our private bit must not reach it.
	 */
	hints.ai_flags &= ~EVUTIL_AI_LIBEVENT_ALLOCATED;
	return getaddrinfo(nodename, servname, &hints, res);
}

void
evutil_freeaddrinfo(struct evutil_addrinfo *ai)
{
	struct evutil_addrinfo *next;

	if (ai == NULL)
		return;
	if (!(ai->ai_flags & EVUTIL_AI_LIBEVENT_ALLOCATED)) {
		freeaddrinfo(ai);
		return;
	}
	for (; ai != NULL; ai = next) {
		next = ai->ai_next;
		mm_free(ai->ai_canonname);
		mm_free(ai); /* ai_addr lives in the same block */
	}
}

const char *
evutil_gai_strerror(int err)
{
	/* The texts libevent returns, so that messages read the same. */
	switch (err) {
	case 0:
		return "No error";
	case EVUTIL_EAI_CANCEL:
		return "Request canceled";
	case EVUTIL_EAI_ADDRFAMILY:
		return "address family for nodename not supported";
	case EVUTIL_EAI_AGAIN:
		return "temporary failure in name resolution";
	case EVUTIL_EAI_BADFLAGS:
		return "invalid value for ai_flags";
	case EVUTIL_EAI_FAIL:
		return "non-recoverable failure in name resolution";
	case EVUTIL_EAI_FAMILY:
		return "ai_family not supported";
	case EVUTIL_EAI_MEMORY:
		return "memory allocation failure";
	case EVUTIL_EAI_NODATA:
		return "no address associated with nodename";
	case EVUTIL_EAI_NONAME:
		return "nodename nor servname provided, or not known";
	case EVUTIL_EAI_SERVICE:
		return "servname not supported for ai_socktype";
	case EVUTIL_EAI_SOCKTYPE:
		return "ai_socktype not supported";
	case EVUTIL_EAI_SYSTEM:
		return "system error";
	default:
		return gai_strerror(err);
	}
}

static struct evutil_addrinfo *
new_one_addrinfo(const struct sockaddr *sa, ev_socklen_t socklen, int family,
    int socktype, int protocol)
{
	struct evutil_addrinfo *ai;

	/* One block: the sockaddr right after the (aligned) struct. */
	ai = mm_calloc(1, sizeof(*ai) + socklen);
	if (ai == NULL)
		return NULL;
	ai->ai_addr = (struct sockaddr *)(void *)(ai + 1);
	memcpy(ai->ai_addr, sa, socklen);
	ai->ai_addrlen = socklen;
	ai->ai_flags = EVUTIL_AI_LIBEVENT_ALLOCATED;
	ai->ai_family = family;
	ai->ai_socktype = socktype;
	ai->ai_protocol = protocol;
	return ai;
}

struct evutil_addrinfo *
evutil_new_addrinfo_(struct sockaddr *sa, ev_socklen_t socklen,
    const struct evutil_addrinfo *hints)
{
	struct evutil_addrinfo *tcp, *udp;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	if (hints->ai_socktype != 0 || hints->ai_protocol != 0)
		return new_one_addrinfo(sa, socklen, sa->sa_family,
		    hints->ai_socktype, hints->ai_protocol);

	/* No type asked for: what getaddrinfo(3) gives, TCP then UDP. */
	tcp = new_one_addrinfo(sa, socklen, sa->sa_family, SOCK_STREAM,
	    IPPROTO_TCP);
	if (tcp == NULL)
		return NULL;
	udp = new_one_addrinfo(sa, socklen, sa->sa_family, SOCK_DGRAM,
	    IPPROTO_UDP);
	if (udp == NULL) {
		evutil_freeaddrinfo(tcp);
		return NULL;
	}
	tcp->ai_next = udp;
	return tcp;
}

struct evutil_addrinfo *
evutil_addrinfo_append_(struct evutil_addrinfo *first,
    struct evutil_addrinfo *append)
{
	struct evutil_addrinfo *ai = first;

	if (ai == NULL)
		return append;
	while (ai->ai_next != NULL)
		ai = ai->ai_next;
	ai->ai_next = append;
	return first;
}

/* Internal fds. */

static int
is_privileged(void)
{
#ifdef HAVE_ISSETUGID
	return issetugid();
#else
#if defined(__linux__) && defined(__GLIBC__)
	/* Also covers file capabilities and LSM transitions. */
	if (getauxval(AT_SECURE) != 0)
		return 1;
#endif
	return getuid() != geteuid() || getgid() != getegid();
#endif
}

const char *
evutil_getenv_(const char *name)
{
	if (is_privileged())
		return NULL;
	return getenv(name);
}

int
evutil_make_internal_pipe_(evutil_socket_t fd[2])
{
	/*
	 * Both ends nonblocking: the writer ignores EAGAIN, since a full
	 * pipe already guarantees that the reader will wake up.
	 */
#ifdef HAVE_PIPE2
	if (pipe2(fd, O_NONBLOCK | O_CLOEXEC) == 0)
		return 0;
#endif
	if (pipe(fd) == 0 ||
	    evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0) {
		if (set_nonblocking_quiet(fd[0]) < 0 ||
		    set_nonblocking_quiet(fd[1]) < 0 ||
		    set_closeonexec_quiet(fd[0]) < 0 ||
		    set_closeonexec_quiet(fd[1]) < 0) {
			close_keep_errno(fd[0]);
			close_keep_errno(fd[1]);
			fd[0] = fd[1] = -1;
			return -1;
		}
		return 0;
	}
	event_warn("%s: pipe", __func__);
	fd[0] = fd[1] = -1;
	return -1;
}

evutil_socket_t
evutil_eventfd_(unsigned initval, int flags)
{
#if defined(HAVE_EVENTFD) && defined(HAVE_SYS_EVENTFD_H)
	int sysflags = 0;
	int fd;

	if (flags & EVUTIL_EFD_NONBLOCK)
		sysflags |= EFD_NONBLOCK;
	if (flags & EVUTIL_EFD_CLOEXEC)
		sysflags |= EFD_CLOEXEC;
	fd = eventfd(initval, sysflags);
	if (fd >= 0 || sysflags == 0 || errno != EINVAL)
		return fd;

	/* A kernel older than the flags (2.6.27). */
	fd = eventfd(initval, 0);
	if (fd < 0)
		return -1;
	if (((flags & EVUTIL_EFD_NONBLOCK) && set_nonblocking_quiet(fd) < 0) ||
	    ((flags & EVUTIL_EFD_CLOEXEC) && set_closeonexec_quiet(fd) < 0)) {
		close_keep_errno(fd);
		return -1;
	}
	return fd;
#else
	(void)initval;
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

#define SOCK_FLAG_MASK (EVUTIL_SOCK_NONBLOCK | EVUTIL_SOCK_CLOEXEC)

/* Applies EVUTIL_SOCK_* flags by hand; closes fd on failure. */
static evutil_socket_t
apply_sock_flags(evutil_socket_t fd, int flags)
{
	if (((flags & EVUTIL_SOCK_NONBLOCK) && set_nonblocking_quiet(fd) < 0) ||
	    ((flags & EVUTIL_SOCK_CLOEXEC) && set_closeonexec_quiet(fd) < 0)) {
		close_keep_errno(fd);
		return -1;
	}
	return fd;
}

evutil_socket_t
evutil_socket_(int domain, int type, int protocol)
{
	evutil_socket_t fd;

#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
	fd = socket(domain, type, protocol);
	if (fd >= 0 || (type & SOCK_FLAG_MASK) == 0 || errno != EINVAL)
		return fd;
		/* A kernel that does not take the flags in type: retry without.
		 */
#endif
	fd = socket(domain, type & ~SOCK_FLAG_MASK, protocol);
	if (fd < 0)
		return -1;
	return apply_sock_flags(fd, type);
}

evutil_socket_t
evutil_accept4_(evutil_socket_t sockfd, struct sockaddr *addr,
    ev_socklen_t *addrlen, int flags)
{
	evutil_socket_t fd;

#if defined(HAVE_ACCEPT4) && defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
	fd = accept4(sockfd, addr, addrlen, flags);
	if (fd >= 0 || (errno != EINVAL && errno != ENOSYS) ||
	    (flags & SOCK_FLAG_MASK) == 0)
		return fd;
#endif
	fd = accept(sockfd, addr, addrlen);
	if (fd < 0)
		return -1;
	return apply_sock_flags(fd, flags);
}

int
evutil_open_closeonexec_(const char *pathname, int flags, unsigned mode)
{
	int fd;

#ifdef O_CLOEXEC
	fd = open(pathname, flags | O_CLOEXEC, (mode_t)mode);
	if (fd >= 0 || errno != EINVAL)
		return fd;
#endif
	fd = open(pathname, flags, (mode_t)mode);
	if (fd < 0)
		return -1;
	if (set_closeonexec_quiet(fd) < 0) {
		close_keep_errno(fd);
		return -1;
	}
	return fd;
}

int
evutil_read_file_(const char *filename, char **content_out, size_t *len_out,
    int is_binary)
{
	struct stat st;
	char *mem = NULL;
	size_t len = 0;
	ssize_t r;
	int fd;

	(void)is_binary; /* POSIX has no text mode */
	*content_out = NULL;
	*len_out = 0;

	fd = evutil_open_closeonexec_(filename, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_size < 0 ||
	    (unsigned long long)st.st_size >= (unsigned long long)INT_MAX)
		goto err;
	mem = mm_malloc((size_t)st.st_size + 1);
	if (mem == NULL)
		goto err;
	/* Read no more than stat said, even if the file grows meanwhile. */
	while (len < (size_t)st.st_size) {
		r = read(fd, mem + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto err;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	(void)close(fd);
	mem[len] = '\0';
	*content_out = mem;
	*len_out = len;
	return 0;

err:
	close_keep_errno(fd);
	mm_free(mem);
	return -2;
}

void
evutil_free_globals_(void)
{
	evutil_free_secure_rng_globals_();
}
