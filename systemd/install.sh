#!/bin/sh
# Installs or uninstalls outreachd (called by `make install` / `make uninstall`).
#
# Never overwrites a file the operator edited: a file is replaced only if it is missing or still
# byte-identical to what the previous install put there (their checksums are kept in
# $SHARE/installed.sha256). An edited file stays, and the new version is written beside it as
# FILE.new. The configuration file is the operator's from the first install on.
set -eu

action=$1
BIN=${BIN:-.build/release/outreachd}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
ETC=$DESTDIR/etc/outreachd
UNIT=$DESTDIR/etc/systemd/system/outreachd.service
SHARE=$DESTDIR$PREFIX/share/outreachd
SUMS=$SHARE/installed.sha256

recorded() { [ -f "$SUMS" ] && awk -v f="$1" '$2 == f { print $1 }' "$SUMS"; }
current() { sha256sum "$1" | awk '{ print $1 }'; }

# place SOURCE TARGET MODE: install unless the operator changed what we installed last time.
place() {
    if [ -f "$2" ] && [ "$(current "$2")" != "$(recorded "$2")" ] && [ "$(current "$2")" != "$(current "$1")" ]; then
        install -m "$3" "$1" "$2.new"
        echo "kept $2 (edited); the new version is $2.new"
    else
        install -D -m "$3" "$1" "$2"
        echo "installed $2"
    fi
    printf '%s  %s\n' "$(current "$1")" "$2" >> "$SUMS.next"
}

# remove TARGET: delete it if it is still what we installed.
remove() {
    if [ -f "$1" ] && [ "$(current "$1")" = "$(recorded "$1")" ]; then rm -f "$1"; echo "removed $1"
    elif [ -f "$1" ]; then echo "kept $1 (edited)"; fi
}

case $action in
install)
    [ -x "$BIN" ] || { echo "install.sh: $BIN is not built (make release)" >&2; exit 1; }
    mkdir -p "$SHARE" "$ETC/templates"
    : > "$SUMS.next"
    install -D -m 0755 "$BIN" "$DESTDIR$PREFIX/bin/outreachd" && echo "installed $DESTDIR$PREFIX/bin/outreachd"
    place systemd/outreachd.service "$UNIT" 0644
    for t in templates/*.txt; do place "$t" "$ETC/templates/$(basename "$t")" 0644; done
    install -D -m 0644 README.md "$DESTDIR$PREFIX/share/doc/outreachd/README.md"
    if [ -f "$ETC/outreachd.toml" ]; then
        echo "kept $ETC/outreachd.toml"
    else
        install -m 0644 examples/outreachd.toml "$ETC/outreachd.toml" && echo "installed $ETC/outreachd.toml (edit it, then: outreachd check)"
    fi
    # The unit's LoadCredential= needs the files to exist; outreachd refuses an empty one that a channel uses.
    install -d -m 0700 "$ETC/credentials"
    for c in smtp sms; do [ -e "$ETC/credentials/$c" ] || install -m 0600 /dev/null "$ETC/credentials/$c"; done
    mv "$SUMS.next" "$SUMS"
    if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    ;;
uninstall)
    if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then systemctl disable --now outreachd 2>/dev/null || true; fi
    rm -f "$DESTDIR$PREFIX/bin/outreachd" && echo "removed $DESTDIR$PREFIX/bin/outreachd"
    remove "$UNIT"
    for t in "$ETC"/templates/*.txt; do [ -e "$t" ] && remove "$t"; done
    # Updates offered beside edited files are of no use once outreachd is gone.
    rm -f "$ETC"/templates/*.txt.new "$UNIT.new"
    rmdir "$ETC/templates" 2>/dev/null || true
    rm -rf "$DESTDIR$PREFIX/share/doc/outreachd" "$SHARE"
    echo "kept $ETC/outreachd.toml, $ETC/credentials and the state in /var/lib/outreachd (remove them by hand if you want them gone)"
    if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    ;;
*)
    echo "usage: install.sh install|uninstall" >&2
    exit 1
    ;;
esac
