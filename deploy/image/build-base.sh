#!/usr/bin/env bash
# Builds the base image of the fedmesh container, without a daemon, as a docker-archive tar that Jib takes as
# its base (tar://...): one layer holding
#   - the Debian bookworm libraries the natives need (libc6, libgcc-s1, libstdc++6, zlib1g), CA certificates,
#     tzdata and netbase, from bookworm + bookworm-updates + bookworm-security, extracted (never installed: no
#     maintainer scripts run, no dpkg, no apt, no shell in the image);
#   - a Java runtime jlinked from the JDK that runs the build (only the modules the node uses), in /opt/java;
#   - libtorch and DJL's JNI library, extracted at build time where DJL looks for them (/opt/djl), so a node
#     starts offline and never unpacks anything (the root filesystem may be read-only); the pytorch-native-cpu
#     jar is left out of the image's class path, only its pytorch.properties is kept (/opt/djl/classpath);
#   - the user fedmesh (65532:65532), its data directory /var/lib/fedmesh and the config mount point /etc/fedmesh.
# Reproducible: every mtime is SOURCE_DATE_EPOCH, owners are numeric, entries sorted, no build host names or
# times in any file; the same inputs (JDK, Debian archive state, jars) give the same bytes.
#
# Usage: build-base.sh OUT_DIR PYTORCH_NATIVE_JAR PYTORCH_JNI_JAR
# Environment: JAVA_HOME (the JDK whose jlink and jmods are used; default: the one `java` runs),
#   SOURCE_DATE_EPOCH (default 0), DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR, FEDMESH_DEB_CACHE (a directory where
#   downloaded .debs are kept and reused between builds, e.g. the two builds of the reproducibility check).
# Needs: mmdebstrap, GNU tar, python3, unzip. Runs as root (mmdebstrap's root mode, file owners); as another
# user mmdebstrap needs unshare mode and subuids.
set -euo pipefail

out="${1:?usage: build-base.sh OUT_DIR PYTORCH_NATIVE_JAR PYTORCH_JNI_JAR}"
native_jar="${2:?pytorch-native-cpu jar}"
jni_jar="${3:?pytorch-jni jar}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
epoch="${SOURCE_DATE_EPOCH:-0}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
uid=65532
export SOURCE_DATE_EPOCH="$epoch" LC_ALL=C TZ=UTC

if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
fi
for tool in mmdebstrap tar python3 unzip "$JAVA_HOME/bin/jlink"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-base: $tool not found (see deploy/image/README.md)" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out"
rootfs="$out/rootfs"
step() { echo "build-base: $* ($(date -u +%T))" >&2; }

# 1. Debian userland: extracted packages only.
step "extracting Debian bookworm packages"
packages=libc6,libgcc-s1,libstdc++6,zlib1g,ca-certificates,tzdata,netbase
cache_args=()
if [ -n "${FEDMESH_DEB_CACHE:-}" ]; then
  mkdir -p "$FEDMESH_DEB_CACHE"
  cache="$(cd "$FEDMESH_DEB_CACHE" && pwd)"
  cache_args=(--setup-hook="mkdir -p \"\$1/var/cache/apt/archives\"; cp -a \"$cache\"/. \"\$1/var/cache/apt/archives/\" 2>/dev/null || true"
    --extract-hook="cp -a \"\$1\"/var/cache/apt/archives/*.deb \"$cache\"/ 2>/dev/null || true")
