# The command-line tools and the helpers they share.  Included from the
# top Makefile.am.  The other fragments append to noinst_LIBRARIES with +=.

noinst_LIBRARIES =

# tools/common: option parsing, --method, messages, bounded numbers.
noinst_LIBRARIES += tools/common/libcli.a
tools_common_libcli_a_SOURCES = \
	tools/common/cli.c \
	tools/common/cli.h \
	tools/common/lineedit.c \
	tools/common/lineedit.h
tools_common_libcli_a_CFLAGS = $(AM_CFLAGS) $(LIBEDIT_CFLAGS)

TOOLS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools/common

# tools/common/tls.h: TLS contexts, the throw-away certificate and failure
# messages for evcat, evhttpd and evdig.  A tool using it links
# tools/common/libtls.a lib/libevkit_openssl.a lib/libevkit.a $(OPENSSL_LIBS).
noinst_LIBRARIES += tools/common/libtls.a
tools_common_libtls_a_SOURCES = \
	tools/common/tls.c \
	tools/common/tls.h
tools_common_libtls_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)

# evbench: event loop benchmarks.  workloads.c uses only the public
# libevent 2.1 API; bench/vs-libevent compiles it against both libraries.
bin_PROGRAMS += tools/evbench/evbench
tools_evbench_evbench_SOURCES = \
	tools/evbench/evbench.c \
	tools/evbench/evbench.h \
	tools/evbench/compare.c \
	tools/evbench/host.c \
	tools/evbench/json.c \
	tools/evbench/json.h \
	tools/evbench/options.c \
	tools/evbench/progress.c \
	tools/evbench/rank.c \
	tools/evbench/run.c \
	tools/evbench/report.c \
	tools/evbench/svg.c \
	tools/evbench/syscount.c \
	tools/evbench/syscount.h \
	tools/evbench/workloads.c \
	tools/evbench/workloads.h
tools_evbench_evbench_CPPFLAGS = $(TOOLS_CPPFLAGS) -DWL_WITH_AE \
	-DWL_WITH_WATCH
tools_evbench_evbench_LDADD = tools/common/libcli.a lib/libevkit.a

# evdig: a dig on evdns (event2/dns_query.h), with batch and interactive
# modes.
bin_PROGRAMS += tools/evdig/evdig
tools_evdig_evdig_SOURCES = \
	tools/evdig/evdig.c \
	tools/evdig/evdig.h \
	tools/evdig/batch.c \
	tools/evdig/interactive.c \
	tools/evdig/json.c \
	tools/evdig/options.c \
	tools/evdig/output.c \
	tools/evdig/dot.c
tools_evdig_evdig_CPPFLAGS = $(TOOLS_CPPFLAGS)
tools_evdig_evdig_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
tools_evdig_evdig_LDADD = tools/common/libcli.a tools/common/libtls.a \
	lib/libevkit_openssl.a lib/libevkit.a $(LIBEDIT_LIBS) $(OPENSSL_LIBS)

dist_man_MANS += man/evdig.1

# Against a real server (NSD, tests/tools/dns-server-lib.sh) and dig; each
# test skips without them.
evdig_tests = \
	tests/tools/evdig-usage.sh \
	tests/tools/evdig-vs-dig.sh \
	tests/tools/evdig-batch.sh \
	tests/tools/evdig-interactive.sh \
	tests/tools/evdig-tls.sh
TESTS += $(evdig_tests)

EXTRA_DIST += \
	$(evdig_tests) \
	tests/tools/dns-server-lib.sh \
	tests/tools/evdig-lib.sh \
	tests/fuzz/fuzz_evdig_options.c \
	bench/evdig-batch \
	bench/evdig-tls

# evhttpd: a static file server on evhttp (event2/http.h).
bin_PROGRAMS += tools/evhttpd/evhttpd
tools_evhttpd_evhttpd_SOURCES = \
	tools/evhttpd/main.c \
	tools/evhttpd/evhttpd.h \
	tools/evhttpd/conns.c \
	tools/evhttpd/files.c \
	tools/evhttpd/https.c \
	tools/evhttpd/listing.c \
	tools/evhttpd/log.c \
	tools/evhttpd/mime.c \
	tools/evhttpd/options.c \
	tools/evhttpd/range.c \
	tools/evhttpd/serve.c
tools_evhttpd_evhttpd_CPPFLAGS = $(TOOLS_CPPFLAGS) $(OPENSSL_CFLAGS)
tools_evhttpd_evhttpd_LDADD = tools/common/libcli.a tools/common/libtls.a \
	lib/libevkit_openssl.a lib/libevkit.a $(OPENSSL_LIBS)

dist_man_MANS += man/evhttpd.1

# With real clients: curl, wrk, headless Chromium, raw sockets (each test
# skips without its client).  Every one runs on epoll, poll and select.
evhttpd_tests = \
	tests/tools/evhttpd-usage.sh \
	tests/tools/evhttpd-get.sh \
	tests/tools/evhttpd-safety.sh \
	tests/tools/evhttpd-raw.sh \
	tests/tools/evhttpd-ops.sh \
	tests/tools/evhttpd-wrk.sh \
	tests/tools/evhttpd-browser.sh \
	tests/tools/evhttpd-tls.sh
TESTS += $(evhttpd_tests)

EXTRA_DIST += \
	$(evhttpd_tests) \
	tests/tools/evhttpd-lib.sh \
	tests/fuzz/fuzz_evhttpd_options.c \
	bench/evhttpd-wrk

# evrpcgen: the .rpc code generator (libevent's event_rpcgen.py in C).
# parse.c is the pure parser, emit.c the code writer.
bin_PROGRAMS += tools/evrpcgen/evrpcgen
tools_evrpcgen_evrpcgen_SOURCES = \
	tools/evrpcgen/main.c \
	tools/evrpcgen/parse.c \
	tools/evrpcgen/emit.c \
	tools/evrpcgen/rpcgen.h
