/* cmdline.c - shell-like argument splitting; see cmdline.h. */
#include "cmdline.h"

#include <string.h>

#include "error.h"

int eww_split_args(const char *line, char *store, size_t storelen, const char **argv, int max,
                   int *argc, const char **why)
{
    *argc = 0;
    *why = NULL;
    if (strlen(line) + 1 > storelen) {
        *why = "line too long";
        return EWW_E2BIG;
    }
    const char *s = line;
    char *o = store;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (*s == '\0')
            return 0;
        if (*argc >= max) {
            *why = "too many arguments";
            return EWW_E2BIG;
        }
        argv[(*argc)++] = o;
        while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
            if (*s == '\'') {
                const char *end = strchr(s + 1, '\'');
                if (!end) {
                    *why = "unterminated single quote";
                    return EWW_EINVAL;
                }
                memcpy(o, s + 1, (size_t)(end - s - 1));
                o += end - s - 1;
                s = end + 1;
            } else if (*s == '"') {
                s++;
                while (*s && *s != '"') {
                    if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
                        s++;
                    *o++ = *s++;
                }
                if (*s != '"') {
                    *why = "unterminated double quote";
                    return EWW_EINVAL;
                }
                s++;
            } else if (*s == '\\') {
                if (!s[1]) {
                    *why = "trailing backslash";
                    return EWW_EINVAL;
                }
                *o++ = s[1];
                s += 2;
            } else {
                *o++ = *s++;
            }
        }
        *o++ = '\0';
    }
}

const char *eww_rest_of_line(const char *line, const char *word)
{
    size_t n = strlen(word);
    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, word, n) != 0 || (line[n] != ' ' && line[n] != '\t'))
        return NULL;
    line += n;
    while (*line == ' ' || *line == '\t')
        line++;
    return *line ? line : NULL;
}

size_t eww_strip_escapes(char *s)
{
    char *o = s;
    for (const char *p = s; *p;) {
        if (*p != '\033') {
            *o++ = *p++;
            continue;
        }
        p++;
        if (*p == '[') { /* CSI: parameters and intermediates, then a final byte */
            p++;
            while (*p >= 0x20 && *p <= 0x3f)
                p++;
            if (*p >= 0x40 && *p <= 0x7e)
                p++;
        } else if (*p == 'O') { /* SS3: one more character (F1-F4, keypad) */
            p++;
            if (*p)
                p++;
        } else if (*p) {
            p++; /* ESC x (Alt-x) */
        }
    }
    *o = '\0';
    return (size_t)(o - s);
}