fi
# Extraction also unpacks the packages these depend on (ca-certificates: openssl, libssl3, debconf): remove
# every file of a package not asked for, by its own file list.
export FEDMESH_PACKAGES="$packages"
mmdebstrap --quiet --mode=root --variant=extract --architectures=amd64 --include="$packages" \
  --aptopt='Acquire::Languages "none"' --skip=check/empty \
  "${cache_args[@]}" \
  --extract-hook='for deb in "$1"/var/cache/apt/archives/*.deb; do
      pkg="$(dpkg-deb --field "$deb" Package)"
      case ",$FEDMESH_PACKAGES," in *",$pkg,"*) continue ;; esac
      echo "build-base: removing the files of $pkg (a dependency only)" >&2
      dpkg-deb --fsys-tarfile "$deb" | tar -t | while IFS= read -r f; do
        if [ -L "$1/$f" ] || [ -f "$1/$f" ]; then rm -f "$1/$f"; fi
      done
    done' \
  --extract-hook='rm -rf "$1"/var/cache/apt/archives/*.deb' \
  bookworm "$rootfs" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"

# What extraction leaves that a container does not need: package manager state, docs (copyright files stay),
# man pages, locales, lintian overrides. Nothing here is read at run time.
rm -rf "$rootfs"/var/lib/apt "$rootfs"/var/cache/apt "$rootfs"/var/lib/dpkg "$rootfs"/var/log/* "$rootfs"/etc/apt \
  "$rootfs"/usr/share/man "$rootfs"/usr/share/info "$rootfs"/usr/share/locale "$rootfs"/usr/share/lintian \
  "$rootfs"/usr/share/bug "$rootfs"/usr/share/gdb "$rootfs"/usr/share/doc-base
find "$rootfs"/usr/share/doc -type f ! -name copyright -delete
find "$rootfs"/usr/share/doc "$rootfs"/usr/lib "$rootfs"/usr/share "$rootfs"/etc -depth -type d -empty -delete
# No shell or maintainer binaries: libc6 ships a few helper programs (ldd is a bash script, iconvconfig,...).
rm -rf "$rootfs"/usr/bin "$rootfs"/usr/sbin "$rootfs"/usr/libexec "$rootfs"/usr/lib/x86_64-linux-gnu/gconv
mkdir -p "$rootfs"/usr/bin "$rootfs"/usr/sbin "$rootfs"/etc/ssl/certs

# What the maintainer scripts would have made: the CA bundle (update-ca-certificates), /etc/localtime (tzdata).
find "$rootfs"/usr/share/ca-certificates -name '*.crt' | sort | xargs cat > "$rootfs"/etc/ssl/certs/ca-certificates.crt
ln -sfn /usr/share/zoneinfo/Etc/UTC "$rootfs"/etc/localtime
echo "Etc/UTC" > "$rootfs"/etc/timezone

# 2. Users, directories, name service: the node runs as fedmesh (65532), never as root.
cat > "$rootfs"/etc/passwd <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
fedmesh:x:$uid:$uid:FedMesh node:/var/lib/fedmesh:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$rootfs"/etc/group <<EOF
root:x:0:
fedmesh:x:$uid:
nogroup:x:65534:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n' \
  > "$rootfs"/etc/nsswitch.conf
: > "$rootfs"/etc/hosts
: > "$rootfs"/etc/resolv.conf
echo fedmesh > "$rootfs"/etc/hostname
chmod 0644 "$rootfs"/etc/hosts "$rootfs"/etc/resolv.conf "$rootfs"/etc/hostname
mkdir -p "$rootfs"/etc/fedmesh "$rootfs"/var/lib/fedmesh "$rootfs"/tmp "$rootfs"/root "$rootfs"/proc "$rootfs"/sys "$rootfs"/dev
chmod 1777 "$rootfs"/tmp
chmod 0700 "$rootfs"/root
chmod 0750 "$rootfs"/var/lib/fedmesh
chown "$uid:$uid" "$rootfs"/var/lib/fedmesh

# 3. Java: only the modules the node uses (jdeps on the node's class path; see README.md).
step "jlinking a Java runtime from $JAVA_HOME ($("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p))"
# The image's Java is the build's JDK: say so when the Debian archive has a newer one (security fixes).
if command -v dpkg-query >/dev/null 2>&1 && command -v apt-cache >/dev/null 2>&1; then
  jdk_package="$(dpkg-query --search "$(readlink -f "$JAVA_HOME/bin/jlink")" 2>/dev/null | cut -d: -f1 | head -n 1 || true)"
  if [ -n "$jdk_package" ]; then
    installed="$(dpkg-query --show --showformat='${Version}' "$jdk_package" 2>/dev/null || true)"
    candidate="$(apt-cache policy "$jdk_package" 2>/dev/null | sed -n 's/^ *Candidate: //p')"
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && [ "$installed" != "$candidate" ]; then
      echo "build-base: WARNING: $jdk_package $installed is installed, $candidate is available: the image's Java" \
        "lacks its fixes (apt-get install --only-upgrade $jdk_package)" >&2
    fi
  fi
fi
modules="$(tr -d ' \n' < "$here/jre-modules.txt")"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --dedup-legal-notices=error-if-not-same-content --output "$rootfs/opt/java"
# The JDK's cacerts may be a link into the build host's /etc: use a copy of the runtime's own, if any.
if [ -L "$rootfs/opt/java/lib/security/cacerts" ]; then
  rm "$rootfs/opt/java/lib/security/cacerts"
fi
ln -sfn /opt/java/bin/java "$rootfs"/usr/bin/java

# 4. libtorch and DJL's JNI library where DJL's cache lookup finds them (LibUtils: DJL_CACHE_DIR/pytorch/
#    VERSION-FLAVOR-CLASSIFIER/), so the engine loads without extracting anything.
step "extracting libtorch"
props="$(unzip -p "$native_jar" native/lib/pytorch.properties)"
prop() { printf '%s\n' "$props" | sed -n "s/^$1=//p" | tr -d '\r'; }
version="$(prop version)"; flavor="$(prop flavor)"; classifier="$(prop classifier)"
djl_version="$(unzip -p "$jni_jar" jnilib/pytorch.properties | sed -n 's/^jni_version=[^-]*-//p' | tr -d '\r')"
[ -n "$version" ] && [ -n "$flavor" ] && [ -n "$classifier" ] && [ -n "$djl_version" ] \
  || { echo "build-base: cannot read libtorch's version from $native_jar and $jni_jar" >&2; exit 1; }
torch="$rootfs/opt/djl/pytorch/$version-$flavor-$classifier"
mkdir -p "$torch" "$out/unzip"
unzip -q -o "$native_jar" "pytorch/$flavor/$classifier/*" -d "$out/unzip"
mv "$out/unzip/pytorch/$flavor/$classifier/"* "$torch/"
unzip -q -o "$jni_jar" "jnilib/$classifier/$flavor/libdjl_torch.so" -d "$out/unzip"
mv "$out/unzip/jnilib/$classifier/$flavor/libdjl_torch.so" "$torch/$djl_version-libdjl_torch.so"
rm -rf "$out/unzip"
# The jar itself is not in the image: DJL finds which libtorch to load from this file on the class path
# (Jib's extraClasspath), then finds it already extracted above and writes nothing.
mkdir -p "$rootfs/opt/djl/classpath/native/lib"
printf '%s\n' "$props" > "$rootfs/opt/djl/classpath/native/lib/pytorch.properties"
chmod -R a+rX,go-w "$rootfs/opt"

# 5. One deterministic layer, wrapped as a docker-archive for Jib.
step "writing the layer"
find "$rootfs" -exec touch -h -d "@$epoch" {} +
tar --create --file "$out/layer.tar" --directory "$rootfs" --sort=name --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --mtime="@$epoch" --clamp-mtime \
  --no-acls --no-selinux --no-xattrs --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* .
python3 "$here/docker_archive.py" "$out/layer.tar" "$out/base.tar" "$epoch" "$version" "$djl_version"
rm -rf "$rootfs" "$out/layer.tar"
step "wrote $out/base.tar ($(du -h "$out/base.tar" | cut -f1), sha256 $(sha256sum "$out/base.tar" | cut -c1-16)...)"
