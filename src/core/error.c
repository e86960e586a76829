/* error.c - messages for the EWW_E* codes. */
#include "error.h"

const char *eww_strerror(int code)
{
    switch (code) {
    case EWW_OK: return "success";
    case EWW_ENOMEM: return "out of memory";
    case EWW_E2BIG: return "too large";
    case EWW_EPROTO: return "malformed protocol data";
    case EWW_EAGAIN: return "incomplete data";
    case EWW_EINVAL: return "invalid argument";
    case EWW_ESYS: return "system call failed";
    case EWW_EUNSAFE: return "unsafe path";
    case EWW_ECLOSED: return "connection closed";
    case EWW_ETIMEOUT: return "timed out";
    case EWW_EHTTP: return "HTTP request refused";
    case EWW_EINTR: return "interrupted";
    case EWW_EKIND: return "a stat of another kind has that name";
    case EWW_EFULL: return "too many names";
    case EWW_ERANGE: return "number out of range";
    default: return "unknown error";
    }
}
