package rpc

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func paramsOf(query string) Params {
	v, _ := url.ParseQuery(query)
	return Params{V: v}
}

func TestIndexedKeepsNestedFields(t *testing.T) {
	p := paramsOf("Filters.2.Key=Status&Filters.1.Key=VaultId&Filters.1.Values.1=v-1&Filters.1.Values.2=v-2&Filters.1.Operator=IN")
	got := p.Indexed("Filters")
	require.Len(t, got, 2)
	assert.Equal(t, map[string]string{"Key": "VaultId", "Values.1": "v-1", "Values.2": "v-2", "Operator": "IN"}, got[0])
	assert.Equal(t, map[string]string{"Key": "Status"}, got[1])
}

func TestPagerTokens(t *testing.T) {
	pg := Pager{TokenPrefix: "unit:", DefaultSize: 2, MaxSize: 3, SizeParam: "Limit"}
	start, end, info, e := pg.Paginate(paramsOf(""), 5, true)
	require.Nil(t, e)
	assert.Equal(t, []int{0, 2}, []int{start, end})
	start, end, info, e = pg.Paginate(paramsOf("Limit=3&NextToken="+*info.NextToken), 5, true)
	require.Nil(t, e)
	assert.Equal(t, []int{2, 5}, []int{start, end})
	assert.Empty(t, *info.NextToken)
	_, _, _, e = pg.Paginate(paramsOf("NextToken="+(Pager{TokenPrefix: "other:"}).encodeToken(1)), 5, true)
	assert.NotNil(t, e, "another pager's token is refused")
}
