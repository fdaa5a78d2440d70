package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestSimHelpNamesEveryCutKind(t *testing.T) {
	var out, errOut bytes.Buffer
	err := runSim(context.Background(), []string{"-h"}, &out, &errOut)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("runSim -h = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"national@", "province:73@", "office:73.71@", "offline:", "flap:", "-offices", "-cuts"} {
		if !strings.Contains(errOut.String(), want) {
			t.Fatalf("help lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestSimRefusesBadSettingsBeforeTouchingAnything(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"server off loopback", []string{"-server", "http://10.0.0.1:8080"}, "-server"},
		{"bad cut", []string{"-cuts", "storm@1m+1m"}, "-cuts"},
		{"no offices", []string{"-offices", "0"}, "-offices"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runSim(context.Background(), tc.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("runSim %v = %v, want an error naming %s", tc.args, err, tc.want)
			}
		})
	}
}
