package pgrun

import (
	"fmt"
	"net/url"
	"strings"
)

// DatabaseURL returns the connection string conn with its database replaced
// by name, and everything else (user, password, hosts, parameters such as
// sslmode) kept as it was. conn is in URL form (postgres://…) or in
// keyword/value form (host=… user=…); the result is in the same form.
func DatabaseURL(conn, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("database url: empty database name")
	}
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		u, err := url.Parse(conn)
		if err != nil {
			return "", fmt.Errorf("database url: %w", err)
		}
		u.Path, u.RawPath = "/"+name, ""
		return u.String(), nil
	}
	// In keyword/value form a later keyword overrides an earlier one, for
	// libpq and pgx alike.
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "'"
	return strings.TrimSpace(conn + " dbname=" + quoted), nil
}
