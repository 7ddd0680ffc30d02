# Manual pages.  Included from the top Makefile.am.
#
# man/lint.sh runs `mandoc -Tlint` over every page in man/ (skipped when
# mandoc is missing).

dist_man_MANS += man/evbench.1 man/evkit.3

TESTS += man/lint.sh
EXTRA_DIST += man/lint.sh

# evrpcgen (issue 11, helper B).
dist_man_MANS += man/evrpcgen.1
