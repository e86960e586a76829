"""The demo's leaky program: a handler registry that never forgets.

Every "request" registers a handler with an event bus and never unregisters it, so the
registry (and every handler, with its buffer) grows for as long as the program runs: the
classic leak of long-lived services. Started by ``python -m eww demo`` with the console
embedded.
"""

import signal
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


def serve(request_id):
    handler = Handler(request_id)
    bus.subscribe("request.done", handler)  # the leak: nobody unsubscribes
    return handler(request_id)


def main():
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
