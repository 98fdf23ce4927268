package datalocations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// checkTimeout bounds one location's check, retries included: a region out of reach makes that
// location Unknown rather than hold up the others.
const checkTimeout = 30 * time.Second

// check asks the cloud, with one call, whether a location's snapshot exists, and returns the location
// with its new State, Message and CheckedAt.
func (r *Reconciler) check(ctx context.Context, log logrus.FieldLogger, l datalocation.Location, now time.Time) datalocation.Location {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	var err error
	switch {
	case l.Region == "":
		err = errors.New("no region recorded")
	case l.Kind == datalocation.ECSSnapshot:
		err = r.ecsSnapshot(ctx, l)
	case l.Kind == datalocation.HBRSnapshot && l.Vault == "":
		err = errors.New("no vault recorded")
	default:
		err = r.hbrSnapshot(ctx, l)
	}
	l.CheckedAt = &now
	l.State, l.Message = stateOf(err)
	if l.State == datalocation.Unknown {
		// The whole error (the service's message too) at debug only: Message keeps what the user needs,
		// and a missing permission would otherwise log a line per volume and period.
		log.WithFields(logrus.Fields{"volume": l.Volume, "kind": l.Kind, "id": l.ID, "region": l.Region, "requestID": cloud.RequestID(err)}).
			WithError(err).Debug("a data location could not be checked")
	}
	return l
}

func (r *Reconciler) ecsSnapshot(ctx context.Context, l datalocation.Location) error {
	c, err := r.clients.ecs()
	if err != nil {
		return err
	}
	_, err = c.DescribeSnapshot(ctx, l.Region, l.ID)
	return err
}

func (r *Reconciler) hbrSnapshot(ctx context.Context, l datalocation.Location) error {
	c, err := r.clients.hbr()
	if err != nil {
		return err
	}
	_, err = c.Snapshot(ctx, l.Region, l.Vault, l.ID)
	return err
}

// stateOf reads a check's outcome. Only the cloud's own answer that the snapshot, or its vault, is gone
// makes a location Missing; anything else says nothing about the data.
func stateOf(err error) (datalocation.State, string) {
	switch {
	case err == nil:
		return datalocation.Exists, ""
	case errors.Is(err, cloud.ErrNotFound), errors.Is(err, hbr.ErrVaultDeleted):
		return datalocation.Missing, ""
	default:
		return datalocation.Unknown, reason(err)
	}
}

// reason is a short Message for an Unknown location: the kind of failure, and for a cloud error the
// operation, the service's code and the request ID support asks for. The service's free-text message
// is left out: it is long, and nothing guarantees it names no credential.
func reason(err error) string {
	kind := "check failed"
	for _, k := range []struct {
		err  error
		text string
	}{{cloud.ErrDenied, "access denied"}, {cloud.ErrThrottled, "throttled"}, {cloud.ErrUnavailable, "service unavailable"},
		{cloud.ErrInvalid, "request refused"}, {context.DeadlineExceeded, "timed out"}} {
		if errors.Is(err, k.err) {
			kind = k.text
			break
		}
	}
	var ce *cloud.Error
	if !errors.As(err, &ce) {
		if kind == "check failed" {
			return kind + ": " + err.Error()
		}
		return kind
	}
	details := []string{ce.Service + " " + ce.Operation}
	if ce.Code != "" {
		details = append(details, ce.Code)
	}
	if ce.RequestID != "" {
		details = append(details, "request id "+ce.RequestID)
	}
	return fmt.Sprintf("%s (%s)", kind, strings.Join(details, ", "))
}

// clients builds the ECS and HBR clients the first time a location needs one, and again after a
// failure (a credentials file not mounted yet).
type clients struct {
	newECS func() (ecs.Client, error)
	newHBR func() (hbr.Client, error)

	mu   sync.Mutex
	ecsC ecs.Client
	hbrC hbr.Client
}

func (c *clients) ecs() (ecs.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ecsC == nil {
		if c.newECS == nil {
			return nil, errors.New("no ECS client configured")
		}
		cl, err := c.newECS()
		if err != nil {
			return nil, fmt.Errorf("ecs client: %w", err)
		}
		c.ecsC = cl
	}
	return c.ecsC, nil
}

func (c *clients) hbr() (hbr.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hbrC == nil {
		if c.newHBR == nil {
			return nil, errors.New("no HBR client configured")
		}
		cl, err := c.newHBR()
		if err != nil {
			return nil, fmt.Errorf("hbr client: %w", err)
		}
		c.hbrC = cl
	}
	return c.hbrC, nil
}
