package vaultindex_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

func newVault() (vaultindex.Vault, *memStore) {
	s := newMemStore()
	return vaultindex.Vault{Store: s, Layout: vaultindex.NewLayout("velero")}, s
}

func TestClaim(t *testing.T) {
	ctx := context.Background()
	v, s := newVault()

	owner, err := v.Claim(ctx, "n", "uid-a")
	require.NoError(t, err)
	assert.Equal(t, "uid-a", owner)
	assert.Equal(t, []string{"velero/plugins/csdr/backups/n/source/uid-a", "velero/plugins/csdr/claims/n"}, s.keys())
	got, err := v.Owner(ctx, "n")
	require.NoError(t, err)
	assert.Equal(t, "uid-a", got)

	// A second process of the same cluster: its name already, the source marker written again if lost.
	require.NoError(t, s.Delete(ctx, v.Layout.Source("n", "uid-a")))
	owner, err = v.Claim(ctx, "n", "uid-a")
	require.NoError(t, err)
	assert.Equal(t, "uid-a", owner)
	assert.Contains(t, s.keys(), v.Layout.Source("n", "uid-a"))

	before := s.keys()
	owner, err = v.Claim(ctx, "n", "uid-b")
	require.NoError(t, err)
	assert.Equal(t, "uid-a", owner, "another cluster's name")
	assert.Equal(t, before, s.keys(), "nothing written")

	got, err = v.Owner(ctx, "never-claimed")
	require.NoError(t, err)
	assert.Equal(t, "", got)
}

// Many clusters claiming one name at once: exactly one holds it, and all agree which.
func TestClaimRace(t *testing.T) {
	v, s := newVault()
	owners := make([]string, 16)
	var wg sync.WaitGroup
	for i := range owners {
		wg.Go(func() {
			var err error
			owners[i], err = v.Claim(context.Background(), "n", fmt.Sprintf("uid-%02d", i))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	for _, o := range owners {
		assert.Equal(t, owners[0], o)
	}
	ix, err := v.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{owners[0]}, ix.Backups["n"].Sources)
	assert.Len(t, s.keys(), 2)
}

func TestClaimErrors(t *testing.T) {
	ctx := context.Background()
	denied := &cloud.Error{Service: "oss", Operation: "PutObject", Kind: cloud.ErrDenied, Code: "AccessDenied"}

	v, s := newVault()
	s.fail["Create velero/plugins/csdr/claims/n"] = denied
	_, err := v.Claim(ctx, "n", "uid-a")
	assert.ErrorIs(t, err, cloud.ErrDenied)
	assert.ErrorContains(t, err, `claim backup name "n"`)

	v, s = newVault()
	s.fail["Get velero/plugins/csdr/claims/n"] = denied
	_, err = v.Claim(ctx, "n", "uid-a")
	assert.ErrorIs(t, err, cloud.ErrDenied)
	assert.ErrorContains(t, err, `read the claim of backup name "n"`)
	assert.NotContains(t, s.calls, "Create velero/plugins/csdr/claims/n", "a claim that cannot be read is not overwritten")

	v, s = newVault()
	require.NoError(t, s.Create(ctx, v.Layout.Claim("n"), []byte("uid-b")))
	s.fail["Get velero/plugins/csdr/claims/n"] = denied
	_, err = v.Claim(ctx, "n", "uid-a")
	assert.ErrorIs(t, err, cloud.ErrDenied)
	assert.ErrorContains(t, err, `read the claim of backup name "n"`)

	v, s = newVault()
	require.NoError(t, s.Create(ctx, v.Layout.Claim("n"), []byte("not/an identity")))
	_, err = v.Claim(ctx, "n", "uid-a")
	assert.ErrorContains(t, err, "cannot name an object in the vault")

	_, err = v.Claim(ctx, "m", "")
	assert.ErrorContains(t, err, "cannot name an object in the vault")
}

// A claim released between the create that found it and the read: the name is free, a retry takes it.
func TestClaimReleasedWhileRead(t *testing.T) {
	ctx := context.Background()
	v, s := newVault()
	v.Store = &takenOnce{memStore: s, key: v.Layout.Claim("n")}
	owner, err := v.Claim(ctx, "n", "uid-a")
	require.NoError(t, err)
	assert.Equal(t, "uid-a", owner)
	assert.Contains(t, s.keys(), v.Layout.Source("n", "uid-a"))
	assert.Equal(t, []string{
		"Get velero/plugins/csdr/claims/n", // free
		"Get velero/plugins/csdr/claims/n", // taken at the create, released by now
		"Create velero/plugins/csdr/claims/n",
	}, s.calls[:3])
}

// takenOnce answers the first create of key as taken by someone who has let go by the next read.
type takenOnce struct {
	*memStore
	key  string
	once sync.Once
}

func (r *takenOnce) Create(ctx context.Context, key string, data []byte) error {
	taken := false
	if key == r.key {
		r.once.Do(func() { taken = true })
	}
	if taken {
		return &cloud.Error{Kind: cloud.ErrAlreadyExists, Code: "FileAlreadyExists"}
	}
	return r.memStore.Create(ctx, key, data)
}

// On a bucket with versioning, OSS ignores forbid-overwrite: the read before the create keeps the
// claim, and markers keep their first time.
func TestVersionedBucketKeepsClaimsAndTimes(t *testing.T) {
	ctx := context.Background()
	v, s := newVault()
	v.Store = overwriting{s}
	_, err := v.Claim(ctx, "n", "uid-a")
	require.NoError(t, err)
	owner, err := v.Claim(ctx, "n", "uid-b")
	require.NoError(t, err)
	assert.Equal(t, "uid-a", owner)
	require.NoError(t, v.MarkDeleted(ctx, "n", "uid-b"))
	first := s.now
	s.tick(time.Hour)
	require.NoError(t, v.MarkDeleted(ctx, "n", "uid-b"))
	ix, err := v.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, first, ix.Backups["n"].Deleted["uid-b"])
	assert.Equal(t, "uid-a", ix.Source("n"))
}

// overwriting is a bucket with versioning: a create overwrites like any PUT.
type overwriting struct{ *memStore }

func (o overwriting) Create(_ context.Context, key string, data []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.objects[key] = memObject{data: data, at: o.now}
	return nil
}

func TestJoinAndTombstoneKeepTheirFirstTime(t *testing.T) {
	ctx := context.Background()
	v, s := newVault()
	require.NoError(t, v.Join(ctx, "uid-b"))
	require.NoError(t, v.MarkDeleted(ctx, "n", "uid-b"))
	first := s.now
	s.tick(time.Hour)
	require.NoError(t, v.Join(ctx, "uid-b"), "joining again is no error")
	require.NoError(t, v.MarkDeleted(ctx, "n", "uid-b"))
	require.NoError(t, v.MarkCompleted(ctx, "n"))
	require.NoError(t, v.MarkCompleted(ctx, "n"))
	ix, err := v.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, first, ix.Members["uid-b"])
	assert.Equal(t, first, ix.Backups["n"].Deleted["uid-b"])
	assert.True(t, ix.Backups["n"].Completed)
	assert.ErrorContains(t, v.Join(ctx, "a/b"), "cannot name an object")
	assert.ErrorContains(t, v.MarkDeleted(ctx, "n", ""), "cannot name an object")

	s.fail["Create velero/plugins/csdr/backups/n2/completed"] = &cloud.Error{Kind: cloud.ErrUnavailable}
	err = v.MarkCompleted(ctx, "n2")
	assert.ErrorIs(t, err, cloud.ErrUnavailable)
	assert.ErrorContains(t, err, "write velero/plugins/csdr/backups/n2/completed to the vault index")
}

