package rpc

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Params are the request parameters: the URL query plus an application/x-www-form-urlencoded body.
// The SDK flattens lists and structs ("Tag.1.Key", "DiskId.2"), sends some lists as JSON arrays by API
// design ("DiskIds", "ContainerResources") and booleans and integers as decimal text.
type Params struct{ V url.Values }

// ReadParams reads the body (kept for the V3 payload hash) and merges its form fields into the query's.
func ReadParams(r *http.Request) (Params, []byte, *Error) {
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		if err != nil {
			return Params{}, nil, NewError(http.StatusBadRequest, "InvalidParameter", "The request body could not be read.")
		}
		if len(body) > MaxBody {
			return Params{}, nil, NewError(http.StatusBadRequest, "InvalidParameter", "The request body is too large.")
		}
	}
	v := r.URL.Query()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return Params{}, nil, NewError(http.StatusBadRequest, "InvalidParameter", "The form body is not well formed.")
		}
		for k, vals := range form {
			v[k] = append(v[k], vals...)
		}
	}
	return Params{V: v}, body, nil
}

// Has reports whether the parameter is present, even empty.
func (p Params) Has(name string) bool { return len(p.V[name]) > 0 }

// Str is the parameter's first value, "" when absent.
func (p Params) Str(name string) string { return p.V.Get(name) }

// Required is the parameter's value, or MissingParameter when it is absent or empty.
func (p Params) Required(name string) (string, *Error) {
	s := p.V.Get(name)
	if s == "" {
		return "", ErrMissing(name)
	}
	return s, nil
}

// Boolean reads "true" or "false"; set is false when the parameter is absent.
func (p Params) Boolean(name string) (val, set bool, e *Error) {
	if !p.Has(name) {
		return false, false, nil
	}
	switch strings.ToLower(p.Str(name)) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, ErrInvalidParam(name, "It must be true or false.")
}

// Integer reads a decimal in [lo, hi]; set is false when the parameter is absent.
func (p Params) Integer(name string, lo, hi int64) (val int64, set bool, e *Error) {
	if !p.Has(name) {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(p.Str(name), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, false, ErrInvalidParam(name, fmt.Sprintf("It must be an integer from %d to %d.", lo, hi))
	}
	return n, true, nil
}

var indexedKey = regexp.MustCompile(`^(\d+)(?:\.(.+))?$`)

// Indexed collects "name.N" (field "") or "name.N.field" values by N, in N order. A field may itself be
// indexed ("Filters.1.Values.2"): it is returned whole, for a second Indexed-style split by the caller.
func (p Params) Indexed(name string) []map[string]string {
	byIndex := map[int]map[string]string{}
	prefix := name + "."
	for k, vals := range p.V {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok || len(vals) == 0 {
			continue
		}
		m := indexedKey.FindStringSubmatch(rest)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if byIndex[n] == nil {
			byIndex[n] = map[string]string{}
		}
		byIndex[n][m[2]] = vals[0]
	}
	idx := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]map[string]string, 0, len(idx))
	for _, n := range idx {
		out = append(out, byIndex[n])
	}
	return out
}

// List reads a repeated parameter "name.1", "name.2", ... skipping empty entries.
func (p Params) List(name string) []string {
	var out []string
	for _, m := range p.Indexed(name) {
		if v := m[""]; v != "" {
			out = append(out, v)
		}
	}
	return out
}

// JSONList reads a parameter the API defines as a JSON array of strings, such as DiskIds.
func (p Params) JSONList(name string, limit int) ([]string, *Error) {
	if !p.Has(name) || p.Str(name) == "" {
		return nil, nil
	}
	var ids []string
	malformed := NewError(http.StatusBadRequest, "Invalid"+name+".Malformed",
		fmt.Sprintf("The specified parameter %s is not valid: it must be a JSON array of at most %d IDs.", name, limit))
	if err := json.Unmarshal([]byte(p.Str(name)), &ids); err != nil || len(ids) > limit {
		return nil, malformed
	}
	return ids, nil
}
