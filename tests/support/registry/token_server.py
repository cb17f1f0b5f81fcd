#!/usr/bin/env python3
"""token_server.py: a Docker-style registry token server for tests (python3 stdlib only).

  token_server.py --port-file F --key KEY.pem --cert CERT.pem --user USER:PASS
                  [--issuer skiff-token-server] [--service skiff-registry] [--expires 300] [--log FILE]

Listens on 127.0.0.1:<free port> (written to F as "127.0.0.1:PORT") and answers
  GET  /token?service=S&scope=repository:NAME:pull,push[&scope=...]   (HTTP Basic credentials or none)
  POST /token  form grant_type=password&username=U&password=P[&access_type=offline]&service=S&scope=...
               form grant_type=refresh_token&refresh_token=R&service=S&scope=...
with {"token", "access_token", "expires_in", "issued_at"} (plus "refresh_token" for password grants with
access_type=offline, and for GET with credentials when offline_token=true). Wrong credentials: 401.
Anonymous requests get a token with an empty access list (the registry then answers 401 / denied).
The user gets every action it asks for on every repository (and registry:catalog:*).
The JWT is RS256, signed by `openssl dgst -sha256 -sign KEY`; its header carries the signer's certificate
(x5c) so that the registry's auth.token.rootcertbundle = CERT verifies it. Each request is logged to --log.
"""
import argparse
import base64
import datetime
import http.server
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    def __init__(self, args):
        self.args = args
        self.user, self.password = args.user.split(":", 1)
        with open(args.cert, "rb") as f:
            pem = f.read().decode()
        body = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
        self.x5c = [body]  # base64 DER, as x5c wants (standard base64, not url-safe)
        self.refresh = {}  # refresh token -> username
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()

    def log(self, line):
        if not self.args.log:
            return
        with self.log_lock, open(self.args.log, "a") as f:
            f.write(time.strftime("%H:%M:%S ") + line + "\n")

    def sign(self, data):
        p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.args.key], input=data,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if p.returncode != 0:
            raise RuntimeError("openssl dgst failed: " + p.stderr.decode(errors="replace"))
        return p.stdout

    def access_for(self, subject, scopes):
        access = []
        if not subject:
            return access
        for scope in scopes:
            # type:name:actions, where name may itself hold a ':' (host:port/...); actions are last.
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            typ, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1]
            acts = [a for a in actions.split(",") if a]
            if typ not in ("repository", "registry"):
                continue
            access.append({"type": typ, "name": name, "actions": acts})
        return access

    def make_token(self, subject, service, scopes):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": self.x5c}
        claims = {
            "iss": self.args.issuer,
            "sub": subject,
            "aud": service or self.args.service,
            "exp": now + self.args.expires,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": self.access_for(subject, scopes),
        }
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = self.sign(signing_input.encode())
        return signing_input + "." + b64url(sig), claims

    def new_refresh(self, subject):
        r = secrets.token_urlsafe(24)
        with self.lock:
            self.refresh[r] = subject
        return r


def make_handler(ts):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "skiff-token-server/1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, code, obj, extra=None):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def deny(self, why):
            ts.log("  -> 401 " + why)
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]},
                       {"WWW-Authenticate": 'Basic realm="skiff-token-server"'})

        def answer(self, subject, service, scopes, refresh=None):
            token, claims = ts.make_token(subject, service, scopes)
            out = {"token": token, "access_token": token, "expires_in": ts.args.expires,
                   "issued_at": datetime.datetime.fromtimestamp(claims["iat"], datetime.timezone.utc)
                   .strftime("%Y-%m-%dT%H:%M:%SZ")}
            if refresh:
                out["refresh_token"] = refresh
            ts.log("  -> 200 sub=%r access=%s%s" % (subject, json.dumps(claims["access"]),
                                                   " refresh" if refresh else ""))
            self.reply(200, out)

        def basic_user(self):
            """None: no credentials; False: wrong ones; else the user name."""
            h = self.headers.get("Authorization", "")
            if not h.lower().startswith("basic "):
                return None
            try:
                u, p = base64.b64decode(h[6:].strip()).decode().split(":", 1)
            except Exception:  # noqa: BLE001 - a malformed header is wrong credentials
                return False
            return u if (u, p) == (ts.user, ts.password) else False

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(url.query)
            ts.log("GET %s auth=%s" % (self.path, "basic" if "Authorization" in self.headers else "none"))
            if url.path != "/token":
                self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
                return
            user = self.basic_user()
            if user is False:
                self.deny("wrong user name or password")
                return
            refresh = None
            if user and q.get("offline_token", [""])[0] == "true":
                refresh = ts.new_refresh(user)
            self.answer(user or "", q.get("service", [""])[0], q.get("scope", []), refresh)

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(n).decode(errors="replace")) if n else {}
            f1 = lambda k: form.get(k, [""])[0]  # noqa: E731
            ts.log("POST %s grant_type=%s username=%s access_type=%s scope=%s" % (
                self.path, f1("grant_type"), f1("username"), f1("access_type"), form.get("scope", [])))
            if url.path != "/token":
                self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
                return
            scopes = []
            for s in form.get("scope", []):
                scopes.extend(x for x in s.split(" ") if x)
            grant = f1("grant_type")
            if grant == "password":
                if (f1("username"), f1("password")) != (ts.user, ts.password):
                    self.deny("wrong user name or password")
                    return
                refresh = ts.new_refresh(ts.user) if f1("access_type") == "offline" else None
                self.answer(ts.user, f1("service"), scopes, refresh)
            elif grant == "refresh_token":
                with ts.lock:
                    subject = ts.refresh.get(f1("refresh_token"))
                if not subject:
                    self.deny("unknown refresh token")
                    return
                self.answer(subject, f1("service"), scopes)
            else:
                self.reply(400, {"error": "unsupported_grant_type"})

    return Handler


def main():
    ap = argparse.ArgumentParser(description="registry token server for tests")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--user", default="skiff:secret")
    ap.add_argument("--issuer", default="skiff-token-server")
    ap.add_argument("--service", default="skiff-registry")
    ap.add_argument("--expires", type=int, default=300)
    ap.add_argument("--log")
    args = ap.parse_args()
    if ":" not in args.user:
        sys.exit("token_server: --user wants USER:PASS")
    ts = TokenServer(args)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(ts))
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
