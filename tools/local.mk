# The command-line tools and the helpers they share.  Included from the
# top Makefile.am.  The other fragments append to noinst_LIBRARIES with +=.

noinst_LIBRARIES =

# tools/common: option parsing, --method, messages, bounded numbers.
noinst_LIBRARIES += tools/common/libcli.a
tools_common_libcli_a_SOURCES = \
	tools/common/cli.c \
	tools/common/cli.h

TOOLS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools/common

# evbench: event loop benchmarks.  workloads.c uses only the public
# libevent 2.1 API; bench/vs-libevent compiles it against both libraries.
bin_PROGRAMS += tools/evbench/evbench
tools_evbench_evbench_SOURCES = \
	tools/evbench/evbench.c \
	tools/evbench/evbench.h \
	tools/evbench/options.c \
	tools/evbench/run.c \
	tools/evbench/report.c \
	tools/evbench/workloads.c \
	tools/evbench/workloads.h
tools_evbench_evbench_CPPFLAGS = $(TOOLS_CPPFLAGS) -DWL_WITH_AE
tools_evbench_evbench_LDADD = tools/common/libcli.a lib/libevkit.a
