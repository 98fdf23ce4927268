package emulator_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
)

var signatureVersions = []struct {
	name    string
	version oss.SignatureVersionType
}{{"v4", oss.SignatureVersionV4}, {"v1", oss.SignatureVersionV1}}

func TestAuthFailures(t *testing.T) {
	srv := newServer(t, func(o *emulator.Options) {
		o.Credentials = append(o.Credentials,
			emulator.Credential{AccessKeyID: "LTAIexpired", AccessKeySecret: "s", Expiration: time.Now().Add(-time.Minute)},
			emulator.Credential{AccessKeyID: "STS.expired", AccessKeySecret: "s", SecurityToken: "tok", Expiration: time.Now().Add(-time.Minute)})
	})
	tests := []struct {
		name     string
		provider credentials.CredentialsProvider
		region   string
		code     string
	}{
		{"wrong secret", credentials.NewStaticCredentialsProvider(testAK, "wrong-secret"), "", "SignatureDoesNotMatch"},
		{"unknown key", credentials.NewStaticCredentialsProvider("LTAInobody", testSK), "", "InvalidAccessKeyId"},
		{"expired key", credentials.NewStaticCredentialsProvider("LTAIexpired", "s"), "", "InvalidAccessKeyId"},
		{"sts without token", credentials.NewStaticCredentialsProvider(stsAK, stsSK), "", "InvalidAccessKeyId"},
		{"sts with wrong token", credentials.NewStaticCredentialsProvider(stsAK, stsSK, "forged"), "", "InvalidSecurityToken"},
		{"sts expired", credentials.NewStaticCredentialsProvider("STS.expired", "s", "tok"), "", "SecurityTokenExpired"},
		{"token on a permanent key", credentials.NewStaticCredentialsProvider(testAK, testSK, "tok"), "", "InvalidSecurityToken"},
		{"anonymous", credentials.NewAnonymousCredentialsProvider(), "", "AccessDenied"},
		{"other region", credentials.NewStaticCredentialsProvider(testAK, testSK), "cn-beijing", "SignatureDoesNotMatch"},
	}
	for _, sig := range signatureVersions {
		for _, tt := range tests {
			if tt.region != "" && sig.version == oss.SignatureVersionV1 {
				continue // V1 signatures carry no region
			}
			t.Run(sig.name+"/"+tt.name, func(t *testing.T) {
				cfg := sdkConfig(srv.URL, tt.provider).WithSignatureVersion(sig.version).WithRetryMaxAttempts(1)
				if tt.region != "" {
					cfg.WithRegion(tt.region)
				}
				c := oss.NewClient(cfg)
				_, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
				se := serviceError(t, err)
				assert.Equal(t, http.StatusForbidden, se.StatusCode)
				assert.Equal(t, tt.code, se.Code)
				assert.NotEmpty(t, se.RequestID)
				assert.NotContains(t, string(se.Snapshot), testSK, "the secret never appears in an error")
			})
		}
	}
}

func TestSTSCredentials(t *testing.T) {
	srv := newServer(t)
	for _, sig := range signatureVersions {
		t.Run(sig.name, func(t *testing.T) {
			cfg := sdkConfig(srv.URL, credentials.NewStaticCredentialsProvider(stsAK, stsSK, stsToken)).WithSignatureVersion(sig.version)
			c := oss.NewClient(cfg)
			_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("sts/" + sig.name),
				Body: strings.NewReader("x")})
			require.NoError(t, err)

			pre, err := c.Presign(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("sts/" + sig.name)})
			require.NoError(t, err)
			assert.Regexp(t, `(security-token|x-oss-security-token)=`, pre.URL)
			status, body := httpDo(t, pre.Method, pre.URL, pre.SignedHeaders, nil)
			assert.Equal(t, http.StatusOK, status, body)
			assert.Equal(t, "x", body)
		})
	}
	// Rotating an STS key (what a refresh does) takes effect at once.
	srv.AddCredential(emulator.Credential{AccessKeyID: stsAK, AccessKeySecret: "rotated", SecurityToken: "new-token"})
	c := oss.NewClient(sdkConfig(srv.URL, credentials.NewStaticCredentialsProvider(stsAK, stsSK, stsToken)).WithRetryMaxAttempts(1))
	_, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
	assert.Equal(t, "InvalidSecurityToken", serviceError(t, err).Code)
}

func TestPresignedURLs(t *testing.T) {
	srv := newServer(t)
	for _, sig := range signatureVersions {
		t.Run(sig.name, func(t *testing.T) {
			c := newClient(srv.URL, func(cfg *oss.Config) { cfg.WithSignatureVersion(sig.version) })
			key := "presigned/" + sig.name + "/a b+c ü.bin"
			data := randomBytes(300<<10, 3)

			put, err := c.Presign(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
				ContentType: oss.Ptr("application/octet-stream")}, oss.PresignExpires(time.Minute))
			require.NoError(t, err)
			assert.Equal(t, http.MethodPut, put.Method)
			status, body := httpDo(t, put.Method, put.URL, put.SignedHeaders, data)
			require.Equal(t, http.StatusOK, status, body)
			stored, _, err := srv.OSS().Object(testBucket, key)
			require.NoError(t, err)
			assert.Equal(t, data, stored)

			get, err := c.Presign(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)},
				oss.PresignExpires(time.Minute))
			require.NoError(t, err)
			status, body = httpDo(t, get.Method, get.URL, get.SignedHeaders, nil)
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, string(data), body)

			// A URL for another key, or one whose query was tampered with, does not verify.
			status, body = httpDo(t, get.Method, strings.Replace(get.URL, "presigned", "presignex", 1), get.SignedHeaders, nil)
			assert.Equal(t, http.StatusForbidden, status)
			assert.Equal(t, "SignatureDoesNotMatch", errorCode(t, body))

			expired, err := c.Presign(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)},
				oss.PresignExpiration(time.Now().Add(-time.Minute)))
			require.NoError(t, err)
			status, body = httpDo(t, expired.Method, expired.URL, expired.SignedHeaders, nil)
			assert.Equal(t, http.StatusForbidden, status)
			assert.Equal(t, "AccessDenied", errorCode(t, body))
			assert.Contains(t, body, "Request has expired.")
		})
	}
}

func TestV4AdditionalHeadersAreSigned(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, func(cfg *oss.Config) {
		cfg.WithAdditionalHeaders([]string{"User-Agent", "Content-Length"}).WithUserAgent("emulator-test/1.0")
	})
	_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	res, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("k")})
	require.NoError(t, err)
	assert.Equal(t, 1, res.KeyCount)
}

func TestAnonymousRawRequestIsDenied(t *testing.T) {
	srv := newServer(t)
	status, body := httpDo(t, http.MethodGet, srv.URL+"/"+testBucket+"/?list-type=2", nil, nil)
	assert.Equal(t, http.StatusForbidden, status)
	assert.Equal(t, "AccessDenied", errorCode(t, body))
	assert.Contains(t, body, `<?xml version="1.0" encoding="UTF-8"?>`)
}

func httpDo(t *testing.T, method, url string, header map[string]string, body []byte) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx(t), method, url, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(got)
}

func errorCode(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Code string `xml:"Code"`
	}
	require.NoError(t, xml.Unmarshal([]byte(body), &e), body)
	return e.Code
}
