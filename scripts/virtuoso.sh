#!/usr/bin/env bash
# Throw-away Virtuoso Open Source 7.2 instance for automated tests.
#
#   scripts/virtuoso.sh install      # apt-get install virtuoso-opensource (distro service NOT started)
#   scripts/virtuoso.sh start DIR    # own ini + database in DIR, 127.0.0.1 only, free ports;
#                                    # prints one JSON line: {"sparql": ..., "graph_store": ..., "pid": ...,
#                                    #                        "isql_port": ..., "seconds_to_start": ...}
#   scripts/virtuoso.sh stop DIR     # SIGTERM the instance recorded in DIR/virtuoso.pid, wait, KILL if needed
#
# After `start`, the anonymous SPARQL user ("SPARQL", i.e. everything arriving at /sparql and
# /sparql-graph-crud without credentials) holds the SPARQL_UPDATE role, which is all Virtuoso 7.2.5
# needs for INSERT/DELETE/CLEAR/DROP via /sparql and PUT/POST/DELETE via /sparql-graph-crud.
# The DBA account keeps the package default dba/dba; the SQL port listens on 127.0.0.1 only.
#
# Environment knobs (all optional):
#   VIRTUOSO_START_TIMEOUT  seconds to wait for the SPARQL endpoint (default 60)
#   VIRTUOSO_HTTP_PORT / VIRTUOSO_ISQL_PORT   fixed ports instead of picking free ones
#   VIRTUOSO_NUMBER_OF_BUFFERS  8 KiB pages of cache (default 20000, ~160 MiB)
set -euo pipefail

PKG=virtuoso-opensource
VIRTUOSO_BIN=${VIRTUOSO_BIN:-virtuoso-t}
ISQL_BIN=${ISQL_BIN:-isql-vt}
VSP_ROOT=/var/lib/virtuoso-opensource-7/vsp

die() { echo "virtuoso.sh: $*" >&2; exit 1; }
log() { echo "virtuoso.sh: $*" >&2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ---------------------------------------------------------------- install
is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null || true)" = "install ok installed" ] &&
        command -v "$VIRTUOSO_BIN" >/dev/null && command -v "$ISQL_BIN" >/dev/null
}

# Stop the distro instance if something did start it (it would hold 1111/8890).
stop_distro_service() {
    local lck=/var/lib/virtuoso-opensource-7/db/virtuoso.lck pid
    [ -f "$lck" ] || return 0
    pid=$(sed -n 's/^VIRT_PID=\([0-9]\+\).*/\1/p' "$lck" | head -n1)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q virtuoso-t; then
        log "stopping the distro's virtuoso service (pid $pid)"
        if [ -x /etc/init.d/virtuoso-opensource-7 ]; then
            /etc/init.d/virtuoso-opensource-7 stop >/dev/null 2>&1 || true
        fi
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
}

cmd_install() {
    if is_installed; then
        stop_distro_service
        log "$PKG already installed ($(dpkg-query -W -f='${Version}' "$PKG"))"
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "install needs root (apt-get)"
    local t0 policy=/usr/sbin/policy-rc.d added_policy=0
    t0=$(now)
    # Keep invoke-rc.d from starting the distro service during postinst.
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        added_policy=1
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
    local apt=(apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef
        -o Dpkg::Options::=--force-confold "$PKG")
    if ! "${apt[@]}" >&2; then
        log "install failed; running apt-get update and retrying once"
        apt-get update >&2
        "${apt[@]}" >&2
    fi
    if [ "$added_policy" = 1 ]; then rm -f "$policy"; trap - EXIT; fi
    stop_distro_service
    is_installed || die "$PKG installed but $VIRTUOSO_BIN/$ISQL_BIN not found"
    log "installed $PKG $(dpkg-query -W -f='${Version}' "$PKG") in $(elapsed "$t0" "$(now)") s"
}

