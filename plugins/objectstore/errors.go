package objectstore

import (
	"errors"
	"fmt"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
)

// The wording below is what ACK Backup Center users see and search for; keep it.
const vaultErrorPrefix = "VaultError: backup vault is unavailable"

// vaultUnavailable explains why the vault as a whole cannot be used, with the fix users usually need.
func vaultUnavailable(cfg bslconfig.Config, err error) error {
	return fmt.Errorf("%s: %s: %w", vaultErrorPrefix, vaultCause(cfg, err), err)
}

func vaultCause(cfg bslconfig.Config, err error) string {
	switch {
	case oss.IsBucketMissing(err):
		return fmt.Sprintf("bucket %q does not exist at %s", cfg.Bucket, cfg.Endpoint)
	case errors.Is(err, cloud.ErrDenied):
		return fmt.Sprintf("access to bucket %q is denied: check the credentials and their RAM policy", cfg.Bucket)
	case errors.Is(err, cloud.ErrUnavailable):
		hint := ""
		if cfg.Network == bslconfig.NetworkInternal {
			hint = " (network: internal only works inside the bucket's region; use network: public from elsewhere)"
		}
		return fmt.Sprintf("cannot reach bucket %q at %s%s", cfg.Bucket, cfg.Endpoint, hint)
	default:
		return fmt.Sprintf("bucket %q at %s", cfg.Bucket, cfg.Endpoint)
	}
}

// vaultLevel reports whether err means the whole vault is unusable rather than one object.
func vaultLevel(err error) bool {
	return oss.IsBucketMissing(err) || errors.Is(err, cloud.ErrDenied) || errors.Is(err, cloud.ErrUnavailable)
}

func listFailed(cfg bslconfig.Config, err error) error {
	if vaultLevel(err) {
		return vaultUnavailable(cfg, err)
	}
	return fmt.Errorf("check backup files in OSS bucket failed: %w", err)
}

// operationFailed keeps the operation's own wording and, when the vault itself is the problem, says so.
func operationFailed(cfg bslconfig.Config, what string, err error) error {
	if vaultLevel(err) {
		return fmt.Errorf("%s: %w", what, vaultUnavailable(cfg, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}
