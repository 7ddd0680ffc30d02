# evconnlistener: accepting connections on the core loop.  Included from
# lib/local.mk.

lib_libevkit_a_SOURCES += lib/listener.c
event2include_HEADERS += lib/include/event2/listener.h
