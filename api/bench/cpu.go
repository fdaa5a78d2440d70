package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// CPU time per result, beside the wall rates: on a shared 2-core machine
// the wall ratio moves with whatever else runs, while the CPU each path
// spends on a result hardly does. It is read from /proc, so only when the
// database runs on this machine (FindAdmin's default and private clusters).

// cpuMark is the CPU time spent so far by this process (the in-process
// server and the senders, or the CopyFrom's encoding) and by each backend
// of the scratch database.
type cpuMark struct {
	self     time.Duration
	backends map[int]time.Duration
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times (100 on
// every Linux the project runs on).
const clockTicks = 100

// markCPU reads the CPU marks; ok is false where /proc cannot tell
// (another OS, or a database on another machine).
func markCPU(ctx context.Context, pool *pgxpool.Pool) (m cpuMark, ok bool, err error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return m, false, nil
	}
	m.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return m, false, fmt.Errorf("backends' pids: %w", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return m, false, fmt.Errorf("backends' pids: %w", err)
	}
	m.backends = make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		t, ok := procCPU(int(pid))
		if !ok {
			return m, false, nil
		}
		m.backends[int(pid)] = t
	}
	return m, true, nil
}

// procCPU is a postgres process's user and system time from /proc.
func procCPU(pid int) (time.Duration, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(raw)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open || !strings.HasPrefix(s[open+1:closing], "postgres") {
		return 0, false // not a PostgreSQL backend of this machine
	}
	f := strings.Fields(s[closing+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, true
}

// CPUSpent is the CPU a phase spent: this process's and the scratch
// database's backends'.
type CPUSpent struct {
	Go, Postgres time.Duration
}

// since is the CPU spent from m0 to m1. A backend seen only at the end
// started during the phase and counts whole; one that ended during it is
// missed (the pool keeps its connections through a phase).
func since(m0, m1 cpuMark) CPUSpent {
	out := CPUSpent{Go: m1.self - m0.self}
	for pid, t := range m1.backends {
		out.Postgres += t - m0.backends[pid]
	}
	return out
}

// perResult is c over n results, in µs: Go, PostgreSQL, total.
func (c CPUSpent) perResult(n int) (goUS, pgUS, totalUS float64) {
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	return us(c.Go), us(c.Postgres), us(c.Go + c.Postgres)
}
