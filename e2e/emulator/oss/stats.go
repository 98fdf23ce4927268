package oss

import (
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
)

// Stats counts what the service was asked to do since it started.
type Stats struct {
	Operations    map[string]int `json:"operations"`    // requests by operation name, faults included
	Errors        map[string]int `json:"errors"`        // error responses by code
	BytesReceived int64          `json:"bytesReceived"` // object and part bytes stored
	BytesSent     int64          `json:"bytesSent"`     // object bytes served
}

// statsCounter counts requests by operation and errors by code, plus object bytes moved.
type statsCounter struct {
	mu       sync.Mutex
	ops      map[string]int
	errs     map[string]int
	bytesIn  atomic.Int64
	bytesOut atomic.Int64
}

func (st *statsCounter) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.ops, st.errs = map[string]int{}, map[string]int{}
	st.bytesIn.Store(0)
	st.bytesOut.Store(0)
}

func (st *statsCounter) record(op, code string, status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.ops[op]++
	if status >= 400 || code != "" {
		if code == "" {
			code = strconv.Itoa(status)
		}
		st.errs[code]++
	}
}

// Stats returns a snapshot of the request counters.
func (s *Service) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return Stats{Operations: maps.Clone(s.stats.ops), Errors: maps.Clone(s.stats.errs),
		BytesReceived: s.stats.bytesIn.Load(), BytesSent: s.stats.bytesOut.Load()}
}

// ResetStats zeroes the request counters.
func (s *Service) ResetStats() { s.stats.reset() }
