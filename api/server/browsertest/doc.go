// Package browsertest drives Pantau's web pages in real headless Chromium
// (chromedp): it logs in as each role, opens each page, checks that the
// charts rendered with data, that no JavaScript error reached the console,
// that the status board refreshes itself, that scope holds in the browser
// too, and that a form without its CSRF token is refused. Screenshots of
// every page go to testoutput/ at the repository root.
//
// The package has only tests; it is separate so that the browser's start-up
// cost is paid once, and so that `go test ./api/server` needs no browser.
package browsertest
