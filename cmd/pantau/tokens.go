package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantau-id/pantau/api"
)

// API tokens for scripts (migrations/00012_api_tokens.sql): made here or on
// the admin page, shown once, listed with their last use, revoked at once.

func adminAddToken(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	name := fs.String("name", "", "what the token is for, unique among live tokens, e.g. sensus-harian-7371 (required)")
	role := fs.String("role", "", "one of "+strings.Join(api.Roles, ", ")+" (required)")
	office := fs.String("office", "", "office code for office_staff and city_official, e.g. 73.71")
	province := fs.String("province", "", "province code for provincial_official, e.g. 73")
	by := fs.String("by", os.Getenv("USER"), "who made the token, for the record")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	t, token, err := store.CreateAPIToken(ctx, api.NewAPIToken{Name: *name, Role: *role,
		OfficeCode: *office, ProvinceCode: *province, CreatedBy: *by})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "API token %d %q created: %s%s%s\n", t.ID, t.Name, t.Role, prefixIf(" office ", t.OfficeCode), prefixIf(" province ", t.ProvinceCode))
	fmt.Fprintf(out, "token (shown once; send as 'Authorization: Bearer <token>'):\n%s\n", token)
	return nil
}

func adminListTokens(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	ts, err := store.APITokens(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLE\tSCOPE\tCREATED\tBY\tLAST USE\tSTATE")
	stamp := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	}
	for _, t := range ts {
		scope := t.OfficeCode + t.ProvinceCode
		if scope == "" {
			scope = "semua"
		}
		state := "live"
		if t.RevokedAt != nil {
			state = "revoked " + stamp(t.RevokedAt)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, scope, stamp(&t.CreatedAt), t.CreatedBy, stamp(t.LastUsedAt), state)
	}
	return w.Flush()
}

func adminRevokeToken(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	id := fs.String("id", "", "token id, from list-tokens (required)")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := strconv.ParseInt(*id, 10, 64)
	if err != nil {
		return fmt.Errorf("-id: %q is not a token id", *id)
	}
	if err := store.RevokeAPIToken(ctx, n, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(out, "API token %d revoked\n", n)
	return nil
}
