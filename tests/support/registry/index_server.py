#!/usr/bin/env python3
"""index_server.py: a v1 search index for tests, the shape Docker Hub's /v1/search answers with.

  index_server.py --port-file F --data FILE.json [--log FILE]

Listens on 127.0.0.1:<free port> (written to F as "127.0.0.1:PORT"). FILE.json is a list of results (or
an object with "results"), each {"name", "description", "star_count", "is_official", "is_automated"}.
  GET /v1/_ping                 200 "true" (the docker daemon pings a v1 index before searching it)
  GET /v1/search?q=TERM&n=LIMIT {"num_pages", "num_results", "page", "page_size", "query", "results"}:
                                the entries whose name or description holds TERM (case-insensitive), in
                                the file's order, at most LIMIT (default 25, at most 100) of them;
                                num_results counts all matches.
--log FILE gets each request line.
"""
import argparse
import http.server
import json
import os
import time
import urllib.parse


def make_handler(args, entries):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "skiff-test-index/1"

        def log_message(self, fmt, *a):
            if args.log:
                with open(args.log, "a") as f:
                    f.write(time.strftime("%H:%M:%S ") + (fmt % a) + "\n")

        def reply(self, code, body, ctype="application/json", extra=None):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(url.query)
            if url.path in ("/v1/_ping", "/v1/_ping/"):
                self.reply(200, "true", extra={"X-Docker-Registry-Version": "0.6.0",
                                               "X-Docker-Registry-Standalone": "true"})
                return
            if url.path not in ("/v1/search", "/v1/search/"):
                self.reply(404, json.dumps({"error": "not found: " + url.path}))
                return
            term = q.get("q", [""])[0]
            try:
                limit = int(q.get("n", ["25"])[0])
            except ValueError:
                self.reply(400, json.dumps({"error": "n: not a number"}))
                return
            limit = max(1, min(limit, 100))
            t = term.lower()
            hits = [e for e in entries
                    if t in e.get("name", "").lower() or t in (e.get("description") or "").lower()]
            out = {"num_pages": (len(hits) + limit - 1) // limit if hits else 0, "num_results": len(hits),
                   "page": 1, "page_size": limit, "query": term, "results": hits[:limit]}
            self.reply(200, json.dumps(out))

        do_HEAD = do_GET

    return Handler


def main():
    ap = argparse.ArgumentParser(description="v1 search index for tests")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    with open(args.data) as f:
        data = json.load(f)
    entries = data["results"] if isinstance(data, dict) else data
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args, entries))
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
