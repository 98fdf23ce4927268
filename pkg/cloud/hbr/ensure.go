package hbr

import (
	"context"
	"errors"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"
)

// clockSkew widens a "created since" lookup: HBR stamps creations with its own clock, not the caller's.
const clockSkew = 5 * time.Minute

// ensure is how every creation here survives a lost answer, since HBR takes no idempotency token: look
// for what an earlier attempt (of this call, or of a caller that restarted) made, and create only when
// nothing is found; after an ambiguous failure (timeout, 5xx, reset connection, an answer without the
// ID) look again before creating again. A refusal is final and returned as is.
func ensure[T any](ctx context.Context, c *client, op string, fields logrus.Fields, find, create func() (T, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		found, err := find()
		if err == nil {
			if attempt > 1 {
				c.log.WithFields(fields).WithField("operation", op).Info("found what the attempt whose answer was lost created")
			}
			return found, nil
		}
		if !errors.Is(err, cloud.ErrNotFound) {
			return zero, err // already names the lookup; HBRError wording must stay in front
		}
		made, err := create()
		if err == nil || !errors.Is(err, cloud.ErrUnavailable) || attempt == acs.LostAttempts {
			return made, err
		}
		c.log.WithFields(fields).WithField("operation", op).WithField("requestID", cloud.RequestID(err)).
			Infof("%s answer lost (%v); looking for its result before creating again", op, err)
		if c.throttle.Sleep(ctx, time.Duration(attempt)*time.Second) != nil {
			return zero, err
		}
	}
}
