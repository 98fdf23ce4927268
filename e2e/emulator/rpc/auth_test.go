package rpc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCanonicalQueryEscaping(t *testing.T) {
	q := map[string][]string{"b": {"x y"}, "a": {"1+2*3~4/5"}, "c": {""}, "Tag.1.Key": {"ü"}}
	assert.Equal(t, "Tag.1.Key=%C3%BC&a=1%2B2%2A3~4%2F5&b=x%20y&c=", canonicalQuery(q),
		"sorted bytewise, RFC 3986 escaping, empty values kept")
}
