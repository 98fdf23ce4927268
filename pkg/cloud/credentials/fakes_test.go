package credentials

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Sentinels planted wherever a test needs to prove that a value never shows
// up in output or errors.
const (
	sentinelKeyID  = "AKID-SENTINEL"
	sentinelSecret = "SECRET-SENTINEL"
	sentinelToken  = "TOKEN-SENTINEL"
)

// fakeResponse is one answer of a fake credentials endpoint.
type fakeResponse struct {
	status int
	body   string
}

// sessionJSON is the shape shared by the metadata service and STS: keys plus
// an expiry in credentials-go's layout.
func sessionJSON(id, secret, token string, expires time.Time) map[string]any {
	return map[string]any{
		"AccessKeyId": id, "AccessKeySecret": secret, "SecurityToken": token,
		"Expiration": expires.UTC().Format("2006-01-02T15:04:05Z"),
	}
}

func okJSON(t *testing.T, v any) fakeResponse {
	t.Helper()
	body, err := json.Marshal(v)
	require.NoError(t, err)
	return fakeResponse{status: http.StatusOK, body: string(body)}
}

// responder hands out queued answers; the last one repeats.
type responder struct {
	mu      sync.Mutex
	queue   []fakeResponse
	delay   time.Duration
	release chan struct{} // when set, answers wait for it to be closed
}

func (r *responder) set(delay time.Duration, answers ...fakeResponse) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queue, r.delay = answers, delay
}

func (r *responder) next() (fakeResponse, time.Duration, chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	answer := r.queue[0]
	if len(r.queue) > 1 {
		r.queue = r.queue[1:]
	}
	return answer, r.delay, r.release
}

func (r *responder) serve(w http.ResponseWriter) {
	answer, delay, release := r.next()
	time.Sleep(delay)
	if release != nil {
		<-release
	}
	w.WriteHeader(answer.status)
	_, _ = w.Write([]byte(answer.body))
}

// fakeMetadata is the ECS metadata service in IMDSv2 mode, reached as an HTTP
// proxy for 100.100.100.200 (see Options.metadataProxy).
type fakeMetadata struct {
	responder
	role            string
	fetches         atomic.Int64 // GETs of a role's credentials
	roleListings    atomic.Int64 // GETs of the role name
	requestsNoToken atomic.Int64 // GETs without an IMDSv2 token, i.e. IMDSv1
	lastPath        atomic.Value
	url             string
}

const fakeMetadataToken = "imds-session-token"

func newFakeMetadata(t *testing.T, role string) *fakeMetadata {
	t.Helper()
	f := &fakeMetadata{role: role}
	srv := httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fakeMetadata) handle(w http.ResponseWriter, r *http.Request) {
	const credsPath = "/latest/meta-data/ram/security-credentials/"
	if r.Host != "100.100.100.200" {
		http.Error(w, "not the metadata service", http.StatusBadGateway)
		return
	}
	if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
		if r.Header.Get("X-aliyun-ecs-metadata-token-ttl-seconds") == "" {
			http.Error(w, "missing ttl", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(fakeMetadataToken))
		return
	}
	if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, credsPath) {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("X-aliyun-ecs-metadata-token") != fakeMetadataToken {
		f.requestsNoToken.Add(1)
		http.Error(w, "IMDSv2 token required", http.StatusUnauthorized)
		return
	}
	f.lastPath.Store(r.URL.Path)
	switch role := strings.TrimPrefix(r.URL.Path, credsPath); role {
	case "":
		f.roleListings.Add(1)
		_, _ = w.Write([]byte(f.role))
	case f.role:
		f.fetches.Add(1)
		f.serve(w)
	default:
		http.NotFound(w, r)
	}
}

// ecsSuccess is the metadata service's answer for a role.
func ecsSuccess(t *testing.T, id, secret, token string, expires time.Time) fakeResponse {
	body := sessionJSON(id, secret, token, expires)
	body["Code"] = "Success"
	body["LastUpdated"] = time.Now().UTC().Format("2006-01-02T15:04:05Z")
	return okJSON(t, body)
}

// fakeSTS answers AssumeRoleWithOIDC over TLS and records the last form.
type fakeSTS struct {
	responder
	fetches  atomic.Int64
	mu       sync.Mutex
	lastForm map[string]string
	endpoint string // host:port
}

func newFakeSTS(t *testing.T) *fakeSTS {
	t.Helper()
	if fakeSTSCert == nil {
		t.Skip("no trusted certificate for a fake STS on this platform (see TestMain)")
	}
	f := &fakeSTS{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(f.handle))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{*fakeSTSCert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	f.endpoint = strings.TrimPrefix(srv.URL, "https://")
	return f
}

func (f *fakeSTS) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Query().Get("Action") != "AssumeRoleWithOIDC" {
		http.Error(w, `{"Code":"InvalidAction"}`, http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"Code":"BadForm"}`, http.StatusBadRequest)
		return
	}
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	f.mu.Lock()
	f.lastForm = form
	f.mu.Unlock()
	f.fetches.Add(1)
	f.serve(w)
}

func (f *fakeSTS) form() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastForm
}

// stsSuccess is STS's AssumeRoleWithOIDC answer.
func stsSuccess(t *testing.T, id, secret, token string, expires time.Time) fakeResponse {
	return okJSON(t, map[string]any{"RequestId": "req-1", "Credentials": sessionJSON(id, secret, token, expires)})
}
