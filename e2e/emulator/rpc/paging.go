package rpc

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// PageInfo carries PageNumber/PageSize paging or MaxResults/NextToken paging, whichever the request used.
type PageInfo struct {
	TotalCount int32   `json:"TotalCount"`
	PageNumber *int32  `json:"PageNumber,omitempty"`
	PageSize   *int32  `json:"PageSize,omitempty"`
	NextToken  *string `json:"NextToken,omitempty"`
}

// Pager picks which of n matching items a Describe request gets.
type Pager struct {
	TokenPrefix string // makes tokens opaque-looking and lets a pager tell its tokens from garbage
	DefaultSize int64
	MaxSize     int64
	SizeParam   string // the token-paging size parameter: "" = MaxResults
}

// Paginate selects [start, end) of n items. MaxResults (or SizeParam) or NextToken select token paging;
// otherwise PageNumber/PageSize apply. tokenOnly is for actions that know no page numbers.
func (pg Pager) Paginate(p Params, n int, tokenOnly bool) (start, end int, info PageInfo, e *Error) {
	info.TotalCount = int32(n)
	sizeParam := pg.SizeParam
	if sizeParam == "" {
		sizeParam = "MaxResults"
	}
	if tokenOnly || p.Has(sizeParam) || p.Has("NextToken") {
		size, set, e := p.Integer(sizeParam, 1, pg.MaxSize)
		if e != nil {
			return 0, 0, info, e
		}
		if !set {
			size = pg.DefaultSize
		}
		if tok := p.Str("NextToken"); tok != "" {
			if start, e = pg.decodeToken(tok); e != nil {
				return 0, 0, info, e
			}
		}
		start, end = min(start, n), min(start+int(size), n)
		next := ""
		if end < n {
			next = pg.encodeToken(end)
		}
		info.NextToken = &next
		return start, end, info, nil
	}
	number, set, e := p.Integer("PageNumber", 1, 1<<31-1)
	if e != nil {
		return 0, 0, info, e
	}
	if !set {
		number = 1
	}
	size, set, e := p.Integer("PageSize", 1, pg.MaxSize)
	if e != nil {
		return 0, 0, info, e
	}
	if !set {
		size = pg.DefaultSize
	}
	num32, size32 := int32(number), int32(size)
	info.PageNumber, info.PageSize = &num32, &size32
	start = min(int((number-1)*size), n)
	return start, min(start+int(size), n), info, nil
}

func (pg Pager) encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pg.TokenPrefix + strconv.Itoa(offset)))
}

func (pg Pager) decodeToken(tok string) (int, *Error) {
	bad := NewError(http.StatusBadRequest, "InvalidParameter.NextToken", "The specified parameter NextToken is not valid.")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, bad
	}
	rest, ok := strings.CutPrefix(string(raw), pg.TokenPrefix)
	if !ok {
		return 0, bad
	}
	offset, err := strconv.Atoi(rest)
	if err != nil || offset < 0 {
		return 0, bad
	}
	return offset, nil
}
