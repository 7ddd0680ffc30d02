/*
 * listing.c: the page of a directory without index.html: its entries
 * sorted (directories first, then by name), each a relative link with the
 * name percent-encoded, shown HTML-escaped with its size and date.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "cli.h"
#include "evhttpd.h"

struct entry {
	char *name;
	int is_dir;
	off_t size;
	time_t mtime;
};

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->is_dir != y->is_dir)
		return y->is_dir - x->is_dir;
	return strcmp(x->name, y->name);
}

static void
human_size(off_t size, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	double v = (double)size;
	int u = -1;

	if (size < 1024) {
		snprintf(buf, len, "%lld B", (long long)size);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.1f %ciB" : "%.0f %ciB", v, units[u]);
}

static const char style[] =
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;"
    "padding:0 1em;color:#222}"
    "h1{font-size:1.3em;font-weight:600;word-break:break-all}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{padding:.3em .6em;text-align:left}"
    "th{border-bottom:1px solid #ccc;font-weight:600}"
    "tr:nth-child(even) td{background:#f6f6f6}"
    "td.s,th.s{text-align:right;white-space:nowrap}"
    "td.d{white-space:nowrap;color:#555}"
    "a{color:#0645ad;text-decoration:none}a:hover{text-decoration:underline}"
    "footer{margin-top:1.5em;color:#888;font-size:.85em}";

/* One row: link, name, size, date. */
static void
add_row(struct evbuffer *out, const struct entry *e)
{
	char *href = evhttp_uriencode(e->name, -1, 0);
	char *text = evhttp_htmlescape(e->name);
	char size[32], date[32];
	struct tm tm;

	gmtime_r(&e->mtime, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	if (e->is_dir)
		strcpy(size, "-");
	else
		human_size(e->size, size, sizeof(size));
	if (href != NULL && text != NULL)
		evbuffer_add_printf(out,
		    "<tr><td><a href=\"./%s%s\">%s%s</a></td>"
		    "<td class=\"s\" title=\"%lld bytes\">%s</td>"
		    "<td class=\"d\">%s</td></tr>\n",
		    href, e->is_dir ? "/" : "", text, e->is_dir ? "/" : "",
		    (long long)e->size, size, date);
	free(href);
	free(text);
}

/* A symbolic link leading out of DIR is left out, as it is not served. */
static int
hidden_link(const struct evhttpd_files *f, int fd, const char *rel,
    const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 1;
	if (!S_ISLNK(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s%s%s", rel, *rel != '\0' ? "/" : "",
	    name);
	return !evhttpd_files_inside(f, path);
}

int
evhttpd_listing(const struct evhttpd_files *f, int fd, const char *rel,
    const char *url_path, int dotfiles, struct evbuffer *out)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	struct stat st;
	char *title;
	DIR *dir = fdopendir(fd);

	if (dir == NULL) {
		close(fd);
		return -1;
	}
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' &&
		    (!dotfiles || d->d_name[1] == '\0' ||
		        strcmp(d->d_name, "..") == 0))
			continue;
		if (hidden_link(f, dirfd(dir), rel, d->d_name) ||
		    fstatat(dirfd(dir), d->d_name, &st, 0) != 0 ||
		    (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
			continue; /* dangling links, devices, sockets */
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 64;
			v = cli_xrealloc(v, cap, sizeof(*v));
		}
		v[n].name = cli_xstrdup(d->d_name);
		v[n].is_dir = S_ISDIR(st.st_mode);
		v[n].size = st.st_size;
		v[n].mtime = st.st_mtim.tv_sec;
		n++;
	}
	closedir(dir);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_entry);
	title = evhttp_htmlescape(url_path);
	evbuffer_add_printf(out,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>Index of %s</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<h1>Index of %s</h1>\n<table>\n"
	    "<thead><tr><th>Name</th><th class=\"s\">Size</th>"
	    "<th>Modified (UTC)</th></tr></thead>\n<tbody>\n",
	    title != NULL ? title : "", style, title != NULL ? title : "");
	if (strcmp(url_path, "/") != 0)
		evbuffer_add_printf(out,
		    "<tr><td><a href=\"../\">../</a></td>"
		    "<td class=\"s\">-</td><td class=\"d\"></td></tr>\n");
	for (i = 0; i < n; i++) {
		add_row(out, &v[i]);
		free(v[i].name);
	}
	evbuffer_add_printf(out,
	    "</tbody>\n</table>\n<footer>%zu entr%s &middot; evhttpd</footer>\n"
	    "</body>\n</html>\n",
	    n, n == 1 ? "y" : "ies");
	free(title);
	free(v);
	return 0;
}
