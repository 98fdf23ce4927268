package ecs

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClaims(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name, method, target, contentType, body string
		header                                  map[string]string
		want                                    bool
	}{
		{"V3 headers", "POST", "/?RegionId=cn-hangzhou", "", "", map[string]string{"x-acs-action": "DescribeDisks", "x-acs-version": APIVersion}, true},
		{"V3 headers of another product", "POST", "/", "", "", map[string]string{"x-acs-action": "DescribeVaults", "x-acs-version": "2017-09-08"}, false},
		{"legacy query", "GET", "/?Action=DescribeDisks&Version=2014-05-26", "", "", nil, true},
		{"legacy query of another version", "GET", "/?Action=DescribeDisks&Version=2016-01-01", "", "", nil, false},
		{"legacy form body", "POST", "/", form, "Action=DescribeDisks&Version=2014-05-26", nil, true},
		{"action in the query, version in the form", "POST", "/?Action=DescribeDisks", form, "Version=2014-05-26", nil, true},
		{"OSS object upload with a form content type", "PUT", "/bucket/key", form, "Action=DescribeDisks&Version=2014-05-26", nil, false},
		{"OSS listing", "GET", "/bucket/?list-type=2", "", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			assert.Equal(t, tt.want, Claims(r))
			rest, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.body, string(rest), "the body is intact for whoever serves the request")
		})
	}
}

func TestCodeStatus(t *testing.T) {
	for code, want := range map[string]int{
		"Throttling.User": 400, "Throttling": 400, "InvalidParameter": 400, "MissingParameter": 400, "SignatureDoesNotMatch": 400,
		"InvalidSnapshotId.NotFound": 404, "InvalidAccessKeyId.NotFound": 404, "IncorrectDiskStatus": 403, "Forbidden.RAM": 403,
		"InternalError": 500, "ServiceUnavailable": 503, "DiskOnFire": 500,
	} {
		assert.Equal(t, want, statusForCode(code), code)
	}
	for _, tt := range []struct {
		status   int
		resource string
		want     string
	}{
		{404, "d-1", "InvalidDiskId.NotFound"}, {404, "s-1", "InvalidSnapshotId.NotFound"}, {404, "ssg-1", "InvalidSnapshotGroupId.NotFound"},
		{404, "", "InvalidResourceId.NotFound"}, {400, "", "InvalidParameter"}, {403, "", "Forbidden"}, {429, "", "Throttling"},
		{500, "", "InternalError"}, {503, "", "ServiceUnavailable"},
	} {
		assert.Equal(t, tt.want, codeForStatus(tt.status, tt.resource), tt.status)
	}
}
