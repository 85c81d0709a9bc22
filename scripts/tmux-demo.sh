#!/usr/bin/env bash
# Drives `cis2-golive demo` end to end in a real 80x24 terminal (tmux): the wizard prefilled
# from the sandbox, every screen by keystrokes, the live checks against the sandbox (all must
# pass), through to the files written at the end, asserting on capture-pane throughout.
# It also measures the pane's scrollback (tmux history_size) at every screen: a screen change
# must replace the frame, not push it into the scrollback, so across the whole demo, summary
# included, the scrollback may grow by at most one screen (24 lines).
#   scripts/tmux-demo.sh [path/to/cis2-golive]
# Needs tmux. Exit 0 on success.
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
# The demo writes its config, key, draft and the wizard's outputs into --dir.
cmd="demo --dir $work"

tmux new-session -d -s "$session" -x 80 -y 24 -c "$work" \
	"$bin $cmd; echo EXIT=\$?; sleep 60"

screen() { tmux capture-pane -p -t "$session"; }
history_size() { tmux display-message -p -t "$session" '#{history_size}'; }
history="" # history_size at each screen, for the report
# expect TEXT: wait (up to 20 s) until the screen shows TEXT, else print the screen and fail.
expect() {
	for _ in $(seq 200); do
		if screen | grep -qF -- "$1"; then
			history="$history $(history_size)"
			return 0
		fi
		sleep 0.1
	done
	echo "tmux-demo: never saw: $1" >&2
	screen >&2
	exit 1
}
keys() { tmux send-keys -t "$session" "$@"; }
# checks_done: wait until every check has a result, then require that all passed.
checks_done() {
	for _ in $(seq 300); do
		if screen | grep -qF "Live checks" && ! screen | grep -qF "running"; then break; fi
		sleep 0.1
	done
	if ! screen | grep -qE "[1-9][0-9]* passed · 0 warnings · 0 failed · 0 skipped"; then
		echo "tmux-demo: the live checks did not all pass" >&2
		screen >&2
		exit 1
	fi
}

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
expect "┃ Signing key"
keys Enter
expect "┃ Private key file"
expect "sandbox-rp-key.pem"
keys Enter
expect "Should CIS2 sign userinfo"
expect "> Yes, signed with RS256" # the sandbox's answer, kept
keys Enter
expect "Continue to the checks"
keys Enter
expect "Step 8 of 9 · Live checks"
checks_done
expect "Ready to send to NHS (sandbox)" # golive's verdict, exempt as the sandbox's own run
expect "key file: $work/sandbox-rp-key.pem"
keys Enter
expect "Write files and finish"
for _ in $(seq 12); do keys Down; done
keys Enter
expect "Earliest go-live:" # the summary the wizard leaves behind
expect "EXIT=0"
start=${history# }
start=${start%% *}
end=${history##* }
echo "tmux-demo: scrollback (history_size) at each screen:$history"
if ((end - start > 24)); then
	echo "tmux-demo: the scrollback grew by $((end - start)) lines, more than one 24-line screen" >&2
	exit 1
fi
for f in cis2-production-config.json cis2-production-config.md cis2-golive-checklist.md cis2-golive.yaml; do
	[[ -s $work/$f ]] || { echo "tmux-demo: $f not written" >&2; exit 1; }
done
grep -q '"private_key_jwt"' "$work/cis2-production-config.json" || { echo "tmux-demo: submission lacks private_key_jwt" >&2; exit 1; }
echo "tmux-demo: ok (demo, live checks all passed)"
