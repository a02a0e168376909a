#!/usr/bin/env bash
# Konsult scaled out on one machine: nginx on loopback in front of several web processes, and
# one worker process (e-mail delivery, deadlines, automatic acceptance), all on one PostgreSQL
# database and one file store. See docs/deployment.md.
#
#   deploy/cluster.sh start     build, migrate, start the web processes, the worker and nginx
#   deploy/cluster.sh stop      graceful stop: nginx first, then each process finishes what it was doing
#   deploy/cluster.sh status    which parts run, and whether each web process is ready
#
# Settings (environment):
#   DATABASE_URL        postgres://… (required)
#   FILE_STORE, S3_*    s3://bucket for an S3-compatible store (default: DATA_DIR/files, which
#                       only works while every process runs on this machine)
#   CLUSTER_DIR         where pid files, logs and nginx.conf go (default ./run/cluster)
#   CLUSTER_PORT        nginx's port on 127.0.0.1 (default 8080)
#   WEB_PORTS           the web processes' ports on 127.0.0.1, one process each (default "3101 3102")
#   PUBLIC_URL          the address people use (default http://localhost:$CLUSTER_PORT)
#   SESSION_SECRET      shared by every process (default: generated once into CLUSTER_DIR)
#   CLUSTER_SKIP_BUILD  1: use the dist/ that is there
# Every other variable of .env.example (SMTP_URL, PAYMENT_PROVIDER, NODE_ENV…) is passed on as it is.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

CLUSTER_DIR=${CLUSTER_DIR:-$root/run/cluster}
CLUSTER_PORT=${CLUSTER_PORT:-8080}
WEB_PORTS=${WEB_PORTS:-3101 3102}
mkdir -p "$CLUSTER_DIR"
CLUSTER_DIR=$(cd "$CLUSTER_DIR" && pwd)

log() { printf '[cluster] %s\n' "$*"; }
fail() {
  printf '[cluster] %s\n' "$*" >&2
  exit 1
}

# True when `$1` answers 200 within 2 s (node is there in any case; curl may not be).
http_ok() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

pid_of() { cat "$CLUSTER_DIR/$1.pid" 2>/dev/null || true; }
# Alive: exists and is not a zombie (a killed process this script's shell no longer waits for).
alive() {
  local state=''
  [[ -n $1 && -r /proc/$1/stat ]] || return 1
  state=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state != Z && $state != X ]]
}
is_running() { alive "$(pid_of "$1")"; }

# Waits until `$1` answers 200 or the process in pid file `$2` is gone; `$3` is its log.
wait_ready() {
  local url=$1 name=$2 log_file=${3:-$CLUSTER_DIR/$2.log} waited=0
  until http_ok "$url"; do
    is_running "$name" || fail "$name stopped while starting; its log: $log_file"
    [[ $waited -ge 120 ]] && fail "$name not ready at $url after 60 s; its log: $log_file"
    sleep 0.5
    waited=$((waited + 1))
  done
}

