#!/bin/sh
# evcat --ssl against real peers, on every backend: evcat to evcat (data
# both ways, each side's end passed on), openssl s_server and s_client
# (data, ALPN and SNI as the peer saw them), ncat --ssl both ways, -k; then
# what must be refused, with the message and exit 1: an expired, a
# wrong-name, a self-signed and an untrusted certificate, a plain-text
# client on a TLS listener; and the options that cannot go with --ssl.
# Certificates come from tls-lib.sh, made fresh in $tmp.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"
. "${top_srcdir:-.}/tests/tools/tls-lib.sh"

need openssl
c=$tmp/certs
mkdir -p "$c" && tls_standard "$c" || {
	echo "ERROR: cannot make the test certificates"
	exit 99
}
head -c $((${EVCAT_TEST_MB:-3} * 1048576)) /dev/urandom >"$tmp/up"
head -c 1048576 /dev/urandom >"$tmp/down"
GOOD="--ssl-cert $c/good-chain.pem --ssl-key $c/good.key"
TRUST="--ssl-trustfile $c/ca.pem"

# same A B: the two files hold the same bytes (sha256).
same() {
	[ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]
}

# pid_port PID: the TCP port a child of PID (bg's timeout) listens on.
pid_port() {
	poll_until 50 pid_port_now "$1"
}

