package service

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
)

// UnitDir is where Install writes the unit on Linux.
const UnitDir = "/etc/systemd/system"

// unitTemplate is the systemd unit. Why each line:
//   - network-online.target: the first checks should not all fail at boot
//     because the network is not up yet.
//   - StartLimitIntervalSec=0: never give up restarting; an unattended
//     office PC has nobody to type systemctl start.
//   - Restart=on-failure: a crash, a kill -9 or an error exit restarts it
//     after RestartSec; a clean stop (systemctl stop) does not.
//   - StateDirectory: systemd creates /var/lib/<name> owned by the account,
//     where the spool and the configuration cache live.
//   - ProtectSystem=strict and friends: the agent needs only its state
//     folder and its program folder (self-update replaces the program
//     there); CAP_NET_RAW lets ICMP checks open raw sockets.
//   - StandardOutput/StandardError=journal: logs go to the journal.
var unitTemplate = template.Must(template.New("unit").Parse(`[Unit]
Description={{.Description}}
Documentation=https://github.com/pantau-id/pantau/blob/main/docs/install-office.md
Wants=network-online.target
After=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart={{.ExecStart}}
User={{.User}}
Group={{.User}}
Restart=on-failure
RestartSec=5s
TimeoutStopSec=30s
StateDirectory={{.Name}}
StateDirectoryMode=0750
StandardOutput=journal
StandardError=journal
SyslogIdentifier={{.Name}}
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
{{- range .ReadWritePaths}}
ReadWritePaths={{.}}
{{- end}}
AmbientCapabilities=CAP_NET_RAW
CapabilityBoundingSet=CAP_NET_RAW

[Install]
WantedBy=multi-user.target
`))

// RenderUnit returns the systemd unit for s (with defaults applied).
func RenderUnit(s Spec) (string, error) {
	s = s.WithDefaults()
	if err := s.Validate(); err != nil {
		return "", fmt.Errorf("service spec: %w", err)
	}
	words := make([]string, 0, len(s.Args)+1)
	for _, w := range append([]string{s.Executable}, s.Args...) {
		words = append(words, quoteUnitWord(w))
	}
	var paths []string
	if s.ProgramDir != "" {
		paths = append(paths, quoteUnitWord(s.ProgramDir))
	}
	for _, p := range s.ReadWritePaths {
		paths = append(paths, quoteUnitWord(p))
	}
	var b bytes.Buffer
	err := unitTemplate.Execute(&b, map[string]any{
		"Name": s.Name, "Description": escapeSpecifiers(s.Description), "User": s.User,
		"ExecStart": strings.Join(words, " "), "ReadWritePaths": paths,
	})
	if err != nil {
		return "", fmt.Errorf("render unit: %w", err)
	}
	return b.String(), nil
}

// quoteUnitWord quotes one command-line word for a unit file: systemd
// expands % specifiers and $ variables, and splits on spaces.
func quoteUnitWord(w string) string {
	w = escapeSpecifiers(w)
	w = strings.ReplaceAll(w, "$", "$$")
	if w != "" && !strings.ContainsAny(w, " \t\"'\\;") {
		return w
	}
	w = strings.ReplaceAll(w, `\`, `\\`)
	w = strings.ReplaceAll(w, `"`, `\"`)
	return `"` + w + `"`
}

// escapeSpecifiers doubles % so systemd reads it literally.
func escapeSpecifiers(s string) string { return strings.ReplaceAll(s, "%", "%%") }
