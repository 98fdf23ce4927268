package hbr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

// filter is one of DescribeBackupJobs2's or DescribeRestoreJobs2's Filters: Key, Operator (IN when
// absent) and Values.
type filter struct {
	key, op string
	values  []string
}

var operators = []string{"EQUAL", "NOT_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "BETWEEN", "IN"}

// readFilters parses "Filters.N.Key", "Filters.N.Operator", "Filters.N.Values.M" against the keys an
// action knows; time keys take unix seconds.
func readFilters(p rpc.Params, keys []string) ([]filter, *rpc.Error) {
	var out []filter
	for _, m := range p.Indexed("Filters") {
		f := filter{key: m["Key"], op: strings.ToUpper(orDefault(m["Operator"], "IN"))}
		if !slices.Contains(keys, f.key) {
			return nil, rpc.ErrInvalidParam("Filters.Key", fmt.Sprintf("Key %q is not one of %s.", f.key, strings.Join(keys, ", ")))
		}
		if !slices.Contains(operators, f.op) {
			return nil, rpc.ErrInvalidParam("Filters.Operator", fmt.Sprintf("Operator %q is not one of %s.", f.op, strings.Join(operators, ", ")))
		}
		vals := rpc.Params{V: map[string][]string{}}
		for k, v := range m {
			if rest, ok := strings.CutPrefix(k, "Values."); ok {
				vals.V["Values."+rest] = []string{v}
			}
		}
		f.values = vals.List("Values")
		if len(f.values) == 0 || (f.op == "BETWEEN" && len(f.values) != 2) {
			return nil, rpc.ErrInvalidParam("Filters.Values", fmt.Sprintf("Filter %s %s needs values (BETWEEN two).", f.key, f.op))
		}
		if isTimeKey(f.key) {
			for _, v := range f.values {
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					return nil, rpc.ErrInvalidParam("Filters.Values", fmt.Sprintf("Filter %s takes unix seconds, not %q.", f.key, v))
				}
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func isTimeKey(key string) bool { return strings.HasSuffix(key, "Time") }

// matchAll reports whether the fields (by filter key) pass every filter.
func matchAll(filters []filter, field func(key string) string) bool {
	for _, f := range filters {
		if !f.match(field(f.key)) {
			return false
		}
	}
	return true
}

func (f filter) match(have string) bool {
	cmp := func(want string) int {
		if isTimeKey(f.key) {
			h, _ := strconv.ParseInt(have, 10, 64)
			w, _ := strconv.ParseInt(want, 10, 64)
			return compareInt(h, w)
		}
		return strings.Compare(have, want)
	}
	switch f.op {
	case "EQUAL":
		return cmp(f.values[0]) == 0
	case "NOT_EQUAL":
		return cmp(f.values[0]) != 0
	case "GREATER_THAN":
		return cmp(f.values[0]) > 0
	case "GREATER_THAN_OR_EQUAL":
		return cmp(f.values[0]) >= 0
	case "LESS_THAN":
		return cmp(f.values[0]) < 0
	case "LESS_THAN_OR_EQUAL":
		return cmp(f.values[0]) <= 0
	case "BETWEEN":
		return cmp(f.values[0]) >= 0 && cmp(f.values[1]) <= 0
	case "NOT_IN": // only from SearchHistoricalSnapshots' Query
		return !f.in(cmp)
	default: // IN
		return f.in(cmp)
	}
}

func (f filter) in(cmp func(want string) int) bool {
	for _, v := range f.values {
		if cmp(v) == 0 {
			return true
		}
	}
	return false
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
