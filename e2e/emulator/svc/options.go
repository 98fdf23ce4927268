package svc

import (
	"io"
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
