//go:build !unix

package pgtest

// lockFile is a no-op where flock is missing: run such tests with -p 1 or
// PANTAU_TEST_DATABASE_URL.
func lockFile(string) (func(), error) { return func() {}, nil }
