# bufferevents: socket, pair, filter, rate limits.  Included from
# lib/local.mk.

lib_libevkit_a_SOURCES += \
	lib/bufferevent.c \
	lib/bufferevent_sock.c \
	lib/bufferevent_pair.c \
	lib/bufferevent_filter.c \
	lib/bufferevent_ratelim.c

event2include_HEADERS += \
	lib/include/event2/bufferevent.h \
	lib/include/event2/bufferevent_struct.h \
	lib/include/event2/bufferevent_compat.h

noinst_HEADERS += \
	lib/bufferevent-internal.h \
	lib/ratelim-internal.h
