package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "invalid_client", "invalid_client"},
		{"CSI colour", "\x1b[31mred\x1b[0m text", "red text"},
		{"cursor movement", "a\x1b[2J\x1b[1;1Hb", "ab"},
		{"OSC title BEL", "\x1b]0;pwned\x07ok", "ok"},
		{"OSC hyperlink ST", "\x1b]8;;https://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"C1 CSI", "a\u009b31mb", "ab"},
		{"control chars", "a\x00b\x07c\x7fd", "abcd"},
		{"newlines become one space", "line1\r\n\tline2\n", "line1 line2"},
		{"bidi override", "abc\u202edef\u2066", "abcdef"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"unterminated escape", "ok\x1b[", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanCapsLength(t *testing.T) {
	got := Clean(strings.Repeat("é", 1000))
	if n := utf8.RuneCountInString(got); n != MaxRunes+1 {
		t.Fatalf("got %d runes, want %d", n, MaxRunes+1)
	}
	if !strings.HasSuffix(got, "…") {
		t.Errorf("capped string should end with an ellipsis: %q", got[len(got)-10:])
	}
	exact := strings.Repeat("x", MaxRunes)
	if Clean(exact) != exact {
		t.Error("a string of exactly the cap must not be cut")
	}
}

func TestJoin(t *testing.T) {
	if got := Join([]string{"RS256", "RS\x1b[2J512"}, ", "); got != "RS256, RS512" {
		t.Errorf("short list: got %q", got)
	}
	if got := Join([]string{strings.Repeat("k", 2*MaxRunes) + ": no use"}, ", "); !strings.HasSuffix(got, ": no use") {
		t.Errorf("one item within the list cap was cut: ...%q", got[len(got)-20:])
	}
	if got := Join([]string{strings.Repeat("k", 700)}, ", "); !strings.HasPrefix(got, "kkk") || utf8.RuneCountInString(got) != MaxListRunes+1 {
		t.Errorf("one item over the cap must show cut, not be replaced by a count: %q", got)
	}
	if got := Join(nil, ", "); got != "" {
		t.Errorf("empty list: got %q", got)
	}
	many := make([]string, 5000)
	for i := range many {
		many[i] = strings.Repeat("A", 300)
	}
	got := Join(many, ", ")
	if n := utf8.RuneCountInString(got); n > MaxListRunes+40 {
		t.Fatalf("5000 long items joined to %d runes", n)
	}
	// Two 300-rune items and a separator pass the cap: one fits and 4999 are counted.
	if !strings.HasSuffix(got, ", … and 4999 more") {
		t.Errorf("the count of left-out items is lost: ...%q", got[len(got)-40:])
	}
}
