package rpc

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCodeForStatus(t *testing.T) {
	for status, want := range map[int]string{
		http.StatusBadRequest:          "InvalidParameter",
		http.StatusForbidden:           "Forbidden",
		http.StatusNotFound:            "InvalidResourceId.NotFound",
		http.StatusConflict:            "InvalidParameter",
		http.StatusTooManyRequests:     "Throttling",
		http.StatusInternalServerError: "InternalError",
		http.StatusBadGateway:          "ServiceUnavailable",
		http.StatusServiceUnavailable:  "ServiceUnavailable",
		http.StatusGatewayTimeout:      "ServiceUnavailable",
		505:                            "InternalError",
	} {
		assert.Equal(t, want, CodeForStatus(status), "status %d", status)
	}
}
