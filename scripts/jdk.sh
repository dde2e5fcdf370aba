# shellcheck shell=bash
# Sourced by ./pipe and ./run-tests: finds a JDK 25 or newer and exports JAVA_HOME.
# Looks at JAVA_HOME, then `java` on PATH, then the usual install folders, newest first.
# Without one, prints a single line saying what it found and what to install, and exits 1.

PIPE_MIN_JAVA=25

# pipe_java_major JAVA: the feature version of a java binary (8 for 1.8, 25 for 25.0.3), or 0.
pipe_java_major() {
    local line version
    line=$("$1" -version 2>&1 | grep -m1 -E 'version "[^"]+"') || { echo 0; return; }
    version=${line#*version \"}
    version=${version%%\"*}
    case $version in
        1.*) version=${version#1.} ;;
    esac
    version=${version%%[.+-]*}
    case $version in
        ''|*[!0-9]*) echo 0 ;;
        *) echo "$version" ;;
    esac
}

pipe_find_jdk() {
    local candidates=() seen="" candidate real major home
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
    local dir
    for dir in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* \
               /Library/Java/JavaVirtualMachines/*/Contents/Home; do
        [ -x "$dir/bin/java" ] && candidates+=("$dir/bin/java")
    done
    local found=()
    for candidate in "${candidates[@]}"; do
        [ -x "$candidate" ] || continue
        real=$(readlink -f "$candidate" 2>/dev/null || echo "$candidate")
        case " $seen " in *" $real "*) continue ;; esac
        seen="$seen $real"
        major=$(pipe_java_major "$real")
        home=$(dirname "$(dirname "$real")")
        if [ "$major" -ge "$PIPE_MIN_JAVA" ] && [ -x "$home/bin/javac" ]; then
            export JAVA_HOME=$home
            return 0
        fi
        if [ "$major" -ge "$PIPE_MIN_JAVA" ]; then
            found+=("java $major without javac ($real)")
        else
            found+=("java $major ($real)")
        fi
    done
    local what="no java at all"
    [ ${#found[@]} -gt 0 ] && what=$(IFS=,; echo "${found[*]}" | sed 's/,/, /g')
    echo "error: pipe needs a JDK $PIPE_MIN_JAVA or newer, but found $what; install one (for example Temurin $PIPE_MIN_JAVA from https://adoptium.net) or point JAVA_HOME at it" >&2
    exit 1
}

pipe_find_jdk
