package ecs_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/rampolicy"
)

// The least-privilege ECS policy for the VolumeSnapshotter's RAM user or role grants exactly the ECS actions this package calls.
func TestRAMPolicyGrantsExactlyTheActionsCalled(t *testing.T) {
	granted, called, err := rampolicy.GrantedAndCalled("../../../examples/velero-install/ram-policy-ecs.json", ".", "ecs")
	require.NoError(t, err)
	assert.Equal(t, called, granted)
}

// csdr-controller asks ECS only whether a backup's snapshots exist (DescribeSnapshot, in
// controller/datalocations): its ECS policy grants exactly the actions that call sends.
func TestControllerRAMPolicyGrantsExactlyWhatDescribeSnapshotCalls(t *testing.T) {
	statements, err := rampolicy.Read("../../../examples/velero-install/ram-policy-controller-ecs.json")
	require.NoError(t, err)
	require.Len(t, statements, 1)
	require.Equal(t, "Allow", statements[0].Effect)

	srv, c := newEnv(t)
	_, err = c.DescribeSnapshot(ctx(t), "cn-hangzhou", "s-not-there")
	require.ErrorIs(t, err, cloud.ErrNotFound)
	var sent []string
	for action := range maps.Keys(srv.ECS().Stats().Operations) {
		sent = append(sent, "ecs:"+action)
	}
	assert.Equal(t, slices.Sorted(slices.Values(sent)), slices.Sorted(slices.Values(statements[0].Action)))
}
