package pgrun

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestDatabaseURLKeepsEverythingButTheDatabase(t *testing.T) {
	tests := []struct{ name, conn, want string }{
		{"url with password and parameters",
			"postgres://pantau:s%40cret@db.example:6432/postgres?sslmode=require&application_name=t",
			"postgres://pantau:s%40cret@db.example:6432/pantau_test_1?sslmode=require&application_name=t"},
		{"url without a database", "postgresql://postgres@127.0.0.1", "postgresql://postgres@127.0.0.1/pantau_test_1"},
		{"keyword/value", "host=127.0.0.1 user=pantau password='a b' dbname=postgres sslmode=disable",
			"host=127.0.0.1 user=pantau password='a b' dbname=postgres sslmode=disable dbname='pantau_test_1'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DatabaseURL(tc.conn, "pantau_test_1")
			if err != nil || got != tc.want {
				t.Fatalf("DatabaseURL: %q, %v; want %q", got, err, tc.want)
			}
			// What a driver reads from it: only the database differs.
			before, err := pgx.ParseConfig(tc.conn)
			if err != nil {
				t.Fatal(err)
			}
			after, err := pgx.ParseConfig(got)
			if err != nil {
				t.Fatal(err)
			}
			if after.Database != "pantau_test_1" || after.User != before.User || after.Password != before.Password ||
				after.Host != before.Host || after.Port != before.Port || after.TLSConfig == nil != (before.TLSConfig == nil) ||
				after.RuntimeParams["application_name"] != before.RuntimeParams["application_name"] {
				t.Fatalf("parsed %+v, want %+v with database pantau_test_1", after, before)
			}
		})
	}
	if _, err := DatabaseURL("postgres://%zz@host/db", "x"); err == nil {
		t.Errorf("a malformed url is accepted")
	}
	if _, err := DatabaseURL("postgres://h/db", ""); err == nil {
		t.Errorf("an empty name is accepted")
	}
}
