#!/bin/sh
# TLS bufferevents (socket and filter variants, tests/ssl_peer.c) against
# openssl s_server and s_client on loopback: a line each way with a
# certificate verified against a test CA and the host name, and the
# certificates a client must refuse (expired, wrong name, self-signed).
# Certificates are made fresh (tests/tools/tls-lib.sh); every port is
# chosen by the kernel and read from the server's output.  The helpers
# (bg, port_from, finish, ...) are tests/tools/test-lib.sh's.

. "${top_srcdir:-.}/tests/tools/test-lib.sh"
. "$top_srcdir/tests/tools/tls-lib.sh"
PEER=$top_builddir/tests/ssl_peer

if ! tls_have_openssl; then
	echo "SKIP: openssl(1) not found"
	exit 77
fi
if [ ! -x "$PEER" ]; then
	echo "SKIP: $PEER not built"
	exit 77
fi

tls_standard "$tmp" || exit 99

# s_server CERT: one connection, lines reversed; sets $srv and $port.
s_server() {
	rm -f "$tmp/srv.out"
	bg openssl s_server -cert "$tmp/$1.pem" -key "$tmp/$1.key" \
	    -accept 127.0.0.1:0 -naccept 1 -rev </dev/null >"$tmp/srv.out" 2>&1
	srv=$bgpid
	port=$(port_from "$tmp/srv.out") || {
		fail "s_server did not start"
		show "$tmp/srv.out"
		return 1
	}
}

for variant in "" -f; do
	name=${variant:+filter}
	name=${name:-socket}

	# A good certificate: the line comes back reversed.
	if s_server good; then
		timeout -k 5 $LIMIT "$PEER" $variant connect localhost "$port" \
		    "$tmp/ca.pem" "hello evkit" >"$tmp/out" 2>"$tmp/err"
		st=$?
		if [ $st -eq 0 ] && [ "$(cat "$tmp/out")" = "tikve olleh" ]; then
			ok "$name client against s_server"
		else
			fail "$name client against s_server (status $st)"
			show "$tmp/out" "$tmp/err" "$tmp/srv.out"
		fi
		kill "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
	fi

	# Certificates a verifying client refuses, each with its reason.
	for cert in expired:expired wrongname:mismatch self:self-signed; do
		c=${cert%%:*}
		why=${cert#*:}
		s_server "$c" || continue
		timeout -k 5 $LIMIT "$PEER" $variant connect localhost "$port" \
		    "$tmp/ca.pem" "hello" >"$tmp/out" 2>"$tmp/err"
		st=$?
		if [ $st -eq 1 ] && grep -q "$why" "$tmp/err" &&
		    [ ! -s "$tmp/out" ]; then
			ok "$name client refuses the $c certificate"
		else
			fail "$name client and the $c certificate (status $st)"
			show "$tmp/out" "$tmp/err"
		fi
		kill "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
	done

	# s_client against our server: a line each way, then close_notify.
	rm -f "$tmp/peer.err"
	bg "$PEER" $variant listen "$tmp/good-chain.pem" "$tmp/good.key" \
	    >"$tmp/peer.out" 2>"$tmp/peer.err" </dev/null
	peer=$bgpid
	if port=$(port_from "$tmp/peer.err"); then
		printf 'ping\n' | timeout -k 5 $LIMIT openssl s_client -quiet \
		    -connect "127.0.0.1:$port" -CAfile "$tmp/ca.pem" \
		    -verify_return_error -verify_hostname localhost \
		    >"$tmp/cli.out" 2>"$tmp/cli.err"
		cst=$?
		finish "$peer" $LIMIT
		if [ $cst -eq 0 ] && [ $fstatus -eq 0 ] &&
		    [ "$(cat "$tmp/peer.out")" = ping ] &&
		    grep -qx pong "$tmp/cli.out"; then
			ok "s_client against the $name server"
		else
			fail "s_client against the $name server" \
			    "(s_client $cst, server $fstatus)"
			show "$tmp/peer.out" "$tmp/peer.err" "$tmp/cli.out" \
			    "$tmp/cli.err"
		fi
	else
		fail "$name server did not start"
		show "$tmp/peer.err"
	fi
done

done_tests
