package hbr

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseThroughput(t *testing.T) {
	for text, want := range map[string]int64{"50MiB/s": 50 << 20, "200 KB/s": 200e3, "1048576": 1 << 20, "unlimited": 0, "0": 0,
		"1.5GiB/s": 3 << 29, "7B/s": 7} {
		got, err := ParseThroughput(text)
		require.NoError(t, err, text)
		assert.Equal(t, want, got, text)
	}
	for _, bad := range []string{"fast", "-1MiB/s", "MiB/s"} {
		_, err := ParseThroughput(bad)
		assert.Error(t, err, bad)
	}
	for _, n := range []int64{0, 50 << 20, 3 << 10, 1000} {
		back, err := ParseThroughput(FormatThroughput(n))
		require.NoError(t, err)
		assert.Equal(t, n, back, FormatThroughput(n))
	}
}

func TestSettingsJSONIsAPartialUpdate(t *testing.T) {
	set := Settings{Throughput: 1 << 20, JobStartDelay: time.Second, VaultInitDelay: time.Second, Activated: true}
	require.NoError(t, json.Unmarshal([]byte(`{"jobStartDelay":"5s","throughput":2048}`), &set))
	assert.Equal(t, Settings{Throughput: 2048, JobStartDelay: 5 * time.Second, VaultInitDelay: time.Second, Activated: true}, set)
	require.NoError(t, json.Unmarshal([]byte(`{"activated":false}`), &set))
	assert.False(t, set.Activated)
	assert.Error(t, json.Unmarshal([]byte(`{"speed":1}`), &set))
	out, err := json.Marshal(set)
	require.NoError(t, err)
	assert.JSONEq(t, `{"throughput":"2KiB/s","jobStartDelay":"5s","vaultInitDelay":"1s","activated":false}`, string(out))
}

func TestNodePath(t *testing.T) {
	tests := []struct {
		kubeletRoot, hostPrefix, want string
		ok                            bool
	}{
		{"", "uid/volumes/kubernetes.io~csi/pv/mount", "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/pv/mount", true},
		{"", "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~nfs/pv", "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~nfs/pv", true},
		{"/data/kubelet", "uid/volumes/x", "/data/kubelet/pods/uid/volumes/x", true},
		{"", "/mnt/data", "/mnt/data", false},
		{"", "../../../../etc", "/etc", false},
		{"", "/var/lib/kubelet-other/pods/x", "/var/lib/kubelet-other/pods/x", false},
		{"/data/kubelet", "/var/lib/kubelet/pods/uid", "/var/lib/kubelet/pods/uid", false},
	}
	for _, tt := range tests {
		got, ok := nodePath(&Agent{KubeletRoot: tt.kubeletRoot}, tt.hostPrefix)
		assert.Equal(t, tt.want, got, tt.hostPrefix)
		assert.Equal(t, tt.ok, ok, tt.hostPrefix)
	}
}

func TestFilterMatch(t *testing.T) {
	tests := []struct {
		f    filter
		have string
		want bool
	}{
		{filter{key: "Status", op: "IN", values: []string{"COMPLETE", "FAILED"}}, "FAILED", true},
		{filter{key: "Status", op: "IN", values: []string{"COMPLETE"}}, "RUNNING", false},
		{filter{key: "Status", op: "NOT_EQUAL", values: []string{"COMPLETE"}}, "RUNNING", true},
		{filter{key: "CreatedTime", op: "GREATER_THAN", values: []string{"99"}}, "100", true},
		{filter{key: "CreatedTime", op: "GREATER_THAN", values: []string{"99"}}, "99", false},
		{filter{key: "CreatedTime", op: "LESS_THAN_OR_EQUAL", values: []string{"1000"}}, "999", true},
		{filter{key: "CompleteTime", op: "BETWEEN", values: []string{"10", "20"}}, "9", false},
		{filter{key: "CompleteTime", op: "BETWEEN", values: []string{"10", "20"}}, "20", true},
		{filter{key: "CreatedTime", op: "GREATER_THAN", values: []string{"9"}}, "10", true}, // numbers, not text
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.f.match(tt.have), "%+v %s", tt.f, tt.have)
	}
}

func TestClaimsOnlyHBRsVersion(t *testing.T) {
	for target, want := range map[string]bool{
		"/?Action=DescribeVaults&Version=2017-09-08": true,
		"/?Action=DescribeDisks&Version=2014-05-26":  false,
		"/bucket/key": false,
	} {
		assert.Equal(t, want, Claims(httptest.NewRequest("GET", target, strings.NewReader(""))), target)
	}
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("x-acs-action", "CreateBackupJob")
	r.Header.Set("x-acs-version", APIVersion)
	assert.True(t, Claims(r))
}
