# libevkit_openssl.a: TLS bufferevents over OpenSSL 3, in a library of its
# own so that programs without TLS never link OpenSSL.  Included from
# lib/local.mk.  Programs link `lib/libevkit_openssl.a lib/libevkit.a
# $(OPENSSL_LIBS)` and compile with `$(OPENSSL_CFLAGS)`.

lib_LIBRARIES += lib/libevkit_openssl.a

lib_libevkit_openssl_a_SOURCES = lib/bufferevent_openssl.c
lib_libevkit_openssl_a_CPPFLAGS = $(LIB_CPPFLAGS)
lib_libevkit_openssl_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)

event2include_HEADERS += lib/include/event2/bufferevent_ssl.h


# A TLS peer on these bufferevents, run against openssl s_server and
# s_client by tests/ssl-openssl.sh.
check_PROGRAMS += tests/ssl_peer
tests_ssl_peer_SOURCES = tests/ssl_peer.c
tests_ssl_peer_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tests_ssl_peer_LDADD = lib/libevkit_openssl.a lib/libevkit.a $(OPENSSL_LIBS)
TESTS += tests/ssl-openssl.sh
EXTRA_DIST += tests/ssl-openssl.sh tests/tools/test-lib.sh tests/tools/tls-lib.sh
