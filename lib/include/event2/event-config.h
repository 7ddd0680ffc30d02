/*
 * event2/event-config.h: what the platform offers, as EVENT__* macros.
 *
 * libevent generates this file with configure; evkit targets Linux with
 * glibc (or a compatible libc), so the answers are written down once here.
 * Sizes come from the compiler's predefined __SIZEOF_*__ macros, which keeps
 * them right on every Linux target (32- and 64-bit alike).
 *
 * Only EVENT__* names (and the system-extension switch below) are defined:
 * the library's own build checks live in config.h, never here.
 */
#ifndef EVENT2_EVENT_CONFIG_H_INCLUDED_
#define EVENT2_EVENT_CONFIG_H_INCLUDED_

/*
 * libevent's configured header switches on the system's extensions, and
 * programs written for it come to rely on that without knowing (struct
 * addrinfo, timeradd, ... under -std=c99).  Do the same.  It only has an
 * effect when this header comes before the first system header.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

/* Version: evkit implements the libevent 2.1.12 interface. */
#define EVENT__NUMERIC_VERSION 0x02010c00
#define EVENT__VERSION "2.1.12-stable"
#define EVENT__PACKAGE "libevent"
#define EVENT__PACKAGE_NAME "libevent"
#define EVENT__PACKAGE_TARNAME "libevent"
#define EVENT__PACKAGE_VERSION "2.1.12-stable"
#define EVENT__PACKAGE_STRING "libevent 2.1.12-stable"
#define EVENT__PACKAGE_BUGREPORT ""
#define EVENT__PACKAGE_URL ""

/* Headers. */
#define EVENT__HAVE_ARPA_INET_H 1
#define EVENT__HAVE_DLFCN_H 1
#define EVENT__HAVE_ERRNO_H 1
#define EVENT__HAVE_FCNTL_H 1
#define EVENT__HAVE_IFADDRS_H 1
#define EVENT__HAVE_INTTYPES_H 1
#define EVENT__HAVE_NETDB_H 1
#define EVENT__HAVE_NETINET_IN_H 1
#define EVENT__HAVE_NETINET_TCP_H 1
#define EVENT__HAVE_POLL_H 1
#define EVENT__HAVE_STDARG_H 1
#define EVENT__HAVE_STDDEF_H 1
#define EVENT__HAVE_STDINT_H 1
#define EVENT__HAVE_STDIO_H 1
#define EVENT__HAVE_STDLIB_H 1
#define EVENT__HAVE_STRINGS_H 1
#define EVENT__HAVE_STRING_H 1
#define EVENT__HAVE_SYS_EPOLL_H 1
#define EVENT__HAVE_SYS_EVENTFD_H 1
#define EVENT__HAVE_SYS_IOCTL_H 1
#define EVENT__HAVE_SYS_MMAN_H 1
#define EVENT__HAVE_SYS_PARAM_H 1
#define EVENT__HAVE_SYS_QUEUE_H 1
#define EVENT__HAVE_SYS_RANDOM_H 1
#define EVENT__HAVE_SYS_RESOURCE_H 1
#define EVENT__HAVE_SYS_SELECT_H 1
#define EVENT__HAVE_SYS_SENDFILE_H 1
#define EVENT__HAVE_SYS_SOCKET_H 1
#define EVENT__HAVE_SYS_STAT_H 1
#define EVENT__HAVE_SYS_TIMERFD_H 1
#define EVENT__HAVE_SYS_TIME_H 1
#define EVENT__HAVE_SYS_TYPES_H 1
#define EVENT__HAVE_SYS_UIO_H 1
#define EVENT__HAVE_SYS_UN_H 1
#define EVENT__HAVE_SYS_WAIT_H 1
#define EVENT__HAVE_UNISTD_H 1
#define EVENT__HAVE_WCHAR_H 1
#define EVENT__TIME_WITH_SYS_TIME 1

/* Kernel event mechanisms and related kernel objects. */
#define EVENT__HAVE_EPOLL 1
#define EVENT__HAVE_EPOLL_CREATE1 1
#define EVENT__HAVE_EPOLL_CTL 1
#define EVENT__HAVE_POLL 1
#define EVENT__HAVE_SELECT 1
#define EVENT__HAVE_EVENTFD 1
#define EVENT__HAVE_TIMERFD_CREATE 1
#define EVENT__HAVE_PTHREADS 1

/* Optional parts built beside the core library: TLS bufferevents
 * (libevkit_openssl.a, needs OpenSSL 3). */
#define EVENT__HAVE_OPENSSL 1

