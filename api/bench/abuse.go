package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/probe"
)

// Abuse is `make abuse`: a hostile but realistic user against a running
// server (issue 13). It counts every request, every 5xx, and every leak (a
// success outside the caller's scope, a redirect off the site, /metrics
// without its token, a series grown by made-up methods), and samples the
// server's RSS.
type Abuse struct {
	Base        string // http://host:port of the server
	PID         int    // the server's process, for its RSS
	Store       *postgres.Store
	MetricsTok  string // the server's -metrics-token
	Log         io.Writer
	requests    atomic.Int64
	status5xx   atomic.Int64
	leaks       atomic.Int64
	client      *http.Client
	sessions    map[string]string // role key → session cookie
	csrf        map[string]string
	tokens      map[string]string // role key → API token
	probeToken  string
	idleKB      int64
	loginPeakKB int64
}

// AbuseResult is the last line's figures.
type AbuseResult struct {
	Requests, Status5xx, Leaks int64
	LoginPeakRSSMB             int64 // peak RSS during the login flood above idle
}

// Line is `abuse: requests=<n> status_5xx=<n> leaks=<n> login_peak_rss_mb=<n>`.
func (r AbuseResult) Line() string {
	return fmt.Sprintf("abuse: requests=%d status_5xx=%d leaks=%d login_peak_rss_mb=%d", r.Requests, r.Status5xx, r.Leaks, r.LoginPeakRSSMB)
}

// abuseRoles are the callers: one per role and scope; office 76.01 and
// province 76 are outside every scoped one.
var abuseRoles = map[string]api.NewUser{
	"staff71":  {Role: api.RoleOfficeStaff, OfficeCode: "73.71"},
	"city71":   {Role: api.RoleCityOfficial, OfficeCode: "73.71"},
	"prov73":   {Role: api.RoleProvincialOfficial, ProvinceCode: "73"},
	"national": {Role: api.RoleNationalOperator},
	"admin":    {Role: api.RoleAdmin},
}

// AbusePassword is every seeded user's password.
const AbusePassword = "kata-sandi-abuse-1"

