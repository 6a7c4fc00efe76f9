#!/usr/bin/env bash
# Install the system tools behind BuildSpeak's offline voice: espeak-ng speaks a
# sentence to WAV, lame encodes it to MP3. They are only a fallback for when the
# gTTS endpoint is unreachable, so this script never fails the build: when it
# cannot install them it says so in one line and exits 0, and the bot sends
# lessons without audio when gTTS is down too.
#
# It also installs a small Chinese font (WenQuanYi Micro Hei, ~5 MB) when the
# machine has none: the /stats progress picture is drawn with matplotlib, whose
# bundled fonts have no Chinese glyphs. Without one the picture falls back to
# English-only labels, so this is optional too.
#
# For the reader's browser tests (tests/browser) it installs Debian's chromium, which Playwright
# drives as /usr/bin/chromium (no browser is ever downloaded any other way), fonts-noto-cjk, so
# the pages' Chinese renders as real glyphs in the screenshots, and fonts-noto-color-emoji for the
# emoji the pages show (🐦 💬), which would be empty boxes without it. Without them the browser
# tests skip locally, saying so (and fail under CI).
#
# Idempotent and quick when everything is present (it only runs `command -v` and
# `fc-list`), so `make run` and `make test` can call it every time.
#
# Override the binaries it looks for with ESPEAK_BINARY / LAME_BINARY, the same
# names the bot's settings use.

set -euo pipefail

espeak_binary="${ESPEAK_BINARY:-espeak-ng}"
lame_binary="${LAME_BINARY:-lame}"
cjk_font_package="fonts-wqy-microhei"
cjk_font_file="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
browser_binary="chromium"
page_font_package="fonts-noto-cjk"
page_font_file="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
emoji_font_package="fonts-noto-color-emoji"
emoji_font_file="/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"

note() {
    echo "install-system-deps: $*" >&2
}

# Any font covering Chinese will do (the bot searches for one), not only ours;
# without fontconfig, fall back to looking for our package's file.
has_cjk_font() {
    if command -v fc-list >/dev/null 2>&1; then
        [[ -n "$(fc-list :lang=zh file 2>/dev/null)" ]]
    else
        [[ -f "$cjk_font_file" ]]
    fi
}

# A font family installed (fontconfig's word), else the package's file there.
has_font() {
    local family="$1" file="$2"
    if command -v fc-list >/dev/null 2>&1; then
        [[ -n "$(fc-list ":family=$family" file 2>/dev/null)" ]]
    else
        [[ -f "$file" ]]
    fi
}

missing_packages() {
    local packages=()
    command -v "$espeak_binary" >/dev/null 2>&1 || packages+=(espeak-ng)
    command -v "$lame_binary" >/dev/null 2>&1 || packages+=(lame)
    has_cjk_font || packages+=("$cjk_font_package")
    command -v "$browser_binary" >/dev/null 2>&1 || packages+=(chromium)
    has_font "Noto Sans CJK SC" "$page_font_file" || packages+=("$page_font_package")
    has_font "Noto Color Emoji" "$emoji_font_file" || packages+=("$emoji_font_package")
    echo "${packages[*]:-}"
}

# What the learner loses without the given packages, for the one-line note.
consequences() {
    local lost="" wanted=" $* "
    if [[ "$wanted" == *" espeak-ng "* || "$wanted" == *" lame "* ]]; then
        lost="offline audio (espeak-ng + lame) will be unavailable; lessons still go out, with gTTS audio or none"
    fi
    if [[ "$wanted" == *" $cjk_font_package "* ]]; then
        lost="${lost:+$lost; }the /stats picture will have English-only labels"
    fi
    if [[ "$wanted" == *" chromium "* ]]; then
        lost="${lost:+$lost; }the reader's browser tests (tests/browser) will skip"
    fi
    if [[ "$wanted" == *" $page_font_package "* || "$wanted" == *" $emoji_font_package "* ]]; then
        lost="${lost:+$lost; }the reader's screenshots may show empty boxes for Chinese or emoji"
    fi
    echo "$lost"
}

# Prints the command prefix that gives root ("" or "sudo -n"); fails when there is none.
root_prefix() {
    if [[ "$(id -u)" -eq 0 ]]; then
        echo ""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        echo "sudo -n"
    else
        return 1
    fi
}

# apt-get update is slow and touches the network, so run it only when the
# package lists do not know one of the packages yet.
lists_know() {
    local package
    for package in "$@"; do
        apt-cache show "$package" >/dev/null 2>&1 || return 1
    done
}

main() {
    local packages prefix
    packages="$(missing_packages)"
    [[ -z "$packages" ]] && return 0

    local unavailable
    # shellcheck disable=SC2086  # $packages is a word list on purpose
    unavailable="$(consequences $packages)"
    if ! command -v apt-get >/dev/null 2>&1; then
        note "missing: $packages and no apt-get here; install them by hand. $unavailable."
        return 0
    fi
    if ! prefix="$(root_prefix)"; then
        note "missing: $packages and not root (no passwordless sudo); $unavailable."
        return 0
    fi

    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086  # $prefix and $packages are word lists on purpose
    {
        if ! lists_know $packages; then
            $prefix apt-get update -qq || true
        fi
        if ! $prefix apt-get install -y -qq --no-install-recommends $packages >/dev/null; then
            # Stale package lists (404 on a superseded .deb) are the usual cause: refresh once and retry.
            $prefix apt-get update -qq || true
            if ! $prefix apt-get install -y -qq --no-install-recommends $packages >/dev/null; then
                note "apt-get install $packages failed; $unavailable."
                return 0
            fi
        fi
    }
    note "installed: $packages"
}

main "$@"
