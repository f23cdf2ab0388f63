#!/usr/bin/env python3
"""Clients that come and go against a running daemon, for the soak (src/ClassSR.Edge.Bench/soak.sh).

    python3 soak_clients.py PORT SOCKET_PATH SECONDS

For SECONDS: one /stream viewer and one raw-socket reader that read throughout; a /stream viewer and a socket
reader that join for 20 s of every minute (from second 30); a /snapshot every 2 s; one /stream client and one socket client that
connect and never read (the socket one is cut by the daemon after 10 s and comes back each minute). Prints what
each got and every error at the end. Loopback only; the standard library only.
"""
import socket
import sys
import threading
import time
import urllib.request

port, path, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
end = time.monotonic() + seconds
lock = threading.Lock()
got = {}
errors = {}


def count(table, key, n=1):
    with lock:
        table[key] = table.get(key, 0) + n


def pump(name, s, stop, read):
    """Reads a connected socket until stop (counting bytes), or holds it without reading."""
    while time.monotonic() < stop:
        if not read:
            time.sleep(0.5)
            continue
        b = s.recv(1 << 20)
        if not b:
            count(errors, name + ": closed by the daemon")
            break
        count(got, name + " bytes", len(b))
    s.close()


def connect(name, duration, read, open_socket):
    stop = min(end, time.monotonic() + duration) if duration else end
    try:
        s = open_socket()
        if not read:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        pump(name, s, stop, read)
    except OSError as e:
        count(errors, f"{name}: {e.__class__.__name__}")


def open_stream():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(f"GET /stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    return s


def open_frames():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(5)
    return s


def stream(name, duration=None, read=True):
    connect(name, duration, read, open_stream)


def frames(name, duration=None, read=True):
    connect(name, duration, read, open_frames)


def every(period, action, offset=0.0):
    time.sleep(offset)
    while time.monotonic() < end:
        t = time.monotonic()
        action()
        time.sleep(max(0.0, period - (time.monotonic() - t)))


def snapshot():
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/snapshot", timeout=5) as r:
            r.read()
        count(got, "snapshots")
    except OSError as e:
        count(errors, f"snapshot: {e.__class__.__name__}")


threads = [
    threading.Thread(target=stream, args=("viewer",)),
    threading.Thread(target=frames, args=("socket reader",)),
    # Joiners come at second 30 of each minute and are gone by second 50, so the soak's sample at each whole minute
    # sees the same clients every time (the steady ones), 10 s after the last departure.
    threading.Thread(target=every, args=(60, lambda: stream("viewer joining", 20), 30)),
    threading.Thread(target=every, args=(60, lambda: frames("socket joining", 20), 30)),
    threading.Thread(target=every, args=(2, snapshot)),
    threading.Thread(target=stream, args=("stalled stream", None, False)),
    # The daemon cuts a socket client that has not read for 10 s; this one comes back every minute.
    threading.Thread(target=every, args=(60, lambda: frames("stalled socket", 20, False), 30)),
]
for t in threads:
    t.daemon = True
    t.start()
for t in threads:
    t.join(timeout=max(0.0, end - time.monotonic()) + 40)
with lock:
    print("clients: " + ", ".join(f"{k} {v}" for k, v in sorted(got.items())))
    print("client errors: " + (", ".join(f"{k} x{v}" for k, v in sorted(errors.items())) or "none"))
