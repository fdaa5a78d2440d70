package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/pantau-id/pantau/api"
)

const usersUsage = `Usage: pantau users <action> [flags]

Actions:
  add     create a web user: -email, -role, -office or -province, -password-file
  list    list web users with their role and scope
  demo    create one user per role for the demo offices (South Sulawesi),
          all with the password in -password-file; existing ones are kept

Roles: office_staff and city_official need -office; provincial_official needs
-province; national_operator and admin cover everything.

Run 'pantau users <action> -h' for its flags.
`

// runUsers manages the people who log in to the web pages.
func runUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usersUsage)
		return nil
	}
	actions := map[string]func(context.Context, *flag.FlagSet, *dbFlags, []string, io.Writer) error{
		"add":  usersAdd,
		"list": usersList,
		"demo": usersDemo,
	}
	action, ok := actions[args[0]]
	if !ok {
		fmt.Fprint(stderr, usersUsage)
		return fmt.Errorf("users: unknown action %q", args[0])
	}
	fs := flag.NewFlagSet("users "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var db dbFlags
	db.register(fs)
	return action(ctx, fs, &db, args[1:], stdout)
}

func usersAdd(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	email := fs.String("email", "", "login email (required)")
	name := fs.String("name", "", "full name, shown on pages")
	role := fs.String("role", "", "one of "+strings.Join(api.Roles, ", ")+" (required)")
	office := fs.String("office", "", "office code for office_staff and city_official, e.g. 73.71")
	province := fs.String("province", "", "province code for provincial_official, e.g. 73")
	passwordFile := fs.String("password-file", "", "file holding the password on its first line ('-' reads stdin); never a flag value, which other users of the machine can see (required)")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	if *passwordFile == "" {
		return errors.New("users add: -password-file is required")
	}
	password, err := readPassword(*passwordFile)
	if err != nil {
		return err
	}
	u, err := store.CreateUser(ctx, api.NewUser{Email: *email, Name: *name, Role: *role,
		OfficeCode: *office, ProvinceCode: *province, Password: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "user %d %s created: %s%s%s\n", u.ID, u.Email, u.Role, prefixIf(" office ", u.OfficeCode), prefixIf(" province ", u.ProvinceCode))
	return nil
}

func usersList(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	users, err := store.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tOFFICE\tPROVINCE\tDISABLED")
	for _, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%v\n", u.ID, u.Email, u.Role, u.OfficeCode, u.ProvinceCode, u.DisabledAt != nil)
	}
	return tw.Flush()
}

// demoUsers are one user per role and scope over the demo's South Sulawesi
// offices (Kota Makassar 73.71, Kota Parepare 73.72).
var demoUsers = []api.NewUser{
	{Email: "staf@makassar.demo", Name: "Staf Disdukcapil Makassar", Role: api.RoleOfficeStaff, OfficeCode: "73.71"},
	{Email: "kepala@makassar.demo", Name: "Kepala Dinas Makassar", Role: api.RoleCityOfficial, OfficeCode: "73.71"},
	{Email: "kepala@parepare.demo", Name: "Kepala Dinas Parepare", Role: api.RoleCityOfficial, OfficeCode: "73.72"},
	{Email: "biro@sulsel.demo", Name: "Pemerintah Provinsi Sulawesi Selatan", Role: api.RoleProvincialOfficial, ProvinceCode: "73"},
	{Email: "operator@kemendagri.demo", Name: "Operator Nasional", Role: api.RoleNationalOperator},
	{Email: "admin@pantau.demo", Name: "Admin Pantau", Role: api.RoleAdmin},
}

func usersDemo(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	passwordFile := fs.String("password-file", "", "file holding the demo users' password on its first line ('-' reads stdin) (required)")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	if *passwordFile == "" {
		return errors.New("users demo: -password-file is required")
	}
	password, err := readPassword(*passwordFile)
	if err != nil {
		return err
	}
	for _, nu := range demoUsers {
		nu.Password = password
		u, err := store.CreateUser(ctx, nu)
		switch {
		case api.ErrorCode(err) == api.EConflict:
			fmt.Fprintf(out, "%s exists already\n", nu.Email)
		case err != nil:
			return err
		default:
			fmt.Fprintf(out, "user %d %s created: %s%s%s\n", u.ID, u.Email, u.Role, prefixIf(" office ", u.OfficeCode), prefixIf(" province ", u.ProvinceCode))
		}
	}
	return nil
}

// readPassword reads the first line of path ("-": stdin).
func readPassword(path string) (string, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(os.Stdin, 4096))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

func prefixIf(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
