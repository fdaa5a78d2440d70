package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// ClientAddr is the address a throttle keys on: the peer's, unless the peer
// is one of Config.TrustedProxies, in which case the nearest address in
// X-Forwarded-For that is not a trusted proxy. Anyone can write the header;
// only a trusted proxy's word is taken, so behind a reverse proxy the
// offices are told apart, and without one nobody picks their own key.
func (g *Guard) ClientAddr(c *gin.Context) string {
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		host = c.Request.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !g.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(c.Request.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a hop that is not an address: stop at the last one known
		}
		peer = a.Unmap()
		if !g.trusted(peer) {
			break
		}
	}
	return peer.String()
}

func (g *Guard) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range g.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseProxies reads -trusted-proxies: comma-separated addresses or CIDR
// prefixes (127.0.0.1,10.0.0.0/8).
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// loginTokenTTL is how long a login form's CSRF token is taken.
const loginTokenTTL = time.Hour

// NewLoginToken makes the login form's double-submit token: random bytes
// and an expiry, signed with the guard's key. Only tokens this server made
// pass (a cookie and field an attacker picks themselves do not), so a
// flood of logins must first fetch the form for each token's hour.
func (g *Guard) NewLoginToken() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	body := base64.RawURLEncoding.EncodeToString(b) + "." + strconv.FormatInt(g.now().Add(loginTokenTTL).Unix(), 10)
	return body + "." + g.sign(body), nil
}

// ValidLoginToken says whether tok is a login token this guard made that
// has not expired.
func (g *Guard) ValidLoginToken(tok string) bool {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return false
	}
	body, mac := tok[:i], tok[i+1:]
	if !hmac.Equal([]byte(mac), []byte(g.sign(body))) {
		return false
	}
	_, exp, _ := strings.Cut(body, ".")
	unix, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && g.now().Unix() < unix
}

func (g *Guard) sign(body string) string {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// LocalPath returns next when it is a path on this site, else "/". It is
// parsed, not matched: one leading slash, no scheme, host or user, and no
// backslash or control character anywhere (browsers drop a tab or newline
// and read "/\t/evil.example" as //evil.example).
func LocalPath(next string) string {
	if len(next) > 2048 || !utf8.ValidString(next) || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}
