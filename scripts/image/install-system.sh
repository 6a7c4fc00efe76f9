#!/usr/bin/env bash
# The Debian packages of the image (the Dockerfile's first RUN): espeak-ng and lame, the offline
# voice that speaks a sentence when gTTS cannot be reached, and fonts-wqy-microhei, a Chinese font
# for the /stats picture. The same choice as scripts/install-system-deps.sh makes for a developer's
# machine, but this one fails loudly: an image without its voice is a broken build, not a laptop
# that makes do.
#
# tests/deploy runs this very script on the test machine, so it is quick and leaves things as it
# found them there: it installs only what is missing, and removes the package lists (tens of MB an
# image should not carry) only when it fetched them itself.
#
# Versions are not pinned: Debian replaces a package's files on its mirrors with each security
# update, so a pin stops resolving within weeks. The base image's tag fixes the release.

set -euo pipefail

packages=(espeak-ng lame fonts-wqy-microhei)

installed() {
    [[ "$(dpkg-query --show --showformat='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-system: ${packages[*]} already installed"
    exit 0
fi

lists=/var/lib/apt/lists
had_lists="$(find "$lists" -maxdepth 1 -type f -name '*_Packages*' -print -quit 2>/dev/null || true)"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
if [[ -z "$had_lists" ]]; then
    rm -rf "${lists:?}"/*
fi
echo "install-system: installed ${missing[*]}"
