package ecs

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verify has the real SDK sign a DescribeSnapshots request, lets tamper change it in flight, and returns
// what the verifier says. wallShift moves the server's wall clock.
func verify(t *testing.T, legacy bool, wallShift time.Duration, tamper func(r *http.Request)) *apiError {
	t.Helper()
	svc, err := New(Config{DataDir: t.TempDir(), Now: func() time.Time { return time.Now().Add(wallShift) },
		Keys: func(id string) (Key, bool) { return Key{Secret: "unit-secret"}, id == "LTAIunit" }})
	require.NoError(t, err)
	var verdict *apiError
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tamper != nil {
			tamper(r)
		}
		// No require here: this runs on the server's goroutine, where FailNow must not be called.
		p, body, e := readParams(r)
		if e == nil {
			e = svc.authenticate(&call{r: r, p: p, body: body})
		}
		verdict = e
		_, _ = io.WriteString(w, `{"RequestId":"unit"}`)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	cfg := &openapi.Config{Endpoint: tea.String(host), Protocol: tea.String("HTTP"), RegionId: tea.String("cn-hangzhou"),
		AccessKeyId: tea.String("LTAIunit"), AccessKeySecret: tea.String("unit-secret")}
	if legacy {
		cfg.SignatureAlgorithm = tea.String("v2")
	}
	c, err := ecssdk.NewClient(cfg)
	require.NoError(t, err)
	_, err = c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("cn-hangzhou"),
		SnapshotIds: tea.String(`["s-1","s-2"]`), PageSize: tea.Int32(50), Status: tea.String("all"),
		Tag: []*ecssdk.DescribeSnapshotsRequestTag{{Key: tea.String("a b"), Value: tea.String("x+y*z~/ü")}}})
	require.NoError(t, err)
	return verdict
}

func replaceQuery(old, repl string) func(*http.Request) {
	return func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, old, repl, 1) }
}

func TestVerifyV3(t *testing.T) {
	tests := []struct {
		name      string
		tamper    func(*http.Request)
		wallShift time.Duration
		code      string
	}{
		{"as signed", nil, 0, ""},
		{"clock skew within 15 minutes", nil, 14 * time.Minute, ""},
		{"parameter changed", replaceQuery("PageSize=50", "PageSize=51"), 0, "SignatureDoesNotMatch"},
		{"parameter added", func(r *http.Request) { r.URL.RawQuery += "&DiskId=d-x" }, 0, "SignatureDoesNotMatch"},
		{"host changed", func(r *http.Request) { r.Host = "ecs.cn-hangzhou.aliyuncs.com" }, 0, "SignatureDoesNotMatch"},
		{"signed header changed", func(r *http.Request) { r.Header.Set("x-acs-action", "DeleteSnapshot") }, 0, "SignatureDoesNotMatch"},
		{"unsigned x-acs header", func(r *http.Request) { r.Header.Set("x-acs-extra", "1") }, 0, "IncompleteSignature"},
		{"body not matching its hash", func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader("DiskId=d-x"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}, 0, "SignatureDoesNotMatch"},
		{"method changed", func(r *http.Request) { r.Method = http.MethodGet }, 0, "SignatureDoesNotMatch"},
		{"stale date", nil, 20 * time.Minute, "InvalidTimeStamp.Expired"},
		{"date from the future", nil, -20 * time.Minute, "InvalidTimeStamp.Expired"},
		{"no date", func(r *http.Request) { r.Header.Del("x-acs-date") }, 0, "InvalidTimeStamp.Format"},
		{"malformed Authorization", func(r *http.Request) { r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=LTAIunit") }, 0, "IncompleteSignature"},
		{"unknown key", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "LTAIunit", "LTAIother", 1))
		}, 0, "InvalidAccessKeyId.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := verify(t, false, tt.wallShift, tt.tamper)
			if tt.code == "" {
				assert.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			assert.Equal(t, tt.code, e.Code, e.Message)
			assert.NotContains(t, e.Message, "unit-secret")
		})
	}
}

func TestVerifyV2(t *testing.T) {
	tests := []struct {
		name      string
		tamper    func(*http.Request)
		wallShift time.Duration
		code      string
	}{
		{"as signed", nil, 0, ""},
		{"parameter changed", replaceQuery("PageSize=50", "PageSize=51"), 0, "SignatureDoesNotMatch"},
		{"parameter in a form body", func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader("DiskId=d-x"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}, 0, "SignatureDoesNotMatch"},
		{"signature changed", replaceQuery("Signature=", "Signature=AAAA"), 0, "SignatureDoesNotMatch"},
		{"other signature method", replaceQuery("SignatureMethod=HMAC-SHA1", "SignatureMethod=HMAC-SHA256"), 0, "InvalidSignatureMethod"},
		{"other signature version", replaceQuery("SignatureVersion=1.0", "SignatureVersion=2.0"), 0, "InvalidSignatureVersion"},
		{"stale timestamp", nil, 20 * time.Minute, "InvalidTimeStamp.Expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := verify(t, true, tt.wallShift, tt.tamper)
			if tt.code == "" {
				assert.Nil(t, e)
				return
			}
			require.NotNil(t, e)
			assert.Equal(t, tt.code, e.Code, e.Message)
		})
	}
}
