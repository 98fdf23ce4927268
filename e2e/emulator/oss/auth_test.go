package oss

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	authAK = "LTAIauthtest"
	authSK = "auth-test-secret"
)

func newAuthServer(t *testing.T) (*Service, *httptest.Server) {
	t.Helper()
	s, err := New(Config{DataDir: t.TempDir(), Keys: func(id string) (Key, bool) {
		return Key{Secret: authSK}, id == authAK
	}})
	require.NoError(t, err)
	require.NoError(t, s.CreateBucket("bkt"))
	_, err = s.PutObject("bkt", "dir/obj", []byte("hello"))
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); _ = s.Close() })
	return s, srv
}

// sign signs req with the SDK's own signer, the reference the emulator must agree with.
func sign(t *testing.T, s signer.Signer, req *http.Request, bucket, key string, at time.Time) {
	t.Helper()
	sc := &signer.SigningContext{Product: sdk.Ptr("oss"), Region: sdk.Ptr("cn-hangzhou"), Request: req, Time: at,
		Credentials: &credentials.Credentials{AccessKeyID: authAK, AccessKeySecret: authSK}}
	if bucket != "" {
		sc.Bucket = sdk.Ptr(bucket)
	}
	if key != "" {
		sc.Key = sdk.Ptr(key)
	}
	require.NoError(t, s.Sign(context.Background(), sc))
}

func send(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func code(body string) string {
	m := regexp.MustCompile(`<Code>([^<]*)</Code>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestClockSkew(t *testing.T) {
	_, srv := newAuthServer(t)
	for name, sg := range map[string]signer.Signer{"v1": &signer.SignerV1{}, "v4": &signer.SignerV4{}} {
		for _, tt := range []struct {
			offset time.Duration
			want   int
		}{{-20 * time.Minute, 403}, {20 * time.Minute, 403}, {-5 * time.Minute, 200}} {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/bkt/dir/obj", nil)
			require.NoError(t, err)
			sign(t, sg, req, "bkt", "dir/obj", time.Now().Add(tt.offset))
			resp, body := send(t, req)
			assert.Equal(t, tt.want, resp.StatusCode, "%s offset %v: %s", name, tt.offset, body)
			if tt.want == 403 {
				assert.Equal(t, "RequestTimeTooSkewed", code(body), name)
				assert.NotEmpty(t, resp.Header.Get("Date"), "the SDK corrects its clock from Date")
			}
		}
	}
}

func TestVirtualHostedStyle(t *testing.T) {
	_, srv := newAuthServer(t)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/dir/obj", nil)
	require.NoError(t, err)
	req.Host = "bkt.localhost"
	sign(t, &signer.SignerV4{}, req, "bkt", "dir/obj", time.Time{})
	resp, body := send(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "hello", body)
}

func TestMalformedAuthorization(t *testing.T) {
	_, srv := newAuthServer(t)
	now := time.Now().UTC()
	tests := []struct {
		name, authz, xossDate string
		status                int
		code                  string
	}{
		{"unknown scheme", "AWS4-HMAC-SHA256 Credential=x", "", 400, "InvalidArgument"},
		{"v1 without colon", "OSS " + authAK, "", 400, "InvalidArgument"},
		{"v4 without signature", "OSS4-HMAC-SHA256 Credential=" + authAK + "/" + now.Format("20060102") + "/cn-hangzhou/oss/aliyun_v4_request",
			now.Format(iso8601), 400, "InvalidArgument"},
		{"v4 wrong product", "OSS4-HMAC-SHA256 Credential=" + authAK + "/" + now.Format("20060102") + "/cn-hangzhou/ecs/aliyun_v4_request,Signature=00",
			now.Format(iso8601), 400, "InvalidArgument"},
		{"v2 without signature", "OSS2 AccessKeyId:" + authAK, "", 400, "InvalidArgument"},
		{"v2 not name:value", "OSS2 AccessKeyId:" + authAK + ",Signature", "", 400, "InvalidArgument"},
		{"v2 bad signature", "OSS2 AccessKeyId:" + authAK + ",Signature:AAAA", "", 403, "SignatureDoesNotMatch"},
		{"v4 date mismatch", "OSS4-HMAC-SHA256 Credential=" + authAK + "/20000101/cn-hangzhou/oss/aliyun_v4_request,Signature=00",
			now.Format(iso8601), 403, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/bkt/dir/obj", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", tt.authz)
		req.Header.Set("Date", now.Format(http.TimeFormat))
		if tt.xossDate != "" {
			req.Header.Set("x-oss-date", tt.xossDate)
		}
		resp, body := send(t, req)
		assert.Equal(t, tt.status, resp.StatusCode, tt.name)
		assert.Equal(t, tt.code, code(body), tt.name)
	}
}

func TestPresignV4ExpiryLimit(t *testing.T) {
	_, srv := newAuthServer(t)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/bkt/dir/obj", nil)
	require.NoError(t, err)
	sc := &signer.SigningContext{Product: sdk.Ptr("oss"), Region: sdk.Ptr("cn-hangzhou"), Bucket: sdk.Ptr("bkt"),
		Key: sdk.Ptr("dir/obj"), Request: req, AuthMethodQuery: true, Time: time.Now().Add(8 * 24 * time.Hour),
		Credentials: &credentials.Credentials{AccessKeyID: authAK, AccessKeySecret: authSK}}
	require.NoError(t, (&signer.SignerV4{}).Sign(context.Background(), sc))
	resp, body := send(t, req)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "InvalidArgument", code(body))
}

func TestErrorFormat(t *testing.T) {
	_, srv := newAuthServer(t)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/bkt/missing", nil)
	require.NoError(t, err)
	sign(t, &signer.SignerV1{}, req, "bkt", "missing", time.Time{})
	resp, body := send(t, req)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
	assert.Regexp(t, `^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>`+
		`<RequestId>[0-9A-Fa-f]{24}</RequestId><HostId>127.0.0.1:\d+</HostId><Key>missing</Key><EC>0026-00000001</EC></Error>$`, body)
	assert.Contains(t, body, "<RequestId>"+resp.Header.Get("x-oss-request-id")+"</RequestId>")

	req, err = http.NewRequest(http.MethodHead, srv.URL+"/bkt/missing", nil)
	require.NoError(t, err)
	sign(t, &signer.SignerV4{}, req, "bkt", "missing", time.Time{})
	resp, body = send(t, req)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Empty(t, body)
	assert.Equal(t, "0026-00000001", resp.Header.Get("x-oss-ec"))
	decoded, err := base64.StdEncoding.DecodeString(resp.Header.Get("x-oss-err"))
	require.NoError(t, err)
	assert.Equal(t, "NoSuchKey", code(string(decoded)))
}

func TestUnsupportedOperations(t *testing.T) {
	_, srv := newAuthServer(t)
	for _, target := range []string{"/bkt/dir/obj?tagging", "/bkt/?lifecycle", "/bkt/dir/obj?symlink"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+target, nil)
		require.NoError(t, err)
		bucket, key, _ := strings.Cut(strings.TrimPrefix(strings.Split(target, "?")[0], "/"), "/")
		sign(t, &signer.SignerV4{}, req, bucket, key, time.Time{})
		resp, body := send(t, req)
		assert.Equal(t, http.StatusNotImplemented, resp.StatusCode, target)
		assert.Equal(t, "NotImplemented", code(body), target)
	}
}
