package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
)

func admin(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(out) > 0 {
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		assert.True(t, json.Valid(out), string(out))
	}
	return resp.StatusCode, out
}

func TestAdminAPI(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)
	base := srv.URL + "/_admin"

	// Faults: add, see it fire, list, clear.
	status, body := admin(t, "POST", base+"/faults",
		`{"service":"oss","operation":"GetBucketInfo","status":503,"code":"ServiceUnavailable","count":1,"latency":"10ms"}`)
	require.Equal(t, http.StatusCreated, status, string(body))
	var added struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &added))
	assert.NotEmpty(t, added.ID)
	_, err := c.GetBucketInfo(ctx(t), &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	assert.Equal(t, "ServiceUnavailable", serviceError(t, err).Code)
	_, err = c.GetBucketInfo(ctx(t), &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	require.NoError(t, err, "count 1 is used up")

	status, body = admin(t, "GET", base+"/faults", "")
	require.Equal(t, http.StatusOK, status)
	var listed []faults.Active
	require.NoError(t, json.Unmarshal(body, &listed))
	require.Len(t, listed, 1)
	assert.Equal(t, added.ID, listed[0].ID)
	assert.Equal(t, 1, listed[0].Fired)
	assert.Equal(t, faults.Fault{Service: "oss", Operation: "GetBucketInfo", Status: 503, Code: "ServiceUnavailable", Count: 1,
		Latency: 10 * time.Millisecond}, listed[0].Fault, "durations round-trip as strings")
	assert.Contains(t, string(body), `"latency": "10ms"`)

	status, _ = admin(t, "DELETE", base+"/faults", "")
	assert.Equal(t, http.StatusNoContent, status)
	assert.Empty(t, srv.Faults().List())
	for _, bad := range []string{`{"operation":"PutObject"}`, `{"status":200}`, `{"probability":2,"status":500}`,
		`{"stauts":500}`, `{"status":500,"latency":"soon"}`, `not json`} {
		status, body = admin(t, "POST", base+"/faults", bad)
		assert.Equal(t, http.StatusBadRequest, status, bad)
		assert.Contains(t, string(body), `"error"`)
	}

	// Network.
	status, body = admin(t, "POST", base+"/network", `{"latency":"40ms","bandwidthBytesPerSecond":6250000}`)
	require.Equal(t, http.StatusOK, status, string(body))
	latency, bw := srv.Faults().Network()
	assert.Equal(t, 40*time.Millisecond, latency)
	assert.Equal(t, int64(6250000), bw)
	status, body = admin(t, "GET", base+"/network", "")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"latency":"40ms","bandwidthBytesPerSecond":6250000}`, string(body))
	status, _ = admin(t, "POST", base+"/network", `{"latency":"0s","bandwidthBytesPerSecond":0}`)
	require.Equal(t, http.StatusOK, status)

	// Buckets.
	status, _ = admin(t, "PUT", base+"/buckets/admin-made", "")
	assert.Equal(t, http.StatusCreated, status)
	status, _ = admin(t, "PUT", base+"/buckets/admin-made", "")
	assert.Equal(t, http.StatusConflict, status)
	status, _ = admin(t, "PUT", base+"/buckets/Bad_Name", "")
	assert.Equal(t, http.StatusBadRequest, status)
	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr("admin-made"), Key: oss.Ptr("k"), Body: strings.NewReader("v")})
	require.NoError(t, err)

	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr("admin-made"), Key: oss.Ptr("dir/k2"), Body: strings.NewReader("v22")})
	require.NoError(t, err)
	status, body = admin(t, "GET", base+"/buckets/admin-made/objects?prefix=dir/", "")
	require.Equal(t, http.StatusOK, status, string(body))
	var objs []struct {
		Key  string
		Size int64
	}
	require.NoError(t, json.Unmarshal(body, &objs))
	assert.Equal(t, []struct {
		Key  string
		Size int64
	}{{"dir/k2", 3}}, objs)
	status, body = admin(t, "GET", base+"/buckets/admin-made/objects", "")
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, json.Unmarshal(body, &objs))
	assert.Len(t, objs, 2)
	status, _ = admin(t, "GET", base+"/buckets/no-such-bucket/objects", "")
	assert.Equal(t, http.StatusNotFound, status)
	_, err = c.DeleteObject(ctx(t), &oss.DeleteObjectRequest{Bucket: oss.Ptr("admin-made"), Key: oss.Ptr("dir/k2")})
	require.NoError(t, err)

	status, _ = admin(t, "POST", base+"/buckets/admin-made/offline", "")
	assert.Equal(t, http.StatusNoContent, status)
	_, err = c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr("admin-made"), Key: oss.Ptr("k")})
	assert.Equal(t, "NoSuchBucket", serviceError(t, err).Code)
	status, _ = admin(t, "POST", base+"/buckets/admin-made/online", "")
	assert.Equal(t, http.StatusNoContent, status)
	_, err = c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr("admin-made"), Key: oss.Ptr("k")})
	require.NoError(t, err)

	// State.
	_, err = c.InitiateMultipartUpload(ctx(t), &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("mp")})
	require.NoError(t, err)
	status, body = admin(t, "GET", base+"/state", "")
	require.Equal(t, http.StatusOK, status)
	var st emulator.State
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Equal(t, "cn-hangzhou", st.Region)
	require.Len(t, st.OSS.Buckets, 2)
	assert.Equal(t, "admin-made", st.OSS.Buckets[0].Name)
	assert.Equal(t, 1, st.OSS.Buckets[0].Objects)
	assert.Equal(t, int64(1), st.OSS.Buckets[0].Bytes)
	assert.True(t, st.OSS.Buckets[0].Online)
	assert.Equal(t, 1, st.OSS.Buckets[1].Uploads)
	require.Len(t, st.OSS.Uploads, 1)
	assert.Equal(t, "mp", st.OSS.Uploads[0].Key)
	assert.Equal(t, 2, st.OSS.Stats.Operations["GetObject"])
	assert.Equal(t, 1, st.OSS.Stats.Errors["NoSuchBucket"])

	status, _ = admin(t, "DELETE", base+"/buckets/admin-made", "")
	assert.Equal(t, http.StatusNoContent, status, "the admin API deletes buckets with their content")
	status, _ = admin(t, "DELETE", base+"/buckets/admin-made", "")
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = admin(t, "POST", base+"/buckets/admin-made/online", "")
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = admin(t, "GET", base+"/nothing", "")
	assert.Equal(t, http.StatusNotFound, status)
}

func TestAdminRefusesRemoteClients(t *testing.T) {
	em, err := emulator.New(emulator.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = em.Close() })
	req := httptest.NewRequest("GET", "/_admin/state", nil)
	req.RemoteAddr = "203.0.113.7:5555"
	rec := httptest.NewRecorder()
	em.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusForbidden, rec.Code)

	req = httptest.NewRequest("GET", "/_admin/state", nil)
	req.RemoteAddr = "[::1]:5555"
	rec = httptest.NewRecorder()
	em.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.True(t, json.Valid(bytes.TrimSpace(rec.Body.Bytes())))
}

func TestNoCredentialsRejectEverything(t *testing.T) {
	srv := emulatortest.NewServer(t, emulator.Options{Buckets: []string{testBucket}})
	c := newClient(srv.URL, noRetry)
	_, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
	assert.Equal(t, "InvalidAccessKeyId", serviceError(t, err).Code)
}
