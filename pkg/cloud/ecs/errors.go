package ecs

import (
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"
)

// classify turns an SDK error into a *cloud.Error once, here, so nothing above this package looks at
// ECS codes.
func classify(op, resource string, err error) error {
	return acs.Classify("ecs", op, resource, err, func(ce *cloud.Error) error {
		ce.Kind = kindOf(ce.Status, ce.Code)
		return ce
	})
}

func kindOf(status int, code string) error {
	switch {
	case acs.DeniedCode(code):
		return cloud.ErrDenied
	case strings.HasPrefix(code, "Throttling") || status == 429:
		return cloud.ErrThrottled
	case strings.HasSuffix(code, ".NotFound") || status == 404:
		return cloud.ErrNotFound
	case status >= 500:
		return cloud.ErrUnavailable
	default:
		return cloud.ErrInvalid
	}
}

func notFound(op, resource, requestID, message string) error {
	return &cloud.Error{Service: "ecs", Operation: op, Resource: resource, Kind: cloud.ErrNotFound,
		Message: message, RequestID: requestID}
}