/* Functions. */
#define EVENT__HAVE_ACCEPT4 1
#define EVENT__HAVE_CLOCK_GETTIME 1
#define EVENT__HAVE_FCNTL 1
#define EVENT__HAVE_GETADDRINFO 1
#define EVENT__HAVE_GETEGID 1
#define EVENT__HAVE_GETEUID 1
#define EVENT__HAVE_GETIFADDRS 1
#define EVENT__HAVE_GETNAMEINFO 1
#define EVENT__HAVE_GETPROTOBYNUMBER 1
#define EVENT__HAVE_GETRANDOM 1
#define EVENT__HAVE_GETSERVBYNAME 1
#define EVENT__HAVE_GETTIMEOFDAY 1
#define EVENT__HAVE_INET_NTOP 1
#define EVENT__HAVE_INET_PTON 1
#define EVENT__HAVE_MMAP 1
#define EVENT__HAVE_NANOSLEEP 1
#define EVENT__HAVE_PIPE 1
#define EVENT__HAVE_PIPE2 1
#define EVENT__HAVE_PUTENV 1
#define EVENT__HAVE_SENDFILE 1
#define EVENT__HAVE_SETENV 1
#define EVENT__HAVE_SETFD 1
#define EVENT__HAVE_SETRLIMIT 1
#define EVENT__HAVE_SIGACTION 1
#define EVENT__HAVE_SIGNAL 1
#define EVENT__HAVE_SPLICE 1
#define EVENT__HAVE_STRSEP 1
#define EVENT__HAVE_STRTOK_R 1
#define EVENT__HAVE_STRTOLL 1
#define EVENT__HAVE_UMASK 1
#define EVENT__HAVE_UNSETENV 1
#define EVENT__HAVE_USLEEP 1
#define EVENT__HAVE_VASPRINTF 1
#define EVENT__HAVE___FUNCTION__ 1
#define EVENT__HAVE___func__ 1

/* sys/time.h and sys/queue.h macros. */
#define EVENT__HAVE_TAILQFOREACH 1
#define EVENT__HAVE_TIMERADD 1
#define EVENT__HAVE_TIMERCLEAR 1
#define EVENT__HAVE_TIMERCMP 1
#define EVENT__HAVE_TIMERISSET 1

/* Types. */
#define EVENT__HAVE_FD_MASK 1
#define EVENT__HAVE_SA_FAMILY_T 1
#define EVENT__HAVE_STRUCT_ADDRINFO 1
#define EVENT__HAVE_STRUCT_IN6_ADDR 1
#define EVENT__HAVE_STRUCT_IN6_ADDR_S6_ADDR16 1
#define EVENT__HAVE_STRUCT_IN6_ADDR_S6_ADDR32 1
#define EVENT__HAVE_STRUCT_LINGER 1
#define EVENT__HAVE_STRUCT_SOCKADDR_IN6 1
#define EVENT__HAVE_STRUCT_SOCKADDR_STORAGE 1
#define EVENT__HAVE_STRUCT_SOCKADDR_STORAGE_SS_FAMILY 1
#define EVENT__HAVE_STRUCT_SOCKADDR_UN 1
#define EVENT__HAVE_UINT8_T 1
#define EVENT__HAVE_UINT16_T 1
#define EVENT__HAVE_UINT32_T 1
#define EVENT__HAVE_UINT64_T 1
#define EVENT__HAVE_UINTPTR_T 1

/* Sizes, from the compiler. */
#define EVENT__SIZEOF_SHORT __SIZEOF_SHORT__
#define EVENT__SIZEOF_INT __SIZEOF_INT__
#define EVENT__SIZEOF_LONG __SIZEOF_LONG__
#define EVENT__SIZEOF_LONG_LONG __SIZEOF_LONG_LONG__
#define EVENT__SIZEOF_SIZE_T __SIZEOF_SIZE_T__
#define EVENT__SIZEOF_VOID_P __SIZEOF_POINTER__
/* pthread_t is an unsigned long in glibc and musl. */
#define EVENT__SIZEOF_PTHREAD_T __SIZEOF_LONG__
/* off_t and time_t are longs unless a 32-bit target asks for 64 bits. */
#if defined(_FILE_OFFSET_BITS) && _FILE_OFFSET_BITS == 64
#define EVENT__SIZEOF_OFF_T 8
#else
#define EVENT__SIZEOF_OFF_T __SIZEOF_LONG__
#endif
#if (defined(_TIME_BITS) && _TIME_BITS == 64) || \
    (defined(__x86_64__) && defined(__ILP32__))
#define EVENT__SIZEOF_TIME_T 8
#else
#define EVENT__SIZEOF_TIME_T __SIZEOF_LONG__
#endif

#endif /* EVENT2_EVENT_CONFIG_H_INCLUDED_ */
