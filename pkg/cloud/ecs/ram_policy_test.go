package ecs_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/rampolicy"
)

// ramPolicyFile is the least-privilege ECS policy for the VolumeSnapshotter's RAM user or role.
const ramPolicyFile = "../../../examples/velero-install/ram-policy-ecs.json"

// The policy must grant exactly the ECS actions this package calls.
func TestRAMPolicyGrantsExactlyTheActionsCalled(t *testing.T) {
	statements, err := rampolicy.Read(ramPolicyFile)
	require.NoError(t, err)
	require.Len(t, statements, 1)
	assert.Equal(t, "Allow", statements[0].Effect)
	granted := append([]string(nil), statements[0].Action...)
	sort.Strings(granted)
	called, err := rampolicy.RPCActionsCalled(".", "ecs")
	require.NoError(t, err)
	assert.Equal(t, called, granted)
}
