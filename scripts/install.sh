#!/usr/bin/env bash
# Builds infusiond and infusionctl in release mode and installs them with the systemd unit, sysusers.d and
# tmpfiles.d files, the example config, the reviewed drug profiles and the documentation.
# Starts and enables nothing. docs/OPERATIONS.md lists every file this puts in place.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/install.sh [--prefix DIR] [--destdir DIR] [--bin-dir DIR]

  --prefix DIR    where the programs go: DIR/bin (default /usr/local). With /usr the unit, sysusers.d and
                  tmpfiles.d files go under /usr/lib (as a package installs them); with any other prefix under /etc.
  --destdir DIR   stage everything under DIR instead of / (for packaging or a scratch root); nothing on the
                  running system is touched and no post-install step runs.
  --bin-dir DIR   install the infusiond and infusionctl already built in DIR instead of building.

Run as root to install into the live system. Afterwards (printed at the end):
  systemd-sysusers; systemd-tmpfiles --create; systemctl daemon-reload; systemctl enable --now infusiond
USAGE
}

prefix=/usr/local
destdir=
bindir=
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --destdir) destdir="${2:?--destdir needs a folder}"; shift 2 ;;
    --destdir=*) destdir="${1#*=}"; shift ;;
    --bin-dir) bindir="${2:?--bin-dir needs a folder}"; shift 2 ;;
    --bin-dir=*) bindir="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path" >&2; exit 64 ;; esac
prefix="${prefix%/}"
[ -n "$prefix" ] || prefix=/

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ -z "$bindir" ]; then
  echo "== building release binaries (static Swift runtime, so the server needs no Swift toolchain)" >&2
  swift build -c release --static-swift-stdlib --product infusiond >&2
  swift build -c release --static-swift-stdlib --product infusionctl >&2
  bindir="$(swift build -c release --show-bin-path)"
fi
for program in infusiond infusionctl; do
  [ -x "$bindir/$program" ] || { echo "install.sh: $bindir/$program is missing; build it or drop --bin-dir" >&2; exit 1; }
done

if [ "$prefix" = /usr ]; then
  systemd_root=/usr/lib
else
  systemd_root=/etc
fi
unitdir="$systemd_root/systemd/system"
sysusersdir="$systemd_root/sysusers.d"
tmpfilesdir="$systemd_root/tmpfiles.d"
docdir="$prefix/share/doc/infusiond"
sharedir="$prefix/share/infusiond"

stage() { printf '%s%s' "$destdir" "$1"; }
put() { # mode source target
  install -D -m "$1" "$2" "$(stage "$3")"
  echo "installed $3" >&2
}

put 0755 "$bindir/infusiond" "$prefix/bin/infusiond"
put 0755 "$bindir/infusionctl" "$prefix/bin/infusionctl"

# The unit names the binary by its installed path.
unit_tmp="$(mktemp)"
trap 'rm -f "$unit_tmp"' EXIT
sed -e "s#/usr/bin/infusiond#$prefix/bin/infusiond#g" \
    -e "s#file:///usr/share/doc/infusiond/#file://$docdir/#g" systemd/infusiond.service > "$unit_tmp"
put 0644 "$unit_tmp" "$unitdir/infusiond.service"
put 0644 systemd/infusiond.sysusers "$sysusersdir/infusiond.conf"
put 0644 systemd/infusiond.tmpfiles "$tmpfilesdir/infusiond.conf"

# The example config; an operator's edited copy is never overwritten.
config="$(stage /etc/infusiond/infusiond.yaml)"
if [ -e "$config" ]; then
  put 0644 config/infusiond.yaml /etc/infusiond/infusiond.yaml.new
  echo "kept the existing /etc/infusiond/infusiond.yaml; the new example is infusiond.yaml.new" >&2
else
  put 0644 config/infusiond.yaml /etc/infusiond/infusiond.yaml
fi

# The reviewed profiles, as a reference (the same ones are built into the binary; set profilesDirectory to use
# an edited copy).
for profile in config/profiles/*.yaml; do
  put 0644 "$profile" "$sharedir/profiles/$(basename "$profile")"
done

for doc in README.md docs/OPERATIONS.md docs/CONFIG.md docs/openapi.yaml; do
  put 0644 "$doc" "$docdir/$(basename "$doc")"
done

if [ -z "$destdir" ]; then
  cat >&2 <<NEXT
installed. Nothing was started. Next, as root:
  systemd-sysusers $sysusersdir/infusiond.conf
  systemd-tmpfiles --create $tmpfilesdir/infusiond.conf
  systemctl daemon-reload
  systemctl enable --now infusiond
NEXT
fi
