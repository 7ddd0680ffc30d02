# Tests.  Included from the top Makefile.am.
#
# One Check runner holds every suite; it runs once per backend (the others
# disabled through EVENT_NO*), once with the epoll changelist and once in
# debug mode.  Shell tests cover the headers, the format and the tools.

if HAVE_CHECK
check_PROGRAMS += tests/check_evkit

tests_check_evkit_SOURCES = \
	tests/check_main.c \
	tests/check-internal.h \
	tests/check_event.c \
	tests/check_loop.c \
	tests/check_timer.c \
	tests/check_compat.c \
	tests/check_signal.c \
	tests/check_thread.c \
	tests/check_util.c \
	tests/check_scale.c \
	tests/check_minheap.c \
	tests/check_bufferevent.c \
	tests/check_listener.c \
	tests/check_buffer.c \
	tests/check_reuse.c \
	tests/check_ae.c \
	tests/check_watch.c \
	tests/check_dns_wire.c \
	tests/check_dns.c \
	tests/check_dns_conf.c \
	tests/check_dns_server.c \
	tests/check_http_parse.c \
	tests/check_http_uri.c \
	tests/check_http_client.c \
	tests/check_http.c \
	tests/check_ssl.c \
	tests/check_tag.c \
	tests/check_rpc.c \
	tests/check_fork.c \
	tests/check_uring.c
tests_check_evkit_CPPFLAGS = $(LIB_CPPFLAGS)
tests_check_evkit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(OPENSSL_CFLAGS)
tests_check_evkit_LDADD = lib/libevkit_openssl.a lib/libevkit.a \
	$(CHECK_LIBS) $(OPENSSL_LIBS)

TESTS += \
	tests/backend-epoll.test \
	tests/backend-epoll-changelist.test \
	tests/backend-poll.test \
	tests/backend-select.test \
	tests/backend-io_uring.test \
	tests/backend-debug.test \
	tests/backend-epoll-signalfd.test \
	tests/backend-poll-signalfd.test
endif

# The ae API with a real client: hiredis' ae adapter against redis-server.
if HAVE_HIREDIS
check_PROGRAMS += tests/ae_hiredis
tests_ae_hiredis_SOURCES = tests/ae_hiredis.c
tests_ae_hiredis_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS)
tests_ae_hiredis_LDADD = lib/libevkit.a $(HIREDIS_LIBS)
endif
EXTRA_DIST += tests/ae_hiredis.c

TEST_LOG_COMPILER = $(SHELL)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = top_srcdir='$(top_srcdir)'; top_builddir='$(top_builddir)'; \
	export top_srcdir top_builddir;

TESTS += \
	tests/headers.sh \
	tests/layering.sh \
	tests/hacking-map.sh \
	tests/format.sh \
	tests/no-system-libevent.sh \
	tests/ae-hiredis.sh \
	tests/tools/evbench.sh \
	tests/tools/evbench-report.sh

EXTRA_DIST += \
	tests/run-backend.sh \
	tests/backend-epoll.test \
	tests/backend-epoll-changelist.test \
	tests/backend-poll.test \
	tests/backend-select.test \
	tests/backend-io_uring.test \
	tests/backend-debug.test \
	tests/backend-epoll-signalfd.test \
	tests/backend-poll-signalfd.test \
	tests/headers.sh \
	tests/layering.sh \
	tests/hacking-map.sh \
	tests/bench/http-parse.c \
	tests/format.sh \
	tests/no-system-libevent.sh \
	tests/ae-hiredis.sh \
	tests/tools/evbench.sh \
	tests/tools/evbench-report.sh \
	tests/tools/evbench-lib.sh \
	tests/summary.sh \
	tests/libevent-reference.sh \
	tests/dns-wire-oracle.py

# The same suites built against the system libevent, by hand: proves that
# a test asserts libevent's behaviour and not ours.
libevent-check:
	$(SHELL) $(top_srcdir)/tests/libevent-reference.sh
.PHONY: libevent-check

# ThreadSanitizer: the cases that start threads, once per backend.  Not in
# TESTS: `make tsan-check` runs them in a build configured with
# --enable-sanitizers=thread (./build.sh test does, in build-tsan/).
TSAN_TESTS = \
	tests/tsan-epoll.test \
	tests/tsan-epoll-changelist.test \
	tests/tsan-poll.test \
	tests/tsan-select.test \
	tests/tsan-io_uring.test
EXTRA_DIST += $(TSAN_TESTS) tests/tsan-threads.sh tests/tsan.supp

# Builds only the library and the runner, then runs TSAN_TESTS through the
# usual harness (logs in tests/tsan-*.log, counted by tests/summary.sh).
tsan-check:
	$(MAKE) $(AM_MAKEFLAGS) check-TESTS TESTS='$(TSAN_TESTS)' \
	    check_PROGRAMS=tests/check_evkit$(EXEEXT)
.PHONY: tsan-check

# The allocation-failure sweep: every allocation of each scenario fails in
# turn, in a child of its own (tests/allocfail/allocfail.c says how).
check_PROGRAMS += tests/allocfail/allocfail
tests_allocfail_allocfail_SOURCES = \
	tests/allocfail/allocfail.c \
	tests/allocfail/allocfail.h \
	tests/allocfail/af_core.c \
	tests/allocfail/af_io.c \
	tests/allocfail/af_dns_wire.c \
	tests/allocfail/af_http_uri.c
tests_allocfail_allocfail_LDADD = lib/libevkit.a
TESTS += tests/allocfail/allocfail

# libFuzzer targets, tests/fuzz/fuzz_<name>.c, built with clang and run
# for FUZZ_SECONDS each (tests/fuzz/run.sh says how); not part of check.
# The whole directory is distributed, so that new targets and seed corpora
# need no entry here.
EXTRA_DIST += tests/fuzz
FUZZ_SECONDS = 15
fuzz:
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	LIB_SOURCES='$(lib_libevkit_a_SOURCES)' FUZZ_SECONDS='$(FUZZ_SECONDS)' \
	    $(SHELL) $(top_srcdir)/tests/fuzz/run.sh
.PHONY: fuzz

# evrpcgen (helper B of issue 11): the generated code against evkit and
# the system libevent, the wire both ways, bad .rpc files.
TESTS += tests/tools/evrpcgen.sh
EXTRA_DIST += \
	tests/tools/evrpcgen.sh \
	tests/tools/evrpcgen-all.rpc \
	tests/tools/evrpcgen-wire.c
