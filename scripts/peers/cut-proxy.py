#!/usr/bin/env python3
"""A TCP proxy for the sink tests that cuts connections: forwards 127.0.0.1:<printed port> to TARGET_PORT and,
closes both sides of a connection once CUT_AFTER bytes went from client to server in it, until CUTS connections
were cut; then everything passes untouched (small exchanges below CUT_AFTER are never cut). Prints the port it listens on once ready; each cut is a line on stdout.
With "total" as a fourth argument, CUT_AFTER counts client-to-server bytes over all connections, not per
connection (a client opening a connection per request, like the S3 sink's, is cut mid-way through its Nth).

usage: cut-proxy.py TARGET_PORT CUT_AFTER CUTS [total]
"""
import socket
import sys
import threading

target_port, cut_after, cuts = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
count_total = len(sys.argv) > 4 and sys.argv[4] == "total"
lock = threading.Lock()
cuts_done = 0
total_sent = 0


def take_cut():
    global cuts_done
    with lock:
        if cuts_done >= cuts:
            return False
        cuts_done += 1
    print("cut", flush=True)
    return True


def pump(source, sink, limit, on_cut):
    global total_sent
    sent = 0
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if limit is not None and count_total:
                with lock:
                    before = total_sent
                    total_sent += len(data)
                if before + len(data) >= limit and on_cut():
                    sink.sendall(data[: max(0, limit - before)])
                    break
            elif limit is not None and sent + len(data) >= limit and on_cut():
                sink.sendall(data[: max(0, limit - sent)])
                break
            sink.sendall(data)
            sent += len(data)
    except OSError:
        pass
    for s in (source, sink):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(client):
    try:
        server = socket.create_connection(("127.0.0.1", target_port))
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, server, cut_after, take_cut), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, None, lambda: False), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
