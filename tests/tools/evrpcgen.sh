#!/bin/sh
# Black-box tests of evrpcgen (tools/evrpcgen): the code it writes for
# evrpcgen-all.rpc (every field kind) builds with -Wall -Wextra -Werror
# against evkit and against the system libevent (the API matches), the
# program tests/tools/evrpcgen-wire.c built both ways writes the same
# bytes and each reads what the other wrote (the wire matches), and bad
# .rpc files get "FILE:LINE: message" and exit 1.
# An automake test (exit 0 pass, 1 fail, 77 skip).  EVRPCGEN may name
# another binary; CC the compiler.

. "${top_srcdir:-.}/tests/tools/test-lib.sh"
EVRPCGEN=${EVRPCGEN:-$top_builddir/tools/evrpcgen/evrpcgen}
# The build's compiler and sanitizer flags: a sanitizer build's
# libevkit.a links only with them.
mkvar() {
	sed -n "s/^$1 = //p" "$top_builddir/Makefile" 2>/dev/null
}
CC=${CC:-$(mkvar CC)}
CC=${CC:-cc}
SAN=$(mkvar SANITIZER_CFLAGS)

if [ ! -x "$EVRPCGEN" ]; then
	echo "FAIL: $EVRPCGEN not built"
	exit 1
fi
if [ ! -f "$top_builddir/lib/libevkit.a" ]; then
	echo "FAIL: $top_builddir/lib/libevkit.a not built"
	exit 1
fi
BOUND="timeout -k 5 $LIMIT"
EVRPCGEN=$(cd "$(dirname "$EVRPCGEN")" && pwd)/$(basename "$EVRPCGEN")
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)

out=$tmp/out
err=$tmp/err
FAIL_SHOW="$out $err"

# run EXPECTED-STATUS ARGS...: evrpcgen in $tmp, output in $out and $err.
run() {
	want=$1
	shift
	(cd "$tmp" && $BOUND "$EVRPCGEN" "$@") >"$out" 2>"$err"
	status=$?
	if [ "$status" -ne "$want" ]; then
		fail "evrpcgen $* exited $status, not $want"
		return 1
	fi
	return 0
}

cp "$top_srcdir/tests/tools/evrpcgen-all.rpc" "$tmp/" || exit 1

# The command line of event_rpcgen.py: default names, then both given.
if run 0 evrpcgen-all.rpc && [ -s "$tmp/evrpcgen-all.gen.h" ] &&
    [ -s "$tmp/evrpcgen-all.gen.c" ] && [ ! -s "$out" ] && [ ! -s "$err" ]; then
	ok "default names evrpcgen-all.gen.h and .gen.c, nothing printed"
else
	fail "default output names"
fi
mkdir -p "$tmp/sub"
if run 0 evrpcgen-all.rpc sub/x.h sub/x.c &&
    grep -q '^#include "x.h"$' "$tmp/sub/x.c" &&
    grep -q '^#define KEY_LEN 4$' "$tmp/sub/x.h" &&
    grep -q '^#include <stdio.h>$' "$tmp/sub/x.c"; then
	ok "named outputs; #define to the header, #include to the source"
else
	fail "named outputs and passthrough lines"
fi
if run 0 evrpcgen-all.rpc sub/only.c && [ -s "$tmp/sub/only.h" ]; then
	ok "a source name alone gives the header's"
else
	fail "source name alone"
fi

# The API: the generated code and a user of it, -Werror, both libraries.
warn="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes $SAN"
src="$top_srcdir/tests/tools/evrpcgen-wire.c $tmp/evrpcgen-all.gen.c"
# shellcheck disable=SC2086
if $CC $warn -I"$tmp" -I"$top_srcdir/lib/include" -I"$top_builddir/lib/include" \
    $src "$top_builddir/lib/libevkit.a" -lpthread -o "$tmp/wire-evkit" \
    >"$out" 2>"$err"; then
	ok "generated code builds with -Werror against evkit"
else
	fail "build against evkit"
fi
have_libevent=no
if printf '#include <event2/rpc.h>\n#include <event2/tag.h>\nint main(void) { evtag_init(); return 0; }\n' |
    $CC -x c - -o "$tmp/probe" -levent_extra -levent_core >/dev/null 2>&1; then
	have_libevent=yes
	# shellcheck disable=SC2086
	if $CC $warn -I"$tmp" $src -levent_extra -levent_core \
	    -o "$tmp/wire-libevent" >"$out" 2>"$err"; then
		ok "generated code builds with -Werror against libevent 2.1"
	else
		fail "build against the system libevent"
	fi
else
	echo "note: no system libevent (libevent-dev): its half is skipped"
fi

for lib in evkit libevent; do
	w=$tmp/wire-$lib
	[ -x "$w" ] || continue
	if $BOUND "$w" api >"$out" 2>"$err"; then
		ok "$lib: accessors, truncations, duplicates, unknown tags"
	else
		fail "$lib: wire api"
	fi
	if $BOUND "$w" write "$tmp/$lib.bin" >"$out" 2>"$err" &&
	    $BOUND "$w" read "$tmp/$lib.bin" >>"$out" 2>>"$err"; then
		ok "$lib: every field kind round trips"
	else
		fail "$lib: round trip"
	fi
done
if [ $have_libevent = yes ] && [ -x "$tmp/wire-evkit" ] &&
    [ -x "$tmp/wire-libevent" ]; then
	if cmp "$tmp/evkit.bin" "$tmp/libevent.bin" >"$out" 2>"$err"; then
		ok "evkit and libevent marshal the same bytes"
	else
		fail "the two marshalled messages differ"
	fi
	if $BOUND "$tmp/wire-evkit" read "$tmp/libevent.bin" >"$out" 2>"$err" &&
	    $BOUND "$tmp/wire-libevent" read "$tmp/evkit.bin" >>"$out" 2>>"$err"; then
		ok "each reads what the other wrote"
	else
		fail "cross reads"
	fi
