# libevkit_openssl.a: TLS bufferevents over OpenSSL 3, in a library of its
# own so that programs without TLS never link OpenSSL.  Included from
# lib/local.mk.  Programs link `lib/libevkit_openssl.a lib/libevkit.a
# $(OPENSSL_LIBS)` and compile with `$(OPENSSL_CFLAGS)`.

lib_LIBRARIES += lib/libevkit_openssl.a

lib_libevkit_openssl_a_SOURCES = lib/bufferevent_openssl.c
lib_libevkit_openssl_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)

event2include_HEADERS += lib/include/event2/bufferevent_ssl.h

