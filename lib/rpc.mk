# evrpc: RPC servers and clients on evhttp.  Included from lib/local.mk.
# The tag codec (lib/evtag.c, event2/tag.h) has its own lines.

event2include_HEADERS += \
	lib/include/event2/rpc.h \
	lib/include/event2/rpc_compat.h \
	lib/include/event2/rpc_struct.h

noinst_HEADERS += lib/evrpc-internal.h

lib_libevkit_a_SOURCES += lib/evrpc.c
