# evcat: a netcat on bufferevents.  Included from the top Makefile.am.

bin_PROGRAMS += tools/evcat/evcat
tools_evcat_evcat_SOURCES = \
	tools/evcat/evcat.c \
	tools/evcat/evcat.h \
	tools/evcat/acl.c \
	tools/evcat/broker.c \
	tools/evcat/exec.c \
	tools/evcat/forward.c \
	tools/evcat/hexdump.c \
	tools/evcat/interactive.c \
	tools/evcat/net.c \
	tools/evcat/options.c \
	tools/evcat/proxy.c \
	tools/evcat/proxy_msg.c \
	tools/evcat/relay.c \
	tools/evcat/scan.c \
	tools/evcat/splice.c \
	tools/evcat/ssl.c \
	tools/evcat/state.c \
	tools/evcat/stdio.c \
	tools/evcat/transcript.c \
	tools/evcat/udp.c
tools_evcat_evcat_CPPFLAGS = $(TOOLS_CPPFLAGS)
tools_evcat_evcat_CFLAGS = $(AM_CFLAGS) $(LIBEDIT_CFLAGS) $(OPENSSL_CFLAGS)
tools_evcat_evcat_LDADD = tools/common/libcli.a tools/common/libtls.a \
	lib/libevkit_openssl.a lib/libevkit.a $(LIBEDIT_LIBS) $(OPENSSL_LIBS)

dist_man_MANS += man/evcat.1

# Black-box tests with real peers (nc, socat, tmux; each skips without
# its peer).  Every one runs on epoll, poll and select.
TESTS += \
	tests/tools/evcat-usage.sh \
	tests/tools/evcat-transfer.sh \
	tests/tools/evcat-halfclose.sh \
	tests/tools/evcat-udp.sh \
	tests/tools/evcat-unix.sh \
	tests/tools/evcat-scan.sh \
	tests/tools/evcat-timeout.sh \
	tests/tools/evcat-broker.sh \
	tests/tools/evcat-interactive.sh \
	tests/tools/evcat-options.sh \
	tests/tools/evcat-ncopts.sh \
	tests/tools/evcat-inherited.sh \
	tests/tools/evcat-zerocopy.sh \
	tests/tools/evcat-ssl.sh \
	tests/tools/evcat-keep.sh \
	tests/tools/evcat-exec.sh \
	tests/tools/evcat-acl.sh \
	tests/tools/evcat-relay.sh \
	tests/tools/evcat-proxy.sh

EXTRA_DIST += \
	tests/tools/evcat-lib.sh \
	tests/tools/test-lib.sh \
	tests/tools/tls-lib.sh \
	tests/tools/evcat-usage.sh \
	tests/tools/evcat-transfer.sh \
	tests/tools/evcat-halfclose.sh \
	tests/tools/evcat-udp.sh \
	tests/tools/evcat-unix.sh \
	tests/tools/evcat-scan.sh \
	tests/tools/evcat-timeout.sh \
	tests/tools/evcat-broker.sh \
	tests/tools/evcat-interactive.sh \
	tests/tools/evcat-options.sh \
	tests/tools/evcat-ncopts.sh \
	tests/tools/evcat-inherited.sh \
	tests/tools/evcat-zerocopy.sh \
	tests/tools/evcat-ssl.sh \
	tests/tools/evcat-keep.sh \
	tests/tools/evcat-exec.sh \
	tests/tools/evcat-acl.sh \
	tests/tools/evcat-relay.sh \
	tests/tools/evcat-proxy.sh \
	tests/fuzz/fuzz_evcat_options.c \
	tests/fuzz/fuzz_evcat_proxy.c \
	bench/evcat-throughput \
	bench/tls-throughput
