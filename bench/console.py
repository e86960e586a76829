"""A raw console client for the benchmarks, written from docs/protocol.md (independent of the
C client, so that a benchmark measures the console and nothing else)."""

import socket
import struct

HELLO, COMMAND, OUTPUT, ERROR, DONE, INTERRUPT = 1, 2, 3, 4, 5, 9


def frame(ftype, payload=b""):
    return b"EW" + bytes([ftype, 0]) + struct.pack(">I", len(payload)) + payload


def command_frame(argv):
    return frame(COMMAND, b"".join(a.encode() + b"\0" for a in argv))


class Conn:
    """One session: connected and greeted."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.s.sendall(frame(HELLO, b"proto=1\nclient=bench\n"))
        assert self.recv()[0] == HELLO

    def recv(self):
        """The next frame as (type, payload), or None once the console closed."""
        while True:
            if len(self.buf) >= 8:
                (n,) = struct.unpack(">I", self.buf[4:8])
                if len(self.buf) >= 8 + n:
                    f = (self.buf[2], self.buf[8 : 8 + n])
                    self.buf = self.buf[8 + n :]
                    return f
            chunk = self.s.recv(1 << 20)
            if not chunk:
                return None
            self.buf += chunk

    def until_done(self):
        """Frames up to the DONE (returned), or None if the console closed first."""
        while True:
            f = self.recv()
            if f is None or f[0] == DONE:
                return f

    def command(self, *argv):
        """Run a command: (status, stdout text, stderr text)."""
        self.s.sendall(command_frame(argv))
        out, err = b"", b""
        while True:
            f = self.recv()
            if f is None:
                raise ConnectionError("the console closed before DONE")
            if f[0] == OUTPUT:
                out += f[1]
            elif f[0] == ERROR:
                err += f[1]
            elif f[0] == DONE:
                return f[1][0], out.decode(), err.decode()

    def close(self):
        self.s.close()
