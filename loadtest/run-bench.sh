#!/usr/bin/env bash
# Vigil's bench in one command. For each run: start a fresh Vigil from a jar (embedded PostgreSQL
# in a new temporary data directory, free loopback ports, VIGIL_DETECTION_DECIDE_TIMEOUT=2s), wait
# for /ready, read the server key it prints, then
#   1. GET /health at saturation (the trivial endpoint),
#   2. the raw-insert ceiling: engagement rows inserted straight into Vigil's PostgreSQL,
#   3. POST /v1/collect at saturation: 10-event batches, then single events,
#   4. the live streams: 10,000 open streams (heap per stream), beacon-to-client latency,
#   5. decide: warm-up (every session a live entity), the target rate, saturation,
#   6. a realistic mix of all paths at once (MixSimulation),
#   7. heap per live session with 100,000 new sessions (SessionMemory),
#   8. the ledger: raw-insert ceiling into ai_requests, POST /v1/ai/requests at saturation (answered
#      in full and minimally, interleaved), trace lookups on 10 million calls (TraceLookupBench),
# stop Vigil with SIGTERM and print the summary. CPU of Vigil, its PostgreSQL, the Gatling JVM and
# the whole machine is sampled every second throughout; Vigil and the load generator log their
# collectors' pauses (RUN_DIR/vigil-gc.log, gatling-gc-<simulation>.log), and the summary gives each
# phase Vigil's pauses and allocation per request, and the load generator's pauses (a pause there
# delays the answers it times as much as one in Vigil).
# Everything is on 127.0.0.1, every phase is bounded, and everything started here is stopped here.
#
# Usage:  loadtest/run-bench.sh [--runs N] [path/to/vigil.jar]      (default jar: ../target/vigil.jar)
#
# Optional environment (defaults in brackets):
#   RATE [5000] target decisions/s      SESSIONS [10000]     IPS [5000] (= fingerprints)
#   DECIDE_USERS [200]                  SETTLE_SECONDS [30]  MEASURE_SECONDS [45]
#   SATURATION_USERS [32]               SATURATION_SECONDS [15]
#   HEALTH_USERS [32]  HEALTH_WARMUP_SECONDS [15]  HEALTH_SECONDS [20]  WARMUP_USERS [16]  WARMUP_PASSES [1]
#   VIGIL_JAVA [java]: the java launcher Vigil runs on, e.g. another JDK's bin/java
#   GATLING_JAVA [java]: the same for the load generator's JVMs (Gatling); the bench's own tools
#     (ceilings, settling, SSE, memory, trace lookups) keep the java on the PATH
#   VIGIL_CPUS [] OTHER_CPUS []: CPU lists for taskset (e.g. 0 and 1): once Vigil is ready, pin all its
#     threads to VIGIL_CPUS, and its PostgreSQL (the postmaster, whose new backends inherit it, and
#     every backend already running) and the load generator to OTHER_CPUS, to see what Vigil does
#     with cores nothing else uses; both or neither
#   VIGIL_JAVA_OPTS []  GATLING_JAVA_OPTS []  BENCH_RESULTS [loadtest/results]  NO_REPORTS [0]
#   KEEP_DATA [0] (keep the temporary data directory)
#   STEPS [health,ceiling,collect,sse,decide,mix,memory,ledger]: which of the steps to run (in this order)
#   SSE_CONNECTIONS [10000] SSE_SUBSCRIBERS [10] SSE_RATE [1000] SSE_SECONDS [20]
#   SSE_NEW_EVERY [10]: one beacon in this many starts a (timed) session
#     (the bench's Vigil allows that many streams per token: it uses one token)
#   CEILING_THREADS [2] CEILING_ROWS [2000] CEILING_SECONDS [20]
#   COLLECT_USERS [256] COLLECT_SESSIONS [2000] COLLECT_BATCH [10] COLLECT_WARMUP_SECONDS [60]
#   COLLECT_SECONDS [20]   (browsers are many clients and a 202 waits for a commit: 256 users;
#                           under collect load a fresh JVM on 2 cores compiles for ~60 s: 60 s of warm-up)
#   MIX_COLLECT_RATE [300] MIX_DECIDE_RATE [1000] MIX_LEDGER_RATE [50] MIX_STREAMS [20]
#   MIX_SETTLE_SECONDS [10] MIX_SECONDS [40]   (mix: all paths at once, decide on the decide step's sessions)
#   MEMORY_SESSIONS [100000] MEMORY_IPS [20000] MEMORY_CONCURRENCY [64]
#   LEDGER_CEILING_ROWS [1000] LEDGER_USERS [16] LEDGER_BATCH [100] LEDGER_WARMUP_SECONDS [60]
#   LEDGER_SECONDS [20] LEDGER_MINIMAL_SECONDS [20] TRACE_CALLS [10000000] TRACE_LOOKUPS [3000]
#   SETTLE [1] SETTLE_MAX_SECONDS [120]: before each step that writes, vacuum what the bench's own raw
#     inserts left in the tables Vigil writes next and every table past autovacuum's thresholds, then
#     wait for PostgreSQL's autovacuum workers to finish (at most SETTLE_MAX_SECONDS), so a step
#     measures its path, not an earlier step's housekeeping (SettleDatabase; RUN_DIR/settle.log);
#     0 = measure straight on
#   PROFILE [0]: 1 = flight-record Vigil (JFR, settings=profile) and print where its CPU went in the
#                measured phase (RUN_DIR/profile.txt)
#   DECIDE_STAGES [0]: 1 = flight-record Vigil (JFR, settings=default unless PROFILE=1) with its
#              vigil.DecisionStage and vigil.HttpRequest events and safepoints (VM operations and
#              waits to reach one) of 1 ms or more, and take each decide phase's decisions apart into
#              their stages inside Vigil (DecideStages; RUN_DIR/decide-stages.txt; and, as with
#              PROFILE=1, RUN_DIR/profile.txt from JFR's own samples, every 20 ms at these settings)
#   SURVIVORS_AFTER []: seconds after the decide step starts (its warm-up takes about 45-80 s, then
#     30 s of settling at the target rate): sample what Vigil allocates that survives into its next
#     young collection, by where it was allocated (Survivors; async-profiler, SURVIVORS_WINDOW [6] s;
#     the load generator is paused for a second of it; RUN_DIR/survivors.txt). Disturbs the step's
#     figures.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNS=1
JAR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) JAR=$1; shift ;;
  esac
