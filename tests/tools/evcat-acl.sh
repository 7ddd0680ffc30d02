#!/bin/sh
# evcat --allow and --deny with nc clients from 127.0.0.1 and 127.0.0.2
# (both loopback): a refused client is closed at once, its data never
# reaches stdout, and -v says so; deny wins over allow; comma-separated
# lists; IPv6 on ::1 when the host has it; bad ranges are usage errors.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

need nc
err=$tmp/err

# try SRC WORD: a client from SRC sends WORD (and waits for evcat's close).
try() {
	echo "$2" | timeout -k 5 10 nc -N -s "$1" "$host" "$port" \
	    >/dev/null 2>&1
}

# acl_case NAME ADDR "OPTIONS" ALLOWED-SRC REFUSED-SRC (- for none; the
# refused client goes first, so a refusal cannot be a late one).
acl_case() {
	name=$1 host=$2 opts=$3 yes=$4 no=$5
	rm -f "$err" "$tmp/out"
	bg $EVCAT -v -l -k $opts "$host" 0 </dev/null >"$tmp/out" 2>"$err"
	srv=$bgpid
	port=$(port_from "$err")
	[ "$no" = - ] || try "$no" "refused-$no"
	[ "$yes" = - ] || try "$yes" "allowed-$yes"
	[ "$yes" != - ] || try "$no" "allowed-marker" # not expected either
	if { [ "$yes" = - ] || wait_for "$tmp/out" "^allowed-$yes$"; } &&
	    { [ "$no" = - ] ||
	        wait_for "$err" "$no.*refused by --allow/--deny"; } &&
	    ! grep -q refused- "$tmp/out" && ! grep -q marker "$tmp/out" &&
	    ! grep -q -- "$yes.*refused" "$err"; then
		ok "$name: $yes allowed, $no refused and logged"
	else
		fail "$name"
		show "$err" "$tmp/out"
	fi
	kill $srv
	finish $srv 10
}

acl_case "--allow one address" 127.0.0.1 "--allow 127.0.0.1" \
    127.0.0.1 127.0.0.2
acl_case "--deny one address" 127.0.0.1 "--deny 127.0.0.2" \
    127.0.0.1 127.0.0.2
acl_case "deny wins over allow" 127.0.0.1 \
    "--allow 127.0.0.0/8 --deny 127.0.0.1/32" 127.0.0.2 127.0.0.1
acl_case "comma-separated list" 127.0.0.1 \
    "--allow 10.0.0.0/8,192.168.0.0/16,127.0.0.2" 127.0.0.2 127.0.0.1
acl_case "CIDR range /31" 127.0.0.1 "--deny 127.0.0.0/31" \
    127.0.0.2 127.0.0.1

if grep -q "^0*1 " /proc/net/if_inet6 2>/dev/null; then
	acl_case "IPv6 --deny" ::1 "--deny ::1/128" - ::1
	acl_case "IPv6 --allow" ::1 "--allow ::1/128 --deny 127.0.0.1" ::1 -
else
	echo "skip: no IPv6 loopback"
fi

# Bad ranges: usage errors, status 2, before anything listens.
usage_errors "-l --allow 10.0.0.0/33 127.0.0.1 0" \
    "-l --deny ::1/129 127.0.0.1 0" "-l --allow host.example 127.0.0.1 0" \
    "-l --allow 1.2.3.4/ 127.0.0.1 0" "-l --deny 1.2.3.4, 127.0.0.1 0" \
    "--allow 127.0.0.1 127.0.0.1 80"

done_tests
