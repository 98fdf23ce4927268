package svc

import (
	"io"
	"maps"
	"slices"
	"time"

	"github.com/sirupsen/logrus"
)

// Logger is the service's logger: log, or one that discards when log is nil, with the service's name.
func Logger(log logrus.FieldLogger, service string) logrus.FieldLogger {
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	return log.WithField("service", service)
}

// Duration resolves a duration option: 0 is the default def, a negative one (the services' Instant) is
// no time at all.
func Duration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// SortedValues lists a map's values in the order of their keys, so answers and state do not change
// from one call to the next.
func SortedValues[T any](m map[string]*T) []*T {
	out := make([]*T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// RetentionEnd is when a retention of days from created releases a resource; ok is false for one kept
// until deleted (days <= 0).
func RetentionEnd(created time.Time, days int64) (end time.Time, ok bool) {
	if days <= 0 {
		return time.Time{}, false
	}
	return created.Add(time.Duration(days) * 24 * time.Hour), true
}
