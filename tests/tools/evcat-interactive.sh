#!/bin/sh
# evcat -i in a pseudo-terminal (tmux), on every backend: lines typed go
# to the peer, Ctrl-R finds an earlier line in the history, data from the
# peer shows up on the terminal while a line is being edited, ^D ends the
# input, and the history is saved in ~/.evcat_history; a pasted line of
# 100,000 characters reaches the peer intact.  Against OpenBSD nc: the
# "connected to" note (without -v), text typed but not sent when the peer
# closes is reported, and the shell gets the terminal back at the start of
# a line.
# An automake test: exit 0 pass, 1 fail, 77 skip.

. "${top_srcdir:-.}/tests/tools/evcat-lib.sh"

use_tmux evcat
nserver=0

# start_client METHOD: evcat -i in the pane of a new tmux server,
# connected to $port; its exit status goes to $tmp/st.  Each server gets
# its own socket: a new one on the socket of a server just killed may
# meet that server still exiting.  The pane stays (remain-on-exit) until
# the test kills the server, however slow the machine.
start_client() {
	nserver=$((nserver + 1))
	T="tmux -L evcat-test-$$-$nserver -f /dev/null"
	$T new-session -d -s t -x 100 -y 20 \
	    "HOME=$home timeout --foreground 60 $EVCAT --method $1 -v -i \
	    127.0.0.1 $port 2>$tmp/cerr; echo \$? >$tmp/st" \; \
	    set-option -t t remain-on-exit on
	wait_for "$tmp/cerr" "connected to" ||
		fail "$1: -i client did not connect"
}

# A long line for the paste test: 100,000 characters, no newline.
head -c 100000 /dev/zero | tr '\0' 'x' >"$tmp/long"
{ cat "$tmp/long" && echo; } >"$tmp/long.want"

for m in $METHODS; do
	home=$tmp/home-$m
	mkdir -p "$home"
	rm -f "$tmp/err" "$tmp/st" "$tmp/cerr" "$tmp/from" "$tmp/end"
	# The server speaks when told to, and stays until told to go.
	(wait_for "$tmp/from" . && echo from-server &&
	    wait_for "$tmp/end" .) |
	    timeout -k 5 15 "$EVCAT" -l 127.0.0.1 0 >"$tmp/got" 2>"$tmp/err" &
	lpid=$!
	pids="$pids $lpid"
	port=$(port_from "$tmp/err")

	start_client $m
	$T send-keys -t t -l hello
	$T send-keys -t t Enter
	$T send-keys -t t -l "world"
	$T send-keys -t t Enter
	# A half-typed line while the server's data arrives.
	$T send-keys -t t -l "par"
	echo go >"$tmp/from"
	wait_pane from-server || fail "$m: peer data not on the terminal"
	$T send-keys -t t BSpace BSpace BSpace
	# Ctrl-R, search "hel", Enter: "hello" again.
	$T send-keys -t t C-r
	$T send-keys -t t -l hel
	$T send-keys -t t Enter
	wait_size "$tmp/got" 18 || fail "$m: the history line did not arrive"
	echo go >"$tmp/end"
	$T send-keys -t t C-d
	finish $lpid 10
	wait_for "$tmp/st" .
	$T kill-server 2>/dev/null

	printf 'hello\nworld\nhello\n' >"$tmp/want"
	if cmp -s "$tmp/got" "$tmp/want" && [ "$(cat "$tmp/st")" = 0 ] &&
	    grep -q '^hello$' "$home/.evcat_history" &&
	    grep -q '^world$' "$home/.evcat_history"; then
		ok "$m: -i: lines, Ctrl-R, peer data, ^D, history file"
	else
		fail "$m: -i (status $(cat "$tmp/st" 2>/dev/null))"
		show "$tmp/got" "$tmp/cerr" "$home/.evcat_history"
	fi

	# A pasted line of 100,000 characters (libedit's readline
	# interface corrupted its heap on lines of a few thousand).
	rm -f "$tmp/err" "$tmp/st" "$tmp/cerr"
	bg "$EVCAT" -l 127.0.0.1 0 </dev/null >"$tmp/got" 2>"$tmp/err"
	lpid=$bgpid
	port=$(port_from "$tmp/err")
	start_client $m
	$T load-buffer "$tmp/long"
	$T paste-buffer -t t
	$T send-keys -t t Enter
	wait_size "$tmp/got" 100001
	$T send-keys -t t C-d
	finish $lpid 10
	wait_for "$tmp/st" .
	$T kill-server
	if cmp -s "$tmp/got" "$tmp/long.want" && [ "$(cat "$tmp/st")" = 0 ]
	then
		ok "$m: -i: a pasted line of 100,000 characters arrives intact"
	else
		fail "$m: -i: long line (status $(cat "$tmp/st" 2>/dev/null)," \
		    "$(wc -c <"$tmp/got") bytes)"
		show "$tmp/cerr"
	fi
