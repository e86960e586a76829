/* json.h - the little JSON writing the console needs (strings with escapes), and the UTF-8
 * check it shares with the DOT writer. */
#ifndef EWW_JSON_H
#define EWW_JSON_H

#include <stddef.h>

#include "buf.h"

/* Append s as a quoted JSON string; bytes that are not valid UTF-8 become U+FFFD. */
int eww_json_str(eww_buf *b, const char *s);

/* Length of the valid UTF-8 sequence at s (NUL-terminated), or 0 when it is not one. */
size_t eww_utf8_len(const unsigned char *s);

#endif
