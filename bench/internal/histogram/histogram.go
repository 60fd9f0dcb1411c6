package histogram

import (
	"math"
	"math/bits"
	"time"
)

const (
	// subBits sets the precision: 2^subBits sub-buckets per power of two
	// at the bottom, half of them above it, i.e. a relative error of at
	// most 2^-(subBits-1).
	subBits    = 8
	subCount   = 1 << subBits
	halfCount  = subCount / 2
	numBuckets = (64 - subBits + 1) * halfCount
)

// Histogram counts non-negative int64 values (nanoseconds, for the
// benchmark). The zero value is ready to use; it is not safe for
// concurrent use.
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
	min    int64
	max    int64
	sum    float64
}

// New returns an empty histogram.
func New() *Histogram { return &Histogram{} }

// index returns the bucket of v (v >= 0).
func index(v int64) int {
	u := uint64(v)
	if u < subCount {
		return int(u)
	}
	e := bits.Len64(u) - subBits
	return e*halfCount + int(u>>uint(e))
}

// lowest returns the smallest value that falls in bucket i.
func lowest(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	e := i/halfCount - 1
	m := i - e*halfCount
	return int64(m) << uint(e)
}

// highest returns the largest value that falls in bucket i.
func highest(i int) int64 {
	if i+1 >= numBuckets {
		return math.MaxInt64
	}
	return lowest(i+1) - 1
}

// Record counts one value; negative values count as zero.
func (h *Histogram) Record(v int64) {
	v = max(v, 0)
	h.counts[index(v)]++
	if h.total == 0 || v < h.min {
		h.min = v
	}
	h.max = max(h.max, v)
	h.total++
	h.sum += float64(v)
}

// RecordDuration counts one duration.
func (h *Histogram) RecordDuration(d time.Duration) { h.Record(int64(d)) }

// Merge adds every count of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.total += o.total
	h.sum += o.sum
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.total }

// Min and Max are the exact extremes recorded (0 when empty).
func (h *Histogram) Min() int64 { return h.min }

// Max is the largest value recorded, exactly.
func (h *Histogram) Max() int64 { return h.max }

// Mean is the exact arithmetic mean (0 when empty).
func (h *Histogram) Mean() float64 {
	if h.total == 0 {
		return 0
	}
	return h.sum / float64(h.total)
}

// Quantile returns the value below or at which a fraction q (0..1) of the
// recorded values fall: the highest value of the bucket holding the
// ceil(q·n)-th smallest value, capped at the exact maximum. Like
// HdrHistogram it errs on the high side, never hiding tail latency.
func (h *Histogram) Quantile(q float64) int64 {
	if h.total == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(highest(i), h.max)
		}
	}
	return h.max
}

// QuantileDuration is Quantile as a duration.
func (h *Histogram) QuantileDuration(q float64) time.Duration {
	return time.Duration(h.Quantile(q))
}
