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

func (c *Cache) tombstoned(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tombstones[key]
}

// rememberTombstone records a tombstone written and reports whether it is new to this process.
func (c *Cache) rememberTombstone(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	first := !c.tombstones[key]
	c.tombstones[key] = true
	return first
}
