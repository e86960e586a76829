/* json.h - the little JSON writing the console needs (strings with escapes). */
#ifndef EWW_JSON_H
#define EWW_JSON_H

#include "buf.h"

/* Append s as a quoted JSON string; bytes that are not valid UTF-8 become U+FFFD. */
int eww_json_str(eww_buf *b, const char *s);

#endif
