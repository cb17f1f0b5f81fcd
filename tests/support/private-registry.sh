#!/usr/bin/env bash
# private-registry.sh start DIR [--tls] [--auth none|basic|token] [--user USER:PASS] [--trust CERTSDIR]...
#                     | stop DIR
# Runs Debian's docker-registry (distribution 2.8) with everything private under DIR, on 127.0.0.1 only:
#   DIR/config.yml   its configuration (storage DIR/data, deletes enabled, http.addr 127.0.0.1:<free port>)
#   DIR/registry.log its log;  DIR/registry.pid its pid
#   DIR/addr         "127.0.0.1:PORT" (also the one line `start` prints on stdout)
#   DIR/user         "USER:PASS" of --user (default skiff:secret), for --auth basic|token
# --tls            a CA and a server certificate (SAN IP:127.0.0.1, DNS:localhost) made with openssl:
#                  DIR/ca.crt (the CA), DIR/server.{crt,key}, and a Docker-style certs.d tree
#                  DIR/certs.d/127.0.0.1:PORT/ca.crt and DIR/certs.d/localhost:PORT/ca.crt.
# --trust CERTSDIR with --tls: also installs the CA as CERTSDIR/127.0.0.1:PORT/ca.crt and
#                  CERTSDIR/localhost:PORT/ca.crt (e.g. /etc/docker/certs.d, /etc/skiff/certs.d). Only
#                  directories that did not exist are made; they are listed in DIR/created and `stop`
#                  removes exactly those (and the ca.crt files put in them).
# --auth basic     htpasswd (bcrypt) file DIR/htpasswd with --user.
# --auth token     Bearer token auth: tests/support/registry/token_server.py on 127.0.0.1:TPORT
#                  (DIR/token_addr, log DIR/token.log, pid DIR/token_server.pid) signs RS256 JWTs with
#                  DIR/token.key; the registry trusts DIR/token.crt; realm http://127.0.0.1:TPORT/token,
#                  service "skiff-registry", issuer "skiff-token-server".
# `start` waits until GET /v2/ answers (any status). `stop` stops the registry and the token server by the
# pids in DIR, removes what --trust created, and leaves DIR itself (its data) in place.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { echo "usage: private-registry.sh start DIR [--tls] [--auth none|basic|token] [--user USER:PASS] [--trust CERTSDIR]... | stop DIR" >&2; exit 2; }
cmd=${1:-}; dir=${2:-}; [ -n "$cmd" ] && [ -n "$dir" ] || usage; shift 2
live_pid() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
stop_pid() {  # stop_pid PIDFILE: SIGTERM, wait up to 10 s, SIGKILL
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  if live_pid "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do live_pid "$pid" || break; sleep 0.1; done
    live_pid "$pid" && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

case "$cmd" in
start)
  tls=0 auth=none user=skiff:secret trust=()
  while [ $# -gt 0 ]; do
    case $1 in
      --tls) tls=1 ;;
      --auth) auth=${2:?--auth none|basic|token}; shift ;;
      --auth=*) auth=${1#--auth=} ;;
      --user) user=${2:?--user USER:PASS}; shift ;;
      --user=*) user=${1#--user=} ;;
      --trust) trust+=("${2:?--trust CERTSDIR}"); shift ;;
      --trust=*) trust+=("${1#--trust=}") ;;
      *) usage ;;
    esac
    shift
  done
  case $auth in none|basic|token) ;; *) usage ;; esac
  [[ $user == *:* ]] || { echo "private-registry: --user wants USER:PASS" >&2; exit 2; }
  [ ${#trust[@]} -eq 0 ] || [ $tls = 1 ] || { echo "private-registry: --trust needs --tls" >&2; exit 2; }
  command -v docker-registry >/dev/null || { echo "private-registry: docker-registry not installed (apt-get install docker-registry)" >&2; exit 77; }
  [ $auth != basic ] || command -v htpasswd >/dev/null || { echo "private-registry: htpasswd missing (apt-get install apache2-utils)" >&2; exit 77; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/registry.pid" ] && live_pid "$(cat "$dir/registry.pid")"; then
    echo "private-registry: already running in $dir (pid $(cat "$dir/registry.pid"))" >&2; exit 1
  fi
  mkdir -p "$dir/data"
  printf '%s\n' "$user" > "$dir/user"
  fail() { echo "private-registry: $*" >&2; stop_pid "$dir/token_server.pid"; stop_pid "$dir/registry.pid"; exit 1; }

  auth_yaml=""
  case $auth in
  basic)
    htpasswd -Bbc "$dir/htpasswd" "${user%%:*}" "${user#*:}" 2>/dev/null || fail "htpasswd failed"
    auth_yaml="auth:
  htpasswd:
    realm: skiff-registry
    path: $dir/htpasswd" ;;
  token)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/token.key" -out "$dir/token.crt" -days 30 \
      -subj "/CN=skiff-token-server" >/dev/null 2>&1 || fail "openssl could not make the token signer"
    rm -f "$dir/token_addr"
    python3 "$here/registry/token_server.py" --port-file "$dir/token_addr" --key "$dir/token.key" --cert "$dir/token.crt" \
      --user "$user" --issuer skiff-token-server --service skiff-registry --log "$dir/token.log" \
      >>"$dir/token.log" 2>&1 &
    echo $! > "$dir/token_server.pid"
    for _ in $(seq 1 100); do [ -s "$dir/token_addr" ] && break; live_pid "$(cat "$dir/token_server.pid")" || break; sleep 0.1; done
    [ -s "$dir/token_addr" ] || { tail -5 "$dir/token.log" >&2; fail "token server did not come up"; }
    auth_yaml="auth:
  token:
    realm: http://$(cat "$dir/token_addr")/token
    service: skiff-registry
    issuer: skiff-token-server
    rootcertbundle: $dir/token.crt" ;;
  esac

  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    addr=127.0.0.1:$port
    tls_yaml=""
    if [ $tls = 1 ]; then
      (
        cd "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=skiff-test-ca" \
          -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 30 -extfile server.ext
        rm -f server.csr server.ext ca.srl
      ) >/dev/null 2>&1 || fail "openssl could not make the certificates"
      rm -rf "$dir/certs.d"
      for h in "127.0.0.1:$port" "localhost:$port"; do mkdir -p "$dir/certs.d/$h"; cp "$dir/ca.crt" "$dir/certs.d/$h/ca.crt"; done
      tls_yaml="  tls:
    certificate: $dir/server.crt
    key: $dir/server.key"
    fi
    cat > "$dir/config.yml" <<YAML
version: 0.1
log:
  level: info
  fields:
    service: skiff-test-registry
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
$tls_yaml
$auth_yaml
YAML
    docker-registry serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 &
    echo $! > "$dir/registry.pid"
    scheme=http; [ $tls = 1 ] && scheme=https
    up=0
    for _ in $(seq 1 100); do
      if curl -s -k -o /dev/null --max-time 2 "$scheme://$addr/v2/"; then up=1; break; fi
      live_pid "$(cat "$dir/registry.pid")" || break
      sleep 0.1
    done
    [ $up = 1 ] && break
    stop_pid "$dir/registry.pid"
    grep -q "address already in use" "$dir/registry.log" || { tail -10 "$dir/registry.log" >&2; fail "registry did not come up"; }
  done
  [ $up = 1 ] || fail "registry did not come up (no free port)"
  echo "$addr" > "$dir/addr"

  : > "$dir/created"
  for t in "${trust[@]}"; do
    # Record each directory this makes, outermost first, so that `stop` can remove exactly those.
    for h in "127.0.0.1:$port" "localhost:$port"; do
      d="$t/$h" missing=()
      while [ ! -e "$d" ]; do missing=("$d" "${missing[@]}"); d=$(dirname "$d"); done
      for m in "${missing[@]}"; do mkdir "$m" && echo "dir $m" >> "$dir/created"; done
      [ -e "$t/$h/ca.crt" ] && fail "$t/$h/ca.crt exists already (not ours)"
      cp "$dir/ca.crt" "$t/$h/ca.crt" && echo "file $t/$h/ca.crt" >> "$dir/created"
    done
  done
  echo "$addr" ;;
stop)
  [ -d "$dir" ] || exit 0
  dir=$(cd "$dir" && pwd)
  stop_pid "$dir/registry.pid"
  stop_pid "$dir/token_server.pid"
  if [ -f "$dir/created" ]; then
    grep '^file ' "$dir/created" | cut -d' ' -f2- | while read -r f; do rm -f "$f"; done
    grep '^dir ' "$dir/created" | cut -d' ' -f2- | tac | while read -r d; do rmdir "$d" 2>/dev/null || true; done
    rm -f "$dir/created"
  fi
  exit 0 ;;
*) usage ;;
esac
