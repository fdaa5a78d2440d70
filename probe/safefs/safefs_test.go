package safefs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteFileReplacesAndLeavesNoTemp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, want := range []string{"first", "second"} {
		if err := WriteFile(context.Background(), path, []byte(want), Options{Label: "spool state"}); err != nil {
			t.Fatalf("write %s: %v", want, err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Fatalf("read back %q, %v; want %q", got, err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries, want only state.json", len(entries))
	}
}

func TestWriteFileFailureIsLabelledAndCleanedUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "credential.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	refuse := errors.New("no ACL for you")
	err := WriteFile(context.Background(), path, []byte("new"), Options{
		Label:   "credential",
		Prepare: func(context.Context, string) error { return refuse },
	})
	if !errors.Is(err, refuse) || !strings.HasPrefix(err.Error(), "prepare credential: ") {
		t.Fatalf("err = %v, want it labelled 'prepare credential' wrapping the cause", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("target = %q after a failed write, want the old content", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("folder holds %d entries after a failed write, want the temporary file gone", len(entries))
	}
	// A folder that does not exist: the create step is named.
	err = WriteFile(context.Background(), filepath.Join(dir, "missing", "x"), nil, Options{Label: "configuration cache"})
	if err == nil || !strings.HasPrefix(err.Error(), "create configuration cache: ") {
		t.Fatalf("err = %v, want 'create configuration cache: …'", err)
	}
}

func TestWriteFilePerm(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "unit")
	if err := WriteFile(context.Background(), path, []byte("x"), Options{Perm: 0o644}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := os.FileMode(0o644); !isWindows() && fi.Mode().Perm() != want {
		t.Fatalf("mode %v, want %v", fi.Mode().Perm(), want)
	}
}

func TestRemoveMissingIsNoError(t *testing.T) {
	t.Parallel()
	if err := Remove(context.Background(), filepath.Join(t.TempDir(), "gone")); err != nil {
		t.Fatalf("remove of a missing file: %v", err)
	}
}

// errBusy stands for a system's "file in use" answer.
var errBusy = errors.New("the process cannot access the file because it is being used by another process")

func isTestBusy(err error) bool { return errors.Is(err, errBusy) }

func TestRetryWhileBusy(t *testing.T) {
	t.Parallel()
	delays := []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	tests := []struct {
		name      string
		busyTimes int   // attempts that answer busy before success
		other     error // a non-busy failure on the first attempt
		wantCalls int
		wantErr   string
	}{
		{name: "free at once", busyTimes: 0, wantCalls: 1},
		{name: "freed after two busy answers", busyTimes: 2, wantCalls: 3},
		{name: "busy for good gives up", busyTimes: 99, wantCalls: 4, wantErr: "still busy after 4 attempts"},
		{name: "other errors are not retried", other: os.ErrPermission, wantCalls: 1, wantErr: "permission denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			err := retry(context.Background(), delays, isTestBusy, func() error {
				calls++
				switch {
				case tc.other != nil:
					return tc.other
				case calls <= tc.busyTimes:
					return errBusy
				}
				return nil
			})
			if calls != tc.wantCalls {
				t.Fatalf("op ran %d times, want %d", calls, tc.wantCalls)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := retry(ctx, []time.Duration{time.Hour}, isTestBusy, func() error {
		calls++
		cancel()
		return errBusy
	})
	if calls != 1 || !errors.Is(err, errBusy) || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("calls %d, err %v; want one call and the busy error with the cancellation", calls, err)
	}
}

func TestWriteJSONCreatesFolderAndNamesLabel(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new", "update.json")
	if err := WriteJSON(context.Background(), path, map[string]int{"attempts": 2}, 0o750, Options{Label: "update state"}); err != nil {
		t.Fatalf("write: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "{\n  \"attempts\": 2\n}\n"; got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}
	err = WriteJSON(context.Background(), path, func() {}, 0o750, Options{Label: "update state"})
	if err == nil || !strings.Contains(err.Error(), "encode update state") {
		t.Fatalf("unencodable value: %v, want an error naming the update state", err)
	}
}
