package svc

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client that has read its answer finds its request counted: counting after the handler returns
// raced with the client, and tests comparing request counts failed under load.
func TestCountWhenAnsweredCountsBeforeTheClientHasTheAnswer(t *testing.T) {
	var counted atomic.Int64
	var statuses [2]atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := NewRecorder(w)
		finish := rec.CountWhenAnswered(func(status int) {
			counted.Add(1)
			if status == http.StatusNotFound {
				statuses[1].Add(1)
			} else {
				statuses[0].Add(1)
			}
		})
		if r.URL.Path == "/missing" {
			rec.WriteHeader(http.StatusNotFound)
		}
		_, _ = rec.Write([]byte("answer"))
		finish()
	}))
	defer srv.Close()
	for i := 1; i <= 200; i++ {
		path := "/ok"
		if i%2 == 0 {
			path = "/missing"
		}
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, int64(i), counted.Load(), "request %d counted once, before its answer arrived", i)
	}
	assert.Equal(t, int64(100), statuses[0].Load())
	assert.Equal(t, int64(100), statuses[1].Load(), "the status the answer carried")

	// No answer at all (a reset): finish counts it with the status recorded so far.
	rec := NewRecorder(httptest.NewRecorder())
	n := 0
	rec.CountWhenAnswered(func(int) { n++ })()
	assert.Equal(t, 1, n)
}
