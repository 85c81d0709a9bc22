package model

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteFileAtomic writes data to a temporary file beside path and renames it into place, so a
// crash or a kill leaves either the old file or the new one, never half of either. A kill
// between the two leaves the temporary file; RemoveStaleTemps clears those.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	if testHookTempCreated != nil {
		testHookTempCreated(name)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Sync before rename: otherwise a power cut can leave the new name pointing at no data.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	return nil
}

// tempPrefix is how the names of path's temporary files start: hidden, beside it, its own
// name in them, so they are told apart from any other file's.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// testHookTempCreated, when set (by a test), is called once a temporary file exists and
// before anything is written to it: where a kill leaves one behind.
var testHookTempCreated func(name string)

// processStart is when this process started. A temporary file of ours that is older was left
// by an earlier run, killed between writing and renaming it; a younger one may be another
// run's, still being written.
var processStart = time.Now()

// RemoveStaleTemps removes path's own temporary files (WriteFileAtomic's, beside it) that are
// older than this process, and returns how many. Nothing else in the directory is touched.
func RemoveStaleTemps(path string) (int, error) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("clean up beside %s: %w", path, err)
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(processStart) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}

// errTooLarge is returned by readBounded for input over its limit.
var errTooLarge = errors.New("file is larger than 1 MiB; a configuration is a few hundred bytes")

func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}
