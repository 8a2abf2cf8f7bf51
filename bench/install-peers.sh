#!/usr/bin/env bash
# `npm run bench` runs Sluice next to rsyslog (imkafka → mmjsonparse → omelasticsearch) on the same input.
# Installs Debian's rsyslog packages when they are missing; without them (no root, no apt) the peer rows are
# skipped and the benchmark says so.
set -uo pipefail
packages=(rsyslog rsyslog-kafka rsyslog-elasticsearch)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "bench: ${missing[*]} missing and cannot be installed here (needs root and apt-get); the peer comparison is skipped" >&2
  exit 0
fi
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >&2 ||
  echo "bench: installing ${missing[*]} failed; the peer comparison is skipped" >&2
# The package's own rsyslogd service is not wanted: the benchmark starts its own with its own configuration.
exit 0
