# Build rules for this part; included from lib/local.mk or Makefile.am.