done
JAR=${JAR:-$HERE/../target/vigil.jar}
[ -f "$JAR" ] || { echo "bench: no jar at $JAR (build Vigil first: mvn -B -q package -DskipTests)" >&2; exit 2; }
JAR=$(cd "$(dirname "$JAR")" && pwd)/$(basename "$JAR")
if [ -n "${VIGIL_CPUS:-}${OTHER_CPUS:-}" ] && { [ -z "${VIGIL_CPUS:-}" ] || [ -z "${OTHER_CPUS:-}" ]; }; then
  echo "bench: VIGIL_CPUS and OTHER_CPUS go together" >&2; exit 2
fi
RESULTS=${BENCH_RESULTS:-$HERE/results}
mkdir -p "$RESULTS"

GATLING_JVM="-Xmx1G -XX:+HeapDumpOnOutOfMemoryError -XX:MaxInlineLevel=20 -XX:MaxTrivialSize=12 \
--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED \
${GATLING_JAVA_OPTS:-}"
HZ=$(getconf CLK_TCK)

log() { printf 'bench: %s\n' "$*" >&2; }

# ---- build the load generator (its own Maven project; never Vigil's); free_port ----
. "$HERE/lib.sh"
log "building the load generator"
build_load_generator

# One line per second: epoch ms, then cumulative CPU ticks of Vigil, its PostgreSQL (postmaster incl.
# reaped children + live backends), the Gatling JVM, then the machine's busy and total jiffies, then
# how long tasks waited for a CPU: the kernel's pressure stall total (/proc/pressure/cpu "some", µs
# in which at least one runnable task had none; 0 without PSI), and the run-queue wait of Vigil's
# threads together (/proc/<pid>/task/*/schedstat, ns; 0 without schedstats). The latter sums the
# threads alive at each sample: a thread that exits takes its wait with it, which understates the
# sum a little, and a phase in which it fell gets no figure.
sampler() {
  local run=$1 vpid=$2 pm=$3
  while [ -e "$run/.sampling" ]; do
    local gpid=0 psi vwait
    [ -s "$run/gatling.pid" ] && gpid=$(cat "$run/gatling.pid")
    psi=$(awk '/^some/ { sub(/total=/, "", $5); print $5 }' /proc/pressure/cpu 2>/dev/null || true)
    vwait=$(cat /proc/"$vpid"/task/*/schedstat 2>/dev/null | awk '{ s += $2 } END { printf "%d", s }' || true)
    { head -1 /proc/stat; cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v V="$vpid" -v G="$gpid" -v PM="$pm" -v now="$(date +%s%3N)" \
        -v PSI="${psi:-0}" -v VW="${vwait:-0}" '
      NR == 1 { busy = $2 + $3 + $4 + $7 + $8 + $9; tot = busy + $5 + $6; next }
      { sub(/ \(.*\) /, " x "); $0 = $0; pid = $1; ppid = $4; t = $14 + $15; c = $16 + $17
        if (pid == V) v = t + c; else if (pid == G) g = t + c; else if (pid == PM) p += t + c; else if (ppid == PM) p += t }
      END { printf "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", now, v, p, g, busy, tot, PSI, VW }' >> "$run/cpu.tsv" || true
    sleep 1
  done
}

VPID="" GPID="" SPID="" DATA="" RUN="" PM=""
cleanup() {
  [ -n "$GPID" ] && kill -TERM "$GPID" 2>/dev/null || true
  if [ -n "$VPID" ] && kill -0 "$VPID" 2>/dev/null; then
    kill -TERM "$VPID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$VPID" 2>/dev/null || break; sleep 1; done
    kill -KILL "$VPID" 2>/dev/null || true
  fi
  # the embedded PostgreSQL stops with Vigil; if Vigil could not stop it, stop it by its pid
  if [ -n "$PM" ] && kill -0 "$PM" 2>/dev/null && grep -q postgres "/proc/$PM/cmdline" 2>/dev/null; then
    sleep 2; kill -TERM "$PM" 2>/dev/null || true
  fi
  [ -n "$RUN" ] && rm -f "$RUN/.sampling"
  [ -n "$SPID" ] && wait "$SPID" 2>/dev/null || true
  if [ -n "$DATA" ] && [ "${KEEP_DATA:-0}" != 1 ]; then rm -rf "$DATA"; fi
  VPID="" GPID="" SPID="" DATA="" PM=""
}
trap cleanup EXIT
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT TERM

# Runs one simulation in its own JVM under `timeout` (bounded); the JVM's pid goes to gatling.pid
# for the sampler.
gatling() {
  local sim=$1 bound=$2; shift 2
  local reports=()
  [ "${NO_REPORTS:-0}" = 1 ] && reports=(--no-reports)
  local pin=()
  [ -n "${OTHER_CPUS:-}" ] && pin=(taskset -c "$OTHER_CPUS")
  # shellcheck disable=SC2086
  timeout --signal=TERM --kill-after=30 "$bound" \
    "${pin[@]}" "${GATLING_JAVA:-java}" $GATLING_JVM -XX:HeapDumpPath="$RUN" -Xlog:gc,gc+phases:file="$RUN/gatling-gc-$sim.log":time,uptime \
    -cp "$CP" \
    -Dbench.baseUrl="http://127.0.0.1:$PORT" -Dbench.out="$RUN" "$@" \
    io.gatling.app.Gatling --simulation "dev.vigil.loadtest.$sim" --results-folder "$RUN/gatling" \
    "${reports[@]}" > "$RUN/gatling-$sim.log" 2>&1 &
  GPID=$!
  local jvm=""
  for _ in $(seq 1 50); do
    jvm=$( (ps -o pid= --ppid "$GPID" || true) | tr -d " " | head -1)
    [ -n "$jvm" ] && break
    sleep 0.1
  done
  echo "${jvm:-0}" > "$RUN/gatling.pid"
  local rc=0
  wait "$GPID" || rc=$?
  GPID=""
  : > "$RUN/gatling.pid"
  grep -E '^bench:' "$RUN/gatling-$sim.log" >&2 || true
  [ "$rc" = 0 ] || { log "$sim exited with $rc (124: over its time bound; see $RUN/gatling-$sim.log)"; return "$rc"; }
}

run_once() {
  RUN=$RESULTS/$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$RUN"
  DATA=$(mktemp -d /tmp/vigil-bench.XXXXXX)
  PORT=$(free_port)
  TAG=$(date +%s | tail -c 7)
  local cluster_port
  cluster_port=$(free_port "$PORT")
  local commit="unknown"
  if git -C "$(dirname "$JAR")/.." rev-parse --short HEAD >/dev/null 2>&1; then
    commit=$(git -C "$(dirname "$JAR")/.." rev-parse --short HEAD)
  fi
  {
    echo "run=$(basename "$RUN")"
    echo "command=$0 --runs $RUNS $JAR"
    echo "jar=$JAR"
    echo "jar_commit=$commit"
    echo "nproc=$(nproc)"
    echo "mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "java=$(java -version 2>&1 | head -2 | tail -1)"
    echo "vigil_java=$("${VIGIL_JAVA:-java}" -version 2>&1 | head -2 | tail -1)"
    echo "clk_tck=$HZ"
    echo "ports=http $PORT, cluster $cluster_port, postgres embedded (free port)"
    echo "vigil_java_opts=${VIGIL_JAVA_OPTS:-}"
    echo "gatling_java=$("${GATLING_JAVA:-java}" -version 2>&1 | head -2 | tail -1)"
    echo "gatling_java_opts=${GATLING_JAVA_OPTS:-}"
    # settings given to Vigil through its environment (a pair of runs often differs only there)
    env | grep '^VIGIL_' | grep -v -e PASSWORD -e TOKEN -e SECRET -e '_KEY=' | sort | sed 's/^/env_/' || true
    echo "settle=${SETTLE:-1} max ${SETTLE_MAX_SECONDS:-120} s"
    echo "loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  } > "$RUN/meta.env"

  local jfr="" jfc=default
  [ "${PROFILE:-0}" = 1 ] && jfc=profile
  if [ "${PROFILE:-0}" = 1 ] || [ "${DECIDE_STAGES:-0}" = 1 ]; then
    jfr="-XX:StartFlightRecording=filename=$RUN/vigil.jfr,settings=$jfc,dumponexit=true"
    [ "${DECIDE_STAGES:-0}" = 1 ] && jfr="$jfr,+vigil.DecisionStage#enabled=true,+vigil.HttpRequest#enabled=true,+jdk.SafepointBegin#threshold=1ms,+jdk.ExecuteVMOperation#threshold=1ms"
  fi
  log "run $(basename "$RUN"): starting Vigil on 127.0.0.1:$PORT (data in $DATA)"
  (
    cd "$DATA"
    # shellcheck disable=SC2086
    exec env -u VIGIL_DB_URL -u VIGIL_DB_USER -u VIGIL_DB_PASSWORD \
      VIGIL_HTTP_INTERFACE=127.0.0.1 VIGIL_HTTP_PORT="$PORT" \
      VIGIL_CLUSTER_HOST=127.0.0.1 VIGIL_CLUSTER_PORT="$cluster_port" VIGIL_CLUSTER_SEED_NODES= \
      VIGIL_DB_DATA_DIR="$DATA/pg" VIGIL_DB_EMBEDDED_PORT=0 \
      VIGIL_DETECTION_DECIDE_TIMEOUT=2s \
      VIGIL_STREAMS_MAX_CONNECTIONS_PER_USER=100000 \
      "${VIGIL_JAVA:-java}" -Xlog:gc,gc+phases:file="$RUN/vigil-gc.log":time,uptime ${VIGIL_JAVA_OPTS:-} $jfr -jar "$JAR" serve
  ) > "$RUN/vigil.log" 2>&1 &
  VPID=$!
  local ready=0
  for _ in $(seq 1 180); do
    kill -0 "$VPID" 2>/dev/null || { log "Vigil exited during start:"; tail -20 "$RUN/vigil.log" >&2; return 1; }
    if curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null 2>&1; then ready=1; break; fi
    sleep 1
  done
  [ "$ready" = 1 ] || { log "Vigil not ready after 180 s"; return 1; }
  local key pkey
  key=$(grep -o 'vsk_[A-Za-z0-9_-]*' "$RUN/vigil.log" | head -1)
  [ -n "$key" ] || { log "no server key in Vigil's output"; return 1; }
  pkey=$(grep -o 'vpk_[A-Za-z0-9_-]*' "$RUN/vigil.log" | head -1)
  [ -s "$DATA/pg/postmaster.pid" ] && PM=$(head -1 "$DATA/pg/postmaster.pid")
  local jdbc=""
  [ -s "$DATA/pg/postmaster.pid" ] && jdbc="jdbc:postgresql://127.0.0.1:$(sed -n 4p "$DATA/pg/postmaster.pid")/vigil"
  echo "postgres_pid=${PM:-unknown}" >> "$RUN/meta.env"
  if [ -n "${VIGIL_CPUS:-}" ]; then
    taskset -a -p -c "$VIGIL_CPUS" "$VPID" > /dev/null
    local p
    for p in ${PM:-} $( [ -n "${PM:-}" ] && pgrep -P "$PM" ); do
      taskset -a -p -c "$OTHER_CPUS" "$p" > /dev/null || true
    done
    echo "pinned=Vigil on CPUs $VIGIL_CPUS, its PostgreSQL and the load generator on $OTHER_CPUS" >> "$RUN/meta.env"
    log "pinned Vigil to CPUs $VIGIL_CPUS, its PostgreSQL and the load generator to $OTHER_CPUS"
  fi

  touch "$RUN/.sampling"
  sampler "$RUN" "$VPID" "${PM:-0}" &
  SPID=$!

  # Vacuums the tables named and those autovacuum would take up next, then waits for its workers
  # to finish (see SETTLE above).
  settle() {
    [ "${SETTLE:-1}" = 1 ] || return 0
    local label=$1; shift
    [ -n "$jdbc" ] || { log "settle before $label skipped: no JDBC URL for Vigil's PostgreSQL"; return 0; }
    timeout --kill-after=10 $(( ${SETTLE_MAX_SECONDS:-120} + 600 )) \
      java -cp "$CP" dev.vigil.loadtest.SettleDatabase "$jdbc" postgres "$RUN" "$label" \
      "${SETTLE_MAX_SECONDS:-120}" "$@" 2>&1 | tee -a "$RUN/settle.out" | grep '^bench:' >&2 \
      || log "settle before $label failed (see $RUN/settle.out)"
  }

  local hs=${HEALTH_SECONDS:-20} ss=${SETTLE_SECONDS:-30} ms=${MEASURE_SECONDS:-45} sats=${SATURATION_SECONDS:-15}
  local hw=${HEALTH_WARMUP_SECONDS:-15}
  local steps=",${STEPS:-health,ceiling,collect,sse,decide,mix,memory,ledger},"
  if [[ $steps == *,health,* ]]; then
    log "GET /health at saturation (${HEALTH_USERS:-32} users, ${hw} s warm-up + ${hs} s)"
    gatling HealthSimulation $((hw + hs + 120)) \
      -Dbench.health.users="${HEALTH_USERS:-32}" -Dbench.health.warmupSeconds="$hw" -Dbench.health.seconds="$hs"
  fi

  if [[ $steps == *,ceiling,* ]]; then
    settle "the raw-insert ceiling"
    log "raw-insert ceiling: ${CEILING_THREADS:-2} connections, ${CEILING_ROWS:-2000} rows per commit, 5 s warm-up + ${CEILING_SECONDS:-20} s"
    timeout --kill-after=10 $(( ${CEILING_SECONDS:-20} + 120 )) \
      java -cp "$CP" dev.vigil.loadtest.RawInsertCeiling "$jdbc" postgres "$RUN" \
      "${CEILING_THREADS:-2}" "${CEILING_ROWS:-2000}" "${CEILING_SECONDS:-20}" 2>&1 | tee "$RUN/ceiling.log" | grep '^bench:' >&2 || true
    : > "$RUN/gatling.pid"
  fi

  if [[ $steps == *,collect,* ]]; then
    [ -n "$pkey" ] || { log "no public key in Vigil's output"; return 1; }
    settle collect engagement_events
    local cw=${COLLECT_WARMUP_SECONDS:-60} cs=${COLLECT_SECONDS:-20}
    log "POST /v1/collect at saturation: ${COLLECT_BATCH:-10}-event batches, then single events (${COLLECT_USERS:-256} users, ${cw}+${cs} s each)"
    gatling CollectSimulation $(( (cw + cs) * 2 + 180 )) \
      -Dbench.publicKey="$pkey" -Dbench.sessions="${COLLECT_SESSIONS:-2000}" \
      -Dbench.collect.users="${COLLECT_USERS:-256}" -Dbench.collect.batch="${COLLECT_BATCH:-10}" \
      -Dbench.collect.warmupSeconds="$cw" -Dbench.collect.seconds="$cs"
  fi

  if [[ $steps == *,sse,* ]]; then
    local admin
    admin=$(grep -o 'vgt_[A-Za-z0-9_-]*' "$RUN/vigil.log" | head -1)
    settle "the live streams"
    log "live streams: ${SSE_CONNECTIONS:-10000} quiet streams (heap per stream), then ${SSE_SUBSCRIBERS:-10} subscribers at ${SSE_RATE:-1000} beacons/s for ${SSE_SECONDS:-20} s"
    timeout --kill-after=10 $(( ${SSE_SECONDS:-20} + 600 )) \
      java -Xmx1G -cp "$CP" dev.vigil.loadtest.SseBench "http://127.0.0.1:$PORT" "$admin" "$pkey" "$VPID" "$RUN" \
      "${SSE_CONNECTIONS:-10000}" "${SSE_SUBSCRIBERS:-10}" "${SSE_RATE:-1000}" "${SSE_SECONDS:-20}" \
      "${SSE_NEW_EVERY:-10}" \
      > "$RUN/sse.log" 2>&1 || log "SseBench failed (see $RUN/sse.log)"
    grep '^bench:' "$RUN/sse.log" >&2 || true
  fi

  [[ $steps == *,decide,* ]] || { log "skipping decide"; }
  [[ $steps == *,decide,* ]] && {
  settle decide
  curl -sf "http://127.0.0.1:$PORT/metrics" > "$RUN/metrics-before-decide.txt" || true
  log "decide: warm-up over ${SESSIONS:-10000} sessions, ${ss}+${ms} s at ${RATE:-5000}/s, ${sats} s at saturation"
  if [ -n "${SURVIVORS_AFTER:-}" ]; then
    ( sleep "$SURVIVORS_AFTER"
      java -cp "$CP" dev.vigil.loadtest.Survivors "$VPID" "$RUN/gatling.pid" "$RUN" "${SURVIVORS_WINDOW:-6}" \
        > "$RUN/survivors.txt" 2>&1 || log "Survivors failed (see $RUN/survivors.txt)" ) &
  fi
  gatling DecideSimulation $((ss + ms + sats + 900)) \
    -Dbench.serverKey="$key" -Dbench.publicKey="$pkey" -Dbench.runTag="$TAG" \
    -Dbench.sessions="${SESSIONS:-10000}" -Dbench.ips="${IPS:-5000}" \
    -Dbench.decide.rate="${RATE:-5000}" -Dbench.decide.users="${DECIDE_USERS:-200}" \
    -Dbench.decide.settleSeconds="$ss" -Dbench.decide.measureSeconds="$ms" \
    -Dbench.decide.saturationUsers="${SATURATION_USERS:-32}" -Dbench.decide.saturationSeconds="$sats" \
    -Dbench.decide.warmupUsers="${WARMUP_USERS:-16}" -Dbench.decide.warmupPasses="${WARMUP_PASSES:-1}"
  curl -sf "http://127.0.0.1:$PORT/metrics" > "$RUN/metrics-after-decide.txt" || true
  }

  local admin
  admin=$(grep -o 'vgt_[A-Za-z0-9_-]*' "$RUN/vigil.log" | head -1)
  if [[ $steps == *,mix,* ]]; then
    settle "the mix"
    log "mix: ${MIX_COLLECT_RATE:-300} beacons/s (10 events), ${MIX_DECIDE_RATE:-1000} decisions/s, ${MIX_LEDGER_RATE:-50} ledger writes/s (10 calls), ${MIX_STREAMS:-20} streams, ${MIX_SETTLE_SECONDS:-10}+${MIX_SECONDS:-40} s"
    gatling MixSimulation $(( ${MIX_SETTLE_SECONDS:-10} + ${MIX_SECONDS:-40} + 180 )) \
      -Dbench.publicKey="$pkey" -Dbench.serverKey="$key" -Dbench.adminToken="$admin" \
      -Dbench.runTag="$TAG" -Dbench.sessions="${SESSIONS:-10000}" -Dbench.ips="${IPS:-5000}" \
      -Dbench.mix.collectRate="${MIX_COLLECT_RATE:-300}" -Dbench.mix.decideRate="${MIX_DECIDE_RATE:-1000}" \
      -Dbench.mix.ledgerRate="${MIX_LEDGER_RATE:-50}" -Dbench.mix.streams="${MIX_STREAMS:-20}" \
      -Dbench.mix.settleSeconds="${MIX_SETTLE_SECONDS:-10}" -Dbench.mix.seconds="${MIX_SECONDS:-40}"
  fi

  if [[ $steps == *,memory,* ]]; then
    settle memory
    log "memory: heap per live session with ${MEMORY_SESSIONS:-100000} new sessions over ${MEMORY_IPS:-20000} fingerprints"
    timeout --kill-after=10 1200 \
      java -cp "$CP" dev.vigil.loadtest.SessionMemory "http://127.0.0.1:$PORT" "$admin" "$key" "$VPID" "$RUN" \
      "${MEMORY_SESSIONS:-100000}" "${MEMORY_IPS:-20000}" "${MEMORY_CONCURRENCY:-64}" \
      > "$RUN/memory.log" 2>&1 || log "SessionMemory failed (see $RUN/memory.log)"
    grep '^bench:' "$RUN/memory.log" >&2 || true
  fi

  if [[ $steps == *,ledger,* ]]; then
    settle "the ledger's ceiling"
    log "ledger: raw-insert ceiling into ai_requests (${CEILING_THREADS:-2} connections, ${LEDGER_CEILING_ROWS:-1000} rows per commit, 5+${CEILING_SECONDS:-20} s)"
    timeout --kill-after=10 $(( ${CEILING_SECONDS:-20} + 120 )) \
      java -cp "$CP" dev.vigil.loadtest.RawInsertCeiling "$jdbc" postgres "$RUN" \
      "${CEILING_THREADS:-2}" "${LEDGER_CEILING_ROWS:-1000}" "${CEILING_SECONDS:-20}" ledger 2>&1 \
      | tee "$RUN/ledger-ceiling.log" | grep '^bench:' >&2 || true
    settle "the ledger" ai_requests
    local lw=${LEDGER_WARMUP_SECONDS:-60} ls=${LEDGER_SECONDS:-20} lm=${LEDGER_MINIMAL_SECONDS:-20}
    log "ledger: POST /v1/ai/requests at saturation (${LEDGER_USERS:-16} users, ${LEDGER_BATCH:-100} calls per request, ${lw}+${ls} s answered in full and ${lm} s asking for the minimal answer: full, minimal, minimal, full)"
    gatling LedgerSimulation $(( lw + ls + lm + 180 )) \
      -Dbench.serverKey="$key" -Dbench.ledger.users="${LEDGER_USERS:-16}" -Dbench.ledger.batch="${LEDGER_BATCH:-100}" \
      -Dbench.ledger.warmupSeconds="$lw" -Dbench.ledger.seconds="$ls" -Dbench.ledger.minimalSeconds="$lm"
    log "ledger: trace lookups on ${TRACE_CALLS:-10000000} calls (generated by SQL first)"
    timeout --kill-after=10 1800 \
      java -cp "$CP" dev.vigil.loadtest.TraceLookupBench "http://127.0.0.1:$PORT" "$admin" \
      "$jdbc" "$RUN" "${TRACE_CALLS:-10000000}" "${TRACE_LOOKUPS:-3000}" \
      > "$RUN/trace.log" 2>&1 || log "TraceLookupBench failed (see $RUN/trace.log)"
    grep '^bench:' "$RUN/trace.log" >&2 || true
  fi

  log "stopping Vigil (SIGTERM)"
  local t0=$SECONDS
  kill -TERM "$VPID"
  local vrc=0
  for _ in $(seq 1 60); do kill -0 "$VPID" 2>/dev/null || break; sleep 1; done
  if kill -0 "$VPID" 2>/dev/null; then log "Vigil still running after 60 s: SIGKILL"; kill -KILL "$VPID"; fi
  wait "$VPID" || vrc=$?
  VPID=""
  echo "vigil_exit=$vrc after $((SECONDS - t0)) s" >> "$RUN/meta.env"
  local errors breaker
  errors=$(grep -c ' ERROR ' "$RUN/vigil.log" || true)
  breaker=$(grep -c 'Circuit Breaker is open' "$RUN/vigil.log" || true)
  echo "vigil_log_errors=$errors journal_breaker_open=$breaker" >> "$RUN/meta.env"
  [ "${errors:-0}" = 0 ] || log "Vigil logged $errors ERROR lines ($breaker with the journal's circuit breaker open): see $RUN/vigil.log"
  echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RUN/meta.env"
  rm -f "$RUN/.sampling"
  wait "$SPID" 2>/dev/null || true
  SPID=""
  cleanup
  java -cp "$CP" dev.vigil.loadtest.BenchSummary "$RUN"
  if [ -s "$RUN/vigil.jfr" ]; then
    for phase in decide "collect batch" "collect single" memory "ledger 2" "mix decide"; do
      echo "==== $phase ===="
      java -cp "$CP" dev.vigil.loadtest.JfrTop "$RUN" "$phase" 20 2>&1 || true
    done > "$RUN/profile.txt"

    echo "profile of the measured phase: $RUN/profile.txt"
    if [ "${DECIDE_STAGES:-0}" = 1 ]; then
      for phase in decide "decide saturation" "mix decide"; do
        echo "==== $phase ===="
        java -cp "$CP" dev.vigil.loadtest.DecideStages "$RUN" "$phase" 2>&1 || true
      done > "$RUN/decide-stages.txt"
      echo "decisions taken apart: $RUN/decide-stages.txt"
    fi
  fi
  [ -s "$RUN/survivors.txt" ] && cat "$RUN/survivors.txt"
  echo "results: $RUN"
  RUN_DIRS+=("$RUN")
}

RUN_DIRS=()
for i in $(seq 1 "$RUNS"); do
  [ "$RUNS" -gt 1 ] && log "==== run $i of $RUNS ===="
  run_once
done
if [ "$RUNS" -gt 1 ]; then
  java -cp "$CP" dev.vigil.loadtest.BenchSummary --compare "${RUN_DIRS[@]}" | tee "$RESULTS/compare-$(date -u +%Y%m%dT%H%M%SZ).txt"
fi
