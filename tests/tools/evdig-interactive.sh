#!/bin/sh
# evdig -i in a pseudo-terminal (tmux) against a real server, on every
# backend: three queries typed quickly are all answered, Tab completes a
# type, a bad line gets a message and the shell goes on, ^D ends it (exit
# 0), and the lines are kept in ~/.evdig_history (libedit's encoding:
# a space is \040).
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evdig-lib.sh"

use_tmux evdig
start_dns 100
Z=evdig.test

for m in $METHODS; do
	home=$tmp/home-$m
	mkdir -p "$home"
	rm -f "$tmp/st" "$tmp/err"
	$T new-session -d -s t -x 120 -y 50 \
	    "HOME=$home timeout --foreground 20 $EVDIG --method $m \
	    @127.0.0.1 -p $dns_port +short -i 2>$tmp/err; \
	    echo \$? >$tmp/st; sleep 10"
	wait_pane 'evdig>' || fail "$m: no prompt"
	# Three lines at once, then one completed with Tab.
	$T send-keys -t t -l "c1.$Z"
	$T send-keys -t t Enter
	$T send-keys -t t -l "t-mx.$Z MX"
	$T send-keys -t t Enter
	$T send-keys -t t -l "t-aaaa.$Z AAAA +noshort +noall +answer"
	$T send-keys -t t Enter
	$T send-keys -t t -l "t-txt.$Z TX"
	$T send-keys -t t Tab
	$T send-keys -t t Enter
	$T send-keys -t t -l "bad.$Z +bogus"
	$T send-keys -t t Enter
	wait_pane 'hello world' || fail "$m: Tab did not complete TXT"
	wait_pane 'invalid option: +bogus' || fail "$m: no message for +bogus"
	$T send-keys -t t C-d
	wait_for "$tmp/st" . || fail "$m: evdig -i did not end"
	$T capture-pane -p -S - -t t >"$tmp/pane"
	$T kill-server 2>/dev/null
	if grep -q '^192\.0\.2\.44$' "$tmp/pane" &&
	    grep -q '^20 mail2\.evdig\.test\.$' "$tmp/pane" &&
	    grep -q "^t-aaaa\.$Z\. *3600 *IN *AAAA *2001:db8::1$" \
	        "$tmp/pane" &&
	    [ "$(cat "$tmp/st")" = 0 ] &&
	    grep -q "^t-mx.$Z.040MX\$" "$home/.evdig_history" &&
	    grep -q "^t-txt.$Z.040TXT" "$home/.evdig_history"; then
		ok "$m: -i: queries answered, Tab, bad line, ^D, history"
	else
		fail "$m: -i (status $(cat "$tmp/st" 2>/dev/null))"
		show "$tmp/pane" "$tmp/err" "$home/.evdig_history"
	fi
done

done_tests
