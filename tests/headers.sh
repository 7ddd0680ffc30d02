#!/bin/sh
# Every public header must compile on its own, as strict C99 and as C++,
# with nothing on the include path but lib/include, and must not reach a
# header of the system's libevent.
#
# Run by `make check` with top_srcdir in the environment; exits 0 on
# success, 1 on failure, 77 when no compiler is found.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
incdir=$top_srcdir/lib/include
CC=${CC:-cc}
CXX=${CXX:-c++}

if ! command -v "${CC%% *}" >/dev/null 2>&1; then
	echo "headers: no C compiler ($CC); skipping"
	exit 77
fi
have_cxx=yes
if ! command -v "${CXX%% *}" >/dev/null 2>&1; then
	echo "headers: no C++ compiler ($CXX); C++ checks skipped"
	have_cxx=no
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evkit-headers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

headers=$(cd "$incdir" && find . -name '*.h' | sed 's|^\./||' | LC_ALL=C sort)
if [ -z "$headers" ]; then
	echo "headers: no headers under $incdir"
	exit 1
fi

failed=0
count=0
for h in $headers; do
	count=$((count + 1))
	# Twice, to check the include guard too.
	printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' \
	    "$h" "$h" >"$tmp/t.c"
	cp "$tmp/t.c" "$tmp/t.cc"

	if ! $CC -std=c99 -Wall -Wextra -Werror -pedantic -I"$incdir" \
	    -fsyntax-only "$tmp/t.c" >"$tmp/out" 2>&1; then
		echo "FAIL: $h does not compile alone as C99:"
		sed 's/^/    /' "$tmp/out"
		failed=$((failed + 1))
	fi
	if [ $have_cxx = yes ] && ! $CXX -Wall -Wextra -Werror -pedantic \
	    -I"$incdir" -fsyntax-only "$tmp/t.cc" >"$tmp/out" 2>&1; then
		echo "FAIL: $h does not compile alone as C++:"
		sed 's/^/    /' "$tmp/out"
		failed=$((failed + 1))
	fi

	# Which files it pulls in: none may come from another libevent.
	if $CC -I"$incdir" -M "$tmp/t.c" >"$tmp/deps" 2>/dev/null; then
		bad=$(tr -d '\134' <"$tmp/deps" | tr ' ' '\n' |
		    grep -E '(^|/)(event2/[^/]+\.h|event\.h|evutil\.h)$' |
		    grep -v "^$incdir/" | grep -v '^lib/include/' || true)
		if [ -n "$bad" ]; then
			echo "FAIL: $h includes headers from outside $incdir:"
			echo "$bad" | sed 's/^/    /'
			failed=$((failed + 1))
		fi
	fi
done

if [ $failed -ne 0 ]; then
	echo "headers: $failed failure(s) in $count headers"
	exit 1
fi
echo "headers: all $count public headers compile alone (C99$([ $have_cxx = yes ] && echo ', C++'))"
exit 0
