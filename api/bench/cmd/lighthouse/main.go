// Command lighthouse measures Pantau's pages with Lighthouse (mobile, the
// machine's Chromium): it starts `pantau demo` (the binary given with -bin)
// on a loopback port with its own data folder, cuts Kota Makassar's central
// link so the office page shows an open outage and its plan, logs in as the
// demo users and passes their session cookie to Lighthouse as an extra
// header. One line per page:
//
//	lighthouse: page=<name> perf=<n> a11y=<n>
//
// followed, with -v, by the audits that cost points. `make lighthouse`
// installs Lighthouse from npm into a local tools folder first.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/pantau-id/pantau/api/bench"
	"github.com/pantau-id/pantau/api/pgrun"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "lighthouse:", err)
		}
		stop()
		os.Exit(2)
	}
}

// page is one page measured, as the user who opens it.
type page struct {
	name, path, user string // user "" opens it without logging in
}

var pages = []page{
	{"office", "/offices/73.71", "staf@makassar.demo"},
	{"report", "/reports/offices/73.71", "staf@makassar.demo"},
	{"board", "/", "operator@kemendagri.demo"},
	{"login", "/login", ""},
	{"status", "/status/73.71", ""},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lighthouse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		bin      = fs.String("bin", "bin/pantau", "the pantau binary to run the demo with")
		lh       = fs.String("lighthouse", ".tools/lighthouse/node_modules/.bin/lighthouse", "the Lighthouse command")
		chromium = fs.String("chromium", "/usr/bin/chromium", "the Chromium Lighthouse drives")
		dir      = fs.String("dir", ".tools/lighthouse-run", "folder for the demo's data and the reports (<page>.json)")
		only     = fs.String("pages", "", "comma-separated page names to measure (default: all)")
		verbose  = fs.Bool("v", false, "list the audits that cost points")
	)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: lighthouse [flags]\n\nRuns Lighthouse (mobile) on the demo's pages: lighthouse: page= perf= a11y=\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("report folder: %w", err)
	}
	base, password, stopDemo, err := startDemo(ctx, *bin, filepath.Join(*dir, "demo"), stderr)
	if err != nil {
		return err
	}
	defer stopDemo()
	cut := exec.CommandContext(ctx, *bin, "demo", "cut", "-office", "73.71", "-data-dir", filepath.Join(*dir, "demo"))
	if out, err := cut.CombinedOutput(); err != nil {
		return fmt.Errorf("demo cut: %w: %s", err, out)
	}
	sessions := map[string]string{}
	for _, p := range pages {
		if p.user == "" || sessions[p.user] != "" {
			continue
		}
		if sessions[p.user], err = login(ctx, base, p.user, password); err != nil {
			return err
		}
	}
	// Wait (bounded) for the cut to be detected, so the office page shows
	// the outage and its plan as an official would see it.
	if err := waitDown(ctx, base, sessions["operator@kemendagri.demo"], "73.71", 3*time.Minute); err != nil {
		fmt.Fprintln(stderr, "lighthouse: measuring without a detected cut:", err)
	}
	for _, p := range pages {
		if *only != "" && !strings.Contains(","+*only+",", ","+p.name+",") {
			continue
		}
		report := filepath.Join(*dir, p.name+".json")
		if err := lighthouse(ctx, *lh, *chromium, base+p.path, sessions[p.user], report, stderr); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		res, err := readReport(report)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		fmt.Fprintf(stdout, "lighthouse: page=%s perf=%d a11y=%d\n", p.name, res.score("performance"), res.score("accessibility"))
		if *verbose {
			for _, line := range res.losses() {
				fmt.Fprintln(stdout, "  ", line)
			}
		}
	}
	return nil
}

