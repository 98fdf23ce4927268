// Package svc holds what every emulated service (OSS, ECS, HBR) shares: the accepted keys, the response
// recorder behind request logs, and the request counters.
package svc

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Key is what the emulator knows about one AccessKey ID.
type Key struct {
	Secret        string
	SecurityToken string    // non-empty: an STS key, every request must carry this token
	Expiration    time.Time // zero: never expires
}

// KeyLookup resolves an AccessKey ID. It is a function rather than a fixed list so the emulator can add,
// rotate or drop keys while it runs.
type KeyLookup func(accessKeyID string) (Key, bool)

// Recorder remembers the status for stats and logs; Unwrap keeps http.ResponseController (hijacking for
// resets, flushing) working through it.
type Recorder struct {
	http.ResponseWriter
	Status int
	// onAnswer, if set, is called once with the status just before the answer starts.
	onAnswer    func(status int)
	wroteHeader bool
}

// NewRecorder wraps w; the status is 200 until a handler says otherwise.
func NewRecorder(w http.ResponseWriter) *Recorder {
	return &Recorder{ResponseWriter: w, Status: http.StatusOK}
}

func (r *Recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.Status, r.wroteHeader = code, true
		r.beforeHeader()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *Recorder) Write(p []byte) (int, error) {
	if !r.wroteHeader {
		r.wroteHeader = true
		r.beforeHeader()
	}
	return r.ResponseWriter.Write(p)
}

// CountWhenAnswered calls count once: when the answer starts, or when the returned finish is called
// without one (a connection reset), so a client that has read its answer finds its request counted.
func (r *Recorder) CountWhenAnswered(count func(status int)) (finish func()) {
	done := false
	once := func(status int) {
		if !done {
			done = true
			count(status)
		}
	}
	r.onAnswer = once
	return func() { once(r.Status) }
}

func (r *Recorder) beforeHeader() {
	if r.onAnswer != nil {
		r.onAnswer(r.Status)
		r.onAnswer = nil
	}
}

// Unwrap exposes the wrapped writer to http.ResponseController.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Stats counts what a service was asked to do since it started.
type Stats struct {
	Operations map[string]int `json:"operations"` // requests by action, faults included
	Errors     map[string]int `json:"errors"`     // error answers by code
}

// Counter collects Stats; the zero value is ready to use.
type Counter struct {
	mu   sync.Mutex
	ops  map[string]int
	errs map[string]int
}

// Record counts one request by action and, for an error answer, by code (the status when it has none).
func (c *Counter) Record(action, code string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops, c.errs = map[string]int{}, map[string]int{}
	}
	c.ops[action]++
	if status >= 400 || code != "" {
		if code == "" {
			code = strconv.Itoa(status)
		}
		c.errs[code]++
	}
}

// Snapshot returns a copy of the counts.
func (c *Counter) Snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := Stats{Operations: maps.Clone(c.ops), Errors: maps.Clone(c.errs)}
	if st.Operations == nil {
		st.Operations, st.Errors = map[string]int{}, map[string]int{}
	}
	return st
}
