"""A TCP proxy on 127.0.0.1 in front of the hub, which a scenario can cut: `drop()` closes every
connection through it and turns new ones away (accepted, then closed at once) until `restore()`.
That is a real dropped connection for the browser's event stream, not a switch in the page.
It also keeps the request heads the browser sent, so a scenario can read which headers a
reconnect carried."""
import re
import socket
import threading


class DroppingProxy:
    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.connections = set()
        self.dropped = False
        self.requests = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def drop(self):
        with self.lock:
            self.dropped = True
            doomed = list(self.connections)
            self.connections.clear()
        for sock in doomed:
            _close(sock)

    def restore(self):
        with self.lock:
            self.dropped = False

    def close(self):
        self.closed = True
        self.drop()
        _close(self.listener)

    def event_stream_heads(self):
        """The header blocks of every GET /api/crypto/events/ request seen, oldest first."""
        with self.lock:
            return [head for head in self.requests if head.startswith("GET /api/crypto/events/")]

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                refuse = self.dropped
            if refuse:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.connections.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source, sink, from_browser):
        pending = b""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_browser:
                    pending = self._record(pending + data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self.lock:
                self.connections.discard(source)
                self.connections.discard(sink)
            _close(source)
            _close(sink)

    def _record(self, data):
        """Keeps complete request heads; returns what may still be the start of one."""
        while True:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                return data[-8192:]
            head = data[:end].decode("latin-1")
            start = re.search(r"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /", head)
            if start:
                with self.lock:
                    self.requests.append(head[start.start():])
            data = data[end + 4:]


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
