#!/usr/bin/env bash
# CPU profile of each scenario of `meshwork bench`, taken with async-profiler attached to the
# bench JVM (which runs the whole development mesh and the clients), one collapsed-stacks file per
# scenario's measured window. docs/BENCHMARKS.md (Whole mesh, session 7) has the figures.
#
#   benchmarks/mesh/profile-bench.sh CHECKOUT OUT-DIR [BENCH-ARGS...]
#
# CHECKOUT must already be built (`./mvnw -B -ntp -o -q -DskipTests package`; this script never
# builds). async-profiler comes from Maven Central (tools.profiler:async-profiler:4.1, classifier
# linux-x64); its libasyncProfiler.so is taken from ASYNC_PROFILER_LIB, or extracted from that jar
# in ~/.m2. Each scenario's profile runs from its first "measured" progress line until its measured
# window ends; OUT-DIR/SCENARIO.collapsed holds it, OUT-DIR/bench.json the bench's figures.
# OUT-DIR/bench.json has the profiler's "Profiling started" lines before the JSON (its last line).
# On a heavily loaded machine an attach can take seconds, and a scenario whose window passed
# meanwhile gets no file; OUT-DIR/jcmd.log says what was attached when.
# Then: benchmarks/mesh/profile-share.py OUT-DIR/*.collapsed
set -euo pipefail
checkout=$1 out=$2
shift 2
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
interval=${PROFILE_INTERVAL:-1ms}
mkdir -p "$out"
out=$(cd "$out" && pwd)
lib=${ASYNC_PROFILER_LIB:-}
unpacked=''
if [ -z "$lib" ]; then
  jar=$(find ~/.m2/repository/tools/profiler/async-profiler -name 'async-profiler-*-linux-x64.jar' | sort | tail -n 1)
  [ -n "$jar" ] || { echo "no async-profiler jar in ~/.m2: mvn dependency:get -Dartifact=tools.profiler:async-profiler:4.1:jar:linux-x64" >&2; exit 2; }
  unpacked=$(mktemp -d)
  (cd "$unpacked" && unzip -q "$jar" 'linux-x64/*')
  lib=$unpacked/linux-x64/libasyncProfiler.so
fi
home=$(mktemp -d)
launcher=$(ls "$checkout"/dist/target/meshwork-dist-*.jar | grep -v -e sources -e tests | head -n 1)

# jcmd parses NAME=VALUE itself, so the profiler's options go in quotes of their own.
profiler() { "$jdk/bin/jcmd" "$pid" JVMTI.agent_load "$lib" "\"$1\"" >>"$out/jcmd.log" 2>&1; }

MESHWORK_HOME="$home" "$jdk/bin/java" --enable-native-access=ALL-UNNAMED \
  -agentpath:"$lib" \
  -Djava.util.logging.config.file="$checkout/bin/lib/logging.properties" \
  -cp "$launcher:$checkout/dist/target/lib/*" io.meshwork.dist.Meshwork \
  bench --json "$@" >"$out/bench.json" 2>"$out/bench.err" &
pid=$!
exec 3< <(tail -n +1 -F "$out/bench.err" 2>/dev/null)
tailpid=$!
scenario='' ends=0 running=''
# Follow the progress lines: "NAME: jobs of ..., W s warm-up, M s measured", then once a second
# "  NAME  warm-up|measured  T s ...".
while kill -0 "$pid" 2>/dev/null; do
  if ! IFS= read -r -t 1 -u 3 line; then continue; fi
  if [[ $line =~ ^([a-z-]+):\ jobs\ of.*\ ([0-9.]+)\ s\ warm-up,\ ([0-9.]+)\ s\ measured ]]; then
    scenario=${BASH_REMATCH[1]}
    ends=$(awk -v w="${BASH_REMATCH[2]}" -v m="${BASH_REMATCH[3]}" 'BEGIN { print w + m }')
  elif [[ -n $scenario && $line =~ ^\ +$scenario\ +measured\ +([0-9.]+)\ s ]]; then
    t=${BASH_REMATCH[1]}
    if [ -z "$running" ]; then
      profiler "start,event=cpu,interval=$interval"
      running=$scenario
      echo "$(date -u +%T) profiling $scenario from $t s" >>"$out/jcmd.log"
    elif awk -v t="$t" -v e="$ends" 'BEGIN { exit !(t >= e) }'; then
      profiler "stop,file=$out/$running.collapsed,collapsed"
      echo "$(date -u +%T) stopped $running at $t s" >>"$out/jcmd.log"
      running='' scenario=''
    fi
  fi
done
kill "$tailpid" 2>/dev/null || true
wait "$pid" || echo "bench exited $?" >&2
rm -rf "$home" ${unpacked:+"$unpacked"}
ls "$out"/*.collapsed
