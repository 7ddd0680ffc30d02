# Examples.  Included from the top Makefile.am.
#
# examples/rpc: a greeting server and client built from greet.rpc.  The
# build runs tools/evrpcgen on it (the generated greet.gen.[ch] are never
# checked in); tests/tools/rpc-example.sh runs the pair on loopback.

noinst_PROGRAMS += examples/rpc/greet-server examples/rpc/greet-client

# What evrpcgen makes from greet.rpc; both programs compile it.
examples_rpc_gen = examples/rpc/greet.gen.h examples/rpc/greet.gen.c

examples_rpc_greet_server_SOURCES = \
	examples/rpc/greet-server.c \
	examples/rpc/greet-rpc.h
nodist_examples_rpc_greet_server_SOURCES = $(examples_rpc_gen)
examples_rpc_greet_server_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_builddir)/examples/rpc -I$(top_srcdir)/examples/rpc
examples_rpc_greet_server_LDADD = lib/libevkit.a

examples_rpc_greet_client_SOURCES = \
	examples/rpc/greet-client.c \
	examples/rpc/greet-rpc.h
nodist_examples_rpc_greet_client_SOURCES = $(examples_rpc_gen)
examples_rpc_greet_client_CPPFLAGS = $(examples_rpc_greet_server_CPPFLAGS)
examples_rpc_greet_client_LDADD = lib/libevkit.a

# Generated before anything that includes greet.gen.h is compiled.
BUILT_SOURCES = $(examples_rpc_gen)
CLEANFILES += $(examples_rpc_gen)

examples/rpc/greet.gen.h: $(top_srcdir)/examples/rpc/greet.rpc \
    tools/evrpcgen/evrpcgen$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) examples/rpc && \
	    tools/evrpcgen/evrpcgen$(EXEEXT) -q \
	    $(top_srcdir)/examples/rpc/greet.rpc \
	    examples/rpc/greet.gen.h examples/rpc/greet.gen.c
examples/rpc/greet.gen.c: examples/rpc/greet.gen.h

EXTRA_DIST += examples/rpc/greet.rpc

# The pair against each other, and against the same source built with
# the system libevent when it is installed.
TESTS += tests/tools/rpc-example.sh
EXTRA_DIST += tests/tools/rpc-example.sh
