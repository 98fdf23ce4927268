package backup

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// nodeLocks hold, in this process, which record of a backup uses which node. The cache may not show
// yet the node another worker chose a moment ago; these locks do, and the records' status.node covers
// what a previous process chose.
type nodeLocks struct {
	mu   sync.Mutex
	held map[string]string // backup UID + "/" + node -> record
}

func newNodeLocks() *nodeLocks { return &nodeLocks{held: map[string]string{}} }

func lockKey(backup types.UID, node string) string { return string(backup) + "/" + node }

// acquire takes the node for the record; it is false when another record of the backup holds it.
func (l *nodeLocks) acquire(backup types.UID, node, record string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if holder, ok := l.held[lockKey(backup, node)]; ok && holder != record {
		return false
	}
	l.held[lockKey(backup, node)] = record
	return true
}

// heldByOthers returns the nodes other records of the backup hold.
func (l *nodeLocks) heldByOthers(backup types.UID, record string) map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	prefix := string(backup) + "/"
	busy := map[string]bool{}
	for key, holder := range l.held {
		if holder != record && len(key) > len(prefix) && key[:len(prefix)] == prefix {
			busy[key[len(prefix):]] = true
		}
	}
	return busy
}

// release lets go of every node the record holds. Record names are unique in the namespace.
func (l *nodeLocks) release(record string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, holder := range l.held {
		if holder == record {
			delete(l.held, key)
		}
	}
}
