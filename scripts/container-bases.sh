#!/usr/bin/env bash
# Builds, from local parts only, the base images the Dockerfile names (eclipse-temurin:25-jdk and
# eclipse-temurin:25-jre), for machines that reach no container registry, such as our CI. A
# Debian bookworm root file system from mmdebstrap (Debian's package mirror is reachable) plus
# the JDK 25 installed on this machine, at the path and with the environment the real Temurin
# images have. The same image serves both names: a JDK is a superset of the JRE the runtime
# stage needs. Does nothing when both images exist already. Needs root, mmdebstrap and podman.
#
#   scripts/container-bases.sh [JDK_HOME]     (default /usr/lib/jvm/temurin-25-jdk-amd64)
set -euo pipefail

JDK=${1:-/usr/lib/jvm/temurin-25-jdk-amd64}
JDK_IMAGE=docker.io/library/eclipse-temurin:25-jdk
JRE_IMAGE=docker.io/library/eclipse-temurin:25-jre
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$ROOT/.ci/containers.conf}

if podman image exists "$JDK_IMAGE" && podman image exists "$JRE_IMAGE"; then
    exit 0
fi
if [ ! -x "$JDK/bin/java" ]; then
    echo "error: no JDK at $JDK; pass the home of a JDK 25 as the first argument" >&2
    exit 1
fi
for tool in mmdebstrap podman; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool is missing; install it with: apt-get install $tool" >&2
        exit 1
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pipe-bases.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "building $JDK_IMAGE and $JRE_IMAGE from Debian bookworm and $JDK" >&2
mmdebstrap --quiet --variant=minbase \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook="mkdir -p \"\$1/opt/java\" && cp -a '$JDK' \"\$1/opt/java/openjdk\"" \
    bookworm "$work/rootfs.tar"
podman import --quiet \
    --change 'ENV JAVA_HOME=/opt/java/openjdk' \
    --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["jshell"]' \
    "$work/rootfs.tar" "$JDK_IMAGE" >/dev/null
podman tag "$JDK_IMAGE" "$JRE_IMAGE"
