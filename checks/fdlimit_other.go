//go:build !unix

package checks

// openFileLimit is 0 (unknown): Windows has no per-process limit on sockets like RLIMIT_NOFILE.
func openFileLimit() int { return 0 }
