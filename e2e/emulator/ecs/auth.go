package ecs

import "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"

// Key and KeyLookup are the emulator's accepted keys, shared by every service.
type (
	Key       = svc.Key
	KeyLookup = svc.KeyLookup
)
