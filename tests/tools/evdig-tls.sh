#!/bin/sh
# evdig +tls (DNS over TLS, RFC 7858) against real servers on loopback,
# with certificates made by tls-lib.sh:
# - NSD serving the test zone on a tls-port: A, AAAA, MX and TXT answers
#   equal kdig +tls's, on every backend; the SERVER line and JSON say TLS;
#   the default (system CAs) refuses our test CA, +tls-ca accepts it with
#   the address or +tls-hostname checked, a mismatching +tls-hostname is
#   refused;
# - a socat OPENSSL-LISTEN relay to NSD's TCP port for the batch: 1,000
#   queries answered as dig -f answers them over UDP, on ONE connection
#   (the relay logs each connection it accepts).  NSD 4.6 itself drops
#   some queries pipelined by the hundred over TLS (it answers 970 of
#   1,000 sent at once), so the batch goes through the relay;
# - expired, wrong-name and self-signed certificates, a server that does
#   not speak TLS and a refused connection: exit 9, with the reason on
#   standard error.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evdig-lib.sh"
. "$top_srcdir/tests/tools/tls-lib.sh"

need nsd kdig dig openssl socat perl awk
Z=evdig.test
pki=$tmp/pki
mkdir -p "$pki"
tls_standard "$pki" || {
	echo "FAIL: cannot make the certificates"
	exit 1
}

# NSD with a TLS port besides its UDP/TCP one.
dns_zone "$tmp/zone" 200 || {
	echo "FAIL: cannot write the zone"
	exit 1
}
DNS_SERVER_LIMIT=300
for try in 1 2 3; do
	tls_port=$(dns_free_port) || break
	DNS_EXTRA_ADDRESS=127.0.0.1@$tls_port
	DNS_EXTRA_CONF="	tls-port: $tls_port
	tls-service-key: $pki/good.key
	tls-service-pem: $pki/good-chain.pem"
	if dns_server_start "$tmp/zone"; then
		break
	fi
done
if [ -z "$dns_port" ]; then
	echo "FAIL: nsd did not start"
	exit 1
fi
pids="$pids $dns_pid"
T="@127.0.0.1 -p $tls_port"
CA="+tls-ca=$pki/ca.pem"

# run NAME ARGS...: evdig ARGS into $tmp/NAME.out and .err, status $st.
run() {
	n=$1
	shift
	timeout -k 5 "$LIMIT" "$EVDIG" "$@" >"$tmp/$n.out" 2>"$tmp/$n.err"
	st=$?
}

# Answers equal kdig's.
for q in "t-a.$Z A" "t-aaaa.$Z AAAA" "t-mx.$Z MX" "t-txt.$Z TXT" \
    "h17.$Z A" "nx.$Z A"; do
	timeout -k 5 "$LIMIT" kdig $T +tls-ca="$pki/ca.pem" \
	    +tls-hostname=localhost +short $q >"$tmp/want" 2>&1
	run got $T "$CA" +tls-hostname=localhost +short $q
	if [ $st = 0 ] && cmp -s "$tmp/want" "$tmp/got.out" &&
	    { [ -s "$tmp/want" ] || [ "${q%% *}" = "nx.$Z" ]; }; then
		ok "+tls $q: kdig's answer"
	else
		fail "+tls $q: status $st"
		diff "$tmp/want" "$tmp/got.out" | head -5
		show "$tmp/got.err"
	fi
done

