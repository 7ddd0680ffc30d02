#!/bin/sh
# evdig against dig, both asking a real server (NSD on a free loopback
# port, tests/tools/dns-server-lib.sh): every record type, a CNAME chain,
# a DNAME, RRsets over 512 and 1232 bytes (truncation, then TCP), a
# delegation, NXDOMAIN, NODATA, reverse names; the records must be equal
# line for line (the text of the rdata exactly), the header's status and
# flags too.  +json must parse and hold the same records.  Exit statuses:
# no reply, --fail.  Every backend answers the same.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evdig-lib.sh"

start_dns 300
Z=evdig.test

# Every type, record for record, in the answer section.
for t in A AAAA CNAME DNAME MX TXT PTR SRV CAA NAPTR SSHFP DS DNSKEY \
    RRSIG NSEC TLSA SVCB HTTPS; do
	n=t-$(echo "$t" | tr 'A-Z' 'a-z').$Z
	both +noall +answer "$n" "$t"
	same "$t: the answer records equal dig's"
done
both +noall +answer t-unknown.$Z TYPE65280
same "TYPE65280: RFC 3597 text equal to dig's"
both +noall +answer $Z SOA
same "SOA equal to dig's"
both +noall +answer $Z NS
same "NS equal to dig's"

# The whole layout, without what differs from run to run.
layout() {
	for f in "$tmp/dig.out" "$tmp/evdig.out"; do
		sed -e '/^; <<>> /d' -e '/^;; Query time:/d' -e '/^;; WHEN:/d' \
		    -e 's/, id: [0-9]*$//' "$f" >"$f.l"
		mv "$f.l" "$f"
	done
}
for q in "t-mx.$Z MX" "c1.$Z" "foo.dn.$Z" "nope.$Z" "nodata.$Z" \
    "h7.$Z SRV" "-x 10.0.1.2" "-x 2001:db8::1:2" "big.$Z TXT +noedns" \
    "huge.$Z TXT" "www.child.$Z +norecurse" "t-a.$Z +tcp" \
    "t-rrsig.$Z RRSIG +dnssec" "t-a.$Z +cd +adflag" "t-a.$Z CH" \
    "t-txt.$Z TXT +bufsize=512"; do
	# shellcheck disable=SC2086
	both $q
	layout
	same "$q: dig's layout, header status and flags"
done

# Several queries on one command line, the options after a name its own.
both "t-a.$Z" +norecurse "t-mx.$Z" MX +tcp -x 10.0.0.9 +nostats
layout
same "three queries, each with its own options"

# +short, and +json against it.
need jq
for q in "t-a.$Z" "c1.$Z" "t-txt.$Z TXT" "t-naptr.$Z NAPTR" \
    "huge.$Z TXT" "t-unknown.$Z TYPE65280" "nope.$Z"; do
	# shellcheck disable=SC2086
	both +short $q
	same "$q +short"
	# shellcheck disable=SC2086
	ev $S +json $q >"$tmp/json" 2>&1
	jq -r '.answerRRs[] | to_entries[] | select(.key | startswith("rdata"))
	    | .value' <"$tmp/json" >"$tmp/json.short" 2>"$tmp/jq.err"
	if [ -s "$tmp/dig.out" ] && ! cmp -s "$tmp/json.short" "$tmp/dig.out"
	then
		fail "$q +json: records differ"
		show "$tmp/json" "$tmp/jq.err"
	elif ! jq -e '.ID >= 0 and .QR == 1 and (.messageOctetsHEX | length)
	    > 24 and .ANCOUNT == (.answerRRs | length) and .dateSeconds > 0
	    and (.questionRRs[0].NAME | endswith("."))' \
	    <"$tmp/json" >/dev/null; then
		fail "$q +json: fields"
		show "$tmp/json"
	else
		ok "$q +json parses and holds dig's records"
	fi
done
ev $S +json "nope.$Z" | jq -e '.RCODE == 3 and .AA == 1 and
    .NSCOUNT == 1 and .authorityRRs[0].TYPEname == "SOA"' >/dev/null &&
    ok "+json NXDOMAIN: RCODE 3, the SOA in authorityRRs" ||
    fail "+json NXDOMAIN"

# Exit statuses: 0 for any reply without --fail; 20 + rcode with it.
ev $S +short "nope.$Z" >/dev/null 2>&1
st=$?
ev $S +short --fail "nope.$Z" >/dev/null 2>&1
fst=$?
ev $S +short --fail "t-a.$Z" >/dev/null 2>&1
okst=$?
if [ $st = 0 ] && [ $fst = 23 ] && [ $okst = 0 ]; then
	ok "exit status: NXDOMAIN 0, with --fail 23; NOERROR 0"
else
	fail "exit status: NXDOMAIN $st, --fail $fst, NOERROR --fail $okst"
fi

# No reply: a port nobody serves (UDP), one try of a second.
hold_port
p=$held_port
start=$(now_ms)
timeout -k 5 "$LIMIT" "$EVDIG" @127.0.0.1 -p "$p" +timeout=1 +tries=1 \
    "t-a.$Z" >"$tmp/out" 2>&1
st=$?
took=$(($(now_ms) - start))
if [ $st = 9 ] && [ $took -lt 5000 ] && grep -q '^;; ' "$tmp/out"; then
	ok "no server: exit 9 (dig's) in ${took} ms"
else
	fail "no server: status $st after ${took} ms"
	show "$tmp/out"
fi

# The system resolver's file when no @server is given (-p applies).
echo "nameserver 127.0.0.1" >"$tmp/resolv.conf"
EVDIG_RESOLV_CONF=$tmp/resolv.conf timeout -k 5 "$LIMIT" "$EVDIG" \
    -p "$dns_port" +short "t-a.$Z" >"$tmp/out" 2>&1
if printf '192.0.2.1\n192.0.2.2\n' | cmp -s - "$tmp/out"; then
	ok "resolv.conf's nameserver with -p"
else
	fail "resolv.conf"
	show "$tmp/out"
fi

# Every backend gives the same answers; EVENT_SHOW_METHOD names it.
dig $S +short "c1.$Z" "t-txt.$Z" TXT >"$tmp/want"
for m in $METHODS; do
	EVENT_SHOW_METHOD=1 timeout -k 5 "$LIMIT" "$EVDIG" --method "$m" \
	    $S +short "c1.$Z" "t-txt.$Z" TXT >"$tmp/got" 2>"$tmp/err"
	if cmp -s "$tmp/got" "$tmp/want" && grep -q "using method $m" "$tmp/err"
	then
		ok "--method $m: same answers, method shown"
	else
		fail "--method $m"
		show "$tmp/got" "$tmp/err"
	fi
done

# Without --method, EVENT_NO* chooses and EVENT_SHOW_METHOD tells.
EVENT_SHOW_METHOD=1 EVENT_NOEPOLL=1 timeout -k 5 "$LIMIT" "$EVDIG" $S \
    +short "t-a.$Z" >"$tmp/got" 2>"$tmp/err"
if grep -q "using method poll" "$tmp/err" && [ -s "$tmp/got" ]; then
	ok "EVENT_NOEPOLL: poll, and EVENT_SHOW_METHOD says so"
else
	fail "EVENT_NOEPOLL with EVENT_SHOW_METHOD"
	show "$tmp/err"
fi

done_tests
