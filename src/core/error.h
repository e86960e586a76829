/* error.h - error codes shared by the core and its users.
 *
 * Core functions return 0 on success or a negative EWW_E* code; eww_strerror() turns a code
 * into a short English message. Functions that talk to the operating system also fill a
 * caller-supplied message buffer with the strerror() text of the failing call.
 */
#ifndef EWW_ERROR_H
#define EWW_ERROR_H

enum {
    EWW_OK = 0,
    EWW_ENOMEM = -1,   /* out of memory */
    EWW_E2BIG = -2,    /* a frame or buffer would exceed its ceiling */
    EWW_EPROTO = -3,   /* malformed protocol data */
    EWW_EAGAIN = -4,   /* not enough data yet */
    EWW_EINVAL = -5,   /* invalid argument */
    EWW_ESYS = -6,     /* a system call failed; the message says which */
    EWW_EUNSAFE = -7,  /* a path failed a security check */
    EWW_ECLOSED = -8,  /* the peer closed the connection */
    EWW_ETIMEOUT = -9, /* the peer did not answer in time */
    EWW_EHTTP = -10,   /* the peer spoke HTTP */
    EWW_EINTR = -11,   /* a wait was interrupted by a signal the caller asked to see */
    EWW_EKIND = -12,   /* a stat of another kind has that name */
    EWW_EFULL = -13,   /* a table is full */
    EWW_ERANGE = -14,  /* a number out of range */
};

const char *eww_strerror(int code);

#endif
