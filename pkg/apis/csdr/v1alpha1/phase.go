package v1alpha1

// Phase is where a record's work stands. Both kinds share it.
//
// +kubebuilder:validation:Enum=New;Preparing;InProgress;Completed;PartiallyFailed;Failed;Canceling;Canceled
type Phase string

const (
	// PhaseNew: created, nothing done yet (the empty phase reads the same).
	PhaseNew Phase = "New"
	// PhasePreparing: choosing the node, mounting the volume in a pod, finding the vault and the
	// container cluster; no HBR job yet.
	PhasePreparing Phase = "Preparing"
	// PhaseInProgress: the HBR job runs.
	PhaseInProgress Phase = "InProgress"
	// PhaseCompleted: HBR finished with every file.
	PhaseCompleted Phase = "Completed"
	// PhasePartiallyFailed: HBR finished, some files could not be read or written (PARTIAL_COMPLETE).
	PhasePartiallyFailed Phase = "PartiallyFailed"
	// PhaseFailed: no usable result; the message says why, in ACK Backup Center's words.
	PhaseFailed Phase = "Failed"
	// PhaseCanceling: spec.cancel is set and HBR was asked to stop the job.
	PhaseCanceling Phase = "Canceling"
	// PhaseCanceled: the job stopped on request.
	PhaseCanceled Phase = "Canceled"
)

// Phases lists every phase, in the order a record can pass through them.
var Phases = []Phase{PhaseNew, PhasePreparing, PhaseInProgress, PhaseCanceling,
	PhaseCompleted, PhasePartiallyFailed, PhaseFailed, PhaseCanceled}

// IsTerminal reports whether the phase is final: the controller does nothing more for the record and
// Velero's operation is over.
func (p Phase) IsTerminal() bool {
	switch p {
	case PhaseCompleted, PhasePartiallyFailed, PhaseFailed, PhaseCanceled:
		return true
	}
	return false
}

// IsSuccess reports whether the phase is Completed: every file is in. Every other terminal phase is
// an error for Velero's operation (PartiallyFailed keeps a snapshot that lacks some files).
func (p Phase) IsSuccess() bool { return p == PhaseCompleted }