// Seed writes regions, targets, a probe, one user and one API token per
// role, and a session per role.
func (a *Abuse) Seed(ctx context.Context) error {
	err := a.Store.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"},
		{Code: "76", Name: "Sulawesi Barat", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
			{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
			{Code: "76.01", Name: "Kabupaten Majene", ProvinceCode: "76", Kind: "kabupaten", TZ: "Asia/Makassar"}}, nil)
	if err != nil {
		return err
	}
	for _, o := range []string{"73.71", "73.72", "76.01"} {
		spec := probe.Target{Name: "central-" + o, Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:1"}
		if _, err := a.Store.CreateTarget(ctx, api.Target{OfficeCode: o, Spec: spec}); err != nil {
			return err
		}
	}
	if _, a.probeToken, err = a.Store.CreateProbe(ctx, "73.71", "abuse"); err != nil {
		return err
	}
	a.sessions, a.csrf, a.tokens = map[string]string{}, map[string]string{}, map[string]string{}
	for key, nu := range abuseRoles {
		nu.Email, nu.Password = key+"@abuse.test", AbusePassword
		u, err := a.Store.CreateUser(ctx, nu)
		if err != nil {
			return fmt.Errorf("user %s: %w", key, err)
		}
		tok, sess, err := a.Store.CreateSession(ctx, u, time.Now(), 2*time.Hour)
		if err != nil {
			return err
		}
		a.sessions[key], a.csrf[key] = tok, sess.CSRFToken
		_, at, err := a.Store.CreateAPIToken(ctx, api.NewAPIToken{Name: "abuse-" + key, Role: nu.Role, OfficeCode: nu.OfficeCode, ProvinceCode: nu.ProvinceCode})
		if err != nil {
			return err
		}
		a.tokens[key] = at
	}
	return nil
}

// Run drives every phase and returns the figures.
func (a *Abuse) Run(ctx context.Context) (AbuseResult, error) {
	a.client = &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	for range 5 {
		kb, err := ReadRSS(a.PID)
		if err != nil {
			return AbuseResult{}, err
		}
		a.idleKB = max(a.idleKB, kb)
		time.Sleep(100 * time.Millisecond)
	}
	// Routes as the server's own table has them (built in-process, never
	// served): the matrix covers every one.
	reg := prometheus.NewRegistry()
	routes := server.New(server.Config{}, a.Store, slog.New(slog.DiscardHandler), reg, reg).Routes()
	phases := []struct {
		name string
		run  func(context.Context, [][2]string) error
	}{
		// The logins first, right after the idle RSS: later phases (the
		// intake flood's megabyte files) leave heap the runtime returns to
		// the system only slowly, which would be counted against logins.
		{"100 concurrent logins", a.loginFlood},
		{"open redirects", a.openRedirects},
		{"scope matrix", a.scopeMatrix},
		{"bad bytes", a.badBytes},
		{"intake flood", a.intakeFlood},
		{"method spam", a.methodSpam},
	}
	for _, ph := range phases {
		start, before := time.Now(), a.requests.Load()
		if err := ph.run(ctx, routes); err != nil {
			return AbuseResult{}, fmt.Errorf("%s: %w", ph.name, err)
		}
		fmt.Fprintf(a.Log, "abuse: %-22s %6d requests in %s; so far 5xx=%d leaks=%d\n", ph.name, a.requests.Load()-before,
			time.Since(start).Round(time.Millisecond), a.status5xx.Load(), a.leaks.Load())
	}
	return AbuseResult{Requests: a.requests.Load(), Status5xx: a.status5xx.Load(), Leaks: a.leaks.Load(),
		LoginPeakRSSMB: max(0, a.loginPeakKB-a.idleKB) / 1024}, nil
}

// req is one request's shape; send counts it.
type req struct {
	method, path, ctype, body string
	header                    map[string]string
	who                       string // role key: session cookie (and CSRF); "tok:"+key: API token
}

func (a *Abuse) send(ctx context.Context, r req) (int, http.Header, string, error) {
	hr, err := http.NewRequestWithContext(ctx, r.method, a.Base+r.path, strings.NewReader(r.body))
	if err != nil {
		return 0, nil, "", err
	}
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if key, ok := strings.CutPrefix(r.who, "tok:"); ok {
		hr.Header.Set("Authorization", "Bearer "+a.tokens[key])
	} else if r.who != "" {
		hr.AddCookie(&http.Cookie{Name: "pantau_session", Value: a.sessions[r.who]})
		hr.Header.Set("X-CSRF-Token", a.csrf[r.who])
	}
	resp, err := a.client.Do(hr)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	a.requests.Add(1)
	if resp.StatusCode >= 500 {
		a.status5xx.Add(1)
		fmt.Fprintf(a.Log, "abuse: 5xx: %s %q as %q: %d %.200s\n", r.method, r.path, r.who, resp.StatusCode, b)
	}
	return resp.StatusCode, resp.Header, string(b), nil
}

func (a *Abuse) leak(format string, args ...any) {
	a.leaks.Add(1)
	fmt.Fprintf(a.Log, "abuse: LEAK: "+format+"\n", args...)
}

// fill puts values into a route template: the office, province, ids.
func fill(tpl, office, province string) string {
	parts := strings.Split(tpl, "/")
	for i, p := range parts {
		switch p {
		case ":code", ":office", ":ref":
			parts[i] = office
			if strings.HasPrefix(tpl, "/api/v1/provinces/") || strings.HasPrefix(tpl, "/provinces/") || strings.HasPrefix(tpl, "/reports/provinces/") {
				parts[i] = province
			}
		case ":id":
			parts[i] = "1"
		case ":kind":
			parts[i] = "office"
		case ":month":
			parts[i] = "2026-11"
		case ":format":
			parts[i] = "csv"
		case "*filepath":
			parts[i] = "app.css"
		}
	}
	return strings.Join(parts, "/")
}

// public routes show what anyone may see; they are not scope-checked.
var publicRoute = regexp.MustCompile(`^/(healthz|readyz|metrics|login|logout|status/|static/|api/v1/(results|probe/config|enrol)$)`)

// scopeMatrix: every route as every role, by cookie and by token, at the
// caller's own office and province and at ones outside its scope; a 2xx
// outside the scope, or a body naming the other office, is a leak.
func (a *Abuse) scopeMatrix(ctx context.Context, routes [][2]string) error {
	outside := map[string]bool{"staff71": true, "city71": true, "prov73": true}
	codes := [][2]string{{"73.71", "73"}, {"76.01", "76"}, {"73.72", "73"}, {"99.99", "99"}, {"73.71%2F..", "7"}}
	for _, rt := range routes {
		if publicRoute.MatchString(rt[1]) {
			continue
		}
		for key := range abuseRoles {
			for _, who := range []string{key, "tok:" + key} {
				for _, cp := range codes {
					p := fill(rt[1], cp[0], cp[1])
					q := "?office=" + cp[0] + "&province=" + cp[1]
					r := req{method: rt[0], path: p + q, who: who}
					if rt[0] != http.MethodGet {
						r.ctype, r.body = "application/json", `{"intake":[{"date":"2026-11-30","type":"KK","received":1}],"overrides":[]}`
					}
					st, _, body, err := a.send(ctx, r)
					if err != nil {
						return err
					}
					foreign := cp[0] == "76.01" && outside[key] || cp[0] == "73.72" && (key == "staff71" || key == "city71")
					if foreign && st/100 == 2 && strings.Contains(rt[1], ":") {
						a.leak("%s %s as %s: %d for %s", rt[0], p, who, st, cp[0])
					}
					if outside[key] && st/100 == 2 && strings.Contains(body, "76.01") {
						a.leak("%s %s as %s: body names 76.01", rt[0], p+q, who)
					}
				}
			}
		}
	}
	return nil
}

// badBytes: every route, anonymous and as an admin, with a NUL or invalid
// UTF-8 byte in each place a caller controls; anything but a 4xx counts.
func (a *Abuse) badBytes(ctx context.Context, routes [][2]string) error {
	type variant struct {
		path   func(string) string
		header map[string]string
		form   string
	}
	withParam := func(raw string) func(string) string {
		return func(tpl string) string {
			if !strings.Contains(tpl, ":") && !strings.Contains(tpl, "*") {
				return ""
			}
			parts := strings.Split(tpl, "/")
			for i, p := range parts {
				if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
					parts[i] = raw
					break
				}
			}
			return fill(strings.Join(parts, "/"), "73.71", "73")
		}
	}
	plain := func(q string) func(string) string {
		return func(tpl string) string { return fill(tpl, "73.71", "73") + q }
	}
	variants := []variant{
		{path: withParam("%00")}, {path: withParam("%FF")}, {path: withParam("73.71%C0%AF")},
		{path: plain("?office=%00")}, {path: plain("?province=%FF")}, {path: plain("?to=0001-01-01")},
		{path: plain("?from=0001-01-01&to=9999-12-31")}, {path: plain("?lang=%FF")},
		{path: plain(""), header: map[string]string{"Authorization": "Bearer pt_73.71_1_\xff"}},
		{path: plain(""), header: map[string]string{"Authorization": "Bearer pat_1_\xff\xfe"}},
		{path: plain(""), header: map[string]string{"X-Forwarded-For": "\xff"}},
		{path: plain(""), form: "email=%00&password=x&csrf=%FF"},
		{path: plain(""), form: "reason=%FF%FE&office=%00"},
	}
	for _, rt := range routes {
		for _, v := range variants {
			p := v.path(rt[1])
			if p == "" {
				continue
			}
			for _, who := range []string{"", "admin"} {
				r := req{method: rt[0], path: p, header: v.header, who: who}
				if v.form != "" {
					r.ctype, r.body = "application/x-www-form-urlencoded", v.form
				}
				if _, _, _, err := a.send(ctx, r); err != nil {
					return err
				}
			}
		}
	}
	// Ingest: a result whose detail and agent version hold a NUL; the
	// batch may be refused or the item alone, never a 500.
	batch := `{"agent":{"version":"1.0\u0000","os":"linux","arch":"amd64"},"results":[{"seq":1,"target":"central-73.71","observed_at":"` +
		time.Now().UTC().Format(time.RFC3339) + `","ok":false,"failure":"connect","detail":"a\u0000b","latency_ms":1}]}`
	_, _, _, err := a.send(ctx, req{method: http.MethodPost, path: "/api/v1/results", ctype: "application/json", body: batch,
		header: map[string]string{"Authorization": "Bearer " + a.probeToken}})
	return err
}

