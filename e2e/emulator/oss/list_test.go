package oss

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testBucket(keys ...string) *bucket {
	b := &bucket{objects: map[string]*objectRecord{}}
	for _, k := range keys {
		b.objects[k] = &objectRecord{ObjectMeta: ObjectMeta{Key: k}}
		b.keys = append(b.keys, k)
	}
	sort.Strings(b.keys)
	return b
}

func names(entries []listEntry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.name())
	}
	return out
}

func TestBucketList(t *testing.T) {
	b := testBucket("a", "a/", "a/1", "a/2", "a/b/1", "ab", "b/1", "b/2", "c", "\xff\xff/x", "\xff\xffz")
	tests := []struct {
		name, prefix, delimiter, marker string
		limit                           int
		want                            []string
		truncated                       bool
	}{
		{name: "all", limit: 100, want: b.keys},
		{name: "limit", limit: 2, want: []string{"a", "a/"}, truncated: true},
		{name: "exact fit is not truncated", limit: len(b.keys), want: b.keys},
		{name: "zero limit", limit: 0, want: []string{}, truncated: true},
		{name: "delimiter", delimiter: "/", limit: 100, want: []string{"a", "a/", "ab", "b/", "c", "\xff\xff/", "\xff\xffz"}},
		{name: "prefix and delimiter", prefix: "a/", delimiter: "/", limit: 100, want: []string{"a/", "a/1", "a/2", "a/b/"}},
		{name: "marker is a key", prefix: "a/", marker: "a/1", limit: 100, want: []string{"a/2", "a/b/1"}},
		{name: "marker is a common prefix", delimiter: "/", marker: "a/", limit: 100, want: []string{"ab", "b/", "c", "\xff\xff/", "\xff\xffz"}},
		{name: "marker that only looks like a prefix without delimiter", marker: "a/", limit: 100,
			want: []string{"a/1", "a/2", "a/b/1", "ab", "b/1", "b/2", "c", "\xff\xff/x", "\xff\xffz"}},
		{name: "marker under an all-0xff prefix", delimiter: "/", marker: "\xff\xff/", limit: 100, want: []string{"\xff\xffz"}},
		{name: "multi-char delimiter", delimiter: "/1", limit: 100, want: []string{"a", "a/", "a/1", "a/2", "a/b/1", "ab", "b/1", "b/2", "c", "\xff\xff/x", "\xff\xffz"}},
		{name: "prefix with no keys", prefix: "zz", limit: 100, want: []string{}},
		{name: "truncated on a common prefix", delimiter: "/", limit: 4, want: []string{"a", "a/", "ab", "b/"}, truncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, truncated := b.list(tt.prefix, tt.delimiter, tt.marker, tt.limit)
			assert.Equal(t, tt.want, names(got))
			assert.Equal(t, tt.truncated, truncated)
		})
	}
}

// Paging by "last entry as marker" must visit every key exactly once for any page size.
func TestBucketListPagingIsComplete(t *testing.T) {
	b := testBucket("x/1", "x/2", "x/3/a", "x/3/b", "x/4", "y", "y/", "y//", "z/z/z")
	full, _ := b.list("", "/", "", 1000)
	for limit := 1; limit <= len(full)+1; limit++ {
		var got []string
		marker := ""
		for pages := 0; ; pages++ {
			require.LessOrEqual(t, pages, len(full), "paging does not terminate at page size %d", limit)
			page, truncated := b.list("", "/", marker, limit)
			got = append(got, names(page)...)
			if !truncated {
				break
			}
			marker = page[len(page)-1].name()
		}
		assert.Equal(t, names(full), got, "page size %d", limit)
	}
}

func TestPrefixEnd(t *testing.T) {
	assert.Equal(t, "b", prefixEnd("a"))
	assert.Equal(t, "a0", prefixEnd("a/"))
	assert.Equal(t, "b", prefixEnd("a\xff"))
	assert.Equal(t, "", prefixEnd("\xff\xff"))
	assert.Equal(t, "", prefixEnd(""))
}
