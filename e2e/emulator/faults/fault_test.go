package faults

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Fault
		wantErr string
	}{
		{in: "op=UploadPart,status=503,code=ServiceUnavailable,p=0.1,count=5",
			want: Fault{Operation: "UploadPart", Status: 503, Code: "ServiceUnavailable", Probability: 0.1, Count: 5}},
		{in: "op=PutObject,reset=true", want: Fault{Operation: "PutObject", ResetMidBody: true}},
		{in: " service=oss , operation=GetObject , latency=250ms ", want: Fault{Service: "oss", Operation: "GetObject", Latency: 250 * time.Millisecond}},
		{in: "code=Throttling,message=slow down,n=1", want: Fault{Code: "Throttling", Message: "slow down", Count: 1}},
		{in: "bucket=cnfs-oss-flaky,status=503", want: Fault{Resource: "cnfs-oss-flaky", Status: 503}},
		{in: "op=CreateSnapshot,lose=true,n=1", want: Fault{Operation: "CreateSnapshot", LoseAnswer: true, Count: 1}},
		{in: "op=CreateSnapshot,lose=true,status=503", wantErr: "cannot also fail"},
		{in: "op=PutObject", wantErr: "does nothing"},
		{in: "op=PutObject,status=200", wantErr: "not an HTTP error status"},
		{in: "status=500,p=1.5", wantErr: "outside 0..1"},
		{in: "status=500,count=-1", wantErr: "negative"},
		{in: "status=abc", wantErr: "key status"},
		{in: "status=500,colour=red", wantErr: "valid keys: service, op, resource, status"},
		{in: "status", wantErr: "not key=value"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestMatch(t *testing.T) {
	inj := New()
	_, ok := inj.Match("oss", "PutObject", "b")
	assert.False(t, ok, "no faults, no match")

	limited := inj.Add(Fault{Service: "oss", Operation: "PutObject", Status: 503, Count: 2})
	inj.Add(Fault{Operation: "*", Status: 500})
	inj.Add(Fault{Service: "ecs", Status: 400})

	for i := 0; i < 2; i++ {
		f, ok := inj.Match("oss", "putobject", "b")
		require.True(t, ok)
		assert.Equal(t, 503, f.Status, "the first matching fault wins, names compare case-insensitively")
	}
	f, ok := inj.Match("oss", "PutObject", "b")
	require.True(t, ok)
	assert.Equal(t, 500, f.Status, "a used-up fault lets the next one match")
	f, ok = inj.Match("ecs", "CreateSnapshot", "b")
	require.True(t, ok)
	assert.Equal(t, 500, f.Status, "the catch-all precedes the ecs fault")

	list := inj.List()
	require.Len(t, list, 3)
	assert.Equal(t, limited, list[0].ID)
	assert.Equal(t, 2, list[0].Fired)
	assert.Equal(t, 2, list[1].Fired)

	assert.True(t, inj.Remove(list[1].ID))
	assert.False(t, inj.Remove(list[1].ID))
	f, ok = inj.Match("ecs", "CreateSnapshot", "b")
	require.True(t, ok)
	assert.Equal(t, 400, f.Status)
	_, ok = inj.Match("hbr", "CreateBackupJob", "b")
	assert.False(t, ok)

	inj.Clear()
	assert.Empty(t, inj.List())
}

func TestMatchResource(t *testing.T) {
	tests := []struct {
		pattern, resource string
		want              bool
	}{
		{"flaky", "flaky/backups/b1/b1.tar.gz", true},
		{"flaky", "flaky/", true},
		{"flaky", "other/backups/b1/b1.tar.gz", false},
		{"flaky", "flakyness/k", false},
		{"cnfs-*", "cnfs-oss-a/k", true},
		{"flaky/*.tar.gz", "flaky/backups/b1/b1.tar.gz", true},
		{"flaky/*.tar.gz", "flaky/backups/b1/velero-backup.json", false},
		{"flaky/*.tar.gz", "other/backups/b1/b1.tar.gz", false},
		{"flaky/backups/*/velero-backup.json", "flaky/backups/b1/velero-backup.json", true},
		{"flaky/backups/b1/b1.tar.gz", "flaky/backups/b1/b1.tar.gz", true},
		{"flaky/backups/b1/b1.tar.gz", "flaky/backups/b1/b1.tar.gz.tmp", false},
		{"*/a*b*c", "x/abbc", true},
		{"*/a*b*c", "x/acb", false},
	}
	for _, tt := range tests {
		inj := New()
		inj.Add(Fault{Resource: tt.pattern, Status: 503})
		_, ok := inj.Match("oss", "PutObject", tt.resource)
		assert.Equal(t, tt.want, ok, "%s against %s", tt.pattern, tt.resource)
	}
}

func TestMatchNil(t *testing.T) {
	var nilInj *Injector
	_, ok := nilInj.Match("oss", "PutObject", "b")
	assert.False(t, ok, "a nil injector injects nothing")
}

func TestMatchProbability(t *testing.T) {
	inj := New()
	inj.Add(Fault{Status: 500, Probability: 0.25})
	hits := 0
	for i := 0; i < 4000; i++ {
		if _, ok := inj.Match("oss", "GetObject", "b"); ok {
			hits++
		}
	}
	assert.InDelta(t, 1000, hits, 150)
}

func TestFaultJSON(t *testing.T) {
	f := Fault{Service: "oss", Operation: "UploadPart", Resource: "b1", Status: 503, Code: "ServiceUnavailable", Probability: 0.5,
		Count: 3, ResetMidBody: true, Latency: 1500 * time.Millisecond}
	data, err := json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, `{"service":"oss","operation":"UploadPart","resource":"b1","status":503,"code":"ServiceUnavailable",
		"probability":0.5,"count":3,"resetMidBody":true,"latency":"1.5s"}`, string(data))
	var back Fault
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, f, back)

	require.NoError(t, json.Unmarshal([]byte(`{"status":500,"latency":2000000}`), &back))
	assert.Equal(t, 2*time.Millisecond, back.Latency, "nanoseconds are accepted too")
	assert.Error(t, json.Unmarshal([]byte(`{"latency":"soon"}`), &back))
	assert.Error(t, json.Unmarshal([]byte(`{"latency":true}`), &back))
}

func TestFaultAnswerFillsInWhatTheFaultLeavesOut(t *testing.T) {
	statusOf := func(code string) int { return map[string]int{"Throttling": 400}[code] }
	codeOf := func(status int) string { return map[int]string{503: "ServiceUnavailable"}[status] }
	tests := []struct {
		name        string
		fault       Fault
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{"code only", Fault{Code: "Throttling"}, 400, "Throttling", "Injected fault: Throttling."},
		{"status only", Fault{Status: 503}, 503, "ServiceUnavailable", "Injected fault: ServiceUnavailable."},
		{"all given", Fault{Status: 500, Code: "X", Message: "boom"}, 500, "X", "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, msg := tt.fault.Answer(statusOf, codeOf)
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.wantCode, code)
			assert.Equal(t, tt.wantMessage, msg)
		})
	}
}