pid_port_now() {
	for k in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		p=$(ss -Hltnp 2>/dev/null | grep "pid=$k," |
		    sed -n 's/^.*127\.0\.0\.1:\([0-9][0-9]*\) .*$/\1/p' |
		    head -n 1)
		if [ -n "$p" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# serve IN OUT ARGS...: evcat ARGS listening on 127.0.0.1, a port the
# kernel chose, reading IN and writing OUT (stderr in $tmp/e1); sets $lpid
# and $port.
serve() {
	sin=$1 sout=$2
	shift 2
	rm -f "$tmp/e1"
	bg $E "$@" -l 127.0.0.1 0 <"$sin" >"$sout" 2>"$tmp/e1"
	lpid=$bgpid
	port=$(port_from "$tmp/e1")
}

# Keeps openssl s_server's stdin open without sending anything.
mkfifo "$tmp/idle"
exec 4<>"$tmp/idle"

for m in $METHODS; do
	E="$EVCAT --method $m"

	# evcat to evcat: both directions at once, each ending with its
	# sender's end of input (close_notify), checked against the CA
	# and the name "localhost".
	serve "$tmp/down" "$tmp/srv.out" $GOOD
	timeout -k 5 $LIMIT $E $TRUST localhost "$port" <"$tmp/up" \
	    >"$tmp/cli.out" 2>"$tmp/e2"
	st=$?
	finish $lpid 10
	if [ $st -eq 0 ] && [ $fstatus -eq 0 ] &&
	    same "$tmp/srv.out" "$tmp/up" && same "$tmp/cli.out" "$tmp/down"
	then
		ok "$m: evcat --ssl both ways, half-close passed on"
	else
		fail "$m: evcat to evcat (client $st, server $fstatus)"
		show "$tmp/e1" "$tmp/e2"
	fi

	# evcat -> openssl s_server: the data, the ALPN offer.
	rm -f "$tmp/s.log"
	bg openssl s_server -accept 0 -naccept 1 -cert "$c/good-chain.pem" \
	    -key "$c/good.key" -alpn foo,bar <&4 >"$tmp/s.log" 2>&1
	spid=$bgpid
	port=$(port_from "$tmp/s.log")
	printf 'hello s_server\n' |
	    timeout -k 5 $LIMIT $E $TRUST --ssl-alpn bar,baz localhost \
	    "$port" >/dev/null 2>"$tmp/e2"
	st=$?
	finish $spid 10
	if [ $st -eq 0 ] && grep -q '^hello s_server$' "$tmp/s.log" &&
	    grep -q 'advertised by the client: bar, baz' "$tmp/s.log"; then
		ok "$m: evcat to s_server, ALPN bar,baz offered"
	else
		fail "$m: evcat to s_server ($st)"
		show "$tmp/s.log" "$tmp/e2"
	fi

	# openssl s_server -www -> evcat: a request, evcat's close_notify
	# after it, the page and the server's close_notify.  SNI: only for
	# "localhost" does s_server switch to the certificate evcat accepts
	# (its first is for other.invalid).
	rm -f "$tmp/s.log"
	bg openssl s_server -www -accept 0 -naccept 1 \
	    -cert "$c/wrongname-chain.pem" -key "$c/wrongname.key" \
	    -servername localhost -cert2 "$c/good-chain.pem" \
	    -key2 "$c/good.key" </dev/null >"$tmp/s.log" 2>&1
	spid=$bgpid
	port=$(port_from "$tmp/s.log")
	printf 'GET / HTTP/1.0\r\n\r\n' |
	    timeout -k 5 $LIMIT $E $TRUST --ssl-servername localhost \
	    127.0.0.1 "$port" >"$tmp/cli.out" 2>"$tmp/e2"
	st=$?
	finish $spid 10
	if [ $st -eq 0 ] && head -n 1 "$tmp/cli.out" | grep -q '200 ok' &&
	    grep -q '</HTML>' "$tmp/cli.out"; then
		ok "$m: s_server -www to evcat, SNI localhost seen"
	else
		fail "$m: s_server -www to evcat ($st)"
		show "$tmp/s.log" "$tmp/e2" "$tmp/cli.out"
	fi

	# openssl s_client -> evcat -l: the data and its end; ALPN chosen.
	serve /dev/null "$tmp/srv.out" $GOOD --ssl-alpn foo,bar
	timeout -k 5 $LIMIT openssl s_client -connect "127.0.0.1:$port" \
	    -CAfile "$c/ca.pem" -verify_return_error -verify_hostname \
	    localhost -alpn bar -no_ign_eof -nocommands <"$tmp/up" >"$tmp/s.log" 2>&1
	st=$?
	finish $lpid 10
	if [ $st -eq 0 ] && [ $fstatus -eq 0 ] &&
	    same "$tmp/srv.out" "$tmp/up" &&
	    grep -q '^ALPN protocol: bar' "$tmp/s.log"; then
		ok "$m: s_client to evcat -l, ALPN bar chosen"
	else
		fail "$m: s_client to evcat -l ($st, $fstatus)"
		show "$tmp/e1" "$tmp/s.log"
	fi

	# A throw-away certificate: warned about, refused by default,
	# accepted with --ssl-no-verify.
	serve "$tmp/down" /dev/null --ssl
	timeout -k 5 $LIMIT $E --ssl-no-verify -d 127.0.0.1 "$port" \
	    >"$tmp/cli.out" 2>"$tmp/e2"
	st=$?
	finish $lpid 10
	if [ $st -eq 0 ] && same "$tmp/cli.out" "$tmp/down" &&
	    grep -q 'throw-away self-signed certificate' "$tmp/e1"; then
		ok "$m: throw-away certificate, --ssl-no-verify"
	else
		fail "$m: throw-away certificate ($st)"
		show "$tmp/e1" "$tmp/e2"
	fi

	# Refused by default: "evcat: PEER: MESSAGE", exit 1, on both sides.
	for t in "expired|localhost|certificate has expired" \
	    "wrongname|localhost|certificate is for other.invalid, not localhost" \
	    "wrongname|127.0.0.1|certificate is for other.invalid, not 127.0.0.1" \
	    "self|localhost|self-signed certificate, not trusted" \
	    "good||certificate not trusted: "; do
		cert=${t%%|*}
		rest=${t#*|}
		name=${rest%%|*}
		want=${rest#*|}
		trust=$TRUST
		[ -n "$name" ] || { name=localhost; trust=; }
		serve /dev/null /dev/null --ssl-cert "$c/$cert-chain.pem" \
		    --ssl-key "$c/$cert.key"
		echo secret | timeout -k 5 $LIMIT $E $trust \
		    --ssl-servername "$name" 127.0.0.1 "$port" \
		    >"$tmp/cli.out" 2>"$tmp/e2"
		st=$?
		finish $lpid 10
		if [ $st -eq 1 ] && [ $fstatus -eq 1 ] &&
		    grep -q "^evcat: 127.0.0.1:$port: $want" "$tmp/e2" &&
		    grep -q 'client refused the handshake' "$tmp/e1" &&
		    ! [ -s "$tmp/cli.out" ]; then
			ok "$m: $cert for $name refused: $want"
		else
			fail "$m: $cert for $name ($st, $fstatus)"
			show "$tmp/e2" "$tmp/e1"
		fi
	done

	# A plain-text client on a TLS listener: a clean refusal, exit 1.
	serve /dev/null "$tmp/srv.out" $GOOD
	printf 'GET / HTTP/1.0\r\n\r\n' |
	    timeout -k 5 $LIMIT $E 127.0.0.1 "$port" >/dev/null 2>&1
	finish $lpid 10
	if [ $fstatus -eq 1 ] && grep -q ': handshake failed: ' "$tmp/e1" &&
	    ! [ -s "$tmp/srv.out" ]; then
		ok "$m: plain-text client refused: $(sed -n '$p' "$tmp/e1")"
	else
		fail "$m: plain-text client on a TLS listener ($fstatus)"
		show "$tmp/e1"
	fi
done

# ncat --ssl as server and as client (the TLS is the same on every
# backend: once), one direction each: ncat stops at the first end it sees
# (of its input or of the connection) and drops what it had yet to send.
E="$EVCAT --method $(echo $METHODS | cut -d' ' -f1)"
if have ncat && have ss; then
	bg ncat --ssl $GOOD --recv-only -l 127.0.0.1 0 </dev/null \
	    >"$tmp/srv.out" 2>"$tmp/e1"
	npid=$bgpid
	port=$(pid_port $npid)
	timeout -k 5 $LIMIT $E $TRUST localhost "$port" <"$tmp/up" \
	    >/dev/null 2>"$tmp/e2"
	st=$?
	finish $npid 10
	if [ $st -eq 0 ] && [ $fstatus -eq 0 ] && same "$tmp/srv.out" "$tmp/up"
	then
		ok "evcat --ssl to ncat --ssl -l"
	else
		fail "evcat to ncat ($st, $fstatus)"
		show "$tmp/e1" "$tmp/e2"
	fi

	serve "$tmp/down" /dev/null $GOOD
	timeout -k 5 $LIMIT ncat --ssl --ssl-verify --ssl-trustfile \
	    "$c/ca.pem" --recv-only localhost "$port" </dev/null \
	    >"$tmp/cli.out" 2>"$tmp/e2"
	st=$?
	finish $lpid 10
	if [ $st -eq 0 ] && [ $fstatus -eq 0 ] &&
	    same "$tmp/cli.out" "$tmp/down"; then
		ok "ncat --ssl --ssl-verify to evcat --ssl -l"
	else
		fail "ncat to evcat ($st, $fstatus)"
		show "$tmp/e1" "$tmp/e2"
	fi
else
	echo "skipped: ncat --ssl (no ncat or ss)"
fi

# -k: a failed handshake (a plain-text client) ends that connection
# only; the next TLS client is served.
serve /dev/null "$tmp/srv.out" $GOOD -k
echo one | timeout -k 5 $LIMIT $E $TRUST localhost "$port" 2>"$tmp/e2"
st1=$?
echo plain | timeout -k 5 $LIMIT $E 127.0.0.1 "$port" >/dev/null 2>&1
echo two | timeout -k 5 $LIMIT $E $TRUST localhost "$port" 2>>"$tmp/e2"
st2=$?
if [ $st1 -eq 0 ] && [ $st2 -eq 0 ] && wait_size "$tmp/srv.out" 8 &&
    [ "$(cat "$tmp/srv.out")" = "$(printf 'one\ntwo')" ] &&
    grep -q 'handshake failed' "$tmp/e1"; then
	ok "-k --ssl: a plain-text client refused, the next one served"
else
	fail "-k --ssl ($st1, $st2)"
	show "$tmp/e1" "$tmp/e2" "$tmp/srv.out"
fi
kill $lpid 2>/dev/null

# What cannot go with --ssl is a usage error.
for args in "--ssl -u 127.0.0.1 9" "--ssl -z 127.0.0.1 9" \
    "--ssl-key k 127.0.0.1 9" "--ssl-verify --ssl-no-verify 127.0.0.1 9" \
    "--ssl -U /nonexistent"; do
	$EVCAT $args </dev/null >/dev/null 2>"$tmp/e2"
	st=$?
	if [ $st -eq 2 ] && grep -q 'ssl' "$tmp/e2"; then
		ok "usage error: $args"
	else
		fail "evcat $args: status $st"
		show "$tmp/e2"
	fi
done
$EVCAT --ssl-cert "$tmp/nonexistent.pem" -l 127.0.0.1 0 </dev/null \
    >/dev/null 2>"$tmp/e2"
st=$?
if [ $st -eq 1 ] && grep -q "cannot load certificate $tmp/nonexistent.pem" \
    "$tmp/e2"; then
	ok "a missing certificate file: $(cat "$tmp/e2")"
else
	fail "missing certificate: status $st"
	show "$tmp/e2"
fi

done_tests
