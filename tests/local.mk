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
	tests/check_watch.c
tests_check_evkit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_evkit_LDADD = lib/libevkit.a $(CHECK_LIBS)

TESTS += \
	tests/backend-epoll.test \
	tests/backend-epoll-changelist.test \
	tests/backend-poll.test \
	tests/backend-select.test \
	tests/backend-debug.test
endif

TEST_LOG_COMPILER = $(SHELL)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = top_srcdir='$(top_srcdir)'; top_builddir='$(top_builddir)'; \
	export top_srcdir top_builddir;

TESTS += \
	tests/headers.sh \
	tests/format.sh \
	tests/no-system-libevent.sh \
	tests/tools/evbench.sh

EXTRA_DIST += \
	tests/run-backend.sh \
	tests/backend-epoll.test \
	tests/backend-epoll-changelist.test \
	tests/backend-poll.test \
	tests/backend-select.test \
	tests/backend-debug.test \
	tests/headers.sh \
	tests/format.sh \
	tests/no-system-libevent.sh \
	tests/tools/evbench.sh \
	tests/summary.sh \
	tests/libevent-reference.sh

# The same suites built against the system libevent, by hand: proves that
# a test asserts libevent's behaviour and not ours.
libevent-check:
	$(SHELL) $(top_srcdir)/tests/libevent-reference.sh
.PHONY: libevent-check
