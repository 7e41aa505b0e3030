# Finds a JDK 21 or newer and exports JAVA_HOME; sourced by bin/meshwork, bin/test and .ci/run.
# Order: $JAVA_HOME, the java on the PATH, then the usual install folders. The first JDK
# (it must have javac, because a fresh clone is built before it runs) of version 21+ wins.

meshwork_java_major() {
  # Prints the feature version of the java binary given as $1 (17, 21, 25, ...), or nothing.
  # A JDK's release file says it without starting a JVM (a few hundred ms each); a java without
  # one is asked.
  local release version
  release="$(dirname "$(dirname "$(readlink -f "$1")")")/release"
  if [ -r "$release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9.]*\).*/\1/p' "$release" | head -n 1)
    case "$version" in
      1.*) echo "${version#1.}" | cut -d. -f1; return ;;
      [0-9]*) echo "${version%%.*}"; return ;;
    esac
  fi
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

meshwork_jvm_options() {
  # Prints, one per line, the JVM options every meshwork process runs with on the java binary $1,
  # so that no JVM warning reaches a command's standard error:
  # - native access for the libraries that use it (Netty's epoll, SQLite), allowed up front;
  # - Protobuf and Netty use sun.misc.Unsafe's memory access, about which JDK 24 and later warn in
  #   four lines at first use; --sun-misc-unsafe-memory-access=allow exists from JDK 23 on, and
  #   JDK 21 and 22 refuse to start with it, so it goes only to a JVM that knows it.
  local major
  major=$(meshwork_java_major "$1")
  echo "--enable-native-access=ALL-UNNAMED"
  if [ -n "$major" ] && [ "$major" -ge 23 ]; then
    echo "--sun-misc-unsafe-memory-access=allow"
  fi
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
