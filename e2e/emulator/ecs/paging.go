package ecs

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

const (
	defaultPageSize = 10
	maxPageSize     = 100
)

// paginate picks which of n matching items a Describe request gets. MaxResults or NextToken select token
// paging; otherwise PageNumber/PageSize apply. tokenOnly is for actions that know no page numbers.
func paginate(p params, n int, tokenOnly bool) (start, end int, info pageInfo, e *apiError) {
	info.TotalCount = int32(n)
	if tokenOnly || p.has("MaxResults") || p.has("NextToken") {
		size, set, e := p.integer("MaxResults", 1, maxPageSize)
		if e != nil {
			return 0, 0, info, e
		}
		if !set {
			size = defaultPageSize
		}
		if tok := p.str("NextToken"); tok != "" {
			if start, e = decodeToken(tok); e != nil {
				return 0, 0, info, e
			}
		}
		start, end = min(start, n), min(start+int(size), n)
		next := ""
		if end < n {
			next = encodeToken(end)
		}
		info.NextToken = &next
		return start, end, info, nil
	}
	number, set, e := p.integer("PageNumber", 1, 1<<31-1)
	if e != nil {
		return 0, 0, info, e
	}
	if !set {
		number = 1
	}
	size, set, e := p.integer("PageSize", 1, maxPageSize)
	if e != nil {
		return 0, 0, info, e
	}
	if !set {
		size = defaultPageSize
	}
	num32, size32 := int32(number), int32(size)
	info.PageNumber, info.PageSize = &num32, &size32
	start = min(int((number-1)*size), n)
	return start, min(start+int(size), n), info, nil
}

// tokenPrefix makes tokens opaque-looking and lets decodeToken tell a token from garbage.
const tokenPrefix = "ecs-emulator-offset:"

func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + strconv.Itoa(offset)))
}

func decodeToken(tok string) (int, *apiError) {
	bad := newError(http.StatusBadRequest, "InvalidParameter.NextToken", "The specified parameter NextToken is not valid.")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, bad
	}
	rest, ok := strings.CutPrefix(string(raw), tokenPrefix)
	if !ok {
		return 0, bad
	}
	offset, err := strconv.Atoi(rest)
	if err != nil || offset < 0 {
		return 0, bad
	}
	return offset, nil
}
