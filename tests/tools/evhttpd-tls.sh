#!/bin/sh
# evhttpd over HTTPS (--tls-cert, --tls-key), with curl --cacert and
# openssl s_client as the clients, on every backend: GET (small and
# large files), Range, keep-alive (the connection reused), pipelining
# (two requests in one write, answered in order), ALPN http/1.1, TLS 1.2
# and 1.3 served and 1.1 refused by the server, the self-signed test CA
# refused by curl without --cacert, a plain HTTP request on the TLS port
# answered 400 and closed, the access log naming TLS, --threads 2, and
# SIGHUP: a new connection gets the new certificate (by serial), one
# already open goes on, and a bad pair is reported with the old kept;
# SIGTERM lets an HTTPS download finish.
# Startup errors (a missing file, a key that does not match, one option
# without the other) are checked once.  Certificates are made by
# tls-lib.sh in the test's directory.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evhttpd-lib.sh"
. "$top_srcdir/tests/tools/tls-lib.sh"
need curl openssl

make_site
pki=$tmp/pki
mkdir -p "$pki"
here="DNS:localhost,IP:127.0.0.1,IP:::1"
tls_standard "$pki" && tls_cert "$pki" good2 ca "$here" ||
    { fail "cannot make the test certificates"; done_tests; }
serial_of() {
	openssl x509 -noout -serial -in "$1" | sed 's/.*=//'
}
serial1=$(serial_of "$pki/good.pem")
serial2=$(serial_of "$pki/good2.pem")

# The files the server is given; SIGHUP reads them again.
use_pair() {
	cp "$pki/$1-chain.pem" "$pki/srv.pem" && cp "$pki/$2.key" "$pki/srv.key"
}

# client ARGS...: openssl s_client on the server, bounded; output in
# $tmp/sc.out and $tmp/sc.err; standard input is the caller's.
client() {
	timeout -k 2 10 openssl s_client -connect "127.0.0.1:$port" \
	    -CAfile "$pki/ca.pem" "$@" >"$tmp/sc.out" 2>"$tmp/sc.err"
}

# served_serial: the serial of the certificate a new connection gets.
served_serial() {
	client </dev/null
	openssl x509 -noout -serial <"$tmp/sc.out" 2>/dev/null | sed 's/.*=//'
}

# Startup errors: clear, and no server.
startup_error() {
	want=$1
	shift
	timeout -k 2 10 "$EVHTTPD" -p 0 "$@" "$www" </dev/null \
	    >/dev/null 2>"$tmp/start.err"
	st=$?
	if [ "$st" = "$want" ] && [ -s "$tmp/start.err" ] &&
	    ! grep -q 'listening on' "$tmp/start.err"; then
		ok "refused ($st): $* : $(head -n 1 "$tmp/start.err")"
	else
		fail "startup with $*: status $st (want $want)"
		show "$tmp/start.err"
	fi
}
startup_error 2 --tls-cert "$pki/good.pem"
startup_error 2 --tls-key "$pki/good.key"
startup_error 1 --tls-cert "$pki/none.pem" --tls-key "$pki/good.key"
startup_error 1 --tls-cert "$pki/good.pem" --tls-key "$pki/none.key"
startup_error 1 --tls-cert "$pki/good.pem" --tls-key "$pki/good2.key"
# Said as such, not as OpenSSL's "key values mismatch".
if grep -q 'good2.key does not match certificate' "$tmp/start.err"; then
	ok "a key of another certificate is named as such"
else
	fail "mismatched key: $(head -n 1 "$tmp/start.err")"
fi
startup_error 1 --tls-cert "$pki/good.key" --tls-key "$pki/good.key"

