/* proto.h - the eww wire protocol: framing and payload encodings.
 *
 * A frame is an 8-byte header and a payload:
 *
 *     offset 0  'E' 'W'      magic
 *     offset 2  type         one of EWW_FRAME_* (unknown types are errors)
 *     offset 3  flags        EWW_FLAG_* bits; unknown bits are errors
 *     offset 4  length       payload length, unsigned 32-bit big-endian, <= EWW_FRAME_MAX
 *     offset 8  payload
 *
 * Payload encodings: HELLO carries "key=value\n" lines; COMMAND carries the arguments, each
 * terminated by a NUL byte; DONE carries one status byte; FILE carries a file name, a NUL,
 * then the data. docs/protocol.md is the reference for every type.
 *
 * The decoder is a pure function over a byte range (fuzzed in tests/fuzz/).
 */
#ifndef EWW_PROTO_H
#define EWW_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define EWW_PROTO_VERSION 1
#define EWW_FRAME_HEADER  8
#define EWW_FRAME_MAX     (1u << 20) /* largest payload, 1 MiB */

enum eww_frame_type {
    EWW_FRAME_HELLO = 1,     /* both ways: handshake, key=value lines */
    EWW_FRAME_COMMAND = 2,   /* client -> server: NUL-terminated arguments */
    EWW_FRAME_OUTPUT = 3,    /* server -> client: bytes for standard output */
    EWW_FRAME_ERROR = 4,     /* server -> client: a message for standard error */
    EWW_FRAME_DONE = 5,      /* server -> client: command finished, 1 status byte */
    EWW_FRAME_FILE = 6,      /* server -> client: name NUL data; the client writes it */
    EWW_FRAME_PROMPT = 7,    /* server -> client: ask the user for a line (REPL) */
    EWW_FRAME_INPUT = 8,     /* client -> server: a line the user typed */
    EWW_FRAME_INTERRUPT = 9, /* client -> server: the user pressed Ctrl-C */
    EWW_FRAME_EOF = 10,      /* client -> server: end of input (Ctrl-D) */
    EWW_FRAME_PROGRESS = 11, /* server -> client: progress text of a long command */
    EWW_FRAME_DATA = 12,     /* server -> client: data to render (a chart, completions) */
    EWW_FRAME_COMPLETE = 13, /* client -> server: text to complete at a REPL prompt */
    EWW_FRAME_STATE = 14,    /* snapshot child -> session thread only: the session's state */
    EWW_FRAME_RESULT = 15,   /* snapshot child -> session thread only: a result to finish */
    EWW_FRAME_TYPE_MAX = 15
};

enum {
    EWW_FLAG_MORE = 0x01, /* FILE, DATA: more frames of the same file or data follow */
    EWW_FLAG_ALL = 0x01
};

/* Status byte of a DONE frame. */
enum { EWW_STATUS_OK = 0, EWW_STATUS_FAILED = 1 };

typedef struct eww_frame {
    int type;
    int flags;
    const unsigned char *payload; /* points into the decoded range */
    uint32_t len;
    size_t size; /* header + payload: bytes consumed from the range */
} eww_frame;

/* Decode one frame from data[0..len). Returns 0 and fills *f when a whole frame is there;
 * EWW_EAGAIN when more bytes are needed; EWW_EHTTP when the bytes look like an HTTP request;
 * EWW_EPROTO for a bad magic, type or flags; EWW_E2BIG when the length exceeds max_payload
 * (which is itself capped at EWW_FRAME_MAX). Never reads past data[len). */
int eww_frame_decode(const unsigned char *data, size_t len, size_t max_payload, eww_frame *f);

/* Write the 8-byte header of a frame; EWW_EINVAL for a bad type or flags, EWW_E2BIG when
 * n > EWW_FRAME_MAX. */
int eww_frame_header(unsigned char h[EWW_FRAME_HEADER], int type, int flags, size_t n);

/* Append one frame to out. EWW_E2BIG when n > EWW_FRAME_MAX. */
int eww_frame_encode(eww_buf *out, int type, int flags, const void *payload, size_t n);

const char *eww_frame_name(int type);

/* True when the first bytes of a stream look like an HTTP request line. */
int eww_looks_like_http(const unsigned char *data, size_t len);

/* key=value lines. eww_kv_get copies the value of key into out (NUL-terminated); returns 0,
 * EWW_EINVAL when the key is absent, EWW_E2BIG when the value does not fit. */
int eww_kv_put(eww_buf *out, const char *key, const char *value);
int eww_kv_get(const unsigned char *p, size_t n, const char *key, char *out, size_t outlen);
/* A payload of key=value lines, an empty line, then a body (charts, graphs): the length of
 * the header including the empty line, or 0 when there is no empty line. */
size_t eww_kv_header_len(const char *data, size_t n);

/* Arguments: each NUL-terminated. eww_argv_decode points argv[i] into p (which must stay
 * alive) and fails with EWW_EPROTO when the payload does not end in NUL, EWW_E2BIG when
 * there are more than max arguments. */
int eww_argv_encode(eww_buf *out, int argc, char *const *argv);
int eww_argv_decode(const unsigned char *p, size_t n, const char **argv, int max, int *argc);

#endif
