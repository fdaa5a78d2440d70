package escalate

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The child process: a sender, the server's only part that talks to Slack,
// run from this test binary so the parent can kill it with SIGKILL.
const (
	childEnv      = "PANTAU_ESCALATE_CHILD" // "run" (until killed) or "drain" (until the outbox is empty)
	childDBEnv    = "PANTAU_ESCALATE_DB"
	childSlackEnv = "PANTAU_ESCALATE_SLACK"
)

// TestSenderChildProcess is not a test: it is the child's main.
func TestSenderChildProcess(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("runs only as the child of TestRestartBetweenOutboxAndSendPostsExactlyOnce")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv(childDBEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := NewSender(escStore(pool), Config{Token: "xoxb-child", APIURL: os.Getenv(childSlackEnv),
		// The parent kills the first process well inside RequestTimeout;
		// the lease is then the least allowed, RequestTimeout+1s.
		PollInterval: 20 * time.Millisecond, Lease: time.Second, RequestTimeout: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if mode == "run" {
		s.Start(ctx) // until SIGKILL
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := s.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		counts, err := escStore(pool).OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["pending"]+counts["sending"] == 0 {
			return
		}
		// Polling is the child's job, as Start's ticker: the parent never sleeps.
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("outbox not drained in 30 s")
}

// TestRestartBetweenOutboxAndSendPostsExactlyOnce kills the sending process
// (SIGKILL, no cleanup) while its chat.postMessage is in flight, in the two
// cases that matter: Slack had already accepted the post, or had not. A new
// process then drains the outbox. Either way exactly one message is in
// Slack and the outbox row holds its ts.
func TestRestartBetweenOutboxAndSendPostsExactlyOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		accept bool
	}{
		{"killed after slack accepted the post", true},
		{"killed before slack accepted the post", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, url := mustDBURL(t)
			f := newFakeSlack(t)
			esc := New(escStore(pool), Options{Logger: quietLogger()})
			mustObserve(t, pool, esc, openEvent(1, time.Now().Add(-time.Minute), officeMakassar))
			f.fail("chat.postMessage", fault{hang: true, accept: tc.accept})

			first, out1 := startChild(t, "run", url, f.URL())
			f.waitFor(t, "the first process's post", func(f *fakeSlack) bool {
				for _, c := range f.calls {
					if c == "chat.postMessage" {
						return true
					}
				}
				return false
			})
			if st, _ := outboxStatus(t, pool, openKeyMKS); st != "sending" {
				t.Fatalf("row %s before the kill, want sending", st)
			}
			if err := first.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = first.Wait()

			second, out2 := startChild(t, "drain", url, f.URL())
			if err := second.Wait(); err != nil {
				t.Fatalf("second process: %v\n%s\nfirst process:\n%s", err, out2, out1)
			}
			posts := f.Posts()
			if len(posts) != 1 || posts[0].Key != openKeyMKS {
				t.Fatalf("posts %+v, want exactly one keyed %s", posts, openKeyMKS)
			}
			var status, ts string
			if err := pool.QueryRow(context.Background(), `SELECT status, ts FROM escalation_outbox WHERE idem_key = $1`,
				openKeyMKS).Scan(&status, &ts); err != nil || status != "sent" || ts != posts[0].TS {
				t.Fatalf("row %s ts %q (%v), want sent with %q", status, ts, err, posts[0].TS)
			}
			if f.count("conversations.history") != 1 {
				t.Fatalf("the restarted process should look in the history once: %v", f.Calls())
			}
		})
	}
}

func startChild(t *testing.T, mode, dbURL, slackURL string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	// Bounded: the drain child gives up after 30 s on its own, and Wait on
	// a child stuck before that must not hang the parent.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSenderChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDBEnv+"="+dbURL, childSlackEnv+"="+slackURL)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, &out
}
