package vaultindex_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

// memStore is a bucket in memory with the server's behaviours the index relies on: create-if-absent
// is atomic, and each write is stamped with the store's clock, which tests move by hand.
type memStore struct {
	mu      sync.Mutex
	now     time.Time
	objects map[string]memObject
	fail    map[string]error // operation+" "+key -> error to return
	calls   []string
}

type memObject struct {
	data []byte
	at   time.Time
}

var _ vaultindex.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), objects: map[string]memObject{}, fail: map[string]error{}}
}

func (m *memStore) tick(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}

func (m *memStore) call(op, key string) error {
	m.calls = append(m.calls, op+" "+key)
	return m.fail[op+" "+key]
}

func (m *memStore) List(_ context.Context, prefix string) ([]vaultindex.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("List", prefix); err != nil {
		return nil, err
	}
	var out []vaultindex.Object
	for _, k := range slices.Sorted(maps.Keys(m.objects)) {
		if strings.HasPrefix(k, prefix) {
			out = append(out, vaultindex.Object{Key: k, LastModified: m.objects[k].at})
		}
	}
	return out, nil
}

func (m *memStore) Create(_ context.Context, key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Create", key); err != nil {
		return err
	}
	if _, ok := m.objects[key]; ok {
		return &cloud.Error{Service: "oss", Operation: "PutObject", Resource: key, Kind: cloud.ErrAlreadyExists, Code: "FileAlreadyExists", Status: 409}
	}
	m.objects[key] = memObject{data: slices.Clone(data), at: m.now}
	return nil
}

func (m *memStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Get", key); err != nil {
		return nil, err
	}
	o, ok := m.objects[key]
	if !ok {
		return nil, &cloud.Error{Service: "oss", Operation: "GetObject", Resource: key, Kind: cloud.ErrNotFound, Code: "NoSuchKey", Status: 404}
	}
	return slices.Clone(o.data), nil
}

func (m *memStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Delete", key); err != nil {
		return err
	}
	delete(m.objects, key)
	return nil
}

func (m *memStore) keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.objects))
}
