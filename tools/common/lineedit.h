/*
 * Line editing with libedit, driven by an event loop (evcat -i, evdig -i).
 *
 * The terminal is standard input.  Each key is handled when it arrives
 * (an EV_READ event), so the loop keeps running while a line is being
 * edited; a finished line goes to the callback, and text printed through
 * lineedit_print() appears above the line being edited.  The history is
 * kept in $HOME/<history_file>; Ctrl-R searches it; Tab completes the
 * current word from `words`.
 */
#ifndef TOOLS_LINEEDIT_H_INCLUDED_
#define TOOLS_LINEEDIT_H_INCLUDED_

#include <stddef.h>

struct event_base;

struct lineedit_config {
	struct event_base *base;
	const char *history_file; /* e.g. ".evcat_history" */
	const char *prompt;       /* "" for none */
	const char *const *words; /* Tab completions, NULL-terminated */
	/* A line with its "\n" (len bytes), or NULL once input ended (^D on
	 * an empty line, or the terminal hung up). */
	void (*line_cb)(const char *line, size_t len, void *arg);
	void *arg;
};

/* Whether the tools were built with libedit. */
int lineedit_available(void);
/* Takes the terminal; calling it again resumes a paused editor.  Exits 1
 * with a message if the editor cannot be set up. */
void lineedit_start(const struct lineedit_config *cfg);
/* Stop (1) or resume (0) reading keys. */
void lineedit_pause(int pause);
/* Print above the line being edited. */
void lineedit_print(const char *data, size_t len);
/*
 * Bytes typed on the line being edited and not yet sent (no Enter yet);
 * 0 when the editor is not running.
 */
size_t lineedit_pending(void);
/* Whether the cursor is past the start of a line (text, or printed data
 * that did not end in a newline): a newline is due before other output. */
int lineedit_mid_line(void);
/* Give the terminal back and save the history. */
void lineedit_stop(void);

#endif /* TOOLS_LINEEDIT_H_INCLUDED_ */
