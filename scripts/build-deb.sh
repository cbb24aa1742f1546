#!/usr/bin/env bash
# Builds a Debian package of infusiond: the files scripts/install.sh --prefix /usr puts in place, a dependency on
# libsqlite3-0, a postinst that creates the infusiond user and groups (systemd-sysusers) and the folders
# (systemd-tmpfiles), and nothing that enables or starts the service.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/build-deb.sh [--output FILE] [--bin-dir DIR] [--version VERSION] [--compression TYPE]

  --output FILE   where to write the package (default: ./infusiond_VERSION_ARCH.deb)
  --bin-dir DIR   package the infusiond and infusionctl already built in DIR instead of a release build
  --version V     the package version (default: infusiond's own version)
  --compression T dpkg-deb's compressor: xz (default), gzip, zstd or none (tests use none for speed)

Inspect the result with: dpkg-deb --info FILE; dpkg-deb --contents FILE
USAGE
}

output=
bindir=
compression=xz
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' "$root/Sources/InfusionServer/App/InfusionDaemon.swift" | head -n1)"
while [ $# -gt 0 ]; do
  case "$1" in
    --output) output="${2:?--output needs a file}"; shift 2 ;;
    --output=*) output="${1#*=}"; shift ;;
    --bin-dir) bindir="${2:?--bin-dir needs a folder}"; shift 2 ;;
    --bin-dir=*) bindir="${1#*=}"; shift ;;
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --compression) compression="${2:?--compression needs a type}"; shift 2 ;;
    --compression=*) compression="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-deb.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
done
[ -n "$version" ] || { echo "build-deb.sh: cannot find the version; pass --version" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb is missing (apt-get install dpkg)" >&2; exit 1; }
arch="$(dpkg --print-architecture)"
output="${output:-$PWD/infusiond_${version}_${arch}.deb}"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
install_args=(--prefix /usr --destdir "$staging")
[ -n "$bindir" ] && install_args+=(--bin-dir "$bindir")
"$root/scripts/install.sh" "${install_args[@]}"

mkdir -p "$staging/DEBIAN"
installed_kb="$(du -sk --exclude=DEBIAN "$staging" | cut -f1)"
cat > "$staging/DEBIAN/control" <<CONTROL
Package: infusiond
Version: $version
Architecture: $arch
Maintainer: infusiond operators <root@localhost>
Section: misc
Priority: optional
Depends: libsqlite3-0, libc6, libstdc++6, libgcc-s1
Installed-Size: $installed_kb
Description: monitor for IV lidocaine and ketamine infusions
 infusiond watches intravenous lidocaine (and ketamine) infusions for neuropathic
 pain: nursing stations post vitals and symptoms over a Unix socket, it applies
 the stop and alert rules of the drug profiles, raises alerts and keeps a
 hash-chained audit trail in SQLite. infusionctl is its command-line client.
 .
 Installing the package creates the infusiond account and groups but starts
 nothing; see /usr/share/doc/infusiond/OPERATIONS.md.
CONTROL

echo /etc/infusiond/infusiond.yaml > "$staging/DEBIAN/conffiles"

cat > "$staging/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
# Creates the account, groups and folders. Enables and starts nothing: the operator does that after
# reviewing /etc/infusiond/infusiond.yaml (docs: /usr/share/doc/infusiond/OPERATIONS.md).
set -e
if [ "$1" = configure ]; then
  if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers infusiond.conf
  else
    getent group infusiond-clients >/dev/null || groupadd --system infusiond-clients
    for role in station clinician auditor admin monitor; do
      getent group "infusiond-$role" >/dev/null || groupadd --system "infusiond-$role"
    done
    getent passwd infusiond >/dev/null || useradd --system --user-group --home-dir /var/lib/infusiond \
      --no-create-home --shell /usr/sbin/nologin --groups infusiond-clients infusiond
  fi
  if command -v systemd-tmpfiles >/dev/null 2>&1; then
    systemd-tmpfiles --create infusiond.conf || true
  else
    install -d -m 0700 -o infusiond -g infusiond /var/lib/infusiond
  fi
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
  fi
  echo "infusiond installed; nothing was started. Review /etc/infusiond/infusiond.yaml, then: systemctl enable --now infusiond"
fi
exit 0
POSTINST

cat > "$staging/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
# Stops a running daemon before its files are removed (it shuts down gracefully and audits the stop).
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop infusiond.service >/dev/null 2>&1 || true
fi
exit 0
PRERM

cat > "$staging/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
# The clinical record in /var/lib/infusiond is never deleted, not even on purge: remove it by hand after the
# retention period, once a final backup has been archived.
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
POSTRM
chmod 0755 "$staging/DEBIAN/postinst" "$staging/DEBIAN/prerm" "$staging/DEBIAN/postrm"

dpkg-deb --root-owner-group "-Z$compression" --build "$staging" "$output" >&2
echo "$output"