// startDemo runs `pantau demo` until stopDemo; it returns the server's URL
// and the demo users' password, read from what the demo prints.
func startDemo(ctx context.Context, bin, dataDir string, stderr io.Writer) (string, string, func(), error) {
	addr, err := bench.FreeAddr()
	if err != nil {
		return "", "", nil, err
	}
	cmd := exec.Command(bin, "demo", "-addr", addr, "-data-dir", dataDir, "-interval", "5s")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", "", nil, fmt.Errorf("demo output: %w", err)
	}
	logf, err := os.Create(filepath.Join(filepath.Dir(dataDir), "demo.log"))
	if err != nil {
		return "", "", nil, fmt.Errorf("demo log: %w", err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return "", "", nil, fmt.Errorf("start demo: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		stopCluster(filepath.Join(dataDir, "postgres"), stderr)
	}
	type started struct{ url, password string }
	got := make(chan started, 1)
	go func() {
		var s started
		pw := regexp.MustCompile(`Log in with password (\S+) as`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if m := pw.FindStringSubmatch(line); m != nil {
				s.password = m[1]
			}
			if u, ok := strings.CutPrefix(line, "Pantau is running: "); ok {
				s.url = strings.TrimSpace(u)
				got <- s
			}
		}
		close(got)
	}()
	timer := time.NewTimer(5 * time.Minute) // a first run starts PostgreSQL and imports 514 offices
	defer timer.Stop()
	select {
	case s, ok := <-got:
		if !ok || s.password == "" {
			stop()
			return "", "", nil, fmt.Errorf("demo stopped before it was ready (see %s)", logf.Name())
		}
		fmt.Fprintf(stderr, "lighthouse: demo on %s\n", s.url)
		return s.url, s.password, stop, nil
	case <-timer.C:
		stop()
		return "", "", nil, errors.New("demo not ready within 5 minutes")
	case <-ctx.Done():
		stop()
		return "", "", nil, ctx.Err()
	}
}

// login posts the login form as a browser would (its double-submit token
// from the form's cookie) and returns the session cookie, name=value.
func login(ctx context.Context, base, email, password string) (string, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("login form: %w", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return "", errors.New("login form has no csrf field")
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf": {string(m[1])}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err = client.Do(req); err != nil {
		return "", fmt.Errorf("log in as %s: %w", email, err)
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	for _, c := range jar.Cookies(u) {
		if c.Name == "pantau_session" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("log in as %s: no session (status %d)", email, resp.StatusCode)
}

// waitDown polls the board until office is down, within limit.
func waitDown(ctx context.Context, base, cookie, office string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/board", nil)
		req.Header.Set("Cookie", cookie)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var b struct {
				Offices []struct{ Code, State string } `json:"offices"`
			}
			decodeErr := json.NewDecoder(resp.Body).Decode(&b)
			resp.Body.Close()
			if decodeErr != nil {
				b.Offices = nil // a half-read board says nothing; poll again
			}
			for _, o := range b.Offices {
				if o.Code == office && o.State == "down" {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(3 * time.Second):
		}
	}
	return fmt.Errorf("%s not down after %v", office, limit)
}

// lighthouse runs one measurement into report (JSON).
func lighthouse(ctx context.Context, lh, chromium, pageURL, cookie, report string, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	args := []string{pageURL, "--quiet", "--output=json", "--output-path=" + report,
		"--only-categories=performance,accessibility", "--chrome-flags=--headless=new --no-sandbox"}
	if cookie != "" {
		h, _ := json.Marshal(map[string]string{"Cookie": cookie})
		args = append(args, "--extra-headers="+string(h))
	}
	cmd := exec.CommandContext(ctx, lh, args...)
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chromium)
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("run %s: %w", lh, err)
	}
	return nil
}

// result is the part of a Lighthouse report read here.
type result struct {
	Categories map[string]struct {
		Score     *float64 `json:"score"`
		AuditRefs []struct {
			ID     string  `json:"id"`
			Weight float64 `json:"weight"`
		} `json:"auditRefs"`
	} `json:"categories"`
	Audits map[string]struct {
		Title        string   `json:"title"`
		Score        *float64 `json:"score"`
		DisplayValue string   `json:"displayValue"`
	} `json:"audits"`
}

func readReport(path string) (result, error) {
	var r result
	b, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("read report: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("read report %s: %w", path, err)
	}
	return r, nil
}

// score is a category's score out of 100, -1 when Lighthouse gave none.
func (r result) score(cat string) int {
	c, ok := r.Categories[cat]
	if !ok || c.Score == nil {
		return -1
	}
	return int(*c.Score*100 + 0.5)
}

// losses lists the weighted audits below full marks, worst first.
func (r result) losses() []string {
	type loss struct {
		line string
		lost float64
	}
	var ls []loss
	for cat, c := range r.Categories {
		for _, ref := range c.AuditRefs {
			a, ok := r.Audits[ref.ID]
			if !ok || a.Score == nil || *a.Score >= 1 || ref.Weight == 0 {
				continue
			}
			ls = append(ls, loss{fmt.Sprintf("%s %s: %.2f %s (%s)", cat, ref.ID, *a.Score, a.DisplayValue, a.Title), ref.Weight * (1 - *a.Score)})
		}
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].lost > ls[j].lost })
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.line
	}
	return out
}

// stopCluster stops the private PostgreSQL the demo started in dir (the
// demo leaves it running for the next command; a measurement should not).
func stopCluster(dir string, stderr io.Writer) {
	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		return // the demo used a database of its own
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgrun.Start(ctx, pgrun.Config{Dir: dir}) // finds the running cluster
	if err == nil {
		err = c.Stop(ctx)
	}
	if err != nil {
		fmt.Fprintln(stderr, "lighthouse: stop the demo's PostgreSQL:", err)
	}
}
