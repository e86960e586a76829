/* cmdline.h - split a command line into arguments the way a POSIX shell quotes them.
 *
 * 'single quotes' keep everything literally; "double quotes" allow \" \\ \$ \` escapes;
 * outside quotes a backslash escapes the next character. No expansion of any kind.
 *
 *     char store[256]; const char *argv[32]; int argc; const char *why;
 *     eww_split_args("stats -g 'Memory Usage'", store, sizeof store, argv, 32, &argc, &why);
 *     // argc == 3, argv[2] == "Memory Usage"
 */
#ifndef EWW_CMDLINE_H
#define EWW_CMDLINE_H

#include <stddef.h>

/* store must have room for strlen(line) + 1 bytes. Returns 0, or EWW_EINVAL with *why set
 * (unterminated quote, trailing backslash), EWW_E2BIG (too many arguments or store too
 * small). */
int eww_split_args(const char *line, char *store, size_t storelen, const char **argv, int max,
                   int *argc, const char **why);

/* Removes the terminal escape sequences a line typed without a line editor may hold (an
 * arrow key is ESC [ A, F5 ESC [ 1 5 ~, Alt-x ESC x): CSI and SS3 sequences and ESC with
 * one character. In place; returns the new length. */
size_t eww_strip_escapes(char *s);

/* The rest of the line after its first word, when that word is `word` and something follows:
 * `exec import sys; print(sys.path)` gives "import sys; print(sys.path)", leading blanks
 * dropped, nothing unquoted. NULL otherwise. */
const char *eww_rest_of_line(const char *line, const char *word);

#endif
