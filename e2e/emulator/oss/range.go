package oss

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

type byteRange struct{ start, length int64 }

// parseRange interprets a Range header the way OSS does. OSS serves one range only. By default a range it
// cannot satisfy exactly (out of bounds, malformed, several ranges) is ignored and the whole object comes
// back with 200. With "x-oss-range-behavior: standard", which the SDK's downloader sends, an end beyond the
// object is clipped and a start beyond it is 416 InvalidRange.
func parseRange(header string, size int64, standard bool) (*byteRange, *apiError) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if header == "" || !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	unsatisfiable := func() (*byteRange, *apiError) {
		if !standard {
			return nil, nil
		}
		return nil, newError(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range cannot be satisfied.").
			with("RangeRequested", header).
			with("ActualObjectSize", strconv.FormatInt(size, 10))
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		switch {
		case err != nil || n < 0:
			return nil, nil
		case n == 0 || size == 0:
			return unsatisfiable()
		case n > size:
			if !standard {
				return nil, nil
			}
			n = size
		}
		return &byteRange{start: size - n, length: n}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil, nil
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return nil, nil
		}
	}
	if start >= size {
		return unsatisfiable()
	}
	if end >= size {
		if !standard {
			return nil, nil
		}
		end = size - 1
	}
	return &byteRange{start: start, length: end - start + 1}, nil
}

// checkConditions evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since. A 304
// status means "not modified, send no body"; a failed precondition is an error.
func checkConditions(h http.Header, m ObjectMeta) (int, *apiError) {
	return checkConditionsOf(h, "", m)
}

// checkConditionsOf evaluates the conditions whose header names start with prefix: CopyObject sends them as
// x-oss-copy-source-if-match and so on, about the source.
func checkConditionsOf(h http.Header, prefix string, m ObjectMeta) (int, *apiError) {
	failed := func(cond string) (int, *apiError) {
		return 0, newError(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.").
			with("Condition", strings.ToLower(prefix)+cond)
	}
	modified := m.LastModified.Truncate(time.Second)
	if v := h.Get(prefix + "If-Match"); v != "" && !etagMatches(v, m.ETag) {
		return failed("If-Match")
	}
	if v := h.Get(prefix + "If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && modified.After(t) {
			return failed("If-Unmodified-Since")
		}
	}
	if v := h.Get(prefix + "If-None-Match"); v != "" && etagMatches(v, m.ETag) {
		return http.StatusNotModified, nil
	}
	if v := h.Get(prefix + "If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !modified.After(t) {
			return http.StatusNotModified, nil
		}
	}
	return http.StatusOK, nil
}

func etagMatches(list, etag string) bool {
	want := normalizeETag(etag)
	for _, candidate := range strings.Split(list, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || normalizeETag(candidate) == want {
			return true
		}
	}
	return false
}

func normalizeETag(e string) string { return strings.ToUpper(strings.Trim(strings.TrimSpace(e), `"`)) }
