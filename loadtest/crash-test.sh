#!/usr/bin/env bash
# The crash test in one command: SIGKILL Vigil (the packaged jar, embedded PostgreSQL) in the middle
# of a load, restart it on the same data directory, and compare every acknowledged id with what is
# stored — beacons (AcknowledgedBeaconsSurviveKillIT: 202-acknowledged event ids in
# engagement_events) and ledger rows (LedgerRowsSurviveKillIT: 201-acknowledged model calls and tool
# runs in ai_requests / tool_executions). Zero may be missing. Both also run in `mvn -B verify`.
#
# Usage:  loadtest/crash-test.sh [--runs N]      (default 1; each run kills twice, once per test)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUNS=1
[ "${1:-}" = "--runs" ] && RUNS=$2
cd "$HERE/.."
mvn -B -q package -DskipTests
for i in $(seq 1 "$RUNS"); do
  echo "crash test: run $i of $RUNS"
  mvn -B -q -Dspotless.check.skip=true -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test='AcknowledgedBeaconsSurviveKillIT,LedgerRowsSurviveKillIT' verify
  grep -h "Tests run" target/failsafe-reports/dev.vigil.engagement.AcknowledgedBeaconsSurviveKillIT.txt \
    target/failsafe-reports/dev.vigil.ledger.LedgerRowsSurviveKillIT.txt
done
echo "crash test: $RUNS run(s), every acknowledged beacon and ledger row stored after SIGKILL"