// intakeFlood: intake uploads by token from ten scripts at once: a day's
// JSON, a file of bad lines, an oversized file. An oversized upload may see
// its connection closed before it finished sending: that is the server
// refusing it, not a failure.
func (a *Abuse) intakeFlood(ctx context.Context, _ [][2]string) error {
	bad := strings.Repeat("x,,y\n", 1<<20/5)
	huge := strings.Repeat("2026-11-30,KK,1\n", 10<<20/16)
	day := `{"intake":[{"date":"2026-11-30","type":"KK","received":12}]}`
	var (
		wg     sync.WaitGroup
		errMu  sync.Mutex
		first  error
		slowMu sync.Mutex
		slow   = map[int]time.Duration{}
	)
	for w := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				kind := (w + i) % 3
				r := req{method: http.MethodPost, path: "/api/v1/offices/73.71/intake", ctype: "application/json", body: day, who: "tok:staff71"}
				switch kind {
				case 1:
					r.path, r.ctype, r.body = "/api/v1/offices/73.71/intake/csv", "text/csv", bad
				case 2:
					r.path, r.ctype, r.body = "/api/v1/offices/73.71/intake/csv", "text/csv", huge
				}
				start := time.Now()
				st, _, body, err := a.send(ctx, r)
				slowMu.Lock()
				slow[kind] = max(slow[kind], time.Since(start))
				slowMu.Unlock()
				switch {
				case err != nil && kind == 2:
					a.requests.Add(1) // cut off while sending: refused
				case err != nil:
					errMu.Lock()
					first = cmp.Or(first, err)
					errMu.Unlock()
					return
				case kind == 0 && st != http.StatusOK:
					a.leak("a day's intake by token: %d %.200s", st, body)
				case kind == 1 && (st != http.StatusBadRequest || len(body) > 64<<10):
					a.leak("bad intake file: %d with %d bytes of answer", st, len(body))
				case kind == 2 && st != http.StatusRequestEntityTooLarge:
					a.leak("10 MB intake file: %d, want 413", st)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(a.Log, "abuse: slowest intake answers: json %s, bad file %s, oversized %s\n", slow[0].Round(time.Millisecond),
		slow[1].Round(time.Millisecond), slow[2].Round(time.Millisecond))
	return first
}

// methodSpam: 2,000 made-up methods; /metrics must not grow with them and
// must not answer without its token.
func (a *Abuse) methodSpam(ctx context.Context, _ [][2]string) error {
	lines := func() (int, error) {
		st, _, body, err := a.send(ctx, req{method: http.MethodGet, path: "/metrics", header: map[string]string{"Authorization": "Bearer " + a.MetricsTok}})
		if err != nil || st != http.StatusOK {
			return 0, fmt.Errorf("metrics with the token: %d %v", st, err)
		}
		return strings.Count(body, "\n"), nil
	}
	before, err := lines()
	if err != nil {
		return err
	}
	for i := range 2000 {
		if _, _, _, err := a.send(ctx, req{method: fmt.Sprintf("M%04dX", i), path: "/api/v1/offices"}); err != nil {
			return err
		}
	}
	after, err := lines()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Log, "abuse: /metrics %d lines before 2000 made-up methods, %d after\n", before, after)
	if after-before > 100 {
		a.leak("/metrics grew by %d lines with made-up methods", after-before)
	}
	if st, _, _, err := a.send(ctx, req{method: http.MethodGet, path: "/metrics"}); err != nil || st/100 == 2 {
		a.leak("/metrics without its token: %d (%v)", st, err)
	}
	return nil
}

