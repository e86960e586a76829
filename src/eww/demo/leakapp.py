"""The demo's leaky program: a handler registry that never forgets.

Every "request" registers a handler with an event bus and never unregisters it, so the
registry (and every handler, with its buffer) grows for as long as the program runs: the
classic leak of long-lived services. Started by ``python -m eww demo`` with the console
embedded.
"""

import signal
import threading
import time

import eww


class Handler:
    def __init__(self, request_id):
        self.request_id = request_id
        self.buffer = bytearray(256)

    def __call__(self, event):
        return (self.request_id, event)


class EventBus:
    def __init__(self):
        self.registry = {}

    def subscribe(self, topic, handler):
        self.registry.setdefault(topic, []).append(handler)


bus = EventBus()

# A big, steady part of the heap (a cache of a million entries, some 3 million objects), so
# that a walk of it takes a while.
cache = {i: "entry-%d" % i for i in range(1_000_000)}


def ticker():
    """Wakes every millisecond and records the longest time the app could not run Python: what
    a health check would see."""
    worst, last = 0.0, time.perf_counter()
    while True:
        time.sleep(0.001)
        now = time.perf_counter()
        if now - last > worst:
            worst = now - last
            eww.put("longest pause (ms)", round(worst * 1000))
        last = now


def serve(request_id):
    handler = Handler(request_id)
    bus.subscribe("request.done", handler)  # the leak: nobody unsubscribes
    return handler(request_id)


def main():
    threading.Thread(target=ticker, daemon=True).start()
    request_id = 0
    while True:
        for _ in range(200):
            serve(request_id)
            request_id += 1
        # What Eww's tutorial records: memory over time, and a request counter.
        eww.graph("Memory Usage", (request_id, eww.memory_consumption()))
        eww.incr("requests", 200)
        eww.put("subscribers", len(bus.registry["request.done"]))
        time.sleep(0.05)


if __name__ == "__main__":
    # The tour ends the program with Ctrl-C (SIGINT). A process started in the background of
    # a script inherits SIGINT ignored, and Python then never raises KeyboardInterrupt: the
    # program would never end. It asks for Ctrl-C's usual meaning.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        main()
    except KeyboardInterrupt:
        pass
