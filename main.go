// Command cis2-golive helps a supplier put a CIS2 Authentication integration live.
package main

import (
	"os"

	"github.com/cis2-golive/cis2-golive/cli"
)

// Set by the release build: -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	os.Exit(cli.Main(cli.BuildInfo{Version: version, Commit: commit, Date: date}))
}
