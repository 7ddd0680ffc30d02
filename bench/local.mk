# owned by its part; included from Makefile.am
