package cli

import (
	"runtime/debug"
	"testing"
)

// A binary built without the release's -ldflags still says what it is: `go install …@v1.2.3`
// records the module version, a build in a git checkout the commit and its time.
func TestWithModuleInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef"},
		{Key: "vcs.time", Value: "2026-11-30T09:00:00Z"},
	}
	tests := []struct {
		name  string
		build BuildInfo
		info  *debug.BuildInfo
		want  BuildInfo
	}{
		{
			name:  "go install at a tag",
			build: BuildInfo{Version: "dev"},
			info:  &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			want:  BuildInfo{Version: "v1.4.0"},
		},
		{
			name:  "go build in a checkout",
			build: BuildInfo{Version: "dev"},
			info:  &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261130090000-0123456789ab+dirty"}, Settings: vcs},
			want:  BuildInfo{Version: "v0.0.0-20261130090000-0123456789ab+dirty", Commit: "0123456789abcdef", Date: "2026-11-30T09:00:00Z"},
		},
		{
			name:  "no version recorded keeps dev",
			build: BuildInfo{Version: "dev"},
			info:  &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want:  BuildInfo{Version: "dev"},
		},
		{
			name:  "release ldflags win",
			build: BuildInfo{Version: "1.4.0", Commit: "fedcba9", Date: "2026-12-01T10:00:00Z"},
			info:  &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}, Settings: vcs},
			want:  BuildInfo{Version: "1.4.0", Commit: "fedcba9", Date: "2026-12-01T10:00:00Z"},
		},
		{
			name:  "no build info",
			build: BuildInfo{Version: "dev"},
			want:  BuildInfo{Version: "dev"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.build.withModuleInfo(tt.info); got != tt.want {
				t.Errorf("withModuleInfo = %+v, want %+v", got, tt.want)
			}
		})
	}
}
