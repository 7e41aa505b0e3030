#!/usr/bin/env bash
# Rebuilds every committed .wasm from its source: the .wat text beside it (the
# example job modules under examples/ and the test modules under
# */src/test/resources/modules/), or, for the C examples, examples/NAME/NAME.c.
#
# Needs wat2wasm from WABT (Debian/Ubuntu: apt-get install -y wabt; macOS: brew
# install wabt), and for C, clang and wasm-ld (Debian/Ubuntu: apt-get install -y
# clang lld). The output depends only on the source and the tool versions, and
# carries no names section, so rebuilding with the same tools gives the same
# bytes; the committed binaries were built with WABT 1.0.32 and Debian's clang
# 14.0.6.
#
# A .wat that needs extra wat2wasm options names them on a line of its own:
#   ;; wat2wasm-flags: --no-check
#
# Usage: examples/build.sh [--check]
#   --check  rebuild into a temporary directory and fail if a committed .wasm differs.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=false
if [[ "${1:-}" == "--check" ]]; then
  check=true
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi

if ! command -v wat2wasm >/dev/null 2>&1; then
  echo "wat2wasm not found: install WABT (Debian/Ubuntu: apt-get install -y wabt; macOS: brew install wabt)" >&2
  exit 1
fi
echo "using $(command -v wat2wasm) $(wat2wasm --version)"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
status=0
while IFS= read -r -d '' wat; do
  wasm="${wat%.wat}.wasm"
  out="$scratch/out.wasm"
  flags="$(sed -n 's/^;; wat2wasm-flags: //p' "$wat" | head -n 1)"
  # shellcheck disable=SC2086 # the flags are deliberately split into words
  wat2wasm $flags "$wat" -o "$out"
  rel="${wasm#"$repo"/}"
  if $check; then
    if ! cmp -s "$out" "$wasm"; then
      echo "DIFFERS: $rel" >&2
      status=1
    fi
  else
    cp "$out" "$wasm"
    echo "built $rel ($(wc -c <"$wasm") bytes)"
  fi
done < <(find "$repo/examples" "$repo"/*/src/test/resources/modules -name '*.wat' -print0 2>/dev/null | sort -z)

# C examples: one .c per example directory, no C library (examples/c/meshwork.h
# supplies alloc, memcpy and memset).
if ! command -v clang >/dev/null 2>&1 || ! command -v wasm-ld >/dev/null 2>&1; then
  echo "clang or wasm-ld not found: install them (Debian/Ubuntu: apt-get install -y clang lld)" >&2
  exit 1
fi
echo "using $(command -v clang) $(clang --version | head -n 1)"
while IFS= read -r -d '' c; do
  wasm="${c%.c}.wasm"
  out="$scratch/out.wasm"
  clang --target=wasm32 -O2 -nostdlib -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--strip-all -o "$out" "$c"
  rel="${wasm#"$repo"/}"
  if $check; then
    if ! cmp -s "$out" "$wasm"; then
      echo "DIFFERS: $rel" >&2
      status=1
    fi
  else
    cp "$out" "$wasm"
    echo "built $rel ($(wc -c <"$wasm") bytes)"
  fi
done < <(find "$repo/examples" -mindepth 2 -maxdepth 2 -name '*.c' -print0 | sort -z)
exit $status
