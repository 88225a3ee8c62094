#!/usr/bin/env bash
# Side-by-side throughput, CPU cost and memory of redis-server and redraft, measured with the
# real redis-benchmark and redis-cli. Prints a markdown table.
#
# Usage: benches/redis-benchmark.sh [--quick] [--pin]
#   --quick   small request and key counts (a smoke test, numbers not meaningful)
#   --pin     servers on core 0, redis-benchmark on core 1 (taskset)
# Environment:
#   REDRAFT_BIN        server binary to compare (default: target/release/redraft, built here)
#   REDIS_SERVER_BIN   reference server (default: redis-server on PATH)
#   N_P1, N_P16        requests per run without / with pipelining (default 300000 / 1000000)
#   KEYS               keys loaded for the memory measurement (default 1000000)
#   CLIENTS            concurrent benchmark connections (default 50)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

QUICK=0
PIN=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --pin) PIN=1 ;;
        -h | --help)
            sed -n '2,15p' "$0"
            exit 0
            ;;
        *)
            echo "unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

if [ "$QUICK" = 1 ]; then
    N_P1=${N_P1:-2000}
    N_P16=${N_P16:-20000}
    KEYS=${KEYS:-10000}
else
    N_P1=${N_P1:-300000}
    N_P16=${N_P16:-1000000}
    KEYS=${KEYS:-1000000}
fi
CLIENTS=${CLIENTS:-50}

for tool in redis-benchmark redis-cli; do
    command -v "$tool" >/dev/null || {
        echo "$tool not found (apt-get install redis-tools)" >&2
        exit 1
    }
done
REDIS_SERVER_BIN=${REDIS_SERVER_BIN:-$(command -v redis-server || true)}
[ -x "$REDIS_SERVER_BIN" ] || {
    echo "redis-server not found (apt-get install redis-server)" >&2
    exit 1
}

if [ -z "${REDRAFT_BIN:-}" ]; then
    echo "building target/release/redraft ..." >&2
    cargo build --release -p redraft-server >&2
    REDRAFT_BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/redraft
fi
[ -x "$REDRAFT_BIN" ] || {
    echo "redraft binary $REDRAFT_BIN not found" >&2
    exit 1
}

SERVER_PIN=()
CLIENT_PIN=()
if [ "$PIN" = 1 ]; then
    command -v taskset >/dev/null || {
        echo "--pin needs taskset (util-linux)" >&2
        exit 1
    }
    SERVER_PIN=(taskset -c 0)
    CLIENT_PIN=(taskset -c 1)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/redraft-bench.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server NAME BIN -> sets STARTED_PID and STARTED_PORT
start_server() {
    local name=$1 bin=$2 port pid
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        "${SERVER_PIN[@]}" "$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            >"$WORK/$name-$port.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do
            if [ "$(redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null)" = "PONG" ]; then
                PIDS+=("$pid")
                STARTED_PID=$pid
                STARTED_PORT=$port
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "could not start $name ($bin); last log:" >&2
    cat "$WORK/$name-$port.log" >&2
    exit 1
}

