#!/usr/bin/env python3
"""fault_proxy.py: a plain-HTTP forwarding proxy in front of a plain-http registry, with blob faults.

  fault_proxy.py --target 127.0.0.1:PORT --port-file F [--drop-after N] [--drop-times K]
                 [--corrupt-at N] [--log FILE]

Listens on 127.0.0.1:<free port> (written to F as "127.0.0.1:PORT") and forwards every request to
--target as it is (the Host header unchanged, so the registry's Location headers name the proxy), keeping
each client connection alive or closing it as the client asks; request and response bodies are streamed
in 64 KiB pieces (Content-Length or chunked), never held whole.
Faults apply to the 200/206 answers of GET /v2/<name>/blobs/sha256:<hex> whose body is longer than N:
  --drop-after N   send N body bytes, then close the connection; for the first K (--drop-times, default 1)
                   such answers of each blob digest.
  --corrupt-at N   flip the byte at body offset N (every time).
  --rate B         send blob bodies at about B bytes per second (a slow link, to interrupt a pull midway).
--log FILE gets one line per request: "<request line> Range: <value or ->", then "  -> <status> <length>",
and "  FAULT drop|corrupt ..." when a fault was applied, so a test can see that a resume asked for
"Range: bytes=N-".
"""
import argparse
import http.client
import http.server
import os
import re
import threading
import time

HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
       "trailer", "transfer-encoding", "upgrade", "expect"}
BLOB = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})(\?.*)?$")
PIECE = 64 * 1024


class State:
    def __init__(self, args):
        self.args = args
        self.drops = {}  # digest -> drops done
        self.lock = threading.Lock()

    def log(self, line):
        if self.args.log:
            with self.lock, open(self.args.log, "a") as f:
                f.write(time.strftime("%H:%M:%S ") + line + "\n")

    def take_drop(self, digest):
        with self.lock:
            done = self.drops.get(digest, 0)
            if done >= self.args.drop_times:
                return False
            self.drops[digest] = done + 1
            return True


def read_chunked(rfile):
    """Yields the decoded pieces of a chunked body read from rfile (trailers skipped)."""
    while True:
        line = rfile.readline(65537)
        if not line:
            raise ConnectionError("client closed inside a chunked body")
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass
            return
        left = size
        while left:
            data = rfile.read(min(left, PIECE))
            if not data:
                raise ConnectionError("client closed inside a chunk")
            left -= len(data)
            yield data
        rfile.readline(3)


def make_handler(st):
    host, port = st.args.target.rsplit(":", 1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        upstream = None

        def log_message(self, fmt, *a):
            pass

        def conn(self):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(host, int(port), timeout=600)
            return self.upstream

        def drop_upstream(self):
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None

        def forward(self):
            st.log("%s Range: %s" % (self.requestline, self.headers.get("Range", "-")))
            chunked_in = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            length_in = self.headers.get("Content-Length")
            try:
                c = self.conn()
                c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() not in HOP:
                        c.putheader(k, v)
                if chunked_in:
                    c.putheader("Transfer-Encoding", "chunked")
                c.endheaders()
                if chunked_in:
                    for data in read_chunked(self.rfile):
                        c.send(b"%x\r\n%s\r\n" % (len(data), data))
                    c.send(b"0\r\n\r\n")
                elif length_in:
                    left = int(length_in)
                    while left:
                        data = self.rfile.read(min(left, PIECE))
                        if not data:
                            raise ConnectionError("client closed inside the body")
                        left -= len(data)
                        c.send(data)
                resp = c.getresponse()
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.drop_upstream()
                st.log("  -> 502 upstream: %s" % e)
                body = ("fault_proxy: upstream %s: %s\n" % (st.args.target, e)).encode()
                self.send_response(502)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
                return
            length = resp.getheader("Content-Length")
            st.log("  -> %d %s" % (resp.status, length if length is not None else "chunked"))
            no_body = self.command == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
            chunked_out = not no_body and length is None
            self.send_response_only(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP:
                    self.send_header(k, v)
            if chunked_out:
                self.send_header("Transfer-Encoding", "chunked")
            if resp.will_close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if no_body:
                resp.read()
                if resp.will_close:
                    self.drop_upstream()
                return

            drop_at = corrupt_at = None
            m = BLOB.match(self.path)
            if (self.command == "GET" and m and resp.status in (200, 206) and length is not None):
                n = int(length)
                a = st.args
                if a.drop_after is not None and n > a.drop_after and st.take_drop(m.group(1)):
                    drop_at = a.drop_after
                    st.log("  FAULT drop %s after %d of %d bytes" % (m.group(1), drop_at, n))
                if a.corrupt_at is not None and n > a.corrupt_at:
                    corrupt_at = a.corrupt_at
                    st.log("  FAULT corrupt %s at byte %d of %d" % (m.group(1), corrupt_at, n))
            sent = 0
            began = time.monotonic()
            rate = st.args.rate if m and self.command == "GET" else None
            while True:
                if rate:
                    ahead = sent / rate - (time.monotonic() - began)
                    if ahead > 0:
                        time.sleep(ahead)
                want = PIECE if drop_at is None else min(PIECE, drop_at - sent)
                data = resp.read1(want) if want > 0 else b""
                if not data:
                    break
                if corrupt_at is not None and sent <= corrupt_at < sent + len(data):
                    i = corrupt_at - sent
                    data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
                if chunked_out:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                else:
                    self.wfile.write(data)
                sent += len(data)
            if drop_at is not None:
                self.wfile.flush()
                self.drop_upstream()
                self.close_connection = True
                try:
                    self.connection.shutdown(2)
                except OSError:
                    pass
                return
            if chunked_out:
                self.wfile.write(b"0\r\n\r\n")
            # read1 never marks a fully read response closed: without this the upstream connection refuses
            # the next request ("Request-sent").
            resp.close()
            if resp.will_close:
                self.drop_upstream()

        def handle_one_request(self):
            try:
                super().handle_one_request()
            except (ConnectionError, BrokenPipeError, TimeoutError):
                self.close_connection = True
                self.drop_upstream()

        def finish(self):
            self.drop_upstream()
            try:
                super().finish()
            except OSError:
                pass

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = forward

    return Handler


def main():
    ap = argparse.ArgumentParser(description="HTTP proxy with blob faults, for registry tests")
    ap.add_argument("--target", required=True, help="host:port of the plain-http registry")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--drop-after", type=int)
    ap.add_argument("--drop-times", type=int, default=1)
    ap.add_argument("--corrupt-at", type=int)
    ap.add_argument("--rate", type=int, help="blob bodies at about this many bytes per second")
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(State(args)))
    srv.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("127.0.0.1:%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
