# evbuffer: event2/buffer.h and buffer_compat.h.  Included from lib/local.mk.

lib_libevkit_a_SOURCES += \
	lib/buffer.c \
	lib/buffer_file.c \
	lib/buffer_search.c

event2include_HEADERS += \
	lib/include/event2/buffer.h \
	lib/include/event2/buffer_compat.h

noinst_HEADERS += \
	lib/evbuffer-internal.h
