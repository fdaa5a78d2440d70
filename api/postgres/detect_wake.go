package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api/detect"
)

// notifyChannel is the LISTEN/NOTIFY channel on which replicas announce
// arrivals to each other's detectors.
const notifyChannel = "pantau_detect"

var _ detect.Waker = (*Detection)(nil)

// Arrivals receives after an ingest through this store committed new
// results.
func (s *Store) Arrivals() <-chan struct{} { return s.arrivals.C() }

// Arrivals is the store's: ingest in this process.
func (d *Detection) Arrivals() <-chan struct{} { return d.s.Arrivals() }

// Notify announces arrivals to the detectors of other replicas. The
// payload names this detector so that its own listener ignores it.
func (d *Detection) Notify(ctx context.Context) error {
	if _, err := d.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, d.id); err != nil {
		return fmt.Errorf("notify %s: %w", notifyChannel, err)
	}
	return nil
}

// Listen calls wake for every other replica's Notify until ctx ends. It
// holds one connection of its own (LISTEN needs a session) and reconnects
// after an error, waiting at most 5 s between attempts; a notification
// missed meanwhile costs at most the detector's tick.
func (d *Detection) Listen(ctx context.Context, wake func()) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if err := d.listenOnce(ctx, wake, func() { backoff = 100 * time.Millisecond }); err == nil || ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
		wake() // something may have been missed while disconnected
	}
}

func (d *Detection) listenOnce(ctx context.Context, wake, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, d.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect to listen: %w", err)
	}
	defer func() {
		// Closing must not hang on a dead link after ctx ended.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return fmt.Errorf("listen %s: %w", notifyChannel, err)
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", notifyChannel, err)
		}
		if n.Payload != d.id {
			wake()
		}
	}
}

// newDetectorID names a detector in its notifications.
func newDetectorID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