# ---------------------------------------------------------------- helpers
port_in_use() {
    local p=$1
    if command -v ss >/dev/null; then
        [ -n "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ] && return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0
    return 1
}

# A free TCP port below the kernel's ephemeral range (so outgoing connections can't grab it).
free_port() {
    local lo=10000 hi eph_lo p _
    eph_lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    hi=$((eph_lo - 1))
    [ "$hi" -gt $((lo + 1000)) ] || { lo=20000; hi=29999; }
    for _ in $(seq 1 200); do
        p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
        [ "$p" = "${1:-}" ] && continue
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    die "no free port found"
}

is_our_virtuoso() { # pid dir
    local pid=$1 dir=$2
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/virtuoso.ini"
}

write_ini() { # dir isql_port http_port
    local d=$1 ip=$2 hp=$3
    cat >"$d/virtuoso.ini" <<EOF
; generated by scripts/virtuoso.sh - throw-away test instance
[Database]
DatabaseFile       = $d/virtuoso.db
ErrorLogFile       = $d/virtuoso.log
LockFile           = $d/virtuoso.lck
TransactionFile    = $d/virtuoso.trx
xa_persistent_file = $d/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = $d/virtuoso-temp.db
TransactionFile    = $d/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:$ip
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 20
CheckpointInterval   = 60
O_DIRECT             = 0
CaseMode             = 2
MaxStaticCursorRows  = 5000
AllowOSCalls         = 0
DirsAllowed          = ., $d
ThreadsPerQuery      = 2
NumberOfBuffers      = ${VIRTUOSO_NUMBER_OF_BUFFERS:-20000}
MaxDirtyBuffers      = $(( ${VIRTUOSO_NUMBER_OF_BUFFERS:-20000} * 3 / 4 ))
MaxSortedTopRows     = 1000000

[HTTPServer]
ServerPort           = 127.0.0.1:$hp
ServerRoot           = $VSP_ROOT
MaxClientConnections = 20
ServerThreads        = 20
DavRoot              = DAV
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
HTTPThreadSize       = 280000
Charset              = UTF-8
EnabledGzipContent   = 0

[SPARQL]
; no ResultSetMaxRows / MaxQueryExecutionTime: results are never silently truncated
DefaultQuery         = ASK {}
DeferInferenceRulesInit = 0
EOF
}

http_ok() { # port
    local code
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' \
        "http://127.0.0.1:$1/sparql?query=ASK%20%7B%7D" 2>/dev/null || true)
    [ "$code" = 200 ]
}

isql() { # port sql...   (isql-vt exits 0 even on SQL errors; errors go to stderr)
    local port=$1; shift
    timeout 30 "$ISQL_BIN" "127.0.0.1:$port" dba dba "EXEC=$*" </dev/null
}

fail_start() { # dir pid message   -- kill first, then talk (stderr may be a closed pipe)
    local d=$1 pid=$2 msg=$3
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        { kill -KILL "$pid"; wait "$pid"; } 2>/dev/null || true
    fi
    rm -f "$d/virtuoso.pid"
    STARTING_PID=""
    {
        echo "virtuoso.sh: $msg"
        echo "---- tail of $d/virtuoso.log ----"
        tail -n 30 "$d/virtuoso.log" 2>/dev/null || true
    } >&2 || true
    exit 1
}

# If `start` is interrupted before it succeeded, don't leave a half-started server behind.
STARTING_PID=""
start_cleanup() {
    if [ -n "$STARTING_PID" ] && kill -0 "$STARTING_PID" 2>/dev/null; then
        kill -KILL "$STARTING_PID" 2>/dev/null || true
    fi
}

# Ready = our process is alive, has logged that its HTTP listener is online on our port
# (so a foreign server on a clashing port can't fool us), and /sparql answers.
server_ready() { # pid dir http_port
    kill -0 "$1" 2>/dev/null || return 1
    grep -qE "HTTP(/WebDAV)? server online at 127\.0\.0\.1:$3\b" "$2/virtuoso.log" 2>/dev/null || return 1
    http_ok "$3"
}

# ---------------------------------------------------------------- start
cmd_start() {
    local d=${1:-}
    [ -n "$d" ] || die "usage: $0 start DIR"
    command -v "$VIRTUOSO_BIN" >/dev/null || die "$VIRTUOSO_BIN not found; run: $0 install"
    command -v "$ISQL_BIN" >/dev/null || die "$ISQL_BIN not found; run: $0 install"
    command -v curl >/dev/null || die "curl not found"
    mkdir -p "$d"
    d=$(cd "$d" && pwd -P)
    case "$d" in *[[:space:]]*) die "DIR must not contain whitespace: $d" ;; esac

    if [ -f "$d/virtuoso.pid" ] && is_our_virtuoso "$(cat "$d/virtuoso.pid")" "$d"; then
        die "an instance is already running from $d (pid $(cat "$d/virtuoso.pid")); stop it first"
    fi
    # a lock file left by a killed server would make virtuoso refuse to start
    if [ -f "$d/virtuoso.lck" ]; then
        local lpid
        lpid=$(sed -n 's/^VIRT_PID=\([0-9]\+\).*/\1/p' "$d/virtuoso.lck" | head -n1)
        if is_our_virtuoso "$lpid" "$d"; then die "virtuoso pid $lpid is already using $d"; fi
        rm -f "$d/virtuoso.lck"
    fi

    trap start_cleanup EXIT
    trap 'exit 1' INT TERM HUP PIPE
    local timeout=${VIRTUOSO_START_TIMEOUT:-60} attempt ip hp pid t0 deadline v
    for v in "${VIRTUOSO_HTTP_PORT:-1}" "${VIRTUOSO_ISQL_PORT:-1}" "$timeout"; do
        [[ "$v" =~ ^[0-9]+$ ]] || die "VIRTUOSO_HTTP_PORT/VIRTUOSO_ISQL_PORT/VIRTUOSO_START_TIMEOUT must be integers, got '$v'"
    done
    for attempt in 1 2 3; do
        ip=${VIRTUOSO_ISQL_PORT:-$(free_port)}
        hp=${VIRTUOSO_HTTP_PORT:-$(free_port "$ip")}
        write_ini "$d" "$ip" "$hp"
        : >"$d/virtuoso.stdout"
        t0=$(now)
        # +foreground keeps virtuoso-t as our direct child (its own daemon mode forks and
        # we would have to scrape the pid); setsid detaches it from the caller's process
        # group/terminal; all output goes to files so $(...) callers don't hang.
        (cd "$d" && exec setsid "$VIRTUOSO_BIN" +foreground +configfile "$d/virtuoso.ini" \
            </dev/null >>"$d/virtuoso.stdout" 2>&1) &
        pid=$!
        STARTING_PID=$pid
        echo "$pid" >"$d/virtuoso.pid"
        deadline=$(awk -v a="$t0" -v t="$timeout" 'BEGIN { printf "%d", a + t }')
        while :; do
            if server_ready "$pid" "$d" "$hp"; then break; fi
            if ! kill -0 "$pid" 2>/dev/null; then
                wait "$pid" 2>/dev/null || true
                if grep -qE 'Failed to start listening|Failed HTTP listen' "$d/virtuoso.log" 2>/dev/null &&
                    [ -z "${VIRTUOSO_HTTP_PORT:-}${VIRTUOSO_ISQL_PORT:-}" ] && [ "$attempt" -lt 3 ]; then
                    log "port clash on $ip/$hp (attempt $attempt), retrying with other ports"
                    rm -f "$d/virtuoso.lck" "$d/virtuoso.pid"
                    STARTING_PID=""
                    continue 2
                fi
                fail_start "$d" "" "virtuoso-t exited before the SPARQL endpoint came up"
            fi
            if [ "$(date +%s)" -ge "$deadline" ]; then
                fail_start "$d" "$pid" "SPARQL endpoint http://127.0.0.1:$hp/sparql did not answer within ${timeout}s"
            fi
            sleep 0.1
        done
        break
    done
    local secs
    secs=$(elapsed "$t0" "$(now)")

    # The SQL listener comes up right after HTTP; retry the grant briefly.
    local out ok=0
    for _ in $(seq 1 50); do
        out=$(isql "$ip" 'GRANT SPARQL_UPDATE TO "SPARQL";' 2>&1 >/dev/null || echo "*** isql failed")
        if [ -z "$out" ] || grep -q 'already have role' <<<"$out"; then ok=1; break; fi
        sleep 0.2
    done
    [ "$ok" = 1 ] || fail_start "$d" "$pid" "granting SPARQL_UPDATE to SPARQL failed: $out"

    # Probe: an anonymous update must be accepted now.
    local probe
    probe=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST \
        --data-urlencode 'update=CLEAR SILENT GRAPH <urn:virtuoso-sh:probe>' "http://127.0.0.1:$hp/sparql" || true)
    [ "$probe" = 200 ] || fail_start "$d" "$pid" "anonymous SPARQL update probe answered HTTP $probe"

    local json
    json=$(printf '{"sparql": "http://127.0.0.1:%s/sparql", "graph_store": "http://127.0.0.1:%s/sparql-graph-crud", "pid": %s, "isql_port": %s, "seconds_to_start": %s}' \
        "$hp" "$hp" "$pid" "$ip" "$secs")
    echo "$json" >"$d/instance.json"
    STARTING_PID=""
    trap - EXIT INT TERM HUP PIPE
    echo "$json"
}

# ---------------------------------------------------------------- stop
cmd_stop() {
    local d=${1:-}
    [ -n "$d" ] || die "usage: $0 stop DIR"
    [ -d "$d" ] || die "no such directory: $d"
    d=$(cd "$d" && pwd -P)
    local pid
    pid=$(cat "$d/virtuoso.pid" 2>/dev/null || true)
    if [ -z "$pid" ]; then log "no $d/virtuoso.pid: nothing to stop"; return 0; fi
    if ! is_our_virtuoso "$pid" "$d"; then
        log "pid $pid is not a running virtuoso for $d: nothing to stop"
        rm -f "$d/virtuoso.pid"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do # up to 30 s
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid ignored SIGTERM for 30 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    kill -0 "$pid" 2>/dev/null && die "could not stop pid $pid"
    rm -f "$d/virtuoso.pid"
    log "stopped pid $pid"
}

case "${1:-}" in
install) cmd_install ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
*) echo "usage: $0 install | start DIR | stop DIR" >&2; exit 2 ;;
esac
