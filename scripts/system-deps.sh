#!/usr/bin/env bash
# Debian packages the tests need: Chromium for browser journeys, a CJK font so Chinese renders in
# screenshots and PDFs, libharfbuzz-subset0 for WeasyPrint, PostgreSQL for the second test run.
set -euo pipefail
packages=(chromium fonts-wqy-microhei libharfbuzz-subset0 postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} …"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