# Every backend; the address checked against the certificate's IP
# addresses when no name is given.
kdig $T +tls-ca="$pki/ca.pem" +short "t-a.$Z" >"$tmp/want" 2>&1
for m in $METHODS; do
	run m --method "$m" $T "$CA" +short "t-a.$Z"
	[ $st = 0 ] && [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/m.out" &&
	    ok "--method $m: +tls, 127.0.0.1 checked" ||
	    fail "--method $m: status $st"
done

# The transport in the output.
run full $T "$CA" "t-mx.$Z" MX
grep -q "^;; SERVER: 127.0.0.1#$tls_port(127.0.0.1) (TLS)\$" "$tmp/full.out" &&
    ! grep -q Truncated "$tmp/full.out" && ok "SERVER line says TLS" ||
    fail "SERVER line: $(grep SERVER "$tmp/full.out")"
run json $T "$CA" +json "t-a.$Z"
grep -q '"protocol":"TLS"' "$tmp/json.out" && ok "+json: protocol TLS" ||
    fail "+json protocol"
# -p given: used; +notls: back to UDP on that port.
run notls $T "$CA" +notls -p "$dns_port" +short "t-a.$Z"
[ $st = 0 ] && cmp -s "$tmp/want" "$tmp/notls.out" &&
    ok "+notls after +tls-ca: plain DNS" || fail "+notls: status $st"

# refused PATTERN LABEL ARGS...: exit 9, PATTERN on stderr and in the
# output.
refused() {
	pat=$1
	label=$2
	shift 2
	run bad "$@" "t-a.$Z"
	if [ $st = 9 ] && grep -q "^evdig: TLS with 127.0.0.1#[0-9]*: .*$pat" \
	    "$tmp/bad.err" && grep -q "(TLS): .*$pat" "$tmp/bad.out"; then
		ok "$label: exit 9, $(cat "$tmp/bad.err")"
	else
		fail "$label: status $st"
		show "$tmp/bad.err" "$tmp/bad.out"
	fi
}
refused "not trusted" "default: system CAs only" $T +tls
refused "not other.example" "+tls-hostname mismatch" $T "$CA" \
    +tls-hostname=other.example

# A relay from TLS to NSD's TCP port, counting its connections.
# relay LOG CERT: start it; sets $relay_port.
relay() {
	bg socat -d -d "OPENSSL-LISTEN:0,bind=127.0.0.1,fork,reuseaddr,cert=$pki/$2-chain.pem,key=$pki/$2.key,verify=0" \
	    "TCP:127.0.0.1:$dns_port" </dev/null 2>"$tmp/$1"
	relay_pid=$bgpid
	relay_port=$(port_from "$tmp/$1")
}
relay relay.log good
if [ -z "$relay_port" ]; then
	fail "socat relay did not start"
	show "$tmp/relay.log"
else
	awk -v z=$Z 'BEGIN {
	    split("A AAAA MX TXT", t, " ")
	    for (i = 0; i < 1000; i++)
		printf "h%d.%s %s\n", (i * 7) % 200, z, t[i % 4 + 1]
	}' >"$tmp/names"
	timeout -k 5 "$LIMIT" dig @127.0.0.1 -p "$dns_port" -f "$tmp/names" \
	    +short >"$tmp/want" 2>&1
	run batch @127.0.0.1 -p "$relay_port" "$CA" -f "$tmp/names" +short
	conns=$(grep -c 'accepting connection' "$tmp/relay.log")
	if [ $st = 0 ] && [ -s "$tmp/want" ] &&
	    cmp -s "$tmp/want" "$tmp/batch.out" && [ "$conns" = 1 ] &&
	    grep -q '^;; queries: 1000, answered: 1000,' "$tmp/batch.err" &&
	    grep -q '^;; TLS connections: 1$' "$tmp/batch.err"; then
		ok "-f: 1,000 queries over one TLS connection, dig's answers"
	else
		fail "-f +tls: status $st, $conns connections"
		diff "$tmp/want" "$tmp/batch.out" | head -5
		show "$tmp/batch.err"
	fi
	kill "$relay_pid" 2>/dev/null
fi

# Bad certificates, each behind its own relay.
for c in "expired:certificate has expired" \
    "wrongname:certificate is for other.invalid, not 127.0.0.1" \
    "self:self-signed"; do
	relay "relay-${c%%:*}.log" "${c%%:*}"
	if [ -z "$relay_port" ]; then
		fail "relay with ${c%%:*} did not start"
		continue
	fi
	refused "${c#*:}" "${c%%:*} certificate" @127.0.0.1 -p "$relay_port" \
	    "$CA"
	kill "$relay_pid" 2>/dev/null
done

# A server that does not speak TLS: it reads the ClientHello's first
# bytes, answers in HTTP and waits for the client to close (closing first
# could reset the connection before the client reads the answer).
bg socat -d -d TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr \
    SYSTEM:"head -c 5 >/dev/null; printf 'HTTP/1.0 400 Bad request\r\n\r\n'; cat >/dev/null" \
    </dev/null 2>"$tmp/plain.log"
pp=$(port_from "$tmp/plain.log")
[ -n "$pp" ] && refused "handshake failed: the server does not speak TLS" \
    "a server without TLS" @127.0.0.1 -p "$pp" "$CA"

# Nobody listening.
hold_port
if [ -n "$held_port" ]; then
	run bad @127.0.0.1 -p "$held_port" "$CA" "t-a.$Z"
	[ $st = 9 ] && grep -q "cannot connect: Connection refused" \
	    "$tmp/bad.err" && ok "refused connection: exit 9, named" ||
	    { fail "refused connection: status $st"; show "$tmp/bad.err"; }
fi

# +tls options on a line of -f: refused (they are the command's).
echo "t-a.$Z +tls" >"$tmp/line"
run line $T "$CA" -f "$tmp/line"
[ $st = 1 ] && grep -q "command line" "$tmp/line.err" &&
    ok "+tls on a -f line: usage error" || fail "+tls on a line: $st"

done_tests
