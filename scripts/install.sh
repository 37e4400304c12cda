#!/usr/bin/env bash
# Builds bgpsentry in release mode and installs it as a systemd service:
#   ${PREFIX}/bin/bgpsentry                        the daemon (PREFIX defaults to /usr/local)
#   ${PREFIX}/share/doc/bgpsentry/README.md        the unit's Documentation=
#   /etc/systemd/system/bgpsentry.service          systemd/bgpsentry.service (UNITDIR to change)
#   /etc/bgpsentry/{bgpsentry,prefixes}.yaml       the example configs, only if not there yet
#
# Usage: sudo scripts/install.sh [--dry-run] [--no-build]
#   --dry-run    print what would be done, change nothing
#   --no-build   install the existing .build/release/bgpsentry instead of building it
# Environment:
#   PREFIX=/usr/local           install prefix of the binary and README (the unit's paths follow it)
#   DESTDIR=                    staging root for packaging (no daemon-reload, no root check)
#   UNITDIR=/etc/systemd/system where the unit goes (packages: /usr/lib/systemd/system)
#   SWIFT_BUILD_FLAGS=          extra `swift build` flags (the release binary already links the Swift
#                               runtime and Foundation statically: Package.swift)
set -euo pipefail

PREFIX=${PREFIX:-/usr/local}
PREFIX=${PREFIX%/}
DESTDIR=${DESTDIR:-}
DESTDIR=${DESTDIR%/}
UNITDIR=${UNITDIR:-/etc/systemd/system}
SWIFT_BUILD_FLAGS=${SWIFT_BUILD_FLAGS:-}
CONFDIR=/etc/bgpsentry   # fixed: the unit's ExecStart= reads /etc/bgpsentry/bgpsentry.yaml

DRY_RUN=0
BUILD=1
for arg in "$@"; do
    case $arg in
        --dry-run) DRY_RUN=1 ;;
        --no-build) BUILD=0 ;;
        -h | --help)
            sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
            exit 0
            ;;
        *)
            echo "install.sh: unknown argument '$arg' (try --help)" >&2
            exit 2
            ;;
    esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

note() { printf '==> %s\n' "$*"; }

# Runs a command, or prints it (shell-quoted) under --dry-run.
run() {
    if ((DRY_RUN)); then
        printf '+'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

case $PREFIX in
    /*) ;;
    *)
        echo "install.sh: PREFIX must be an absolute path (got '$PREFIX')" >&2
        exit 2
        ;;
esac
case $PREFIX in
    /home/* | /root/* | /run/user/*)
        echo "install.sh: warning: the unit has ProtectHome=yes, so a binary under $PREFIX cannot be started by it" >&2
        ;;
esac

if [[ -z $DESTDIR && $DRY_RUN -eq 0 && $(id -u) -ne 0 ]]; then
    echo "install.sh: installing to / needs root (run with sudo, or set DESTDIR=/some/stage)" >&2
    exit 1
fi

for f in systemd/bgpsentry.service config/bgpsentry.yaml config/prefixes.yaml README.md; do
    [[ -f $f ]] || {
        echo "install.sh: $ROOT/$f is missing" >&2
        exit 1
    }
done

# --- Build ----------------------------------------------------------------------------------------
BINARY=.build/release/bgpsentry
if ((BUILD)); then
    note "building the release binary"
    # shellcheck disable=SC2086  # SWIFT_BUILD_FLAGS is a list of flags
    run swift build -c release --product bgpsentry $SWIFT_BUILD_FLAGS
fi
if ((!DRY_RUN)) && [[ ! -x $BINARY ]]; then
    echo "install.sh: $BINARY not found (build it, or drop --no-build)" >&2
    exit 1
fi

# --- Binary and documentation ---------------------------------------------------------------------
note "installing $DESTDIR$PREFIX/bin/bgpsentry"
run install -d -m 0755 "$DESTDIR$PREFIX/bin" "$DESTDIR$PREFIX/share/doc/bgpsentry"
run install -m 0755 "$BINARY" "$DESTDIR$PREFIX/bin/bgpsentry"
run install -m 0644 README.md "$DESTDIR$PREFIX/share/doc/bgpsentry/README.md"

# --- systemd unit ---------------------------------------------------------------------------------
UNIT=$DESTDIR$UNITDIR/bgpsentry.service
note "installing $UNIT"
run install -d -m 0755 "$DESTDIR$UNITDIR"
if [[ $PREFIX == /usr/local ]]; then
    run install -m 0644 systemd/bgpsentry.service "$UNIT"
else
    # The unit names /usr/local/bin/bgpsentry and /usr/local/share/doc/bgpsentry: follow PREFIX.
    if ((DRY_RUN)); then
        printf '+ sed "s#/usr/local/#%s/#g" systemd/bgpsentry.service > %q  (mode 0644)\n' "$PREFIX" "$UNIT"
    else
        tmp=$(mktemp)
        trap 'rm -f "$tmp"' EXIT
        sed "s#/usr/local/#$PREFIX/#g" systemd/bgpsentry.service >"$tmp"
        install -m 0644 "$tmp" "$UNIT"
    fi
fi

# --- Configuration: never overwrite an operator's files -------------------------------------------
note "configuration in $DESTDIR$CONFDIR"
run install -d -m 0755 "$DESTDIR$CONFDIR"
for name in bgpsentry.yaml prefixes.yaml; do
    target=$DESTDIR$CONFDIR/$name
    if [[ -e $target ]]; then
        note "keeping the existing $target (the new example is config/$name; compare with: diff -u $target $ROOT/config/$name)"
    else
        # World-readable: the service runs as a transient user (DynamicUser=yes). Keep secrets out of
        # these files (secretFile / bearerTokenFile; see the unit's LoadCredential= note).
        run install -m 0644 "config/$name" "$target"
    fi
done

# --- systemd --------------------------------------------------------------------------------------
if [[ -z $DESTDIR && -d /run/systemd/system ]]; then
    note "reloading systemd"
    run systemctl daemon-reload
elif [[ -z $DESTDIR ]]; then
    note "systemd is not running here: skipping systemctl daemon-reload"
fi

if ((DRY_RUN)); then
    note "dry run: nothing was changed"
fi

cat <<EOF

Next steps:
  1. Edit $CONFDIR/bgpsentry.yaml (capture interface, localASNs, sinks) and $CONFDIR/prefixes.yaml
     (the registered prefixes). Leave 'user:' unset: systemd runs the daemon unprivileged.
  2. Check them:   $PREFIX/bin/bgpsentry check-config --config $CONFDIR/bgpsentry.yaml
  3. Start it:     systemctl enable --now bgpsentry
     Status/logs:  systemctl status bgpsentry; journalctl -u bgpsentry -f
     After edits:  systemctl reload bgpsentry
EOF
