# evhttp: the HTTP server and client.  Included from lib/local.mk.
# lib/http-internal.h says which file owns what.

noinst_HEADERS += \
	lib/http-headers-internal.h \
	lib/http-internal.h \
	lib/http-parse-internal.h \
	lib/http-uri-internal.h

include_HEADERS += lib/include/evhttp.h

event2include_HEADERS += \
	lib/include/event2/http.h \
	lib/include/event2/http_compat.h \
	lib/include/event2/http_struct.h

# The pure parts: message parser, URIs and encodings, header lists.
lib_libevkit_a_SOURCES += \
	lib/http_parse.c \
	lib/http_uri.c \
	lib/http_headers.c

# Connections, requests and the server.
lib_libevkit_a_SOURCES += \
	lib/http.c \
	lib/http_server.c

# The client.
lib_libevkit_a_SOURCES += \
	lib/http_client.c \
	lib/http_compat.c
