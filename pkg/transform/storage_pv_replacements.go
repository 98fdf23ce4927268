package transform

import "sync"

// PVReplacements remembers, for one restore, the PVs the storage rules chose not to restore because
// their data cannot follow them to the target class. Velero restores PVs before the PVCs bound to them,
// so the rule that sees a PVC can reset its binding and let the class provision a new volume.
type PVReplacements interface {
	// Record says the PV named pv is not restored, and why.
	Record(pv, reason string)
	// Replaced returns why the PV named pv is not restored, and whether it was recorded.
	Replaced(pv string) (reason string, ok bool)
}

// NewPVReplacements returns an empty in-memory PVReplacements, safe for concurrent use. Build one per
// restore: PV names are reused across restores.
func NewPVReplacements() PVReplacements {
	return &memoryPVReplacements{reasons: map[string]string{}}
}

type memoryPVReplacements struct {
	mu      sync.RWMutex
	reasons map[string]string
}

var _ PVReplacements = (*memoryPVReplacements)(nil)

func (m *memoryPVReplacements) Record(pv, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reasons[pv] = reason
}

func (m *memoryPVReplacements) Replaced(pv string) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	reason, ok := m.reasons[pv]
	return reason, ok
}
