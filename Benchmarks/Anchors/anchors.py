#!/usr/bin/env python3
"""The benchmark's anchors, measured beside the hub in the same run: what one hop costs on this
machine without any hub logic, so the hub's round trip can be read against them.

  tcp   — a 64-byte request/response round trip between two processes over loopback TCP
  grpc  — a Python grpcio bidirectional stream, ping-pong of one small message, two processes

Prints one JSON object: {"tcp": {"p50_ms":…, "p99_ms":…}, "grpc": {…}}. Bounded: N round trips
each (default 5000 after 500 of warm-up), loopback only, children killed on exit.
"""
import json
import multiprocessing as mp
import socket
import statistics
import sys
import time


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(samples):
    return {"p50_ms": percentile(samples, 0.50) * 1e3, "p99_ms": percentile(samples, 0.99) * 1e3,
            "mean_ms": statistics.fmean(samples) * 1e3, "count": len(samples)}


def tcp_server(ready):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    ready.put(listener.getsockname()[1])
    connection, _ = listener.accept()
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        data = connection.recv(64)
        if not data:
            return
        connection.sendall(data)


def tcp(count, warmup):
    ready = mp.Queue()
    server = mp.Process(target=tcp_server, args=(ready,), daemon=True)
    server.start()
    client = socket.create_connection(("127.0.0.1", ready.get(timeout=10)))
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = b"x" * 64
    samples = []
    for index in range(count + warmup):
        start = time.perf_counter()
        client.sendall(payload)
        received = 0
        while received < len(payload):
            received += len(client.recv(64))
        if index >= warmup:
            samples.append(time.perf_counter() - start)
    client.close()
    server.join(timeout=5)
    server.kill()
    return summary(samples)


def grpc_server(ready):
    from concurrent import futures
    import grpc

    def echo(requests, context):
        for request in requests:
            yield request

    handler = grpc.method_handlers_generic_handler(
        "anchor.Echo", {"Stream": grpc.stream_stream_rpc_method_handler(echo)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    ready.put(port)
    server.wait_for_termination()


def grpc_pingpong(count, warmup):
    import grpc
    import queue
    import threading

    ready = mp.Queue()
    server = mp.Process(target=grpc_server, args=(ready,), daemon=True)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{ready.get(timeout=30)}")
    stream = channel.stream_stream("/anchor.Echo/Stream")
    outgoing = queue.Queue()

    def requests():
        while True:
            item = outgoing.get()
            if item is None:
                return
            yield item

    responses = stream(requests())
    payload = b"x" * 64
    samples = []
    for index in range(count + warmup):
        start = time.perf_counter()
        outgoing.put(payload)
        next(responses)
        if index >= warmup:
            samples.append(time.perf_counter() - start)
    outgoing.put(None)
    channel.close()
    server.kill()
    return summary(samples)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    warmup = max(100, count // 10)
    result = {"tcp": tcp(count, warmup)}
    try:
        result["grpc"] = grpc_pingpong(count, warmup)
    except ImportError as error:
        result["grpc_error"] = f"grpcio is not installed: {error}"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