stop_server() {
    local pid=$1
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

CLK_TCK=$(getconf CLK_TCK)

# Server CPU time (user + system) in clock ticks.
cpu_ticks() {
    # Fields after the ")" that closes the command name: state is 1st, utime 12th, stime 13th.
    sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

rss_bytes() {
    awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"
}

used_memory() {
    redis-cli -h 127.0.0.1 -p "$1" INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'
}

# bench PORT PID TEST PIPELINE N -> prints "rps cpu_us_per_request"
bench() {
    local port=$1 pid=$2 test=$3 pipeline=$4 n=$5 before after out rps
    before=$(cpu_ticks "$pid")
    out=$("${CLIENT_PIN[@]}" redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" \
        -r 1000000 -t "$test" -P "$pipeline" -q --csv)
    after=$(cpu_ticks "$pid")
    rps=$(printf '%s\n' "$out" | awk -F'","' 'NR > 1 { print $2; exit }')
    [ -n "$rps" ] || {
        echo "redis-benchmark gave no result for $test -P $pipeline on port $port:" >&2
        printf '%s\n' "$out" >&2
        exit 1
    }
    awk -v rps="$rps" -v d="$((after - before))" -v hz="$CLK_TCK" -v n="$n" \
        'BEGIN { printf "%.0f %.2f\n", rps, d / hz * 1e6 / n }'
}

# load_keys PORT COUNT: SET key:%09d <16 bytes> through redis-cli --pipe.
load_keys() {
    local port=$1 count=$2 out
    out=$(awk -v n="$count" 'BEGIN {
        for (i = 0; i < n; i++)
            printf "*3\r\n$3\r\nSET\r\n$13\r\nkey:%09d\r\n$16\r\n%016d\r\n", i, i
    }' | redis-cli -h 127.0.0.1 -p "$port" --pipe 2>&1)
    printf '%s\n' "$out" | grep -q "errors: 0, replies: $count" || {
        echo "loading keys on port $port failed: $out" >&2
        exit 1
    }
}

echo "redis-server: $REDIS_SERVER_BIN ($("$REDIS_SERVER_BIN" --version | head -1))" >&2
echo "redraft:      $REDRAFT_BIN" >&2
echo "requests: $N_P1 at -P 1, $N_P16 at -P 16; $CLIENTS clients; keys for memory: $KEYS; pinned: $PIN" >&2

# Starts both servers, setting REDIS_PID/PORT and REDRAFT_PID/PORT.
start_both() {
    start_server redis "$REDIS_SERVER_BIN"
    REDIS_PID=$STARTED_PID
    REDIS_PORT=$STARTED_PORT
    start_server redraft "$REDRAFT_BIN"
    REDRAFT_PID=$STARTED_PID
    REDRAFT_PORT=$STARTED_PORT
}

start_both

ROWS=()
for pipeline in 1 16; do
    if [ "$pipeline" = 1 ]; then n=$N_P1; else n=$N_P16; fi
    for test in set get; do
        echo "running $test -P $pipeline (n=$n) ..." >&2
        read -r redis_rps redis_cpu < <(bench "$REDIS_PORT" "$REDIS_PID" "$test" "$pipeline" "$n")
        read -r redraft_rps redraft_cpu < <(bench "$REDRAFT_PORT" "$REDRAFT_PID" "$test" "$pipeline" "$n")
        ratio=$(awk -v a="$redraft_rps" -v b="$redis_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
        upper=$(printf '%s' "$test" | tr '[:lower:]' '[:upper:]')
        ROWS+=("| $upper -P $pipeline -c $CLIENTS | $redis_rps | $redraft_rps | $ratio | $redis_cpu | $redraft_cpu |")
    done
done

# Memory: fresh processes, so allocator pages kept from the throughput runs do not hide growth.
stop_server "$REDIS_PID"
stop_server "$REDRAFT_PID"
start_both

MEM=()
for which in redis redraft; do
    if [ "$which" = redis ]; then port=$REDIS_PORT pid=$REDIS_PID; else port=$REDRAFT_PORT pid=$REDRAFT_PID; fi
    redis-cli -h 127.0.0.1 -p "$port" FLUSHALL >/dev/null
    um0=$(used_memory "$port")
    rss0=$(rss_bytes "$pid")
    echo "loading $KEYS keys into $which ..." >&2
    load_keys "$port" "$KEYS"
    um1=$(used_memory "$port")
    rss1=$(rss_bytes "$pid")
    dbsize=$(redis-cli -h 127.0.0.1 -p "$port" DBSIZE)
    [ "$dbsize" = "$KEYS" ] || {
        echo "$which has $dbsize keys after loading $KEYS" >&2
        exit 1
    }
    MEM+=("$(awk -v w="$which" -v k="$KEYS" -v u0="$um0" -v u1="$um1" -v r0="$rss0" -v r1="$rss1" \
        'BEGIN { printf "| %s | %d | %.1f | %.1f | %.1f |", w, k, (u1 - u0) / k, (r1 - r0) / k, r1 / 1048576 }')")
done

echo
echo "| workload | redis rps | redraft rps | ratio | redis µs CPU/req | redraft µs CPU/req |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| server | keys | used_memory bytes/key | RSS bytes/key | RSS MiB |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${MEM[@]}"
