# shellcheck shell=bash
# Sourced by .ci/run: Debian's chromium for the browser tests (tests/test_report_browser.py,
# which skip with a reason when it is missing). Installs it with apt-get when /usr/bin/chromium
# is missing; when that cannot be done (no apt-get, no root, no package) says so and goes on.
# Never exits and never fails the run by itself: the sourcing script runs with `set -e`.
ci_install_chromium() {
    local apt=(apt-get)
    if [ "$(id -u)" != 0 ]; then
        command -v sudo > /dev/null 2>&1 || return 1
        apt=(sudo -n apt-get)
    fi
    command -v apt-get > /dev/null 2>&1 || return 1
    # A fresh machine may have no package lists yet: update once, then try again.
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -q chromium > /dev/null 2>&1 \
        || { "${apt[@]}" update -q > /dev/null 2>&1 \
            && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -q chromium > /dev/null 2>&1; }
}

if [ ! -x /usr/bin/chromium ]; then
    if ci_install_chromium && [ -x /usr/bin/chromium ]; then
        echo "ci: chromium installed for the browser tests"
    else
        echo "ci: chromium unavailable, browser tests skip"
    fi
fi
unset -f ci_install_chromium
