#!/usr/bin/env bash
# Interleaved rounds of `meshwork bench` over several builds, for before/after comparisons made
# in one session on one machine state (docs/BENCHMARKS.md, Whole mesh, session 7).
#
#   benchmarks/mesh/bench-rounds.sh ROUNDS OUT-DIR 'NAME CHECKOUT [BENCH-ARGS...]' ...
#
# Each CHECKOUT must already be built with `./mvnw -B -ntp -o -q -DskipTests package` (this
# script never builds, and never runs bin/meshwork, which may run `mvn install`). Round r runs
# every variant once, in the order given, as `java ... io.meshwork.dist.Meshwork bench --json
# BENCH-ARGS`, with the same JVM flags as bin/meshwork; the JSON goes to OUT-DIR/NAME-r.json, the
# progress to NAME-r.err, and the load average before and after each run to OUT-DIR/runs.log.
# Summarise with benchmarks/mesh/bench-summary.py OUT-DIR BASELINE-NAME.
set -euo pipefail
rounds=$1 out=$2
shift 2
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
mkdir -p "$out"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
for r in $(seq 1 "$rounds"); do
  for variant in "$@"; do
    read -r -a words <<<"$variant"
    name=${words[0]} checkout=${words[1]}
    args=("${words[@]:2}")
    jar=$(ls "$checkout"/dist/target/meshwork-dist-*.jar | grep -v -e sources -e tests | head -n 1)
    echo "$(date -u +%FT%TZ) start $name round $r load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/runs.log"
    rc=0
    MESHWORK_HOME="$home" "$java" --enable-native-access=ALL-UNNAMED \
      -Djava.util.logging.config.file="$checkout/bin/lib/logging.properties" \
      -cp "$jar:$checkout/dist/target/lib/*" io.meshwork.dist.Meshwork \
      bench --json "${args[@]}" >"$out/$name-$r.json" 2>"$out/$name-$r.err" || rc=$?
    echo "$(date -u +%FT%TZ) end   $name round $r exit $rc load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/runs.log"
  done
done