for m in $METHODS; do
	use_pair good good
	start_server "$m" --tls-cert "$pki/srv.pem" --tls-key "$pki/srv.key" \
	    -l "$tmp/log.$m" "$www" || continue
	base=https://127.0.0.1:$port
	cc="--cacert $pki/ca.pem"

	# GET, a small file and a large one (not sendfile over TLS).
	# shellcheck disable=SC2086
	code=$(get $cc "$base/hello.txt")
	[ "$code" = 200 ] && [ "$(cat "$tmp/b")" = "hello, world" ] &&
	    ok "$m: GET over HTTPS" || fail "$m: GET: $code"
	# shellcheck disable=SC2086
	code=$(get $cc "$base/1m.bin")
	[ "$code" = 200 ] && cmp -s "$tmp/b" "$www/1m.bin" &&
	    ok "$m: 1 MiB file over HTTPS" || fail "$m: 1 MiB file: $code"

	# Range.
	# shellcheck disable=SC2086
	code=$(get $cc -r 100-199 "$base/1k.bin")
	dd if="$www/1k.bin" of="$tmp/want" bs=100 skip=1 count=1 2>/dev/null
	[ "$code" = 206 ] && cmp -s "$tmp/b" "$tmp/want" &&
	    [ "$(header Content-Range)" = "bytes 100-199/1024" ] &&
	    ok "$m: Range over HTTPS" || fail "$m: Range: $code"

	# Keep-alive: four URLs, one connection.
	# shellcheck disable=SC2086
	n=$(curl -s --max-time 10 $cc -w '%{num_connects}\n' \
	    -o /dev/null "$base/hello.txt" -o /dev/null "$base/1k.bin" \
	    -o /dev/null "$base/page.txt" -o /dev/null "$base/1m.bin" |
	    awk '{ s += $1; n++ } END { print n " " s }')
	[ "$n" = "4 1" ] && ok "$m: keep-alive: 4 requests, 1 connection" ||
	    fail "$m: keep-alive: requests and connections: $n"

	# Pipelining: two requests in one write, answered in order.
	printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /page.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	    client -quiet
	a=$(grep -n 'hello, world' "$tmp/sc.out" | cut -d: -f1)
	b=$(grep -n 'plain text' "$tmp/sc.out" | cut -d: -f1)
	[ "$(grep -c '^HTTP/1.1 200' "$tmp/sc.out")" = 2 ] &&
	    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] &&
	    ok "$m: pipelining: both answered in order" ||
	    { fail "$m: pipelining"; show "$tmp/sc.out" "$tmp/sc.err"; }

	# ALPN: http/1.1 chosen; nothing in common, none chosen.
	client -alpn h2,http/1.1 </dev/null
	grep -q '^ALPN protocol: http/1.1' "$tmp/sc.out" &&
	    ok "$m: ALPN http/1.1" || { fail "$m: ALPN"; show "$tmp/sc.out"; }
	# The chain file is sent whole: the leaf, then the CA.
	grep -q '^ 1 s:CN = evkit test CA ca' "$tmp/sc.out" &&
	    ok "$m: the certificate chain is sent" ||
	    { fail "$m: chain"; show "$tmp/sc.out"; }
	client -alpn h2 </dev/null
	grep -q '^No ALPN negotiated' "$tmp/sc.out" &&
	    ok "$m: ALPN h2 only: none negotiated" || fail "$m: ALPN h2 only"

	# TLS 1.2 and 1.3 served; 1.1 refused by the server (the client is
	# let offer it: OpenSSL 3 refuses it by itself at level 1).
	for v in 1_2 1_3; do
		client -tls$v </dev/null
		grep -q "^New, TLSv${v%_*}.${v#*_}, Cipher" "$tmp/sc.out" &&
		    ok "$m: TLS ${v%_*}.${v#*_} served" ||
		    { fail "$m: TLS $v"; show "$tmp/sc.out" "$tmp/sc.err"; }
	done
	client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null
	st=$?
	[ "$st" != 0 ] && grep -q 'alert protocol version' "$tmp/sc.err" &&
	    ok "$m: TLS 1.1 refused by the server" ||
	    { fail "$m: TLS 1.1: status $st"; show "$tmp/sc.err"; }

	# curl without --cacert: the test CA is not trusted (60).
	curl -s --max-time 5 -o /dev/null "$base/hello.txt"
	st=$?
	[ "$st" = 60 ] && ok "$m: curl without --cacert refuses (60)" ||
	    fail "$m: curl without --cacert: status $st"

	# Plain HTTP on the TLS port: a plain 400, then the close.
	code=$(get "http://127.0.0.1:$port/hello.txt")
	st=$?
	[ "$code" = 400 ] && grep -q 'https://' "$tmp/b" &&
	    ok "$m: plain HTTP on the TLS port: 400, closed" ||
	    fail "$m: plain HTTP on the TLS port: status $st, code $code"
	# Something that is neither TLS nor HTTP: closed, nothing hangs.
	printf 'hello there\r\n\r\n' >"$tmp/junk"
	raw "$tmp/junk" >"$tmp/junk.out" 2>&1
	st=$?
	[ "$st" = 0 ] && ! grep -q 'hello there' "$tmp/junk.out" &&
	    ok "$m: non-TLS bytes: closed" ||
	    { fail "$m: non-TLS bytes: status $st"; show "$tmp/junk.out"; }

	# --- SIGHUP ---
	[ "$(served_serial)" = "$serial1" ] &&
	    ok "$m: the first certificate served" ||
	    fail "$m: serial before SIGHUP"
	# A connection opened before the reload and used after it.
	# (Opened read-write first, so that neither open blocks; s_client
	# -quiet leaves when the server closes, not at the end of its input.)
	rm -f "$tmp/fifo" "$tmp/held.out"
	mkfifo "$tmp/fifo"
	exec 4<>"$tmp/fifo"
	bg openssl s_client -quiet -connect "127.0.0.1:$port" \
	    -CAfile "$pki/ca.pem" <"$tmp/fifo" >"$tmp/held.out" 2>&1 4>&-
	held=$bgpid
	printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' >&4
	wait_for "$tmp/held.out" 'hello, world' ||
	    fail "$m: the held connection got no first reply"
	use_pair good2 good2
	kill -HUP "$(server_pid)"
	wait_for "$srv_err" 'reloaded' || fail "$m: no word of the reload"
	[ "$(served_serial)" = "$serial2" ] &&
	    ok "$m: SIGHUP: a new connection gets the new certificate" ||
	    fail "$m: SIGHUP: serial after reload not $serial2"
	printf 'GET /page.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&4
	exec 4>&-
	finish "$held" 10
	grep -q 'plain text' "$tmp/held.out" &&
	    ok "$m: SIGHUP: a connection already open goes on" ||
	    { fail "$m: held connection after SIGHUP"; show "$tmp/held.out"; }

	# A bad pair: reported, the old one kept.
	use_pair good good2
	kill -HUP "$(server_pid)"
	wait_for "$srv_err" 'keeping' || fail "$m: bad pair: no warning"
	[ "$(served_serial)" = "$serial2" ] &&
	    ok "$m: SIGHUP with a bad pair: reported, old pair kept" ||
	    fail "$m: bad pair: serial changed"
	# shellcheck disable=SC2086
	code=$(get $cc "$base/hello.txt")
	[ "$code" = 200 ] && ok "$m: still serving after the bad pair" ||
	    fail "$m: after the bad pair: $code"

	# SIGTERM during a download: it completes, then the exit.
	: >"$tmp/dl.$m"
	# shellcheck disable=SC2086
	curl -s --max-time 15 $cc --limit-rate 2M -o "$tmp/dl.$m" \
	    "$base/1m.bin" &
	dl=$!
	pids="$pids $dl"
	wait_size "$tmp/dl.$m" 100000 || fail "$m: download did not start"
	stop_server
	[ "$fstatus" = 0 ] && ok "$m: clean exit" || fail "$m: status $fstatus"
	wait "$dl"
	cmp -s "$tmp/dl.$m" "$www/1m.bin" &&
	    ok "$m: SIGTERM: the HTTPS download in flight completed" ||
	    fail "$m: SIGTERM cut the download ($(wc -c <"$tmp/dl.$m") bytes)"
	grep -q '"GET /hello.txt HTTP/1.1" 200 .* "TLSv1.3"$' "$tmp/log.$m" &&
	    ok "$m: the access log names TLS" ||
	    { fail "$m: access log"; show "$tmp/log.$m"; }

	# --threads 2: 10 clients of 5 requests each, over TLS.
	use_pair good good
	start_server "$m" --threads 2 --tls-cert "$pki/srv.pem" \
	    --tls-key "$pki/srv.key" "$www" || continue
	base=https://127.0.0.1:$port
	set -- --cacert "$pki/ca.pem"
	for u in hello.txt 1k.bin 1m.bin list/ page.txt; do
		set -- "$@" -o /dev/null "$base/$u"
	done
	n=$(fan_out 10 "$@")
	[ "$n" = 50 ] && ok "$m: --threads 2 over TLS: 50 of 50" ||
	    fail "$m: --threads 2 over TLS: $n of 50"
	stop_server
	[ "$fstatus" = 0 ] && ok "$m: --threads 2: clean exit" ||
	    fail "$m: --threads 2: status $fstatus"
done

done_tests
