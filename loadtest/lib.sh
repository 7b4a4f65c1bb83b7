# Shared by the load-test scripts, which source it after setting HERE (this directory).

# Builds the load generator (its own Maven project; never Vigil's) and sets CP to its classpath.
build_load_generator() {
  mvn -B -q -f "$HERE/pom.xml" test-compile dependency:build-classpath \
    -Dmdep.outputFile="$HERE/target/classpath.txt" -Dmdep.includeScope=test >&2
  CP="$HERE/target/test-classes:$(cat "$HERE/target/classpath.txt")"
}

# A port below the kernel's ephemeral range (so no outgoing connection holds it) with no socket
# on it, and not $1 (a port already handed out).
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$(shuf -i 20000-32700 -n 1)
    if ! ss -Htan "( sport = :$p )" | grep -q . && [ "$p" != "${1:-}" ]; then
      echo "$p"; return 0
    fi
  done
  echo "${0##*/}: no free port" >&2; return 1
}
