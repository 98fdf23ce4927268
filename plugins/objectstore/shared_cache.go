package objectstore

import "sync"

// Cache is what one plugin process remembers of shared vaults: the holders of backup names (a claim
// never changes hands while its backup exists) and the tombstones it has written. Velero starts a
// plugin process per reconcile, so this saves requests within one backup, sync or deletion.
type Cache struct {
	mu         sync.Mutex
	owners     map[string]string
	tombstones map[string]bool
}

// NewCache returns an empty cache; the plugin binary makes one for all its object stores.
func NewCache() *Cache {
	return &Cache{owners: map[string]string{}, tombstones: map[string]bool{}}
}

func (c *Cache) owner(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.owners[key]
	return o, ok
}

func (c *Cache) setOwner(key, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.owners[key] = owner
}

func (c *Cache) forgetOwner(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.owners, key)
}

// firstTombstone reports whether key is new to this process, and remembers it.
func (c *Cache) firstTombstone(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tombstones[key] {
		return false
	}
	c.tombstones[key] = true
	return true
}

func (c *Cache) unmarkTombstone(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tombstones, key)
}
