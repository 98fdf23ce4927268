package fsbackup

import (
	"errors"
	"fmt"
)

// Action is who copies a claim's data.
type Action string

// The actions Decide returns.
const (
	// HBR: Cloud Backup copies the volume's files; the item action creates the record for it.
	HBR Action = "HBR"
	// Snapshot: an Alibaba disk our VolumeSnapshotter snapshots when Velero asks; the item action
	// does nothing.
	Snapshot Action = "Snapshot"
	// Skip: not ours to copy (nothing to copy, opted out, or another mover's).
	Skip Action = "Skip"
	// Refuse: HBR was chosen but cannot read this volume; the backup reports Decision.Err.
	Refuse Action = "Refuse"
)

// Reason says which rule decided, for logs, records and tests.
type Reason string

// The rules of the decision table in the package documentation.
const (
	ReasonUnbound           Reason = "Unbound"
	ReasonPolicyHBR         Reason = "PolicyHBR"
	ReasonOtherCustomAction Reason = "OtherCustomAction"
	ReasonPolicySkip        Reason = "PolicySkip"
	ReasonPolicyFSBackup    Reason = "PolicyFSBackup"
	ReasonPolicySnapshot    Reason = "PolicySnapshot"
	ReasonVeleroFSBackup    Reason = "VeleroFSBackup"
	ReasonSnapshotsDisabled Reason = "SnapshotsDisabled"
	ReasonAlibabaDisk       Reason = "AlibabaDisk"
	ReasonDefault           Reason = "Default"
	ReasonOptOut            Reason = "OptOut"
	ReasonBlockMode         Reason = "BlockMode"
	ReasonHostPath          Reason = "HostPath"
)

// ErrRefused is the start of every refusal, in ACK Backup Center's words: users search for them.
var ErrRefused = errors.New("HBR backup request failed")

// Decision is what to do with one claim.
type Decision struct {
	Action Action
	Reason Reason
	// Detail explains the decision in a sentence that names the claim.
	Detail string
	// Source names the volume's kind, e.g. "csi nasplugin.csi.alibabacloud.com", "nfs", "local";
	// empty for an unbound claim.
	Source string
	// DiskID is the ECS disk of an Alibaba disk volume, whatever the action.
	DiskID string
	// Parameters are the matching volume policy's action parameters (mover: hbr and any others); nil
	// when no policy matched.
	Parameters map[string]any
}

// Err is the refusal as an error wrapping ErrRefused, nil for every other action.
func (d Decision) Err() error {
	if d.Action != Refuse {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrRefused, d.Detail)
}

func (d Decision) String() string {
	return fmt.Sprintf("%s (%s): %s", d.Action, d.Reason, d.Detail)
}
