#!/usr/bin/env bash
# The browser the console's tests drive (tests/browser): Debian's headless Chromium and its
# matching chromedriver, from Debian's packages (never a browser download of a test tool).
#
#   scripts/browser.sh install   install chromium + chromium-driver with apt-get when missing
#                                (as root; otherwise say what to install); idempotent, fast
#   scripts/browser.sh check     exit 0 when both are there, print their versions
#
# Paths: /usr/bin/chromium and /usr/bin/chromedriver (tests/browser/conftest.py; override with
# ADAPTER_TEST_CHROMIUM / ADAPTER_TEST_CHROMEDRIVER).
set -euo pipefail

CHROMIUM=${ADAPTER_TEST_CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${ADAPTER_TEST_CHROMEDRIVER:-/usr/bin/chromedriver}

say() { echo "browser: $*" >&2; }
die() { say "$*"; exit 1; }

present() { [[ -x "$CHROMIUM" && -x "$CHROMEDRIVER" ]]; }

install() {
    if present; then return 0; fi
    [[ $(id -u) -eq 0 ]] || die "missing $CHROMIUM or $CHROMEDRIVER; install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver) or run as root so this script can"
    command -v apt-get >/dev/null 2>&1 || die "no apt-get here: install Chromium and its chromedriver, then set ADAPTER_TEST_CHROMIUM and ADAPTER_TEST_CHROMEDRIVER"
    say "installing chromium and chromium-driver with apt-get (once)"
    # The package lists may be old or absent on a fresh machine: update once, only now.
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        chromium chromium-driver >/dev/null
    present || die "chromium-driver installed, but $CHROMIUM or $CHROMEDRIVER is still missing"
}

check() {
    present || die "missing $CHROMIUM or $CHROMEDRIVER (scripts/browser.sh install)"
    "$CHROMEDRIVER" --version
}

case "${1:-}" in
    install) install; check ;;
    check) check ;;
    *) echo "usage: scripts/browser.sh install|check" >&2; exit 2 ;;
esac
