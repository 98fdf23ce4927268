// Package svc holds what every emulated service (OSS, ECS) shares: the accepted keys and the response
// recorder behind request logs and counters.
package svc

import (
	"net/http"
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
	Status      int
	wroteHeader bool
}

// NewRecorder wraps w; the status is 200 until a handler says otherwise.
func NewRecorder(w http.ResponseWriter) *Recorder {
	return &Recorder{ResponseWriter: w, Status: http.StatusOK}
}

func (r *Recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.Status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *Recorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(p)
}

// Unwrap exposes the wrapped writer to http.ResponseController.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
