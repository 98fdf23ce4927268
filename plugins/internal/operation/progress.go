// Package operation maps csdr-controller's records onto Velero's asynchronous operations: the item
// actions' Progress reads a record's status and nothing else (Velero starts the plugin anew for every
// poll), so both kinds of record read the same way.
package operation

import (
	"fmt"
	"time"

	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// BytesUnit is the unit `velero backup describe` shows an operation's progress in.
const BytesUnit = "Bytes"

// Record is what Velero's view of an operation is made of: a record's identity and status.
type Record struct {
	// Kind and Namespace/Name name the record in the message of a failure that says nothing else.
	Kind, Namespace, Name string
	Phase                 v1alpha1.Phase
	Message               string
	Progress              v1alpha1.Progress
	Started, Completed    *metav1.Time
	// ExpectedBytes is the total to show before HBR says one (a restore knows its backup's).
	ExpectedBytes int64
}

// Progress is Velero's view of the record at now. A terminal phase other than Completed fails the
// operation: Velero fails one only when Err is set, so a failure without a message still says what
// happened.
func Progress(r Record, now time.Time) velero.OperationProgress {
	phase := r.Phase
	if phase == "" {
		phase = v1alpha1.PhaseNew
	}
	p := velero.OperationProgress{Completed: phase.IsTerminal(), NCompleted: r.Progress.BytesDone,
		NTotal: r.Progress.BytesTotal, OperationUnits: BytesUnit, Description: string(phase), Updated: now}
	if p.NTotal == 0 {
		p.NTotal = r.ExpectedBytes
	}
	if r.Message != "" {
		p.Description += ": " + r.Message
	}
	if r.Started != nil {
		p.Started = r.Started.UTC()
	}
	if p.Completed && r.Completed != nil {
		p.Updated = r.Completed.UTC()
	}
	if p.Completed && !phase.IsSuccess() {
		p.Err = r.Message
		if p.Err == "" {
			p.Err = fmt.Sprintf("%s %s/%s ended %s", r.Kind, r.Namespace, r.Name, phase)
		}
	}
	return p
}