func TestForgetFreesTheNameLast(t *testing.T) {
	ctx := context.Background()
	v, s := newVault()
	_, err := v.Claim(ctx, "n", "uid-a")
	require.NoError(t, err)
	require.NoError(t, v.MarkCompleted(ctx, "n"))
	require.NoError(t, v.MarkDeleted(ctx, "n", "uid-b"))
	_, err = v.Claim(ctx, "n10", "uid-a") // a name that n is a prefix of stays
	require.NoError(t, err)
	s.calls = nil

	require.NoError(t, v.Forget(ctx, "n"))
	assert.Equal(t, []string{"velero/plugins/csdr/backups/n10/source/uid-a", "velero/plugins/csdr/claims/n10"}, s.keys())
	assert.Equal(t, "Delete velero/plugins/csdr/claims/n", s.calls[len(s.calls)-1], "the claim goes last")

	owner, err := v.Claim(ctx, "n", "uid-b")
	require.NoError(t, err)
	assert.Equal(t, "uid-b", owner, "the name is free again")

	s.fail["Delete velero/plugins/csdr/backups/n/source/uid-b"] = &cloud.Error{Kind: cloud.ErrDenied}
	err = v.Forget(ctx, "n")
	assert.True(t, errors.Is(err, cloud.ErrDenied))
	assert.Contains(t, s.keys(), v.Layout.Claim("n"), "a failed forget keeps the claim")
}

func TestLoadFails(t *testing.T) {
	v, s := newVault()
	s.fail["List velero/plugins/csdr/"] = &cloud.Error{Kind: cloud.ErrThrottled}
	_, err := v.Load(context.Background())
	assert.ErrorIs(t, err, cloud.ErrThrottled)
	assert.ErrorContains(t, err, "read the vault index velero/plugins/csdr/")
}
