#!/bin/sh
# Rebuilds libinjection.wasm from the unmodified C sources in src/ (libinjection commit in VERSION).
# Needs Debian's clang and lld: apt-get install clang lld. The result is committed, so nothing else needs them.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32 -O2 -nostdlib -ffreestanding -fno-builtin -Iwasm/include -Isrc \
  -DLIBINJECTION_VERSION='"3.10.0+85e252a"' \
  -Wl,--no-entry -Wl,--export=sluice_input -Wl,--export=sluice_fingerprint -Wl,--export=sluice_sqli -Wl,--export=sluice_xss \
  -Wl,--strip-all \
  -o libinjection.wasm wasm/libc.c src/libinjection_sqli.c src/libinjection_xss.c src/libinjection_html5.c
