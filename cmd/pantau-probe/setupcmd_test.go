package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckWindowsVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		major, minor, build uint32
		ok                  bool
	}{
		{"Windows 7", 6, 1, 7601, false},
		{"Windows 8.1 and Server 2012 R2", 6, 3, 9600, false},
		{"Windows 10 first release", 10, 0, 10240, true},
		{"Server 2016", 10, 0, 14393, true},
		{"Windows 11", 10, 0, 22631, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkWindowsVersion(tc.major, tc.minor, tc.build)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "Windows 10") {
				t.Fatalf("message does not name the minimum: %v", err)
			}
		})
	}
}

// A code works once: when the credential could not be kept, it must not be
// sent at all.
func TestEnrolKeepsTheCodeWhenTheCredentialCannotBeWritten(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		_, _ = fmt.Fprint(w, `{"office":"73.71","probe_id":1,"token":"t"}`)
	}))
	t.Cleanup(srv.Close)
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	args := []string{"enrol", "--server", srv.URL, "--code", "K7Q2-9XMD", "--credential-file", filepath.Join(blocker, "credential.json"), "--user", ""}
	code := run(context.Background(), args, &out, &errOut, env{}.get)
	if code != exitFailed || !strings.Contains(errOut.String(), "the code was not used") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("the server was asked %d times: the code was spent", n)
	}
}

func TestCheckIndonesianSaysWhatToDo(t *testing.T) {
	t.Parallel()
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = up.Close() })
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downAddr := down.Addr().String()
	_ = down.Close() // nothing listens there: connection refused
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintf(w, `{"office":"73.71","interval":"30s","targets":[`+
			`{"name":"siak","kind":"central","check":"tcp","address":%q},`+
			`{"name":"internet","kind":"internet","check":"tcp","address":%q}]}`, downAddr, up.Addr().String())
	}))
	t.Cleanup(srv.Close)
	cfg := defaultConfig(env{}.get)
	cfg.Server, cfg.Token = srv.URL, "t"
	var out bytes.Buffer
	if checkIndonesian(context.Background(), cfg, &out) {
		t.Fatalf("a failing target passed:\n%s", out.String())
	}
	for _, want := range []string{
		"Server " + srv.URL + ": OK (kantor 73.71, 2 target",
		"Jam komputer: OK",
		"TARGET", "KETERANGAN",
		"GAGAL (connect)",
		"Yang dilakukan:\n- siak: jalur ke target tertutup",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "- internet:") {
		t.Errorf("advice for a target that passed:\n%s", out.String())
	}
}

func TestHelpSaysSudoOnlyWhereThereIsSudo(t *testing.T) {
	t.Parallel()
	if win := usage("windows"); strings.Contains(win, "sudo") || !strings.Contains(win, "pantau-probe.exe setup") || !strings.Contains(win, "Windows 10") {
		t.Errorf("Windows help:\n%s", win)
	}
	if lin := usage("linux"); !strings.Contains(lin, "sudo ./pantau-probe setup") {
		t.Errorf("Linux help:\n%s", lin)
	}
}
