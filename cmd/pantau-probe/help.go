package main

// usage is the top-level help for goos: the install steps differ.
func usage(goos string) string {
	steps := `Installing at an office (docs/install-office.md), in one step:
  sudo ./pantau-probe setup            (asks for the server and the one-time code)
or step by step:
  sudo pantau-probe enrol --server URL --code CODE
  sudo pantau-probe check
  sudo pantau-probe install
`
	if goos == "windows" {
		steps = `Installing at an office (docs/install-office.md), in one step: double-click
pantau-probe.exe (or run pantau-probe.exe setup) and accept the Administrator
prompt; it asks for the server and the one-time code. Step by step, from an
Administrator prompt:
  pantau-probe.exe enrol --server URL --code CODE
  pantau-probe.exe check
  pantau-probe.exe install
Needs Windows 10, Windows 11 or Windows Server 2016 or later.
`
	}
	return usageHead + steps + usageBody
}

// usageHead opens the help.
const usageHead = `pantau-probe measures the link between this office and the central
registry and delivers every result to the Pantau server, keeping them on
disk through any outage.

`

// usageBody lists the commands and the config.
const usageBody = `
Usage:
  pantau-probe [run] [--config FILE]   run the agent (the default command)
  pantau-probe setup [--server URL] [--code CODE]
                                       all of the below in one step, for the office (as admin/root)
  pantau-probe check [--config FILE]   ask the server, check every target once, print a table
  pantau-probe enrol --server URL --code CODE
                                       trade a one-time code for this probe's credential
  pantau-probe install [--dry-run]     install as a service (systemd, Windows service manager)
  pantau-probe uninstall               remove the service (spool and credential stay)
  pantau-probe fix-permissions         make the agent's folders writable only by administrators
                                       (run refuses to start while others may change them)
  pantau-probe version                 print the version
  pantau-probe COMMAND -h              help for one command

` + configHelp

// configHelp describes the config file and environment; every command's
// help ends with it.
const configHelp = `Config file (YAML; default /etc/pantau-probe/config.yaml, on Windows
%ProgramData%\pantau-probe\config.yaml, or $PANTAU_PROBE_CONFIG). An enrolled probe
needs none: the default file may be missing, and then every key takes its default.

  credential_file: /etc/pantau-probe/credential.json  # written by enrol: server and token,
                                         #   used when server/token below are not set
                                         #   (Windows: %ProgramData%\pantau-probe\credential.json)
  server: https://pantau.example.go.id   # Pantau server base URL (default: the credential's)
  token: "..."                           # this probe's token (default: the credential's) ...
  token_file: /etc/pantau-probe/token    # ... or a file holding it (not both)
  targets_source: server                 # where targets and interval come from: server (fetched
                                         #   and followed) or local (the targets below). Default:
                                         #   local when targets are listed here, else server
  config_poll: 1m                        # how often to ask the server for changes (default 1m)
  config_cache: /var/lib/pantau-probe/config-cache.json  # last good configuration from the
                                         #   server, used when it cannot be reached (default:
                                         #   config-cache.json next to spool_dir)
  interval: 30s                          # local source: time between two checks of a target
                                         #   (default 30s, min 10ms); server source: the server's
  timeout: 10s                           # default time limit of one check (default 10s)
  spool_dir: /var/lib/pantau-probe/spool # where results wait for delivery (default per OS:
                                         #   Linux /var/lib/pantau-probe/spool,
                                         #   Windows %ProgramData%\pantau-probe\spool,
                                         #   macOS /Library/Application Support/pantau-probe/spool)
  spool_max_bytes: 67108864              # spool bound; oldest results are dropped past it (default 64 MiB, min 1 MiB)
  batch_size: 500                        # most results per upload (default 500, max 5000)
  upload_delay: 1s                       # how long new results gather before an upload (default 1s, 0s-1m)
  log_level: info                        # debug, info, warn or error (default info)
  update_trial: 5m                       # self-update: how long a new version has to reach the
                                         #   server before the old one is restored (default 5m, min 1s)
  targets:                               # local source: at least one; names unique
    - name: siak-central                 # how results name the target
      kind: central                      # central (the registry) or internet (a reference)
      check: http                        # tcp, http, tls, dns or icmp (HTTPS: check http, https:// URL)
      address: https://siak.example/     # tcp, tls: host:port; http: URL; dns, icmp: host name
      expect_status: 200                 # http: status that counts as up (default any 200-399)
      body_contains: "OK"                # http: text the body must contain (optional)
      timeout: 5s                        # this target's time limit (default: timeout above)
      dns_server: 10.0.0.53:53           # dns: resolver to ask (default: the system's)
      tls_ca_file: /etc/pantau-probe/ca.pem  # tls, http: trust these CAs instead of the system's
      tls_insecure_skip_verify: false    # tls, http: do not verify the certificate (test set-ups only)

Environment (overrides the file): PANTAU_PROBE_SERVER, PANTAU_PROBE_TOKEN,
PANTAU_PROBE_TOKEN_FILE, PANTAU_PROBE_INTERVAL, PANTAU_PROBE_TIMEOUT,
PANTAU_PROBE_SPOOL_DIR, PANTAU_PROBE_SPOOL_MAX_BYTES, PANTAU_PROBE_BATCH_SIZE,
PANTAU_PROBE_UPLOAD_DELAY, PANTAU_PROBE_TARGETS_SOURCE, PANTAU_PROBE_CONFIG_POLL,
PANTAU_PROBE_CONFIG_CACHE, PANTAU_PROBE_CREDENTIAL_FILE, PANTAU_PROBE_UPDATE_TRIAL,
PANTAU_PROBE_LOG_LEVEL, PANTAU_PROBE_CONFIG (the config file path).

ICMP needs root/CAP_NET_RAW (Administrator on Windows) or, on Linux,
unprivileged ping sockets: sysctl -w net.ipv4.ping_group_range="0 2147483647".
`
