package sim

import (
	"math"
	"sync"
	"time"
)

// histogram records request latencies in logarithmic buckets (about 2 %
// wide), so a long run keeps a fixed few kilobytes and quantiles stay exact
// to that width.
type histogram struct {
	mu     sync.Mutex
	counts []int64
	total  int64
	max    time.Duration
}

const (
	histBase    = 1.02
	histMin     = 10 * time.Microsecond
	histBuckets = 800 // 10 µs · 1.02^800 ≈ 76 min
)

func newHistogram() *histogram { return &histogram{counts: make([]int64, histBuckets)} }

func bucketOf(d time.Duration) int {
	if d <= histMin {
		return 0
	}
	i := int(math.Log(float64(d)/float64(histMin)) / math.Log(histBase))
	return min(i, histBuckets-1)
}

func (h *histogram) observe(d time.Duration) {
	i := bucketOf(d)
	h.mu.Lock()
	h.counts[i]++
	h.total++
	h.max = max(h.max, d)
	h.mu.Unlock()
}

// quantiles returns p50, p99 (upper bound of their bucket) and the maximum.
func (h *histogram) quantiles() (p50, p99, mx time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.quantile(0.50), h.quantile(0.99), h.max
}

func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.total)))
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			upper := time.Duration(float64(histMin) * math.Pow(histBase, float64(i+1)))
			return min(upper, h.max)
		}
	}
	return h.max
}