// openRedirects: real logins with hostile next values; the Location must
// be a path on the site.
func (a *Abuse) openRedirects(ctx context.Context, _ [][2]string) error {
	for i, next := range []string{"/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
		"https://evil.example", "http:evil.example", "javascript:alert(1)", "/%0d%0aSet-Cookie:x=1", "/\r\nLocation: //evil.example",
		"//%2F%2Fevil.example", "/.//evil.example", " //evil.example", "/\x00/evil", "\xff//evil"} {
		jar, _ := cookiejar.New(nil)
		c := *a.client
		c.Jar = jar
		token, err := a.loginToken(ctx, &c, fmt.Sprintf("10.77.0.%d", i+1))
		if err != nil {
			return err
		}
		form := url.Values{"csrf": {token}, "email": {"admin@abuse.test"}, "password": {AbusePassword}, "next": {next}}
		hr, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.Base+"/login", strings.NewReader(form.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		hr.Header.Set("X-Forwarded-For", fmt.Sprintf("10.77.0.%d", i+1))
		resp, err := c.Do(hr)
		if err != nil {
			return err
		}
		resp.Body.Close()
		a.requests.Add(1)
		if resp.StatusCode >= 500 {
			a.status5xx.Add(1)
		}
		loc := resp.Header.Get("Location")
		u, perr := url.Parse(loc)
		if loc != "" && (perr != nil || u.Host != "" || u.Scheme != "" || strings.HasPrefix(loc, "//") ||
			strings.ContainsAny(loc, "\\\t\r\n") || !strings.HasPrefix(loc, "/")) {
			a.leak("next %q redirected to %q", next, loc)
		}
	}
	return nil
}

// loginToken fetches the login form (its cookie lands in c's jar) and
// returns its CSRF token.
func (a *Abuse) loginToken(ctx context.Context, c *http.Client, xff string) (string, error) {
	hr, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.Base+"/login", nil)
	hr.Header.Set("X-Forwarded-For", xff)
	resp, err := c.Do(hr)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a.requests.Add(1)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("no CSRF token on the login form (%d)", resp.StatusCode)
	}
	return string(m[1]), nil
}

