# Finds a JDK 21 or newer and exports JAVA_HOME; sourced by bin/meshwork, bin/test and .ci/run.
# Order: $JAVA_HOME, the java on the PATH, then the usual install folders. The first JDK
# (it must have javac, because a fresh clone is built before it runs) of version 21+ wins.

meshwork_java_major() {
  # Prints the feature version of the java binary given as $1 (17, 21, 25, ...), or nothing.
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

meshwork_find_jdk() {
  local candidates=() home major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for home in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
    /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$home" ] && candidates+=("$home")
  done
  local best="" best_major=0
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || continue
    major=$(meshwork_java_major "$home/bin/java")
    [ -n "$major" ] || continue
    # $JAVA_HOME is honoured whenever it is new enough; otherwise take the newest found.
    if [ "$home" = "${JAVA_HOME:-}" ] && [ "$major" -ge 21 ]; then best=$home; best_major=$major; break; fi
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best=$home; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    {
      echo "meshwork: no JDK 21 or newer was found."
      echo "  looked at: \$JAVA_HOME (${JAVA_HOME:-unset}), javac on the PATH, /usr/lib/jvm/*, /opt/java/*"
      echo "  install one, e.g. 'apt-get install openjdk-21-jdk-headless' (Debian/Ubuntu),"
      echo "  or point JAVA_HOME at an existing JDK 21+ installation."
    } >&2
    return 1
  fi
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
}
