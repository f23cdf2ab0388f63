#!/usr/bin/env python3
"""Stalled clients against a running daemon: RSS and fps before, during and after.

    classsr-edge run --listen 127.0.0.1:PORT --frames-socket /tmp/f.sock & \
      python3 src/ClassSR.Edge.Bench/stalled_clients.py PORT $! [SOCKET_CLIENTS] [STREAM_CLIENTS] [SOCKET_PATH]

Each raw-socket client connects and never reads; each /stream client sends its request and never reads. Loopback only.
"""
import json
import socket
import sys
import time
import urllib.error
import urllib.request

port, pid = int(sys.argv[1]), int(sys.argv[2])
n_socket = int(sys.argv[3]) if len(sys.argv) > 3 else 100
n_stream = int(sys.argv[4]) if len(sys.argv) > 4 else 100
path = sys.argv[5] if len(sys.argv) > 5 else "/tmp/f.sock"


def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        return round(next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024, 1)


def state():
    try:
        s = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/state", timeout=5))
        return f"fps {s['fps']['processed']:.1f}, refused {s.get('refused', {})}"
    except (urllib.error.URLError, OSError) as e:
        return f"/state failed: {e}"


time.sleep(3)
print(f"before: RSS {rss_mb()} MB, {state()}")
held = []
for _ in range(n_socket):
    s = socket.socket(socket.AF_UNIX)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        s.connect(path)
        held.append(s)
    except OSError:
        s.close()
for _ in range(n_stream):
    h = socket.socket()
    h.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    h.connect(("127.0.0.1", port))
    h.send(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    held.append(h)
for t in range(4):
    time.sleep(2)
    print(f"stalled, {2 * (t + 1)} s: RSS {rss_mb()} MB, {state()}")
for s in held:
    s.close()
prev = 0
for t in (2, 6, 15, 30, 60, 90):
    time.sleep(t - (0 if t == 2 else prev))
    prev = t
    print(f"after they left, {t} s: RSS {rss_mb()} MB, {state()}")
