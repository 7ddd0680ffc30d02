# Benchmarks against the system libevent.  Included from the top
# Makefile.am.  They are run by hand, never by `make check`:
#
#	make bench            # = bench/vs-libevent on the built libevkit.a
#	bench/vs-libevent -h  # options: runs, backends, sections
#
# bench-core.c is compiled by the script itself, twice, together with
# tools/evbench/workloads.c: once against libevkit, once against libevent.

EXTRA_DIST += \
	bench/vs-libevent \
	bench/bench-core.c \
	bench/bench-util.h \
	bench/evbuffer-bench.c \
	bench/evbuffer-vs-libevent \
	bench/dns-bench.c \
	bench/dns-vs-libevent \
	bench/dns-wire-parse.c \
	bench/uring-syscalls \
	bench/uring-syscalls.c

# evbuffer micro-benchmark against the system libevent's evbuffer.
bench-evbuffer: lib/libevkit.a
	EVKIT_LIB='$(abs_top_builddir)/lib/libevkit.a' CC='$(CC)' \
	    $(SHELL) '$(top_srcdir)/bench/evbuffer-vs-libevent'
.PHONY: bench-evbuffer

BENCH_FLAGS =

bench: lib/libevkit.a
	EVKIT_LIB='$(abs_top_builddir)/lib/libevkit.a' CC='$(CC)' \
	    $(SHELL) '$(top_srcdir)/bench/vs-libevent' $(BENCH_FLAGS)

.PHONY: bench

# evdns queries/s against NSD on loopback, evkit and the system libevent.
bench-dns: lib/libevkit.a
	EVKIT_LIB='$(abs_top_builddir)/lib/libevkit.a' CC='$(CC)' \
	    $(SHELL) '$(top_srcdir)/bench/dns-vs-libevent'
.PHONY: bench-dns

# evhttp client requests/s in a keep-alive loop, evkit and the system
# libevent, against the same libevent server.
EXTRA_DIST += bench/http-client.c bench/http-client-vs-libevent
bench-http-client: lib/libevkit.a
	EVKIT_LIB='$(abs_top_builddir)/lib/libevkit.a' CC='$(CC)' \
	    $(SHELL) '$(top_srcdir)/bench/http-client-vs-libevent'
.PHONY: bench-http-client

# The evhttp server: 1 KiB keep-alive replies driven by wrk, evkit and the
# system libevent side by side, req/s and syscalls per request.
EXTRA_DIST += bench/http-vs-libevent bench/http-server.c

bench-http: lib/libevkit.a
	EVKIT_LIB='$(abs_top_builddir)/lib/libevkit.a' CC='$(CC)' \
	    $(SHELL) '$(top_srcdir)/bench/http-vs-libevent'
.PHONY: bench-http

# evhttpd against nginx and lighttpd (wrk, ab, strace -c); installs them
# with apt-get when missing.  BENCH_FLAGS as for bench/evhttpd-wrk -h.
bench-evhttpd: tools/evhttpd/evhttpd
	EVHTTPD='$(abs_top_builddir)/tools/evhttpd/evhttpd' \
	    bash '$(top_srcdir)/bench/evhttpd-wrk' $(BENCH_FLAGS)
.PHONY: bench-evhttpd

# TLS bufferevents: libevkit_openssl against the system libevent_openssl
# (MB/s, CPU, system calls).
EXTRA_DIST += bench/ssl-vs-libevent bench/ssl-bench.c
bench-ssl: lib/libevkit.a lib/libevkit_openssl.a
	top_builddir='$(abs_top_builddir)' CC='$(CC)' \
	    $(SHELL) '$(top_srcdir)/bench/ssl-vs-libevent'
.PHONY: bench-ssl

# RPC calls/s, evkit's evrpc against libevent's (same source, both built
# by the script; needs examples/rpc/greet.gen.c from the build).
EXTRA_DIST += bench/rpc-bench.c bench/rpc-vs-libevent
bench-rpc: lib/libevkit.a examples/rpc/greet.gen.c
	EVKIT_LIB='$(abs_top_builddir)/lib/libevkit.a' CC='$(CC)' \
	    $(SHELL) '$(top_srcdir)/bench/rpc-vs-libevent'
.PHONY: bench-rpc
