#!/usr/bin/env bash
# Drives the wizard end to end in a real 80x24 terminal (tmux): every screen, by keystrokes,
# asserting on capture-pane, through to the files written at the end.
#   scripts/tmux-demo.sh [path/to/cis2-golive]
# It runs `cis2-golive demo` (the sandbox-prefilled wizard) when that command exists, and
# otherwise `cis2-golive wizard --config examples/production.yaml`: both start prefilled, so the
# keystrokes are the same. Needs tmux. Exit 0 on success.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-}
work=$(mktemp -d)
session=cis2-golive-demo-$$
cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if [[ -z $bin ]]; then
	bin=$work/cis2-golive
	(cd "$repo" && go build -o "$bin" .)
fi
cmd="wizard --config $repo/examples/production.yaml"
if "$bin" --help 2>&1 | grep -qE "^ +demo( |$)"; then
	cmd=demo
fi

tmux new-session -d -s "$session" -x 80 -y 24 -c "$work" \
	"CIS2_GOLIVE_DRAFT=$work/draft.yaml $bin $cmd; echo EXIT=\$?; sleep 60"

screen() { tmux capture-pane -p -t "$session"; }
# expect TEXT: wait (up to 20 s) until the screen shows TEXT, else print the screen and fail.
expect() {
	for _ in $(seq 200); do
		if screen | grep -qF -- "$1"; then return 0; fi
		sleep 0.1
	done
	echo "tmux-demo: never saw: $1" >&2
	screen >&2
	exit 1
}
keys() { tmux send-keys -t "$session" "$@"; }

expect "Put your CIS2 Authentication integration live"
keys Enter
expect "Step 1 of"
keys PageDown
expect "Add a redirect URI"
keys Enter
expect "Back-channel logout URI"
keys Enter
expect "How does your service authenticate"
keys Enter
expect "┃ JWKS URI"
keys Enter
expect "┃ Token endpoint signing algorithm"
keys Enter
expect "┃ Private key file"
keys Enter
expect "Should CIS2 sign userinfo"
keys Enter
expect "Continue to live checks"
keys Enter
expect "passed"
expect "0 failed"
keys Enter
expect "Write files and finish"
for _ in $(seq 12); do keys Down; done
keys Enter
expect "EXIT=0"
for f in cis2-production-config.json cis2-production-config.md cis2-golive-checklist.md cis2-golive.yaml; do
	[[ -s $work/$f ]] || { echo "tmux-demo: $f not written" >&2; exit 1; }
done
echo "tmux-demo: ok (${cmd%% *})"
