package ecs

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

func paramsOf(query string) params {
	v, _ := url.ParseQuery(query)
	return params{rpc.Params{V: v}}
}

func TestReadParamsMergesQueryAndForm(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/?Action=CreateDisk&Tag.1.Key=a", strings.NewReader("Tag.1.Value=b&Size=20"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	p, body, e := readParams(r)
	require.Nil(t, e)
	assert.Equal(t, "Tag.1.Value=b&Size=20", string(body), "the body is kept for the payload hash")
	assert.Equal(t, "CreateDisk", p.str("Action"))
	assert.Equal(t, "20", p.str("Size"))
	tags, e := p.tags("Tag")
	require.Nil(t, e)
	assert.Equal(t, []Tag{{Key: "a", Value: "b"}}, tags)

	r = httptest.NewRequest(http.MethodPost, "/?Size=1", strings.NewReader("Size=2"))
	r.Header.Set("Content-Type", "application/json")
	p, _, e = readParams(r)
	require.Nil(t, e)
	assert.Equal(t, []string{"1"}, p.V["Size"], "only form bodies carry parameters")
}

func TestParamLists(t *testing.T) {
	p := paramsOf("DiskId.2=d-b&DiskId.1=d-a&DiskId.10=d-j&DiskId.3=&DiskIdX=1&DiskId=d-single&" +
		"Tag.2.Key=k2&Tag.2.Value=v2&Tag.1.Key=k1&Tag.3.Key=k1&Tag.3.Value=again")
	assert.Equal(t, []string{"d-a", "d-b", "d-j"}, p.list("DiskId"), "ordered by N, numerically; empty entries dropped")
	tags, e := p.tags("Tag")
	require.Nil(t, e)
	assert.Equal(t, []Tag{{Key: "k1", Value: "again"}, {Key: "k2", Value: "v2"}}, tags, "a repeated key keeps its last value")
	assert.Empty(t, paramsOf("").list("DiskId"))
}

func TestParamTagsRefused(t *testing.T) {
	tests := []struct {
		query string
		code  string
	}{
		{"Tag.1.Value=v", "InvalidTagKey.Malformed"},
		{"Tag.1.Key=aliyun-owned&Tag.1.Value=v", "InvalidTagKey.Malformed"},
		{"Tag.1.Key=acs:x", "InvalidTagKey.Malformed"},
	}
	many := make([]string, 0, 21)
	for i := 1; i <= 21; i++ {
		many = append(many, "Tag."+strconv.Itoa(i)+".Key=k"+strconv.Itoa(i))
	}
	tests = append(tests, struct {
		query string
		code  string
	}{strings.Join(many, "&"), "InvalidTagCount"})
	for _, tt := range tests {
		_, e := paramsOf(tt.query).tags("Tag")
		require.NotNil(t, e, tt.query)
		assert.Equal(t, tt.code, e.Code, tt.query)
		assert.Equal(t, http.StatusBadRequest, e.Status)
	}
}

func TestParamJSONList(t *testing.T) {
	p := paramsOf(url.Values{"SnapshotIds": {`["s-1","s-2"]`}, "Empty": {""}, "Bad": {"s-1,s-2"}, "Long": {`["a","b","c"]`}}.Encode())
	ids, e := p.jsonList("SnapshotIds", 100)
	require.Nil(t, e)
	assert.Equal(t, []string{"s-1", "s-2"}, ids)
	ids, e = p.jsonList("Empty", 100)
	assert.Nil(t, e)
	assert.Nil(t, ids, "absent and empty mean no filter")
	_, e = p.jsonList("Bad", 100)
	require.NotNil(t, e)
	assert.Equal(t, "InvalidBad.Malformed", e.Code)
	_, e = p.jsonList("Long", 2)
	require.NotNil(t, e, "more IDs than the limit")
}

func TestParamScalars(t *testing.T) {
	p := paramsOf("Force=true&Lower=TRUE&No=false&Maybe=yes&Size=20&Neg=-1&Big=99999999999&Word=ten")
	for name, want := range map[string]bool{"Force": true, "Lower": true, "No": false} {
		v, set, e := p.boolean(name)
		require.Nil(t, e, name)
		assert.True(t, set, name)
		assert.Equal(t, want, v, name)
	}
	_, set, e := p.boolean("Absent")
	assert.Nil(t, e)
	assert.False(t, set)
	_, _, e = p.boolean("Maybe")
	require.NotNil(t, e)
	assert.Equal(t, "InvalidParameter", e.Code)

	n, set, e := p.integer("Size", 1, 100)
	require.Nil(t, e)
	assert.True(t, set)
	assert.Equal(t, int64(20), n)
	for _, name := range []string{"Neg", "Big", "Word"} {
		_, _, e := p.integer(name, 0, 1<<31-1)
		require.NotNil(t, e, name)
		assert.Contains(t, e.Message, name)
	}
	_, e = p.required("Missing")
	require.NotNil(t, e)
	assert.Equal(t, "MissingParameter", e.Code)
}

func TestFingerprintIgnoresProtocolParameters(t *testing.T) {
	a := paramsOf("Action=CreateDisk&Size=20&Timestamp=1&SignatureNonce=x&Signature=s&ClientToken=t")
	b := paramsOf("Size=20&Action=CreateDisk&Timestamp=2&SignatureNonce=y&Signature=z&ClientToken=t")
	assert.Equal(t, a.fingerprint(), b.fingerprint(), "a retry re-signs but asks for the same thing")
	assert.NotEqual(t, a.fingerprint(), paramsOf("Action=CreateDisk&Size=21").fingerprint())
}

func TestPaginate(t *testing.T) {
	start, end, info, e := paginate(paramsOf("PageNumber=2&PageSize=3"), 7, false)
	require.Nil(t, e)
	assert.Equal(t, []int{3, 6}, []int{start, end})
	assert.Equal(t, int32(2), *info.PageNumber)
	assert.Nil(t, info.NextToken)

	start, end, _, e = paginate(paramsOf("PageNumber=9"), 7, false)
	require.Nil(t, e)
	assert.Equal(t, start, end, "a page past the end is empty")

	start, end, info, e = paginate(paramsOf("MaxResults=5"), 7, false)
	require.Nil(t, e)
	assert.Equal(t, []int{0, 5}, []int{start, end})
	require.NotEmpty(t, *info.NextToken)
	start, end, info, e = paginate(paramsOf("MaxResults=5&NextToken="+*info.NextToken), 7, false)
	require.Nil(t, e)
	assert.Equal(t, []int{5, 7}, []int{start, end})
	assert.Empty(t, *info.NextToken, "the last page has no next token")

	for _, q := range []string{"PageSize=101", "PageSize=0", "PageNumber=0", "MaxResults=0", "NextToken=bm9wZQ"} {
		_, _, _, e := paginate(paramsOf(q), 7, false)
		assert.NotNil(t, e, q)
	}
}