done

# The pane's text, trailing blank lines dropped.
pane() {
	$T capture-pane -p -S - -t t 2>/dev/null | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# start_plain METHOD: evcat -i (no -v) in a new tmux server, connected to
# $port; after it exits the pane shows "EXIT=status".
start_plain() {
	nserver=$((nserver + 1))
	T="tmux -L evcat-test-$$-$nserver -f /dev/null"
	$T new-session -d -s t -x 120 -y 30 \
	    "HOME=$home timeout --foreground 60 $EVCAT --method $1 -i \
	    127.0.0.1 $port; echo EXIT=\$?" \; \
	    set-option -t t remain-on-exit on
}

if have nc; then
	for m in $METHODS; do
		home=$tmp/home-$m
		# The peer says "bye" without a newline and closes when
		# told to (nc -N: its sending half at the end of its input).
		rm -f "$tmp/go" "$tmp/n.err" "$tmp/got"
		(wait_for "$tmp/go" . && printf bye) |
		    timeout -k 5 20 nc -v -N -l 127.0.0.1 0 >"$tmp/got" \
		    2>"$tmp/n.err" &
		npid=$!
		pids="$pids $npid"
		port=$(port_from "$tmp/n.err")
		start_plain $m
		wait_pane "connected to 127.0.0.1:$port" ||
			fail "$m: no 'connected to' note"
		$T send-keys -t t -l sent1
		$T send-keys -t t Enter
		wait_size "$tmp/got" 6
		$T send-keys -t t -l half
		wait_pane half
		echo go >"$tmp/go"
		wait_pane "^EXIT="
		finish $npid 5
		pane >"$tmp/pane"
		$T kill-server 2>/dev/null
		if [ "$(cat "$tmp/got")" = sent1 ] &&
		    grep -q "^evcat: connected to 127.0.0.1:$port" "$tmp/pane" &&
		    grep -q "^evcat: unsent input discarded: 4 bytes" \
		    "$tmp/pane" && grep -q '^EXIT=0$' "$tmp/pane"; then
			ok "$m: -i: connected note, unsent input reported"
		else
			fail "$m: -i against nc: note, unsent input"
			show "$tmp/pane" "$tmp/got"
		fi

		# Nothing typed; the peer's last words lack a newline: the
		# shell's next output still starts a line of its own.
		rm -f "$tmp/go" "$tmp/n.err" "$tmp/got"
		(wait_for "$tmp/go" . && printf no-newline) |
		    timeout -k 5 20 nc -v -N -l 127.0.0.1 0 >"$tmp/got" \
		    2>"$tmp/n.err" &
		npid=$!
		pids="$pids $npid"
		port=$(port_from "$tmp/n.err")
		start_plain $m
		wait_pane "connected to 127.0.0.1:$port"
		echo go >"$tmp/go"
		wait_pane "^EXIT="
		finish $npid 5
		pane >"$tmp/pane"
		$T kill-server 2>/dev/null
		if grep -q '^no-newline$' "$tmp/pane" &&
		    grep -q '^EXIT=0$' "$tmp/pane" &&
		    ! grep -q 'unsent' "$tmp/pane"; then
			ok "$m: -i: the terminal is left at the start of a line"
		else
			fail "$m: -i: no newline at exit"
			show "$tmp/pane"
		fi
	done
else
	echo "skip: no nc for the -i notes"
fi

done_tests