ensure_nginx() {
  command -v nginx >/dev/null 2>&1 && return 0
  [[ $(id -u) -eq 0 ]] || fail 'nginx is missing: install the Debian package (apt-get install nginx) or run this as root'
  log 'installing nginx from Debian'
  DEBIAN_FRONTEND=noninteractive apt-get install -y nginx >"$CLUSTER_DIR/apt.log" 2>&1 ||
    { apt-get update >>"$CLUSTER_DIR/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx >>"$CLUSTER_DIR/apt.log" 2>&1; } ||
    fail "apt-get install nginx failed: $CLUSTER_DIR/apt.log"
  # The package starts its own server on port 80 with the default site; this deployment has its own.
  nginx -s quit 2>/dev/null || true
}

write_nginx_conf() {
  local upstreams='' port user_line=''
  for port in $WEB_PORTS; do
    # One failed connection takes a process out of the rotation for 5 s; nginx tries it again then.
    upstreams+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  done
  mkdir -p "$CLUSTER_DIR/nginx-temp"
  if [[ $(id -u) -eq 0 ]]; then
    # nginx's workers drop root; they write request bodies to the temp folder.
    user_line='user www-data;'
    chown www-data "$CLUSTER_DIR/nginx-temp"
  fi
  local max_body_mb=$(( ${MAX_FILE_MEGABYTES:-10} * ${MAX_FILES_PER_MESSAGE:-5} + 2 ))
  cat >"$CLUSTER_DIR/nginx.conf" <<CONF
# Written by deploy/cluster.sh; changes here are overwritten at the next start.
$user_line
worker_processes 1;
pid $CLUSTER_DIR/nginx.pid;
error_log $CLUSTER_DIR/nginx-error.log warn;

events {
  worker_connections 1024;
}

http {
  # Which web process answered each request (two, when the first one failed).
  log_format konsult '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent done=\$msec rt=\$request_time upstream="\$upstream_addr" upstream_status="\$upstream_status"';
  access_log $CLUSTER_DIR/nginx-access.log konsult;
  client_body_temp_path $CLUSTER_DIR/nginx-temp/body;
  proxy_temp_path $CLUSTER_DIR/nginx-temp/proxy;
  fastcgi_temp_path $CLUSTER_DIR/nginx-temp/fastcgi;
  uwsgi_temp_path $CLUSTER_DIR/nginx-temp/uwsgi;
  scgi_temp_path $CLUSTER_DIR/nginx-temp/scgi;
  server_tokens off;
  # The portal refuses too large uploads itself, with a page that says so; nginx only stops the absurd.
  client_max_body_size ${max_body_mb}m;

  upstream konsult_web {
$upstreams  }

  server {
    listen 127.0.0.1:$CLUSTER_PORT;

    location / {
      proxy_pass http://konsult_web;
      # A new connection per request: a process that is stopping refuses new connections, and
      # nginx then passes the request to another one (a kept-alive connection could be closed
      # under a POST, which nginx may not repeat).
      proxy_http_version 1.0;
      proxy_set_header Connection close;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # A refused or failed connection, or a 502/503 from a process that is stopping, goes to the
      # next process. A POST that reached a process that then died is not sent again (it may have
      # been written): the person sees the error page and can send it again.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      # The whole upload arrives at nginx first, so a slow connection never holds a web process.
      proxy_request_buffering on;
    }
  }
}
CONF
}

start_process() {
  local name=$1
  shift
  if is_running "$name"; then
    log "$name is already running (pid $(pid_of "$name"))"
    return 0
  fi
  # setsid: the process outlives this script and a Ctrl-C in its terminal.
  setsid "$@" >>"$CLUSTER_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$CLUSTER_DIR/$name.pid"
  log "$name started (pid $!), log $CLUSTER_DIR/$name.log"
}

start() {
  [[ ${DATABASE_URL:-} == postgres://* || ${DATABASE_URL:-} == postgresql://* ]] ||
    fail 'DATABASE_URL must be postgres://… (SQLite serves one process; see docs/deployment.md)'
  ensure_nginx
  if [[ -z ${SESSION_SECRET:-} ]]; then
    # Every process must sign and check the same CSRF tokens: one secret for all of them.
    [[ -s $CLUSTER_DIR/session-secret ]] || (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$CLUSTER_DIR/session-secret")
    SESSION_SECRET=$(cat "$CLUSTER_DIR/session-secret")
  fi
  export SESSION_SECRET
  export PUBLIC_URL=${PUBLIC_URL:-http://localhost:$CLUSTER_PORT}
  export TRUST_PROXY=true
  export DATA_DIR=${DATA_DIR:-$CLUSTER_DIR/data}

  if [[ ${CLUSTER_SKIP_BUILD:-0} != 1 ]]; then
    log 'building'
    npm run --silent build
  fi
  log 'migrating the database'
  node dist/src/db/migrate-cli.js

  local port i=0
  for port in $WEB_PORTS; do
    i=$((i + 1))
    start_process "web-$i" env HOST=127.0.0.1 PORT="$port" RUN_WORKER=false node dist/src/server.js
  done
  start_process worker node dist/src/worker.js

  i=0
  for port in $WEB_PORTS; do
    i=$((i + 1))
    wait_ready "http://127.0.0.1:$port/readyz" "web-$i"
  done

  write_nginx_conf
  nginx -t -q -c "$CLUSTER_DIR/nginx.conf" 2>>"$CLUSTER_DIR/nginx-error.log" || fail "nginx.conf is invalid: $CLUSTER_DIR/nginx-error.log"
  if is_running nginx; then
    nginx -c "$CLUSTER_DIR/nginx.conf" -s reload 2>>"$CLUSTER_DIR/nginx-error.log"
  else
    nginx -c "$CLUSTER_DIR/nginx.conf"
  fi
  wait_ready "http://127.0.0.1:$CLUSTER_PORT/readyz" nginx "$CLUSTER_DIR/nginx-error.log"
  log "Konsult is running at $PUBLIC_URL (nginx on 127.0.0.1:$CLUSTER_PORT → web processes on $WEB_PORTS, one worker)"
}

# SIGTERM, then waits for the process to finish its in-flight work (it has its own grace period).
stop_process() {
  local name=$1 pid waited=0
  pid=$(pid_of "$name")
  if alive "$pid"; then
    kill -TERM "$pid"
    while alive "$pid"; do
      if [[ $waited -ge 600 ]]; then
        log "$name (pid $pid) did not stop within 60 s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
    log "$name stopped"
  fi
  rm -f "$CLUSTER_DIR/$name.pid"
}

stop() {
  if is_running nginx; then
    # quit: nginx stops accepting and finishes the requests it is passing on.
    nginx -c "$CLUSTER_DIR/nginx.conf" -s quit 2>>"$CLUSTER_DIR/nginx-error.log"
    local waited=0
    while is_running nginx && [[ $waited -lt 300 ]]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    log 'nginx stopped'
  fi
  local file name
  for file in "$CLUSTER_DIR"/web-*.pid; do
    [[ -e $file ]] || continue
    name=$(basename "$file" .pid)
    stop_process "$name" &
  done
  stop_process worker &
  wait
}

status() {
  local file name port code=0
  if ! compgen -G "$CLUSTER_DIR/*.pid" >/dev/null; then
    echo "nothing started from $CLUSTER_DIR"
    return 1
  fi
  for file in "$CLUSTER_DIR"/web-*.pid "$CLUSTER_DIR"/worker.pid; do
    [[ -e $file ]] || continue
    name=$(basename "$file" .pid)
    if is_running "$name"; then echo "$name: running (pid $(pid_of "$name"))"; else echo "$name: not running" && code=1; fi
  done
  if is_running nginx; then
    echo "nginx: running on 127.0.0.1:$CLUSTER_PORT"
  else
    echo 'nginx: not running' && code=1
  fi
  for port in $WEB_PORTS; do
    if http_ok "http://127.0.0.1:$port/readyz"; then echo "127.0.0.1:$port ready"; else echo "127.0.0.1:$port not ready" && code=1; fi
  done
  return $code
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
*)
  echo "usage: $0 start|stop|status" >&2
  exit 2
  ;;
esac
