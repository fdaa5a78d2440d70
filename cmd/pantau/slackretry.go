package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// adminSlackRetry puts Slack messages that gave up back in line: every one,
// or the one named by -office and -id; -list only shows them. A running
// server's sender picks them up (looking in Slack first for any that may
// have gone out).
func adminSlackRetry(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	list := fs.Bool("list", false, "only list the given-up messages")
	office := fs.String("office", "", "with -id: the message's office (its outbox key's office)")
	id := fs.Int64("id", 0, "retry only this message (from -list); default every given-up message")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	esc := store.Escalation()
	if *list {
		msgs, err := esc.GivenUp(ctx, 1000)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			fmt.Fprintln(out, "no given-up Slack messages")
			return nil
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "OFFICE\tID\tCHANNEL\tKIND\tATTEMPTS\tKEY\tLAST ERROR")
		for _, m := range msgs {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\t%s\n", m.OfficeCode, m.ID, m.Channel, m.Kind, m.Attempts, m.Key, m.LastError)
		}
		return tw.Flush()
	}
	if (*id == 0) != (*office == "") {
		return fmt.Errorf("-office and -id go together (or neither, for every given-up message)")
	}
	n, err := esc.Requeue(ctx, *office, *id, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d Slack message(s) back in line; a running server sends them\n", n)
	return nil
}
