"""A loopback HTTP proxy that records every exchange it forwards.

Sits between the adapter and a backend (for example voip-migration-sim) so a
test sees both sides of each backend exchange as they were on the wire: the
adapter's request and the backend's answer (status, content type, body). Keeps
connections alive like the adapter's gSOAP clients expect. When the client
gives up first (a time-out), the exchange is still recorded, with the answer
the backend gave later. Answers are forwarded byte for byte (Content-Encoding
included); the recorded body is the decoded one.
"""
import gzip
import http.client
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Exchange:
    def __init__(self, path, headers, request):
        self.path, self.headers, self.request = path, headers, request
        self.status, self.content_type, self.response = None, "", b""
        self.wire, self.content_encoding = b"", ""  # the answer's body as sent, and its encoding
        self.answered = threading.Event()  # set once the backend's answer (or its failure) is in


def _decoded(body, encoding):
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


class RecordingProxy:
    """Forwards POSTs on 127.0.0.1:<free port> to `target` (http://host:port)."""

    def __init__(self, target, timeout_s=30):
        self.exchanges = []
        self._lock = threading.Lock()
        target_url = urlsplit(target)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                exchange = Exchange(self.path, dict(self.headers.items()), body)
                with proxy._lock:
                    proxy.exchanges.append(exchange)
                connection = http.client.HTTPConnection(target_url.hostname, target_url.port, timeout=timeout_s)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    connection.request("POST", self.path, body, headers)
                    answer = connection.getresponse()
                    exchange.wire = answer.read()
                    exchange.status = answer.status
                    exchange.content_type = answer.getheader("Content-Type", "")
                    exchange.content_encoding = answer.getheader("Content-Encoding", "")
                    exchange.response = _decoded(exchange.wire, exchange.content_encoding)
                except OSError as error:
                    exchange.status = 502
                    exchange.response = exchange.wire = f"proxy: backend failed: {error}".encode()
                finally:
                    connection.close()
                    exchange.answered.set()
                try:
                    self.send_response(exchange.status)
                    self.send_header("Content-Type", exchange.content_type)
                    if exchange.content_encoding:
                        self.send_header("Content-Encoding", exchange.content_encoding)
                    self.send_header("Content-Length", str(len(exchange.wire)))
                    self.end_headers()
                    self.wfile.write(exchange.wire)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (time-out)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def take(self, timeout_s=10):
        """The exchanges recorded so far, in arrival order, each with the backend's
        answer (waiting up to timeout_s for answers still pending); forgets them."""
        with self._lock:
            taken, self.exchanges = self.exchanges, []
        for exchange in taken:
            if not exchange.answered.wait(timeout_s):
                raise TimeoutError(f"the backend did not answer {exchange.path} within {timeout_s} s")
        return taken

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
