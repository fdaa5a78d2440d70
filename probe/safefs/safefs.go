// Package safefs writes, renames and deletes the agent's files so that a
// crash never leaves one half-written and another process briefly holding a
// file (on Windows: antivirus, backup or search indexers open files without
// sharing delete access) never fails the operation for good.
//
// Every write goes to a temporary file in the same folder, is synced and
// then renamed over the target; renames and deletes are retried with a short
// backoff while the system says the file is busy. Errors name what failed
// with the caller's label: "replace spool state: …", "create credential: …".
package safefs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// retryDelays are the waits between attempts while a file is busy: about
// 3.5 s in all, longer than an antivirus scan of a small file holds it and
// short enough that the agent's loops are not held up.
var retryDelays = [...]time.Duration{
	10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond,
	160 * time.Millisecond, 320 * time.Millisecond, 640 * time.Millisecond, time.Second, time.Second,
}

// Options tune WriteFile.
type Options struct {
	// Label names the file in errors ("spool state", "credential").
	// Default: the file's base name.
	Label string
	// Perm, when set, is the mode of the new file (on Unix; Windows only
	// knows read-only). Default: 0600, what os.CreateTemp gives.
	Perm fs.FileMode
	// Prepare, when set, runs on the empty temporary file before anything
	// is written to it: the place to restrict who may read a secret.
	Prepare func(ctx context.Context, tmp string) error
}

// WriteJSON writes v to path as indented JSON with WriteFile, creating the
// folder (dirPerm) first: the agent's small state files (configuration
// cache, update state, credential) are all written this way.
func WriteJSON(ctx context.Context, path string, v any, dirPerm fs.FileMode, opt Options) error {
	label := opt.Label
	if label == "" {
		label = filepath.Base(path)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", label, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), dirPerm); err != nil {
		return fmt.Errorf("create %s folder: %w", label, err)
	}
	return WriteFile(ctx, path, append(b, '\n'), opt)
}

// WriteFile replaces path with b atomically: a temporary file in the same
// folder, synced, renamed over path (retried while path is busy), and the
// folder synced where the system allows it. A crash leaves the old content
// or the new, never a mix; a failure removes the temporary file.
func WriteFile(ctx context.Context, path string, b []byte, opt Options) error {
	label := opt.Label
	if label == "" {
		label = filepath.Base(path)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", label, err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create %s: %w", label, err)
	}
	name := tmp.Name()
	fail := func(step string, err error) error {
		_ = tmp.Close()
		_ = Remove(context.WithoutCancel(ctx), name)
		return fmt.Errorf("%s %s: %w", step, label, err)
	}
	if opt.Perm != 0 {
		if err := tmp.Chmod(opt.Perm); err != nil {
			return fail("set mode of", err)
		}
	}
	if opt.Prepare != nil {
		if err := opt.Prepare(ctx, name); err != nil {
			return fail("prepare", err)
		}
	}
	if _, err := tmp.Write(b); err != nil {
		return fail("write", err)
	}
	if err := tmp.Sync(); err != nil {
		return fail("sync", err)
	}
	if err := tmp.Close(); err != nil {
		return fail("close", err)
	}
	if err := Rename(ctx, name, path); err != nil {
		_ = Remove(context.WithoutCancel(ctx), name)
		return fmt.Errorf("replace %s: %w", label, err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("sync folder of %s: %w", label, err)
	}
	return nil
}

// Rename renames oldpath to newpath, replacing newpath, and retries while
// either is held open by another process.
func Rename(ctx context.Context, oldpath, newpath string) error {
	return retry(ctx, retryDelays[:], isBusy, func() error { return os.Rename(oldpath, newpath) })
}

// OpenFile is os.OpenFile retried while another process holds the file
// open without sharing it (an antivirus scan of a segment).
func OpenFile(ctx context.Context, name string, flag int, perm fs.FileMode) (*os.File, error) {
	var f *os.File
	err := retry(ctx, retryDelays[:], isBusy, func() error {
		var err error
		f, err = os.OpenFile(name, flag, perm)
		return err
	})
	return f, err
}

// Remove deletes path, retrying while another process holds it open. A
// file that does not exist is no error: the goal is reached.
func Remove(ctx context.Context, path string) error {
	err := retry(ctx, retryDelays[:], isBusy, func() error { return os.Remove(path) })
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// retry runs op until it succeeds, fails with an error busy does not
// accept, the delays run out or ctx is done. The last error is returned,
// saying how many attempts were made when there were several.
func retry(ctx context.Context, delays []time.Duration, busy func(error) bool, op func() error) error {
	err := op()
	for i := 0; err != nil && busy(err) && i < len(delays); i++ {
		t := time.NewTimer(delays[i])
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up after %d attempts: %v)", err, i+1, ctx.Err())
		case <-t.C:
		}
		if err = op(); err != nil && busy(err) && i == len(delays)-1 {
			return fmt.Errorf("%w (still busy after %d attempts)", err, len(delays)+1)
		}
	}
	return err
}