// loginFlood: 100 clients at once (distinct addresses through the trusted
// proxy, distinct and unknown accounts, so no throttle spares the server
// the hashing), three rounds, sampling RSS throughout.
func (a *Abuse) loginFlood(ctx context.Context, _ [][2]string) error {
	stop := make(chan struct{})
	var peak atomic.Int64
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if kb, err := ReadRSS(a.PID); err == nil && kb > peak.Load() {
					peak.Store(kb)
				}
			}
		}
	}()
	defer func() { close(stop); a.loginPeakKB = peak.Load() }()
	statuses := map[int]int{}
	var mu sync.Mutex
	for round := range 3 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				xff := fmt.Sprintf("10.%d.%d.%d", 100+round, i/250, i%250+1)
				jar, _ := cookiejar.New(nil)
				c := *a.client
				c.Jar = jar
				token, err := a.loginToken(ctx, &c, xff)
				if err != nil {
					return
				}
				<-start
				email := fmt.Sprintf("nobody%d-%d@abuse.test", round, i)
				if i%10 == 0 {
					email = "admin@abuse.test"
				}
				form := url.Values{"csrf": {token}, "email": {email}, "password": {"salah-salah-salah"}}
				hr, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.Base+"/login", strings.NewReader(form.Encode()))
				hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				hr.Header.Set("X-Forwarded-For", xff)
				resp, err := c.Do(hr)
				if err != nil {
					return
				}
				resp.Body.Close()
				a.requests.Add(1)
				if resp.StatusCode >= 500 {
					a.status5xx.Add(1)
				}
				if resp.StatusCode == http.StatusSeeOther {
					a.leak("a wrong password logged in")
				}
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			}()
		}
		time.Sleep(200 * time.Millisecond) // every form fetched first
		close(start)
		wg.Wait()
	}
	fmt.Fprintf(a.Log, "abuse: login statuses %v; idle RSS %d MB, peak %d MB\n", statuses, a.idleKB/1024, peak.Load()/1024)
	return nil
}
