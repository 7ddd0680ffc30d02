# libevkit.a: the library.  Included from the top Makefile.am.

lib_LIBRARIES += lib/libevkit.a
lib_libevkit_a_CPPFLAGS = $(LIB_CPPFLAGS)

lib_libevkit_a_SOURCES = \
	lib/ae.c \
	lib/dns_wire.c \
	lib/dns_wire_text.c \
	lib/event.c \
	lib/event_compat.c \
	lib/event_config.c \
	lib/event_debug.c \
	lib/event_free.c \
	lib/event_inspect.c \
	lib/event_timer.c \
	lib/evdns_compat.c \
	lib/evdns_conf.c \
	lib/evdns_gai.c \
	lib/evdns_server.c \
	lib/evmap.c \
	lib/epoll.c \
	lib/io_uring.c \
	lib/poll.c \
	lib/select.c \
	lib/signal.c \
	lib/evthread.c \
	lib/evthread_pthread.c \
	lib/evutil.c \
	lib/evutil_time.c \
	lib/evutil_rand.c \
	lib/evdns.c \
	lib/evdns_tcp.c \
	lib/log.c \
	lib/mm.c \
	lib/watch.c

noinst_HEADERS += \
	lib/event-internal.h \
	lib/evmap-internal.h \
	lib/pollmask-internal.h \
	lib/evsignal-internal.h \
	lib/evthread-internal.h \
	lib/minheap-internal.h \
	lib/mm-internal.h \
	lib/log-internal.h \
	lib/util-internal.h \
	lib/time-internal.h \
	lib/timer-internal.h \
	lib/watch-internal.h \
	lib/dns-wire-internal.h \
	lib/dns-wire-text-internal.h \
	lib/evdns-internal.h \
	lib/evdns-core-internal.h \
	lib/evdns-hosts-internal.h

# Public headers: the umbrella compat headers at the top of $(includedir),
# the rest under event2/ as libevent installs them.
include_HEADERS = \
	lib/include/ae.h \
	lib/include/evdns.h \
	lib/include/event.h \
	lib/include/evutil.h

event2includedir = $(includedir)/event2
event2include_HEADERS = \
	lib/include/event2/dns.h \
	lib/include/event2/dns_compat.h \
	lib/include/event2/dns_query.h \
	lib/include/event2/dns_struct.h \
	lib/include/event2/event.h \
	lib/include/event2/event_compat.h \
	lib/include/event2/event_struct.h \
	lib/include/event2/event-config.h \
	lib/include/event2/keyvalq_struct.h \
	lib/include/event2/thread.h \
	lib/include/event2/util.h \
	lib/include/event2/visibility.h \
	lib/include/event2/watch.h \
	lib/include/event2/watch_idle.h

# The buffered I/O layer keeps its own fragments.
include lib/buffer.mk
include lib/bufferevent.mk
include lib/listener.mk
include lib/http.mk
include lib/ssl.mk

include lib/rpc.mk

# The tagged data codec (event2/tag.h), helper B of issue 11.
lib_libevkit_a_SOURCES += lib/evtag.c
event2include_HEADERS += \
	lib/include/event2/tag.h \
	lib/include/event2/tag_compat.h
