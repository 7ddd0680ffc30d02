#!/bin/sh
# The RPC example (examples/rpc): greet-server and greet-client on
# loopback; a call, a refused call (count out of range) and a call to a
# port where nothing listens.  When the system libevent is installed, the
# same sources are built against it (with libevent's own headers) and
# each build talks to the other, both ways.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

ex=$top_builddir/examples/rpc
if [ ! -x "$ex/greet-server" ] || [ ! -x "$ex/greet-client" ]; then
	echo "SKIP: examples/rpc not built"
	exit 77
fi

printf '%s\n' "Hello, Ada! (1 of 3)" "Hello, Ada! (2 of 3)" \
    "Hello, Ada! (3 of 3)" "served 1" >"$tmp/want"

# pair SERVER CLIENT LABEL: a refused call, then a good one to a server
# that exits after one good call.
pair() {
	bg "$1" -n 1 2>"$tmp/srv.err"
	spid=$bgpid
	if ! port=$(port_from "$tmp/srv.err"); then
		fail "$3: the server did not listen"
		show "$tmp/srv.err"
		return
	fi
	timeout "$LIMIT" "$2" -p "$port" -c 101 Bob >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st -eq 1 ] && [ ! -s "$tmp/out" ] &&
	    grep -q 'Greet failed: no valid reply' "$tmp/err"; then
		ok "$3: a refused call"
	else
		fail "$3: a refused call (status $st)"
		show "$tmp/out" "$tmp/err"
	fi
	if timeout "$LIMIT" "$2" -p "$port" -c 3 Ada >"$tmp/out" \
	    2>"$tmp/err" && cmp -s "$tmp/want" "$tmp/out"; then
		ok "$3: a call"
	else
		fail "$3: a call"
		show "$tmp/out" "$tmp/err" "$tmp/srv.err"
	fi
	finish "$spid" 10
	if [ "$fstatus" -eq 0 ] && grep -q 'served 1 calls' "$tmp/srv.err"; then
		ok "$3: the server ends after its one good call"
	else
		fail "$3: the server (status $fstatus)"
		show "$tmp/srv.err"
	fi
}

pair "$ex/greet-server" "$ex/greet-client" evkit

# Nothing listens on a held port: the call fails, with the status
# libevent gives a refused connection (ERR_BADPAYLOAD).
hold_port
if [ -n "$held_port" ]; then
	timeout "$LIMIT" "$ex/greet-client" -p "$held_port" -t 5 Cy \
	    >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st -eq 1 ] && grep -q 'Greet failed: no valid reply' "$tmp/err"; then
		ok "no server: status 1"
	else
		fail "no server (status $st)"
		show "$tmp/err"
	fi
fi

# The same sources against the system libevent, when it is there.
cc=${CC:-cc}
src=${top_srcdir:-.}/examples/rpc
if printf '#include <event2/rpc.h>\nint main(void) { return 0; }\n' |
    $cc -x c - -o /dev/null -levent -levent_extra 2>/dev/null; then
	for p in server client; do
		if ! $cc -o "$tmp/le-$p" -I"$ex" -I"$src" "$src/greet-$p.c" \
		    "$ex/greet.gen.c" -levent -levent_extra 2>"$tmp/cc.err"; then
			fail "build greet-$p against libevent"
			show "$tmp/cc.err"
		fi
	done
	if [ -x "$tmp/le-server" ] && [ -x "$tmp/le-client" ]; then
		pair "$tmp/le-server" "$ex/greet-client" "libevent server"
		pair "$ex/greet-server" "$tmp/le-client" "libevent client"
	fi
else
	echo "note: no libevent (-levent -levent_extra): interop not checked"
fi

[ "$failures" -eq 0 ]
