// Package migrations carries Pantau's schema as numbered goose SQL files,
// embedded so every binary migrates the database it talks to.
package migrations

import "embed"

// FS holds the *.sql migration files, applied in order by goose.
//
//go:embed *.sql
var FS embed.FS