fi

# bad NAME EXPECTED-STDERR-LINE TEXT: evrpcgen refuses the .rpc text
# with exactly that message, exit 1, and writes no output file.
bad() {
	printf '%b' "$3" >"$tmp/$1.rpc"
	if run 1 "$1.rpc" && [ "$(cat "$err")" = "$1.rpc:$2" ] &&
	    [ ! -e "$tmp/$1.gen.c" ] && [ ! -e "$tmp/$1.gen.h" ]; then
		ok "bad .rpc: $1"
	else
		fail "bad .rpc $1: wanted \"$1.rpc:$2\""
	fi
}
bad duptag '3: struct a: field y has tag 1, already used by field x on line 2' \
	'struct a {\n\tint x = 1;\n\tint y = 1;\n}\n'
bad dupname '3: struct a: field x already defined on line 2' \
	'struct a {\n\tint x = 1;\n\tstring x = 2;\n}\n'
bad dupstruct '4: struct a already defined on line 1' \
	'struct a {\n}\n\nstruct a {\n}\n'
bad type '2: unknown type "float" (int, int64, string, bytes or struct[NAME])' \
	'struct a {\n\tfloat f = 1;\n}\n'
bad notag '2: expected "=" and a tag number, found ";"' \
	'struct a {\n\tint x;\n}\n'
bad badtag '2: bad tag number "12abc"' 'struct a {\n\tint x = 12abc;\n}\n'
bad bigtag '2: tag 4294967296 is too large (at most 2147483647)' \
	'struct a {\n\tint x = 4294967296;\n}\n'
bad optarray '2: a field cannot be both optional and an array' \
	'struct a {\n\toptional array int x = 1;\n}\n'
bad bytesarray '2: field b: bytes cannot be an array' \
	'struct a {\n\tarray bytes b = 1;\n}\n'
bad intlen '2: field x: only bytes fields have a [length]' \
	'struct a {\n\tint x[4] = 1;\n}\n'
bad zerolen '2: field b: the length must be at least 1' \
	'struct a {\n\tbytes b[0] = 1;\n}\n'
bad structref '2: expected "[" after struct (struct[NAME]), found "b"' \
	'struct a {\n\tstruct b x = 1;\n}\n'
bad keyword '2: "int" cannot be a field name' 'struct a {\n\tint int = 1;\n}\n'
bad unclosed '1: struct a is not closed with "}"' 'struct a {\n\tint x = 1;\n'
bad comment '2: unterminated comment' 'struct a {\n/* int x = 1;\n}\n'
bad trailing '3: text after the "}" that closes struct a' \
	'struct a {\n\tint x = 1;\n} b\n'
bad pragma '1: unsupported preprocessor line (only #include, #define and conditionals): #pragma once' \
	'#pragma once\nstruct a {\n}\n'
bad include '1: bad #include line: #include stdio.h' '#include stdio.h\n'
bad cppinside '3: preprocessor line inside struct a' \
	'struct a {\n\tint x = 1;\n#define X 1\n}\n'
bad garbage '1: expected "struct" or a preprocessor line, found "message"' \
	'message a {\n}\n'
bad char '2: unexpected character '"'"'$'"'"'' 'struct a {\n\tint $x = 1;\n}\n'
bad nul '1: the file contains a NUL byte' 'struct a {\0}\n'
long=$(printf 'x%.0s' $(seq 129))
bad longname '2: a name is longer than 128 characters' \
	"struct a {\n\tint $long = 1;\n}\n"

# The last entry's ';' may be left out; comments anywhere; empty files.
printf 'struct a { // c\n\tint x = 0x10 /* c */\n}\n' >"$tmp/lax.rpc"
if run 0 lax.rpc && grep -q 'A_X = 16,' "$tmp/lax.gen.h"; then
	ok "event_rpcgen.py's leniencies: no last ';', comments, hex tags"
else
	fail "lenient input"
fi
: >"$tmp/empty.rpc"
if run 0 empty.rpc && [ -e "$tmp/empty.gen.c" ]; then
	ok "an empty file gives empty outputs"
else
	fail "empty file"
fi

# The command line.
if run 2 && grep -q '^usage: evrpcgen ' "$err"; then
	ok "no argument: usage, 2"
else
	fail "no argument: usage, 2"
fi
if run 2 evrpcgen-all.rpc a.h b.c d.c; then
	ok "too many arguments: 2"
else
	fail "too many arguments: 2"
fi
if run 2 evrpcgen-all.rpc out.txt && grep -q 'must end in .c' "$err"; then
	ok "a source not ending in .c: 2"
else
	fail "a source not ending in .c: 2"
fi
if run 2 --bogus evrpcgen-all.rpc; then
	ok "unknown option: 2"
else
	fail "unknown option: 2"
fi
if run 1 missing.rpc && grep -q '^evrpcgen: missing.rpc: No such file' "$err"; then
	ok "missing file: 1 with a message"
else
	fail "missing file: 1 with a message"
fi
if run 0 --help && grep -q '^usage: evrpcgen ' "$out"; then
	ok "--help"
else
	fail "--help"
fi
if run 0 --version && grep -q '^evrpcgen ' "$out"; then
	ok "--version"
else
	fail "--version"
fi
if run 0 --quiet evrpcgen-all.rpc; then
	ok "--quiet (event_rpcgen.py's option)"
else
	fail "--quiet (event_rpcgen.py's option)"
fi

done_tests
